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
//! prepared once and kept. The values bound are the ones the sqlx path binds for PostgreSQL and
//! in-memory databases ([`crate::intake`], [`crate::audit`]), and the outcome of every write is
//! decided by the same code ([`ReceivePlan`], [`AcceptPlan`]). The statements differ in one
//! way: rows are inserted one at a time without `RETURNING`, which SQLite carries out through a
//! temporary table built and dropped at every execution, and the new row's id is read from the
//! connection; only a delivery key held before takes the upsert that returns the held row.
//! Every other write still goes through sqlx.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::audit::{self, AuditTail};
use crate::intake::{
    self, AcceptPlan, AcceptRow, AcceptWrite, DatasetFacts, DatasetImport, InboxEntry, InboxState,
    NewReport, ReceivePlan, ReceiveWrite, HELD_REPORT, REPORT_VALUES,
};
use crate::param::Param;
use crate::{situations, timestamp_text, Accepted, Received, StoreError};
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::SituationId;

/// The intake writer's connection, with the settings of the sqlx one it stands in for: a
/// commit is written to the write-ahead log and flushed to disk by the flusher
/// (`synchronous = NORMAL`, see `group_commit`).
pub(crate) struct EmbeddedWriter {
    connection: Connection,
}

impl EmbeddedWriter {
    /// Opens the database file `file` (already created and in WAL mode).
    pub(crate) fn open(file: &str) -> Result<EmbeddedWriter, StoreError> {
        let connection = connect(
            file,
            &format!(
                "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = {};",
                crate::WRITER_CHECKPOINT_PAGES
            ),
        )?;
        Ok(EmbeddedWriter { connection })
    }

    /// Stores the deliveries and the reports without a sender of one group commit in one
    /// transaction, deliveries first, and commits.
    pub(crate) fn write(
        &mut self,
        receives: &[&ReceiveWrite],
        accepts: &[&AcceptWrite],
    ) -> Result<(Vec<Received>, Vec<Accepted>), StoreError> {
        // The write lock from the start: this connection only ever writes. `BEGIN` and
        // `COMMIT` are prepared once and kept, as every other statement of the batch is
        // (rusqlite's transactions parse them anew each time, a few microseconds a batch on
        // the thread every caller waits on).
        let connection = &self.connection;
        connection.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let written = receive(connection, receives).and_then(|received| {
            let accepted = accept(connection, accepts)?;
            connection.prepare_cached("COMMIT")?.execute([])?;
            Ok((received, accepted))
        });
        if written.is_err() && !connection.is_autocommit() {
            // Nothing of a failed batch is kept; the error is the one its callers hear.
            let _ = connection.execute_batch("ROLLBACK");
        }
        written
    }
}

fn receive(tx: &Connection, writes: &[&ReceiveWrite]) -> Result<Vec<Received>, StoreError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut plan = ReceivePlan::new(writes);
    // Each row is first inserted plainly, its id read from the connection; only a key held
    // before takes the upsert, whose `RETURNING` gives the held row. The outcome is the one
    // the upsert alone would give (`inserted_entry` is the row it would return).
    let mut insert =
        tx.prepare_cached(&intake::inbox_insert(&placeholders(intake::INBOX_VALUES)))?;
    for index in std::mem::take(&mut plan.alone) {
        // No key, so nothing to conflict with: always a new row.
        insert.execute(plan.alone_params(index))?;
        let entry = plan.inserted_entry(&[index], tx.last_insert_rowid());
        plan.settle_alone(index, entry);
    }
    for (key, deliveries) in std::mem::take(&mut plan.keys) {
        let entry = if insert.execute(plan.key_params(key, &deliveries))? == 1 {
            plan.inserted_entry(&deliveries, tx.last_insert_rowid())
        } else {
            tx.prepare_cached(&intake::inbox_upsert(&placeholders(intake::INBOX_VALUES)))?
                .query_row(plan.key_params(key, &deliveries), inbox_entry)?
        };
        plan.settle_key(&deliveries, entry);
    }
    plan.finish()
}

fn accept(tx: &Connection, writes: &[&AcceptWrite]) -> Result<Vec<Accepted>, StoreError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let plan = AcceptPlan::new(writes)?;
    ensure_situations(tx, plan.situations())?;
    let firsts: Vec<&AcceptRow> = plan.firsts().collect();
    let mut stored: HashMap<String, (i64, bool)> = HashMap::with_capacity(firsts.len());
    {
        // Without `RETURNING` (see `receive`): the connection says whether the row went in,
        // and its id.
        let mut insert = tx.prepare_cached(&intake::report_insert_one(&placeholders(
            intake::REPORT_VALUES,
        )))?;
        let mut held = tx.prepare_cached(HELD_REPORT)?;
        for row in firsts {
            // One row: inserted, or left out as held before.
            let stored_as = if insert.execute(row.params())? == 1 {
                (tx.last_insert_rowid(), true)
            } else {
                (held.query_row(row.held_params(), |r| r.get(0))?, false)
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
    append_audit(tx, resolved.receipts)?;
    Ok(resolved.accepted)
}

/// Makes sure the countries and areas `named` exist (see [`situations::country_situations`]).
fn ensure_situations<'a>(
    tx: &Connection,
    named: impl IntoIterator<Item = &'a SituationId>,
) -> Result<(), StoreError> {
    let mut ensure = tx.prepare_cached(situations::ENSURE_SITUATION)?;
    for situation in named {
        for wanted in situations::country_situations(situation)? {
            ensure.execute(situations::situation_params(&wanted))?;
        }
    }
    Ok(())
}

/// Appends `events` to the audit log, in order, chained after its head.
fn append_audit(
    tx: &Connection,
    events: Vec<(AuditEvent, OffsetDateTime)>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut tail = AuditTail::default();
    // The transaction holds the write lock: the head cannot move under it.
    let (seq, hash) = tx
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    tail.set_head(seq, hash);
    for (event, now) in events {
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
    Ok(())
}

/// SQLite's page cache for a dataset import's connection, in KiB. A dataset is tens of
/// megabytes of pages: with the default cache (2 MB) the transaction spills pages to the log
/// and writes the index pages again and again.
const IMPORT_CACHE_KIB: u32 = 128 * 1024;

/// Reports handed from the reading thread to the storing one at a time, once under way.
const IMPORT_CHUNK: usize = 256;

/// The first chunk of reports handed on: small, so that storing starts as soon as a few rows
/// are read; each next chunk is twice the one before, up to [`IMPORT_CHUNK`].
const IMPORT_FIRST_CHUNK: usize = 16;

/// Imports a dataset's events as reports into the SQLite file `file` (see
/// [`crate::Store::import_dataset_reports`]): `read` runs on a thread of its own and hands its
/// reports over in chunks, while this thread stores them, in one transaction on a connection of
/// the import's own, with one prepared insert run for every report. The transaction commits
/// only once `read` has said the whole file is good. The commit is on disk when this returns
/// (`synchronous = FULL`); copying the log into the database file is left to the next
/// checkpoint (the checkpointer's, another connection's commit, or the store's closing), as it
/// is for intake.
pub(crate) fn import_reports<E>(
    file: &str,
    import: &DatasetImport<'_>,
    read: impl FnOnce(&mut dyn FnMut(NewReport)) -> Result<DatasetFacts, E> + Send,
) -> Result<(DatasetFacts, u64), E>
where
    E: From<StoreError> + Send,
{
    std::thread::scope(|scope| {
        // A few chunks in flight keep both threads busy without holding the file in memory.
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<NewReport>>(8);
        // Stored chunks go back to the reading thread to be freed there: the thread that
        // allocated their text frees it fastest, and the storing thread, which sets the pace,
        // is spared the work.
        let (spent, stored) = std::sync::mpsc::channel::<Vec<NewReport>>();
        let reader = std::thread::Builder::new()
            .name("tocsin-import-read".to_string())
            .spawn_scoped(scope, move || {
                let mut size = IMPORT_FIRST_CHUNK;
                let mut chunk = Vec::with_capacity(size);
                let facts = read(&mut |report| {
                    chunk.push(report);
                    if chunk.len() == size {
                        size = (size * 2).min(IMPORT_CHUNK);
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(size));
                        // Refused only once storing has failed: the rest is read to the end
                        // and dropped.
                        let _ = chunks.send(full);
                        stored.try_iter().for_each(drop);
                    }
                });
                if !chunk.is_empty() {
                    let _ = chunks.send(chunk);
                }
                drop(chunks);
                // Until the storing thread is done with the last chunk.
                stored.iter().for_each(drop);
                facts
            })
            .map_err(|error| {
                StoreError::Corrupt(format!("cannot start the reading thread: {error}"))
            })?;
        store_chunks(file, import, received, spent, || {
            reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// Stores the reports arriving on `chunks`, then asks `finish` what the file held and commits
/// (or, if it failed, rolls back and returns its error).
fn store_chunks<E: From<StoreError>>(
    file: &str,
    import: &DatasetImport<'_>,
    chunks: std::sync::mpsc::Receiver<Vec<NewReport>>,
    spent: std::sync::mpsc::Sender<Vec<NewReport>>,
    finish: impl FnOnce() -> Result<DatasetFacts, E>,
) -> Result<(DatasetFacts, u64), E> {
    let mut connection = connect(
        file,
        &format!(
            "PRAGMA synchronous = FULL; PRAGMA cache_size = -{IMPORT_CACHE_KIB}; \
             PRAGMA wal_autocheckpoint = 0;"
        ),
    )?;
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let inserted = insert_chunks(&tx, import, chunks, spent)?;
    // The whole file must be good before anything of it is kept.
    let facts = finish()?;
    append_audit(
        &tx,
        vec![(import.audit_event(&facts, inserted), import.now)],
    )?;
    tx.commit().map_err(StoreError::from)?;
    Ok((facts, inserted))
}

/// Inserts every report arriving on `chunks`; returns how many were new.
fn insert_chunks(
    tx: &Transaction<'_>,
    import: &DatasetImport<'_>,
    chunks: std::sync::mpsc::Receiver<Vec<NewReport>>,
    spent: std::sync::mpsc::Sender<Vec<NewReport>>,
) -> Result<u64, StoreError> {
    let mut insert = tx.prepare(&DatasetImport::insert(&placeholders(REPORT_VALUES)))?;
    let mut inserted = 0u64;
    // A dataset names the same countries in chunk after chunk: each is made sure of once.
    let mut ensured: HashSet<SituationId> = HashSet::new();
    for chunk in chunks {
        let named = intake::named_situations(&chunk)
            .into_iter()
            .filter(|&situation| ensured.insert(situation.clone()))
            .collect::<Vec<_>>();
        ensure_situations(tx, named)?;
        for report in &chunk {
            let observed_at = report.observed_at.map(timestamp_text);
            inserted += insert.execute(import.params(report, observed_at.as_deref()))? as u64;
        }
        // Freed by the reading thread, or here once it is gone.
        let _ = spent.send(chunk);
    }
    Ok(inserted)
}

/// A connection to the SQLite file `file` (already created and in WAL mode) with the settings
/// every connection of the store has, then `settings` (more `PRAGMA`s).
fn connect(file: &str, settings: &str) -> Result<Connection, StoreError> {
    let connection = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_millis(crate::BUSY_TIMEOUT_MS))?;
    connection.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; {settings}"
    ))?;
    Ok(connection)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group_commit::tests::delivery;
    use crate::{Store, Vault};

    // A batch that fails keeps nothing and leaves the connection ready for the next one: the
    // group commit then runs the failed batch's writes one by one on the same connection.
    #[tokio::test]
    async fn a_failed_batch_keeps_nothing_and_the_next_one_commits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db").display().to_string();
        let store = Store::open(&format!("sqlite://{file}")).await.unwrap();
        store.close().await;
        let mut writer = EmbeddedWriter::open(&file).unwrap();
        writer
            .connection
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.inbox \
                 WHEN NEW.delivery_key = 'api:refused' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .unwrap();
        let vault = Vault::from_hex(&"5a".repeat(32)).unwrap();
        let now = time::macros::datetime!(2026-11-23 12:00 UTC);
        let good = ReceiveWrite::new(&vault, delivery("api:good"), now);
        let bad = ReceiveWrite::new(&vault, delivery("api:refused"), now);
        let payloads = |writer: &EmbeddedWriter| -> i64 {
            writer
                .connection
                .query_row("SELECT count(*) FROM inbox", [], |row| row.get(0))
                .unwrap()
        };

        let error = writer.write(&[&good, &bad], &[]).unwrap_err();
        assert!(error.to_string().contains("refused by the test"), "{error}");
        assert_eq!(payloads(&writer), 0, "nothing of the failed batch is kept");
        assert!(writer.connection.is_autocommit(), "the transaction is over");

        let (received, _) = writer.write(&[&good], &[]).unwrap();
        assert!(matches!(received[..], [Received::New(_)]), "{received:?}");
        assert_eq!(payloads(&writer), 1);
        assert!(writer.write(&[&bad], &[]).is_err());
        let (received, _) = writer.write(&[&good], &[]).unwrap();
        assert!(
            matches!(received[..], [Received::Repeat(_)]),
            "{received:?}"
        );
        assert_eq!(payloads(&writer), 1);
    }
}
