//! Intake routes: the reports API and the SMS gateway webhooks.
//!
//! Bodies are capped (64 KiB: a report is text, not a file); a larger one gets 413 with the
//! usual JSON error. Everything else is decided by `tocsin_app::Intake`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tocsin_ingest::GatewayKind;

use crate::{ApiError, AppState};

/// The largest report body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/reports", post(submit_report))
        .route("/api/v1/gateways/twilio", post(twilio))
        .route("/api/v1/gateways/smssync", post(smssync))
        .route("/api/v1/inbox/rejected", get(rejected))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Maps a body that could not be read (too large, cut off) to a coded error.
fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
        ApiError::Coded {
            status: rejection.status(),
            code: if too_large { "payload_too_large" } else { "unreadable_body" },
            message: if too_large {
                format!("the body is larger than {MAX_BODY_BYTES} bytes; send the report text only, without attachments")
            } else {
                "the request body could not be read; send it again".to_string()
            },
        }
    })
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

async fn submit_report(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let payload = body(payload)?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|key| !key.is_empty() && key.len() <= 255)
                .ok_or_else(|| ApiError::Coded {
                    status: StatusCode::BAD_REQUEST,
                    code: "invalid_idempotency_key",
                    message: "the Idempotency-Key header must be 1 to 255 visible ASCII characters"
                        .to_string(),
                })?,
        ),
    };
    let outcome = state.intake.submit_json(key, &payload, now()).await?;
    // 201 for a new report; 200 when the same request or content had arrived before.
    let status = if outcome.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)).into_response())
}

#[derive(Debug, Deserialize)]
struct SecretQuery {
    secret: Option<String>,
}

fn presented_secret(headers: &HeaderMap, query: &SecretQuery) -> Option<String> {
    headers
        .get("x-tocsin-secret")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.secret.clone())
}

/// Twilio-style webhook: answered with empty TwiML, so the gateway sends no reply SMS (a reply
/// to a monitor's phone could expose them).
async fn twilio(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<SecretQuery>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let payload = body(payload)?;
    let secret = presented_secret(&headers, &query);
    state
        .intake
        .receive_sms(GatewayKind::Twilio, secret.as_deref(), &payload, now())
        .await?;
    Ok((
        StatusCode::OK,
        [("content-type", "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
    )
        .into_response())
}

/// SMSSync-style webhook: answered in the JSON shape SMSSync expects.
async fn smssync(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<SecretQuery>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let payload = body(payload)?;
    let secret = presented_secret(&headers, &query);
    state
        .intake
        .receive_sms(GatewayKind::SmsSync, secret.as_deref(), &payload, now())
        .await?;
    Ok(Json(json!({ "payload": { "success": true, "error": null } })).into_response())
}

/// Payloads that could not be read, with the reason, for analysts.
async fn rejected(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let entries = state.intake.rejected_payloads(200).await?;
    Ok(Json(json!({ "rejected": entries })).into_response())
}
