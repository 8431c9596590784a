//! What assessment rests on and leaves behind: indicator codings on reports (accepted,
//! rejected or coded by analysts; the catalogue's suggestions are computed when a report is
//! read), analysts' judgments on the 14 risk
//! factors (append-only: a new one supersedes the last), the stage changes the engine found
//! with a snapshot of their evidence, and the trigger calendar. Analysts' changes are audited.

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{CodingState, Confidence, FactorStatus, SituationId, Trend, TriggerKind};

use crate::{audit, timestamp_text, Store, StoreError};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// One indicator on one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorCoding {
    pub report_id: i64,
    pub code: String,
    pub state: CodingState,
    pub actor: String,
    pub at: String,
}

/// One indicator accepted or coded on a report about a situation, with what grading it needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRow {
    pub report_id: i64,
    pub code: String,
    /// When it was observed (or, lacking that, received).
    pub observed_at: String,
    /// The source's reliability letter; `None` for a report with no source (a dataset event).
    pub reliability: Option<String>,
    pub credibility: i64,
    pub verification: String,
    pub tlp: String,
    /// Whether the report is a dataset event.
    pub from_dataset: bool,
    /// How many corroboration links the report has.
    pub corroborations: i64,
}

/// What an analyst says about one risk factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgmentFields {
    pub factor: u8,
    pub status: FactorStatus,
    pub trend: Trend,
    pub confidence: Confidence,
    pub reports: Vec<i64>,
    pub note: Option<String>,
}

/// A stored judgment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgmentRecord {
    pub id: i64,
    pub situation: SituationId,
    #[serde(flatten)]
    pub fields: JudgmentFields,
    pub actor: String,
    pub at: String,
}

/// A stored stage change. Stages are numbers, 0 for no elevated concern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionRecord {
    pub id: i64,
    pub situation: SituationId,
    pub from_stage: u8,
    pub to_stage: u8,
    pub score: f64,
    pub assessed_at: String,
    pub engine_version: String,
    /// The engine's answer at the change, as JSON.
    pub snapshot: serde_json::Value,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A stage change to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTransition<'a> {
    pub situation: &'a SituationId,
    pub from_stage: u8,
    pub to_stage: u8,
    pub score: f64,
    pub assessed_at: OffsetDateTime,
    pub engine_version: &'a str,
    pub snapshot_json: &'a str,
}

/// A known shock ahead (or in the past, for history).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerFields {
    pub situation: SituationId,
    pub kind: TriggerKind,
    pub name: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    /// Recurs every year on the same month and day (an anniversary).
    pub yearly: bool,
    /// `analyst`, or the dataset it was imported from.
    pub source: String,
    /// The record it was imported from (`dataset:id`): importing again adds nothing.
    pub external_ref: Option<String>,
    pub note: Option<String>,
}

/// A stored trigger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerRecord {
    pub id: i64,
    #[serde(flatten)]
    pub fields: TriggerFields,
    pub created_by: String,
    pub created_at: String,
}

impl Store {
    /// Sets the state of indicator `code` on report `report_id` (an analyst's coding, or
    /// accepting or rejecting a suggestion), with a `report.code` audit entry holding the state
    /// before and after.
    pub async fn code_indicator(
        &self,
        report_id: i64,
        code: &str,
        state: CodingState,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<IndicatorCoding, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT id FROM reports WHERE id = $1")
            .bind(report_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: format!("report {report_id}"),
            });
        }
        let before: Option<String> =
            sqlx::query("SELECT state FROM report_indicators WHERE report_id = $1 AND code = $2")
                .bind(report_id)
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.try_get("state"))
                .transpose()?;
        sqlx::query(
            "INSERT INTO report_indicators (report_id, code, state, actor, at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (report_id, code) DO UPDATE SET state = $3, actor = $4, at = $5",
        )
        .bind(report_id)
        .bind(code)
        .bind(state.as_str())
        .bind(actor)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "report.code".to_string(),
                entity: format!("report:{report_id}"),
                before: before
                    .map(|state| json!({ "indicator": code, "state": state }).to_string()),
                after: Some(json!({ "indicator": code, "state": state.as_str() }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(IndicatorCoding {
            report_id,
            code: code.to_string(),
            state,
            actor: actor.to_string(),
            at,
        })
    }

    /// Every indicator on report `report_id`, in code order.
    pub async fn report_codings(&self, report_id: i64) -> Result<Vec<IndicatorCoding>, StoreError> {
        let rows = sqlx::query(
            "SELECT report_id, code, state, actor, at FROM report_indicators \
             WHERE report_id = $1 ORDER BY code",
        )
        .bind(report_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(coding_from_row).collect()
    }

    /// Accepted and coded indicators on reports about `situation` or any area within it,
    /// observed (or received) from `since` up to `until`, with what grading them needs.
    pub async fn assessment_evidence(
        &self,
        situation: &SituationId,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<EvidenceRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id AS report_id, ri.code AS code, \
                    COALESCE(r.observed_at, r.received_at) AS observed, \
                    s.reliability AS reliability, r.credibility AS credibility, \
                    r.verification AS verification, r.tlp AS tlp, \
                    CASE WHEN r.external_ref IS NULL THEN 0 ELSE 1 END AS from_dataset, \
                    (SELECT COUNT(*) FROM corroborations c \
                      WHERE c.report_id = r.id OR c.other_id = r.id) AS corroborations \
             FROM report_indicators ri JOIN reports r ON r.id = ri.report_id \
             LEFT JOIN sources s ON s.id = r.source_id \
             WHERE (r.situation_id = $1 OR r.situation_id LIKE $2) \
               AND COALESCE(r.observed_at, r.received_at) >= $3 \
               AND COALESCE(r.observed_at, r.received_at) <= $4 \
               AND ri.state IN ($5, $6) \
             ORDER BY observed, r.id, ri.code",
        )
        .bind(situation.as_str())
        .bind(format!("{}/%", situation.as_str()))
        .bind(timestamp_text(since))
        .bind(timestamp_text(until))
        .bind(CodingState::Accepted.as_str())
        .bind(CodingState::Coded.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EvidenceRow {
                    report_id: row.try_get("report_id")?,
                    code: row.try_get("code")?,
                    observed_at: row.try_get("observed")?,
                    reliability: row.try_get("reliability")?,
                    credibility: row.try_get("credibility")?,
                    verification: row.try_get("verification")?,
                    tlp: row.try_get("tlp")?,
                    from_dataset: row.try_get::<i64, _>("from_dataset")? == 1,
                    corroborations: row.try_get("corroborations")?,
                })
            })
            .collect()
    }

    /// Records a judgment on a risk factor of `situation`, with a `risk_factor.judge` audit
    /// entry holding the judgment it supersedes.
    pub async fn record_judgment(
        &self,
        situation: &SituationId,
        fields: &JudgmentFields,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<JudgmentRecord, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        crate::situations::ensure_country(&mut tx, situation).await?;
        for report in &fields.reports {
            let found = sqlx::query("SELECT id FROM reports WHERE id = $1")
                .bind(*report)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::NotFound {
                    what: format!("report {report}"),
                });
            }
        }
        let before = sqlx::query(&format!(
            "SELECT {JUDGMENT_COLUMNS} FROM risk_factor_judgments \
             WHERE situation_id = $1 AND factor = $2 ORDER BY at DESC, id DESC LIMIT 1"
        ))
        .bind(situation.as_str())
        .bind(i64::from(fields.factor))
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| judgment_from_row(&row))
        .transpose()?;
        let reports = serde_json::to_string(&fields.reports)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let row = sqlx::query(&format!(
            "INSERT INTO risk_factor_judgments (situation_id, factor, status, trend, confidence, \
             reports_json, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {JUDGMENT_COLUMNS}"
        ))
        .bind(situation.as_str())
        .bind(i64::from(fields.factor))
        .bind(fields.status.as_str())
        .bind(fields.trend.as_str())
        .bind(fields.confidence.as_str())
        .bind(&reports)
        .bind(fields.note.as_deref())
        .bind(actor)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let record = judgment_from_row(&row)?;
        let state = |record: &JudgmentRecord| {
            json!({ "situation": record.situation.as_str(), "judgment": record.fields }).to_string()
        };
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "risk_factor.judge".to_string(),
                entity: format!("risk_factor:{}:{}", situation.as_str(), fields.factor),
                before: before.as_ref().map(state),
                after: Some(state(&record)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Every judgment on `situation`'s risk factors, newest first (factor `only` if given).
    pub async fn judgments(
        &self,
        situation: &SituationId,
        only: Option<u8>,
    ) -> Result<Vec<JudgmentRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {JUDGMENT_COLUMNS} FROM risk_factor_judgments \
             WHERE situation_id = $1 AND ($2 = 0 OR factor = $2) ORDER BY at DESC, id DESC"
        ))
        .bind(situation.as_str())
        .bind(i64::from(only.unwrap_or(0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(judgment_from_row).collect()
    }

    /// The last stage change of `situation` assessed at or before `at`.
    pub async fn last_transition(
        &self,
        situation: &SituationId,
        at: OffsetDateTime,
    ) -> Result<Option<TransitionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TRANSITION_COLUMNS} FROM stage_transitions \
             WHERE situation_id = $1 AND assessed_at <= $2 \
             ORDER BY assessed_at DESC, id DESC LIMIT 1"
        ))
        .bind(situation.as_str())
        .bind(timestamp_text(at))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(transition_from_row).transpose()
    }

    /// Every stage change of `situation`, newest first.
    pub async fn transitions(
        &self,
        situation: &SituationId,
    ) -> Result<Vec<TransitionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TRANSITION_COLUMNS} FROM stage_transitions WHERE situation_id = $1 \
             ORDER BY assessed_at DESC, id DESC"
        ))
        .bind(situation.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(transition_from_row).collect()
    }

    /// Stores a stage change, unless the newest stored one already puts the situation at
    /// `to_stage` or was assessed later (two assessments racing store one change). Returns the
    /// stored change, or `None` when there was nothing to store. Audited as `stage.change`.
    pub async fn record_transition(
        &self,
        change: &NewTransition<'_>,
        recorded_by: &str,
        now: OffsetDateTime,
    ) -> Result<Option<TransitionRecord>, StoreError> {
        let mut tx = self.pool.begin().await?;
        crate::situations::ensure_country(&mut tx, change.situation).await?;
        // Take the audit head's lock before reading the newest change, so that two recorders
        // of the same change run one after the other and the second finds nothing to store.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let latest = sqlx::query(&format!(
            "SELECT {TRANSITION_COLUMNS} FROM stage_transitions WHERE situation_id = $1 \
             ORDER BY assessed_at DESC, id DESC LIMIT 1"
        ))
        .bind(change.situation.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(transition_from_row)
        .transpose()?;
        let assessed_at = timestamp_text(change.assessed_at);
        let current = latest.as_ref().map_or(0, |latest| latest.to_stage);
        if current == change.to_stage
            || latest
                .as_ref()
                .is_some_and(|latest| latest.assessed_at > assessed_at)
        {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "INSERT INTO stage_transitions (situation_id, from_stage, to_stage, score, \
             assessed_at, engine_version, snapshot_json, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {TRANSITION_COLUMNS}"
        ))
        .bind(change.situation.as_str())
        .bind(i64::from(current))
        .bind(i64::from(change.to_stage))
        .bind(change.score)
        .bind(&assessed_at)
        .bind(change.engine_version)
        .bind(change.snapshot_json)
        .bind(recorded_by)
        .bind(timestamp_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let record = transition_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: recorded_by.to_string(),
                action: "stage.change".to_string(),
                entity: format!("situation:{}", change.situation.as_str()),
                before: Some(json!({ "stage": current }).to_string()),
                after: Some(
                    json!({ "stage": change.to_stage, "score": change.score,
                            "assessed_at": assessed_at, "engine_version": change.engine_version,
                            "transition": record.id })
                    .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    /// Adds triggers; one whose `external_ref` is already stored is skipped. Returns the ones
    /// added. Each addition is audited as `trigger.add`.
    pub async fn add_triggers(
        &self,
        triggers: &[TriggerFields],
        created_by: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<TriggerRecord>, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let mut added = Vec::new();
        for trigger in triggers {
            crate::situations::ensure_country(&mut tx, &trigger.situation).await?;
            let row = sqlx::query(&format!(
                "INSERT INTO triggers (situation_id, kind, name, on_date, yearly, source, \
                 external_ref, note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (external_ref) DO NOTHING RETURNING {TRIGGER_COLUMNS}"
            ))
            .bind(trigger.situation.as_str())
            .bind(trigger.kind.as_str())
            .bind(&trigger.name)
            .bind(date_text(trigger.date))
            .bind(i64::from(trigger.yearly))
            .bind(&trigger.source)
            .bind(trigger.external_ref.as_deref())
            .bind(trigger.note.as_deref())
            .bind(created_by)
            .bind(&at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else { continue };
            let record = trigger_from_row(&row)?;
            audit::append(
                &mut tx,
                AuditEvent {
                    actor: created_by.to_string(),
                    action: "trigger.add".to_string(),
                    entity: format!("trigger:{}", record.id),
                    before: None,
                    after: Some(json!(record.fields).to_string()),
                },
                now,
            )
            .await?;
            added.push(record);
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Every situation with something to assess: a judgment, a trigger, a stored stage, or an
    /// accepted or coded indicator on one of its reports. Areas count as their country too.
    pub async fn assessable_situations(&self) -> Result<Vec<SituationId>, StoreError> {
        let rows = sqlx::query(
            "SELECT situation_id FROM risk_factor_judgments              UNION SELECT situation_id FROM triggers              UNION SELECT situation_id FROM stage_transitions              UNION SELECT r.situation_id FROM report_indicators ri                    JOIN reports r ON r.id = ri.report_id                    WHERE r.situation_id IS NOT NULL AND ri.state IN ($1, $2)",
        )
        .bind(CodingState::Accepted.as_str())
        .bind(CodingState::Coded.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut situations = std::collections::BTreeSet::new();
        for row in &rows {
            let id: String = row.try_get("situation_id")?;
            let id = SituationId::parse(&id)
                .map_err(|error| corrupt(format!("situation {id}: {error}")))?;
            situations.insert(id.country().as_str().to_string());
            situations.insert(id.as_str().to_string());
        }
        situations
            .into_iter()
            .map(|id| SituationId::parse(&id).map_err(|error| corrupt(error.to_string())))
            .collect()
    }

    /// The triggers of `situation`, its areas and, for an area, its country, by date.
    pub async fn triggers(
        &self,
        situation: &SituationId,
    ) -> Result<Vec<TriggerRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TRIGGER_COLUMNS} FROM triggers \
             WHERE situation_id = $1 OR situation_id LIKE $2 OR situation_id = $3 \
             ORDER BY on_date, id"
        ))
        .bind(situation.as_str())
        .bind(format!("{}/%", situation.as_str()))
        .bind(situation.country().as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trigger_from_row).collect()
    }
}

const JUDGMENT_COLUMNS: &str =
    "id, situation_id, factor, status, trend, confidence, reports_json, note, actor, at";
const TRANSITION_COLUMNS: &str = "id, situation_id, from_stage, to_stage, score, assessed_at, \
                                  engine_version, snapshot_json, recorded_by, recorded_at";
const TRIGGER_COLUMNS: &str = "id, situation_id, kind, name, on_date, yearly, source, \
                               external_ref, note, created_by, created_at";

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

fn situation_of(row: &AnyRow, what: &str) -> Result<SituationId, StoreError> {
    let text: String = row.try_get("situation_id")?;
    SituationId::parse(&text).map_err(|error| corrupt(format!("{what}: {error}")))
}

fn coding_from_row(row: &AnyRow) -> Result<IndicatorCoding, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(IndicatorCoding {
        report_id: row.try_get("report_id")?,
        code: row.try_get("code")?,
        state: state
            .parse()
            .map_err(|error| corrupt(format!("indicator coding: {error}")))?,
        actor: row.try_get("actor")?,
        at: row.try_get("at")?,
    })
}

fn judgment_from_row(row: &AnyRow) -> Result<JudgmentRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let what = format!("judgment {id}");
    let word = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    let reports: String = row.try_get("reports_json")?;
    let factor: i64 = row.try_get("factor")?;
    Ok(JudgmentRecord {
        id,
        situation: situation_of(row, &what)?,
        fields: JudgmentFields {
            factor: u8::try_from(factor)
                .map_err(|_| corrupt(format!("{what}: factor {factor}")))?,
            status: word("status")?
                .parse()
                .map_err(|e| corrupt(format!("{what}: {e}")))?,
            trend: word("trend")?
                .parse()
                .map_err(|e| corrupt(format!("{what}: {e}")))?,
            confidence: word("confidence")?
                .parse()
                .map_err(|e| corrupt(format!("{what}: {e}")))?,
            reports: serde_json::from_str(&reports).map_err(|e| corrupt(format!("{what}: {e}")))?,
            note: row.try_get("note")?,
        },
        actor: row.try_get("actor")?,
        at: row.try_get("at")?,
    })
}

fn transition_from_row(row: &AnyRow) -> Result<TransitionRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let what = format!("stage change {id}");
    let stage = |column: &str| -> Result<u8, StoreError> {
        let value: i64 = row.try_get(column)?;
        u8::try_from(value).map_err(|_| corrupt(format!("{what}: {column} {value}")))
    };
    let snapshot: String = row.try_get("snapshot_json")?;
    Ok(TransitionRecord {
        id,
        situation: situation_of(row, &what)?,
        from_stage: stage("from_stage")?,
        to_stage: stage("to_stage")?,
        score: row.try_get("score")?,
        assessed_at: row.try_get("assessed_at")?,
        engine_version: row.try_get("engine_version")?,
        snapshot: serde_json::from_str(&snapshot).map_err(|e| corrupt(format!("{what}: {e}")))?,
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

fn trigger_from_row(row: &AnyRow) -> Result<TriggerRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let what = format!("trigger {id}");
    let kind: String = row.try_get("kind")?;
    let date: String = row.try_get("on_date")?;
    Ok(TriggerRecord {
        id,
        fields: TriggerFields {
            situation: situation_of(row, &what)?,
            kind: kind.parse().map_err(|e| corrupt(format!("{what}: {e}")))?,
            name: row.try_get("name")?,
            date: Date::parse(&date, ISO_DATE).map_err(|e| corrupt(format!("{what}: {e}")))?,
            yearly: row.try_get::<i64, _>("yearly")? == 1,
            source: row.try_get("source")?,
            external_ref: row.try_get("external_ref")?,
            note: row.try_get("note")?,
        },
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn date_text(date: Date) -> String {
    date.format(ISO_DATE)
        .expect("a calendar date always formats as YYYY-MM-DD")
}
