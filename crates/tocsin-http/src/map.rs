//! `GET /api/v1/map/reports`: the reports a map shows, gathered into grid cells on the
//! server (see `tocsin_store::map` for why a grid in SQL), as GeoJSON the map library draws
//! directly. Query: `situation` (optional), `bbox=west,south,east,north` (default: the
//! world), `zoom` (the map's zoom, 0–22, default 2). Cells are about 60 pixels wide at that
//! zoom, so a screen holds a few hundred at most however many reports there are.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tocsin_domain::{Principal, SituationId};
use tocsin_store::MapQuery;

use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/map/reports", get(reports))
}

/// A cell's side in screen pixels (MapLibre's world is 512 pixels wide at zoom 0).
const CELL_PIXELS: f64 = 60.0;
/// However large the box, no more cells than this are asked for.
const MAX_CELLS: f64 = 4_000.0;

#[derive(Debug, Deserialize)]
struct MapParams {
    situation: Option<String>,
    bbox: Option<String>,
    zoom: Option<f64>,
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Coded {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: message.into(),
    }
}

/// `west,south,east,north` in degrees; longitudes outside -180..180 (a map panned round the
/// world) are wrapped.
fn parse_bbox(raw: &str) -> Result<[f64; 4], ApiError> {
    let bad = || {
        invalid(
            "invalid_bbox",
            format!(
                "bbox {raw:?} must be west,south,east,north in decimal degrees, e.g. 24,3,36,12"
            ),
        )
    };
    let numbers: Vec<f64> = raw
        .split(',')
        .map(|part| part.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [west, south, east, north] = numbers[..] else {
        return Err(bad());
    };
    if !numbers.iter().all(|n| n.is_finite()) || south > north {
        return Err(bad());
    }
    if east - west >= 360.0 {
        return Ok([-180.0, south.max(-90.0), 180.0, north.min(90.0)]);
    }
    let wrap = |lon: f64| (lon + 180.0).rem_euclid(360.0) - 180.0;
    Ok([wrap(west), south.max(-90.0), wrap(east), north.min(90.0)])
}

/// The cell side in degrees for a zoom and a box.
fn cell_degrees(zoom: f64, bbox: [f64; 4]) -> f64 {
    let [west, south, east, north] = bbox;
    let width = if west <= east {
        east - west
    } else {
        360.0 - (west - east)
    };
    let by_zoom = CELL_PIXELS * 360.0 / (512.0 * 2f64.powf(zoom));
    let by_count = (width * (north - south) / MAX_CELLS).sqrt();
    by_zoom.max(by_count).max(1e-6)
}

async fn reports(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Query(params): Query<MapParams>,
) -> Result<Response, ApiError> {
    let situation = params
        .situation
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(SituationId::parse)
        .transpose()
        .map_err(|error| invalid("invalid_situation", error.to_string()))?;
    let bbox = match params.bbox.as_deref() {
        Some(raw) => parse_bbox(raw)?,
        None => [-180.0, -90.0, 180.0, 90.0],
    };
    let zoom = params.zoom.unwrap_or(2.0);
    if !(0.0..=22.0).contains(&zoom) {
        return Err(invalid(
            "invalid_zoom",
            "zoom must be a number from 0 to 22",
        ));
    }
    let cell = cell_degrees(zoom, bbox);
    let cells = state
        .store
        .map_cells(&MapQuery {
            clearance: who.clearance,
            situation,
            bbox,
            cell_degrees: cell,
        })
        .await?;
    let total: i64 = cells.iter().map(|c| c.count).sum();
    let features: Vec<serde_json::Value> = cells
        .iter()
        .map(|c| {
            json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [c.longitude, c.latitude] },
                "properties": { "count": c.count, "report": c.report },
            })
        })
        .collect();
    Ok(Json(json!({
        "type": "FeatureCollection",
        "total": total,
        "cell_degrees": cell,
        "features": features,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_are_read_wrapped_and_refused_with_the_expected_form() {
        assert_eq!(parse_bbox("24,3,36,12").unwrap(), [24.0, 3.0, 36.0, 12.0]);
        assert_eq!(
            parse_bbox("170,-10,190,10").unwrap(),
            [170.0, -10.0, -170.0, 10.0]
        );
        assert_eq!(
            parse_bbox("-400,-95,400,95").unwrap(),
            [-180.0, -90.0, 180.0, 90.0]
        );
        for bad in ["24,3,36", "a,b,c,d", "0,10,1,5", "0,0,NaN,1"] {
            assert!(parse_bbox(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cells_shrink_with_zoom_but_stay_few_for_a_large_box() {
        let world = [-180.0, -90.0, 180.0, 90.0];
        let coarse = cell_degrees(0.0, world);
        let fine = cell_degrees(10.0, [31.0, 4.0, 32.0, 5.0]);
        assert!(coarse > 40.0 && fine < 0.05, "{coarse} {fine}");
        // A whole-world box at a high zoom still asks for at most MAX_CELLS cells.
        let cell = cell_degrees(18.0, world);
        assert!(360.0 * 180.0 / (cell * cell) <= MAX_CELLS + 1.0);
    }
}
