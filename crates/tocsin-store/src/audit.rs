//! Appending to and checking the hash-chained audit log.

use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use tocsin_domain::audit::{AuditEntry, AuditEvent, ChainBreak, ChainReport, ChainVerifier};

use crate::param::{self, Param};
use crate::{timestamp_text, Store, StoreError};

/// Appends `event` inside the caller's transaction, so the entry commits with the change it
/// describes. Taking the head row by UPDATE first makes concurrent appenders queue up (a row
/// lock on PostgreSQL, the write lock on SQLite), so sequence numbers never collide.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    event: AuditEvent,
    now: OffsetDateTime,
) -> Result<AuditEntry, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let entry = AuditEntry::seal(seq, timestamp_text(now), event, prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity, before_state, after_state, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.seq)
    .bind(&entry.at)
    .bind(&entry.event.actor)
    .bind(&entry.event.action)
    .bind(&entry.event.entity)
    .bind(&entry.event.before)
    .bind(&entry.event.after)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
    Ok(entry)
}

impl Store {
    /// Records an event on its own (for actions that change nothing else in the database).
    pub async fn record(
        &self,
        event: AuditEvent,
        now: OffsetDateTime,
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entry = append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The audit entries in order, newest last; `after` skips entries up to that sequence number.
    pub async fn audit_entries(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, before_state, after_state, prev_hash, hash \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Checks the whole chain, page by page, and that its head matches the last entry.
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        const PAGE: i64 = 5_000;
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        'pages: loop {
            let page = self.audit_entries(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for entry in &page {
                if !verifier.push(entry) {
                    break 'pages;
                }
            }
        }
        let mut report = verifier.finish();
        if report.first_break.is_none() {
            let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
            let head_seq: i64 = head.try_get("seq")?;
            let head_hash: String = head.try_get("hash")?;
            if head_seq != report.entries as i64 || head_hash != report.last_hash {
                report.first_break = Some(ChainBreak {
                    seq: report.entries as i64 + 1,
                    reason: format!(
                        "the log ends at entry {} but its head records entry {head_seq} \
                         (entries were removed from the end)",
                        report.entries
                    ),
                });
            }
        }
        Ok(report)
    }
}

pub(crate) fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        event: AuditEvent {
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            entity: row.try_get("entity")?,
            before: row.try_get("before_state")?,
            after: row.try_get("after_state")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Audit entries appended by the writes of one group commit: the head is read (and locked)
/// once, entries are chained in memory in the order the writes ran, and all of them are
/// inserted, with the new head, by [`AuditTail::finish`] just before the commit. Nothing reads
/// the log inside a group commit, so deferring the inserts changes nothing that can be seen.
#[derive(Default)]
pub(crate) struct AuditTail {
    /// The head as of the last entry chained: `(seq, hash)`, once read.
    head: Option<(i64, String)>,
    entries: Vec<AuditEntry>,
}

/// Takes the head row's lock (the row lock on PostgreSQL, the write lock on SQLite) with a
/// write that changes nothing, and reads it.
pub(crate) const LOCK_HEAD: &str =
    "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";

/// Moves the head to entry `$1` with hash `$2`.
pub(crate) const MOVE_HEAD: &str = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";

/// The values of an audit entry's row, in the order of [`insert_entries`]'s columns.
pub(crate) const ENTRY_VALUES: usize = 9;

/// Inserts the audit entries given by `values` (placeholders for [`ENTRY_VALUES`] values a row).
pub(crate) fn insert_entries(values: &str) -> String {
    format!(
        "INSERT INTO audit_log (seq, at, actor, action, entity, before_state, after_state, prev_hash, hash) \
         VALUES {values}"
    )
}

/// The values of `entry`'s row.
pub(crate) fn entry_params(entry: &AuditEntry) -> [Param<'_>; ENTRY_VALUES] {
    [
        Param::Int(Some(entry.seq)),
        Param::Text(Some(&entry.at)),
        Param::Text(Some(&entry.event.actor)),
        Param::Text(Some(&entry.event.action)),
        Param::Text(Some(&entry.event.entity)),
        Param::Text(entry.event.before.as_deref()),
        Param::Text(entry.event.after.as_deref()),
        Param::Text(Some(&entry.prev_hash)),
        Param::Text(Some(&entry.hash)),
    ]
}

impl AuditTail {
    /// Whether the head must be read before the next entry is chained.
    pub(crate) fn needs_head(&self) -> bool {
        self.head.is_none()
    }

    /// The head as read, locked, inside the transaction.
    pub(crate) fn set_head(&mut self, seq: i64, hash: String) {
        self.head = Some((seq, hash));
    }

    /// Chains `event` after the entries before it, the head being known; returns its
    /// sequence number.
    pub(crate) fn push(
        &mut self,
        event: AuditEvent,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let (seq, prev_hash) = self
            .head
            .take()
            .ok_or_else(|| StoreError::Corrupt("the audit head was not read".to_string()))?;
        let entry = AuditEntry::seal(seq + 1, timestamp_text(now), event, prev_hash);
        self.head = Some((entry.seq, entry.hash.clone()));
        self.entries.push(entry);
        Ok(seq + 1)
    }

    /// Chains `event` after the entries before it, reading the head first if need be;
    /// returns its sequence number.
    pub(crate) async fn append(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        event: AuditEvent,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        if self.needs_head() {
            let head = sqlx::query(LOCK_HEAD).fetch_one(&mut **tx).await?;
            self.set_head(head.try_get("seq")?, head.try_get("hash")?);
        }
        self.push(event, now)
    }

    /// The entries chained since the last call, to be inserted with the head moved to the
    /// last of them; the head is read again for the next entry.
    pub(crate) fn take(&mut self) -> Vec<AuditEntry> {
        self.head = None;
        std::mem::take(&mut self.entries)
    }

    /// Inserts the chained entries and moves the head past them.
    pub(crate) async fn finish(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        backend: crate::Backend,
    ) -> Result<(), StoreError> {
        // 9 values a row: well under both engines' parameter limits.
        const CHUNK: usize = 1_000;
        let entries = self.take();
        for chunk in entries.chunks(CHUNK) {
            let sql = insert_entries(&crate::values_placeholders(
                backend,
                chunk.len(),
                ENTRY_VALUES,
            ));
            param::bind(sqlx::query(&sql), chunk.iter().flat_map(entry_params))
                .execute(&mut **tx)
                .await?;
        }
        if let Some(last) = entries.last() {
            sqlx::query(MOVE_HEAD)
                .bind(last.seq)
                .bind(&last.hash)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}
