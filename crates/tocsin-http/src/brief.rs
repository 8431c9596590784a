//! Brief routes: a situation brief and the parliamentary brief as HTML or PDF, cut to the
//! signed-in reader's role and clearance by `tocsin_app::brief`.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_app::brief::{self, Document};
use tocsin_app::Briefs;
use tocsin_brief::Reader;
use tocsin_domain::Principal;

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/situations/{id}/brief", get(situation))
        .route("/api/v1/briefs/parliament", get(parliament))
}

#[derive(Debug, Deserialize)]
struct BriefQuery {
    /// `html` or `pdf` (the default).
    format: Option<String>,
    /// Countries in the parliamentary brief (default 10).
    top: Option<usize>,
}

fn briefs(state: &AppState) -> Briefs {
    Briefs::new(
        state.store.clone(),
        state.catalogue.clone(),
        state.assessments.params().clone(),
    )
}

fn reader(principal: &Principal) -> Reader {
    Reader {
        role: principal.role,
        clearance: principal.clearance,
    }
}

fn respond(document: Document) -> Response {
    (
        [
            (header::CONTENT_TYPE, document.media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", document.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        document.bytes,
    )
        .into_response()
}

async fn situation(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(query): Query<BriefQuery>,
) -> Result<Response, ApiError> {
    let format = brief::format(query.format.as_deref().unwrap_or("pdf"))?;
    let document = briefs(&state)
        .situation_document(
            &id,
            format,
            reader(&principal),
            &principal.username,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(respond(document))
}

async fn parliament(
    State(state): State<Arc<AppState>>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<BriefQuery>,
) -> Result<Response, ApiError> {
    let format = brief::format(query.format.as_deref().unwrap_or("pdf"))?;
    let document = briefs(&state)
        .parliament_document(
            query.top.unwrap_or(10),
            format,
            reader(&principal),
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(respond(document))
}
