//! The assessment routes: indicators on reports, risk-factor judgments, triggers, the
//! assessment itself and the stage history.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tocsin_domain::{Channel, Contact, Credibility, Role, SituationId, Tlp, VerificationState};
use tocsin_http::{app, AppState};
use tocsin_store::{NewReport, PlaceInput, Store};
use tower::ServiceExt;

use super::{get_as, sign_in, state, store};

async fn send(
    state: AppState,
    auth: &str,
    method: &str,
    uri: &str,
    body: Value,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A verified report about South Sudan, marked `tlp`, sent by a usually reliable source.
async fn verified_report(store: &Store, n: usize, text: &str, tlp: Tlp) -> i64 {
    let now = time::OffsetDateTime::now_utc();
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    let report = NewReport {
        channel: Channel::Sms,
        sender: Some(Contact::phone(&format!("+21191234567{n}"))),
        text: text.to_string(),
        place: PlaceInput {
            name: None,
            point: None,
            situation: Some(SituationId::parse("SSD").unwrap()),
            state: "resolved",
        },
        observed_at: Some(now - time::Duration::days(2)),
        language: Some("en".into()),
        credibility: Credibility::Confirmed,
        tlp,
        external_ref: None,
        details_json: None,
    };
    let accepted = store.accept(&vault, None, report, now).await.unwrap();
    store
        .transition_report(
            accepted.report_id,
            VerificationState::Verified,
            Role::Analyst,
            "analyst",
            now,
        )
        .await
        .unwrap();
    store
        .grade_source(
            &accepted.source_id.unwrap(),
            tocsin_domain::Reliability::A,
            "analyst",
            now,
        )
        .await
        .unwrap();
    accepted.report_id
}

#[tokio::test]
async fn analysts_code_and_judge_and_the_assessment_follows() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    let analyst = sign_in(&store, Role::Analyst).await;
    let focal = sign_in(&store, Role::FocalPoint).await;

    // Nothing known yet: no elevated concern, nothing stored.
    let (status, body) = get_as(
        state.clone(),
        "/api/v1/situations/SSD/assessment",
        Some(&focal),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], Value::Null);
    assert_eq!(body["stored_change"], Value::Null);

    // The catalogue suggests indicators for a report; the analyst accepts two and rejects one.
    let first = verified_report(
        &store,
        1,
        "militia armed with rifles near Bor, hate speech on radio",
        Tlp::Amber,
    )
    .await;
    let second = verified_report(&store, 2, "militias mobilised in Jonglei", Tlp::Red).await;
    let (status, body) = get_as(
        state.clone(),
        &format!("/api/v1/reports/{first}/indicators"),
        Some(&analyst),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let suggested: Vec<&str> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert!(!suggested.is_empty(), "keywords suggest indicators: {body}");
    for (report, code, state_word) in [(first, "7.5", "accepted"), (first, "7.14", "coded")] {
        let (status, body) = send(
            state.clone(),
            &analyst,
            "POST",
            &format!("/api/v1/reports/{report}/indicators"),
            json!({ "code": code, "state": state_word }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // The RED report is beyond this analyst's clearance: not found for them. One cleared for
    // RED codes it.
    let (status, _) = send(
        state.clone(),
        &analyst,
        "POST",
        &format!("/api/v1/reports/{second}/indicators"),
        json!({ "code": "7.4" }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let now = time::OffsetDateTime::now_utc();
    for code in ["7.4", "7.5"] {
        store
            .code_indicator(
                second,
                code,
                tocsin_domain::CodingState::Coded,
                "red-cleared-analyst",
                now,
            )
            .await
            .unwrap();
    }
    let (status, body) = send(
        state.clone(),
        &analyst,
        "POST",
        &format!("/api/v1/reports/{first}/indicators"),
        json!({ "code": "99.9" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_indicator");

    // The analyst judges factor 7 present, citing the reports.
    let (status, body) = send(
        state.clone(),
        &analyst,
        "POST",
        "/api/v1/situations/SSD/risk-factors/7",
        json!({ "status": "present", "trend": "rising", "confidence": "high", "reports": [first, second] }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = send(
        state.clone(),
        &analyst,
        "POST",
        "/api/v1/situations/SSD/risk-factors/7",
        json!({ "status": "maybe" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_judgment");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("present, absent or unknown"));
    let (status, _) = send(
        state.clone(),
        &focal,
        "POST",
        "/api/v1/situations/SSD/risk-factors/7",
        json!({ "status": "present" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A trigger ahead.
    let election = (time::OffsetDateTime::now_utc().date() + time::Duration::days(20)).to_string();
    let (status, body) = send(
        state.clone(),
        &analyst,
        "POST",
        "/api/v1/situations/SSD/triggers",
        json!({ "kind": "election", "name": "general election", "date": election }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Now the focal point reads stage 2, with the drivers; the report above an AMBER
    // clearance counts but is not listed to them.
    let (status, body) = get_as(
        state.clone(),
        "/api/v1/situations/SSD/assessment",
        Some(&focal),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], 2, "{body}");
    assert_eq!(body["stored_change"]["to_stage"], 2);
    let lines: Vec<&str> = body["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_str().unwrap())
        .collect();
    for line in ["7.5", "RF7", "general election"] {
        assert!(lines.contains(&line), "{line} in {lines:?}");
    }
    assert_eq!(body["upcoming"][0]["name"], "general election");
    assert!(body["withheld_items"].as_u64().unwrap() >= 1, "{body}");
    let listed = body.to_string();
    assert!(
        !listed.contains(&format!("\"id\":{second}")),
        "the RED report is not listed: {listed}"
    );

    // The board shows the judgment and the indicators seen; the history the change.
    let (_, board) = get_as(
        state.clone(),
        "/api/v1/situations/SSD/risk-factors",
        Some(&focal),
    )
    .await;
    assert_eq!(board["factors"].as_array().unwrap().len(), 14);
    assert_eq!(board["factors"][6]["judgment"]["status"], "present");
    assert!(!board["factors"][6]["observations"]
        .as_array()
        .unwrap()
        .is_empty());
    let (_, stages) = get_as(state.clone(), "/api/v1/situations/SSD/stages", Some(&focal)).await;
    assert_eq!(stages["changes"].as_array().unwrap().len(), 1);
    let history = stages.to_string();
    assert!(history.contains(&format!("\"id\":{first}")), "{history}");
    assert!(
        !history.contains(&format!("\"id\":{second}")),
        "the RED report is not in the history: {history}"
    );
    // Asking again stores nothing new.
    let (_, again) = get_as(
        state.clone(),
        "/api/v1/situations/SSD/assessment",
        Some(&focal),
    )
    .await;
    assert_eq!(again["stored_change"], Value::Null);
    let (_, stages) = get_as(state.clone(), "/api/v1/situations/SSD/stages", Some(&focal)).await;
    assert_eq!(stages["changes"].as_array().unwrap().len(), 1);

    // Bad input: an unknown situation, a date that is not one, a date out of range.
    let (status, body) = get_as(
        state.clone(),
        "/api/v1/situations/XYZ/assessment",
        Some(&focal),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_situation");
    let (status, body) = get_as(
        state.clone(),
        "/api/v1/situations/SSD/assessment?at=2026-02-30",
        Some(&focal),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_date");
    let (status, body) = get_as(
        state,
        "/api/v1/situations/SSD/assessment?at=1900-01-01",
        Some(&focal),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "date_out_of_range");
}
