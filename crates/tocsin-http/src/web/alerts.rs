//! The alert inbox: the alerts sent to the signed-in user's units, each cut to their
//! clearance, with a button to acknowledge it; and one alert's page, with what it says (to
//! those cleared for it), the decisions taken on it and a form to record one, optionally
//! naming the measure it set going (one recorded for the alert's situation, as the store
//! insists). Acknowledging and deciding go through the alert service,
//! which refuses anyone the alert was not sent to (and puts both on the record).

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_app::alerts::{AlertDetail, AlertShown};
use tocsin_app::{prevention, Viewer};
use tocsin_domain::Principal;
use tocsin_store::DecisionRecord;

use super::layout::Layout;
use super::{render, see_other, PageError, SessionCsrf};
use crate::{access, ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/alerts", get(page))
        .route("/alerts/{id}", get(alert))
        .route("/alerts/{id}/ack", post(acknowledge))
        .route("/alerts/{id}/decisions", post(decide))
}

fn alert_id(raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError {
        status: StatusCode::NOT_FOUND,
        code: "unknown_alert",
        message: format!("no alert with id {raw:?}: ids are numbers"),
    })
}

#[derive(askama::Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    layout: Layout,
    alerts: Vec<AlertShown>,
}

async fn page(
    State(state): State<Arc<AppState>>,
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
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = alert_id(&id)?;
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

/// A measure the decision form offers to link.
struct MeasureOption {
    id: i64,
    label: String,
}

/// A decision as the alert page lists it.
struct DecisionLine {
    record: DecisionRecord,
    /// The linked measure's tool and actor, when the reader may see measures.
    measure: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "alert.html")]
struct AlertPage {
    layout: Layout,
    alert: AlertShown,
    decisions: Vec<DecisionLine>,
    /// The measures a decision may name (the situation's and, for an area, its country's),
    /// for those whose role reads them; `None` for the others.
    measures: Option<Vec<MeasureOption>>,
}

async fn alert(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = alert_id(&id)?;
    let AlertDetail {
        alert, decisions, ..
    } = state
        .alerts
        .show_to_recipient(Viewer::User(&who), id)
        .await
        .map_err(ApiError::from)?;
    // Measures are listed only to the roles that may read them through the API.
    let measures = if access::allows(who.role, &Method::GET, "/api/v1/situations/{id}/responses") {
        Some(
            prevention::alert_measures(&state.store, id)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .map(|m| MeasureOption {
                    id: m.record.id,
                    label: format!(
                        "#{} {} — {}, {} ({})",
                        m.record.id,
                        m.tool_name,
                        m.record.fields.actor,
                        m.record.fields.organisation,
                        m.record.fields.status.replace('_', " ")
                    ),
                })
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let decisions = decisions
        .into_iter()
        .map(|record| DecisionLine {
            measure: record.response_id.and_then(|linked| {
                measures
                    .as_ref()?
                    .iter()
                    .find(|m| m.id == linked)
                    .map(|m| m.label.clone())
            }),
            record,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AlertPage {
            layout: Layout::new(
                format!("Alert {id}"),
                "/alerts",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            alert,
            decisions,
            measures,
        },
    ))
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    /// A measure id, or empty for none.
    response: Option<String>,
}

async fn decide(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let id = alert_id(&id)?;
    let response_id = form
        .response
        .as_deref()
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| PageError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "bad_response",
                message: format!("measure {raw:?} is not a measure number"),
            })
        })
        .transpose()?;
    state
        .alerts
        .decide(
            Viewer::User(&who),
            id,
            &who.username,
            &form.decision,
            response_id,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(see_other(&format!("/alerts/{id}#decisions")))
}
