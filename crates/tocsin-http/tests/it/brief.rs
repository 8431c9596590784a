//! Brief routes: a brief is never wider in distribution than its most restricted item. Content
//! above the reader's clearance or outside their role is left out, and the marking is the
//! strictest of what remains.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tocsin_domain::{Channel, Contact, Credibility, Role, SituationId, Tlp, VerificationState};
use tocsin_http::{app, AppState};
use tocsin_store::{NewReport, PlaceInput, RiskAssessmentMeta, Store};
use tower::ServiceExt;

use super::{sign_in, state, store};

/// A user in `role` cleared for `clearance`, as an `Authorization` header value.
async fn sign_in_cleared(store: &Store, role: Role, clearance: Tlp) -> String {
    let accounts = tocsin_app::Accounts::new(store.clone());
    let name = format!("cleared-{}", store.users().await.unwrap().len());
    let now = time::OffsetDateTime::now_utc();
    accounts
        .add_user(&name, role, Some(clearance), None, "test", now)
        .await
        .unwrap();
    let issued = accounts
        .issue_token(&name, "test", "test", now)
        .await
        .unwrap();
    format!("Bearer {}", issued.token)
}

/// GETs `uri` and returns status, content type and body bytes.
async fn fetch(state: AppState, uri: &str, auth: &str) -> (StatusCode, String, Vec<u8>) {
    let request = Request::get(uri)
        .header("authorization", auth)
        .body(Body::empty())
        .unwrap();
    let response = app(state).oneshot(request).await.unwrap();
    let status = response.status();
    let media_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, media_type, bytes.to_vec())
}

/// A verified report about South Sudan placed at a point, marked `tlp`.
async fn placed_report(store: &Store, n: usize, text: &str, point: (f64, f64), tlp: Tlp) -> i64 {
    let now = time::OffsetDateTime::now_utc();
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    let report = NewReport {
        channel: Channel::Sms,
        sender: Some(Contact::phone(&format!("+21192345678{n}"))),
        text: text.to_string(),
        place: PlaceInput {
            name: Some(format!("place {n}")),
            point: Some(point),
            situation: Some(SituationId::parse("SSD").unwrap()),
            state: "resolved",
        },
        observed_at: Some(now - time::Duration::days(3)),
        language: Some("en".into()),
        credibility: Credibility::ProbablyTrue,
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
    accepted.report_id
}

/// Two forecasts a year apart, South Sudan rising.
async fn forecasts(store: &Store) {
    let now = time::OffsetDateTime::now_utc();
    for (year, ssd, sdn) in [(2024, 0.08, 0.2), (2025, 0.11, 0.22)] {
        let forecast = json!({ "entries": [
            { "rank": 1, "situation": "SDN", "name": "Sudan", "probability": sdn, "change": 0.02 },
            { "rank": 2, "situation": "SSD", "name": "South Sudan", "probability": ssd, "change": 0.03 },
        ]});
        let meta = RiskAssessmentMeta {
            id: 0,
            model: "ensemble".to_string(),
            model_version: "1".to_string(),
            data_file: "ewp.csv".to_string(),
            data_sha256: "ab".repeat(32),
            data_year: year,
            created_at: String::new(),
            created_by: "test".to_string(),
        };
        store
            .store_risk_assessment(&meta, &forecast.to_string(), now)
            .await
            .unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_brief_leaves_out_what_the_reader_may_not_see_and_carries_the_strictest_marking() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    forecasts(&store).await;
    placed_report(
        &store,
        1,
        "AMBER-WORDS armed youth gathering near Bor",
        (6.21, 31.56),
        Tlp::Amber,
    )
    .await;
    let red = placed_report(
        &store,
        2,
        "RED-WORDS commander named <b>X</b> plans attack",
        (9.53, 31.66),
        Tlp::Red,
    )
    .await;
    let state = state(store.clone());
    let uri = "/api/v1/situations/SSD/brief?format=html";

    // A focal point cleared for TLP:AMBER: the AMBER report is in, the RED one is not even
    // described, and the brief is marked TLP:AMBER.
    let focal = sign_in(&store, Role::FocalPoint).await;
    let (status, media_type, body) = fetch(state.clone(), uri, &focal).await;
    assert_eq!(status, StatusCode::OK, "{}", text(&body));
    assert!(media_type.starts_with("text/html"));
    let page = text(&body);
    assert!(page.contains("South Sudan"));
    assert!(page.contains("AMBER-WORDS"), "{page}");
    assert!(!page.contains("RED-WORDS"), "{page}");
    assert!(!page.contains(&format!("report {red}")));
    assert!(
        page.contains("<meta name=\"tlp\" content=\"TLP:AMBER\">"),
        "{page}"
    );
    assert_eq!(page.matches(">TLP:AMBER</span>").count(), 2);
    assert!(
        page.contains("1 item(s) marked above your clearance are left out"),
        "{page}"
    );
    // Two forecasts: the trend chart is drawn.
    assert!(page.contains("Structural risk over the years"));
    assert!(page.contains("rank 2 of 2"), "{page}");

    // An analyst cleared for TLP:RED gets the RED report, and the brief rises to TLP:RED.
    let red_reader = sign_in_cleared(&store, Role::Analyst, Tlp::Red).await;
    let (status, _, body) = fetch(state.clone(), uri, &red_reader).await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(page.contains("RED-WORDS"), "{page}");
    assert!(page.contains("commander named &lt;b&gt;X&lt;/b&gt;"));
    assert!(page.contains("<meta name=\"tlp\" content=\"TLP:RED\">"));
    assert_eq!(page.matches(">TLP:RED</span>").count(), 2);
    assert!(!page.contains("marked above your clearance"));

    // A reader cleared for TLP:GREEN with no report they may see: nothing marked remains,
    // so the brief is TLP:CLEAR.
    let green = sign_in_cleared(&store, Role::FocalPoint, Tlp::Green).await;
    let (_, _, body) = fetch(state.clone(), uri, &green).await;
    let page = text(&body);
    assert!(!page.contains("AMBER-WORDS") && !page.contains("RED-WORDS"));
    assert!(page.contains("<meta name=\"tlp\" content=\"TLP:CLEAR\">"));
    assert!(
        page.contains("2 item(s) marked above your clearance are left out"),
        "{page}"
    );

    // An administrator reads assessments but no reports: the incident section is left out
    // whatever the clearance.
    let admin = sign_in_cleared(&store, Role::Admin, Tlp::Red).await;
    let (status, _, body) = fetch(state.clone(), uri, &admin).await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(!page.contains("AMBER-WORDS") && !page.contains("RED-WORDS"));
    assert!(page.contains("Sections your role does not receive: incidents and report evidence"));

    // A monitor gets no situation brief at all.
    let monitor = sign_in(&store, Role::Monitor).await;
    let (status, _, _) = fetch(state.clone(), uri, &monitor).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn briefs_come_as_pdf_and_bad_formats_get_a_coded_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    forecasts(&store).await;
    let state = state(store.clone());
    let focal = sign_in(&store, Role::FocalPoint).await;

    let (status, media_type, body) = fetch(
        state.clone(),
        "/api/v1/situations/SSD/brief?format=pdf",
        &focal,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media_type, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));

    let (status, _, body) = fetch(
        state.clone(),
        "/api/v1/situations/SSD/brief?format=docx",
        &focal,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "bad_format", "{error}");

    let (status, _, _) = fetch(state.clone(), "/api/v1/situations/XXX/brief", &focal).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The parliamentary brief goes to every role; stages only to those who read assessments.
    let monitor = sign_in(&store, Role::Monitor).await;
    let (status, _, body) = fetch(
        state.clone(),
        "/api/v1/briefs/parliament?format=html&top=1",
        &monitor,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = text(&body);
    assert!(page.contains("Sudan"));
    assert!(!page.contains("South Sudan"), "top=1 lists one country");
    assert!(page.contains("Sections your role does not receive: assessed stages"));
    assert!(
        page.contains("Parliamentary scrutiny of prevention policy"),
        "{page}"
    );
    assert!(page.contains("<meta name=\"tlp\" content=\"TLP:CLEAR\">"));
    let (status, media_type, body) =
        fetch(state.clone(), "/api/v1/briefs/parliament", &focal).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(media_type, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));
    let (status, _, _) = fetch(state, "/api/v1/briefs/parliament?top=0", &focal).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
