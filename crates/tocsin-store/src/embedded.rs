//! The intake writer's own connection to a SQLite file, called directly on the writer's
//! thread.
//!
//! sqlx drives each SQLite connection from a worker thread of its own, and every statement is
//! a round trip to that thread: the writer hands the statement over, the worker wakes, runs it
//! and wakes the writer again. Under load, profiled at 128 concurrent API clients, that
//! connection thread took a third of the server's CPU time, nearly all of it in switching
//! between threads rather than in SQLite. The group commit of deliveries and reports without a
//! sender (what every `POST /api/v1/reports` and every gateway delivery waits on) therefore
//! runs here, on a rusqlite connection owned by the writer thread, with its statements
//! prepared once and kept. The statements and the values they bind are the ones the sqlx path
//! uses for PostgreSQL and in-memory databases ([`crate::intake`], [`crate::audit`]), and the
//! outcome of every write is decided by the same code ([`ReceivePlan`], [`AcceptPlan`]).
//! Every other write still goes through sqlx.

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::audit::{self, AuditTail};
use crate::intake::{
    self, AcceptPlan, AcceptRow, AcceptWrite, InboxEntry, InboxState, ReceivePlan, ReceiveWrite,
    HELD_REPORT,
};
use crate::param::Param;
use crate::{situations, Accepted, Received, StoreError};

/// The intake writer's connection, with the settings of the sqlx one it stands in for: a
/// commit is written to the write-ahead log and flushed to disk by the flusher
/// (`synchronous = NORMAL`, see `group_commit`).
pub(crate) struct EmbeddedWriter {
    connection: Connection,
}

impl EmbeddedWriter {
    /// Opens the database file `file` (already created and in WAL mode).
    pub(crate) fn open(file: &str) -> Result<EmbeddedWriter, StoreError> {
        let connection = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_millis(crate::BUSY_TIMEOUT_MS))?;
        connection.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA synchronous = NORMAL; \
             PRAGMA wal_autocheckpoint = {};",
            crate::WRITER_CHECKPOINT_PAGES
        ))?;
        Ok(EmbeddedWriter { connection })
    }

    /// Stores the deliveries and the reports without a sender of one group commit in one
    /// transaction, deliveries first, and commits.
    pub(crate) fn write(
        &mut self,
        receives: &[&ReceiveWrite],
        accepts: &[&AcceptWrite],
    ) -> Result<(Vec<Received>, Vec<Accepted>), StoreError> {
        // The write lock from the start: this connection only ever writes.
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let received = receive(&tx, receives)?;
        let accepted = accept(&tx, accepts)?;
        tx.commit()?;
        Ok((received, accepted))
    }
}

fn receive(tx: &Transaction<'_>, writes: &[&ReceiveWrite]) -> Result<Vec<Received>, StoreError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut plan = ReceivePlan::new(writes);
    let mut upsert =
        tx.prepare_cached(&intake::inbox_upsert(&placeholders(intake::INBOX_VALUES)))?;
    for index in std::mem::take(&mut plan.alone) {
        let entry = upsert.query_row(plan.alone_params(index), inbox_entry)?;
        plan.settle_alone(index, entry);
    }
    for (key, deliveries) in std::mem::take(&mut plan.keys) {
        let entry = upsert.query_row(plan.key_params(key, &deliveries), inbox_entry)?;
        plan.settle_key(&deliveries, entry);
    }
    plan.finish()
}

fn accept(tx: &Transaction<'_>, writes: &[&AcceptWrite]) -> Result<Vec<Accepted>, StoreError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let plan = AcceptPlan::new(writes);
    {
        let mut ensure = tx.prepare_cached(situations::ENSURE_SITUATION)?;
        for situation in plan.situations() {
            for wanted in situations::country_situations(situation)? {
                ensure.execute(situations::situation_params(&wanted))?;
            }
        }
    }
    let firsts: Vec<&AcceptRow> = plan.firsts().collect();
    let mut stored: HashMap<String, (i64, bool)> = HashMap::with_capacity(firsts.len());
    {
        let mut insert =
            tx.prepare_cached(&intake::report_insert(&placeholders(intake::REPORT_VALUES)))?;
        let mut held = tx.prepare_cached(HELD_REPORT)?;
        for row in firsts {
            // One row: inserted, or left out as held before.
            let mut returned = insert.query(row.params())?;
            let id = match returned.next()? {
                Some(inserted) => Some(inserted.get::<_, i64>(0)?),
                None => None,
            };
            drop(returned);
            let stored_as = match id {
                Some(id) => (id, true),
                None => (held.query_row(row.held_params(), |r| r.get(0))?, false),
            };
            stored.insert(row.fingerprint().to_string(), stored_as);
        }
    }
    let resolved = plan.resolve(&stored)?;
    {
        let mut link =
            tx.prepare_cached("UPDATE inbox SET state = 'accepted', report_id = ?2 WHERE id = ?1")?;
        for (inbox_id, report_id) in &resolved.links {
            link.execute([inbox_id, report_id])?;
        }
    }
    if !resolved.receipts.is_empty() {
        let mut tail = AuditTail::default();
        // The transaction holds the write lock: the head cannot move under it.
        let (seq, hash) =
            tx.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        tail.set_head(seq, hash);
        for (event, now) in resolved.receipts {
            tail.push(event, now)?;
        }
        let entries = tail.take();
        let mut insert =
            tx.prepare_cached(&audit::insert_entries(&placeholders(audit::ENTRY_VALUES)))?;
        for entry in &entries {
            insert.execute(audit::entry_params(entry))?;
        }
        if let Some(last) = entries.last() {
            tx.prepare_cached(audit::MOVE_HEAD)?
                .execute([Param::Int(Some(last.seq)), Param::Text(Some(&last.hash))])?;
        }
    }
    Ok(resolved.accepted)
}

/// One row of `columns` anonymous placeholders.
fn placeholders(columns: usize) -> String {
    format!("({})", vec!["?"; columns].join(", "))
}

/// An inbox row as `inbox_upsert` returns it.
fn inbox_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<InboxEntry> {
    let state: String = row.get(3)?;
    Ok(InboxEntry {
        id: row.get(0)?,
        received_at: row.get(1)?,
        channel: row.get(2)?,
        state: InboxState::parse(&state).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                error.to_string().into(),
            )
        })?,
        report_id: row.get(4)?,
        error_code: row.get(5)?,
        error_message: row.get(6)?,
        deliveries: row.get(7)?,
    })
}
