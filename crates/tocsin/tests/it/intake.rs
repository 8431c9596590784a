//! SMS intake end to end through a real server: retried webhooks make one report each, and the
//! sender's phone number is nowhere in clear text, neither in the database files nor the logs.

use std::process::{Command, Stdio};

use crate::serve::{request, start_server, stop_server};
use crate::{test_data, Sandbox};

const TWILIO_PHONE: &str = "+211912345678";
const SMSSYNC_PHONE: &str = "+256772123456";

/// The phone number in the shapes it could take in a file or a log line.
fn shapes(phone: &str) -> Vec<String> {
    let digits = phone.trim_start_matches('+');
    vec![
        phone.to_string(),
        digits.to_string(),
        format!("%2B{digits}"),
        digits[3..].to_string(),
    ]
}

#[test]
fn retried_webhooks_make_one_report_each_and_the_phone_number_stays_sealed() {
    let sandbox = Sandbox::create();
    let log = sandbox.dir.path().join("serve.log");
    let geo = test_data().join("geo/geonames_cities15000.json");
    let (child, address) = start_server(
        Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
            .env("TOCSIN_DATA_DIR", sandbox.data_dir())
            .env_remove("TOCSIN_DATABASE_URL")
            .env("TOCSIN_TWILIO_SECRET", "tw-secret")
            .env("TOCSIN_SMSSYNC_SECRET", "ss-secret")
            .env("TOCSIN_GAZETTEER", &geo)
            // The most talkative logging there is: nothing secret may appear even so.
            .env("TOCSIN_LOG", "trace")
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap())),
    );

    let twilio = format!(
        "ToCountry=SS&From=%2B{}&Body=TOC+P%3A+Juba%3B+S%3A+armed+men+burning+houses%3B+N%3A+30&MessageSid=SM0123456789abcdef&AccountSid=AC1&NumMedia=0",
        TWILIO_PHONE.trim_start_matches('+')
    );
    let smssync = format!(
        "from=%2B{}&message=Soldiers+rounding+up+young+men+near+Kano+market&message_id=4f1a-77&secret=ss-secret&sent_timestamp=1732190000000&device_id=7",
        SMSSYNC_PHONE.trim_start_matches('+')
    );
    for _ in 0..3 {
        let (status, body) = request(
            &address,
            "POST",
            "/api/v1/gateways/twilio?secret=tw-secret",
            "application/x-www-form-urlencoded",
            twilio.as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<Response>"), "{body}");
        let (status, body) = request(
            &address,
            "POST",
            "/api/v1/gateways/smssync",
            "application/x-www-form-urlencoded",
            smssync.as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"success\":true"), "{body}");
    }
    stop_server(child);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (reports, inbox, places) = runtime.block_on(async {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&sandbox.sqlite_url()).await.unwrap();
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
                    .try_get::<i64, _>(0)
                    .unwrap()
            }
        };
        let reports = count("SELECT COUNT(*) FROM reports").await;
        let inbox = count("SELECT SUM(deliveries) FROM inbox").await;
        let places: Vec<(String, Option<String>)> =
            sqlx::query("SELECT place_state, situation_id FROM reports ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|row| {
                    (
                        row.try_get("place_state").unwrap(),
                        row.try_get("situation_id").unwrap(),
                    )
                })
                .collect();
        pool.close().await;
        (reports, inbox, places)
    });
    assert_eq!(
        reports, 2,
        "three deliveries of each message make one report each"
    );
    assert_eq!(inbox, 6, "every delivery is counted in the inbox");
    assert_eq!(
        places[0],
        ("resolved".to_string(), Some("SSD".to_string())),
        "structured place: Juba"
    );
    assert_eq!(
        places[1],
        ("resolved".to_string(), Some("NGA".to_string())),
        "place found in free text: Kano"
    );

    // Every file of the database (main file, WAL, shared memory) and the whole log.
    // SQLite removes the WAL and shared-memory files a moment after the last connection
    // closes; a file that vanishes between listing and reading means the files are read again.
    let read_database_files = || -> std::io::Result<Vec<(String, Vec<u8>)>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(sandbox.data_dir())? {
            let path = entry?.path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tocsin.db")
            {
                files.push((path.display().to_string(), std::fs::read(&path)?));
            }
        }
        Ok(files)
    };
    let database_files = (0..20)
        .find_map(|_| match read_database_files() {
            Ok(files) => Some(files),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            }
            Err(error) => panic!("cannot read the database files: {error}"),
        })
        .expect("the database files stop changing");
    let mut haystacks = vec![("log".to_string(), std::fs::read(&log).unwrap())];
    haystacks.extend(database_files);
    assert!(haystacks.len() >= 2, "the database file was found");
    assert!(haystacks[0].1.len() > 1000, "the trace log is not empty");
    for phone in [TWILIO_PHONE, SMSSYNC_PHONE] {
        for shape in shapes(phone) {
            for (name, bytes) in &haystacks {
                let found = bytes
                    .windows(shape.len())
                    .any(|window| window == shape.as_bytes());
                assert!(!found, "{shape} appears in clear text in {name}");
            }
        }
    }
}

// Crash safety: every report answered 2xx survives the server being killed with SIGKILL.
#[test]
fn reports_answered_2xx_survive_a_sigkill() {
    let sandbox = Sandbox::create();
    let server = |sandbox: &Sandbox| {
        start_server(
            Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
                .env("TOCSIN_DATA_DIR", sandbox.data_dir())
                .env_remove("TOCSIN_DATABASE_URL")
                .stderr(Stdio::null()),
        )
    };
    let token = crate::serve::api_token(&sandbox, "field-app", "monitor");
    let (mut child, address) = server(&sandbox);
    // Four writers send reports as fast as they can; the server is killed while they do.
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let address = address.clone();
            let token = token.clone();
            std::thread::spawn(move || {
                let mut answered = Vec::new();
                for n in 0.. {
                    let body = format!(r#"{{"text": "writer {writer} report {n}: people fleeing the market", "place": {{"lat": 4.85, "lon": 31.6}}}}"#);
                    let Ok(stream) = std::net::TcpStream::connect(&address) else { break };
                    drop(stream);
                    let response = std::panic::catch_unwind(|| {
                        crate::serve::request_with(&address, "POST", "/api/v1/reports", "application/json", Some(&token), body.as_bytes())
                    });
                    match response {
                        Ok((201, text)) => {
                            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                            answered.push(value["report_id"].as_i64().unwrap());
                        }
                        _ => break,
                    }
                }
                answered
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    let answered: Vec<i64> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        answered.len() > 20,
        "the load ran before the kill ({} answered)",
        answered.len()
    );

    // Restart on the same files: every answered report is there.
    let (child, address) = server(&sandbox);
    stop_server(child);
    let _ = address;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stored: std::collections::BTreeSet<i64> = runtime.block_on(async {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&sandbox.sqlite_url()).await.unwrap();
        sqlx::query("SELECT id FROM reports")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<i64, _>("id").unwrap())
            .collect()
    });
    let lost: Vec<&i64> = answered.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} answered reports were lost: {lost:?}",
        lost.len(),
        answered.len()
    );
}

// Verification moves follow the workflow's roles; only a source handler sees who a source is,
// and each look is audited.
#[test]
fn the_workflow_and_source_protection_hold_on_the_command_line() {
    use crate::{json, run};
    let sandbox = Sandbox::create();
    assert_eq!(run(sandbox.tocsin().arg("init")).0, 0);
    // `init` made the source key; the store is driven here with it, as `serve` would.
    let key = std::fs::read_to_string(sandbox.data_dir().join("source.key")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sandbox.data_dir().join("source.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "only the owner may read the source key"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let source = runtime.block_on(async {
        let store = tocsin_store::Store::open(&sandbox.sqlite_url())
            .await
            .unwrap();
        let vault = tocsin_store::Vault::from_hex(&key).unwrap();
        let report = tocsin_store::NewReport {
            channel: tocsin_domain::Channel::Sms,
            sender: Some(tocsin_domain::Contact::phone(TWILIO_PHONE)),
            text: "trucks of armed men heading north".into(),
            place: tocsin_store::PlaceInput {
                name: None,
                point: None,
                situation: None,
                state: "none",
            },
            observed_at: None,
            language: None,
            credibility: tocsin_domain::Credibility::CannotBeJudged,
            tlp: tocsin_domain::Tlp::AmberStrict,
            external_ref: None,
            details_json: None,
        };
        let accepted = store
            .accept(&vault, None, report, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        store.close().await;
        accepted.source_id.unwrap().to_string()
    });

    let (code, _, stderr) = run(sandbox.tocsin().args([
        "reports",
        "transition",
        "1",
        "--to",
        "verified",
        "--actor",
        "mo",
        "--role",
        "monitor",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("monitor role may not"), "{stderr}");
    let (code, stdout, stderr) = run(sandbox.tocsin().args([
        "reports",
        "transition",
        "1",
        "--to",
        "verified",
        "--actor",
        "amina",
        "--role",
        "analyst",
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["from"], "triage");
    let (code, _, stderr) = run(sandbox.tocsin().args([
        "reports",
        "transition",
        "1",
        "--to",
        "triage",
        "--actor",
        "amina",
        "--role",
        "analyst",
    ]));
    assert_eq!(code, 2, "verified -> triage is no move of the workflow");
    assert!(
        stderr.contains("cannot go from verified to triage"),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(sandbox.tocsin().args([
        "sources", "reveal", &source, "--actor", "amina", "--role", "analyst",
    ]));
    assert_eq!(code, 2);
    assert!(!stdout.contains("912345678") && !stderr.contains("912345678"));
    let (code, stdout, stderr) = run(sandbox.tocsin().args([
        "sources",
        "reveal",
        &source,
        "--actor",
        "hana",
        "--role",
        "source_handler",
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["contact"], TWILIO_PHONE);

    let (code, stdout, _) = run(sandbox.tocsin().args(["audit", "verify", "--json"]));
    assert_eq!(code, 0);
    // receipt, transition, reveal: three entries, chain intact.
    assert_eq!(json(&stdout)["entries"], 3);
}

// A deployment names the languages its reports arrive in; a report's language is detected
// among them, which decides short texts, and a code the detector does not know stops the
// server with a message naming it.
#[test]
fn report_languages_choose_what_a_report_is_detected_as() {
    let sandbox = Sandbox::create();
    let token = crate::serve::api_token(&sandbox, "field-app", "monitor");
    let (child, address) = start_server(
        Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
            .env("TOCSIN_DATA_DIR", sandbox.data_dir())
            .env_remove("TOCSIN_DATABASE_URL")
            .env_remove("TOCSIN_CONFIG")
            .env("TOCSIN_REPORT_LANGUAGES", "en, fr")
            .stderr(Stdio::null()),
    );
    for (text, expected) in [
        ("Tirs près de l'école ce matin", "fr"),
        ("armed men burning houses", "en"),
    ] {
        let body = serde_json::json!({ "text": text }).to_string();
        let (status, answer) = crate::serve::request_with(
            &address,
            "POST",
            "/api/v1/reports",
            "application/json",
            Some(&token),
            body.as_bytes(),
        );
        assert_eq!(status, 201, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["language"], expected, "{text}");
    }
    stop_server(child);

    let output = sandbox
        .tocsin()
        .env("TOCSIN_REPORT_LANGUAGES", "en,xx")
        .env("TOCSIN_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("report_languages") && stderr.contains("\"xx\""),
        "{stderr}"
    );
}
