//! Analysts' routes on reports and sources: the inbox and the place queue, one report,
//! verification moves, grading, corroboration, placing by hand, exports, and (for the source
//! handler only) who a source is. The caller is the signed-in `Principal` the access layer
//! put in the request; their TLP clearance bounds everything they are shown.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tocsin_app::ExportFormat;
use tocsin_domain::{
    Credibility, Principal, Reliability, SituationId, SourceId, Tlp, VerificationState,
};
use tocsin_store::{Grade, ManualPlace, ReportFilter};

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/reports", get(list))
        .route("/api/v1/reports/export", get(export))
        .route("/api/v1/reports/{id}", get(one))
        .route("/api/v1/reports/{id}/transition", post(transition))
        .route("/api/v1/reports/{id}/grade", post(grade))
        .route("/api/v1/reports/{id}/corroborations", post(corroborate))
        .route("/api/v1/reports/{id}/place", post(place))
        .route("/api/v1/sources/{id}/reliability", put(grade_source))
        .route("/api/v1/sources/{id}/contact", get(contact))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Coded {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: message.into(),
    }
}

/// A JSON body, or a coded 400 that says what was wrong with it.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| ApiError::Coded {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_json",
        message: format!("the body is not the JSON this route takes: {error}"),
    })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    /// triage, verified, unverified, false, duplicate or archived.
    state: Option<String>,
    situation: Option<String>,
    /// `place` lists the place queue: reports the gazetteer could not place.
    queue: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let mut filter = ReportFilter::new(who.clearance);
    filter.verification = query
        .state
        .as_deref()
        .map(str::parse::<VerificationState>)
        .transpose()
        .map_err(|error| invalid("invalid_state", error.to_string()))?;
    filter.situation = query
        .situation
        .as_deref()
        .map(SituationId::parse)
        .transpose()
        .map_err(|error| invalid("invalid_situation", error.to_string()))?;
    filter.place_queue = match query.queue.as_deref() {
        None => false,
        Some("place") => true,
        Some(other) => {
            return Err(invalid(
                "invalid_queue",
                format!("unknown queue {other:?}: the one queue is 'place'"),
            ))
        }
    };
    filter.before_id = query.before;
    if let Some(limit) = query.limit {
        filter.limit = limit;
    }
    let reports = state.store.list_reports(&filter).await?;
    let next = (reports.len() as i64 == filter.limit.clamp(1, tocsin_store::MAX_PAGE))
        .then(|| reports.last().map(|r| r.report.id))
        .flatten();
    Ok(Json(json!({ "reports": reports, "next_before": next })).into_response())
}

async fn one(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let report = state.store.report(id, who.clearance).await?;
    Ok(Json(report).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    to: String,
}

async fn transition(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: TransitionBody = body(&bytes)?;
    let to: VerificationState = request
        .to
        .parse()
        .map_err(|error: tocsin_domain::DomainError| invalid("invalid_state", error.to_string()))?;
    // Only what the caller may see can be moved.
    state.store.report(id, who.clearance).await?;
    let from = state
        .store
        .transition_report(id, to, who.role, &who.username, now())
        .await?;
    Ok(Json(json!({ "id": id, "from": from.as_str(), "to": to.as_str() })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GradeBody {
    credibility: Option<u8>,
    tlp: Option<String>,
}

async fn grade(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: GradeBody = body(&bytes)?;
    if request.credibility.is_none() && request.tlp.is_none() {
        return Err(invalid(
            "nothing_to_grade",
            "send credibility (1-6), tlp (e.g. TLP:AMBER) or both",
        ));
    }
    let grade = Grade {
        credibility: request
            .credibility
            .map(Credibility::try_from)
            .transpose()
            .map_err(|error| invalid("invalid_credibility", error.to_string()))?,
        tlp: request
            .tlp
            .as_deref()
            .map(str::parse::<Tlp>)
            .transpose()
            .map_err(|error| invalid("invalid_tlp", error.to_string()))?,
    };
    // An analyst may not mark an item beyond what they themselves may see.
    if let Some(tlp) = grade.tlp {
        if !who.may_see(tlp) {
            return Err(invalid(
                "tlp_above_clearance",
                format!(
                    "you are cleared for {} and cannot mark a report {tlp}",
                    who.clearance
                ),
            ));
        }
    }
    state.store.report(id, who.clearance).await?;
    state
        .store
        .grade_report(id, grade, &who.username, now())
        .await?;
    Ok(Json(state.store.report(id, who.clearance).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorroborateBody {
    other: i64,
    note: Option<String>,
}

async fn corroborate(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: CorroborateBody = body(&bytes)?;
    state.store.report(id, who.clearance).await?;
    state.store.report(request.other, who.clearance).await?;
    state
        .store
        .corroborate(
            id,
            request.other,
            request.note.as_deref(),
            &who.username,
            now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.report(id, who.clearance).await?),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceBody {
    name: Option<String>,
    latitude: f64,
    longitude: f64,
    situation: String,
}

async fn place(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: PlaceBody = body(&bytes)?;
    if !(-90.0..=90.0).contains(&request.latitude) || !(-180.0..=180.0).contains(&request.longitude)
    {
        return Err(invalid(
            "invalid_point",
            "latitude must be within -90..90 and longitude within -180..180 (decimal degrees)",
        ));
    }
    let situation = SituationId::parse(&request.situation)
        .map_err(|error| invalid("invalid_situation", error.to_string()))?;
    state.store.report(id, who.clearance).await?;
    state
        .store
        .place_report(
            id,
            &ManualPlace {
                name: request.name,
                latitude: request.latitude,
                longitude: request.longitude,
                situation,
            },
            &who.username,
            now(),
        )
        .await?;
    Ok(Json(state.store.report(id, who.clearance).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// Streams every report the caller may see, in CSV, HXL-tagged CSV or GeoJSON.
async fn export(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format: ExportFormat = query
        .format
        .as_deref()
        .unwrap_or("csv")
        .parse()
        .map_err(|message: String| invalid("invalid_format", message))?;
    let (content_type, extension) = match format {
        ExportFormat::Csv | ExportFormat::Hxl => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::GeoJson => ("application/geo+json", "geojson"),
    };
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    let store = state.store.clone();
    let clearance = who.clearance;
    tokio::spawn(async move {
        let writer = ChunkWriter {
            buffer: Vec::with_capacity(CHUNK),
            sender,
        };
        if let Err(error) = tocsin_app::export_reports(&store, clearance, format, writer).await {
            // The body is cut short; the client sees an incomplete download.
            tracing::error!(%error, "export failed part-way");
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tocsin-reports.{extension}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

const CHUNK: usize = 64 * 1024;

/// Hands the export to the response body in chunks as it is written.
struct ChunkWriter {
    buffer: Vec<u8>,
    sender: tokio::sync::mpsc::UnboundedSender<Bytes>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender.send(chunk).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Drop for ChunkWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReliabilityBody {
    reliability: String,
}

async fn grade_source(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let request: ReliabilityBody = body(&bytes)?;
    let source =
        SourceId::parse(&id).map_err(|error| invalid("invalid_source", error.to_string()))?;
    let reliability: Reliability =
        request
            .reliability
            .parse()
            .map_err(|error: tocsin_domain::DomainError| {
                invalid("invalid_reliability", error.to_string())
            })?;
    state
        .store
        .grade_source(&source, reliability, &who.username, now())
        .await?;
    Ok(
        Json(json!({ "source": source.as_str(), "reliability": reliability.letter().to_string() }))
            .into_response(),
    )
}

async fn contact(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let source =
        SourceId::parse(&id).map_err(|error| invalid("invalid_source", error.to_string()))?;
    let contact = state.intake.reveal_contact(&who, &source, now()).await?;
    let mut response = Json(json!({
        "source": source.as_str(),
        "contact": contact.as_ref().map(|c| c.expose()),
    }))
    .into_response();
    // Never kept by a browser or a proxy.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
