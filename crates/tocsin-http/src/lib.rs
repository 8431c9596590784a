//! Tocsin's HTTP server: the JSON API under `/api/v1`, the health check, and the web
//! application's pages (`web`).
//!
//! Invariant: handlers extract, call one store or domain function and map the result; no
//! business logic lives here. Every error leaves as [`ApiError`], with a stable code and a
//! message that says what to do; 5xx bodies reveal nothing and the real error is logged.

pub mod access;
mod accounts;
mod alerts;
mod assessment;
mod brief;
mod error;
mod intake;
mod map;
mod reports;
mod toolbox;
pub mod web;

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tocsin_app::{Accounts, Alerts, Assessments, Intake};
use tocsin_domain::Catalogue;
use tocsin_store::{SituationRow, Store};

pub use error::ApiError;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// The indicator catalogue in force (built-in or the deployment's own).
    pub catalogue: Arc<Catalogue>,
    pub intake: Intake,
    /// Users and API tokens: who is calling.
    pub accounts: Accounts,
    /// The stage engine on stored evidence, judgments and triggers.
    pub assessments: Assessments,
    /// Alerts, units and the channels alerts leave by.
    pub alerts: Alerts,
    /// Browser sessions' settings and the login rate limiter.
    pub web: web::Web,
}

impl AppState {
    /// A state with the built-in catalogue.
    pub fn new(store: Store, intake: Intake) -> AppState {
        let catalogue = Arc::new(Catalogue::embedded().clone());
        let alerts = Alerts::new(
            store.clone(),
            Arc::new(tocsin_alerts::Rules::embedded()),
            tocsin_app::ChannelSettings::default(),
            tocsin_app::RetryPolicy::default(),
        )
        .expect("the default channel settings are valid");
        AppState {
            store: store.clone(),
            catalogue: catalogue.clone(),
            intake,
            accounts: Accounts::new(store.clone()),
            assessments: Assessments::new(
                store.clone(),
                catalogue,
                tocsin_stage::Params::embedded(),
            )
            .with_alerts(alerts.clone()),
            alerts,
            web: web::Web::new(web::WebSettings::default()),
        }
    }
}

/// The whole application as a router, so tests can call it without a socket.
pub fn app(state: AppState) -> Router {
    // Shared behind one reference count: every request and every middleware layer takes a
    // handle on the state, and cloning the state's many parts each time cost about 2 % of the
    // server's processor time under load.
    let state = Arc::new(state);
    Router::new()
        .route("/health", get(health))
        .route("/api/v1/situations", get(list_situations))
        .route("/api/v1/catalogue", get(catalogue))
        .route("/api/v1/risk/latest", get(latest_risk))
        .merge(intake::routes())
        .merge(reports::routes())
        .merge(accounts::routes())
        .merge(toolbox::routes())
        .merge(assessment::routes())
        .merge(alerts::routes())
        .merge(map::routes())
        .merge(web::routes())
        .merge(brief::routes())
        // After routing, so unknown paths stay 404 and the rule is found by the matched route.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::authorize,
        ))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers every answer carries: no MIME sniffing, no framing, no referrer, and for the JSON
/// API a content policy that lets nothing load or run.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    response
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With each connection's address, for the login rate limiter.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    version: &'static str,
}

async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await.map_err(ApiError::from)?;
    Ok(Json(Health {
        status: "ok",
        database: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }))
}

#[derive(Debug, Serialize)]
struct SituationList {
    situations: Vec<SituationRow>,
}

async fn list_situations(
    State(state): State<Arc<AppState>>,
) -> Result<Json<SituationList>, ApiError> {
    let situations = state.store.list_situations().await?;
    Ok(Json(SituationList { situations }))
}

/// The indicator catalogue, whole: risk factors, indicators, the 2009 categories.
async fn catalogue(State(state): State<Arc<AppState>>) -> Json<Arc<Catalogue>> {
    Json(state.catalogue.clone())
}

/// The newest structural risk forecast: model, version, data hash, time, ranked countries.
async fn latest_risk(
    State(state): State<Arc<AppState>>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (meta, forecast) = state.store.latest_risk_assessment().await?.ok_or_else(|| {
        ApiError::NotFound(
            "no risk assessment yet: run tocsin risk forecast --data FILE --year YEAR".to_string(),
        )
    })?;
    let forecast: serde_json::Value =
        serde_json::from_str(&forecast).map_err(|error| ApiError::Internal(Box::new(error)))?;
    Ok(Json(serde_json::json!({ "assessment": meta, "forecast": forecast })).into_response())
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; the API lives under /api/v1".to_string())
}
