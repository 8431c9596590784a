//! The monitors' report form: one small page (no script, one stylesheet) that works on a
//! phone over a slow link. It posts a plain HTML form to the intake service, which stores the
//! form exactly as sent before reading it. Each rendered form carries a fresh submission id,
//! so a form sent twice (a double tap, the browser resending after a timeout) is one report.
//! After a report is stored the browser is sent to a fresh form saying so (303), so reloading
//! does not send it again.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_domain::Principal;

use super::layout::Layout;
use super::{render, see_other, PageError, SessionCsrf};
use crate::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/report", get(page).post(submit))
}

/// What the form shows, filled in again after a refusal so nothing typed is lost.
#[derive(Debug, Default)]
struct Fields {
    text: String,
    place: String,
    lat: String,
    lon: String,
    observed_at: String,
}

#[derive(askama::Template)]
#[template(path = "report_form.html")]
struct FormPage {
    layout: Layout,
    submission: String,
    fields: Fields,
    sent: Option<i64>,
    repeated: bool,
    error: Option<String>,
}

/// A fresh submission id: 16 random bytes as hex.
fn submission_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Deserialize)]
struct SentQuery {
    sent: Option<i64>,
    repeated: Option<bool>,
}

async fn page(
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Query(query): Query<SentQuery>,
) -> Response {
    render(
        StatusCode::OK,
        &FormPage {
            layout: Layout::new(
                "Send a report",
                "/report",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            submission: submission_id(),
            fields: Fields::default(),
            sent: query.sent,
            repeated: query.repeated.unwrap_or(false),
            error: None,
        },
    )
}

async fn submit(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    body: Bytes,
) -> Result<Response, PageError> {
    let field = |name: &str| {
        form_urlencoded::parse(&body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    let submission = field("submission");
    let key = (!submission.is_empty() && submission.len() <= 64).then_some(submission.as_str());
    match state
        .intake
        .submit_form(key, &body, time::OffsetDateTime::now_utc())
        .await
    {
        Ok(outcome) => Ok(see_other(&format!(
            "/report?sent={}{}",
            outcome.report_id,
            if outcome.repeated {
                "&repeated=true"
            } else {
                ""
            }
        ))),
        Err(error) if error.kind == tocsin_app::IntakeErrorKind::Internal => {
            Err(PageError::from(crate::ApiError::from(error)))
        }
        Err(error) => {
            // The refused form is kept in the inbox under its submission id; a corrected one
            // is a new submission.
            let status = match error.kind {
                tocsin_app::IntakeErrorKind::BadRequest => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(render(
                status,
                &FormPage {
                    layout: Layout::new(
                        "Send a report",
                        "/report",
                        &who,
                        csrf.as_ref().map(|c| &c.0),
                    ),
                    submission: submission_id(),
                    fields: Fields {
                        text: field("text"),
                        place: field("place"),
                        lat: field("lat"),
                        lon: field("lon"),
                        observed_at: field("observed_at"),
                    },
                    sent: None,
                    repeated: false,
                    error: Some(format!("{} ({})", error.message, error.code)),
                },
            ))
        }
    }
}
