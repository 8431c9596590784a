//! The HTTP API, called through the router without a socket, on a real SQLite store.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tocsin_domain::{Countries, CountryYear, Role, Situation};
use tocsin_http::{app, AppState};
use tocsin_store::{CountryYearImport, Store};
use tower::ServiceExt;

mod alerts;
mod assessment;
mod brief;
mod toolbox;
mod web;

async fn store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    Store::open(&url).await.unwrap()
}

fn state(store: Store) -> AppState {
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    let intake = tocsin_app::Intake::new(
        store.clone(),
        vault,
        None,
        tocsin_app::GatewaySecrets::default(),
    );
    AppState::new(store, intake)
}

/// A user in `role` and a fresh API token for them, as `Authorization` header value.
async fn sign_in(store: &Store, role: Role) -> String {
    let accounts = tocsin_app::Accounts::new(store.clone());
    let name = format!(
        "{}-{}",
        role.as_str().replace('_', "-"),
        store.users().await.unwrap().len()
    );
    accounts
        .add_user(
            &name,
            role,
            None,
            None,
            "test",
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    let issued = accounts
        .issue_token(&name, "test", "test", time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    format!("Bearer {}", issued.token)
}

/// GETs `uri` (signed in with `auth`, an `Authorization` value, if given).
async fn get_as(state: AppState, uri: &str, auth: Option<&str>) -> (StatusCode, serde_json::Value) {
    let mut request = Request::get(uri);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let response = app(state)
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn get(state: AppState, uri: &str) -> (StatusCode, serde_json::Value) {
    get_as(state, uri, None).await
}

#[tokio::test]
async fn health_reports_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(store(&dir).await);
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
    let auth = sign_in(&store, Role::FocalPoint).await;
    let (status, body) = get_as(state(store), "/api/v1/situations", Some(&auth)).await;
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
    let state = state(store(&dir).await);
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
    let store = store(&dir).await;
    let auth = sign_in(&store, Role::Monitor).await;
    let (status, body) = get_as(state(store), "/api/v1/catalogue", Some(&auth)).await;
    assert_eq!(status, StatusCode::OK);
    let factors = body["risk_factor"].as_array().unwrap();
    assert_eq!(factors.len(), 14);
    assert_eq!(factors[9]["number"], 10);
    assert!(!factors[9]["indicator"].as_array().unwrap().is_empty());
    assert_eq!(body["legacy_category"].as_array().unwrap().len(), 8);
}

/// POSTs `body` and returns status and JSON body.
async fn post(
    state: AppState,
    uri: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post(uri).header("content-type", content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app(state)
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, value)
}

fn gateway_state(store: Store) -> AppState {
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    let secrets = tocsin_app::GatewaySecrets {
        twilio: Some("tw-secret".into()),
        smssync: Some("ss-secret".into()),
    };
    AppState::new(
        store.clone(),
        tocsin_app::Intake::new(store, vault, None, secrets),
    )
}

#[tokio::test]
async fn bad_reports_get_a_coded_4xx_and_are_kept_for_analysts() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let monitor = sign_in(&store, Role::Monitor).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "invalid json",
            b"{\"text\": \"armed men".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "missing text",
            b"{\"tlp\": \"TLP:AMBER\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "missing_field",
        ),
        (
            "unknown place",
            br#"{"text": "houses burned", "place": {"name": "Nowhereville-sur-Rien"}}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_place",
        ),
        (
            "oversize",
            format!("{{\"text\": \"{}\"}}", "a".repeat(70_000)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (label, body, status, code) in cases {
        let (got, value) = post(
            state(store.clone()),
            "/api/v1/reports",
            "application/json",
            &[("authorization", &monitor)],
            body,
        )
        .await;
        assert_eq!(got, status, "{label}: {value}");
        assert_eq!(value["error"]["code"], code, "{label}: {value}");
        assert!(
            !value["error"]["message"].as_str().unwrap().is_empty(),
            "{label}"
        );
    }
    // The three that arrived whole are kept with their reasons; the oversize one never entered.
    let (status, value) = get_as(state(store), "/api/v1/inbox/rejected", Some(&analyst)).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = value["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unknown_place", "missing_field", "invalid_json"]);
}

#[tokio::test]
async fn a_report_with_coordinates_is_accepted_once_per_idempotency_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let body = br#"{"text": "Militia checkpoint on the road north of town", "place": {"name": "Km 12", "lat": 4.9, "lon": 31.6}}"#;
    let auth = sign_in(&store, Role::Monitor).await;
    let headers = [
        ("idempotency-key", "partner-42"),
        ("authorization", auth.as_str()),
    ];
    let (status, first) = post(
        state(store.clone()),
        "/api/v1/reports",
        "application/json",
        &headers,
        body.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        first["place_state"], "unresolved",
        "coordinates without a known name go to the place queue"
    );
    let (status, again) = post(
        state(store.clone()),
        "/api/v1/reports",
        "application/json",
        &headers,
        body.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["report_id"], first["report_id"]);
    assert_eq!(again["repeated"], true);
}

#[tokio::test]
async fn gateways_must_present_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let form = b"From=%2B256700111222&Body=shots+fired&MessageSid=SMa1".to_vec();
    let (status, value) = post(
        gateway_state(store.clone()),
        "/api/v1/gateways/twilio?secret=wrong",
        "application/x-www-form-urlencoded",
        &[],
        form.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(value["error"]["code"], "bad_secret");
    let sms = b"from=%2B256700111333&message=shots+fired&message_id=m1&secret=nope&sent_timestamp=1700000000000".to_vec();
    let (status, value) = post(
        gateway_state(store),
        "/api/v1/gateways/smssync",
        "application/x-www-form-urlencoded",
        &[],
        sms,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(value["error"]["code"], "bad_secret");
}

mod access;
