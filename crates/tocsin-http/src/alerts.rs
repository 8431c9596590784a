//! Alert routes: the signed-in user's inbox, alerts as each user may read them, acknowledging
//! and deciding, CAP documents and their Atom feed, response-time figures, dead letters, and
//! the organisation units alerts are routed through (create, rename, delete or retire, move
//! in the chain of command, areas, members and addresses). `tocsin_app::alerts` decides everything;
//! handlers extract, call and map.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_app::{AlertError, AlertErrorKind, Viewer};
use tocsin_domain::{Principal, SituationId, Tlp};
use tocsin_store::AlertFilter;

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/alerts", get(list))
        .route("/api/v1/alerts/inbox", get(inbox))
        .route("/api/v1/alerts/stats", get(stats))
        .route("/api/v1/alerts/dead-letters", get(dead_letters))
        .route("/api/v1/alerts/{id}", get(show))
        .route("/api/v1/alerts/{id}/cap", get(cap))
        .route("/api/v1/alerts/{id}/ack", post(acknowledge))
        .route("/api/v1/alerts/{id}/decisions", post(decide))
        .route("/api/v1/cap/feed", get(feed))
        .route("/api/v1/units", get(units).post(create_unit))
        .route(
            "/api/v1/units/{name}",
            axum::routing::patch(rename_unit).delete(delete_unit),
        )
        .route("/api/v1/units/{name}/parent", put(set_parent))
        .route("/api/v1/units/{name}/areas", post(add_area))
        .route("/api/v1/units/{name}/areas/{area}", delete(remove_area))
        .route("/api/v1/units/{name}/members", post(add_member))
        .route(
            "/api/v1/units/{name}/members/{username}",
            delete(remove_member),
        )
        .route("/api/v1/units/{name}/addresses", post(add_address))
}

impl From<AlertError> for ApiError {
    fn from(error: AlertError) -> ApiError {
        let status = match error.kind {
            AlertErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            AlertErrorKind::NotFound => StatusCode::NOT_FOUND,
            AlertErrorKind::Forbidden => StatusCode::FORBIDDEN,
            AlertErrorKind::Conflict => StatusCode::CONFLICT,
            AlertErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            // Already logged, with a message that reveals nothing.
            AlertErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::Coded {
            status,
            code: error.code,
            message: error.message,
        }
    }
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| ApiError::Coded {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_json",
            message: format!("the body is not a valid request: {}", rejection.body_text()),
        })
}

fn xml(content_type: &'static str, text: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    situation: Option<String>,
    state: Option<String>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let situation = query
        .situation
        .as_deref()
        .map(SituationId::parse)
        .transpose()
        .map_err(|error| ApiError::Coded {
            status: StatusCode::BAD_REQUEST,
            code: "bad_situation",
            message: error.to_string(),
        })?;
    if let Some(value) = query.state.as_deref() {
        if !matches!(value, "open" | "acknowledged") {
            return Err(ApiError::Coded {
                status: StatusCode::BAD_REQUEST,
                code: "bad_state",
                message: format!("state {value:?}: use open or acknowledged"),
            });
        }
    }
    let filter = AlertFilter {
        situation,
        state: query.state,
        limit: query.limit,
    };
    let alerts = state.alerts.list(Viewer::User(&principal), &filter).await?;
    Ok(Json(serde_json::json!({ "alerts": alerts })).into_response())
}

async fn inbox(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    let alerts = state.alerts.inbox(&principal).await?;
    Ok(Json(serde_json::json!({ "alerts": alerts })).into_response())
}

async fn show(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let detail = state.alerts.show(Viewer::User(&principal), id).await?;
    Ok(Json(detail).into_response())
}

async fn cap(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let document = state.alerts.cap(Viewer::User(&principal), id).await?;
    Ok(xml("application/cap+xml", document))
}

async fn feed(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    let document = state.alerts.feed(Viewer::User(&principal), now()).await?;
    Ok(xml("application/atom+xml", document))
}

async fn acknowledge(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let shown = state
        .alerts
        .acknowledge(Viewer::User(&principal), id, &principal.username, now())
        .await?;
    Ok(Json(shown).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionInput {
    decision: String,
    /// A measure id from `/api/v1/situations/{id}/responses`.
    response_id: Option<i64>,
}

async fn decide(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    input: Result<Json<DecisionInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let decision = state
        .alerts
        .decide(
            Viewer::User(&principal),
            id,
            &principal.username,
            &input.decision,
            input.response_id,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(decision)).into_response())
}

async fn stats(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    Ok(Json(state.alerts.stats().await?).into_response())
}

#[derive(Debug, Deserialize)]
struct LimitQuery {
    limit: Option<i64>,
}

async fn dead_letters(
    State(state): State<Arc<AppState>>,
    Query(query): Query<LimitQuery>,
) -> Result<Response, ApiError> {
    let dead = state
        .alerts
        .dead_letters(query.limit.unwrap_or(100))
        .await?;
    Ok(Json(serde_json::json!({ "dead_letters": dead })).into_response())
}

async fn units(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    Ok(Json(serde_json::json!({ "units": state.alerts.units().await? })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitInput {
    name: String,
    kind: String,
    parent: Option<String>,
}

async fn create_unit(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    input: Result<Json<UnitInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let unit = state
        .alerts
        .create_unit(
            &input.name,
            &input.kind,
            input.parent.as_deref(),
            &principal.username,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(unit)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaInput {
    area: String,
}

async fn add_area(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    input: Result<Json<AreaInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let unit = state
        .alerts
        .add_area(&name, &input.area, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberInput {
    username: String,
}

async fn add_member(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    input: Result<Json<MemberInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let unit = state
        .alerts
        .add_member(&name, &input.username, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddressInput {
    channel: String,
    address: String,
    clearance: Option<String>,
}

async fn add_address(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    input: Result<Json<AddressInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let clearance = input
        .clearance
        .as_deref()
        .map(str::parse::<Tlp>)
        .transpose()
        .map_err(|error| ApiError::Coded {
            status: StatusCode::BAD_REQUEST,
            code: "bad_clearance",
            message: error.to_string(),
        })?;
    let unit = state
        .alerts
        .add_address(
            &name,
            &input.channel,
            &input.address,
            clearance,
            &principal.username,
            now(),
        )
        .await?;
    Ok(Json(unit).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameInput {
    name: String,
}

async fn rename_unit(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    input: Result<Json<RenameInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let unit = state
        .alerts
        .rename_unit(&name, &input.name, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}

/// `{"outcome": "deleted", "unit": NAME}`, or `{"outcome": "retired", "unit": {…}}` when
/// alerts were routed to the unit.
async fn delete_unit(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let removal = state
        .alerts
        .delete_unit(&name, &principal.username, now())
        .await?;
    Ok(Json(removal).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParentInput {
    /// A unit's name, or null for the top of the chain. Required, so that a body missing it
    /// is not read as "report to no one".
    parent: serde_json::Value,
}

async fn set_parent(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    input: Result<Json<ParentInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(input)?;
    let parent = match &input.parent {
        serde_json::Value::Null => None,
        serde_json::Value::String(parent) if !parent.trim().is_empty() => Some(parent.trim()),
        other => {
            return Err(ApiError::Coded {
                status: StatusCode::BAD_REQUEST,
                code: "bad_parent",
                message: format!(
                    "parent {other}: give a unit's name, or null for the top of the chain"
                ),
            })
        }
    };
    let unit = state
        .alerts
        .set_parent(&name, parent, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}

async fn remove_area(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path((name, area)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let unit = state
        .alerts
        .remove_area(&name, &area, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}

async fn remove_member(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path((name, username)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let unit = state
        .alerts
        .remove_member(&name, &username, &principal.username, now())
        .await?;
    Ok(Json(unit).into_response())
}
