//! Who am I, and administrators' routes for users and their API tokens.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tocsin_app::AccountError;
use tocsin_domain::{Principal, Role, Tlp};

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{name}/tokens", post(issue_token))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> ApiError {
        match error {
            AccountError::Store(error) => ApiError::from(error),
            AccountError::Hash(_) => ApiError::Internal(Box::new(error)),
            AccountError::BadUsername(_) | AccountError::WeakPassword => ApiError::Coded {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_account",
                message: error.to_string(),
            },
        }
    }
}

async fn me(Extension(who): Extension<Principal>) -> Json<Principal> {
    Json(who)
}

async fn list(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    Ok(Json(json!({ "users": state.store.users().await? })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    username: String,
    role: String,
    clearance: Option<String>,
    password: Option<String>,
}

async fn create(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: NewUserBody = serde_json::from_slice(&bytes).map_err(|error| ApiError::Coded {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_json",
        message: format!(
            "send {{\"username\", \"role\", optional \"clearance\" and \"password\"}}: {error}"
        ),
    })?;
    let coded = |code: &'static str, error: tocsin_domain::DomainError| ApiError::Coded {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: error.to_string(),
    };
    let role: Role = request
        .role
        .parse()
        .map_err(|error| coded("invalid_role", error))?;
    let clearance: Option<Tlp> = request
        .clearance
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|error| coded("invalid_tlp", error))?;
    let user = state
        .accounts
        .add_user(
            &request.username,
            role,
            clearance,
            request.password.as_deref(),
            &who.username,
            now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    label: String,
}

async fn issue_token(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: TokenBody = serde_json::from_slice(&bytes).map_err(|error| ApiError::Coded {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_json",
        message: format!("send {{\"label\": \"what the token is for\"}}: {error}"),
    })?;
    let issued = state
        .accounts
        .issue_token(&name, &request.label, &who.username, now())
        .await?;
    let mut response = (StatusCode::CREATED, Json(issued)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
