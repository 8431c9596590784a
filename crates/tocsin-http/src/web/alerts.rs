//! The alert inbox: the alerts sent to the signed-in user's units, each cut to their
//! clearance, with a button to acknowledge it. Acknowledging goes through the alert service,
//! which refuses anyone the alert was not sent to (and is audited there).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use tocsin_app::alerts::AlertShown;
use tocsin_app::Viewer;
use tocsin_domain::Principal;

use super::layout::Layout;
use super::{render, see_other, PageError, SessionCsrf};
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(page))
        .route("/alerts/{id}/ack", post(acknowledge))
}

#[derive(askama::Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    layout: Layout,
    alerts: Vec<AlertShown>,
}

async fn page(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
) -> Result<Response, PageError> {
    let alerts = state.alerts.inbox(&who).await.map_err(ApiError::from)?;
    Ok(render(
        StatusCode::OK,
        &AlertsPage {
            layout: Layout::new(
                "Alerts".to_string(),
                "/alerts",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            alerts,
        },
    ))
}

async fn acknowledge(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError {
        status: StatusCode::NOT_FOUND,
        code: "unknown_alert",
        message: format!("no alert with id {id:?}: ids are numbers"),
    })?;
    state
        .alerts
        .acknowledge(
            Viewer::User(&who),
            id,
            &who.username,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/alerts"))
}
