//! The prevention routes: toolbox, lessons, recommendations, measures and the board.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tocsin_domain::{
    Catalogue, Channel, Contact, Credibility, Dimension, Role, SituationId, Stage, Tlp,
    VerificationState,
};
use tocsin_http::{app, AppState};
use tocsin_store::{NewReport, PlaceInput, Store};
use tower::ServiceExt;

use super::{get_as, sign_in, state, store};

/// GETs `uri` signed in as an analyst.
async fn get(state: AppState, uri: &str) -> (StatusCode, Value) {
    let auth = sign_in(&state.store, Role::Analyst).await;
    get_as(state, uri, Some(&auth)).await
}

/// Sends `body` signed in as a focal point.
async fn send(state: AppState, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let auth = sign_in(&state.store, Role::FocalPoint).await;
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

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn tools_and_lessons_are_filtered_by_query() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(store(&dir).await);

    let (status, body) = get(
        state.clone(),
        "/api/v1/toolbox/tools?stage=2&dimension=victim",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed = ids(&body["tools"]);
    for id in [
        "preventive-deployment",
        "human-rights-monitoring-missions",
        "challenging-dangerous-speech",
    ] {
        assert!(listed.contains(&id), "{id} missing from {listed:?}");
    }
    for tool in body["tools"].as_array().unwrap() {
        assert!(tool["stages"].as_array().unwrap().contains(&json!(2)));
        assert!(tool["dimensions"]
            .as_array()
            .unwrap()
            .contains(&json!("victim")));
    }
    let (_, body) = get(state.clone(), "/api/v1/toolbox/tools").await;
    let figure3 = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|tool| tool["figure3"] == true)
        .count();
    assert_eq!(figure3, 28, "every Figure 3 tool, and only those, marked");

    let (status, body) = get(state.clone(), "/api/v1/toolbox/tools?actor=icc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ids(&body["tools"]).contains(&"icc-referral"));

    let (status, body) = get(state.clone(), "/api/v1/toolbox/tools/radio-jamming").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tool"]["stages"], json!([3]));
    assert!(ids(&body["lessons"]).contains(&"rwanda-1994"));

    let (status, body) = get(state.clone(), "/api/v1/toolbox/tools/radio-jam").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_tool");

    let (status, body) = get(state.clone(), "/api/v1/toolbox/tools?stage=7").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_stage");

    let (status, body) = get(
        state.clone(),
        "/api/v1/lessons?tool=no-fly-zones-or-safe-havens&dimension=victim",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ids(&body["lessons"]).contains(&"srebrenica-1995"));
    let (_, body) = get(state.clone(), "/api/v1/lessons?text=kenya%20annan").await;
    assert_eq!(ids(&body["lessons"]), ["kenya-2007-2008"]);
    let (status, body) = get(state, "/api/v1/lessons?dimension=bystander").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_dimension");
}

/// Two verified reports about Sudan coded with stage-3 indicators about victims alone.
async fn code_victim_evidence(store: &Store, url: &str) {
    use sqlx::Executor;
    let now = time::OffsetDateTime::now_utc();
    let codes: Vec<String> = Catalogue::embedded()
        .indicators()
        .filter(|(_, i)| {
            i.stages == [Stage::ImminentEmergency] && i.dimensions == [Dimension::Victim]
        })
        .map(|(_, i)| i.code.clone())
        .collect();
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(url).await.unwrap();
    for (n, code) in codes.iter().take(2).enumerate() {
        let report = NewReport {
            channel: Channel::Sms,
            sender: Some(Contact::phone(&format!("+24991234567{n}"))),
            text: format!("people fleeing El Fasher, report {n}"),
            place: PlaceInput {
                name: None,
                point: None,
                situation: Some(SituationId::parse("SDN").unwrap()),
                state: "resolved",
            },
            observed_at: Some(now - time::Duration::days(3)),
            language: Some("en".into()),
            credibility: Credibility::ProbablyTrue,
            tlp: Tlp::Amber,
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
        raw.execute(
            format!(
                "INSERT INTO report_indicators (report_id, code, state, actor, at) \
                 VALUES ({}, '{code}', 'accepted', 'analyst', '{}')",
                accepted.report_id,
                tocsin_store::timestamp_text(now)
            )
            .as_str(),
        )
        .await
        .unwrap();
    }
    raw.close().await;
}

#[tokio::test]
async fn recommendations_follow_the_evidence_or_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = store(&dir).await;

    // Nothing coded yet: no stage to recommend for, unless the caller gives one.
    let (status, body) = get(
        state(store.clone()),
        "/api/v1/situations/SDN/recommendations",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "no_evidence");
    let (status, body) = get(
        state(store.clone()),
        "/api/v1/situations/SDN/recommendations?stage=3&dimension=victim,situation",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["basis"]["stage_origin"], "override");
    assert_eq!(body["basis"]["stress_origin"], "override");

    code_victim_evidence(&store, &url).await;
    let (status, body) = get(
        state(store.clone()),
        "/api/v1/situations/SDN/recommendations",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["basis"]["stage"], 3);
    assert_eq!(body["basis"]["stage_origin"], "indicators");
    assert_eq!(body["basis"]["stress"]["victim"], 1.0);
    assert!(body["basis"]["explanation"]
        .as_str()
        .unwrap()
        .contains("from indicators"));
    let ranked = body["recommendations"].as_array().unwrap();
    let first_systemic = ranked
        .iter()
        .position(|r| r["tool"]["kind"] == "systemic")
        .unwrap();
    let last_victim = ranked
        .iter()
        .rposition(|r| {
            r["tool"]["kind"] == "targeted"
                && r["tool"]["dimensions"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("victim"))
        })
        .unwrap();
    assert!(last_victim < first_systemic);
    let top = &ranked[0];
    assert_eq!(top["matched_dimension"], "victim");
    assert!(!top["caveats"].as_array().unwrap().is_empty());
    assert!(ranked[..6]
        .iter()
        .any(|r| !r["lessons"].as_array().unwrap().is_empty()));

    let (status, body) = get(
        state(store.clone()),
        "/api/v1/situations/XYZ/recommendations?stage=2",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_situation");
    let (status, body) = get(
        state(store),
        "/api/v1/situations/SDN/recommendations?stage=4",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_stage");
}

#[tokio::test]
async fn measures_are_recorded_updated_and_shown_on_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let measure = |tool: &str, organisation: &str, status: &str| {
        json!({
            "actor": "Special Envoy",
            "organisation": organisation,
            "tool": tool,
            "start": "2026-01-10",
            "status": status,
        })
    };

    let (status, added) = send(
        state(store.clone()),
        "POST",
        "/api/v1/situations/MMR/responses",
        measure("human-rights-monitoring-missions", "OHCHR", "planned"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert!(
        added["recorded_by"]
            .as_str()
            .unwrap()
            .starts_with("focal-point"),
        "the signed-in user records the measure: {added}"
    );
    assert_eq!(
        added["tool_name"],
        "Deployment of human rights monitoring missions"
    );
    let id = added["id"].as_i64().unwrap();

    for (body, code) in [
        (measure("radio-jam", "OHCHR", "planned"), "unknown_tool"),
        (
            json!({"actor": "a", "organisation": "o", "tool": "radio-jamming",
                   "start": "10/01/2026"}),
            "bad_date",
        ),
        (measure("radio-jamming", "OHCHR", "finished"), "bad_status"),
        // Who records is the signed-in user; a body cannot claim to be someone else.
        (
            json!({"actor": "a", "organisation": "o", "tool": "radio-jamming",
                   "start": "2026-01-10", "recorded_by": "someone-else"}),
            "invalid_json",
        ),
        (
            json!({"actor": "a", "organisation": "o", "tool": "radio-jamming",
                   "start": "2026-01-10", "colour": "red"}),
            "invalid_json",
        ),
    ] {
        let (status, answer) = send(
            state(store.clone()),
            "POST",
            "/api/v1/situations/MMR/responses",
            body,
        )
        .await;
        assert!(status.is_client_error(), "{answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }

    // The board as given: victims stressed, the monitoring mission planned covers them.
    let board_uri = "/api/v1/situations/MMR/board?stage=2&dimension=victim,situation";
    let (status, board) = get(state(store.clone()), board_uri).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let gaps: Vec<&str> = board["board"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gap| gap["dimension"].as_str().unwrap())
        .collect();
    assert_eq!(gaps, ["situation"], "nobody acts on the situation side");

    // The mission is abandoned: now the victims are uncovered too.
    let (status, updated) = send(
        state(store.clone()),
        "PATCH",
        &format!("/api/v1/responses/{id}"),
        json!({"status": "abandoned", "outcome": "visas refused", "revision": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["revision"], 2);
    assert_eq!(updated["outcome"], "visas refused");
    let (_, board) = get(state(store.clone()), board_uri).await;
    assert_eq!(board["board"]["gaps"].as_array().unwrap().len(), 2);

    // An edit from the old revision is refused.
    let (status, stale) = send(
        state(store.clone()),
        "PATCH",
        &format!("/api/v1/responses/{id}"),
        json!({"status": "under_way", "revision": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stale["error"]["code"], "stale_revision");
    let (status, missing) = send(
        state(store.clone()),
        "PATCH",
        "/api/v1/responses/999",
        json!({"status": "under_way"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["code"], "unknown_response");

    let (status, list) = get(state(store.clone()), "/api/v1/situations/MMR/responses").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["responses"].as_array().unwrap().len(), 1);
    assert_eq!(list["responses"][0]["status"], "abandoned");
    let history = store.response_history(id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history[1].event.actor.starts_with("focal-point"),
        "the change is on record under the signed-in user: {}",
        history[1].event.actor
    );
}
