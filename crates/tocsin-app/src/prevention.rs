//! Prevention: recommendations for a situation, the measures taken for it, and its
//! coordination board.
//!
//! The toolbox itself (tools, lessons, ranking, the board's rules) is pure and lives in
//! `tocsin-toolbox`; the measures live in the store. This module joins them and owns two
//! decisions the toolbox leaves to its caller:
//!
//! * **Where the stage comes from.** An explicit stage or dimensions given by the user win.
//!   Otherwise the stage is the one the stage engine last stored for the situation
//!   (`tocsin assess`, `docs/assessment.md`); a situation never assessed has its stage read off
//!   the indicators coded on its verified reports over the last [`EVIDENCE_WINDOW_DAYS`] days
//!   ([`Derivation`]), as do the stressed dimensions. With neither, the answer is an
//!   error (`no_evidence`, or `stage_undetermined` when there are too few indicators) rather
//!   than a guess: recommending tools for a situation nobody has assessed would suggest a
//!   concern the evidence does not show. Every answer says where its stage came from.
//! * **Checking what users type.** Tool ids, statuses, dates, stages and dimensions arrive as
//!   text from the CLI and the API alike and are checked here, once, with stable error codes.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};
use tocsin_domain::{Catalogue, Countries, Dimension, SituationId, Stage};
use tocsin_store::{ResponseFields, ResponseRecord, Store, StoreError};
use tocsin_toolbox::{
    Actor, Board, Derivation, Lesson, LessonQuery, Measure, MeasureStatus, Recommendation, Stress,
    Tool, ToolFilter, Toolbox,
};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// How far back indicator evidence counts.
pub const EVIDENCE_WINDOW_DAYS: i64 = 90;

/// The toolbox shipped with Tocsin, read once.
pub fn toolbox() -> &'static Toolbox {
    static TOOLBOX: OnceLock<Toolbox> = OnceLock::new();
    // The embedded files are checked by the toolbox crate's tests, so failing here means the
    // binary was built from data that never passed them.
    TOOLBOX.get_or_init(|| Toolbox::embedded().expect("the embedded toolbox data is valid"))
}

/// Broad kinds of failure, which the HTTP layer maps to status codes and the CLI to exit 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreventionErrorKind {
    /// What was sent cannot be used as it is (400).
    BadRequest,
    /// The situation, tool or measure does not exist (404).
    NotFound,
    /// The measure changed since it was read (409).
    Conflict,
    /// The request is well-formed but there is nothing to base an answer on (422).
    Unprocessable,
    /// Something failed inside (500); the details are logged.
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PreventionError {
    pub kind: PreventionErrorKind,
    /// Stable machine-readable code, e.g. `unknown_tool`, `bad_date`, `no_evidence`.
    pub code: &'static str,
    pub message: String,
}

impl PreventionError {
    fn new(kind: PreventionErrorKind, code: &'static str, message: String) -> PreventionError {
        PreventionError {
            kind,
            code,
            message,
        }
    }

    fn bad(code: &'static str, message: String) -> PreventionError {
        PreventionError::new(PreventionErrorKind::BadRequest, code, message)
    }

    fn store(error: StoreError) -> PreventionError {
        match error {
            StoreError::NotFound { what } => PreventionError::new(
                PreventionErrorKind::NotFound,
                "not_found",
                format!("{what} not found"),
            ),
            StoreError::Conflict(what) => PreventionError::new(
                PreventionErrorKind::Conflict,
                "stale_revision",
                format!("the measure was changed meanwhile ({what}); reload it and try again"),
            ),
            other => {
                tracing::error!(error = %other, "prevention storage failed");
                PreventionError::new(
                    PreventionErrorKind::Internal,
                    "internal",
                    "the request could not be completed; try again later".to_string(),
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing what users type
// ---------------------------------------------------------------------------------------------

/// A situation id that names a known country (or an area within one).
pub fn parse_situation(raw: &str) -> Result<SituationId, PreventionError> {
    let unknown = |detail: String| {
        PreventionError::new(
            PreventionErrorKind::NotFound,
            "unknown_situation",
            format!(
                "unknown situation {raw:?}: {detail}; `tocsin situations list` shows those held"
            ),
        )
    };
    let id = SituationId::parse(raw).map_err(|error| unknown(error.to_string()))?;
    let country = id.country();
    if Countries::embedded()
        .all()
        .iter()
        .any(|c| c.situation_id() == country)
    {
        Ok(id)
    } else {
        Err(unknown(format!("no country has the code {country}")))
    }
}

pub fn parse_stage(raw: &str) -> Result<Stage, PreventionError> {
    raw.trim()
        .parse::<u8>()
        .ok()
        .and_then(|n| Stage::try_from(n).ok())
        .ok_or_else(|| {
            PreventionError::bad(
                "bad_stage",
                format!("unknown stage {raw:?}: use 1 (risk factors), 2 (crisis and mobilisation) or 3 (imminent emergency)"),
            )
        })
}

pub fn parse_dimension(raw: &str) -> Result<Dimension, PreventionError> {
    raw.parse::<Dimension>().map_err(|_| {
        PreventionError::bad(
            "bad_dimension",
            format!("unknown dimension {raw:?}: use perpetrator, victim or situation"),
        )
    })
}

pub fn parse_status(raw: &str) -> Result<MeasureStatus, PreventionError> {
    raw.parse::<MeasureStatus>()
        .map_err(|message| PreventionError::bad("bad_status", message))
}

/// A calendar date written YYYY-MM-DD; `field` names it in the message.
pub fn parse_date(field: &str, raw: &str) -> Result<Date, PreventionError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw.trim(), format).map_err(|_| {
        PreventionError::bad(
            "bad_date",
            format!("{field} {raw:?} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-21"),
        )
    })
}

/// A tool of the toolbox.
pub fn require_tool(id: &str) -> Result<&'static Tool, PreventionError> {
    toolbox().tool(id.trim()).ok_or_else(|| {
        PreventionError::new(
            PreventionErrorKind::NotFound,
            "unknown_tool",
            format!("no tool with id {id:?}; `tocsin toolbox list` shows the ids"),
        )
    })
}

/// The tools that pass the filters, each given as typed (`None`: no filter), in file order.
pub fn list_tools(
    stage: Option<&str>,
    dimension: Option<&str>,
    actor: Option<&str>,
) -> Result<Vec<&'static Tool>, PreventionError> {
    let filter = ToolFilter {
        stage: stage.map(parse_stage).transpose()?,
        dimension: dimension.map(parse_dimension).transpose()?,
    };
    let actor = actor
        .map(|raw| {
            raw.parse::<Actor>().map_err(|_| {
                let known: Vec<&str> = Actor::ALL.iter().map(|a| a.as_str()).collect();
                PreventionError::bad(
                    "bad_actor",
                    format!("unknown actor {raw:?}: use one of {}", known.join(", ")),
                )
            })
        })
        .transpose()?;
    Ok(toolbox()
        .list(filter)
        .into_iter()
        .filter(|tool| actor.is_none_or(|actor| tool.actors.contains(&actor)))
        .collect())
}

/// The lessons matching every filter given as typed; an unknown tool is an error, not an
/// empty list, so a typo is not mistaken for "no precedent".
pub fn find_lessons(
    tool: Option<&str>,
    stage: Option<&str>,
    dimension: Option<&str>,
    text: Option<&str>,
) -> Result<Vec<&'static Lesson>, PreventionError> {
    let tool = tool.map(require_tool).transpose()?;
    let query = LessonQuery {
        tool: tool.map(|tool| tool.id.as_str()),
        stage: stage.map(parse_stage).transpose()?,
        dimension: dimension.map(parse_dimension).transpose()?,
        text: text.map(str::trim).filter(|text| !text.is_empty()),
    };
    Ok(toolbox().search_lessons(&query))
}

// ---------------------------------------------------------------------------------------------
// Where the stage comes from
// ---------------------------------------------------------------------------------------------

/// What the user said about the situation, overriding the evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub stage: Option<Stage>,
    /// Stressed dimensions, all weighted equally. Empty: from the evidence.
    pub dimensions: Vec<Dimension>,
}

/// Where a stage or a stress profile came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Given by the user (`--stage`, `--dimension`, or the query string).
    Override,
    /// The stage the stage engine last stored for the situation.
    Assessment,
    /// Read off the indicators coded on verified reports (no assessment stored yet).
    Indicators,
    /// Nothing to read it from: no dimension is singled out.
    None,
}

/// The stage and stress a recommendation or board is built on, and where they came from.
#[derive(Debug, Clone, Serialize)]
pub struct Basis {
    pub situation: SituationId,
    pub stage: Stage,
    pub stage_origin: Origin,
    pub stress: Stress,
    pub stress_origin: Origin,
    /// Raw weights behind `stress` (observation counts, or 1 per dimension given).
    #[serde(skip)]
    pub weights: Vec<(Dimension, f64)>,
    /// Evidence counts from this date on.
    #[serde(with = "iso_date")]
    pub evidence_since: Date,
    pub evidence: Derivation,
    /// One sentence saying where the stage and dimensions came from.
    pub explanation: String,
}

/// Works out the basis for `situation` as of `now`.
pub async fn basis(
    store: &Store,
    catalogue: &Catalogue,
    situation: &SituationId,
    overrides: &Overrides,
    now: OffsetDateTime,
) -> Result<Basis, PreventionError> {
    let since = now - Duration::days(EVIDENCE_WINDOW_DAYS);
    let observations = store
        .indicator_observations(situation, since)
        .await
        .map_err(PreventionError::store)?;
    let codings: Vec<(i64, &str)> = observations
        .iter()
        .map(|o| (o.report_id, o.code.as_str()))
        .collect();
    let evidence = Derivation::from_codings(catalogue, &codings);
    let window = format!("the last {EVIDENCE_WINDOW_DAYS} days");

    // The stage the engine last stored for the situation, if it was ever assessed.
    let assessed = if overrides.stage.is_none() {
        store
            .last_transition(situation, now)
            .await
            .map_err(PreventionError::store)?
    } else {
        None
    };
    let assessed_stage = assessed.as_ref().map(|change| {
        (
            Stage::try_from(change.to_stage).ok(),
            change.assessed_at.clone(),
        )
    });
    let (stage, stage_origin, stage_text) = match (overrides.stage, assessed_stage, evidence.stage) {
        (Some(stage), _, _) => (stage, Origin::Override, format!("{stage} as given")),
        (None, Some((Some(stage), at)), _) => (
            stage,
            Origin::Assessment,
            format!("{stage} as last assessed ({at}; `tocsin assess {situation}` says why)"),
        ),
        (None, Some((None, at)), _) => {
            return Err(PreventionError::new(
                PreventionErrorKind::Unprocessable,
                "no_elevated_concern",
                format!(
                    "{situation} was last assessed at no elevated concern ({at}), so there is no stage to recommend for; give one with --stage N (stage=N in the API) to plan anyway"
                ),
            ))
        }
        (None, None, Some(stage)) => (
            stage,
            Origin::Indicators,
            format!("{stage} from indicators: {} in {window}", evidence.explain()),
        ),
        (None, None, None) if !evidence.has_evidence() => {
            return Err(PreventionError::new(
                PreventionErrorKind::Unprocessable,
                "no_evidence",
                format!(
                    "no indicator is coded on a verified report about {situation} in {window}, so there is no stage to recommend for; give one with --stage N (stage=N in the API) if you know it"
                ),
            ))
        }
        (None, None, None) => {
            return Err(PreventionError::new(
                PreventionErrorKind::Unprocessable,
                "stage_undetermined",
                format!(
                    "the evidence on {situation} places no stage: {} in {window}; give one with --stage N (stage=N in the API)",
                    evidence.explain()
                ),
            ))
        }
    };
    let (weights, stress_origin, stress_text) = if !overrides.dimensions.is_empty() {
        let weights: Vec<(Dimension, f64)> =
            overrides.dimensions.iter().map(|&d| (d, 1.0)).collect();
        let names: Vec<&str> = overrides.dimensions.iter().map(|d| d.as_str()).collect();
        (
            weights,
            Origin::Override,
            format!("stressed dimensions as given: {}", names.join(", ")),
        )
    } else if evidence.has_evidence() {
        let weights = evidence.stress_at(stage);
        let described: Vec<String> = weights.iter().map(|(d, w)| format!("{d} {w}")).collect();
        (
            weights,
            Origin::Indicators,
            format!(
                "stressed dimensions from indicator observations: {}",
                described.join(", ")
            ),
        )
    } else {
        (
            Vec::new(),
            Origin::None,
            "no indicator evidence singles out a dimension".to_string(),
        )
    };
    Ok(Basis {
        situation: situation.clone(),
        stage,
        stage_origin,
        stress: Stress::from_weights(&weights),
        stress_origin,
        weights,
        evidence_since: since.date(),
        evidence,
        explanation: format!("Stage: {stage_text}. Dimensions: {stress_text}."),
    })
}

// ---------------------------------------------------------------------------------------------
// Recommendations
// ---------------------------------------------------------------------------------------------

/// Ranked tools for a situation, with the basis they rest on.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendations {
    pub basis: Basis,
    pub toolbox_version: &'static str,
    pub recommendations: Vec<Recommendation<'static>>,
}

pub async fn recommend(
    store: &Store,
    catalogue: &Catalogue,
    situation: &str,
    overrides: &Overrides,
    now: OffsetDateTime,
) -> Result<Recommendations, PreventionError> {
    let situation = parse_situation(situation)?;
    let basis = basis(store, catalogue, &situation, overrides, now).await?;
    let toolbox = toolbox();
    Ok(Recommendations {
        recommendations: toolbox.recommend(basis.stage, &basis.weights),
        toolbox_version: toolbox.tools_version(),
        basis,
    })
}

// ---------------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------------

/// A new measure as typed by a user: text, checked by [`add_response`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub actor: String,
    pub organisation: String,
    pub tool: String,
    #[serde(default)]
    pub planned: Option<String>,
    pub start: String,
    #[serde(default)]
    pub end: Option<String>,
    /// Defaults to `planned`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Changes to a measure. Unset fields stay as they are; an empty text clears an optional one
/// (planned, end, outcome, notes).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureChange {
    /// The revision the change was made from; when given and no longer current, the change is
    /// refused (`stale_revision`) instead of overwriting someone else's.
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub tool: Option<String>,
    #[serde(default)]
    pub planned: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A stored measure with its tool's name.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureView {
    #[serde(flatten)]
    pub record: ResponseRecord,
    pub tool_name: String,
}

fn view(record: ResponseRecord) -> MeasureView {
    MeasureView {
        tool_name: toolbox().tool(&record.fields.tool_id).map_or_else(
            || format!("unknown tool {}", record.fields.tool_id),
            |t| t.name.clone(),
        ),
        record,
    }
}

fn required(field: &str, value: &str) -> Result<String, PreventionError> {
    let value = value.trim();
    if value.is_empty() {
        Err(PreventionError::bad(
            "missing_field",
            format!("{field} is required and may not be empty"),
        ))
    } else {
        Ok(value.to_string())
    }
}

/// Empty text means "none".
fn optional(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn optional_date(field: &str, value: Option<&str>) -> Result<Option<Date>, PreventionError> {
    optional(value)
        .map(|text| parse_date(field, &text))
        .transpose()
}

/// Rules that hold across fields.
fn check(fields: &ResponseFields) -> Result<(), PreventionError> {
    if let Some(end) = fields.end_on {
        if end < fields.start_on {
            return Err(PreventionError::bad(
                "bad_dates",
                format!(
                    "the end date {end} is before the start date {}",
                    fields.start_on
                ),
            ));
        }
    }
    Ok(())
}

/// Records a measure for `situation`, checked against the toolbox, on behalf of `recorded_by`.
pub async fn add_response(
    store: &Store,
    situation: &str,
    input: &MeasureInput,
    recorded_by: &str,
    now: OffsetDateTime,
) -> Result<MeasureView, PreventionError> {
    let situation = parse_situation(situation)?;
    let tool = require_tool(&input.tool)?;
    let status = input
        .status
        .as_deref()
        .map(parse_status)
        .transpose()?
        .unwrap_or(MeasureStatus::Planned);
    let fields = ResponseFields {
        actor: required("actor", &input.actor)?,
        organisation: required("organisation", &input.organisation)?,
        tool_id: tool.id.clone(),
        planned_on: optional_date("planned", input.planned.as_deref())?,
        start_on: parse_date("start", &input.start)?,
        end_on: optional_date("end", input.end.as_deref())?,
        status: status.as_str().to_string(),
        outcome: optional(input.outcome.as_deref()),
        notes: optional(input.notes.as_deref()),
    };
    check(&fields)?;
    let record = store
        .add_response(&situation, &fields, recorded_by, now)
        .await
        .map_err(PreventionError::store)?;
    Ok(view(record))
}

/// Applies `change` to measure `id` on behalf of `updated_by`.
pub async fn update_response(
    store: &Store,
    id: i64,
    change: &MeasureChange,
    updated_by: &str,
    now: OffsetDateTime,
) -> Result<MeasureView, PreventionError> {
    let current = store.response(id).await.map_err(|error| match error {
        StoreError::NotFound { .. } => PreventionError::new(
            PreventionErrorKind::NotFound,
            "unknown_response",
            format!("no measure with id {id}; `tocsin responses list SITUATION` shows the ids"),
        ),
        other => PreventionError::store(other),
    })?;
    let mut fields = current.fields.clone();
    if let Some(actor) = &change.actor {
        fields.actor = required("actor", actor)?;
    }
    if let Some(organisation) = &change.organisation {
        fields.organisation = required("organisation", organisation)?;
    }
    if let Some(tool) = &change.tool {
        fields.tool_id = require_tool(tool)?.id.clone();
    }
    if change.planned.is_some() {
        fields.planned_on = optional_date("planned", change.planned.as_deref())?;
    }
    if let Some(start) = &change.start {
        fields.start_on = parse_date("start", start)?;
    }
    if change.end.is_some() {
        fields.end_on = optional_date("end", change.end.as_deref())?;
    }
    if let Some(status) = &change.status {
        fields.status = parse_status(status)?.as_str().to_string();
    }
    if change.outcome.is_some() {
        fields.outcome = optional(change.outcome.as_deref());
    }
    if change.notes.is_some() {
        fields.notes = optional(change.notes.as_deref());
    }
    check(&fields)?;
    if fields == current.fields {
        return Err(PreventionError::bad(
            "nothing_to_change",
            format!("the change leaves measure {id} as it is; say what to change"),
        ));
    }
    let revision = change.revision.unwrap_or(current.revision);
    let record = store
        .update_response(id, revision, &fields, updated_by, now)
        .await
        .map_err(PreventionError::store)?;
    Ok(view(record))
}

/// The measures recorded for a situation, by start date.
pub async fn list_responses(
    store: &Store,
    situation: &str,
) -> Result<Vec<MeasureView>, PreventionError> {
    let situation = parse_situation(situation)?;
    let records = store
        .responses_for(&situation)
        .await
        .map_err(PreventionError::store)?;
    Ok(records.into_iter().map(view).collect())
}

/// The measures a decision on alert `id` may name: those of its situation and, for an area,
/// of its country (`tocsin_store::measure_situations`), by start date.
pub async fn alert_measures(store: &Store, id: i64) -> Result<Vec<MeasureView>, PreventionError> {
    let records = store
        .alert_measures(id)
        .await
        .map_err(PreventionError::store)?;
    Ok(records.into_iter().map(view).collect())
}

fn measure(record: &ResponseRecord) -> Result<Measure, PreventionError> {
    Ok(Measure {
        id: record.id.to_string(),
        situation: record.situation.to_string(),
        actor: record.fields.actor.clone(),
        organisation: record.fields.organisation.clone(),
        tool_id: record.fields.tool_id.clone(),
        start: record.fields.start_on,
        end: record.fields.end_on,
        status: parse_status(&record.fields.status).map_err(|_| {
            PreventionError::store(StoreError::Corrupt(format!(
                "response {}: status {:?}",
                record.id, record.fields.status
            )))
        })?,
        outcome: record.fields.outcome.clone(),
    })
}

/// A situation's coordination board, with the basis its gaps rest on.
#[derive(Debug, Clone, Serialize)]
pub struct BoardView {
    pub basis: Basis,
    pub board: Board,
}

/// Who is doing what and when for a situation as of `now`, with gaps and clashes.
pub async fn board(
    store: &Store,
    catalogue: &Catalogue,
    situation: &str,
    overrides: &Overrides,
    now: OffsetDateTime,
) -> Result<BoardView, PreventionError> {
    let situation = parse_situation(situation)?;
    let basis = basis(store, catalogue, &situation, overrides, now).await?;
    let records = store
        .responses_for(&situation)
        .await
        .map_err(PreventionError::store)?;
    let measures = records.iter().map(measure).collect::<Result<Vec<_>, _>>()?;
    let board = toolbox().coordination_board(
        situation.as_str(),
        basis.stage,
        &basis.weights,
        &measures,
        now.date(),
    );
    Ok(BoardView { basis, board })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_checked_with_stable_codes() {
        assert_eq!(parse_stage("3").unwrap(), Stage::ImminentEmergency);
        assert_eq!(parse_stage("4").unwrap_err().code, "bad_stage");
        assert_eq!(parse_stage("two").unwrap_err().code, "bad_stage");
        assert_eq!(parse_dimension("victims").unwrap(), Dimension::Victim);
        assert_eq!(
            parse_dimension("bystander").unwrap_err().code,
            "bad_dimension"
        );
        assert_eq!(parse_status("under way").unwrap(), MeasureStatus::UnderWay);
        assert_eq!(parse_status("done").unwrap_err().code, "bad_status");
        assert_eq!(
            parse_date("start", "2026-02-30").unwrap_err().code,
            "bad_date"
        );
        assert_eq!(
            parse_date("start", "2026-02-28").unwrap(),
            time::macros::date!(2026 - 02 - 28)
        );
        assert_eq!(require_tool("radio-jam").unwrap_err().code, "unknown_tool");
        assert!(require_tool("radio-jamming").is_ok());
        assert_eq!(parse_situation("SSD").unwrap().as_str(), "SSD");
        assert_eq!(
            parse_situation("SSD/jonglei").unwrap().as_str(),
            "SSD/jonglei"
        );
        let unknown = parse_situation("XYZ").unwrap_err();
        assert_eq!(
            (unknown.kind, unknown.code),
            (PreventionErrorKind::NotFound, "unknown_situation")
        );
        assert_eq!(
            parse_situation("not a place").unwrap_err().code,
            "unknown_situation"
        );
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        let fields = ResponseFields {
            actor: "a".into(),
            organisation: "o".into(),
            tool_id: "radio-jamming".into(),
            planned_on: None,
            start_on: time::macros::date!(2026 - 02 - 01),
            end_on: Some(time::macros::date!(2026 - 01 - 01)),
            status: "planned".into(),
            outcome: None,
            notes: None,
        };
        assert_eq!(check(&fields).unwrap_err().code, "bad_dates");
    }
}
