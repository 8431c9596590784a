//! The HTTP API, called through the router without a socket, on a real SQLite store.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tocsin_domain::{Countries, CountryYear, Situation};
use tocsin_http::{app, AppState};
use tocsin_store::{CountryYearImport, Store};
use tower::ServiceExt;

async fn store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    Store::open(&url).await.unwrap()
}

async fn get(state: AppState, uri: &str) -> (StatusCode, serde_json::Value) {
    let response = app(state)
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn health_reports_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(store(&dir).await);
    let (status, body) = get(state, "/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn situations_lists_what_was_imported() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let syria = Situation::from_country(Countries::embedded().by_iso3("SYR").unwrap());
    let row = CountryYear {
        situation: syria.id.clone(),
        year: 2024,
        name_in_source: "Syria".into(),
        values: [("mk_onset".to_string(), Some(0.0))].into_iter().collect(),
    };
    store
        .replace_country_years(
            CountryYearImport {
                dataset: "ewp",
                file_name: "t.csv",
                sha256: "ab",
                situations: std::slice::from_ref(&syria),
                rows: std::slice::from_ref(&row),
            },
            "test",
            time::macros::datetime!(2026-01-01 0:00 UTC),
        )
        .await
        .unwrap();
    let (status, body) = get(AppState::new(store), "/api/v1/situations").await;
    assert_eq!(status, StatusCode::OK);
    let list = body["situations"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], "SYR");
    assert_eq!(list[0]["gw_code"], 652);
    assert_eq!(list[0]["latest_data_year"], 2024);
}

#[tokio::test]
async fn unknown_routes_get_a_coded_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(store(&dir).await);
    let (status, body) = get(state, "/api/v1/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/api/v1"));
}

#[tokio::test]
async fn the_catalogue_lists_fourteen_risk_factors() {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(store(&dir).await);
    let (status, body) = get(state, "/api/v1/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    let factors = body["risk_factor"].as_array().unwrap();
    assert_eq!(factors.len(), 14);
    assert_eq!(factors[9]["number"], 10);
    assert!(!factors[9]["indicator"].as_array().unwrap().is_empty());
    assert_eq!(body["legacy_category"].as_array().unwrap().len(), 8);
}
