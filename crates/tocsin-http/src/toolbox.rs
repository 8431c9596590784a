//! Prevention routes: the toolbox, the lessons library, recommendations, measures and the
//! coordination board. Everything is decided by `tocsin_app::prevention`; handlers extract,
//! call and map.
//!
//! Who records a measure is the signed-in user; the audit log names them.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::Extension;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use tocsin_app::prevention::{self, MeasureChange, MeasureInput, Overrides};
use tocsin_app::{PreventionError, PreventionErrorKind};
use tocsin_domain::Principal;

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/toolbox/tools", get(list_tools))
        .route("/api/v1/toolbox/tools/{id}", get(show_tool))
        .route("/api/v1/lessons", get(lessons))
        .route(
            "/api/v1/situations/{id}/recommendations",
            get(recommendations),
        )
        .route(
            "/api/v1/situations/{id}/responses",
            get(list_responses).post(add_response),
        )
        .route("/api/v1/responses/{id}", patch(update_response))
        .route("/api/v1/situations/{id}/board", get(board))
}

/// The status for a kind of application error (prevention and assessment share the kinds).
pub(crate) fn status_of(kind: PreventionErrorKind) -> StatusCode {
    match kind {
        PreventionErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        PreventionErrorKind::NotFound => StatusCode::NOT_FOUND,
        PreventionErrorKind::Conflict => StatusCode::CONFLICT,
        PreventionErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        // Already logged, with a message that reveals nothing.
        PreventionErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<PreventionError> for ApiError {
    fn from(error: PreventionError) -> ApiError {
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

/// A JSON body that could not be read, as a coded error.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(|rejection| {
        invalid(format!(
            "the body is not a valid request: {}",
            rejection.body_text()
        ))
    })
}

#[derive(Debug, Deserialize)]
struct ToolQuery {
    stage: Option<String>,
    dimension: Option<String>,
    actor: Option<String>,
}

async fn list_tools(Query(query): Query<ToolQuery>) -> Result<Response, ApiError> {
    let tools = prevention::list_tools(
        query.stage.as_deref(),
        query.dimension.as_deref(),
        query.actor.as_deref(),
    )?;
    Ok(Json(json!({
        "version": prevention::toolbox().tools_version(),
        "tools": tools,
    }))
    .into_response())
}

async fn show_tool(Path(id): Path<String>) -> Result<Response, ApiError> {
    let tool = prevention::require_tool(&id)?;
    let lessons = prevention::find_lessons(Some(&tool.id), None, None, None)?;
    Ok(Json(json!({ "tool": tool, "lessons": lessons })).into_response())
}

#[derive(Debug, Deserialize)]
struct LessonQuery {
    tool: Option<String>,
    stage: Option<String>,
    dimension: Option<String>,
    text: Option<String>,
}

async fn lessons(Query(query): Query<LessonQuery>) -> Result<Response, ApiError> {
    let lessons = prevention::find_lessons(
        query.tool.as_deref(),
        query.stage.as_deref(),
        query.dimension.as_deref(),
        query.text.as_deref(),
    )?;
    Ok(Json(json!({
        "version": prevention::toolbox().lessons_version(),
        "lessons": lessons,
    }))
    .into_response())
}

/// `?stage=3&dimension=victim,situation`: the user's overrides of the evidence.
#[derive(Debug, Deserialize)]
struct BasisQuery {
    stage: Option<String>,
    /// Comma-separated.
    dimension: Option<String>,
}

impl BasisQuery {
    fn overrides(&self) -> Result<Overrides, PreventionError> {
        Ok(Overrides {
            stage: self
                .stage
                .as_deref()
                .map(prevention::parse_stage)
                .transpose()?,
            dimensions: self
                .dimension
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(prevention::parse_dimension)
                .collect::<Result<_, _>>()?,
        })
    }
}

async fn recommendations(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<BasisQuery>,
) -> Result<Response, ApiError> {
    let overrides = query.overrides()?;
    let result =
        prevention::recommend(&state.store, &state.catalogue, &id, &overrides, now()).await?;
    Ok(Json(result).into_response())
}

async fn board(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<BasisQuery>,
) -> Result<Response, ApiError> {
    let overrides = query.overrides()?;
    let view = prevention::board(&state.store, &state.catalogue, &id, &overrides, now()).await?;
    Ok(Json(view).into_response())
}

#[derive(Debug, Serialize)]
struct MeasureList {
    situation: String,
    responses: Vec<prevention::MeasureView>,
}

async fn list_responses(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<MeasureList>, ApiError> {
    let responses = prevention::list_responses(&state.store, &id).await?;
    Ok(Json(MeasureList {
        situation: prevention::parse_situation(&id)?.to_string(),
        responses,
    }))
}

/// A write body: the measure's fields, refusing unknown names.
pub(crate) fn recorded<T: serde::de::DeserializeOwned>(
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<T, ApiError> {
    let value = body(request)?;
    serde_json::from_value(value)
        .map_err(|error| invalid(format!("the body is not a valid request: {error}")))
}

pub(crate) fn invalid(message: String) -> ApiError {
    ApiError::Coded {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_json",
        message,
    }
}

async fn add_response(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input: MeasureInput = recorded(request)?;
    let added = prevention::add_response(&state.store, &id, &input, &who.username, now()).await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

async fn update_response(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::Coded {
        status: StatusCode::NOT_FOUND,
        code: "unknown_response",
        message: format!("no measure with id {id:?}: ids are numbers"),
    })?;
    let change: MeasureChange = recorded(request)?;
    let updated =
        prevention::update_response(&state.store, id, &change, &who.username, now()).await?;
    Ok(Json(updated).into_response())
}
