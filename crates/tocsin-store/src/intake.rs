//! Field reports: the inbox of raw payloads, pseudonymous sources and the reports themselves.
//!
//! The order of work is what makes intake safe:
//! 1. [`Store::receive`] seals the payload exactly as it arrived and commits it before anything
//!    reads it, so a crash, a parser bug or a bad payload never loses what a person risked
//!    sending. A repeated delivery (same gateway message id or idempotency key) finds the first.
//! 2. The caller parses it outside the database.
//! 3. [`Store::accept`] turns it into a report (matching the sender to a source by keyed
//!    fingerprint, and folding a retry that arrives under a new message id into the first
//!    report by content fingerprint) or [`Store::reject`] records why it could not be read.

use std::collections::HashMap;

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{Channel, Contact, Credibility, SituationId, SourceId, Tlp, VerificationState};

use futures_util::future::BoxFuture;

use crate::group_commit::{Batch, Write};
use crate::param::{self, Param};
use crate::{audit, timestamp_text, Store, StoreError, Vault};

/// A payload as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// `api`, `twilio`, `smssync`, `web_form`.
    pub channel: &'a str,
    /// Gateway message id or idempotency key, already namespaced (`twilio:SM…`).
    pub delivery_key: Option<&'a str>,
    pub content_type: &'a str,
    pub payload: &'a [u8],
}

/// What became of a payload so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxState {
    Received,
    Accepted,
    Rejected,
    /// A subscription keyword (JOIN, STOP) for community alerts, not a report.
    Keyword,
}

impl InboxState {
    pub(crate) fn parse(text: &str) -> Result<InboxState, StoreError> {
        match text {
            "received" => Ok(InboxState::Received),
            "accepted" => Ok(InboxState::Accepted),
            "rejected" => Ok(InboxState::Rejected),
            "keyword" => Ok(InboxState::Keyword),
            other => Err(StoreError::Corrupt(format!("inbox state {other:?}"))),
        }
    }
}

/// The stored record of a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub id: i64,
    pub received_at: String,
    pub channel: String,
    pub state: InboxState,
    pub report_id: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// How many times the same payload was delivered.
    pub deliveries: i64,
}

/// The outcome of [`Store::receive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// First delivery: parse it and accept or reject it.
    New(i64),
    /// A repeat of an earlier delivery: answer as that one was answered.
    Repeat(InboxEntry),
}

/// Where a report says something happened, as far as it could be resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceInput {
    pub name: Option<String>,
    pub point: Option<(f64, f64)>,
    pub situation: Option<SituationId>,
    /// `resolved`, `unresolved` (goes to the analysts' place queue), `ambiguous` or `none`.
    pub state: &'static str,
}

/// A report ready to be stored.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub channel: Channel,
    pub sender: Option<Contact>,
    pub text: String,
    pub place: PlaceInput,
    pub observed_at: Option<OffsetDateTime>,
    pub language: Option<String>,
    pub credibility: Credibility,
    pub tlp: Tlp,
    /// `dataset:event-id` for imported dataset events.
    pub external_ref: Option<String>,
    pub details_json: Option<String>,
}

/// The outcome of [`Store::accept`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub report_id: i64,
    pub source_id: Option<SourceId>,
    /// The same content from the same sender was already a report: no new one was made.
    pub duplicate: bool,
}

pub(crate) fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::WebForm => "web_form",
        Channel::Api => "api",
        Channel::DatasetImport => "dataset",
    }
}

/// Lower case with runs of white space folded: retried texts compare equal.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn inbox_entry(row: &sqlx::any::AnyRow) -> Result<InboxEntry, StoreError> {
    Ok(InboxEntry {
        id: row.try_get("id")?,
        received_at: row.try_get("received_at")?,
        channel: row.try_get("channel")?,
        state: InboxState::parse(&row.try_get::<String, _>("state")?)?,
        report_id: row.try_get("report_id")?,
        error_code: row.try_get("error_code")?,
        error_message: row.try_get("error_message")?,
        deliveries: row.try_get("deliveries")?,
    })
}

const INBOX_COLUMNS: &str =
    "id, received_at, channel, state, report_id, error_code, error_message, deliveries";

impl Store {
    /// Stores a payload, sealed, and commits before returning; a repeat delivery is counted
    /// and the first one returned. Concurrent deliveries share one commit (group commit).
    pub async fn receive(
        &self,
        vault: &Vault,
        delivery: Delivery<'_>,
        now: OffsetDateTime,
    ) -> Result<Received, StoreError> {
        // Sealing is done here, by the caller's task, so the writer only writes.
        self.writer
            .receive(ReceiveWrite::new(vault, delivery, now))
            .await
    }

    /// Records why a payload could not be read; it stays in the inbox for analysts.
    pub async fn reject(&self, inbox_id: i64, code: &str, message: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE inbox SET state = 'rejected', error_code = $1, error_message = $2 WHERE id = $3",
        )
        .bind(code)
        .bind(message)
        .bind(inbox_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a report (and its source), links the payload it came from, and records the
    /// receipt in the audit log, all in one transaction (shared with concurrent intake writes).
    pub async fn accept(
        &self,
        vault: &Vault,
        inbox_id: Option<i64>,
        report: NewReport,
        now: OffsetDateTime,
    ) -> Result<Accepted, StoreError> {
        let write = AcceptWrite::new(vault, inbox_id, report, now);
        if write.report.sender.is_none() {
            // No source to find or create: stored with the other such reports of the batch.
            self.writer.accept(write).await
        } else {
            self.writer.submit(write).await
        }
    }

    /// Imports the events of a published dataset as reports, in one transaction, storing them
    /// as `read` hands them on: `read` runs on a thread of its own while the reports it has
    /// handed on are stored, and says at the end what the file held. An event already held
    /// (same `external_ref`) is left as it is, so importing a file again adds nothing. If `read`
    /// fails, nothing is stored and its error is returned. Returns the file's facts and how
    /// many events were new.
    pub async fn import_dataset_reports<E>(
        &self,
        file_name: &str,
        actor: &str,
        now: OffsetDateTime,
        read: impl FnOnce(&mut dyn FnMut(NewReport)) -> Result<DatasetFacts, E> + Send,
    ) -> Result<(DatasetFacts, u64), E>
    where
        E: From<StoreError> + Send,
    {
        let import = DatasetImport {
            file_name,
            actor,
            received_at: timestamp_text(now),
            now,
        };
        if let Some(file) = &self.sqlite_file {
            // A SQLite file: a connection of the import's own, called directly (see
            // `embedded`), on a thread that may block.
            return crate::dedicated::blocking(|| {
                crate::embedded::import_reports(file, &import, read)
            });
        }
        let mut reports = Vec::new();
        let facts = read(&mut |report| reports.push(report))?;
        let inserted = self
            .import_reports_on_pool(&import, &facts, &reports)
            .await?;
        Ok((facts, inserted))
    }

    /// The import of [`Store::import_dataset_reports`] through sqlx, for PostgreSQL and
    /// in-memory SQLite.
    async fn import_reports_on_pool(
        &self,
        import: &DatasetImport<'_>,
        facts: &DatasetFacts,
        reports: &[NewReport],
    ) -> Result<u64, StoreError> {
        // 14 values a row: 1,000 rows stay under both engines' parameter limits.
        const CHUNK: usize = 1_000;
        let mut tx = self.pool.begin().await?;
        for situation in named_situations(reports) {
            crate::situations::ensure_country(&mut tx, situation).await?;
        }
        let mut inserted = 0;
        for chunk in reports.chunks(CHUNK) {
            let sql = DatasetImport::insert(&crate::values_placeholders(
                self.backend,
                chunk.len(),
                REPORT_VALUES,
            ));
            let observed: Vec<Option<String>> = chunk
                .iter()
                .map(|report| report.observed_at.map(timestamp_text))
                .collect();
            let params = chunk
                .iter()
                .zip(&observed)
                .flat_map(|(report, observed_at)| import.params(report, observed_at.as_deref()));
            inserted += param::bind(sqlx::query(&sql), params)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        audit::append(&mut tx, import.audit_event(facts, inserted), import.now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Moves a report through the verification workflow if `role` may make that move, and
    /// records who, when, and the state before and after.
    pub async fn transition_report(
        &self,
        report_id: i64,
        to: VerificationState,
        role: tocsin_domain::Role,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<VerificationState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = crate::reports::report_row(&mut tx, "verification", report_id).await?;
        let from: VerificationState = row
            .try_get::<String, _>("verification")?
            .parse()
            .map_err(|error: tocsin_domain::DomainError| StoreError::Corrupt(error.to_string()))?;
        tocsin_domain::check_transition(from, to, role).map_err(StoreError::Refused)?;
        sqlx::query("UPDATE reports SET verification = $1 WHERE id = $2")
            .bind(to.as_str())
            .bind(report_id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "report.transition".to_string(),
                entity: format!("report:{report_id}"),
                before: Some(json!({ "verification": from.as_str() }).to_string()),
                after: Some(
                    json!({ "verification": to.as_str(), "role": role.as_str() }).to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(from)
    }

    /// The inbox entry of a payload.
    pub async fn inbox_entry(&self, inbox_id: i64) -> Result<InboxEntry, StoreError> {
        let row = sqlx::query(&format!("SELECT {INBOX_COLUMNS} FROM inbox WHERE id = $1"))
            .bind(inbox_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("inbox entry {inbox_id}"),
            })?;
        inbox_entry(&row)
    }

    /// A report's place state, situation and language (what a repeat delivery is told).
    pub async fn report_place(
        &self,
        report_id: i64,
    ) -> Result<(String, Option<SituationId>, Option<String>), StoreError> {
        let row =
            sqlx::query("SELECT place_state, situation_id, language FROM reports WHERE id = $1")
                .bind(report_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("report {report_id}"),
                })?;
        let situation: Option<String> = row.try_get("situation_id")?;
        Ok((
            row.try_get("place_state")?,
            situation
                .map(|s| SituationId::parse(&s))
                .transpose()
                .map_err(|error| StoreError::Corrupt(error.to_string()))?,
            row.try_get("language")?,
        ))
    }

    /// Payloads that could not be read, newest first, for analysts to look at.
    pub async fn rejected_payloads(&self, limit: i64) -> Result<Vec<InboxEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {INBOX_COLUMNS} FROM inbox WHERE state = 'rejected' ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inbox_entry).collect()
    }

    /// Opens a stored payload (for the source-handler role: it may hold contact details).
    pub async fn open_payload(&self, vault: &Vault, inbox_id: i64) -> Result<Vec<u8>, StoreError> {
        let row = sqlx::query("SELECT payload FROM inbox WHERE id = $1")
            .bind(inbox_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("inbox entry {inbox_id}"),
            })?;
        let sealed: Vec<u8> = row.try_get("payload")?;
        vault
            .open("payload", &sealed)
            .map_err(|error| StoreError::Corrupt(error.to_string()))
    }

    /// Reveals who a source is, recording who looked. The caller checks the role.
    pub async fn reveal_contact(
        &self,
        vault: &Vault,
        source: &SourceId,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Contact>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT contact_sealed FROM sources WHERE id = $1")
            .bind(source.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("source {source}"),
            })?;
        let sealed: Option<Vec<u8>> = row.try_get("contact_sealed")?;
        let contact = sealed
            .map(|sealed| {
                vault
                    .open("contact", &sealed)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))
                    .and_then(|bytes| {
                        String::from_utf8(bytes)
                            .map_err(|error| StoreError::Corrupt(error.to_string()))
                    })
                    .map(Contact::new)
            })
            .transpose()?;
        // Every look at a source's identity is on the record.
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "source.reveal".to_string(),
                entity: format!("source:{source}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }
}

/// The source behind `contact`, created (with a fresh pseudonym) on first contact.
async fn find_or_create_source(
    tx: &mut Transaction<'_, Any>,
    vault: &Vault,
    channel: Channel,
    contact: &Contact,
    now: OffsetDateTime,
) -> Result<SourceId, StoreError> {
    let fingerprint = vault.fingerprint("contact", contact.expose().as_bytes());
    let existing = sqlx::query("SELECT id FROM sources WHERE contact_fingerprint = $1")
        .bind(fingerprint.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        return SourceId::parse(&id).map_err(|error| StoreError::Corrupt(error.to_string()));
    }
    // A pseudonym collision is astronomically unlikely (31^6), but cheap to retry.
    for _ in 0..5 {
        let mut random = [0u8; 6];
        OsRng.fill_bytes(&mut random);
        let id = SourceId::from_random(random);
        let inserted = sqlx::query(
            "INSERT INTO sources (id, channel, reliability, contact_sealed, contact_fingerprint, created_at) \
             VALUES ($1, $2, 'F', $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(channel_name(channel))
        .bind(vault.seal("contact", contact.expose().as_bytes()))
        .bind(fingerprint.as_str())
        .bind(timestamp_text(now))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(id);
        }
    }
    Err(StoreError::Conflict(
        "could not draw a free source pseudonym".to_string(),
    ))
}

/// [`Store::receive`]'s write: the sealed payload into the inbox, or a repeat counted.
pub(crate) struct ReceiveWrite {
    received_at: String,
    channel: String,
    delivery_key: Option<String>,
    content_type: String,
    sealed: Vec<u8>,
}

impl ReceiveWrite {
    /// The write storing `delivery`, sealed with `vault`.
    pub(crate) fn new(vault: &Vault, delivery: Delivery<'_>, now: OffsetDateTime) -> ReceiveWrite {
        ReceiveWrite {
            received_at: timestamp_text(now),
            channel: delivery.channel.to_string(),
            delivery_key: delivery.delivery_key.map(str::to_string),
            content_type: delivery.content_type.to_string(),
            sealed: vault.seal("payload", delivery.payload),
        }
    }

    /// The values of the inbox row stored for this delivery: `key` is its delivery key, and
    /// `deliveries` how often it came in this batch.
    fn params<'a>(&'a self, key: Option<&'a str>, deliveries: usize) -> [Param<'a>; INBOX_VALUES] {
        [
            Param::Text(Some(&self.received_at)),
            Param::Text(Some(&self.channel)),
            Param::Text(key),
            Param::Text(Some(&self.content_type)),
            Param::Blob(&self.sealed),
            Param::Text(Some("received")),
            Param::Int(Some(deliveries as i64)),
        ]
    }
}

/// The values of an inbox row, in the order of [`inbox_upsert`]'s columns.
pub(crate) const INBOX_VALUES: usize = 7;

/// Stores inbox rows given by `values` (placeholders for [`INBOX_VALUES`] values a row), or for
/// a delivery key held before raises its count of deliveries, returning every row's entry and
/// key.
pub(crate) fn inbox_upsert(values: &str) -> String {
    format!(
        "INSERT INTO inbox (received_at, channel, delivery_key, content_type, payload, state, deliveries) \
         VALUES {values} ON CONFLICT (delivery_key) \
         DO UPDATE SET deliveries = inbox.deliveries + excluded.deliveries \
         RETURNING {INBOX_COLUMNS}, delivery_key"
    )
}

/// Stores one inbox row given by `values` unless its delivery key is held already, returning
/// nothing: the embedded writer's first try for each row, which learns the new row's id from
/// the connection (SQLite runs a `RETURNING` clause through a temporary table of its own, at a
/// cost several times that of the insert). A held key then takes [`inbox_upsert`].
pub(crate) fn inbox_insert(values: &str) -> String {
    format!(
        "INSERT INTO inbox (received_at, channel, delivery_key, content_type, payload, state, deliveries) \
         VALUES {values} ON CONFLICT (delivery_key) DO NOTHING"
    )
}

/// The deliveries of one group commit and the outcome each would have had alone, in order:
/// the first delivery of a key held before, or repeated within the batch, is counted as a
/// repeat of the entry held; the first of a new key is new and the ones after it in the batch
/// are its repeats. Nearly every delivery carries a key (gateway message ids, API idempotency
/// keys): each key is stored as one row, with the first payload and how often it came.
/// Deliveries without a key are stored one by one. Both of the intake writer's drivers store
/// what it lists and hand back what the database returned.
pub(crate) struct ReceivePlan<'w> {
    writes: &'w [&'w ReceiveWrite],
    results: Vec<Option<Received>>,
    /// Deliveries without a key.
    pub(crate) alone: Vec<usize>,
    /// The deliveries of each key, in order of arrival.
    pub(crate) keys: Vec<(&'w str, Vec<usize>)>,
}

impl<'w> ReceivePlan<'w> {
    pub(crate) fn new(writes: &'w [&'w ReceiveWrite]) -> ReceivePlan<'w> {
        let mut alone = Vec::new();
        let mut keys: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut key_index: HashMap<&str, usize> = HashMap::new();
        for (index, write) in writes.iter().enumerate() {
            match write.delivery_key.as_deref() {
                None => alone.push(index),
                Some(key) => match key_index.get(key) {
                    Some(&group) => keys[group].1.push(index),
                    None => {
                        key_index.insert(key, keys.len());
                        keys.push((key, vec![index]));
                    }
                },
            }
        }
        ReceivePlan {
            writes,
            results: vec![None; writes.len()],
            alone,
            keys,
        }
    }

    /// The values of the row stored for delivery `index`, which has no key.
    pub(crate) fn alone_params(&self, index: usize) -> [Param<'w>; INBOX_VALUES] {
        self.writes[index].params(None, 1)
    }

    /// The values of the row stored for the deliveries of `key`.
    pub(crate) fn key_params(
        &self,
        key: &'w str,
        deliveries: &[usize],
    ) -> [Param<'w>; INBOX_VALUES] {
        self.writes[deliveries[0]].params(Some(key), deliveries.len())
    }

    /// The entry [`inbox_upsert`] returns for a row it inserted as `id`: the row stored for
    /// the deliveries `deliveries` (in order of arrival, the first one's values), which came
    /// that many times.
    pub(crate) fn inserted_entry(&self, deliveries: &[usize], id: i64) -> InboxEntry {
        let first = self.writes[deliveries[0]];
        InboxEntry {
            id,
            received_at: first.received_at.clone(),
            channel: first.channel.clone(),
            state: InboxState::Received,
            report_id: None,
            error_code: None,
            error_message: None,
            deliveries: deliveries.len() as i64,
        }
    }

    /// Delivery `index`, without a key, was stored as `entry`.
    pub(crate) fn settle_alone(&mut self, index: usize, entry: InboxEntry) {
        self.results[index] = Some(if entry.deliveries == 1 {
            Received::New(entry.id)
        } else {
            Received::Repeat(entry)
        });
    }

    /// The row of a key delivered as `deliveries` came back as `entry`. A held row has already
    /// counted at least one delivery, so a count equal to this batch's is a new row.
    pub(crate) fn settle_key(&mut self, deliveries: &[usize], entry: InboxEntry) {
        if entry.deliveries != deliveries.len() as i64 {
            // Held before: every delivery of the batch is a repeat of the entry held.
            for &index in deliveries {
                self.results[index] = Some(Received::Repeat(entry.clone()));
            }
            return;
        }
        self.results[deliveries[0]] = Some(Received::New(entry.id));
        for (repeat, &index) in deliveries.iter().enumerate().skip(1) {
            // Received but not yet accepted: the repeat is told to retry, as one that came a
            // moment after the first, in its own transaction, would be.
            self.results[index] = Some(Received::Repeat(InboxEntry {
                deliveries: repeat as i64 + 1,
                ..entry.clone()
            }));
        }
    }

    /// Every delivery's outcome, in order.
    pub(crate) fn finish(self) -> Result<Vec<Received>, StoreError> {
        self.results
            .into_iter()
            .map(|result| {
                result.ok_or_else(|| StoreError::Corrupt("a delivery was not stored".to_string()))
            })
            .collect()
    }
}

/// Stores the deliveries of one group commit (see [`ReceivePlan`]) with one statement for all
/// those that carry a delivery key.
pub(crate) async fn receive_together(
    tx: &mut Transaction<'static, Any>,
    backend: crate::Backend,
    writes: &[&ReceiveWrite],
) -> Result<Vec<Received>, StoreError> {
    // 7 values a row: 1,000 rows stay under both engines' parameter limits.
    const CHUNK: usize = 1_000;
    let mut plan = ReceivePlan::new(writes);
    for index in std::mem::take(&mut plan.alone) {
        let sql = inbox_upsert(&crate::values_placeholders(backend, 1, INBOX_VALUES));
        let row = param::bind(sqlx::query(&sql), plan.alone_params(index))
            .fetch_one(&mut **tx)
            .await?;
        plan.settle_alone(index, inbox_entry(&row)?);
    }
    let keys = std::mem::take(&mut plan.keys);
    for chunk in keys.chunks(CHUNK) {
        let sql = inbox_upsert(&crate::values_placeholders(
            backend,
            chunk.len(),
            INBOX_VALUES,
        ));
        let params = chunk
            .iter()
            .flat_map(|(key, deliveries)| plan.key_params(key, deliveries));
        let rows = param::bind(sqlx::query(&sql), params)
            .fetch_all(&mut **tx)
            .await?;
        let mut stored: HashMap<String, InboxEntry> = HashMap::with_capacity(chunk.len());
        for row in rows {
            stored.insert(row.try_get("delivery_key")?, inbox_entry(&row)?);
        }
        for (key, deliveries) in chunk {
            let entry = stored.remove(*key).ok_or_else(|| {
                StoreError::Corrupt(format!("the inbox did not return the entry of {key:?}"))
            })?;
            plan.settle_key(deliveries, entry);
        }
    }
    plan.finish()
}

/// Same sender, same words, same place, same day: one report however often it is delivered.
fn report_fingerprint(
    vault: &Vault,
    source_id: Option<&SourceId>,
    report: &NewReport,
    received_at: &str,
) -> String {
    vault.fingerprint(
        "report",
        format!(
            "{}\n{}\n{}\n{}",
            source_id.map_or("", SourceId::as_str),
            normalise(&report.text),
            report.place.name.as_deref().unwrap_or_default(),
            &received_at[..10],
        )
        .as_bytes(),
    )
}

/// The audit entry recording that a report was received.
fn receipt_event(write: &AcceptWrite, source_id: Option<&SourceId>, report_id: i64) -> AuditEvent {
    AuditEvent {
        actor: source_id.map_or_else(
            || format!("channel:{}", channel_name(write.report.channel)),
            |s| s.to_string(),
        ),
        action: "report.receive".to_string(),
        entity: format!("report:{report_id}"),
        before: None,
        after: Some(write.receipt.clone()),
    }
}

/// What the audit entry of a report's receipt records of it.
fn receipt_after(report: &NewReport) -> String {
    json!({
        "channel": channel_name(report.channel),
        "situation": report.place.situation.as_ref().map(SituationId::as_str),
        "place_state": report.place.state,
        "verification": "triage",
        "tlp": report.tlp.as_str(),
    })
    .to_string()
}

/// [`Store::accept`]'s write: source, report, inbox link and audit entry.
pub(crate) struct AcceptWrite {
    vault: Vault,
    inbox_id: Option<i64>,
    report: NewReport,
    now: OffsetDateTime,
    // Worked out by the caller's thread, so that the intake writer, which commits the writes
    // of every request one batch after another, has less to do in each.
    /// `now` as stored.
    received_at: String,
    /// The report's `observed_at` as stored.
    observed_at: Option<String>,
    /// The fingerprint of a report without a sender; one with a sender has its fingerprint
    /// once its source is known, inside the transaction.
    fingerprint: Option<String>,
    /// The `after` of its receipt's audit entry.
    receipt: String,
}

impl AcceptWrite {
    fn new(vault: &Vault, inbox_id: Option<i64>, report: NewReport, now: OffsetDateTime) -> Self {
        let received_at = timestamp_text(now);
        let fingerprint = report
            .sender
            .is_none()
            .then(|| report_fingerprint(vault, None, &report, &received_at));
        AcceptWrite {
            vault: vault.clone(),
            inbox_id,
            observed_at: report.observed_at.map(timestamp_text),
            receipt: receipt_after(&report),
            report,
            now,
            received_at,
            fingerprint,
        }
    }

    /// The report's fingerprint, given its source.
    fn fingerprint_with(&self, source_id: Option<&SourceId>) -> String {
        match (&self.fingerprint, source_id) {
            (Some(fingerprint), None) => fingerprint.clone(),
            _ => report_fingerprint(&self.vault, source_id, &self.report, &self.received_at),
        }
    }
}

impl Write for AcceptWrite {
    type Output = Accepted;

    fn run<'t>(
        &'t self,
        tx: &'t mut Transaction<'static, Any>,
        batch: &'t mut Batch,
    ) -> BoxFuture<'t, Result<Accepted, StoreError>> {
        let AcceptWrite {
            vault,
            inbox_id,
            report,
            now,
            received_at,
            observed_at,
            ..
        } = self;
        let (vault, inbox_id, now) = (vault, *inbox_id, *now);
        Box::pin(async move {
            let source_id = match &report.sender {
                Some(contact) => {
                    Some(find_or_create_source(tx, vault, report.channel, contact, now).await?)
                }
                None => None,
            };
            let fingerprint = self.fingerprint_with(source_id.as_ref());
            if let Some(situation) = &report.place.situation {
                crate::situations::ensure_country(tx, situation).await?;
            }
            let sql = report_insert(&crate::values_placeholders(
                batch.backend(),
                1,
                REPORT_VALUES,
            ));
            let params = report_params(
                source_id.as_ref().map(SourceId::as_str),
                report,
                observed_at.as_deref(),
                received_at,
                VerificationState::Triage,
                Some(&fingerprint),
            );
            let inserted = param::bind(sqlx::query(&sql), params)
                .fetch_optional(&mut **tx)
                .await?;
            let (report_id, duplicate) = match inserted {
                Some(row) => (row.try_get::<i64, _>("id")?, false),
                None => {
                    let row = sqlx::query(HELD_REPORT)
                        .bind(fingerprint.as_str())
                        .bind(report.external_ref.as_deref())
                        .fetch_one(&mut **tx)
                        .await?;
                    (row.try_get::<i64, _>("id")?, true)
                }
            };
            // The inbox link and the audit entry are written with the rest of the batch.
            if let Some(inbox_id) = inbox_id {
                batch.accept_inbox(inbox_id, report_id);
            }
            if !duplicate {
                batch
                    .audit
                    .append(tx, receipt_event(self, source_id.as_ref(), report_id), now)
                    .await?;
            }
            Ok(Accepted {
                report_id,
                source_id,
                duplicate,
            })
        })
    }
}

/// What is known of an imported dataset file once all of it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFacts {
    /// `ucdp-ged`, `acled`.
    pub dataset: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Events in the file.
    pub events: u64,
}

/// An import of a dataset file's events as reports (see [`Store::import_dataset_reports`]).
pub(crate) struct DatasetImport<'a> {
    pub(crate) file_name: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) received_at: String,
    pub(crate) now: OffsetDateTime,
}

/// The countries and areas `reports` name, each once.
pub(crate) fn named_situations(reports: &[NewReport]) -> Vec<&SituationId> {
    let mut situations: Vec<&SituationId> = reports
        .iter()
        .filter_map(|r| r.place.situation.as_ref())
        .collect();
    situations.sort();
    situations.dedup();
    situations
}

impl DatasetImport<'_> {
    /// Inserts the rows given by `values` (placeholders for [`REPORT_VALUES`] values a row),
    /// leaving out events already held.
    pub(crate) fn insert(values: &str) -> String {
        format!("{REPORT_INSERT} {values} ON CONFLICT DO NOTHING")
    }

    /// The values of `report`'s row; `observed_at` is its time as stored. Published, curated
    /// datasets: plausible, but not checked by this team.
    pub(crate) fn params<'r>(
        &'r self,
        report: &'r NewReport,
        observed_at: Option<&'r str>,
    ) -> [Param<'r>; REPORT_VALUES] {
        report_params(
            None,
            report,
            observed_at,
            &self.received_at,
            VerificationState::Unverified,
            None,
        )
    }

    /// The audit entry recording the import of a file with `facts`, `inserted` of its events
    /// being new.
    pub(crate) fn audit_event(&self, facts: &DatasetFacts, inserted: u64) -> AuditEvent {
        AuditEvent {
            actor: self.actor.to_string(),
            action: "dataset.import".to_string(),
            entity: format!("dataset:{}", facts.dataset),
            before: None,
            after: Some(
                json!({
                    "file": self.file_name,
                    "sha256": facts.sha256,
                    "events": facts.events,
                    "new": inserted,
                })
                .to_string(),
            ),
        }
    }
}

/// The values of a report row, in the order of [`report_insert`]'s columns.
pub(crate) const REPORT_VALUES: usize = 17;

/// Inserts report rows given by `values` (placeholders for [`REPORT_VALUES`] values a row),
/// leaving out any whose fingerprint or dataset reference is held, and returns the id and
/// fingerprint of each one inserted.
pub(crate) fn report_insert(values: &str) -> String {
    format!("{REPORT_INSERT} {values} ON CONFLICT DO NOTHING RETURNING id, fingerprint")
}

/// [`report_insert`] of one row without its `RETURNING` clause, for the embedded writer, which
/// learns whether the row was inserted, and its id, from the connection (see [`inbox_insert`]).
pub(crate) fn report_insert_one(values: &str) -> String {
    format!("{REPORT_INSERT} {values} ON CONFLICT DO NOTHING")
}

/// The start of an insert of report rows, with [`report_params`]' columns.
const REPORT_INSERT: &str =
    "INSERT INTO reports (source_id, channel, text, place_name, latitude, longitude, situation_id, \
     place_state, observed_at, received_at, language, credibility, tlp, verification, fingerprint, \
     external_ref, details_json) VALUES";

/// The report already held with a fingerprint (`$1`) or dataset reference (`$2`).
pub(crate) const HELD_REPORT: &str =
    "SELECT id FROM reports WHERE fingerprint = $1 OR external_ref = $2";

/// The values of a new report's row.
fn report_params<'a>(
    source_id: Option<&'a str>,
    report: &'a NewReport,
    observed_at: Option<&'a str>,
    received_at: &'a str,
    verification: VerificationState,
    fingerprint: Option<&'a str>,
) -> [Param<'a>; REPORT_VALUES] {
    [
        Param::Text(source_id),
        Param::Text(Some(channel_name(report.channel))),
        Param::Text(Some(&report.text)),
        Param::Text(report.place.name.as_deref()),
        Param::Real(report.place.point.map(|p| p.0)),
        Param::Real(report.place.point.map(|p| p.1)),
        Param::Text(report.place.situation.as_ref().map(SituationId::as_str)),
        Param::Text(Some(report.place.state)),
        Param::Text(observed_at),
        Param::Text(Some(received_at)),
        Param::Text(report.language.as_deref()),
        Param::Int(Some(i64::from(report.credibility.number()))),
        Param::Text(Some(report.tlp.as_str())),
        Param::Text(Some(verification.as_str())),
        Param::Text(fingerprint),
        Param::Text(report.external_ref.as_deref()),
        Param::Text(report.details_json.as_deref()),
    ]
}

/// A report of a group commit, ready to be stored.
pub(crate) struct AcceptRow<'w> {
    write: &'w AcceptWrite,
    fingerprint: &'w str,
    /// The earlier report of the batch this one repeats.
    repeats: Option<usize>,
}

impl AcceptRow<'_> {
    pub(crate) fn params(&self) -> [Param<'_>; REPORT_VALUES] {
        report_params(
            None,
            &self.write.report,
            self.write.observed_at.as_deref(),
            &self.write.received_at,
            VerificationState::Triage,
            Some(self.fingerprint),
        )
    }

    pub(crate) fn fingerprint(&self) -> &str {
        self.fingerprint
    }

    /// The values of [`HELD_REPORT`] for this report.
    pub(crate) fn held_params(&self) -> [Param<'_>; 2] {
        [
            Param::Text(Some(self.fingerprint)),
            Param::Text(self.write.report.external_ref.as_deref()),
        ]
    }
}

/// The reports without a sender of one group commit (API submissions, partner systems), with
/// the outcome each would have had alone, in order: a report whose fingerprint or dataset
/// reference matches one held before, or one earlier in the batch, is a duplicate of that one.
/// Both of the intake writer's drivers store the first of each, look up the ones held before,
/// and hand back the ids for [`AcceptPlan::resolve`].
pub(crate) struct AcceptPlan<'w> {
    rows: Vec<AcceptRow<'w>>,
}

/// What a group commit's reports leave to be written before it commits.
pub(crate) struct Resolved {
    pub(crate) accepted: Vec<Accepted>,
    /// Inbox entries accepted as reports: `(inbox id, report id)`.
    pub(crate) links: Vec<(i64, i64)>,
    /// The receipts to append to the audit log, in the order of the batch.
    pub(crate) receipts: Vec<(AuditEvent, OffsetDateTime)>,
}

impl<'w> AcceptPlan<'w> {
    /// The plan of `writes`, all reports without a sender (whose fingerprints their callers
    /// worked out).
    pub(crate) fn new(writes: &[&'w AcceptWrite]) -> Result<AcceptPlan<'w>, StoreError> {
        let mut rows: Vec<AcceptRow> = Vec::with_capacity(writes.len());
        let mut by_fingerprint: HashMap<&str, usize> = HashMap::new();
        let mut by_reference: HashMap<&str, usize> = HashMap::new();
        for (index, write) in writes.iter().enumerate() {
            let fingerprint = write.fingerprint.as_deref().ok_or_else(|| {
                StoreError::Corrupt("a report with a sender was stored as one without".to_string())
            })?;
            let reference = write.report.external_ref.as_deref();
            let repeats = by_fingerprint
                .get(&fingerprint)
                .or_else(|| reference.and_then(|r| by_reference.get(r)))
                .copied();
            if repeats.is_none() {
                by_fingerprint.insert(fingerprint, index);
                if let Some(reference) = reference {
                    by_reference.insert(reference, index);
                }
            }
            rows.push(AcceptRow {
                write,
                fingerprint,
                repeats,
            });
        }
        Ok(AcceptPlan { rows })
    }

    /// The situations the reports to store name, each once.
    pub(crate) fn situations(&self) -> Vec<&'w SituationId> {
        let mut situations: Vec<&SituationId> = self
            .firsts()
            .filter_map(|row| row.write.report.place.situation.as_ref())
            .collect();
        situations.sort();
        situations.dedup();
        situations
    }

    /// The first report of each fingerprint or reference: the rows to insert.
    pub(crate) fn firsts(&self) -> impl Iterator<Item = &AcceptRow<'w>> {
        self.rows.iter().filter(|row| row.repeats.is_none())
    }

    /// Each report's outcome, given `stored`: for the fingerprint of every first report, the
    /// id of its row and whether this batch inserted it (or found it held).
    pub(crate) fn resolve(
        &self,
        stored: &HashMap<String, (i64, bool)>,
    ) -> Result<Resolved, StoreError> {
        let mut resolved = Resolved {
            accepted: Vec::with_capacity(self.rows.len()),
            links: Vec::new(),
            receipts: Vec::new(),
        };
        for row in &self.rows {
            let (report_id, duplicate) = match row.repeats {
                Some(first) => (resolved.accepted[first].report_id, true),
                None => {
                    let &(id, inserted) = stored.get(row.fingerprint).ok_or_else(|| {
                        StoreError::Corrupt("a report was not stored".to_string())
                    })?;
                    (id, !inserted)
                }
            };
            if let Some(inbox_id) = row.write.inbox_id {
                resolved.links.push((inbox_id, report_id));
            }
            if !duplicate {
                resolved
                    .receipts
                    .push((receipt_event(row.write, None, report_id), row.write.now));
            }
            resolved.accepted.push(Accepted {
                report_id,
                source_id: None,
                duplicate,
            });
        }
        Ok(resolved)
    }
}

/// Stores the reports without a sender of one group commit (see [`AcceptPlan`]) with one
/// insert. Audit entries are chained in the order of the batch.
pub(crate) async fn accept_together(
    tx: &mut Transaction<'static, Any>,
    backend: crate::Backend,
    batch: &mut Batch,
    writes: &[&AcceptWrite],
) -> Result<Vec<Accepted>, StoreError> {
    // 17 values a row: 1,000 rows stay under both engines' parameter limits.
    const CHUNK: usize = 1_000;
    let plan = AcceptPlan::new(writes)?;
    for situation in plan.situations() {
        crate::situations::ensure_country(tx, situation).await?;
    }
    let firsts: Vec<&AcceptRow> = plan.firsts().collect();
    let mut stored: HashMap<String, (i64, bool)> = HashMap::with_capacity(firsts.len());
    for chunk in firsts.chunks(CHUNK) {
        let sql = report_insert(&crate::values_placeholders(
            backend,
            chunk.len(),
            REPORT_VALUES,
        ));
        let params = chunk.iter().flat_map(|row| row.params());
        for returned in param::bind(sqlx::query(&sql), params)
            .fetch_all(&mut **tx)
            .await?
        {
            stored.insert(
                returned.try_get("fingerprint")?,
                (returned.try_get("id")?, true),
            );
        }
    }
    for row in &firsts {
        if !stored.contains_key(row.fingerprint()) {
            let held = param::bind(sqlx::query(HELD_REPORT), row.held_params())
                .fetch_one(&mut **tx)
                .await?;
            stored.insert(row.fingerprint().to_string(), (held.try_get("id")?, false));
        }
    }
    let resolved = plan.resolve(&stored)?;
    for (inbox_id, report_id) in resolved.links {
        batch.accept_inbox(inbox_id, report_id);
    }
    for (event, now) in resolved.receipts {
        batch.audit.append(tx, event, now).await?;
    }
    Ok(resolved.accepted)
}
