//! Assessment of stored situations: the stage engine fed from the store, the 14 risk-factor
//! board, indicator codings on reports, and the trigger calendar.
//!
//! `assess` gathers, for a situation and a date, the accepted and coded indicators on its
//! reports (graded by source reliability, credibility, verification and corroboration), the
//! analysts' latest judgments, the newest structural forecast for its country and its triggers,
//! and runs the engine with the stage last stored as of that date. When the date is now (not a
//! look back) and the stage differs from the stored one, the change is stored with the engine's
//! whole answer as its evidence. Evidence a reader may not see (by TLP) still counts, since the
//! assessment is the organisation's; the answer lists only the reports the reader may see and
//! says how many it withholds.

use std::sync::Arc;

use serde::Serialize;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};
use tocsin_domain::assessment::risk_factor_number;
use tocsin_domain::{
    Catalogue, CodingState, Confidence, Credibility, FactorStatus, Reliability, SituationId, Stage,
    Tlp, Trend, TriggerKind, VerificationState,
};
use tocsin_stage::{
    Assessment, Engine, Input, Judgment, Observation, Origin, Params, Structural, Trigger,
};
use tocsin_store::{
    IndicatorCoding, JudgmentFields, JudgmentRecord, NewTransition, Store, StoreError,
    TransitionRecord, TriggerFields, TriggerRecord,
};

use crate::prevention::{parse_situation, PreventionErrorKind as ErrorKind};

/// Dates before this are refused: no data Tocsin holds reaches further back.
pub const EARLIEST: Date = time::macros::date!(1945 - 01 - 01);

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AssessmentError {
    pub kind: ErrorKind,
    /// Stable machine-readable code, e.g. `unknown_situation`, `bad_date`, `bad_judgment`.
    pub code: &'static str,
    pub message: String,
}

impl AssessmentError {
    fn bad(code: &'static str, message: String) -> AssessmentError {
        AssessmentError {
            kind: ErrorKind::BadRequest,
            code,
            message,
        }
    }

    pub(crate) fn from_store(error: StoreError) -> AssessmentError {
        AssessmentError::store(error)
    }

    fn store(error: StoreError) -> AssessmentError {
        match error {
            StoreError::NotFound { what } => AssessmentError {
                kind: ErrorKind::NotFound,
                code: "not_found",
                message: format!("{what} not found"),
            },
            other => {
                tracing::error!(error = %other, "assessment storage failed");
                AssessmentError {
                    kind: ErrorKind::Internal,
                    code: "internal",
                    message: "the request could not be completed; try again later".to_string(),
                }
            }
        }
    }
}

impl From<crate::PreventionError> for AssessmentError {
    fn from(error: crate::PreventionError) -> AssessmentError {
        AssessmentError {
            kind: error.kind,
            code: error.code,
            message: error.message,
        }
    }
}

/// A situation id users typed, checked against the country table.
pub fn situation(raw: &str) -> Result<SituationId, AssessmentError> {
    Ok(parse_situation(raw)?)
}

/// A date users typed (`YYYY-MM-DD`), within what Tocsin can assess: from 1945 to a year
/// after `now`.
pub fn parse_date(raw: &str, now: OffsetDateTime) -> Result<Date, AssessmentError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(raw.trim(), format).map_err(|_| {
        AssessmentError::bad(
            "bad_date",
            format!("{raw:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-21"),
        )
    })?;
    let latest = now.date() + Duration::days(366);
    if date < EARLIEST || date > latest {
        return Err(AssessmentError {
            kind: ErrorKind::BadRequest,
            code: "date_out_of_range",
            message: format!(
                "{date} is out of range: assessments run from {EARLIEST} to a year from today ({latest})"
            ),
        });
    }
    Ok(date)
}

/// The end of a calendar day, in UTC: an assessment "at" a date sees that whole day.
fn end_of(date: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(date, Time::from_hms(23, 59, 59).expect("a valid time")).assume_utc()
}

/// A judgment as typed: words are checked here.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct JudgmentInput {
    pub status: String,
    #[serde(default)]
    pub trend: Option<String>,
    #[serde(default)]
    pub confidence: Option<String>,
    #[serde(default)]
    pub reports: Vec<i64>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A trigger as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TriggerInput {
    pub kind: String,
    pub name: String,
    pub date: String,
    #[serde(default)]
    pub yearly: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// The engine's answer with what the reader may see of its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentView {
    pub situation: SituationId,
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The stage change this assessment stored, if it was one.
    pub stored_change: Option<TransitionRecord>,
    /// Alerts the stored change raised (by the alert rules in force).
    pub alerts_raised: Vec<i64>,
    /// Items of evidence from reports above the reader's clearance: counted, not listed.
    pub withheld_items: usize,
    /// The structural forecast used, if any.
    pub structural: Option<Structural>,
}

/// An indicator the catalogue's keyword rules suggest for a report.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestedIndicator {
    pub code: String,
    pub text: String,
    /// The keywords found in the report.
    pub matched: Vec<String>,
}

/// The indicators of one report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportIndicators {
    pub report_id: i64,
    /// Decided on by analysts: accepted, rejected or coded.
    pub codings: Vec<IndicatorCoding>,
    /// Suggested by the catalogue, waiting for an analyst.
    pub suggestions: Vec<SuggestedIndicator>,
}

/// One row of the risk-factor board.
#[derive(Debug, Clone, Serialize)]
pub struct FactorRow {
    pub factor: u8,
    pub name: String,
    pub scope: String,
    /// The stage a "present" judgment on it speaks to.
    pub speaks_to_stage: u8,
    /// The latest judgment, if any.
    pub judgment: Option<JudgmentRecord>,
    /// How many judgments were made on it in all.
    pub judgments: usize,
    /// Accepted or coded indicators of this factor on the situation's reports in the
    /// engine's evidence window: (indicator code, report id).
    pub observations: Vec<(String, i64)>,
}

/// The 14 risk factors of a situation.
#[derive(Debug, Clone, Serialize)]
pub struct FactorBoard {
    pub situation: SituationId,
    pub factors: Vec<FactorRow>,
}

/// The assessment service.
#[derive(Debug, Clone)]
pub struct Assessments {
    store: Store,
    catalogue: Arc<Catalogue>,
    /// Shared: the state holding it is cloned for every request the server answers, and the
    /// parameters are many maps.
    params: Arc<Params>,
    /// Where a stored stage change is signalled, when alerts are in use.
    alerts: Option<crate::Alerts>,
}

impl Assessments {
    pub fn new(store: Store, catalogue: Arc<Catalogue>, params: Params) -> Assessments {
        Assessments {
            store,
            catalogue,
            params: Arc::new(params),
            alerts: None,
        }
    }

    /// Signals every stored stage change to `alerts`, whose rules decide whom to warn.
    pub fn with_alerts(mut self, alerts: crate::Alerts) -> Assessments {
        self.alerts = Some(alerts);
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Assesses `situation` at the end of day `at` (today when `None`). `clearance` is the
    /// reader's; `recorder` is named on a stored stage change.
    pub async fn assess(
        &self,
        situation: &SituationId,
        at: Option<Date>,
        clearance: Tlp,
        recorder: &str,
        now: OffsetDateTime,
    ) -> Result<AssessmentView, AssessmentError> {
        let looking_back = at.is_some_and(|at| at < now.date());
        let date = at.unwrap_or(now.date());
        let until = if looking_back {
            end_of(date)
        } else {
            now.max(end_of(date))
        };
        let since = until - Duration::days(self.params.evidence.window_days + 1);
        let rows = self
            .store
            .assessment_evidence(situation, since, until)
            .await
            .map_err(AssessmentError::store)?;
        let mut withheld_reports = std::collections::BTreeSet::new();
        let mut observations = Vec::with_capacity(rows.len());
        for row in &rows {
            let tlp: Tlp = row.tlp.parse().unwrap_or(Tlp::Red);
            if !tlp.permits(clearance) {
                withheld_reports.insert(row.report_id);
            }
            let observed = time::OffsetDateTime::parse(
                &row.observed_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|error| {
                AssessmentError::store(StoreError::Corrupt(format!(
                    "report {} time {:?}: {error}",
                    row.report_id, row.observed_at
                )))
            })?;
            let reliability = match &row.reliability {
                Some(letter) => letter.parse().unwrap_or(Reliability::F),
                None if row.from_dataset => self.params.datasets.reliability,
                None => Reliability::F,
            };
            observations.push(Observation {
                origin: Origin::Report { id: row.report_id },
                indicator: row.code.clone(),
                at: observed.to_offset(time::UtcOffset::UTC).date(),
                reliability,
                credibility: u8::try_from(row.credibility)
                    .ok()
                    .and_then(|n| Credibility::try_from(n).ok())
                    .unwrap_or(Credibility::CannotBeJudged),
                verification: verification(&row.verification),
                corroborations: u32::try_from(row.corroborations).unwrap_or(0),
                magnitude: 1.0,
            });
        }

        let judgments: Vec<Judgment> = self
            .store
            .judgments(situation, None)
            .await
            .map_err(AssessmentError::store)?
            .into_iter()
            .filter_map(|record| {
                let at = OffsetDateTime::parse(
                    &record.at,
                    &time::format_description::well_known::Rfc3339,
                )
                .ok()?;
                (at <= until).then(|| Judgment {
                    factor: record.fields.factor,
                    status: record.fields.status,
                    trend: record.fields.trend,
                    confidence: record.fields.confidence,
                    reports: record.fields.reports,
                    actor: record.actor,
                    at: at.date(),
                })
            })
            .collect();

        let structural = self.structural(situation, date).await?;
        let triggers: Vec<Trigger> = self
            .store
            .triggers(situation)
            .await
            .map_err(AssessmentError::store)?
            .into_iter()
            .filter_map(|record| next_occurrence(&record, date))
            .collect();

        let previous_record = self
            .store
            .last_transition(situation, until)
            .await
            .map_err(AssessmentError::store)?;
        let previous = previous_record
            .as_ref()
            .and_then(|record| Stage::try_from(record.to_stage).ok());

        let engine = Engine::new(Params::clone(&self.params), &self.catalogue);
        let mut assessment = engine.assess(
            &Input {
                observations: &observations,
                judgments: &judgments,
                structural: structural.as_ref(),
                triggers: &triggers,
                previous,
            },
            date,
        );

        let stored_change = if !looking_back && assessment.stage != previous {
            let snapshot = serde_json::to_string(&assessment)
                .map_err(|error| AssessmentError::store(StoreError::Corrupt(error.to_string())))?;
            self.store
                .record_transition(
                    &NewTransition {
                        situation,
                        from_stage: previous.map_or(0, Stage::number),
                        to_stage: assessment.level(),
                        score: assessment.score,
                        assessed_at: until.min(now),
                        engine_version: &self.params.version,
                        snapshot_json: &snapshot,
                    },
                    recorder,
                    now,
                )
                .await
                .map_err(AssessmentError::store)?
        } else {
            None
        };

        // A stored change is signalled before anything is cut for this reader: the alert's
        // own marking is the strictest of the evidence behind it, and each recipient is told
        // what their clearance allows.
        let mut alerts_raised = Vec::new();
        if let (Some(change), Some(alerts)) = (&stored_change, &self.alerts) {
            let marking = if rows.is_empty() {
                Tlp::Amber
            } else {
                Tlp::strictest(rows.iter().map(|row| row.tlp.parse().unwrap_or(Tlp::Red)))
            };
            let signal = tocsin_alerts::AlertSignal::StageChanged {
                situation: situation.clone(),
                from: Stage::try_from(change.from_stage).ok(),
                to: Stage::try_from(change.to_stage).ok(),
                score: (assessment.score / 3.0).clamp(0.0, 1.0),
                drivers: assessment
                    .drivers
                    .iter()
                    .take(5)
                    .map(|driver| format!("{} {}", driver.line, driver.label))
                    .collect(),
                tlp: marking,
            };
            match alerts.raise(&signal, now).await {
                Ok(ids) => alerts_raised = ids,
                // The change is stored; the next sweep's tick cannot re-raise it, so say so
                // loudly. The stage history still shows the change.
                Err(error) => {
                    tracing::error!(%situation, %error, "a stage change could not raise its alert")
                }
            }
        }

        // What the reader may not see is counted, not listed.
        let mut withheld_items = 0;
        for driver in &mut assessment.drivers {
            let before = driver.items.len();
            driver.items.retain(|item| match item.origin {
                Origin::Report { id } => !withheld_reports.contains(&id),
                Origin::Dataset { .. } => true,
            });
            withheld_items += before - driver.items.len();
        }
        let stored_change = stored_change.map(|mut change| {
            redact_snapshot(&mut change.snapshot, |id| !withheld_reports.contains(&id));
            change
        });
        Ok(AssessmentView {
            situation: situation.clone(),
            assessment,
            stored_change,
            alerts_raised,
            withheld_items,
            structural,
        })
    }

    /// The newest stored forecast's entry for the situation's country, if there is one made
    /// from data no later than `date`'s year.
    async fn structural(
        &self,
        situation: &SituationId,
        date: Date,
    ) -> Result<Option<Structural>, AssessmentError> {
        let Some((meta, json)) = self
            .store
            .latest_risk_assessment()
            .await
            .map_err(AssessmentError::store)?
        else {
            return Ok(None);
        };
        if meta.data_year > i64::from(date.year()) {
            return Ok(None);
        }
        let forecast: serde_json::Value = serde_json::from_str(&json)
            .map_err(|error| AssessmentError::store(StoreError::Corrupt(error.to_string())))?;
        let country = situation.country();
        let entry = forecast["entries"].as_array().and_then(|entries| {
            entries
                .iter()
                .find(|entry| entry["situation"].as_str() == Some(country.as_str()))
        });
        Ok(entry.and_then(|entry| {
            Some(Structural {
                probability: entry["probability"].as_f64()?,
                rank: entry["rank"]
                    .as_u64()
                    .and_then(|rank| u32::try_from(rank).ok()),
                year: i32::try_from(meta.data_year).ok()?,
                model: meta.model.clone(),
            })
        }))
    }

    /// Assesses, as of now, every situation with something to assess, storing each stage
    /// change (which raises its alert) and signalling the triggers ahead. Returns the changes
    /// stored.
    pub async fn assess_all(
        &self,
        recorder: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<TransitionRecord>, AssessmentError> {
        let situations = self
            .store
            .assessable_situations()
            .await
            .map_err(AssessmentError::store)?;
        let mut changes = Vec::new();
        for situation in situations {
            let view = self
                .assess(&situation, None, Tlp::Red, recorder, now)
                .await?;
            // Triggers ahead are signalled too: the alert rules decide how near is near, and
            // their repeat window keeps one trigger from warning the same people twice.
            if let Some(alerts) = &self.alerts {
                for near in &view.assessment.upcoming {
                    let signal = tocsin_alerts::AlertSignal::TriggerNear {
                        situation: situation.clone(),
                        trigger: near.trigger.name.clone(),
                        date: near.trigger.date,
                        // Analysts' calendars are the organisation's own.
                        tlp: Tlp::Amber,
                    };
                    if let Err(error) = alerts.raise(&signal, now).await {
                        tracing::error!(%situation, %error, "a trigger ahead could not raise its alert");
                    }
                }
            }
            if let Some(change) = view.stored_change {
                changes.push(change);
            }
        }
        Ok(changes)
    }

    /// The 14 risk factors of `situation`: latest judgment, how many were made, and the
    /// indicators of each observed on its reports within the evidence window up to now.
    pub async fn board(
        &self,
        situation: &SituationId,
        now: OffsetDateTime,
    ) -> Result<FactorBoard, AssessmentError> {
        let judgments = self
            .store
            .judgments(situation, None)
            .await
            .map_err(AssessmentError::store)?;
        let since = now - Duration::days(self.params.evidence.window_days);
        let evidence = self
            .store
            .assessment_evidence(situation, since, now)
            .await
            .map_err(AssessmentError::store)?;
        let engine = Engine::new(Params::clone(&self.params), &self.catalogue);
        let factors = self
            .catalogue
            .risk_factors()
            .iter()
            .map(|factor| {
                let on_factor: Vec<&JudgmentRecord> = judgments
                    .iter()
                    .filter(|judgment| judgment.fields.factor == factor.number)
                    .collect();
                FactorRow {
                    factor: factor.number,
                    name: factor.name.clone(),
                    scope: factor.scope.to_string(),
                    speaks_to_stage: engine.factor_stage(factor.number).map_or(1, Stage::number),
                    judgment: on_factor.first().map(|judgment| (*judgment).clone()),
                    judgments: on_factor.len(),
                    observations: evidence
                        .iter()
                        .filter(|row| factor.indicator(&row.code).is_some())
                        .map(|row| (row.code.clone(), row.report_id))
                        .collect(),
                }
            })
            .collect();
        Ok(FactorBoard {
            situation: situation.clone(),
            factors,
        })
    }

    /// Records an analyst's judgment on risk factor `factor` (typed: `7` or `RF7`).
    pub async fn judge(
        &self,
        situation: &SituationId,
        factor: &str,
        input: &JudgmentInput,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<JudgmentRecord, AssessmentError> {
        let bad = |error: tocsin_domain::DomainError| {
            AssessmentError::bad("bad_judgment", error.to_string())
        };
        let factor = risk_factor_number(factor).map_err(bad)?;
        let fields = JudgmentFields {
            factor,
            status: input.status.parse::<FactorStatus>().map_err(bad)?,
            trend: input
                .trend
                .as_deref()
                .map_or(Ok(Trend::Steady), str::parse)
                .map_err(bad)?,
            confidence: input
                .confidence
                .as_deref()
                .map_or(Ok(Confidence::Medium), str::parse)
                .map_err(bad)?,
            reports: input.reports.clone(),
            note: input.note.clone().filter(|note| !note.trim().is_empty()),
        };
        self.store
            .record_judgment(situation, &fields, actor, now)
            .await
            .map_err(AssessmentError::store)
    }

    /// The judgments on `situation`'s factors, newest first (one factor's if given).
    pub async fn judgments(
        &self,
        situation: &SituationId,
        factor: Option<&str>,
    ) -> Result<Vec<JudgmentRecord>, AssessmentError> {
        let factor = factor
            .map(risk_factor_number)
            .transpose()
            .map_err(|error| AssessmentError::bad("bad_judgment", error.to_string()))?;
        self.store
            .judgments(situation, factor)
            .await
            .map_err(AssessmentError::store)
    }

    /// Sets indicator `code` on report `report` to `state` (accepted, rejected or coded).
    pub async fn code(
        &self,
        report: i64,
        code: &str,
        state: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<IndicatorCoding, AssessmentError> {
        let code = code.trim();
        if self.catalogue.indicator(code).is_none() {
            return Err(AssessmentError::bad(
                "unknown_indicator",
                format!("the catalogue has no indicator {code:?}; `tocsin catalogue` lists them (e.g. 7.5)"),
            ));
        }
        let state: CodingState = state.parse().map_err(|error: tocsin_domain::DomainError| {
            AssessmentError::bad("bad_state", error.to_string())
        })?;
        if state == CodingState::Suggested {
            return Err(AssessmentError::bad(
                "bad_state",
                "suggestions come from the catalogue; an analyst accepts, rejects or codes"
                    .to_string(),
            ));
        }
        self.store
            .code_indicator(report, code, state, actor, now)
            .await
            .map_err(AssessmentError::store)
    }

    /// The indicators on report `report` as the reader sees them: those analysts decided on,
    /// and the catalogue's keyword suggestions for its text not yet decided on, each with the
    /// words that matched. A report above the reader's clearance is not found.
    pub async fn indicators(
        &self,
        report: i64,
        clearance: Tlp,
    ) -> Result<ReportIndicators, AssessmentError> {
        let view = self
            .store
            .report(report, clearance)
            .await
            .map_err(AssessmentError::store)?;
        let codings = self
            .store
            .report_codings(report)
            .await
            .map_err(AssessmentError::store)?;
        let suggestions = self
            .catalogue
            .suggest(&view.report.text)
            .into_iter()
            .filter(|suggestion| {
                !codings
                    .iter()
                    .any(|coding| coding.code == suggestion.indicator_code)
            })
            .filter_map(|suggestion| {
                let (_, indicator) = self.catalogue.indicator(&suggestion.indicator_code)?;
                Some(SuggestedIndicator {
                    code: suggestion.indicator_code.clone(),
                    text: indicator.text.clone(),
                    matched: suggestion.matched,
                })
            })
            .collect();
        Ok(ReportIndicators {
            report_id: report,
            codings,
            suggestions,
        })
    }

    /// Adds a trigger an analyst knows of.
    pub async fn add_trigger(
        &self,
        situation: &SituationId,
        input: &TriggerInput,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<TriggerRecord, AssessmentError> {
        let kind: TriggerKind =
            input
                .kind
                .parse()
                .map_err(|error: tocsin_domain::DomainError| {
                    AssessmentError::bad("bad_trigger", error.to_string())
                })?;
        let name = input.name.trim();
        if name.is_empty() {
            return Err(AssessmentError::bad(
                "bad_trigger",
                "name the trigger, e.g. \"presidential election, first round\"".to_string(),
            ));
        }
        let date = parse_date(&input.date, now)?;
        let fields = TriggerFields {
            situation: situation.clone(),
            kind,
            name: name.to_string(),
            date,
            yearly: input.yearly,
            source: "analyst".to_string(),
            external_ref: None,
            note: input.note.clone(),
        };
        self.store
            .add_triggers(&[fields], actor, now)
            .await
            .map_err(AssessmentError::store)?
            .pop()
            .ok_or_else(|| AssessmentError::store(StoreError::Corrupt("trigger not stored".into())))
    }

    /// The triggers of a situation, by date.
    pub async fn triggers(
        &self,
        situation: &SituationId,
    ) -> Result<Vec<TriggerRecord>, AssessmentError> {
        self.store
            .triggers(situation)
            .await
            .map_err(AssessmentError::store)
    }

    /// The stored stage changes of a situation, newest first, each snapshot cut to the
    /// reports a reader with `clearance` may see.
    pub async fn history(
        &self,
        situation: &SituationId,
        clearance: Tlp,
    ) -> Result<Vec<TransitionRecord>, AssessmentError> {
        let mut changes = self
            .store
            .transitions(situation)
            .await
            .map_err(AssessmentError::store)?;
        let mut visible: std::collections::BTreeMap<i64, bool> = std::collections::BTreeMap::new();
        for change in &changes {
            for id in snapshot_reports(&change.snapshot) {
                if let std::collections::btree_map::Entry::Vacant(entry) = visible.entry(id) {
                    let seen = match self.store.report(id, clearance).await {
                        Ok(_) => true,
                        Err(StoreError::NotFound { .. }) => false,
                        Err(other) => return Err(AssessmentError::store(other)),
                    };
                    entry.insert(seen);
                }
            }
        }
        for change in &mut changes {
            redact_snapshot(&mut change.snapshot, |id| {
                visible.get(&id).copied().unwrap_or(false)
            });
        }
        Ok(changes)
    }

    /// Stores historic triggers (imported coups, elections marred by violence); records
    /// already imported are skipped. Returns how many were added.
    pub async fn import_triggers(
        &self,
        triggers: &[TriggerFields],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<usize, AssessmentError> {
        let mut added = 0;
        for chunk in triggers.chunks(500) {
            added += self
                .store
                .add_triggers(chunk, actor, now)
                .await
                .map_err(AssessmentError::store)?
                .len();
        }
        Ok(added)
    }
}

/// Historic triggers from the Cline Center coup events: one per coup, attempt or plot, placed
/// by its state number (Correlates of War numbers read as Gleditsch–Ward; the two differ for a
/// handful of states). Events of states the country table lacks are left out.
pub fn coup_triggers(file: &str, bytes: &[u8]) -> Result<Vec<TriggerFields>, AssessmentError> {
    let coups = tocsin_ingest::history::parse_coups(file, bytes)
        .map_err(|error| AssessmentError::bad("malformed_file", error.to_string()))?;
    let countries = tocsin_domain::Countries::embedded();
    Ok(coups
        .into_iter()
        .filter_map(|coup| {
            let country = countries.by_gw(coup.cow_code)?;
            let name = match coup.kind {
                tocsin_ingest::history::CoupKind::Realized => "coup",
                tocsin_ingest::history::CoupKind::Attempted => "attempted coup",
                tocsin_ingest::history::CoupKind::Conspiracy => "coup plot",
            };
            Some(TriggerFields {
                situation: country.situation_id(),
                kind: TriggerKind::Coup,
                name: name.to_string(),
                date: coup.date,
                yearly: false,
                source: "cline-coups".to_string(),
                external_ref: Some(format!("cline-coups:{}", coup.id)),
                note: None,
            })
        })
        .collect())
}

/// Historic triggers from UCDP's electoral violence events: one per country and month with
/// any, dated by its first event, named with the month's events and deaths.
pub fn electoral_violence_triggers(
    file: &str,
    bytes: &[u8],
) -> Result<Vec<TriggerFields>, AssessmentError> {
    let events = tocsin_ingest::history::parse_deco(file, bytes)
        .map_err(|error| AssessmentError::bad("malformed_file", error.to_string()))?;
    let countries = tocsin_domain::Countries::embedded();
    // (situation, year, month) -> (first date, events, deaths)
    let mut months: std::collections::BTreeMap<(String, i32, u8), (Date, u32, u32)> =
        std::collections::BTreeMap::new();
    for event in &events {
        let Some(country) = countries.by_gw(event.gw_code) else {
            continue;
        };
        let key = (
            country.situation_id().as_str().to_string(),
            event.date.year(),
            u8::from(event.date.month()),
        );
        let entry = months.entry(key).or_insert((event.date, 0, 0));
        entry.0 = entry.0.min(event.date);
        entry.1 += 1;
        entry.2 += event.deaths;
    }
    months
        .into_iter()
        .map(|((situation, year, month), (first, count, deaths))| {
            Ok(TriggerFields {
                situation: SituationId::parse(&situation)
                    .map_err(|error| AssessmentError::bad("malformed_file", error.to_string()))?,
                kind: TriggerKind::Election,
                name: format!("electoral violence: {count} event(s), {deaths} death(s)"),
                date: first,
                yearly: false,
                source: "ucdp-deco".to_string(),
                external_ref: Some(format!("ucdp-deco:{situation}:{year}-{month:02}")),
                note: None,
            })
        })
        .collect()
}

/// The ids of the reports a stored snapshot lists as evidence.
fn snapshot_reports(snapshot: &serde_json::Value) -> Vec<i64> {
    snapshot["drivers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|driver| driver["items"].as_array().into_iter().flatten())
        .filter(|item| item["origin"]["kind"] == "report")
        .filter_map(|item| item["origin"]["id"].as_i64())
        .collect()
}

/// Removes from a stored snapshot the report items `visible` says no, and notes how many.
fn redact_snapshot(snapshot: &mut serde_json::Value, visible: impl Fn(i64) -> bool) {
    let mut withheld = 0u64;
    if let Some(drivers) = snapshot["drivers"].as_array_mut() {
        for driver in drivers {
            if let Some(items) = driver["items"].as_array_mut() {
                let before = items.len();
                items.retain(|item| {
                    item["origin"]["kind"] != "report"
                        || item["origin"]["id"].as_i64().is_some_and(&visible)
                });
                withheld += (before - items.len()) as u64;
            }
        }
    }
    if let Some(object) = snapshot.as_object_mut() {
        object.insert(
            "withheld_items".to_string(),
            serde_json::Value::from(withheld),
        );
    }
}

fn verification(text: &str) -> VerificationState {
    VerificationState::ALL
        .into_iter()
        .find(|state| state.as_str() == text)
        .unwrap_or(VerificationState::Triage)
}

/// The trigger's date as the engine sees it from `from`: its own date, or for a yearly one
/// its next anniversary on or after `from`.
fn next_occurrence(record: &TriggerRecord, from: Date) -> Option<Trigger> {
    let fields = &record.fields;
    let date = if fields.yearly && fields.date < from {
        let on = |year: i32| {
            Date::from_calendar_date(year, fields.date.month(), fields.date.day()).or_else(|_| {
                // 29 February in a common year: the 28th.
                Date::from_calendar_date(year, Month::February, 28)
            })
        };
        let this_year = on(from.year()).ok()?;
        if this_year >= from {
            this_year
        } else {
            on(from.year() + 1).ok()?
        }
    } else {
        fields.date
    };
    Some(Trigger {
        name: fields.name.clone(),
        kind: fields.kind,
        date,
    })
}
