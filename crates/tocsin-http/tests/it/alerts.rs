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

/// The user name behind an `Authorization` value.
async fn username(state: &AppState, auth: &str) -> String {
    let (_, me) = json_of(state, Method::GET, "/api/v1/me", auth, None).await;
    me["username"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_decision_naming_another_situations_measure_is_refused_with_a_coded_422() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    let focal = sign_in(&store, Role::FocalPoint).await;
    let focal_name = username(&state, &focal).await;
    let now = time::OffsetDateTime::now_utc();
    state
        .alerts
        .create_unit("ssd-mission", "mission", None, "root", now)
        .await
        .unwrap();
    state
        .alerts
        .add_area("ssd-mission", "SSD", "root", now)
        .await
        .unwrap();
    state
        .alerts
        .add_member("ssd-mission", &focal_name, "root", now)
        .await
        .unwrap();
    let id = state
        .alerts
        .raise(&stage_3("SSD/yei", Tlp::Amber), now)
        .await
        .unwrap()[0];
    let mut measures = Vec::new();
    for situation in ["SSD", "COD"] {
        let (status, measure) = json_of(
            &state,
            Method::POST,
            &format!("/api/v1/situations/{situation}/responses"),
            &focal,
            Some(serde_json::json!({
                "actor": "Special Adviser",
                "organisation": "UN",
                "tool": "targeted-sanctions",
                "start": "2026-01-10",
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{measure}");
        measures.push(measure["id"].as_i64().unwrap());
    }
    let (south_sudan, congo) = (measures[0], measures[1]);
    let decide = format!("/api/v1/alerts/{id}/decisions");
    let (status, body) = json_of(
        &state,
        Method::POST,
        &decide,
        &focal,
        Some(serde_json::json!({ "decision": "sanctions", "response_id": congo })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "measure_not_for_situation");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("recorded for COD"), "{message}");
    assert!(
        message.contains(&format!("those are #{south_sudan} ")),
        "{message}"
    );
    // The country's measure answers an alert about one of its areas.
    let (status, body) = json_of(
        &state,
        Method::POST,
        &decide,
        &focal,
        Some(serde_json::json!({ "decision": "sanctions", "response_id": south_sudan })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["response_id"], south_sudan);
    let (_, detail) = json_of(
        &state,
        Method::GET,
        &format!("/api/v1/alerts/{id}"),
        &focal,
        None,
    )
    .await;
    assert_eq!(detail["decisions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn administrators_rename_move_and_delete_units_and_their_areas_and_members_by_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    let admin = sign_in(&store, Role::Admin).await;
    let admin_name = username(&state, &admin).await;
    let focal = sign_in(&store, Role::FocalPoint).await;
    let focal_name = username(&state, &focal).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    let call = |method: Method, uri: String, body: Option<serde_json::Value>| {
        let state = state.clone();
        let admin = admin.clone();
        async move { json_of(&state, method, &uri, &admin, body).await }
    };
    for (name, parent) in [
        ("hq", None),
        ("ssd-mission", Some("hq")),
        ("desk", Some("hq")),
    ] {
        let (status, body) = call(
            Method::POST,
            "/api/v1/units".into(),
            Some(serde_json::json!({ "name": name, "kind": "mission", "parent": parent })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // The parent: a loop, an unknown unit and a body without a parent are refused.
    let parent = |unit: &str| format!("/api/v1/units/{unit}/parent");
    for (uri, body, status, code) in [
        (
            parent("hq"),
            serde_json::json!({ "parent": "ssd-mission" }),
            StatusCode::BAD_REQUEST,
            "unit_loop",
        ),
        (
            parent("nowhere"),
            serde_json::json!({ "parent": "hq" }),
            StatusCode::NOT_FOUND,
            "unknown_unit",
        ),
        (
            parent("desk"),
            serde_json::json!({ "parent": "nowhere" }),
            StatusCode::NOT_FOUND,
            "unknown_unit",
        ),
        (
            parent("desk"),
            serde_json::json!({}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            parent("desk"),
            serde_json::json!({ "parent": 5 }),
            StatusCode::BAD_REQUEST,
            "bad_parent",
        ),
    ] {
        let (got, answer) = call(Method::PUT, uri.clone(), Some(body)).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{uri}: {answer}"
        );
    }
    let (status, unit) = call(
        Method::PUT,
        parent("ssd-mission"),
        Some(serde_json::json!({ "parent": null })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(unit["parent"], serde_json::Value::Null);
    let (status, unit) = call(
        Method::PUT,
        parent("ssd-mission"),
        Some(serde_json::json!({ "parent": "hq" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(unit["parent"], "hq");

    // Areas (an area's slash percent-encoded, `*` as it is) and members.
    for (unit, area) in [
        ("ssd-mission", "SSD"),
        ("ssd-mission", "SSD/yei"),
        ("hq", "*"),
    ] {
        let (status, body) = call(
            Method::POST,
            format!("/api/v1/units/{unit}/areas"),
            Some(serde_json::json!({ "area": area })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, unit) = call(
        Method::DELETE,
        "/api/v1/units/ssd-mission/areas/SSD%2Fyei".into(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(unit["areas"], serde_json::json!(["SSD"]));
    let (status, unit) = call(Method::DELETE, "/api/v1/units/hq/areas/*".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(unit["areas"], serde_json::json!([]));
    let (status, body) = call(Method::DELETE, "/api/v1/units/hq/areas/*".into(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(Method::DELETE, "/api/v1/units/hq/areas/Narnia".into(), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_area"))
    );
    let members = format!("/api/v1/units/desk/members/{focal_name}");
    let (status, _) = call(
        Method::POST,
        "/api/v1/units/desk/members".into(),
        Some(serde_json::json!({ "username": focal_name })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, unit) = call(Method::DELETE, members.clone(), None).await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(unit["members"], serde_json::json!([]));
    let (status, _) = call(Method::DELETE, members.clone(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(
        Method::DELETE,
        "/api/v1/units/nowhere/members/x".into(),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_unit"))
    );

    // Renaming: a taken name, a bad name and an unknown unit are refused.
    for (uri, name, status, code) in [
        ("ssd-mission", "hq", StatusCode::CONFLICT, "unit_name_taken"),
        (
            "ssd-mission",
            "bad name!",
            StatusCode::BAD_REQUEST,
            "bad_unit_name",
        ),
        ("nowhere", "x", StatusCode::NOT_FOUND, "unknown_unit"),
    ] {
        let (got, body) = call(
            Method::PATCH,
            format!("/api/v1/units/{uri}"),
            Some(serde_json::json!({ "name": name })),
        )
        .await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{uri} → {name}: {body}"
        );
    }
    let now = time::OffsetDateTime::now_utc();
    let before = state
        .alerts
        .raise(&stage_3("SSD", Tlp::Amber), now)
        .await
        .unwrap()[0];
    let (status, unit) = call(
        Method::PATCH,
        "/api/v1/units/ssd-mission".into(),
        Some(serde_json::json!({ "name": "unmiss" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{unit}");
    assert_eq!(
        (unit["name"].as_str(), unit["parent"].as_str()),
        (Some("unmiss"), Some("hq"))
    );
    assert_eq!(unit["areas"], serde_json::json!(["SSD"]));
    // The alert sent before the rename is the renamed unit's.
    let (_, alert) = json_of(
        &state,
        Method::GET,
        &format!("/api/v1/alerts/{before}"),
        &analyst,
        None,
    )
    .await;
    assert_eq!(alert["alert"]["unit"], "unmiss");

    // Deleting: refused while a unit reports to it; a unit nothing points at is deleted; one
    // that was sent an alert is retired and takes no new work.
    let (status, body) = call(Method::DELETE, "/api/v1/units/hq".into(), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_has_subunits")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("desk, unmiss"));
    let (status, body) = call(Method::DELETE, "/api/v1/units/desk".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({ "outcome": "deleted", "unit": "desk" })
    );
    let (status, body) = call(Method::DELETE, "/api/v1/units/unmiss".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "retired");
    assert!(body["unit"]["retired_at"].is_string(), "{body}");
    let (status, body) = call(
        Method::POST,
        "/api/v1/units/unmiss/areas".into(),
        Some(serde_json::json!({ "area": "SSD" })),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_retired")),
        "{body}"
    );
    let (status, body) = call(Method::DELETE, "/api/v1/units/nowhere".into(), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_unit"))
    );
    let (_, listed) = call(Method::GET, "/api/v1/units".into(), None).await;
    let names: Vec<(&str, bool)> = listed["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["retired_at"].is_string()))
        .collect();
    assert_eq!(names, [("hq", false), ("unmiss", true)]);
    let (_, alert) = json_of(
        &state,
        Method::GET,
        &format!("/api/v1/alerts/{before}"),
        &analyst,
        None,
    )
    .await;
    assert_eq!(alert["alert"]["unit"], "unmiss");

    // Only administrators change units.
    for who in [&focal, &analyst] {
        for (method, uri, body) in [
            (
                Method::PATCH,
                "/api/v1/units/hq",
                Some(serde_json::json!({ "name": "x" })),
            ),
            (Method::DELETE, "/api/v1/units/hq", None),
            (
                Method::PUT,
                "/api/v1/units/hq/parent",
                Some(serde_json::json!({ "parent": null })),
            ),
            (Method::DELETE, "/api/v1/units/hq/areas/SSD", None),
            (Method::DELETE, "/api/v1/units/hq/members/x", None),
        ] {
            let (status, body) = json_of(&state, method.clone(), uri, who, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {body}");
        }
    }
    assert!(store.unit("hq").await.unwrap().retired_at.is_none());

    let actions: Vec<String> = store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.event.actor == admin_name)
        .map(|entry| entry.event.action)
        .collect();
    for action in [
        "unit.parent",
        "unit.area.remove",
        "unit.member.remove",
        "unit.rename",
        "unit.delete",
        "unit.retire",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}
