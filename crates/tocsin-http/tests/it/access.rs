//! The access matrix, checked route by route and role by role through the real router, and
//! the analysts' report routes end to end as each role would use them.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tocsin_domain::Role;
use tocsin_http::access::{is_page, Access, RULES};
use tocsin_http::app;
use tower::ServiceExt;

use super::{sign_in, state, store};

/// Sends a request; returns status and body (JSON, or the raw text as a JSON string).
async fn call(
    state: tocsin_http::AppState,
    method: Method,
    uri: &str,
    auth: Option<&str>,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
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
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

/// A concrete URI for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{*file}", "tocsin.css")
        .replace("/sources/{id}", "/sources/SRC-7K3QX9")
        .replace("{id}", "1")
        .replace("{name}", "nobody")
        .replace("{area}", "SSD")
        .replace("{username}", "nobody")
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_the_matrix_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, sign_in(&store, role).await));
    }
    let mut checked = 0;
    for rule in RULES {
        let uri = concrete(rule.path);
        let body = (rule.method != Method::GET).then(|| serde_json::json!({}));
        match rule.access {
            // Open GETs answer; the login form's POST is tried in tests/it/web.rs.
            Access::Public if rule.method == Method::GET => {
                let (status, _) =
                    call(state(store.clone()), rule.method.clone(), &uri, None, body).await;
                assert!(status.is_success(), "{} {uri}: {status}", rule.method);
            }
            Access::Public => {}
            // Gateways are checked by their secret (see gateways_must_present_their_secret).
            Access::Gateway => {}
            Access::Roles(allowed) => {
                let (status, value) = call(
                    state(store.clone()),
                    rule.method.clone(),
                    &uri,
                    None,
                    body.clone(),
                )
                .await;
                if is_page(rule.path) {
                    // Pages send anonymous visitors to the login page (tests/it/web.rs
                    // checks where the redirect points).
                    assert_eq!(
                        status,
                        StatusCode::SEE_OTHER,
                        "{} {uri} unsigned",
                        rule.method
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{} {uri} unsigned",
                        rule.method
                    );
                    assert_eq!(value["error"]["code"], "unauthenticated");
                }
                let (status, value) = call(
                    state(store.clone()),
                    rule.method.clone(),
                    &uri,
                    Some("Bearer tcn_forged"),
                    body.clone(),
                )
                .await;
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{} {uri} forged",
                    rule.method
                );
                assert_eq!(value["error"]["code"], "bad_token");
                for (role, token) in &tokens {
                    let (status, value) = call(
                        state(store.clone()),
                        rule.method.clone(),
                        &uri,
                        Some(token),
                        body.clone(),
                    )
                    .await;
                    if allowed.contains(role) {
                        assert!(
                            status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                            "{role} must reach {} {uri}: {status} {value}",
                            rule.method
                        );
                    } else {
                        assert_eq!(
                            status,
                            StatusCode::FORBIDDEN,
                            "{role} must not reach {} {uri}: {value}",
                            rule.method
                        );
                        if is_page(rule.path) {
                            assert!(value.as_str().unwrap().contains("data-code=\"forbidden\""));
                        } else {
                            assert_eq!(value["error"]["code"], "forbidden");
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    let signed_in = RULES
        .iter()
        .filter(|rule| matches!(rule.access, Access::Roles(_)))
        .count();
    assert!(signed_in >= 32);
    assert_eq!(checked, Role::ALL.len() * signed_in);
}

#[tokio::test]
async fn only_the_source_handler_learns_who_sent_a_report_and_the_look_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let monitor = sign_in(&store, Role::Monitor).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    let handler = sign_in(&store, Role::SourceHandler).await;
    // A report by SMS-like API submission with a sender contact.
    let (status, created) = call(
        state(store.clone()),
        Method::POST,
        "/api/v1/reports",
        Some(&monitor),
        Some(serde_json::json!({
            "text": "Men with machetes gathering near the church",
            "source": { "contact": "+250 788 123 456", "channel": "web_form" },
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["report_id"].as_i64().unwrap();
    let (_, report) = call(
        state(store.clone()),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        Some(&analyst),
        None,
    )
    .await;
    let source = report["source"]
        .as_str()
        .expect("analysts see the pseudonym")
        .to_string();
    assert!(!report.to_string().contains("788123456"), "{report}");

    let uri = format!("/api/v1/sources/{source}/contact");
    let (status, _) = call(
        state(store.clone()),
        Method::GET,
        &uri,
        Some(&analyst),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, revealed) = call(
        state(store.clone()),
        Method::GET,
        &uri,
        Some(&handler),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revealed}");
    assert!(revealed["contact"].as_str().unwrap().contains("788123456"));
    let entries = store.audit_entries(0, 100).await.unwrap();
    let look = entries
        .iter()
        .find(|e| e.event.action == "source.reveal")
        .expect("the look is on the record");
    assert!(
        look.event.actor.starts_with("source-handler"),
        "{}",
        look.event.actor
    );
}

#[tokio::test]
async fn analysts_work_the_place_queue_grade_and_link_reports_as_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let monitor = sign_in(&store, Role::Monitor).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    let focal = sign_in(&store, Role::FocalPoint).await;
    let mut ids = Vec::new();
    for text in [
        "Checkpoint set up by militia on the road north of town",
        "Militia checkpoint seen north of town, people turned back",
    ] {
        let (status, created) = call(
            state(store.clone()),
            Method::POST,
            "/api/v1/reports",
            Some(&monitor),
            Some(serde_json::json!({ "text": text, "place": { "name": "Km 12", "lat": 4.9, "lon": 31.6 } })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["report_id"].as_i64().unwrap());
    }
    let (status, queue) = call(
        state(store.clone()),
        Method::GET,
        "/api/v1/reports?queue=place",
        Some(&analyst),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue["reports"].as_array().unwrap().len(), 2);

    let (status, placed) = call(
        state(store.clone()),
        Method::POST,
        &format!("/api/v1/reports/{}/place", ids[0]),
        Some(&analyst),
        Some(serde_json::json!({ "name": "Km 12, Juba-Nimule road", "latitude": 4.9, "longitude": 31.6, "situation": "SSD" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    assert_eq!(placed["place_state"], "resolved");
    let (_, queue) = call(
        state(store.clone()),
        Method::GET,
        "/api/v1/reports?queue=place",
        Some(&analyst),
        None,
    )
    .await;
    assert_eq!(queue["reports"].as_array().unwrap().len(), 1);

    let (status, linked) = call(
        state(store.clone()),
        Method::POST,
        &format!("/api/v1/reports/{}/corroborations", ids[0]),
        Some(&analyst),
        Some(serde_json::json!({ "other": ids[1], "note": "same checkpoint" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{linked}");
    assert_eq!(linked["corroborated_by"], serde_json::json!([ids[1]]));

    let (status, graded) = call(
        state(store.clone()),
        Method::POST,
        &format!("/api/v1/reports/{}/grade", ids[0]),
        Some(&analyst),
        Some(serde_json::json!({ "credibility": 2, "tlp": "TLP:AMBER+STRICT" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{graded}");
    assert_eq!(graded["credibility"], 2);
    let (status, refused) = call(
        state(store.clone()),
        Method::POST,
        &format!("/api/v1/reports/{}/grade", ids[0]),
        Some(&analyst),
        Some(serde_json::json!({ "credibility": 9 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "invalid_credibility");

    let (status, moved) = call(
        state(store.clone()),
        Method::POST,
        &format!("/api/v1/reports/{}/transition", ids[0]),
        Some(&analyst),
        Some(serde_json::json!({ "to": "verified" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["from"], "triage");

    // The focal point (cleared for TLP:AMBER) exports without the AMBER+STRICT report.
    let (status, csv) = call(
        state(store.clone()),
        Method::GET,
        "/api/v1/reports/export?format=csv",
        Some(&focal),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().unwrap();
    assert_eq!(csv.lines().count(), 2, "header and one report: {csv}");
    assert!(csv.contains("people turned back"));
    assert!(!csv.contains("Checkpoint set up"));

    // Every change names the analyst who made it.
    let entries = store.audit_entries(0, 100).await.unwrap();
    for action in [
        "report.place",
        "report.corroborate",
        "report.grade",
        "report.transition",
    ] {
        let entry = entries.iter().find(|e| e.event.action == action).unwrap();
        assert!(
            entry.event.actor.starts_with("analyst"),
            "{action}: {}",
            entry.event.actor
        );
    }
}

#[test]
fn the_api_page_lists_every_rule_with_its_roles() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    for rule in RULES {
        let who = match rule.access {
            Access::Public => "anyone".to_string(),
            Access::Gateway => "SMS gateway (secret)".to_string(),
            Access::Roles(roles) if roles.len() == Role::ALL.len() => "every role".to_string(),
            Access::Roles(roles) => roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let row = format!("| {} | `{}` | {who} |", rule.method, rule.path);
        assert!(page.contains(&row), "docs/api.md lacks the row {row}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let analyst = sign_in(&store, Role::Analyst).await;
    for (uri, auth) in [
        ("/health", None),
        ("/api/v1/reports", Some(analyst.as_str())),
        ("/api/v1/reports", None),
        ("/api/v1/nothing", None),
        ("/login", None),
        ("/", Some(analyst.as_str())),
    ] {
        let mut request = Request::get(uri);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = app(state(store.clone()))
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(headers["x-frame-options"], "DENY", "{uri}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{uri}");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
    }
}
