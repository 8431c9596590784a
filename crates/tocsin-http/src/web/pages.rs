//! The dashboard and the situation page: what is known about risk in the world and in one
//! situation. Each section is shown only to roles the access rules let read its data (the
//! same rule as the API route holding that data), and only when the data exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use tocsin_app::prevention;
use tocsin_domain::{Countries, Principal, SituationId};
use tocsin_store::ReportFilter;

use super::layout::Layout;
use super::{render, PageError, SessionCsrf};
use crate::access;
use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(dashboard))
        .route("/situations/{id}", get(situation))
}

/// The part of a stored forecast the pages read.
#[derive(Debug, Deserialize)]
struct StoredForecast {
    data_year: i32,
    onset_years: [i32; 2],
    entries: Vec<StoredEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct StoredEntry {
    rank: usize,
    situation: String,
    name: String,
    probability: f64,
    change: Option<f64>,
}

fn parse_forecast(json: &str) -> Result<StoredForecast, PageError> {
    serde_json::from_str(json)
        .map_err(|error| PageError::from(crate::ApiError::Internal(Box::new(error))))
}

/// A ranked country as the dashboard lists it.
struct RankedRow {
    rank: usize,
    situation: String,
    name: String,
    percent: String,
    change: String,
}

fn percent(probability: f64) -> String {
    format!("{:.1}%", probability * 100.0)
}

fn signed_points(change: Option<f64>) -> String {
    change.map_or_else(String::new, |c| {
        let points = format!("{:+.1}", c * 100.0);
        // A change that rounds to nothing reads as 0.0, not -0.0 or +0.0.
        if points[1..] == *"0.0" {
            "0.0".to_string()
        } else {
            points
        }
    })
}

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    /// "Data year 2024, onsets 2025–2026, model ewp-enet 1.0, stored …", when one exists.
    forecast_label: Option<String>,
    rows: Vec<RankedRow>,
    /// The newest alerts sent to the user, cut to their clearance.
    alerts: Vec<tocsin_app::alerts::AlertShown>,
}

async fn dashboard(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
) -> Result<Response, PageError> {
    let layout = Layout::new("Dashboard", "/", &who, csrf.as_ref().map(|c| &c.0));
    let (forecast_label, rows) = match state.store.latest_risk_assessment().await? {
        None => (None, Vec::new()),
        Some((meta, json)) => {
            let forecast = parse_forecast(&json)?;
            let label = format!(
                "Data year {}, onsets {}–{}; model {} {}; stored {} by {}",
                forecast.data_year,
                forecast.onset_years[0],
                forecast.onset_years[1],
                meta.model,
                meta.model_version,
                meta.created_at,
                meta.created_by
            );
            let rows = forecast
                .entries
                .into_iter()
                .map(|entry| RankedRow {
                    rank: entry.rank,
                    situation: entry.situation,
                    name: entry.name,
                    percent: percent(entry.probability),
                    change: signed_points(entry.change),
                })
                .collect();
            (Some(label), rows)
        }
    };
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            layout,
            forecast_label,
            rows,
            alerts: state
                .alerts
                .inbox(&who)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .take(5)
                .collect(),
        },
    ))
}

/// One year of a situation's risk trend, placed on the chart.
struct TrendPoint {
    year: i32,
    percent: String,
    x: f64,
    y: f64,
}

/// The risk trend chart, drawn on the server as SVG: one point per data year, the newest
/// stored forecast of each year. A polyline and a few labels need no chart library: the chart
/// arrives with the page, shows without JavaScript, and adds a few hundred bytes rather than a
/// library's download on a slow link.
struct Trend {
    points: Vec<TrendPoint>,
    /// The SVG polyline's `points` attribute.
    line: String,
    /// Highest probability on the scale, as a label.
    top: String,
}

const CHART_WIDTH: f64 = 560.0;
const CHART_HEIGHT: f64 = 160.0;
const CHART_PAD: f64 = 30.0;

fn trend(by_year: &BTreeMap<i32, f64>) -> Option<Trend> {
    let (&first, &last) = (by_year.keys().next()?, by_year.keys().next_back()?);
    // The scale's top: the next 5 percentage points above the highest value.
    let highest = by_year.values().copied().fold(0.0_f64, f64::max);
    let top = ((highest * 20.0).floor() + 1.0) / 20.0;
    let span = f64::from((last - first).max(1));
    let points: Vec<TrendPoint> = by_year
        .iter()
        .map(|(&year, &probability)| TrendPoint {
            year,
            percent: percent(probability),
            x: CHART_PAD + f64::from(year - first) / span * (CHART_WIDTH - 2.0 * CHART_PAD),
            y: CHART_HEIGHT - CHART_PAD - probability / top * (CHART_HEIGHT - 2.0 * CHART_PAD),
        })
        .collect();
    let line = points
        .iter()
        .map(|p| format!("{:.1},{:.1}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    Some(Trend {
        points,
        line,
        top: percent(top),
    })
}

/// The stage engine's view of a situation: where it stands now, how it got there, and the 14
/// risk factors.
struct AssessmentSection {
    stage: String,
    score: String,
    explanation: Vec<String>,
    /// Stored stage changes, newest first: (assessed at, from, to, score).
    timeline: Vec<(String, String, String, String)>,
    /// (factor, name, judgment or "not judged", indicators seen on reports).
    factors: Vec<(u8, String, String, usize)>,
}

fn stage_words(level: u8) -> String {
    match tocsin_domain::Stage::try_from(level) {
        Ok(stage) => stage.to_string(),
        Err(_) => "no elevated concern".to_string(),
    }
}

async fn assessment_section(
    state: &AppState,
    who: &Principal,
    id: &SituationId,
) -> Result<AssessmentSection, PageError> {
    let now = time::OffsetDateTime::now_utc();
    let view = state
        .assessments
        .assess(id, None, who.clearance, &who.username, now)
        .await
        .map_err(ApiError::from)?;
    let timeline = state
        .assessments
        .history(id, who.clearance)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|change| {
            (
                change
                    .assessed_at
                    .chars()
                    .take(16)
                    .collect::<String>()
                    .replace('T', " "),
                stage_words(change.from_stage),
                stage_words(change.to_stage),
                format!("{:.2}", change.score),
            )
        })
        .collect();
    let board = state
        .assessments
        .board(id, now)
        .await
        .map_err(ApiError::from)?;
    let factors = board
        .factors
        .into_iter()
        .map(|row| {
            let judgment = row.judgment.map_or("not judged".to_string(), |j| {
                format!(
                    "{} ({}, {} confidence) by {}",
                    j.fields.status, j.fields.trend, j.fields.confidence, j.actor
                )
            });
            (row.factor, row.name, judgment, row.observations.len())
        })
        .collect();
    Ok(AssessmentSection {
        stage: stage_words(view.assessment.level()),
        score: format!("{:.2}", view.assessment.score),
        explanation: view.assessment.explanation.clone(),
        timeline,
        factors,
    })
}

/// A report as the situation page lists it.
struct ReportLine {
    id: i64,
    received_at: String,
    place: String,
    verification: String,
    text: String,
}

struct ToolLine {
    name: String,
    reason: String,
}

struct MeasureLine {
    tool: String,
    actor: String,
    organisation: String,
    status: String,
    start_on: String,
}

/// The recommended tools and the measures under way, each worked out on its own; what
/// cannot be is shown with the reason in its place.
type Prevention = (
    Result<Vec<ToolLine>, String>,
    Result<Vec<MeasureLine>, String>,
);

#[derive(askama::Template)]
#[template(path = "situation.html")]
struct SituationPage {
    layout: Layout,
    id: String,
    name: String,
    latest_risk: Option<String>,
    trend: Option<Trend>,
    chart_width: f64,
    chart_height: f64,
    chart_pad: f64,
    /// `None`: this role may not read assessments (the section is left out).
    assessment: Option<AssessmentSection>,
    /// Whether this role may download the situation's brief.
    may_brief: bool,
    /// `None`: this role may not read reports (the section is left out).
    reports: Option<Vec<ReportLine>>,
    /// `None`: this role may not read recommendations and measures. Each is worked out on
    /// its own; what cannot be is shown with the reason in its place.
    prevention: Option<Prevention>,
}

async fn situation(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = SituationId::parse(&raw).map_err(|error| PageError {
        status: StatusCode::NOT_FOUND,
        code: "invalid_situation",
        message: error.to_string(),
    })?;
    let mut by_year = BTreeMap::new();
    let mut name = Countries::embedded()
        .by_iso3(id.as_str())
        .map(|country| country.name.clone());
    for (_, json) in state.store.risk_assessments().await? {
        let forecast = parse_forecast(&json)?;
        if let Some(entry) = forecast
            .entries
            .iter()
            .find(|entry| entry.situation == id.as_str())
        {
            // Oldest first: a newer forecast of the same data year replaces an older one.
            by_year.insert(forecast.data_year, entry.probability);
            name.get_or_insert_with(|| entry.name.clone());
        }
    }
    let latest_risk = by_year
        .iter()
        .next_back()
        .map(|(year, p)| format!("{} (data year {year})", percent(*p)));
    let reports = if access::allows(who.role, &Method::GET, "/api/v1/reports") {
        let mut filter = ReportFilter::new(who.clearance);
        filter.situation = Some(id.clone());
        filter.limit = 20;
        let listed = state.store.list_reports(&filter).await?;
        Some(
            listed
                .into_iter()
                .map(|view| ReportLine {
                    id: view.report.id,
                    received_at: view.report.received_at,
                    place: view.report.place_name.unwrap_or_default(),
                    verification: view.report.verification,
                    text: view.report.text,
                })
                .collect(),
        )
    } else {
        None
    };
    let prevention = if access::allows(
        who.role,
        &Method::GET,
        "/api/v1/situations/{id}/recommendations",
    ) {
        Some(prevention_lines(&state, &id).await)
    } else {
        None
    };
    let assessment = if access::allows(who.role, &Method::GET, "/api/v1/situations/{id}/assessment")
    {
        Some(assessment_section(&state, &who, &id).await?)
    } else {
        None
    };
    let name = name.unwrap_or_else(|| id.to_string());
    Ok(render(
        StatusCode::OK,
        &SituationPage {
            may_brief: access::allows(who.role, &Method::GET, "/api/v1/situations/{id}/brief"),
            assessment,
            layout: Layout::new(name.clone(), "", &who, csrf.as_ref().map(|c| &c.0)),
            id: id.to_string(),
            name,
            latest_risk,
            trend: trend(&by_year),
            chart_width: CHART_WIDTH,
            chart_height: CHART_HEIGHT,
            chart_pad: CHART_PAD,
            reports,
            prevention,
        },
    ))
}

/// The five best-ranked tools and the measures planned or under way.
async fn prevention_lines(
    state: &AppState,
    id: &SituationId,
) -> (
    Result<Vec<ToolLine>, String>,
    Result<Vec<MeasureLine>, String>,
) {
    let now = time::OffsetDateTime::now_utc();
    let tools = prevention::recommend(
        &state.store,
        &state.catalogue,
        id.as_str(),
        &prevention::Overrides::default(),
        now,
    )
    .await
    .map(|recommended| {
        recommended
            .recommendations
            .iter()
            .take(5)
            .map(|r| ToolLine {
                name: r.tool.name.clone(),
                reason: r.reason.clone(),
            })
            .collect()
    })
    .map_err(|error| error.to_string());
    let measures = prevention::list_responses(&state.store, id.as_str())
        .await
        .map(|measures| {
            measures
                .into_iter()
                .filter(|m| matches!(m.record.fields.status.as_str(), "planned" | "under_way"))
                .map(|m| MeasureLine {
                    tool: m.tool_name,
                    actor: m.record.fields.actor,
                    organisation: m.record.fields.organisation,
                    status: m.record.fields.status.replace('_', " "),
                    start_on: m.record.fields.start_on.to_string(),
                })
                .collect()
        })
        .map_err(|error| error.to_string());
    (tools, measures)
}

#[cfg(test)]
mod tests {
    use super::signed_points;

    #[test]
    fn a_change_is_signed_in_points_and_nothing_reads_as_zero() {
        assert_eq!(signed_points(Some(0.013)), "+1.3");
        assert_eq!(signed_points(Some(-0.004)), "-0.4");
        assert_eq!(signed_points(Some(-0.0001)), "0.0");
        assert_eq!(signed_points(Some(0.0002)), "0.0");
        assert_eq!(signed_points(None), "");
    }
}
