//! The web application end to end in real headless Chromium against a real `tocsin serve` on
//! loopback with a fresh data directory: `web/e2e/flow.mjs` (playwright-core driving Debian's
//! chromium) signs in as a monitor, sends a report from the form, signs in as an analyst,
//! finds the dashboard's world map coloured by the stored forecast and its ranked table,
//! places and verifies it, accepts an indicator the catalogue suggests for it, finds its
//! marker on the situation map, acknowledges an alert sent to their unit and records a
//! decision on it linked to a measure, then signs in as an administrator, checks where
//! alerts about the situation go and renames that unit. Screenshots land in
//! `target/screenshots/`.
//!
//! `scripts/test` installs chromium and the npm packages and sets `TOCSIN_TEST_CHROMIUM=1`;
//! without that variable (a bare `cargo test` on a machine without a browser) this test
//! says it did not run and passes. With it, a missing browser or any failed step fails it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::serve::start_server;
use crate::{ewp_file, run, Sandbox};

const PASSWORD: &str = "correct horse battery";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Stops the server even when the test fails half-way.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn add_user(sandbox: &Sandbox, name: &str, role: &str) {
    let output = sandbox
        .tocsin()
        .args(["users", "add", name, "--role", role, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "could not add {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_report_goes_from_the_monitor_form_to_the_situation_map_in_chromium() {
    if std::env::var_os("TOCSIN_TEST_CHROMIUM").is_none() {
        eprintln!(
            "NOT RUN: set TOCSIN_TEST_CHROMIUM=1 to drive Chromium (scripts/test installs it and does)"
        );
        return;
    }
    let sandbox = Sandbox::create();
    let (code, _, err) = run(sandbox.tocsin().arg("init"));
    assert_eq!(code, 0, "{err}");
    add_user(&sandbox, "mo", "monitor");
    add_user(&sandbox, "amina", "analyst");
    add_user(&sandbox, "root", "admin");
    // An alert for the analyst: their unit answers for South Sudan, whose stage went to 3.
    for args in [
        vec!["units", "add", "ssd-desk", "--kind", "department"],
        vec!["units", "area", "ssd-desk", "SSD"],
        vec!["units", "member", "ssd-desk", "amina"],
    ] {
        let (code, _, err) = run(sandbox.tocsin().args(&args));
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let signal = sandbox.dir.path().join("signal.json");
    std::fs::write(
        &signal,
        r#"{"kind":"stage_changed","situation":"SSD","from":2,"to":3,"score":0.8,"drivers":["11.1 Violence against civilians"],"tlp":"TLP:AMBER"}"#,
    )
    .unwrap();
    let (code, out, err) = run(sandbox.tocsin().args(["alerts", "raise"]).arg(&signal));
    assert_eq!(code, 0, "{out}{err}");
    // A measure under way for South Sudan, for the decision to name.
    let (code, out, err) = run(sandbox.tocsin().args([
        "responses",
        "add",
        "SSD",
        "--actor",
        "Special Adviser on the Prevention of Genocide",
        "--organisation",
        "UN",
        "--tool",
        "targeted-sanctions",
        "--start",
        "2026-01-10",
        "--status",
        "under_way",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    // A stored structural forecast, for the dashboard's world map and ranked table.
    let (code, out, err) = run(sandbox
        .tocsin()
        .args([
            "risk", "forecast", "--model", "ewp-enet", "--year", "2024", "--data",
        ])
        .arg(ewp_file()));
    assert_eq!(code, 0, "{out}{err}");
    // Plain HTTP on loopback: the session cookie cannot be Secure here.
    let (child, address) = start_server(
        Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
            .env("TOCSIN_DATA_DIR", sandbox.data_dir())
            .env_remove("TOCSIN_DATABASE_URL")
            .env_remove("TOCSIN_CONFIG")
            .env("TOCSIN_SECURE_COOKIES", "false")
            .stderr(Stdio::null()),
    );
    let server = Server(child);
    let screenshots = repository().join("target/screenshots");
    // So that only this run's pictures are checked below.
    let _ = std::fs::remove_dir_all(&screenshots);
    let output = Command::new("node")
        .arg(repository().join("web/e2e/flow.mjs"))
        .env("TOCSIN_URL", format!("http://{address}"))
        .env("TOCSIN_E2E_MONITOR", "mo")
        .env("TOCSIN_E2E_ANALYST", "amina")
        .env("TOCSIN_E2E_ADMIN", "root")
        .env("TOCSIN_E2E_PASSWORD", PASSWORD)
        .env("TOCSIN_E2E_SCREENSHOTS", &screenshots)
        .output()
        .expect("node runs (scripts/test installs the npm packages with npm ci --prefix web)");
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser flow failed (screenshots in {}):\n{stdout}\n{stderr}",
        screenshots.display()
    );
    assert!(stdout.contains("e2e ok: report 1 sent, placed, verified and on the map"));
    assert!(stdout.contains("alert acknowledged"), "{stdout}");
    assert!(
        stdout.contains(
            "decision recorded with measure 1; routing to ssd-desk; unit renamed to south-sudan-desk"
        ),
        "{stdout}"
    );
    let (_, listed, _) = run(sandbox.tocsin().args(["alerts", "list", "--json"]));
    assert!(listed.contains("\"acknowledged_by\":\"amina\""), "{listed}");
    // What the browser did is in the store, done by the analyst.
    let (_, shown, _) = run(sandbox.tocsin().args(["alerts", "show", "1", "--json"]));
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let decision = &shown["decisions"][0];
    assert_eq!(decision["decided_by"], "amina", "{shown}");
    assert_eq!(decision["response_id"], 1, "{shown}");
    // The unit was renamed in the browser; the alert sent to it follows.
    assert_eq!(shown["alert"]["unit"], "south-sudan-desk", "{shown}");
    assert!(decision["decision"]
        .as_str()
        .unwrap()
        .starts_with("Send the envoy to Kapoeta"));
    let (_, indicators, _) = run(sandbox
        .tocsin()
        .args(["reports", "indicators", "1", "--json"]));
    let indicators: serde_json::Value = serde_json::from_str(&indicators).unwrap();
    let codings = indicators["codings"].as_array().unwrap();
    assert_eq!(codings.len(), 1, "{indicators}");
    assert_eq!(codings[0]["state"], "accepted");
    assert_eq!(codings[0]["actor"], "amina");
    for shot in [
        "1-monitor-form",
        "2-monitor-sent",
        "3-analyst-dashboard",
        "4-analyst-inbox",
        "5-analyst-indicators",
        "6-analyst-indicator-accepted",
        "7-analyst-situation-map",
        "8-analyst-alerts",
        "9-analyst-alert-acknowledged",
        "10-analyst-decision-form",
        "10-analyst-decision-form-phone",
        "11-analyst-decision-recorded",
        "12-admin-units",
        "13-admin-routing",
        "14-admin-unit-renamed",
    ] {
        let path = screenshots.join(format!("{shot}.png"));
        let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("no {}", path.display()));
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            path.display()
        );
    }
}
