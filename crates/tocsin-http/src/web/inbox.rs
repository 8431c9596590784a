//! The analysts' reports inbox: reports by verification state (newest first, up to the
//! reader's clearance), with per-report forms to move, grade and place a report, and one
//! bulk form to move several at once. Every form posts to a route here that calls the same
//! store functions as the API and comes back to the inbox (303), or shows what was wrong.
//!
//! A report's indicator page lists the catalogue's suggestions for its text, to accept or
//! reject, and the codings analysts made, and codes any indicator of the catalogue, through
//! the assessment service as `/api/v1/reports/{id}/indicators` does.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_domain::{Credibility, Principal, SituationId, Tlp, VerificationState};
use tocsin_store::{ExportRow, Grade, ManualPlace, ReportFilter};

use super::layout::Layout;
use super::{local_path, render, see_other, PageError, SessionCsrf};
use crate::{access, ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/reports", get(inbox))
        .route("/reports/{id}/transition", post(transition))
        .route("/reports/{id}/grade", post(grade))
        .route("/reports/{id}/place", post(place))
        .route("/reports/bulk", post(bulk))
        .route("/reports/{id}/indicators", get(indicators).post(code))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn invalid(code: &'static str, message: impl Into<String>) -> PageError {
    PageError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: message.into(),
    }
}

#[derive(Debug, Deserialize)]
struct InboxQuery {
    state: Option<String>,
    queue: Option<String>,
}

/// A report's row in the inbox.
struct Row {
    id: i64,
    received_at: String,
    situation: String,
    place: String,
    place_state: String,
    needs_place: bool,
    text: String,
    /// An imported event's facts on one line: type, fatalities, actors, dataset record.
    facts: Option<String>,
    credibility: i64,
    tlp: String,
    verification: String,
    /// The states this report may move to, by the verification workflow.
    moves: Vec<&'static str>,
}

/// An imported event's facts as the inbox and the report page show them ("Battles · 3 killed ·
/// actors · acled:SDN123"), or none for a report that has none.
fn event_facts(report: &ExportRow) -> Option<String> {
    let parts: Vec<String> = [
        report.event_type.clone(),
        report.fatalities.map(|n| format!("{n} killed")),
        report.actors.clone(),
        report.reference.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Whether `who` may open a report's indicator page (by the access rules).
fn may_code(who: &Principal) -> bool {
    access::allows(who.role, &Method::GET, "/reports/{id}/indicators")
}

struct Filter {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(askama::Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    layout: Layout,
    filters: Vec<Filter>,
    rows: Vec<Row>,
    /// This page's own address, for the forms to come back to.
    back: String,
    tlps: Vec<&'static str>,
    bulk_moves: Vec<&'static str>,
    may_act: bool,
    /// Whether each row links to the report's indicators.
    may_code: bool,
    /// Whether the page links to the exports (every report the reader may see).
    may_export: bool,
}

async fn inbox(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let mut filter = ReportFilter::new(who.clearance);
    filter.limit = 200;
    let verification = query
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<VerificationState>)
        .transpose()
        .map_err(|error| invalid("invalid_state", error.to_string()))?;
    filter.verification = verification;
    filter.place_queue = query.queue.as_deref() == Some("place");
    let back = match (&verification, filter.place_queue) {
        (_, true) => "/reports?queue=place".to_string(),
        (Some(state), false) => format!("/reports?state={state}"),
        (None, false) => "/reports".to_string(),
    };
    let mut filters = vec![Filter {
        label: "all",
        href: "/reports".to_string(),
        current: back == "/reports",
    }];
    for state in VerificationState::ALL {
        let href = format!("/reports?state={state}");
        filters.push(Filter {
            label: state.as_str(),
            current: back == href,
            href,
        });
    }
    filters.push(Filter {
        label: "to place",
        href: "/reports?queue=place".to_string(),
        current: filter.place_queue,
    });
    let may_act = tocsin_domain::report::WORKFLOW
        .iter()
        .any(|t| t.roles.contains(&who.role));
    let rows = state
        .store
        .list_reports(&filter)
        .await?
        .into_iter()
        .map(|view| {
            let report = view.report;
            let from = report.verification.parse::<VerificationState>().ok();
            let facts = event_facts(&report);
            Row {
                facts,
                moves: tocsin_domain::report::WORKFLOW
                    .iter()
                    .filter(|t| Some(t.from) == from && t.roles.contains(&who.role))
                    .map(|t| t.to.as_str())
                    .collect(),
                id: report.id,
                received_at: report.received_at,
                situation: report.situation.unwrap_or_default(),
                place: report.place_name.unwrap_or_default(),
                needs_place: matches!(report.place_state.as_str(), "unresolved" | "ambiguous"),
                place_state: report.place_state,
                text: report.text,
                credibility: report.credibility,
                tlp: report.tlp,
                verification: report.verification,
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &InboxPage {
            layout: Layout::new(
                "Reports inbox",
                "/reports",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            filters,
            rows,
            back,
            tlps: Tlp::ALL
                .into_iter()
                .filter(|tlp| who.may_see(*tlp))
                .map(Tlp::as_str)
                .collect(),
            bulk_moves: ["verified", "unverified", "false", "duplicate", "archived"].to_vec(),
            may_act,
            may_code: may_code(&who),
            may_export: access::allows(who.role, &Method::GET, "/api/v1/reports/export"),
        },
    ))
}

/// Where to go after a form: the inbox page it came from, or the inbox.
fn back_to(back: Option<&str>) -> Response {
    see_other(
        &local_path(back)
            .filter(|path| path.starts_with("/reports"))
            .unwrap_or_else(|| "/reports".to_string()),
    )
}

#[derive(Debug, Deserialize)]
struct TransitionForm {
    to: String,
    back: Option<String>,
}

async fn transition(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> Result<Response, PageError> {
    let to: VerificationState = form
        .to
        .parse()
        .map_err(|error: tocsin_domain::DomainError| invalid("invalid_state", error.to_string()))?;
    move_report(&state, &who, id, to).await?;
    Ok(back_to(form.back.as_deref()))
}

/// Moves one report the caller may see.
async fn move_report(
    state: &AppState,
    who: &Principal,
    id: i64,
    to: VerificationState,
) -> Result<(), PageError> {
    state.store.report(id, who.clearance).await?;
    state
        .store
        .transition_report(id, to, who.role, &who.username, now())
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
struct GradeForm {
    credibility: Option<String>,
    tlp: Option<String>,
    back: Option<String>,
}

async fn grade(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    Form(form): Form<GradeForm>,
) -> Result<Response, PageError> {
    let credibility = form
        .credibility
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|raw| {
            raw.parse::<u8>()
                .ok()
                .and_then(|n| Credibility::try_from(n).ok())
                .ok_or_else(|| {
                    invalid(
                        "invalid_credibility",
                        format!("credibility {raw:?} is not a number from 1 to 6"),
                    )
                })
        })
        .transpose()?;
    let tlp = form
        .tlp
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(str::parse::<Tlp>)
        .transpose()
        .map_err(|error| invalid("invalid_tlp", error.to_string()))?;
    if let Some(tlp) = tlp {
        if !who.may_see(tlp) {
            return Err(invalid(
                "tlp_above_clearance",
                format!(
                    "you are cleared for {} and cannot mark a report {tlp}",
                    who.clearance
                ),
            ));
        }
    }
    state.store.report(id, who.clearance).await?;
    state
        .store
        .grade_report(id, Grade { credibility, tlp }, &who.username, now())
        .await?;
    Ok(back_to(form.back.as_deref()))
}

#[derive(Debug, Deserialize)]
struct PlaceForm {
    name: Option<String>,
    lat: String,
    lon: String,
    situation: String,
    back: Option<String>,
}

async fn place(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> Result<Response, PageError> {
    let point = (
        form.lat.trim().parse::<f64>(),
        form.lon.trim().parse::<f64>(),
    );
    let (Ok(latitude), Ok(longitude)) = point else {
        return Err(invalid(
            "invalid_point",
            "latitude and longitude must be numbers of decimal degrees, e.g. 4.85 and 31.58",
        ));
    };
    if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
        return Err(invalid(
            "invalid_point",
            "latitude must be within -90..90 and longitude within -180..180 (decimal degrees)",
        ));
    }
    let situation = SituationId::parse(form.situation.trim())
        .map_err(|error| invalid("invalid_situation", error.to_string()))?;
    state.store.report(id, who.clearance).await?;
    state
        .store
        .place_report(
            id,
            &ManualPlace {
                name: form.name.filter(|n| !n.trim().is_empty()),
                latitude,
                longitude,
                situation,
            },
            &who.username,
            now(),
        )
        .await?;
    Ok(back_to(form.back.as_deref()))
}

/// The bulk form: `id` repeated once per ticked report, and `to`. Each report is moved on
/// its own; the first that cannot be moved stops the rest and is named.
async fn bulk(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Result<Response, PageError> {
    let mut ids = Vec::new();
    let (mut to, mut back) = (None, None);
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "id" => {
                ids.push(value.parse::<i64>().map_err(|_| {
                    invalid("invalid_id", format!("{value:?} is not a report number"))
                })?)
            }
            "to" => to = Some(value.into_owned()),
            "back" => back = Some(value.into_owned()),
            _ => {}
        }
    }
    if ids.is_empty() {
        return Err(invalid(
            "nothing_selected",
            "tick at least one report, then choose what to do with them",
        ));
    }
    let to: VerificationState = to
        .unwrap_or_default()
        .parse()
        .map_err(|error: tocsin_domain::DomainError| invalid("invalid_state", error.to_string()))?;
    for id in ids {
        move_report(&state, &who, id, to)
            .await
            .map_err(|error| PageError {
                message: format!("report {id}: {}", error.message),
                ..error
            })?;
    }
    Ok(back_to(back.as_deref()))
}

/// An indicator decided on for a report, as the indicator page lists it.
struct CodingLine {
    code: String,
    text: String,
    state: &'static str,
    actor: String,
    at: String,
    /// What the page offers to turn it into: rejected for evidence, accepted for a rejection.
    flip: &'static str,
}

/// A group of the catalogue's indicators, for the form that codes any of them.
struct FactorOptions {
    label: String,
    indicators: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    layout: Layout,
    report: tocsin_store::ExportRow,
    /// The imported event's facts, as the inbox shows them.
    facts: Option<String>,
    suggestions: Vec<tocsin_app::assessment::SuggestedIndicator>,
    codings: Vec<CodingLine>,
    factors: Vec<FactorOptions>,
}

fn parse_report_id(raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: format!("no report with id {raw:?}: ids are numbers"),
    })
}

async fn indicators(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_report_id(&id)?;
    // The service answers "not found" for a report above the reader's clearance.
    let found = state
        .assessments
        .indicators(id, who.clearance)
        .await
        .map_err(ApiError::from)?;
    let report = state.store.report(id, who.clearance).await?.report;
    let text_of = |code: &str| {
        state
            .catalogue
            .indicator(code)
            .map_or_else(String::new, |(_, indicator)| indicator.text.clone())
    };
    let codings = found
        .codings
        .into_iter()
        .map(|coding| CodingLine {
            text: text_of(&coding.code),
            flip: if coding.state.is_evidence() {
                "rejected"
            } else {
                "accepted"
            },
            state: coding.state.as_str(),
            code: coding.code,
            actor: coding.actor,
            at: coding.at,
        })
        .collect();
    let factors = state
        .catalogue
        .risk_factors()
        .iter()
        .map(|factor| FactorOptions {
            label: format!("{}. {}", factor.number, factor.name),
            indicators: factor
                .indicators
                .iter()
                .map(|indicator| (indicator.code.clone(), indicator.text.clone()))
                .collect(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &IndicatorsPage {
            layout: Layout::new(
                format!("Indicators of report {id}"),
                "/reports",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            facts: event_facts(&report),
            report,
            suggestions: found.suggestions,
            codings,
            factors,
        },
    ))
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    code: String,
    /// accepted, rejected or coded.
    state: String,
}

async fn code(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let id = parse_report_id(&id)?;
    // The report must be one the user may see.
    state
        .assessments
        .indicators(id, who.clearance)
        .await
        .map_err(ApiError::from)?;
    state
        .assessments
        .code(id, &form.code, &form.state, &who.username, now())
        .await
        .map_err(ApiError::from)?;
    Ok(see_other(&format!("/reports/{id}/indicators")))
}
