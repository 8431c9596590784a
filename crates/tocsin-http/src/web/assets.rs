//! Scripts, styles, the base map and their licences, embedded in the binary at build time so
//! the server needs no internet and no files beside it. The npm packages come from
//! `web/package-lock.json` (`npm ci --prefix web`; `build.rs` stops the build with that advice
//! when they are missing); Tocsin's own script and style are in `web/src`.
//!
//! The base map is Natural Earth's 1:110m countries from the `world-atlas` package (TopoJSON,
//! turned into GeoJSON in the browser by `topojson-client`): no tile server is involved.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

use crate::AppState;

macro_rules! asset {
    ($name:literal, $type:expr, $file:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../", $file)),
        }
    };
}

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// Every file served under `/assets/`.
pub static ASSETS: &[Asset] = &[
    asset!("tocsin.js", JS, "web/src/tocsin.js"),
    asset!("tocsin.css", CSS, "web/src/tocsin.css"),
    asset!("iso-numeric.json", JSON, "web/src/iso-numeric.json"),
    asset!(
        "maplibre-gl.js",
        JS,
        "web/node_modules/maplibre-gl/dist/maplibre-gl-csp.js"
    ),
    asset!(
        "maplibre-gl-worker.js",
        JS,
        "web/node_modules/maplibre-gl/dist/maplibre-gl-csp-worker.js"
    ),
    asset!(
        "maplibre-gl.css",
        CSS,
        "web/node_modules/maplibre-gl/dist/maplibre-gl.css"
    ),
    asset!(
        "topojson-client.js",
        JS,
        "web/node_modules/topojson-client/dist/topojson-client.min.js"
    ),
    asset!(
        "countries-110m.json",
        JSON,
        "web/node_modules/world-atlas/countries-110m.json"
    ),
    asset!(
        "licenses/maplibre-gl.txt",
        TEXT,
        "web/node_modules/maplibre-gl/LICENSE.txt"
    ),
    asset!(
        "licenses/topojson-client.txt",
        TEXT,
        "web/node_modules/topojson-client/LICENSE"
    ),
    asset!(
        "licenses/world-atlas.txt",
        TEXT,
        "web/node_modules/world-atlas/LICENSE"
    ),
];

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/assets/{*file}", get(serve))
}

/// The embedded file named `name`, if any.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = find(&file) else {
        return crate::web::PageError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: format!("there is no asset {file:?}"),
        }
        .into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // The files change only with the binary; an hour keeps a slow link from fetching them
    // on every page without keeping an old version long after an upgrade.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_known_type_and_content() {
        for asset in ASSETS {
            assert!(
                [JS, CSS, JSON, TEXT].contains(&asset.content_type),
                "{}",
                asset.name
            );
            assert!(!asset.bytes.is_empty(), "{}", asset.name);
        }
        let world: serde_json::Value =
            serde_json::from_slice(find("countries-110m.json").unwrap().bytes).unwrap();
        assert_eq!(world["type"], "Topology");
    }
}
