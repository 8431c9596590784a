//! Assessment routes: a situation's stage, score, drivers and triggers ahead; its 14
//! risk-factor board and judgments; its stage history and trigger calendar; the indicators on a
//! report. Everything is decided by `tocsin_app::assessment`; handlers extract, call and map.
//!
//! The signed-in user is who judges, codes, adds triggers and is named on a stage change an
//! assessment stores. Evidence above the user's clearance counts but is not listed.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tocsin_app::assessment::{self, JudgmentInput, TriggerInput};
use tocsin_app::AssessmentError;
use tocsin_domain::Principal;

use crate::toolbox::{recorded, status_of};
use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/situations/{id}/assessment", get(assess))
        .route("/api/v1/situations/{id}/stages", get(stages))
        .route("/api/v1/situations/{id}/risk-factors", get(board))
        .route("/api/v1/situations/{id}/risk-factors/{factor}", post(judge))
        .route("/api/v1/situations/{id}/judgments", get(judgments))
        .route(
            "/api/v1/situations/{id}/triggers",
            get(triggers).post(add_trigger),
        )
        .route(
            "/api/v1/reports/{id}/indicators",
            get(indicators).post(code),
        )
}

impl From<AssessmentError> for ApiError {
    fn from(error: AssessmentError) -> ApiError {
        ApiError::Coded {
            status: status_of(error.kind),
            code: error.code,
            message: error.message,
        }
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn report_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::Coded {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: format!("no report with id {raw:?}: ids are numbers"),
    })
}

#[derive(Debug, Deserialize)]
struct AtQuery {
    at: Option<String>,
}

async fn assess(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    Query(query): Query<AtQuery>,
) -> Result<Response, ApiError> {
    let now = now();
    let situation = assessment::situation(&id)?;
    let at = query
        .at
        .as_deref()
        .map(|at| assessment::parse_date(at, now))
        .transpose()?;
    let view = state
        .assessments
        .assess(&situation, at, who.clearance, &who.username, now)
        .await?;
    Ok(Json(view).into_response())
}

async fn stages(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    let changes = state.assessments.history(&situation, who.clearance).await?;
    Ok(Json(json!({ "situation": situation, "changes": changes })).into_response())
}

async fn board(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    Ok(Json(state.assessments.board(&situation, now()).await?).into_response())
}

async fn judge(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path((id, factor)): Path<(String, String)>,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    let input: JudgmentInput = recorded(request)?;
    let record = state
        .assessments
        .judge(&situation, &factor, &input, &who.username, now())
        .await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

#[derive(Debug, Deserialize)]
struct FactorQuery {
    factor: Option<String>,
}

async fn judgments(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<FactorQuery>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    let judgments = state
        .assessments
        .judgments(&situation, query.factor.as_deref())
        .await?;
    Ok(Json(json!({ "situation": situation, "judgments": judgments })).into_response())
}

async fn triggers(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    let triggers = state.assessments.triggers(&situation).await?;
    Ok(Json(json!({ "situation": situation, "triggers": triggers })).into_response())
}

async fn add_trigger(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let situation = assessment::situation(&id)?;
    let input: TriggerInput = recorded(request)?;
    let record = state
        .assessments
        .add_trigger(&situation, &input, &who.username, now())
        .await?;
    Ok((StatusCode::CREATED, Json(record)).into_response())
}

async fn indicators(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = report_id(&id)?;
    Ok(Json(state.assessments.indicators(id, who.clearance).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct CodeInput {
    code: String,
    #[serde(default = "coded")]
    state: String,
}

fn coded() -> String {
    "coded".to_string()
}

async fn code(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = report_id(&id)?;
    // The report must be one the user may see.
    state.assessments.indicators(id, who.clearance).await?;
    let input: CodeInput = recorded(request)?;
    let coding = state
        .assessments
        .code(id, &input.code, &input.state, &who.username, now())
        .await?;
    Ok(Json(coding).into_response())
}
