//! Alert routes as each role uses them: units set up by an administrator, the inbox cut to
//! each user's clearance, acknowledgement and decisions by those warned, CAP and its feed.

use std::io::Write;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tocsin_alerts::AlertSignal;
use tocsin_domain::{Role, SituationId, Stage, Tlp};
use tocsin_http::{app, AppState};
use tower::ServiceExt;

use super::{sign_in, state, store};

/// Sends a request; returns the status, the content type and the body.
async fn send(
    state: AppState,
    method: Method,
    uri: &str,
    auth: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, String, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth);
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app(state)
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

async fn json_of(
    state: &AppState,
    method: Method,
    uri: &str,
    auth: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let (status, _, text) = send(state.clone(), method, uri, auth, body).await;
    (status, serde_json::from_str(&text).unwrap())
}

fn xmllint(document: &str, schema: bool) {
    let data = std::env::var_os("TOCSIN_TEST_DATA").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        std::path::PathBuf::from,
    );
    let mut command = Command::new("xmllint");
    command.arg("--noout");
    if schema {
        command
            .arg("--schema")
            .arg(data.join("standards/CAP-v1.2-schema.xsd"));
    }
    let mut child = command
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint runs (scripts/test installs libxml2-utils)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{document}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stage_3(situation: &str, tlp: Tlp) -> AlertSignal {
    AlertSignal::StageChanged {
        situation: SituationId::parse(situation).unwrap(),
        from: Some(Stage::CrisisAndMobilisation),
        to: Some(Stage::ImminentEmergency),
        score: 0.9,
        drivers: vec!["11.2 militia mobilising near Yei".into()],
        tlp,
    }
}

#[tokio::test]
async fn warned_users_read_acknowledge_and_decide_each_within_their_clearance() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    let admin = sign_in(&store, Role::Admin).await;
    let focal = sign_in(&store, Role::FocalPoint).await;
    let monitor = sign_in(&store, Role::Monitor).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    let (_, me) = json_of(&state, Method::GET, "/api/v1/me", &focal, None).await;
    let focal_name = me["username"].as_str().unwrap().to_string();

    let (status, unit) = json_of(
        &state,
        Method::POST,
        "/api/v1/units",
        &admin,
        Some(serde_json::json!({ "name": "ssd-mission", "kind": "mission" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{unit}");
    let (status, body) = json_of(
        &state,
        Method::POST,
        "/api/v1/units",
        &admin,
        Some(serde_json::json!({ "name": "x", "kind": "embassy" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_unit_kind");
    let (status, _) = json_of(
        &state,
        Method::POST,
        "/api/v1/units/ssd-mission/areas",
        &admin,
        Some(serde_json::json!({ "area": "SSD" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, unit) = json_of(
        &state,
        Method::POST,
        "/api/v1/units/ssd-mission/members",
        &admin,
        Some(serde_json::json!({ "username": focal_name })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unit["members"][0], focal_name.as_str());

    let now = time::OffsetDateTime::now_utc();
    let amber = state
        .alerts
        .raise(&stage_3("SSD", Tlp::Amber), now)
        .await
        .unwrap()[0];
    let strict = state
        .alerts
        .raise(&stage_3("SSD/yei", Tlp::AmberStrict), now)
        .await
        .unwrap()[0];

    // The focal point (TLP:AMBER) reads the first whole; of the second, only that it exists.
    let (status, inbox) = json_of(&state, Method::GET, "/api/v1/alerts/inbox", &focal, None).await;
    assert_eq!(status, StatusCode::OK);
    let alerts = inbox["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2);
    let shown = |id: i64| alerts.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(shown(amber)["cut"], false);
    assert!(shown(amber)["content"]["evidence"][0]
        .as_str()
        .unwrap()
        .contains("militia"));
    assert_eq!(shown(strict)["cut"], true);
    assert!(shown(strict).get("content").is_none());
    assert!(!shown(strict).to_string().contains("militia"));
    let (_, inbox) = json_of(&state, Method::GET, "/api/v1/alerts/inbox", &monitor, None).await;
    assert_eq!(inbox["alerts"].as_array().unwrap().len(), 0);

    let (status, content_type, cap) = send(
        state.clone(),
        Method::GET,
        &format!("/api/v1/alerts/{amber}/cap"),
        &focal,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/cap+xml");
    xmllint(&cap, true);
    let (status, _, _) = send(
        state.clone(),
        Method::GET,
        &format!("/api/v1/alerts/{strict}/cap"),
        &focal,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "above the focal point's clearance"
    );
    let (_, _, cap) = send(
        state.clone(),
        Method::GET,
        &format!("/api/v1/alerts/{strict}/cap"),
        &analyst,
        None,
    )
    .await;
    xmllint(&cap, true);

    let (status, content_type, feed) =
        send(state.clone(), Method::GET, "/api/v1/cap/feed", &focal, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/atom+xml");
    xmllint(&feed, false);
    assert!(feed.contains(&format!("/api/v1/alerts/{amber}/cap")));
    assert!(!feed.contains(&format!("/api/v1/alerts/{strict}/cap")));

    // Only those warned (and analysts) acknowledge and decide.
    let ack = format!("/api/v1/alerts/{amber}/ack");
    let (status, body) = json_of(&state, Method::POST, &ack, &monitor, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "not_a_recipient");
    let (status, body) = json_of(&state, Method::POST, &ack, &focal, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "acknowledged");
    assert_eq!(body["acknowledged_by"], focal_name.as_str());
    let decide = format!("/api/v1/alerts/{amber}/decisions");
    let (status, body) = json_of(
        &state,
        Method::POST,
        &decide,
        &focal,
        Some(serde_json::json!({ "decision": "  " })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_decision");
    let (status, body) = json_of(
        &state,
        Method::POST,
        &decide,
        &focal,
        Some(serde_json::json!({ "decision": "call the governor of Central Equatoria" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["decided_by"], focal_name.as_str());

    let (status, stats) = json_of(&state, Method::GET, "/api/v1/alerts/stats", &focal, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["by_unit"][0]["key"], "ssd-mission");
    assert_eq!(stats["by_unit"][0]["alerts"], 2);
    assert_eq!(stats["by_unit"][0]["unacknowledged"], 1);
    let (status, dead) = json_of(
        &state,
        Method::GET,
        "/api/v1/alerts/dead-letters",
        &analyst,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dead["dead_letters"].as_array().unwrap().len(), 0);
}
