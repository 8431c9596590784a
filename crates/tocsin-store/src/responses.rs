//! Response tracking: the preventive measures planned or taken for a situation, and the
//! indicator evidence that recommendations are drawn from.
//!
//! The table holds each measure's present state; its history lives in the audit log, one entry
//! per change (`response.add`, `response.update`) carrying the fields before and after, written
//! in the same transaction as the change. Tool ids and statuses are stored as text: which tools
//! exist is the toolbox's business, checked by the application before anything is written.
//! Updates name the revision they were made from, so two people editing one measure at once
//! cannot silently overwrite each other.

use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use time::{Date, OffsetDateTime};
use tocsin_domain::audit::{AuditEntry, AuditEvent};
use tocsin_domain::SituationId;

use crate::{audit, timestamp_text, Store, StoreError};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// What a user sets on a measure: everything but its identity and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseFields {
    /// Who acts: a person, office or body.
    pub actor: String,
    /// The organisation the actor belongs to.
    pub organisation: String,
    /// A tool id of the prevention toolbox.
    pub tool_id: String,
    /// When the measure was decided on, if known.
    #[serde(with = "iso_date::option")]
    pub planned_on: Option<Date>,
    #[serde(with = "iso_date")]
    pub start_on: Date,
    /// None while open-ended.
    #[serde(with = "iso_date::option")]
    pub end_on: Option<Date>,
    /// `planned`, `under_way`, `completed` or `abandoned`.
    pub status: String,
    pub outcome: Option<String>,
    pub notes: Option<String>,
}

/// A stored measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseRecord {
    pub id: i64,
    pub situation: SituationId,
    #[serde(flatten)]
    pub fields: ResponseFields,
    pub recorded_by: String,
    pub recorded_at: String,
    pub updated_by: String,
    pub updated_at: String,
    /// 1 when recorded, plus one per update.
    pub revision: i64,
}

/// One indicator coded on one verified report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorObservation {
    pub report_id: i64,
    /// The catalogue code, e.g. `"7.5"`.
    pub code: String,
    /// When it was observed (the report's `observed_at`, else when it was received).
    pub at: String,
}

const COLUMNS: &str = "id, situation_id, actor, organisation, tool_id, planned_on, start_on, \
                       end_on, status, outcome, notes, recorded_by, recorded_at, updated_by, \
                       updated_at, revision";

/// Indicator states that do not count as evidence: a keyword suggestion nobody has accepted
/// yet, and one an analyst turned down. Every other state is a coding an analyst stands by.
const NOT_EVIDENCE: [&str; 2] = ["suggested", "rejected"];

impl Store {
    /// Records a new measure for `situation` (creating the situation's country record if the
    /// database does not hold it yet) and its `response.add` audit entry.
    pub async fn add_response(
        &self,
        situation: &SituationId,
        fields: &ResponseFields,
        recorded_by: &str,
        now: OffsetDateTime,
    ) -> Result<ResponseRecord, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        crate::situations::ensure_country(&mut tx, situation).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO responses (situation_id, actor, organisation, tool_id, planned_on, \
             start_on, end_on, status, outcome, notes, recorded_by, recorded_at, updated_by, \
             updated_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) \
             RETURNING {COLUMNS}"
        ))
        .bind(situation.as_str())
        .bind(&fields.actor)
        .bind(&fields.organisation)
        .bind(&fields.tool_id)
        .bind(fields.planned_on.map(date_text))
        .bind(date_text(fields.start_on))
        .bind(fields.end_on.map(date_text))
        .bind(&fields.status)
        .bind(fields.outcome.as_deref())
        .bind(fields.notes.as_deref())
        .bind(recorded_by)
        .bind(&at)
        .bind(recorded_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let record = record_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: recorded_by.to_string(),
                action: "response.add".to_string(),
                entity: entity(record.id),
                before: None,
                after: Some(state_json(&record)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Replaces the fields of measure `id`, provided it is still at `revision`; otherwise
    /// `Conflict`, so the caller reloads instead of overwriting someone else's change. The
    /// `response.update` audit entry holds the fields before and after.
    pub async fn update_response(
        &self,
        id: i64,
        revision: i64,
        fields: &ResponseFields,
        updated_by: &str,
        now: OffsetDateTime,
    ) -> Result<ResponseRecord, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let before = fetch(&mut tx, id).await?;
        if before.revision != revision {
            return Err(StoreError::Conflict(format!(
                "a newer revision ({}) of response {id}",
                before.revision
            )));
        }
        let row = sqlx::query(&format!(
            "UPDATE responses SET actor = $1, organisation = $2, tool_id = $3, planned_on = $4, \
             start_on = $5, end_on = $6, status = $7, outcome = $8, notes = $9, updated_by = $10, \
             updated_at = $11, revision = revision + 1 \
             WHERE id = $12 AND revision = $13 RETURNING {COLUMNS}"
        ))
        .bind(&fields.actor)
        .bind(&fields.organisation)
        .bind(&fields.tool_id)
        .bind(fields.planned_on.map(date_text))
        .bind(date_text(fields.start_on))
        .bind(fields.end_on.map(date_text))
        .bind(&fields.status)
        .bind(fields.outcome.as_deref())
        .bind(fields.notes.as_deref())
        .bind(updated_by)
        .bind(&at)
        .bind(id)
        .bind(revision)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("a newer revision of response {id}")))?;
        let after = record_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: updated_by.to_string(),
                action: "response.update".to_string(),
                entity: entity(id),
                before: Some(state_json(&before)),
                after: Some(state_json(&after)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// One measure.
    pub async fn response(&self, id: i64) -> Result<ResponseRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        let record = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The measures recorded for exactly this situation, by start date then id.
    pub async fn responses_for(
        &self,
        situation: &SituationId,
    ) -> Result<Vec<ResponseRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM responses WHERE situation_id = $1 ORDER BY start_on, id"
        ))
        .bind(situation.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The audit entries of one measure, oldest first: its history of changes.
    pub async fn response_history(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        // Make "no such measure" an error rather than an empty history.
        self.response(id).await?;
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, before_state, after_state, prev_hash, hash \
             FROM audit_log WHERE entity = $1 ORDER BY seq",
        )
        .bind(entity(id))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit::entry_from_row).collect()
    }

    /// Whether the database knows the situation (imported data, reports or measures made it).
    pub async fn situation_exists(&self, situation: &SituationId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM situations WHERE id = $1")
            .bind(situation.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// The indicators coded on verified reports about `situation` or any area within it,
    /// observed (or, lacking an observation time, received) at or after `since`. Codings that
    /// are only suggestions, or were rejected, are left out.
    pub async fn indicator_observations(
        &self,
        situation: &SituationId,
        since: OffsetDateTime,
    ) -> Result<Vec<IndicatorObservation>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id AS report_id, ri.code AS code, \
                    COALESCE(r.observed_at, r.received_at) AS observed \
             FROM report_indicators ri JOIN reports r ON r.id = ri.report_id \
             WHERE r.verification = 'verified' \
               AND (r.situation_id = $1 OR r.situation_id LIKE $2) \
               AND COALESCE(r.observed_at, r.received_at) >= $3 \
               AND ri.state NOT IN ($4, $5) \
             ORDER BY observed, r.id, ri.code",
        )
        .bind(situation.as_str())
        .bind(format!("{}/%", situation.as_str()))
        .bind(timestamp_text(since))
        .bind(NOT_EVIDENCE[0])
        .bind(NOT_EVIDENCE[1])
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(IndicatorObservation {
                    report_id: row.try_get("report_id")?,
                    code: row.try_get("code")?,
                    at: row.try_get("observed")?,
                })
            })
            .collect()
    }
}

async fn fetch(tx: &mut Transaction<'_, Any>, id: i64) -> Result<ResponseRecord, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM responses WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("response {id}"),
        })?;
    record_from_row(&row)
}

fn entity(id: i64) -> String {
    format!("response:{id}")
}

/// What the audit log keeps of a measure: the situation and every field a user can set.
fn state_json(record: &ResponseRecord) -> String {
    let mut state = json!({ "situation": record.situation.as_str(), "revision": record.revision });
    if let (Some(state), Ok(serde_json::Value::Object(fields))) =
        (state.as_object_mut(), serde_json::to_value(&record.fields))
    {
        state.extend(fields);
    }
    state.to_string()
}

fn date_text(date: Date) -> String {
    date.format(ISO_DATE)
        .expect("a calendar date always formats as YYYY-MM-DD")
}

fn parse_date(id: i64, column: &str, text: &str) -> Result<Date, StoreError> {
    Date::parse(text, ISO_DATE)
        .map_err(|error| StoreError::Corrupt(format!("response {id}: {column} {text:?}: {error}")))
}

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<ResponseRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let situation: String = row.try_get("situation_id")?;
    let optional_date = |column: &str| -> Result<Option<Date>, StoreError> {
        row.try_get::<Option<String>, _>(column)?
            .map(|text| parse_date(id, column, &text))
            .transpose()
    };
    let start: String = row.try_get("start_on")?;
    Ok(ResponseRecord {
        id,
        situation: SituationId::parse(&situation)
            .map_err(|error| StoreError::Corrupt(format!("response {id}: {error}")))?,
        fields: ResponseFields {
            actor: row.try_get("actor")?,
            organisation: row.try_get("organisation")?,
            tool_id: row.try_get("tool_id")?,
            planned_on: optional_date("planned_on")?,
            start_on: parse_date(id, "start_on", &start)?,
            end_on: optional_date("end_on")?,
            status: row.try_get("status")?,
            outcome: row.try_get("outcome")?,
            notes: row.try_get("notes")?,
        },
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
        revision: row.try_get("revision")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_stored_as_iso_calendar_dates() {
        let date = time::macros::date!(2024 - 05 - 01);
        assert_eq!(date_text(date), "2024-05-01");
        assert_eq!(parse_date(1, "start_on", "2024-05-01").unwrap(), date);
        assert!(parse_date(1, "start_on", "01/05/2024").is_err());
    }
}
