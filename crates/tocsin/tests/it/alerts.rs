//! Alerts end to end, over real channels: email to an SMTP server (Python's aiosmtpd) and SMS
//! and webhooks to an HTTP server, both started here. Time is a parameter: the tests move it
//! past deadlines instead of sleeping through them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use tocsin_alerts::signature::{verify, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use tocsin_alerts::{AlertSignal, Rules};
use tocsin_app::{Alerts, Assessments, ChannelSettings, RetryPolicy, Viewer};
use tocsin_domain::Catalogue;
use tocsin_domain::{Principal, Role, SituationId, Stage, Tlp};
use tocsin_stage::Params;
use tocsin_store::{NewUser, ResponseFields, Store};

use crate::{json, run, test_data, Sandbox};

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// A real SMTP server that writes each message it accepts to a file in `dir`.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

const SMTP_SCRIPT: &str = r#"
import os, sys
from aiosmtpd.controller import Controller

class Save:
    def __init__(self, folder):
        self.folder, self.count = folder, 0
    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, "%04d.eml" % self.count)
        with open(path + ".part", "wb") as f:
            f.write(("X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write(envelope.content)
        os.rename(path + ".part", path)
        return "250 OK"

controller = Controller(Save(sys.argv[1]), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print(sys.argv[2], flush=True)
sys.stdin.read()
controller.stop()
"#;

impl SmtpServer {
    fn start() -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("smtp.py");
        std::fs::write(&script, SMTP_SCRIPT).unwrap();
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail).unwrap();
        // Debian's python3-aiosmtpd is installed for the system Python.
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        // aiosmtpd connects to its own port to check it is up, so it needs a real one: take a
        // free port from the system and hand it over.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        let mut child = Command::new(python)
            .arg(&script)
            .arg(&mail)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!("the SMTP server did not start (is python3-aiosmtpd installed?): {line:?}")
        });
        SmtpServer { child, port, dir }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, oldest first.
    fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the HTTP receiver was sent.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    answered: StatusCode,
}

/// A real HTTP server standing in for an SMS gateway (`/sms`) and a partner's webhook
/// (`/hook`, which fails its first `failures` calls).
struct HttpReceiver {
    address: std::net::SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl HttpReceiver {
    async fn start(failures: usize) -> HttpReceiver {
        use axum::body::Bytes;
        use axum::extract::{OriginalUri, State};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let handler = |State((log, failures)): State<(Arc<Mutex<Vec<Received>>>, usize)>,
                       OriginalUri(uri): OriginalUri,
                       headers: HeaderMap,
                       body: Bytes| async move {
            let mut log = log.lock().unwrap();
            let path = uri.path().to_string();
            let earlier = log.iter().filter(|r| r.path == path).count();
            let answered = if path == "/hook" && earlier < failures {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            };
            log.push(Received {
                path,
                headers,
                body: body.to_vec(),
                answered,
            });
            answered
        };
        let app = axum::Router::new()
            .route("/sms", axum::routing::post(handler))
            .route("/hook", axum::routing::post(handler))
            .with_state((received.clone(), failures));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        HttpReceiver { address, received }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn received(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

fn xmllint_cap(document: &str) {
    let schema = test_data().join("standards/CAP-v1.2-schema.xsd");
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
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
        "CAP document fails the schema: {}\n{document}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stage_signal(from: Option<u8>, to: Option<u8>) -> AlertSignal {
    AlertSignal::StageChanged {
        situation: SituationId::parse("SSD/yei").unwrap(),
        from: from.map(|s| Stage::try_from(s).unwrap()),
        to: to.map(|s| Stage::try_from(s).unwrap()),
        score: 0.82,
        drivers: vec![
            "7.5 dehumanising broadcasts on local radio".into(),
            "11.2 militia mobilising near Yei".into(),
        ],
        tlp: Tlp::Amber,
    }
}

async fn user(store: &Store, name: &str, role: Role, clearance: Tlp) -> Principal {
    store
        .create_user(
            NewUser {
                username: name,
                role,
                clearance,
                password_hash: None,
            },
            "admin",
            NOW,
        )
        .await
        .unwrap()
        .principal()
}

/// Four verified reports from Yei by completely reliable sources, confirmed, each coded with
/// an indicator of an imminent emergency (11.1 attacks on civilians, 13.4 explosive weapons in
/// populated areas), observed the day before `NOW`.
async fn seed_stage_3_evidence(store: &Store) {
    let vault = tocsin_store::Vault::from_hex(&"42".repeat(32)).unwrap();
    for (n, code) in ["11.1", "11.1", "13.4", "13.4"].into_iter().enumerate() {
        let report = tocsin_store::NewReport {
            channel: tocsin_domain::Channel::Sms,
            sender: Some(tocsin_domain::Contact::phone(&format!("+21192000000{n}"))),
            text: format!("houses burned and shelling in Yei market, report {n}"),
            place: tocsin_store::PlaceInput {
                name: Some("Yei".into()),
                point: Some((4.09, 30.68)),
                situation: Some(SituationId::parse("SSD/yei").unwrap()),
                state: "resolved",
            },
            observed_at: Some(NOW - Duration::days(1)),
            language: Some("en".into()),
            credibility: tocsin_domain::Credibility::Confirmed,
            tlp: Tlp::Amber,
            external_ref: None,
            details_json: None,
        };
        let accepted = store
            .accept(&vault, None, report, NOW - Duration::hours(20))
            .await
            .unwrap();
        store
            .transition_report(
                accepted.report_id,
                tocsin_domain::VerificationState::Verified,
                Role::Analyst,
                "ana",
                NOW - Duration::hours(19),
            )
            .await
            .unwrap();
        store
            .grade_source(
                &accepted.source_id.unwrap(),
                tocsin_domain::Reliability::A,
                "ana",
                NOW - Duration::hours(19),
            )
            .await
            .unwrap();
        store
            .code_indicator(
                accepted.report_id,
                code,
                tocsin_domain::CodingState::Coded,
                "ana",
                NOW - Duration::hours(19),
            )
            .await
            .unwrap();
    }
}

async fn open_store(sandbox: &Sandbox) -> Store {
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    Store::open(&sandbox.sqlite_url()).await.unwrap()
}

fn service(store: &Store, channels: ChannelSettings) -> Alerts {
    Alerts::new(
        store.clone(),
        Arc::new(Rules::embedded()),
        channels,
        RetryPolicy::default(),
    )
    .unwrap()
}

// The end-to-end case: an assessment crosses into stage 3 → alert → email → no
// acknowledgement → escalation → acknowledged → decision → figures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_stage_3_alert_climbs_the_chain_and_the_record_keeps_the_times() {
    let smtp = SmtpServer::start();
    let sandbox = Sandbox::create();
    let store = open_store(&sandbox).await;
    let amina = user(&store, "amina", Role::FocalPoint, Tlp::Amber).await;
    let director = user(&store, "director", Role::FocalPoint, Tlp::AmberStrict).await;
    let outsider = user(&store, "outsider", Role::FocalPoint, Tlp::Amber).await;
    let alerts = service(
        &store,
        ChannelSettings {
            smtp_url: Some(smtp.url()),
            email_from: Some("Tocsin <alerts@tocsin.test>".into()),
            ..ChannelSettings::default()
        },
    );
    alerts
        .create_unit("headquarters", "department", None, "admin", NOW)
        .await
        .unwrap();
    alerts
        .create_unit("ssd-mission", "mission", Some("headquarters"), "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_area("headquarters", "*", "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_area("ssd-mission", "ssd", "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_member("ssd-mission", "amina", "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_member("headquarters", "director", "admin", NOW)
        .await
        .unwrap();
    // The mission's duty desk is a shared mailbox cleared only for TLP:GREEN; headquarters'
    // situation room for TLP:AMBER.
    alerts
        .add_address(
            "ssd-mission",
            "email",
            "desk@mission.test",
            None,
            "admin",
            NOW,
        )
        .await
        .unwrap();
    alerts
        .add_address(
            "headquarters",
            "email",
            "room@hq.test",
            Some(Tlp::Amber),
            "admin",
            NOW,
        )
        .await
        .unwrap();
    let bad = alerts
        .add_address("ssd-mission", "email", "not an address", None, "admin", NOW)
        .await
        .unwrap_err();
    assert_eq!(bad.code, "bad_address");

    // Verified reports from Yei, graded and coded with signs of an imminent emergency: the
    // stage engine's assessment crosses into stage 3, stores the change and raises the alert.
    seed_stage_3_evidence(&store).await;
    let assessments = Assessments::new(
        store.clone(),
        Arc::new(Catalogue::embedded().clone()),
        Params::embedded(),
    )
    .with_alerts(alerts.clone());
    let yei = SituationId::parse("SSD/yei").unwrap();
    let view = assessments
        .assess(&yei, None, Tlp::Red, "tocsin:assessor", NOW)
        .await
        .unwrap();
    assert_eq!(
        view.assessment.stage,
        Some(Stage::ImminentEmergency),
        "{:?}",
        view.assessment.explanation
    );
    assert_eq!(view.stored_change.as_ref().unwrap().to_stage, 3);
    assert_eq!(view.alerts_raised.len(), 1);
    let id = view.alerts_raised[0];
    // Assessing again finds no change, so raises nothing.
    let again = assessments
        .assess(
            &yei,
            None,
            Tlp::Red,
            "tocsin:assessor",
            NOW + Duration::minutes(5),
        )
        .await
        .unwrap();
    assert!(again.stored_change.is_none() && again.alerts_raised.is_empty());
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "the mission desk is emailed at once");
    assert!(mail[0].contains("X-Envelope-To: desk@mission.test"));
    assert!(mail[0].contains(&format!("alert-{id}.delivery-")));
    // Cut to the desk's clearance: the alert's existence, not its content.
    assert!(mail[0].contains("EXTREME alert"), "{}", mail[0]);
    assert!(
        !mail[0].contains("Violence against civilians"),
        "{}",
        mail[0]
    );
    assert!(!mail[0].contains("11.1"), "{}", mail[0]);

    // The flapping assessment: down to 2, back to 3 inside the window. Nobody is told again.
    assert!(alerts
        .raise(&stage_signal(Some(3), Some(2)), NOW + Duration::minutes(20))
        .await
        .unwrap()
        .is_empty());
    assert!(alerts
        .raise(&stage_signal(Some(2), Some(3)), NOW + Duration::minutes(40))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(smtp.messages().len(), 1);

    // No acknowledgement: a minute before the two-hour deadline nothing moves...
    let report = alerts
        .tick(NOW + Duration::hours(2) - Duration::minutes(1))
        .await
        .unwrap();
    assert!(report.escalated.is_empty());
    assert_eq!(smtp.messages().len(), 1);
    // ...at the deadline the alert climbs to headquarters, whose room reads it whole.
    let report = alerts.tick(NOW + Duration::hours(2)).await.unwrap();
    assert_eq!(report.escalated, [(id, 1)]);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2);
    assert!(mail[1].contains("X-Envelope-To: room@hq.test"));
    assert!(mail[1].contains("escalated"), "{}", mail[1]);
    assert!(
        mail[1].contains("11.1 Violence against civilians"),
        "{}",
        mail[1]
    );
    // Another tick sends nothing more.
    alerts
        .tick(NOW + Duration::hours(2) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(smtp.messages().len(), 2);

    // Both warned users have it in their inbox; someone never warned may not acknowledge it.
    let inbox = alerts.inbox(&director).await.unwrap();
    assert_eq!((inbox.len(), inbox[0].cut), (1, false));
    assert_eq!(alerts.inbox(&amina).await.unwrap().len(), 1);
    let refused = alerts
        .acknowledge(
            Viewer::User(&outsider),
            id,
            "outsider",
            NOW + Duration::hours(2),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, "not_a_recipient");

    let acked = alerts
        .acknowledge(
            Viewer::User(&director),
            id,
            &director.username,
            NOW + Duration::minutes(150),
        )
        .await
        .unwrap();
    assert_eq!(acked.state, "acknowledged");
    // Acknowledged: past the next deadline, nothing climbs.
    let report = alerts.tick(NOW + Duration::hours(10)).await.unwrap();
    assert!(report.escalated.is_empty());

    let measure = store
        .add_response(
            &SituationId::parse("SSD").unwrap(),
            &ResponseFields {
                actor: "UNMISS".into(),
                organisation: "United Nations".into(),
                tool_id: "peacekeeping_presence".into(),
                planned_on: None,
                start_on: date!(2026 - 11 - 21),
                end_on: None,
                status: "planned".into(),
                outcome: None,
                notes: None,
            },
            "director",
            NOW + Duration::hours(3),
        )
        .await
        .unwrap();
    alerts
        .decide(
            Viewer::User(&director),
            id,
            &director.username,
            "patrols to Yei market and the road to Morobo",
            Some(measure.id),
            NOW + Duration::hours(3),
        )
        .await
        .unwrap();

    // The figures, as the command line shows them.
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["alerts", "stats", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let stats = json(&stdout);
    let ssd = &stats["by_situation"][0];
    assert_eq!(ssd["key"], "SSD/yei");
    assert_eq!(ssd["alerts"], 1);
    assert_eq!(ssd["escalated"], 1);
    assert_eq!(ssd["to_acknowledgement"]["median_seconds"], 150 * 60);
    assert_eq!(ssd["to_action"]["median_seconds"], 3 * 3600);
    assert_eq!(stats["by_unit"][0]["key"], "ssd-mission");
    let (code, stdout, _) = run(sandbox.tocsin().args(["alerts", "stats"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("to acknowledgement median 150m") && stdout.contains("to action median 3h"),
        "{stdout}"
    );

    let (code, stdout, stderr) = run(sandbox.tocsin().args(["alerts", "show", &id.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("patrols to Yei market")
            && stdout.contains(&format!("measure {}", measure.id))
    );

    // The alert as CAP, checked against the OASIS schema.
    let (code, cap, stderr) = run(sandbox.tocsin().args(["alerts", "cap", &id.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        cap.contains("<urgency>Immediate</urgency>")
            && cap.contains("<severity>Extreme</severity>")
    );
    assert!(
        cap.contains("<areaDesc>yei, South Sudan</areaDesc>"),
        "{cap}"
    );
    xmllint_cap(&cap);
    let (code, _, stderr) = run(sandbox.tocsin().args(["alerts", "cap", "999"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("alert 999 not found"), "{stderr}");
}

// A partner's webhook that fails once is retried with the same delivery id and signature
// scheme, and the alert reaches it exactly once; an unreachable one ends in the dead letters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_once_delivered_and_dead_lettered_when_hopeless() {
    let receiver = HttpReceiver::start(1).await;
    let sandbox = Sandbox::create();
    let store = open_store(&sandbox).await;
    let secret = "partner-shared-secret";
    let alerts = service(
        &store,
        ChannelSettings {
            sms_gateway_url: Some(receiver.url("/sms")),
            sms_gateway_token: Some("gateway-token".into()),
            webhook_secret: Some(secret.into()),
            ..ChannelSettings::default()
        },
    );
    alerts
        .create_unit("partners", "partner", None, "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_area("partners", "SSD", "admin", NOW)
        .await
        .unwrap();
    alerts
        .add_address(
            "partners",
            "webhook",
            &receiver.url("/hook"),
            Some(Tlp::Amber),
            "admin",
            NOW,
        )
        .await
        .unwrap();
    alerts
        .add_address("partners", "sms", "+211 912 000 111", None, "admin", NOW)
        .await
        .unwrap();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    alerts
        .add_address("partners", "webhook", &dead_url, None, "admin", NOW)
        .await
        .unwrap();

    let signal = stage_signal(None, Some(3));
    let id = alerts.raise(&signal, NOW).await.unwrap()[0];
    // A retried signal (the assessment's own retry) is the same alert.
    assert!(alerts.raise(&signal, NOW).await.unwrap().is_empty());

    let sms = receiver.received("/sms");
    assert_eq!(sms.len(), 1);
    let sms_body: serde_json::Value = serde_json::from_slice(&sms[0].body).unwrap();
    assert_eq!(sms_body["to"], "+211912000111");
    assert!(sms_body["message"]
        .as_str()
        .unwrap()
        .contains(&format!("alert {id}")));
    assert!(!sms_body["message"].as_str().unwrap().contains("militia"));
    assert_eq!(sms[0].headers["authorization"], "Bearer gateway-token");

    let hooks = receiver.received("/hook");
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].answered, StatusCode::INTERNAL_SERVER_ERROR);
    // Not due again before the backoff...
    alerts.tick(NOW + Duration::seconds(30)).await.unwrap();
    assert_eq!(receiver.received("/hook").len(), 1);
    // ...retried after it, and accepted.
    alerts.tick(NOW + Duration::minutes(1)).await.unwrap();
    let hooks = receiver.received("/hook");
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1].answered, StatusCode::OK);
    for hook in &hooks {
        let timestamp: i64 = hook.headers[TIMESTAMP_HEADER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let signature = hook.headers[SIGNATURE_HEADER].to_str().unwrap();
        assert!(verify(secret.as_bytes(), timestamp, &hook.body, signature));
        assert!(!verify(b"wrong", timestamp, &hook.body, signature));
    }
    assert_eq!(
        hooks[0].headers[DELIVERY_HEADER], hooks[1].headers[DELIVERY_HEADER],
        "a retry carries the same delivery id"
    );
    let payload: serde_json::Value = serde_json::from_slice(&hooks[1].body).unwrap();
    assert_eq!(payload["alert"], id);
    assert_eq!(payload["headline"], "SSD/yei: stage 3 (imminent emergency)");

    // The unreachable webhook is tried five times with growing gaps, then dead-lettered.
    for minutes in [1, 3, 7, 15, 31, 63] {
        alerts.tick(NOW + Duration::minutes(minutes)).await.unwrap();
    }
    let accepted = receiver
        .received("/hook")
        .iter()
        .filter(|r| r.answered == StatusCode::OK)
        .count();
    assert_eq!(accepted, 1, "the partner got the alert exactly once");
    assert_eq!(receiver.received("/sms").len(), 1);
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["alerts", "dead-letters", "--json"]));
    assert_eq!(code, 1, "dead letters are problems found: {stderr}");
    let dead = json(&stdout);
    assert_eq!(dead.as_array().unwrap().len(), 1);
    assert_eq!(dead[0]["to"], dead_url);
    assert_eq!(dead[0]["attempts"], 5);
    assert!(dead[0]["last_error"].as_str().unwrap().contains("webhook"));

    let (code, cap, _) = run(sandbox.tocsin().args(["alerts", "cap", &id.to_string()]));
    assert_eq!(code, 0);
    xmllint_cap(&cap);
}

// Community members join and leave by SMS keyword through the gateway webhook; broadcasts
// reach them in their language within the daily limit; their numbers are never in clear text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_members_join_by_sms_get_broadcasts_in_their_language_and_stay_sealed() {
    use tocsin_app::{GatewaySecrets, Intake, SmsOutcome};
    use tocsin_ingest::GatewayKind;

    let receiver = HttpReceiver::start(0).await;
    let sandbox = Sandbox::create();
    let store = open_store(&sandbox).await;
    let key = tocsin_store::Vault::generate_key_hex();
    std::fs::write(sandbox.data_dir().join("source.key"), &key).unwrap();
    let vault = tocsin_store::Vault::from_hex(&key).unwrap();
    let intake = Intake::new(
        store.clone(),
        vault,
        None,
        GatewaySecrets {
            twilio: Some("gateway-secret".into()),
            smssync: None,
        },
    );
    let sms = |from: &str, body: &str, sid: &str| {
        format!(
            "From={}&Body={}&MessageSid={sid}",
            from.replace('+', "%2B"),
            body.replace(' ', "+")
        )
    };
    let receive = |payload: String| {
        let intake = intake.clone();
        async move {
            intake
                .receive_sms(
                    GatewayKind::Twilio,
                    Some("gateway-secret"),
                    payload.as_bytes(),
                    NOW,
                )
                .await
                .unwrap()
        }
    };
    let joined = receive(sms("+211912345678", "JIUNGE Yei sw", "SM1")).await;
    assert_eq!(
        joined,
        SmsOutcome::Subscription {
            inbox_id: 1,
            action: "joined",
            area: Some("yei".into())
        }
    );
    // The gateway retries the same message: answered, nothing changes.
    assert!(matches!(
        receive(sms("+211912345678", "JIUNGE Yei sw", "SM1")).await,
        SmsOutcome::Subscription {
            action: "repeated",
            ..
        }
    ));
    receive(sms("+211955500011", "join yei", "SM2")).await;
    receive(sms("+211955500022", "JOIN Juba", "SM3")).await;
    // Reports still arrive as reports, even ones starting with a keyword.
    for (n, text) in [
        "armed men at the market",
        "stop the burning of houses in Yei",
    ]
    .iter()
    .enumerate()
    {
        assert!(matches!(
            receive(sms("+211912345678", text, &format!("SM1{n}"))).await,
            SmsOutcome::Report(_)
        ));
    }

    let broadcast = |template: &str| {
        let mut command = sandbox.tocsin();
        command
            .env("TOCSIN_SMS_GATEWAY_URL", receiver.url("/sms"))
            .args([
                "alerts",
                "broadcast",
                "--area",
                "Yei",
                "--template",
                template,
                "--json",
            ]);
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            !stderr.contains("912345678"),
            "a number reached the log: {stderr}"
        );
        json(&stdout)
    };
    let first = broadcast("militia_approaching");
    assert_eq!(
        (first["recipients"].as_i64(), first["rate_limited"].as_i64()),
        (Some(2), Some(0))
    );
    let sent = receiver.received("/sms");
    assert_eq!(sent.len(), 2);
    let bodies: Vec<serde_json::Value> = sent
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let swahili = bodies.iter().find(|b| b["to"] == "+211912345678").unwrap();
    assert!(swahili["message"]
        .as_str()
        .unwrap()
        .starts_with("Tahadhari ya jamii kwa Yei"));
    let english = bodies.iter().find(|b| b["to"] == "+211955500011").unwrap();
    assert!(english["message"]
        .as_str()
        .unwrap()
        .starts_with("Community alert for Yei"));

    // The daily limit (three) holds: the fourth broadcast of the day reaches nobody.
    broadcast("hate_speech_illegal");
    broadcast("hate_speech_illegal");
    let fourth = broadcast("militia_approaching");
    assert_eq!(
        (
            fourth["recipients"].as_i64(),
            fourth["rate_limited"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(receiver.received("/sms").len(), 6);
    let (code, _, stderr) = run(sandbox.tocsin().args([
        "alerts",
        "broadcast",
        "--area",
        "yei",
        "--template",
        "no_such_template",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("militia_approaching"), "{stderr}");

    assert!(matches!(
        receive(sms("+211912345678", "STOP", "SM9")).await,
        SmsOutcome::Subscription {
            action: "stopped",
            ..
        }
    ));
    let (code, stdout, _) = run(sandbox.tocsin().args(["alerts", "subscribers", "--json"]));
    assert_eq!(code, 0);
    let counts = json(&stdout);
    assert_eq!(counts.as_array().unwrap().len(), 2, "{counts}");
    assert_eq!(counts[1]["area"], "yei");
    assert_eq!(counts[1]["subscribers"], 1);

    // No phone number in clear text anywhere in the database files.
    store.close().await;
    for entry in std::fs::read_dir(sandbox.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("tocsin.db") {
            let bytes = std::fs::read(&path).unwrap();
            for number in ["912345678", "955500011", "955500022"] {
                assert!(
                    !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                    "{number} in clear text in {}",
                    path.display()
                );
            }
        }
    }
}

// The newest stored forecast raises structural-risk alerts above the threshold, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_forecast_raises_structural_risk_alerts_once() {
    let sandbox = Sandbox::create();
    let store = open_store(&sandbox).await;
    let (code, _, stderr) = run(sandbox.tocsin().args(["alerts", "from-forecast"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("tocsin risk forecast"), "{stderr}");
    let forecast = serde_json::json!({
        "entries": [
            { "rank": 1, "situation": "SDN", "probability": 0.12 },
            { "rank": 2, "situation": "MMR", "probability": 0.05 },
            { "rank": 3, "situation": "KEN", "probability": 0.02 },
        ]
    });
    store
        .store_risk_assessment(
            &tocsin_store::RiskAssessmentMeta {
                id: 0,
                model: "ensemble".into(),
                model_version: "test".into(),
                data_file: "predictors.csv".into(),
                data_sha256: "aa".into(),
                data_year: 2024,
                created_at: String::new(),
                created_by: "test".into(),
            },
            &forecast.to_string(),
            NOW,
        )
        .await
        .unwrap();
    let (code, stdout, stderr) =
        run(sandbox
            .tocsin()
            .args(["alerts", "from-forecast", "--threshold", "0.04", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let raised = json(&stdout);
    assert_eq!(raised.as_array().unwrap().len(), 2);
    let (_, stdout, _) =
        run(sandbox
            .tocsin()
            .args(["alerts", "from-forecast", "--threshold", "0.04", "--json"]));
    assert_eq!(
        json(&stdout).as_array().unwrap().len(),
        0,
        "a repeat raises nothing"
    );
    let (_, stdout, _) = run(sandbox.tocsin().args(["alerts", "list", "--json"]));
    let listed = json(&stdout);
    let severities: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["situation"].as_str().unwrap().to_string(),
                a["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        severities.contains(&("SDN".into(), "severe".into())),
        "{severities:?}"
    );
    assert!(
        severities.contains(&("MMR".into(), "moderate".into())),
        "{severities:?}"
    );
    for alert in listed.as_array().unwrap() {
        let (code, cap, _) =
            run(sandbox
                .tocsin()
                .args(["alerts", "cap", &alert["id"].to_string()]));
        assert_eq!(code, 0);
        assert!(cap.contains("<scope>Public</scope>") && cap.contains("<urgency>Future</urgency>"));
        xmllint_cap(&cap);
    }
}

// A verified report coded with an imminent-stage indicator from a well-graded source is a
// flash alert; the same coding from an ungraded source, or a stage-1 indicator, is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_graded_imminent_indicators_on_verified_reports_raise_flash_alerts_once() {
    use sqlx::Executor;
    use tocsin_domain::{Catalogue, Channel, Contact, Credibility, Reliability, VerificationState};
    use tocsin_store::{Grade, NewReport, PlaceInput};

    let sandbox = Sandbox::create();
    let store = open_store(&sandbox).await;
    let vault = tocsin_store::Vault::from_hex(&"5a".repeat(32)).unwrap();
    let now = OffsetDateTime::now_utc();
    let catalogue = Catalogue::embedded();
    let imminent = catalogue
        .indicators()
        .find(|(_, i)| i.stages.contains(&Stage::ImminentEmergency))
        .unwrap()
        .1
        .code
        .clone();
    let structural = catalogue
        .indicators()
        .find(|(_, i)| i.stages == [Stage::RiskFactors])
        .unwrap()
        .1
        .code
        .clone();
    let report = |sender: &str, text: &str| NewReport {
        channel: Channel::Sms,
        sender: Some(Contact::phone(sender)),
        text: text.to_string(),
        place: PlaceInput {
            name: Some("Yei".into()),
            point: None,
            situation: Some(SituationId::parse("SSD").unwrap()),
            state: "resolved",
        },
        observed_at: None,
        language: Some("en".into()),
        credibility: Credibility::CannotBeJudged,
        tlp: Tlp::Amber,
        external_ref: None,
        details_json: None,
    };
    let graded = store
        .accept(
            &vault,
            None,
            report("+211912000001", "houses burning in Yei"),
            now,
        )
        .await
        .unwrap();
    let ungraded = store
        .accept(
            &vault,
            None,
            report("+211912000002", "houses burning near Yei"),
            now,
        )
        .await
        .unwrap();
    store
        .grade_source(
            graded.source_id.as_ref().unwrap(),
            Reliability::B,
            "analyst",
            now,
        )
        .await
        .unwrap();
    for id in [graded.report_id, ungraded.report_id] {
        store
            .grade_report(
                id,
                Grade {
                    credibility: Some(Credibility::ProbablyTrue),
                    tlp: None,
                },
                "analyst",
                now,
            )
            .await
            .unwrap();
        store
            .transition_report(
                id,
                VerificationState::Verified,
                Role::Analyst,
                "analyst",
                now,
            )
            .await
            .unwrap();
    }
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(&sandbox.sqlite_url()).await.unwrap();
    for (report, code) in [
        (graded.report_id, &imminent),
        (graded.report_id, &structural),
        (ungraded.report_id, &imminent),
    ] {
        raw.execute(
            format!(
                "INSERT INTO report_indicators (report_id, code, state, actor, at) \
                 VALUES ({report}, '{code}', 'accepted', 'analyst', '2026-11-21T12:00:00.000000Z')"
            )
            .as_str(),
        )
        .await
        .unwrap();
    }
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["alerts", "from-reports", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let raised = json(&stdout);
    assert_eq!(raised.as_array().unwrap().len(), 1, "{raised}");
    let (_, stdout, _) = run(sandbox.tocsin().args(["alerts", "from-reports", "--json"]));
    assert_eq!(
        json(&stdout).as_array().unwrap().len(),
        0,
        "a repeat raises nothing"
    );
    let id = raised[0].to_string();
    let (_, shown, _) = run(sandbox.tocsin().args(["alerts", "show", &id, "--json"]));
    let shown = json(&shown);
    assert_eq!(shown["alert"]["severity"], "extreme");
    assert_eq!(shown["alert"]["content"]["certainty"], "observed");
    assert_eq!(shown["alert"]["content"]["kind"], "flash_report");
    let (code, cap, _) = run(sandbox.tocsin().args(["alerts", "cap", &id]));
    assert_eq!(code, 0);
    assert!(cap.contains("<certainty>Observed</certainty>"), "{cap}");
    xmllint_cap(&cap);
}

// The chain of command and the response record kept from the command line.
#[test]
fn units_are_set_up_and_alerts_acknowledged_and_decided_from_the_command_line() {
    let sandbox = Sandbox::create();
    let tocsin = |args: &[&str]| run(sandbox.tocsin().args(args));
    let (code, _, stderr) = tocsin(&["users", "add", "amina", "--role", "focal_point"]);
    assert_eq!(code, 0, "{stderr}");
    for args in [
        &["units", "add", "headquarters", "--kind", "department"][..],
        &[
            "units",
            "add",
            "ssd-mission",
            "--kind",
            "mission",
            "--parent",
            "headquarters",
        ],
        &["units", "area", "ssd-mission", "SSD"],
        &["units", "member", "ssd-mission", "amina"],
        &[
            "units",
            "address",
            "ssd-mission",
            "--channel",
            "sms",
            "+211 912 000 111",
        ],
    ] {
        let (code, _, stderr) = tocsin(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (code, _, stderr) = tocsin(&["units", "add", "x", "--kind", "embassy"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("department, mission, partner"), "{stderr}");
    let (code, _, stderr) = tocsin(&["units", "member", "ssd-mission", "nobody"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("user nobody not found"), "{stderr}");
    let (_, stdout, _) = tocsin(&["units", "list", "--json"]);
    let units = json(&stdout);
    let mission = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "ssd-mission")
        .unwrap();
    assert_eq!(mission["parent"], "headquarters");
    assert_eq!(mission["members"][0], "amina");
    assert_eq!(mission["addresses"][0]["address"], "+211912000111");
    assert_eq!(mission["addresses"][0]["clearance"], "TLP:GREEN");

    // Routing as the rule reads it, and the chain changed: a loop is refused.
    let (code, stdout, stderr) = tocsin(&["units", "route", "SSD/yei"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "alerts about SSD/yei go to ssd-mission, then headquarters"
    );
    let (code, _, stderr) = tocsin(&["units", "parent", "headquarters", "ssd-mission"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("alerts would climb in a circle"),
        "{stderr}"
    );
    let (code, _, stderr) = tocsin(&["units", "parent", "headquarters"]);
    assert_eq!(code, 2, "a parent or --top is required: {stderr}");
    let (code, stdout, stderr) = tocsin(&["units", "parent", "ssd-mission", "--top", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["parent"], serde_json::Value::Null);
    let (code, _, stderr) = tocsin(&["units", "parent", "ssd-mission", "headquarters"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = tocsin(&["units", "area", "headquarters", "*"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = tocsin(&["units", "remove-area", "headquarters", "*"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = tocsin(&["units", "remove-area", "headquarters", "*"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not found"), "{stderr}");
    let (_, stdout, _) = tocsin(&["units", "route", "SDN", "--json"]);
    assert_eq!(json(&stdout)["chain"], serde_json::json!([]));

    let signal = serde_json::to_string(&stage_signal(Some(1), Some(2))).unwrap();
    let file = sandbox.dir.path().join("signal.json");
    std::fs::write(&file, signal).unwrap();
    let (code, stdout, stderr) = tocsin(&["alerts", "raise", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let id = json(&stdout)[0].to_string();
    // No SMS gateway is configured: the delivery waits to be retried rather than vanishing.
    let (_, stdout, _) = tocsin(&["alerts", "show", &id, "--json"]);
    let shown = json(&stdout);
    assert_eq!(shown["alert"]["unit"], "ssd-mission");
    let sms = shown["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "sms")
        .unwrap()
        .clone();
    assert_eq!(
        (sms["state"].as_str(), sms["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert!(sms["last_error"]
        .as_str()
        .unwrap()
        .contains("sms_gateway_url"));

    let (code, stdout, stderr) = tocsin(&["alerts", "ack", &id, "--by", "amina", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["acknowledged_by"], "amina");
    let (code, _, stderr) = tocsin(&["alerts", "decide", &id, "  "]);
    assert_eq!(code, 2);
    assert!(stderr.contains("1 to 4000 characters"), "{stderr}");
    let (code, _, stderr) = tocsin(&[
        "alerts",
        "decide",
        &id,
        "convene the mission's protection cluster",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = tocsin(&["alerts", "list", "--state", "acknowledged", "--json"]);
    assert_eq!(json(&stdout).as_array().unwrap().len(), 1);
    let (_, stdout, _) = tocsin(&["alerts", "list", "--state", "open", "--json"]);
    assert_eq!(json(&stdout).as_array().unwrap().len(), 0);
    let (_, stdout, _) = tocsin(&["alerts", "stats", "--json"]);
    assert_eq!(json(&stdout)["by_unit"][0]["to_action"]["count"], 1);
}

#[test]
fn units_are_renamed_and_deleted_or_retired_and_decisions_keep_to_the_situation_from_the_command_line(
) {
    let sandbox = Sandbox::create();
    let tocsin = |args: &[&str]| run(sandbox.tocsin().args(args));
    let (code, _, stderr) = tocsin(&["users", "add", "amina", "--role", "focal_point"]);
    assert_eq!(code, 0, "{stderr}");
    for args in [
        &["units", "add", "hq", "--kind", "department"][..],
        &[
            "units",
            "add",
            "ssd-mission",
            "--kind",
            "mission",
            "--parent",
            "hq",
        ],
        &[
            "units", "add", "spare", "--kind", "partner", "--parent", "hq",
        ],
        &["units", "area", "ssd-mission", "SSD"],
        &["units", "member", "ssd-mission", "amina"],
    ] {
        let (code, _, stderr) = tocsin(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }

    let (code, _, stderr) = tocsin(&["units", "rename", "ssd-mission", "hq"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unit hq already exists"), "{stderr}");
    let (code, stdout, stderr) = tocsin(&["units", "rename", "ssd-mission", "unmiss", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let unit = json(&stdout);
    assert_eq!(
        (&unit["name"], &unit["parent"], &unit["members"]),
        (
            &serde_json::json!("unmiss"),
            &serde_json::json!("hq"),
            &serde_json::json!(["amina"])
        )
    );
    let (code, _, stderr) = tocsin(&["units", "delete", "hq"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unit hq cannot be deleted while spare, unmiss report to it"),
        "{stderr}"
    );
    let (code, stdout, stderr) = tocsin(&["units", "delete", "spare"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "unit spare deleted");

    // An alert goes to the renamed mission; a decision may not name another country's measure.
    let signal = serde_json::to_string(&stage_signal(Some(2), Some(3))).unwrap();
    let file = sandbox.dir.path().join("signal.json");
    std::fs::write(&file, signal).unwrap();
    let (code, stdout, stderr) = tocsin(&["alerts", "raise", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let id = json(&stdout)[0].to_string();
    let mut measures = Vec::new();
    for situation in ["COD", "SSD"] {
        let (code, stdout, stderr) = tocsin(&[
            "responses",
            "add",
            situation,
            "--actor",
            "Special Adviser on the Prevention of Genocide",
            "--organisation",
            "UN",
            "--tool",
            "targeted-sanctions",
            "--start",
            "2026-01-10",
            "--json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        measures.push(json(&stdout)["id"].to_string());
    }
    let (code, _, stderr) = tocsin(&[
        "alerts",
        "decide",
        &id,
        "sanctions",
        "--response",
        &measures[0],
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("may name only a measure recorded for SSD/yei or SSD"),
        "{stderr}"
    );
    let (code, _, stderr) = tocsin(&[
        "alerts",
        "decide",
        &id,
        "sanctions",
        "--response",
        &measures[1],
    ]);
    assert_eq!(code, 0, "{stderr}");

    // Alerts were sent to the mission: deleting it retires it, and it takes no new areas.
    let (code, stdout, stderr) = tocsin(&["units", "delete", "unmiss"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("unit unmiss retired"), "{stdout}");
    let (code, stdout, _) = tocsin(&["units", "list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("unmiss (mission, retired at "), "{stdout}");
    let (code, _, stderr) = tocsin(&["units", "area", "unmiss", "SSD"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unit unmiss was retired"), "{stderr}");
    let (_, stdout, _) = tocsin(&["alerts", "show", &id, "--json"]);
    let shown = json(&stdout);
    assert_eq!(shown["alert"]["unit"], "unmiss");
    assert_eq!(shown["decisions"].as_array().unwrap().len(), 1);
    let (_, stdout, _) = tocsin(&["units", "route", "SSD/yei"]);
    assert_eq!(stdout.trim(), "no unit answers for SSD/yei: its alerts would warn nobody; tocsin units area UNIT SSD/yei (or *) makes one answer");
}
