//! The web application through the real router: signing in and out, the session cookie,
//! CSRF, login rate limiting, every page route by session for every role, and the pages'
//! forms doing what the API does.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use time::OffsetDateTime;
use tocsin_domain::{Role, Tlp, VerificationState};
use tocsin_http::access::{is_page, Access, RULES};
use tocsin_http::web::{Limits, Web, WebSettings};
use tocsin_http::{app, AppState};
use tocsin_store::Store;
use tower::ServiceExt;

use super::{state, store};

const PASSWORD: &str = "correct horse battery";

/// An answer: status, headers and body text.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }

    /// The value of the first hidden input named `name` in the page.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).unwrap_or_else(|| {
            panic!("no {name} field in the page: {}", self.body);
        }) + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

/// Sends one request to a router built on `state`.
async fn send(state: &AppState, request: Request<Body>) -> Answer {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn form(uri: &str, body: &str) -> axum::http::request::Builder {
    let _ = body;
    Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

/// Percent-encodes form fields.
fn encode(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn add_user(store: &Store, name: &str, role: Role) {
    tocsin_app::Accounts::new(store.clone())
        .add_user(
            name,
            role,
            None,
            Some(PASSWORD),
            "test",
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
}

/// Posts the login form as a browser does: the login page first, for the form token in its
/// hidden field and cookie, then the form from `address` (if given).
async fn login(state: &AppState, fields: &[(&str, &str)], address: Option<&str>) -> Answer {
    let page = send(state, Request::get("/login").body(Body::empty()).unwrap()).await;
    let token = page.hidden("_login");
    let cookie = session_cookie_of(&page, "login");
    let mut all = vec![("_login", token.as_str())];
    all.extend_from_slice(fields);
    let mut request = form("/login", "")
        .header(header::COOKIE, cookie)
        .body(Body::from(encode(&all)))
        .unwrap();
    if let Some(address) = address {
        request
            .extensions_mut()
            .insert(ConnectInfo(address.parse::<SocketAddr>().unwrap()));
    }
    send(state, request).await
}

/// The `Set-Cookie` of an answer whose cookie name contains `which`, as it was set.
fn set_cookie_of<'a>(answer: &'a Answer, which: &str) -> &'a str {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.split('=').next().unwrap().contains(which))
        .unwrap_or_else(|| panic!("no {which} cookie set: {:?}", answer.headers))
}

/// `name=value` of that cookie, to send back.
fn session_cookie_of(answer: &Answer, which: &str) -> String {
    set_cookie_of(answer, which)
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// A signed-in browser: its session cookie and the session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    /// Signs in through the login form, then reads the CSRF token off a page.
    async fn sign_in(state: &AppState, name: &str) -> Browser {
        let answer = login(state, &[("username", name), ("password", PASSWORD)], None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let cookie = session_cookie_of(&answer, "session");
        let mut browser = Browser {
            cookie,
            csrf: String::new(),
        };
        let page = browser.get(state, "/report").await;
        let page = if page.status == StatusCode::OK {
            page
        } else {
            browser.get(state, "/").await
        };
        browser.csrf = page.hidden("_csrf");
        browser
    }

    /// A session made directly in the store (no password hashing), for the matrix.
    async fn session(store: &Store, name: &str) -> Browser {
        let cookie_value = format!("tcs_{name}-{}", rand_suffix());
        let csrf = format!("csrf-{}", rand_suffix());
        let now = OffsetDateTime::now_utc();
        store
            .create_session(
                name,
                &tocsin_app::token_hash(&cookie_value),
                &csrf,
                now,
                now + time::Duration::hours(1),
            )
            .await
            .unwrap();
        Browser {
            cookie: format!("__Host-tocsin_session={cookie_value}"),
            csrf,
        }
    }

    async fn get(&self, state: &AppState, uri: &str) -> Answer {
        send(
            state,
            Request::get(uri)
                .header(header::COOKIE, &self.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts a form with the session's CSRF token added.
    async fn post(&self, state: &AppState, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(state, uri, &encode(&all)).await
    }

    async fn post_raw(&self, state: &AppState, uri: &str, body: &str) -> Answer {
        send(
            state,
            form(uri, body)
                .header(header::COOKIE, &self.cookie)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn concrete(path: &str) -> String {
    path.replace("{*file}", "tocsin.css")
        .replace("/sources/{id}", "/sources/SRC-7K3QX9")
        .replace("{id}", "1")
        .replace("{name}", "nobody")
        .replace("{area}", "SSD")
        .replace("{username}", "nobody")
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_the_matrix_names_by_session_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    for role in Role::ALL {
        add_user(&store, role.as_str(), role).await;
    }
    let mut checked = 0;
    for rule in RULES {
        let Access::Roles(allowed) = rule.access else {
            continue;
        };
        let uri = concrete(rule.path);
        for role in Role::ALL {
            // A fresh session each time: POST /logout ends the one it is sent with.
            let browser = Browser::session(&store, role.as_str()).await;
            let mut request = Request::builder()
                .method(rule.method.clone())
                .uri(&uri)
                .header(header::COOKIE, &browser.cookie);
            let body = if rule.method == Method::GET {
                Body::empty()
            } else if is_page(rule.path) {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(encode(&[("_csrf", &browser.csrf)]))
            } else {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", &browser.csrf);
                Body::from("{}")
            };
            let answer = send(&state, request.body(body).unwrap()).await;
            if allowed.contains(&role) {
                assert!(
                    answer.status != StatusCode::FORBIDDEN
                        && answer.status != StatusCode::UNAUTHORIZED,
                    "{role} must reach {} {uri} by session: {} {}",
                    rule.method,
                    answer.status,
                    answer.body
                );
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{role} must not reach {} {uri} by session: {}",
                    rule.method,
                    answer.body
                );
                assert!(answer.body.contains("forbidden"), "{}", answer.body);
            }
            checked += 1;
        }
        if is_page(rule.path) {
            // Anonymous: to the login page, to come back here.
            let answer = send(
                &state,
                Request::builder()
                    .method(rule.method.clone())
                    .uri(&uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{uri}");
            assert!(
                answer.location().starts_with("/login?next=/"),
                "{uri}: {}",
                answer.location()
            );
        }
    }
    assert!(checked >= Role::ALL.len() * 30, "{checked}");
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "amina", Role::Analyst).await;

    // The login page, and a wrong password.
    let page = send(
        &state,
        Request::get("/login?next=/reports")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"next\" value=\"/reports\""));
    let wrong = login(&state, &[("username", "amina"), ("password", "nope")], None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong user name or password"));
    assert!(!wrong
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().contains("session")));

    // The right one: a cookie the page's scripts cannot read, sent to this site only, over
    // HTTPS only, and back to the page asked for.
    let answer = login(
        &state,
        &[
            ("username", "amina"),
            ("password", PASSWORD),
            ("next", "/reports"),
        ],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/reports");
    let set = set_cookie_of(&answer, "session");
    assert!(set.starts_with("__Host-tocsin_session=tcs_"), "{set}");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=28800",
    ] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    // A `next` pointing at another site is ignored.
    let elsewhere = login(
        &state,
        &[
            ("username", "amina"),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ],
        None,
    )
    .await;
    assert_eq!(elsewhere.location(), "/");

    let browser = Browser::sign_in(&state, "amina").await;
    let home = browser.get(&state, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("amina (analyst)"));
    assert_eq!(
        home.headers[header::CONTENT_SECURITY_POLICY],
        tocsin_http::web::PAGE_POLICY
    );
    assert_eq!(home.headers[header::CACHE_CONTROL], "no-store");

    // Signing out needs the session's token like every other form, then ends the session.
    let refused = browser.post_raw(&state, "/logout", "").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("csrf_failed"));
    let out = browser.post(&state, "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let after = browser.get(&state, "/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/login?next=/");
    let api = browser.get(&state, "/api/v1/me").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.body.contains("session_ended"));
}

#[tokio::test]
async fn without_secure_cookies_the_cookie_works_over_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let mut state = state(store.clone());
    state.web = Web::new(WebSettings {
        secure_cookies: false,
        ..WebSettings::default()
    });
    add_user(&store, "amina", Role::Analyst).await;
    let answer = login(
        &state,
        &[("username", "amina"), ("password", PASSWORD)],
        None,
    )
    .await;
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("tocsin_session=tcs_"), "{set}");
    assert!(!set.contains("Secure"), "{set}");
    let cookie = set.split(';').next().unwrap();
    let home = send(
        &state,
        Request::get("/")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(home.status, StatusCode::OK);
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_user_name_and_per_address_with_429() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let mut state = state(store.clone());
    state.web = Web::new(WebSettings {
        login_limits: Limits {
            per_username: 3,
            per_address: 5,
            window: std::time::Duration::from_secs(600),
        },
        ..WebSettings::default()
    });
    for name in ["amina", "bob", "chen"] {
        add_user(&store, name, Role::Analyst).await;
    }
    // Three wrong passwords for amina from three addresses...
    for n in 1..=3 {
        let address = format!("10.0.0.{n}:5000");
        let answer = login(
            &state,
            &[("username", "amina"), ("password", "wrong")],
            Some(&address),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // ...and even the right one is refused for now, with when to try again.
    let limited = login(
        &state,
        &[("username", "amina"), ("password", PASSWORD)],
        Some("10.0.0.4:5000"),
    )
    .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.body.contains("Too many failed sign-ins"),
        "{}",
        limited.body
    );
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 600, "{retry}");
    assert!(!limited
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().contains("session")));
    // Bob is not affected.
    let bob = login(
        &state,
        &[("username", "bob"), ("password", PASSWORD)],
        Some("10.0.0.4:5000"),
    )
    .await;
    assert_eq!(bob.status, StatusCode::SEE_OTHER);

    // One address failing across user names is stopped too.
    for name in ["x1", "x2", "x3", "x4", "x5"] {
        let answer = login(
            &state,
            &[("username", name), ("password", "wrong")],
            Some("10.9.9.9:1"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = login(
        &state,
        &[("username", "chen"), ("password", PASSWORD)],
        Some("10.9.9.9:2"),
    )
    .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = login(
        &state,
        &[("username", "chen"), ("password", PASSWORD)],
        Some("10.9.9.8:2"),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn state_changing_requests_by_session_need_the_csrf_token_and_login_forms_from_other_sites_are_refused(
) {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "mo", Role::Monitor).await;
    let browser = Browser::sign_in(&state, "mo").await;
    assert_eq!(browser.csrf.len(), 64);

    // A form without the token, or with another, is refused and stores nothing.
    for body in [
        encode(&[("text", "armed men")]),
        encode(&[("_csrf", "0000"), ("text", "armed men")]),
    ] {
        let answer = browser.post_raw(&state, "/report", &body).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.body.contains("csrf_failed"), "{}", answer.body);
    }
    // The JSON API with the cookie takes the token in a header.
    let json = |token: Option<&str>| {
        let mut request = Request::post("/api/v1/reports")
            .header(header::COOKIE, &browser.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request
            .body(Body::from(r#"{"text": "shots fired near the market"}"#))
            .unwrap()
    };
    assert_eq!(send(&state, json(None)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&state, json(Some("wrong"))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&state, json(Some(&browser.csrf))).await.status,
        StatusCode::CREATED
    );
    let reports = store
        .list_reports(&tocsin_store::ReportFilter::new(Tlp::Red))
        .await
        .unwrap();
    assert_eq!(
        reports.len(),
        1,
        "only the request with the token made a report"
    );

    // A login form posted from another site: the browser sends no login cookie with it
    // (SameSite=Strict) and the site cannot read the page's token.
    let cases = [
        (None, None),
        (None, Some("abc")),
        (Some("__Host-tocsin_login=abc"), Some("abd")),
    ];
    for (cookie, token) in cases {
        let mut fields = vec![("username", "mo"), ("password", PASSWORD)];
        if let Some(token) = token {
            fields.push(("_login", token));
        }
        let mut request = form("/login", "");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let cross = send(&state, request.body(Body::from(encode(&fields))).unwrap()).await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN);
        assert!(cross.body.contains("login_form_expired"), "{}", cross.body);
    }
}

#[tokio::test]
async fn the_monitor_form_stores_a_report_once_and_queues_a_place_it_cannot_find() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "mo", Role::Monitor).await;
    let monitor = Browser::sign_in(&state, "mo").await;
    let page = monitor.get(&state, "/report").await;
    assert_eq!(page.status, StatusCode::OK);
    // Small enough for a slow link: no script, one stylesheet.
    assert!(!page.body.contains("<script"));
    assert!(page.body.len() < 4_000, "{} bytes", page.body.len());
    let submission = page.hidden("submission");
    let fields = [
        ("submission", submission.as_str()),
        ("text", "Militia burned the market in Kabuga"),
        ("place", "Kabuga market"),
        ("lat", ""),
        ("lon", ""),
        ("observed_at", "2026-11-20T14:30"),
    ];
    let first = monitor.post(&state, "/report", &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let id: i64 = first
        .location()
        .strip_prefix("/report?sent=")
        .unwrap()
        .parse()
        .unwrap();
    // The same form again (a double tap, a resend on a slow link) is the same report.
    let again = monitor.post(&state, "/report", &fields).await;
    assert_eq!(again.location(), format!("/report?sent={id}&repeated=true"));
    let shown = monitor.get(&state, again.location()).await;
    assert!(shown.body.contains("had already arrived"));
    let report = store.report(id, Tlp::Red).await.unwrap().report;
    assert_eq!(report.text, "Militia burned the market in Kabuga");
    assert_eq!(report.channel, "web_form");
    assert_eq!(report.place_state, "unresolved");
    assert_eq!(
        report.observed_at.as_deref(),
        Some("2026-11-20T14:30:00.000000Z")
    );
    let mut queue = tocsin_store::ReportFilter::new(Tlp::Red);
    queue.place_queue = true;
    assert_eq!(store.list_reports(&queue).await.unwrap().len(), 1);

    // A refusal keeps what was typed and says what to fix.
    let refused = monitor
        .post(
            &state,
            "/report",
            &[
                (
                    "submission",
                    &monitor.get(&state, "/report").await.hidden("submission"),
                ),
                ("text", "Roadblock"),
                ("place", "Bor"),
                ("lat", "95"),
                ("lon", "31"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("invalid_coordinates"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(">Roadblock</textarea>"));
    assert_ne!(refused.hidden("submission"), submission);
}

/// Reports as a partner system would send them, for the inbox tests.
async fn some_reports(state: &AppState, texts: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for text in texts {
        let body = serde_json::json!({ "text": text, "place": { "name": "Km 12", "lat": 4.9, "lon": 31.6 } });
        let outcome = state
            .intake
            .submit_json(None, body.to_string().as_bytes(), OffsetDateTime::now_utc())
            .await
            .unwrap();
        ids.push(outcome.report_id);
    }
    ids
}

/// An imported event shows its dataset's facts in the inbox, on its report page and through
/// the API: type, fatalities, actors and its record in the dataset.
#[tokio::test]
async fn imported_events_show_their_type_fatalities_actors_and_dataset_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "amina", Role::Analyst).await;
    let file = "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,assoc_actor_1,\
                actor2,assoc_actor_2,civilian_targeting,iso,country,admin1,admin2,location,\
                latitude,longitude,source,notes,fatalities\n\
                SDN9001,2022-03-02,2022,Violence against civilians,Attack,Militia (Sudan),,\
                Civilians (Sudan),,Civilian targeting,729,Sudan,West Darfur,Kreinik,Kreinik,\
                13.5,22.4,Radio Dabanga,\"Militia attacked the village of Kreinik.\",12\n";
    let imported = tocsin_app::import_events(
        &store,
        "acled.csv",
        file.as_bytes(),
        tocsin_ingest::stream_acled,
        "amina",
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(imported.inserted, 1);
    let facts = "Violence against civilians · 12 killed · Militia (Sudan); Civilians (Sudan) · acled:SDN9001";

    let analyst = Browser::sign_in(&state, "amina").await;
    let inbox = analyst.get(&state, "/reports").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains(facts), "{}", inbox.body);

    let listed = analyst.get(&state, "/api/v1/reports").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let report = &listed["reports"][0];
    assert_eq!(report["reference"], "acled:SDN9001");
    assert_eq!(report["event_type"], "Violence against civilians");
    assert_eq!(report["fatalities"], 12);
    assert_eq!(report["actors"], "Militia (Sudan); Civilians (Sudan)");

    let id = report["id"].as_i64().unwrap();
    let page = analyst
        .get(&state, &format!("/reports/{id}/indicators"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(facts), "{}", page.body);

    // The inbox links to the exports, and the signed-in analyst can follow the links.
    for format in ["csv", "hxl", "geojson"] {
        let href = format!("/api/v1/reports/export?format={format}");
        assert!(
            inbox.body.contains(&format!("href=\"{href}\"")),
            "{}",
            inbox.body
        );
        let download = analyst.get(&state, &href).await;
        assert_eq!(download.status, StatusCode::OK, "{}", download.body);
        assert!(download.body.contains("acled:SDN9001"), "{}", download.body);
    }
}

#[tokio::test]
async fn analysts_place_grade_verify_and_move_reports_in_bulk_from_the_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "amina", Role::Analyst).await;
    let ids = some_reports(
        &state,
        &[
            "Checkpoint by militia on the north road",
            "Leaflets calling to expel the neighbours",
            "Same leaflets seen again at the school",
        ],
    )
    .await;
    let analyst = Browser::sign_in(&state, "amina").await;
    let inbox = analyst.get(&state, "/reports?queue=place").await;
    assert_eq!(inbox.status, StatusCode::OK);
    for id in &ids {
        assert!(
            inbox.body.contains(&format!("id=\"report-{id}\"")),
            "{}",
            inbox.body
        );
    }

    let back = [("back", "/reports?queue=place")];
    let placed = analyst
        .post(
            &state,
            &format!("/reports/{}/place", ids[0]),
            &[
                ("name", "Km 12, Juba-Nimule road"),
                ("lat", "4.9"),
                ("lon", "31.6"),
                ("situation", "SSD"),
                back[0],
            ],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    assert_eq!(placed.location(), "/reports?queue=place");
    let graded = analyst
        .post(
            &state,
            &format!("/reports/{}/grade", ids[0]),
            &[("credibility", "2"), ("tlp", "TLP:AMBER+STRICT")],
        )
        .await;
    assert_eq!(graded.status, StatusCode::SEE_OTHER, "{}", graded.body);
    let verified = analyst
        .post(
            &state,
            &format!("/reports/{}/transition", ids[0]),
            &[("to", "verified")],
        )
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    let report = store.report(ids[0], Tlp::Red).await.unwrap().report;
    assert_eq!(report.verification, "verified");
    assert_eq!(report.credibility, 2);
    assert_eq!(report.tlp, "TLP:AMBER+STRICT");
    assert_eq!(report.situation.as_deref(), Some("SSD"));

    // A move the workflow does not allow is refused with the reason.
    let refused = analyst
        .post(
            &state,
            &format!("/reports/{}/transition", ids[0]),
            &[("to", "triage")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("triage"), "{}", refused.body);

    // Bulk: both leaflets reports marked duplicate at once.
    let (a, b) = (ids[1].to_string(), ids[2].to_string());
    let bulk = analyst
        .post(
            &state,
            "/reports/bulk",
            &[
                ("id", &a),
                ("id", &b),
                ("to", "duplicate"),
                ("back", "/reports?state=triage"),
            ],
        )
        .await;
    assert_eq!(bulk.status, StatusCode::SEE_OTHER, "{}", bulk.body);
    assert_eq!(bulk.location(), "/reports?state=triage");
    for id in &ids[1..] {
        let report = store.report(*id, Tlp::Red).await.unwrap().report;
        assert_eq!(report.verification, VerificationState::Duplicate.as_str());
    }
    let none = analyst
        .post(&state, "/reports/bulk", &[("to", "false")])
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("nothing_selected"));
    let triage = analyst.get(&state, "/reports?state=triage").await;
    assert!(triage.body.contains("No reports here."));

    // The situation's map data now holds the placed, verified report.
    let map = analyst
        .get(
            &state,
            "/api/v1/map/reports?situation=SSD&bbox=24,3,36,12&zoom=6",
        )
        .await;
    assert_eq!(map.status, StatusCode::OK, "{}", map.body);
    let map: serde_json::Value = serde_json::from_str(&map.body).unwrap();
    assert_eq!(map["total"], 1);
    assert_eq!(map["features"][0]["properties"]["report"], ids[0]);
    assert_eq!(map["features"][0]["geometry"]["coordinates"][0], 31.6);
    let bad = analyst
        .get(&state, "/api/v1/map/reports?bbox=1,2,3&zoom=6")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("invalid_bbox"));
}

const FORECAST: &str = r#"{"model":"ewp-enet","model_version":"1","data_year":YEAR,"trained_through":2020,"onset_years":[2025,2026],
 "entries":[{"rank":1,"situation":"SSD","name":"South Sudan","probability":P,"change":0.01},
            {"rank":2,"situation":"SDN","name":"Sudan","probability":0.08,"change":null}]}"#;

async fn store_forecast(store: &Store, year: i64, probability: f64) {
    let json = FORECAST
        .replace("YEAR", &year.to_string())
        .replace("P", &probability.to_string());
    store
        .store_risk_assessment(
            &tocsin_store::RiskAssessmentMeta {
                id: 0,
                model: "ewp-enet".into(),
                model_version: "1".into(),
                data_file: "ewp.csv".into(),
                data_sha256: "ab".into(),
                data_year: year,
                created_at: String::new(),
                created_by: "amina".into(),
            },
            &json,
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn pages_show_stored_risk_and_only_the_sections_a_role_may_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "amina", Role::Analyst).await;
    add_user(&store, "fp", Role::FocalPoint).await;
    add_user(&store, "mo", Role::Monitor).await;
    let analyst = Browser::sign_in(&state, "amina").await;

    // Nothing stored yet: the dashboard says so and does not invent alerts or a map.
    let empty = analyst.get(&state, "/").await;
    assert!(empty.body.contains("No risk forecast is stored yet"));
    assert!(empty.body.contains("No alert has been sent to you"));
    assert!(!empty.body.contains("id=\"map\""));

    store_forecast(&store, 2022, 0.05).await;
    store_forecast(&store, 2023, 0.07).await;
    store_forecast(&store, 2024, 0.12).await;
    let dashboard = analyst.get(&state, "/").await;
    assert!(dashboard.body.contains("id=\"map\""));
    assert!(
        dashboard.body.contains(
            "<a href=\"/situations/SSD\">South Sudan</a></td><td>12.0%</td><td>+1.0</td>"
        ),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("Data year 2024"));

    // The situation page: the trend over three data years, the placeholders, the map of
    // reports for an analyst.
    let page = analyst.get(&state, "/situations/SSD").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<polyline"));
    for year in ["2022: 5.0%", "2023: 7.0%", "2024: 12.0%"] {
        assert!(page.body.contains(year), "{year}");
    }
    assert!(page.body.contains("Stage timeline"));
    assert!(page.body.contains("Risk-factor board"));
    // The stored forecast (12%) is elevated structural risk: stage 1, stored as a change.
    assert!(
        page.body.contains("Stage: stage 1 (risk factors)"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("<td>no elevated concern</td><td>stage 1 (risk factors)</td>"));
    assert!(page.body.contains("data-kind=\"reports\""));
    assert!(page.body.contains("Responses under way"));
    // Two factors judged present: the page shows the judgments, the new stage and its change.
    let assessments = state.assessments.clone();
    let ssd = tocsin_domain::SituationId::parse("SSD").unwrap();
    for factor in ["7", "8"] {
        let input = tocsin_app::assessment::JudgmentInput {
            status: "present".into(),
            trend: Some("rising".into()),
            confidence: Some("high".into()),
            ..Default::default()
        };
        assessments
            .judge(
                &ssd,
                factor,
                &input,
                "amina",
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
    }
    let page = analyst.get(&state, "/situations/SSD").await;
    assert!(
        page.body
            .contains("Stage: stage 2 (crisis and mobilisation)"),
        "{}",
        page.body
    );
    // The brief downloads: the links the page offers answer a PDF for the signed-in reader.
    assert!(page
        .body
        .contains("href=\"/api/v1/situations/SSD/brief?format=pdf\""));
    let pdf = analyst
        .get(&state, "/api/v1/situations/SSD/brief?format=pdf")
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"), "a PDF");
    let dashboard = analyst.get(&state, "/").await;
    assert!(dashboard
        .body
        .contains("href=\"/api/v1/briefs/parliament?format=pdf\""));
    assert!(page
        .body
        .contains("present (rising, high confidence) by amina"));
    assert!(
        page.body
            .contains("<td>stage 1 (risk factors)</td><td>stage 2 (crisis and mobilisation)</td>"),
        "{}",
        page.body
    );
    // A source handler reads the reports but not the prevention plans.
    add_user(&store, "sh", Role::SourceHandler).await;
    let handler = Browser::sign_in(&state, "sh").await;
    let page = handler.get(&state, "/situations/SSD").await;
    assert!(page.body.contains("data-kind=\"reports\""));
    assert!(!page.body.contains("Responses under way"));

    // A focal point sees the assessment and prevention (tools for the assessed stage 2) but
    // not the reports; a monitor none of them.
    let focal = Browser::sign_in(&state, "fp").await;
    let page = focal.get(&state, "/situations/SSD").await;
    assert!(page.body.contains("Risk-factor board"));
    assert!(page.body.contains("Recommended tools"), "{}", page.body);
    assert!(page.body.contains("Responses under way"));
    assert!(!page.body.contains("data-kind=\"reports\""));
    let monitor = Browser::sign_in(&state, "mo").await;
    let page = monitor.get(&state, "/situations/SSD").await;
    assert!(!page.body.contains("Recommended tools") && !page.body.contains("Recent reports"));
    assert!(!page.body.contains("Risk-factor board"));
    assert!(!page.body.contains("/brief?format=pdf"));
    // The monitor's menu leads only where a monitor may go.
    assert!(page.body.contains("href=\"/report\""));
    assert!(!page.body.contains("href=\"/reports\""));
    assert!(!page.body.contains("href=\"/admin/users\""));
}

#[tokio::test]
async fn administrators_add_users_change_roles_and_disable_accounts_but_not_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "root", Role::Admin).await;
    let admin = Browser::sign_in(&state, "root").await;
    let added = admin
        .post(
            &state,
            "/admin/users",
            &[
                ("username", "kofi"),
                ("role", "monitor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let weak = admin
        .post(
            &state,
            "/admin/users",
            &[
                ("username", "ama"),
                ("role", "monitor"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("at least 12"));
    let kofi = Browser::sign_in(&state, "kofi").await;
    assert_eq!(
        kofi.get(&state, "/reports").await.status,
        StatusCode::FORBIDDEN
    );

    let promoted = admin
        .post(&state, "/admin/users/kofi/role", &[("role", "analyst")])
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER);
    // The same session now has the new role.
    assert_eq!(kofi.get(&state, "/reports").await.status, StatusCode::OK);
    assert_eq!(
        store.user("kofi").await.unwrap().clearance,
        Tlp::AmberStrict
    );

    let disabled = admin
        .post(
            &state,
            "/admin/users/kofi/disabled",
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        kofi.get(&state, "/reports").await.status,
        StatusCode::SEE_OTHER
    );
    let list = admin.get(&state, "/admin/users").await;
    assert!(list.body.contains("data-user=\"kofi\""));
    assert!(list.body.contains("disabled"));

    let own = admin
        .post(
            &state,
            "/admin/users/root/disabled",
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("own_account"));
    assert!(store.user("root").await.unwrap().disabled_at.is_none());
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(store(&dir).await);
    for (path, kind) in [
        ("/assets/maplibre-gl.js", "text/javascript"),
        ("/assets/maplibre-gl-worker.js", "text/javascript"),
        ("/assets/countries-110m.json", "application/json"),
        ("/assets/tocsin.css", "text/css"),
    ] {
        let answer = send(&state, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(kind));
        assert!(answer.body.len() > 1_000, "{path}");
    }
    let missing = send(
        &state,
        Request::get("/assets/nothing.js")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Every page route and the roles that must reach it (`None`: anyone), written out apart
/// from `RULES` so that a rule widened or narrowed there shows up here; the session matrix
/// above then checks each role against the router, 403 for every role not named.
const PAGE_MATRIX: &[(Method, &str, Option<&[Role]>)] = {
    use Role::{Admin, Analyst, Monitor, SourceHandler};
    const ALL: &[Role] = &Role::ALL;
    &[
        (Method::GET, "/login", None),
        (Method::POST, "/login", None),
        (Method::GET, "/assets/{*file}", None),
        (Method::POST, "/logout", Some(ALL)),
        (Method::GET, "/", Some(ALL)),
        (Method::GET, "/situations/{id}", Some(ALL)),
        (Method::GET, "/reports", Some(&[Analyst, SourceHandler])),
        (Method::POST, "/reports/{id}/transition", Some(&[Analyst])),
        (Method::POST, "/reports/{id}/grade", Some(&[Analyst])),
        (Method::POST, "/reports/{id}/place", Some(&[Analyst])),
        (Method::POST, "/reports/bulk", Some(&[Analyst])),
        (Method::GET, "/reports/{id}/indicators", Some(&[Analyst])),
        (Method::POST, "/reports/{id}/indicators", Some(&[Analyst])),
        (
            Method::GET,
            "/report",
            Some(&[Monitor, Analyst, SourceHandler]),
        ),
        (
            Method::POST,
            "/report",
            Some(&[Monitor, Analyst, SourceHandler]),
        ),
        (Method::GET, "/alerts", Some(ALL)),
        (Method::GET, "/alerts/{id}", Some(ALL)),
        (Method::POST, "/alerts/{id}/ack", Some(ALL)),
        (Method::POST, "/alerts/{id}/decisions", Some(ALL)),
        (Method::GET, "/admin/users", Some(&[Admin])),
        (Method::POST, "/admin/users", Some(&[Admin])),
        (Method::POST, "/admin/users/{name}/role", Some(&[Admin])),
        (Method::POST, "/admin/users/{name}/disabled", Some(&[Admin])),
        (Method::GET, "/admin/units", Some(&[Admin])),
        (Method::POST, "/admin/units", Some(&[Admin])),
        (Method::POST, "/admin/units/{name}/rename", Some(&[Admin])),
        (Method::POST, "/admin/units/{name}/delete", Some(&[Admin])),
        (Method::POST, "/admin/units/{name}/parent", Some(&[Admin])),
        (Method::POST, "/admin/units/{name}/members", Some(&[Admin])),
        (
            Method::POST,
            "/admin/units/{name}/members/remove",
            Some(&[Admin]),
        ),
        (
            Method::POST,
            "/admin/units/{name}/addresses",
            Some(&[Admin]),
        ),
        (Method::GET, "/admin/routing", Some(&[Admin])),
        (Method::POST, "/admin/routing", Some(&[Admin])),
        (Method::POST, "/admin/routing/remove", Some(&[Admin])),
    ]
};

#[test]
fn every_page_rule_is_in_the_page_matrix_with_the_same_roles() {
    let pages: Vec<_> = RULES.iter().filter(|rule| is_page(rule.path)).collect();
    for rule in &pages {
        let expected = PAGE_MATRIX
            .iter()
            .find(|(method, path, _)| *method == rule.method && *path == rule.path)
            .unwrap_or_else(|| panic!("{} {} is not in the page matrix", rule.method, rule.path));
        let actual: Option<Vec<Role>> = match rule.access {
            Access::Public => None,
            Access::Roles(roles) => Some(roles.to_vec()),
            Access::Gateway => panic!("a page is never a gateway"),
        };
        let mut wanted = expected.2.map(<[Role]>::to_vec);
        let mut actual = actual;
        for roles in [&mut wanted, &mut actual].into_iter().flatten() {
            roles.sort_by_key(|role| role.as_str());
        }
        assert_eq!(actual, wanted, "{} {}", rule.method, rule.path);
    }
    for (method, path, _) in PAGE_MATRIX {
        assert!(
            pages
                .iter()
                .any(|rule| rule.method == *method && rule.path == *path),
            "{method} {path} is in the matrix but has no rule"
        );
    }
}

#[tokio::test]
async fn administrators_build_the_chain_of_command_and_route_alerts_from_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "root", Role::Admin).await;
    add_user(&store, "fp", Role::FocalPoint).await;
    let admin = Browser::sign_in(&state, "root").await;
    let empty = admin.get(&state, "/admin/units").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No units yet"), "{}", empty.body);
    assert!(empty.body.contains("href=\"/admin/routing\""));

    for (name, kind, parent) in [
        ("headquarters", "department", ""),
        ("ssd-desk", "department", "headquarters"),
        ("ssd-mission", "mission", ""),
    ] {
        let added = admin
            .post(
                &state,
                "/admin/units",
                &[("name", name), ("kind", kind), ("parent", parent)],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            added.body
        );
        assert_eq!(added.location(), "/admin/units");
    }
    let bad_kind = admin
        .post(
            &state,
            "/admin/units",
            &[("name", "embassy"), ("kind", "embassy")],
        )
        .await;
    assert_eq!(bad_kind.status, StatusCode::BAD_REQUEST);
    assert!(bad_kind.body.contains("bad_unit_kind"), "{}", bad_kind.body);
    assert!(bad_kind.body.contains("department, mission, partner"));

    // The mission goes under the desk; the desk cannot then go under the mission.
    let moved = admin
        .post(
            &state,
            "/admin/units/ssd-mission/parent",
            &[("parent", "ssd-desk")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(
        store.unit("ssd-mission").await.unwrap().parent.as_deref(),
        Some("ssd-desk")
    );
    let looped = admin
        .post(
            &state,
            "/admin/units/headquarters/parent",
            &[("parent", "ssd-mission")],
        )
        .await;
    assert_eq!(looped.status, StatusCode::BAD_REQUEST, "{}", looped.body);
    assert!(looped.body.contains("unit_loop"), "{}", looped.body);
    assert_eq!(store.unit("headquarters").await.unwrap().parent, None);
    let unknown = admin
        .post(
            &state,
            "/admin/units/nowhere/parent",
            &[("parent", "headquarters")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // Members and an address.
    let member = admin
        .post(
            &state,
            "/admin/units/ssd-mission/members",
            &[("username", "fp")],
        )
        .await;
    assert_eq!(member.status, StatusCode::SEE_OTHER, "{}", member.body);
    let ghost = admin
        .post(
            &state,
            "/admin/units/ssd-mission/members",
            &[("username", "ghost")],
        )
        .await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND, "{}", ghost.body);
    let address = admin
        .post(
            &state,
            "/admin/units/ssd-desk/addresses",
            &[
                ("channel", "email"),
                ("address", "desk@example.org"),
                ("clearance", "TLP:AMBER"),
            ],
        )
        .await;
    assert_eq!(address.status, StatusCode::SEE_OTHER, "{}", address.body);
    let bad_address = admin
        .post(
            &state,
            "/admin/units/ssd-desk/addresses",
            &[("channel", "email"), ("address", "not an address")],
        )
        .await;
    assert_eq!(bad_address.status, StatusCode::BAD_REQUEST);
    let page = admin.get(&state, "/admin/units").await;
    assert!(page.body.contains("data-unit=\"ssd-mission\""));
    assert!(page.body.contains("data-member=\"fp\""), "{}", page.body);
    assert!(page.body.contains("desk@example.org"));
    assert!(page
        .body
        .contains("<option value=\"ssd-desk\" selected>ssd-desk</option>"));

    // Routing: headquarters answers for everything, the mission for South Sudan.
    for (unit, area) in [("headquarters", "*"), ("ssd-mission", "ssd")] {
        let routed = admin
            .post(&state, "/admin/routing", &[("unit", unit), ("area", area)])
            .await;
        assert_eq!(routed.status, StatusCode::SEE_OTHER, "{}", routed.body);
        assert_eq!(routed.location(), "/admin/routing");
    }
    let bad_area = admin
        .post(
            &state,
            "/admin/routing",
            &[("unit", "ssd-mission"), ("area", "Narnia")],
        )
        .await;
    assert_eq!(bad_area.status, StatusCode::BAD_REQUEST);
    assert!(bad_area.body.contains("bad_area"), "{}", bad_area.body);
    let routing = admin.get(&state, "/admin/routing?situation=SSD/yei").await;
    assert_eq!(routing.status, StatusCode::OK);
    assert!(
        routing
            .body
            .contains("data-chain=\"ssd-mission,ssd-desk,headquarters\""),
        "{}",
        routing.body
    );
    assert!(routing.body.contains("data-area=\"SSD\""));
    assert!(routing.body.contains("data-area=\"*\""));
    let elsewhere = admin.get(&state, "/admin/routing?situation=SDN").await;
    assert!(elsewhere.body.contains("data-chain=\"headquarters\""));

    // The page's answer is where an alert really goes.
    let signal = tocsin_alerts::AlertSignal::StageChanged {
        situation: tocsin_domain::SituationId::parse("SSD/yei").unwrap(),
        from: Some(tocsin_domain::Stage::CrisisAndMobilisation),
        to: Some(tocsin_domain::Stage::ImminentEmergency),
        score: 0.9,
        drivers: vec!["11.2 militia mobilising near Yei".into()],
        tlp: Tlp::Amber,
    };
    let raised = state
        .alerts
        .raise(&signal, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let alert = store.alert(raised[0]).await.unwrap();
    assert_eq!(alert.unit.as_deref(), Some("ssd-mission"));

    // Taking the area and the member away again.
    let removed = admin
        .post(
            &state,
            "/admin/routing/remove",
            &[("unit", "ssd-mission"), ("area", "SSD")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let again = admin
        .post(
            &state,
            "/admin/routing/remove",
            &[("unit", "ssd-mission"), ("area", "SSD")],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    let routing = admin.get(&state, "/admin/routing?situation=SSD").await;
    assert!(routing.body.contains("data-chain=\"headquarters\""));
    let out = admin
        .post(
            &state,
            "/admin/units/ssd-mission/members/remove",
            &[("username", "fp")],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert!(store.unit("ssd-mission").await.unwrap().members.is_empty());
    let top = admin
        .post(&state, "/admin/units/ssd-mission/parent", &[("parent", "")])
        .await;
    assert_eq!(top.status, StatusCode::SEE_OTHER, "{}", top.body);
    assert_eq!(store.unit("ssd-mission").await.unwrap().parent, None);

    // Every change is on the record.
    let actions: Vec<String> = store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.event.actor == "root")
        .map(|entry| entry.event.action)
        .collect();
    for action in [
        "unit.create",
        "unit.parent",
        "unit.member",
        "unit.address",
        "unit.area",
        "unit.area.remove",
        "unit.member.remove",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // A situation nobody answers for is said so; one that is not a situation is refused.
    let store_only = admin
        .post(
            &state,
            "/admin/routing/remove",
            &[("unit", "headquarters"), ("area", "*")],
        )
        .await;
    assert_eq!(store_only.status, StatusCode::SEE_OTHER);
    let nobody = admin.get(&state, "/admin/routing?situation=SSD").await;
    assert!(nobody.body.contains("data-chain=\"\""), "{}", nobody.body);
    assert!(nobody.body.contains("its alerts would warn nobody"));
    let narnia = admin.get(&state, "/admin/routing?situation=Narnia").await;
    assert_eq!(narnia.status, StatusCode::BAD_REQUEST);
    assert!(narnia.body.contains("bad_situation"), "{}", narnia.body);
}

#[tokio::test]
async fn analysts_accept_reject_and_code_indicators_on_a_report_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "amina", Role::Analyst).await;
    let ids = some_reports(
        &state,
        &["Militia armed with rifles near Bor; hate speech on the radio against the Murle"],
    )
    .await;
    let id = ids[0];
    let analyst = Browser::sign_in(&state, "amina").await;
    let inbox = analyst.get(&state, "/reports").await;
    assert!(
        inbox
            .body
            .contains(&format!("href=\"/reports/{id}/indicators\"")),
        "{}",
        inbox.body
    );
    let uri = format!("/reports/{id}/indicators");
    let page = analyst.get(&state, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // What the page suggests is what the assessment service suggests.
    let found = state.assessments.indicators(id, Tlp::Red).await.unwrap();
    assert!(found.suggestions.len() >= 2, "{:?}", found.suggestions);
    for suggestion in &found.suggestions {
        assert!(
            page.body
                .contains(&format!("<tr data-code=\"{}\">", suggestion.code)),
            "{} not offered: {}",
            suggestion.code,
            page.body
        );
    }
    assert!(page.body.contains("No indicator decided on yet"));
    let (accept, reject) = (&found.suggestions[0].code, &found.suggestions[1].code);
    for (code, state_word) in [
        (accept, "accepted"),
        (reject, "rejected"),
        (&"1.1".to_string(), "coded"),
    ] {
        let done = analyst
            .post(&state, &uri, &[("code", code), ("state", state_word)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{code}: {}", done.body);
        assert_eq!(done.location(), uri);
    }
    let codings = store.report_codings(id).await.unwrap();
    let decided: Vec<(&str, &str, &str)> = codings
        .iter()
        .map(|c| (c.code.as_str(), c.state.as_str(), c.actor.as_str()))
        .collect();
    for expected in [
        (accept.as_str(), "accepted", "amina"),
        (reject.as_str(), "rejected", "amina"),
        ("1.1", "coded", "amina"),
    ] {
        assert!(decided.contains(&expected), "{expected:?} in {decided:?}");
    }
    let page = analyst.get(&state, &uri).await;
    assert!(
        !page.body.contains(&format!("<tr data-code=\"{accept}\">")),
        "a decided suggestion is not offered again"
    );
    assert!(page.body.contains(&format!(
        "<tr data-code=\"{reject}\" data-state=\"rejected\">"
    )));
    assert!(page
        .body
        .contains("<tr data-code=\"1.1\" data-state=\"coded\">"));

    // Refused: an indicator the catalogue lacks, a suggestion posing as a decision, a
    // report that is not there.
    let unknown = analyst
        .post(&state, &uri, &[("code", "99.9"), ("state", "coded")])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("unknown_indicator"),
        "{}",
        unknown.body
    );
    let suggested = analyst
        .post(&state, &uri, &[("code", "1.2"), ("state", "suggested")])
        .await;
    assert_eq!(suggested.status, StatusCode::BAD_REQUEST);
    assert!(suggested.body.contains("bad_state"));
    let missing = analyst
        .post(
            &state,
            "/reports/9999/indicators",
            &[("code", "1.1"), ("state", "coded")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(store.report_codings(id).await.unwrap().len(), 3);
}

#[tokio::test]
async fn those_warned_read_an_alert_and_record_decisions_linked_to_a_measure() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "fp", Role::FocalPoint).await;
    add_user(&store, "mo", Role::Monitor).await;
    add_user(&store, "ops", Role::Monitor).await;
    let now = OffsetDateTime::now_utc();
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
    for member in ["fp", "mo"] {
        state
            .alerts
            .add_member("ssd-mission", member, "root", now)
            .await
            .unwrap();
    }
    let signal = tocsin_alerts::AlertSignal::StageChanged {
        situation: tocsin_domain::SituationId::parse("SSD").unwrap(),
        from: Some(tocsin_domain::Stage::CrisisAndMobilisation),
        to: Some(tocsin_domain::Stage::ImminentEmergency),
        score: 0.9,
        drivers: vec!["11.2 militia mobilising near Yei".into()],
        tlp: Tlp::Amber,
    };
    let id = state.alerts.raise(&signal, now).await.unwrap()[0];
    let measure = tocsin_app::prevention::add_response(
        &store,
        "SSD",
        &tocsin_app::prevention::MeasureInput {
            actor: "Special Adviser".into(),
            organisation: "UN".into(),
            tool: "targeted-sanctions".into(),
            start: "2026-01-10".into(),
            ..Default::default()
        },
        "fp",
        now,
    )
    .await
    .unwrap();

    let congo = tocsin_app::prevention::add_response(
        &store,
        "COD",
        &tocsin_app::prevention::MeasureInput {
            actor: "Special Envoy".into(),
            organisation: "UN".into(),
            tool: "targeted-sanctions".into(),
            start: "2026-01-10".into(),
            ..Default::default()
        },
        "fp",
        now,
    )
    .await
    .unwrap();

    let focal = Browser::sign_in(&state, "fp").await;
    let inbox = focal.get(&state, "/alerts").await;
    assert!(
        inbox
            .body
            .contains(&format!("href=\"/alerts/{id}#decide\"")),
        "{}",
        inbox.body
    );
    let uri = format!("/alerts/{id}");
    let page = focal.get(&state, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("No decision recorded yet"));
    assert!(page.body.contains("11.2 militia mobilising near Yei"));
    // A focal point reads measures, so the form offers the situation's, and no other's.
    assert!(
        page.body
            .contains(&format!("<option value=\"{}\">", measure.record.id)),
        "{}",
        page.body
    );
    assert!(!page
        .body
        .contains(&format!("<option value=\"{}\">", congo.record.id)));
    let decided = focal
        .post(
            &state,
            &format!("{uri}/decisions"),
            &[
                ("decision", "Envoy to Juba this week"),
                ("response", &measure.record.id.to_string()),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    assert_eq!(decided.location(), format!("/alerts/{id}#decisions"));
    let page = focal.get(&state, &uri).await;
    assert!(page.body.contains("Envoy to Juba this week"));
    assert!(
        page.body
            .contains(&format!("— measure #{} ", measure.record.id)),
        "{}",
        page.body
    );
    let record = state
        .alerts
        .show(tocsin_app::Viewer::Operator, id)
        .await
        .unwrap()
        .decisions;
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].decided_by, "fp");
    assert_eq!(record[0].response_id, Some(measure.record.id));

    // A monitor in the unit decides too, but is offered no measures to link.
    let monitor = Browser::sign_in(&state, "mo").await;
    let page = monitor.get(&state, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("name=\"response\""));
    let decided = monitor
        .post(
            &state,
            &format!("{uri}/decisions"),
            &[("decision", "Told the chiefs")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // Refused: an empty decision, a measure that does not exist, someone not warned.
    let empty = focal
        .post(&state, &format!("{uri}/decisions"), &[("decision", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("bad_decision"), "{}", empty.body);
    let no_measure = focal
        .post(
            &state,
            &format!("{uri}/decisions"),
            &[("decision", "x"), ("response", "9999")],
        )
        .await;
    assert_eq!(
        no_measure.status,
        StatusCode::NOT_FOUND,
        "{}",
        no_measure.body
    );
    // Another situation's measure, posted by hand, is refused as the API refuses it.
    let other_situation = focal
        .post(
            &state,
            &format!("{uri}/decisions"),
            &[
                ("decision", "x"),
                ("response", &congo.record.id.to_string()),
            ],
        )
        .await;
    assert_eq!(
        other_situation.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other_situation.body
    );
    assert!(
        other_situation.body.contains("measure_not_for_situation"),
        "{}",
        other_situation.body
    );
    let outsider = Browser::sign_in(&state, "ops").await;
    let refused = outsider.get(&state, &uri).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("not_a_recipient"), "{}", refused.body);
    let refused = outsider
        .post(&state, &format!("{uri}/decisions"), &[("decision", "x")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let record = state
        .alerts
        .show(tocsin_app::Viewer::Operator, id)
        .await
        .unwrap()
        .decisions;
    assert_eq!(record.len(), 2);
}

#[tokio::test]
async fn administrators_rename_and_delete_or_retire_units_from_the_page_with_its_csrf_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let state = state(store.clone());
    add_user(&store, "root", Role::Admin).await;
    add_user(&store, "fp", Role::FocalPoint).await;
    let now = OffsetDateTime::now_utc();
    for (name, parent) in [
        ("hq", None),
        ("ssd-mission", Some("hq")),
        ("spare", Some("hq")),
    ] {
        state
            .alerts
            .create_unit(name, "mission", parent, "root", now)
            .await
            .unwrap();
    }
    state
        .alerts
        .add_area("ssd-mission", "SSD", "root", now)
        .await
        .unwrap();
    state
        .alerts
        .add_member("ssd-mission", "fp", "root", now)
        .await
        .unwrap();
    let signal = tocsin_alerts::AlertSignal::StageChanged {
        situation: tocsin_domain::SituationId::parse("SSD").unwrap(),
        from: Some(tocsin_domain::Stage::CrisisAndMobilisation),
        to: Some(tocsin_domain::Stage::ImminentEmergency),
        score: 0.9,
        drivers: vec!["11.2 militia mobilising near Yei".into()],
        tlp: Tlp::Amber,
    };
    let alert = state.alerts.raise(&signal, now).await.unwrap()[0];

    let admin = Browser::sign_in(&state, "root").await;
    let page = admin.get(&state, "/admin/units").await;
    assert_eq!(page.status, StatusCode::OK);
    for form in [
        "action=\"/admin/units/ssd-mission/rename\"",
        "action=\"/admin/units/ssd-mission/delete\"",
        "name=\"confirm\" value=\"yes\" required",
    ] {
        assert!(page.body.contains(form), "{form}: {}", page.body);
    }

    // Without the session's CSRF token nothing changes.
    for (uri, body) in [
        ("/admin/units/ssd-mission/rename", "name=unmiss"),
        ("/admin/units/spare/delete", "confirm=yes"),
    ] {
        let forged = admin.post_raw(&state, uri, body).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(forged.body.contains("csrf_failed"), "{}", forged.body);
    }
    assert!(store.unit("ssd-mission").await.is_ok());
    assert!(store.unit("spare").await.is_ok());

    // Renaming: a taken name is refused; otherwise the unit and its alert follow.
    let taken = admin
        .post(&state, "/admin/units/ssd-mission/rename", &[("name", "hq")])
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert!(taken.body.contains("unit_name_taken"), "{}", taken.body);
    let renamed = admin
        .post(
            &state,
            "/admin/units/ssd-mission/rename",
            &[("name", "unmiss")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    assert_eq!(renamed.location(), "/admin/units#unit-unmiss");
    let unit = store.unit("unmiss").await.unwrap();
    assert_eq!(
        (unit.parent.as_deref(), unit.members.as_slice()),
        (Some("hq"), ["fp".to_string()].as_slice())
    );
    assert_eq!(
        store.alert(alert).await.unwrap().unit.as_deref(),
        Some("unmiss")
    );

    // Deleting asks for the box to be ticked, and is refused while units report to it.
    let unconfirmed = admin.post(&state, "/admin/units/spare/delete", &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unconfirmed.body.contains("confirm_delete"),
        "{}",
        unconfirmed.body
    );
    let parent = admin
        .post(&state, "/admin/units/hq/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(
        parent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        parent.body
    );
    assert!(parent.body.contains("unit_has_subunits"), "{}", parent.body);
    assert!(parent.body.contains("spare, unmiss"), "{}", parent.body);
    let deleted = admin
        .post(&state, "/admin/units/spare/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(deleted.location(), "/admin/units");
    assert!(store.unit("spare").await.is_err());

    // The mission was sent an alert: it is retired, shown as such, and offered nowhere as a
    // parent or a unit to route to.
    let retired = admin
        .post(&state, "/admin/units/unmiss/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER, "{}", retired.body);
    assert_eq!(retired.location(), "/admin/units#unit-unmiss");
    let page = admin.get(&state, "/admin/units").await;
    assert!(page.body.contains("data-retired=\""), "{}", page.body);
    assert!(page.body.contains("it gets no new alerts"), "{}", page.body);
    assert!(!page.body.contains("action=\"/admin/units/unmiss/delete\""));
    assert!(
        !page.body.contains("<option value=\"unmiss\""),
        "{}",
        page.body
    );
    let routing = admin.get(&state, "/admin/routing").await;
    assert!(
        !routing.body.contains("<option value=\"unmiss\""),
        "{}",
        routing.body
    );
    let member = admin
        .post(&state, "/admin/units/unmiss/members", &[("username", "fp")])
        .await;
    assert_eq!(
        member.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        member.body
    );
    assert!(member.body.contains("unit_retired"), "{}", member.body);
    // Those it warned still find the alert, under the unit's name.
    let focal = Browser::sign_in(&state, "fp").await;
    let shown = focal.get(&state, &format!("/alerts/{alert}")).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown.body.contains("<dt>Sent to</dt><dd>unmiss"),
        "{}",
        shown.body
    );

    let actions: Vec<String> = store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.event.actor == "root")
        .map(|entry| entry.event.action)
        .collect();
    for action in ["unit.rename", "unit.delete", "unit.retire"] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action} in {actions:?}"
        );
    }
}
