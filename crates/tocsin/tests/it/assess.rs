//! The stage engine end to end: `tocsin assess` on stored evidence, judgments and triggers
//! (SQLite and PostgreSQL), `tocsin assess backtest` on the real historic data, and bad input.

use tocsin_domain::{Channel, Credibility, Role, SituationId, Tlp, VerificationState};
use tocsin_store::{NewReport, PlaceInput, Store, Vault};

use crate::{json, run, test_data, Sandbox};

/// Three verified reports about Sudan from a usually reliable source, observed days ago.
async fn seed_reports(url: &str, key_file: &std::path::Path) -> Vec<i64> {
    let store = Store::open(url).await.unwrap();
    let key = std::fs::read_to_string(key_file).unwrap();
    let vault = Vault::from_hex(key.trim()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for (n, text) in [
        "RSF militia mobilised and armed in El Fasher",
        "leaflets calling Masalit vermin handed out in the market",
        "trucks of rifles unloaded at the militia camp",
    ]
    .into_iter()
    .enumerate()
    {
        let report = NewReport {
            channel: Channel::Sms,
            sender: Some(tocsin_domain::Contact::phone(&format!("+24990000000{n}"))),
            text: text.to_string(),
            place: PlaceInput {
                name: None,
                point: None,
                situation: Some(SituationId::parse("SDN").unwrap()),
                state: "resolved",
            },
            observed_at: Some(now - time::Duration::days(3)),
            language: Some("en".into()),
            credibility: Credibility::Confirmed,
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
                "ana",
                now,
            )
            .await
            .unwrap();
        store
            .grade_source(
                &accepted.source_id.unwrap(),
                tocsin_domain::Reliability::B,
                "ana",
                now,
            )
            .await
            .unwrap();
        ids.push(accepted.report_id);
    }
    store.close().await;
    ids
}

fn assess_flow(sandbox: &Sandbox, database: &str) {
    let tocsin = || {
        let mut command = sandbox.tocsin();
        command.args(["--database", database]);
        command
    };
    let (code, _, stderr) = run(tocsin().arg("init"));
    assert_eq!(code, 0, "{stderr}");
    let ids = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(seed_reports(
            database,
            &sandbox.data_dir().join("source.key"),
        ));

    // Nothing coded or judged: no elevated concern.
    let (code, stdout, stderr) = run(tocsin().args(["assess", "SDN", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let before = json(&stdout);
    assert_eq!(before["stage"], serde_json::Value::Null);

    // The catalogue suggests; the analyst decides.
    let (code, stdout, stderr) =
        run(tocsin().args(["reports", "indicators", &ids[0].to_string(), "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let found = json(&stdout);
    assert!(
        found["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "7.5"),
        "militia suggests 7.5: {found}"
    );
    for (id, indicator) in [
        (ids[0], "7.5"),
        (ids[1], "7.14"),
        (ids[2], "7.4"),
        (ids[2], "7.5"),
    ] {
        let (code, _, stderr) = run(tocsin().args([
            "reports",
            "code",
            &id.to_string(),
            indicator,
            "--state",
            "accepted",
            "--actor",
            "ana",
        ]));
        assert_eq!(code, 0, "{stderr}");
    }
    let (code, _, stderr) = run(tocsin().args([
        "factors",
        "judge",
        "SDN",
        "RF7",
        "--status",
        "present",
        "--trend",
        "rising",
        "--confidence",
        "high",
        "--report",
        &ids[0].to_string(),
        "--actor",
        "ana",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(tocsin().args([
        "triggers",
        "add",
        "SDN",
        "--kind",
        "anniversary",
        "--name",
        "anniversary of the Geneina massacre",
        "--date",
        "2023-06-14",
        "--yearly",
        "--actor",
        "ana",
    ]));
    assert_eq!(code, 0, "{stderr}");

    // An election five days ahead: the sweep signals it to the alert rules, once.
    let election = (time::OffsetDateTime::now_utc().date() + time::Duration::days(5)).to_string();
    let (code, _, stderr) = run(tocsin().args([
        "triggers",
        "add",
        "SDN",
        "--kind",
        "election",
        "--name",
        "state elections in Darfur",
        "--date",
        &election,
        "--actor",
        "ana",
    ]));
    assert_eq!(code, 0, "{stderr}");

    // The sweep the server runs every hour finds and stores the change, once.
    let (code, stdout, stderr) = run(tocsin().args(["assess", "all", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let changes = json(&stdout);
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["situation"], "SDN");
    assert_eq!(
        (
            changes[0]["from_stage"].as_u64(),
            changes[0]["to_stage"].as_u64()
        ),
        (Some(0), Some(2))
    );
    let (_, stdout, _) = run(tocsin().args(["assess", "all", "--json"]));
    assert_eq!(json(&stdout), serde_json::json!([]));
    // The stage change and the election each raised one alert, and the second sweep none.
    let (code, stdout, stderr) = run(tocsin().args(["alerts", "list", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let listed = stdout.clone();
    assert_eq!(listed.matches("\"stage_changed\"").count(), 1, "{listed}");
    assert_eq!(listed.matches("\"trigger_near\"").count(), 1, "{listed}");

    let (code, stdout, stderr) = run(tocsin().args(["assess", "SDN", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let after = json(&stdout);
    assert_eq!(after["stage"], 2, "{after}");
    assert_eq!(after["stored_change"], serde_json::Value::Null);
    let lines: Vec<&str> = after["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_str().unwrap())
        .collect();
    assert!(
        lines.contains(&"7.5") && lines.contains(&"RF7"),
        "{lines:?}"
    );
    // A yearly trigger is upcoming on its next anniversary.
    let anniversary = after["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "anniversary of the Geneina massacre")
        .expect("the anniversary is upcoming");
    assert!(anniversary["date"].as_str().unwrap().ends_with("-06-14"));

    // Text output names the stage and the drivers; the history holds one change.
    let (_, text, _) = run(tocsin().args(["assess", "SDN"]));
    assert!(text.contains("stage 2 (crisis and mobilisation)"), "{text}");
    assert!(text.contains("RF7"), "{text}");
    let (code, stdout, _) = run(tocsin().args(["assess", "history", "SDN", "--json"]));
    assert_eq!(code, 0);
    let history = json(&stdout);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["snapshot"]["stage"], 2);
    let (_, board, _) = run(tocsin().args(["factors", "show", "SDN"]));
    assert!(
        board.contains("RF7") && board.contains("present (rising, high confidence) by ana"),
        "{board}"
    );

    // Recommendations now rest on the assessed stage.
    let (code, stdout, stderr) = run(tocsin().args(["recommend", "SDN", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let answer = json(&stdout);
    assert_eq!(answer["basis"]["stage"], 2, "{answer}");
    assert_eq!(answer["basis"]["stage_origin"], "assessment");

    // Looking back before the evidence: no elevated concern, and nothing stored.
    let week_ago = (time::OffsetDateTime::now_utc().date() - time::Duration::days(7)).to_string();
    let (code, stdout, stderr) = run(tocsin().args(["assess", "SDN", "--at", &week_ago, "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["stage"], serde_json::Value::Null);
    let (_, stdout, _) = run(tocsin().args(["assess", "history", "SDN", "--json"]));
    assert_eq!(json(&stdout).as_array().unwrap().len(), 1);
}

#[test]
fn assessment_follows_coded_evidence_and_judgments_on_sqlite() {
    let sandbox = Sandbox::create();
    let url = sandbox.sqlite_url();
    assess_flow(&sandbox, &url);
}

#[test]
fn assessment_follows_coded_evidence_and_judgments_on_postgres() {
    let sandbox = Sandbox::create();
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(crate::fresh_postgres_database("assess"));
    assess_flow(&sandbox, &url);
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code_2() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox.tocsin().arg("init"));
    assert_eq!(code, 0, "{stderr}");
    for (args, says) in [
        (vec!["assess", "ZZZ"], "unknown situation \"ZZZ\""),
        (
            vec!["assess", "SDN", "--at", "2026-02-30"],
            "write it as YYYY-MM-DD",
        ),
        (vec!["assess", "SDN", "--at", "1812-06-01"], "out of range"),
        (
            vec![
                "factors", "judge", "SDN", "15", "--status", "present", "--actor", "a",
            ],
            "a risk factor is a number from 1 to 14",
        ),
        (
            vec![
                "factors", "judge", "SDN", "7", "--status", "likely", "--actor", "a",
            ],
            "present, absent or unknown",
        ),
        (
            vec![
                "factors",
                "judge",
                "SDN",
                "7",
                "--status",
                "present",
                "--confidence",
                "total",
                "--actor",
                "a",
            ],
            "low, medium or high",
        ),
        (
            vec![
                "triggers",
                "add",
                "SDN",
                "--kind",
                "festival",
                "--name",
                "x",
                "--date",
                "2027-01-01",
                "--actor",
                "a",
            ],
            "election, anniversary, verdict, decision, coup or other",
        ),
        (
            vec!["reports", "code", "1", "99.9", "--actor", "a"],
            "no indicator \"99.9\"",
        ),
    ] {
        let (code, _, stderr) = run(sandbox.tocsin().args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn historic_triggers_import_once() {
    let sandbox = Sandbox::create();
    let coups = test_data().join("events/cline_coups_2.1.2.csv");
    let violence = test_data().join("events/ucdp_deco_v1_electoral_violence.csv");
    for (kind, file) in [("coups", &coups), ("electoral-violence", &violence)] {
        let (code, stdout, stderr) = run(sandbox
            .tocsin()
            .args(["triggers", "import", kind])
            .arg(file)
            .arg("--json"));
        assert_eq!(code, 0, "{stderr}");
        let first = json(&stdout);
        assert!(first["added"].as_u64().unwrap() > 100, "{first}");
        assert_eq!(first["added"], first["rows"]);
        let (_, stdout, _) = run(sandbox
            .tocsin()
            .args(["triggers", "import", kind])
            .arg(file)
            .arg("--json"));
        assert_eq!(json(&stdout)["added"], 0);
    }
    // Myanmar's February 2021 coup is on its calendar.
    let (_, stdout, _) = run(sandbox.tocsin().args(["triggers", "list", "MMR", "--json"]));
    let calendar = json(&stdout);
    assert!(
        calendar
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["date"] == "2021-02-01" && t["kind"] == "coup"),
        "{calendar}"
    );
}

#[test]
fn the_historic_check_reports_lead_times_and_alarms_without_onset() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["assess", "backtest", "--datasets"])
        .arg(test_data())
        .arg("--json"));
    assert_eq!(code, 0, "{stderr}");
    let check = json(&stdout);
    assert_eq!(check["params_version"], "2026.1");
    let runs = check["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let acled = &runs[0]["report"];
    assert_eq!(acled["from"], "2021-02-01");
    assert!(acled["situations"].as_u64().unwrap() > 150, "{acled}");
    // The EWP onsets of 2021-2024, each with a row.
    let episodes: Vec<&str> = acled["onsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["episode"].as_str().unwrap())
        .collect();
    assert_eq!(episodes, ["mmr2021s1", "bfa2022s1", "sdn2023ns1"]);
    for row in acled["onsets"].as_array().unwrap() {
        for stage in ["stage_2", "stage_3"] {
            assert!(row[stage]["kind"].is_string(), "{row}");
        }
    }
    // Myanmar's onset is dated before the first month ACLED counts are complete.
    assert_eq!(acled["onsets"][0]["stage_2"]["kind"], "onset_before_data");
    // Situations at stage 3 with no onset are listed, each saying whether an episode was
    // under way there.
    let alarms = acled["stage_3_without_onset"].as_array().unwrap();
    let false_alarms = alarms
        .iter()
        .filter(|row| row["episodes_under_way"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(
        acled["stage_3_false_alarms"].as_u64().unwrap() as usize,
        false_alarms
    );
    let syria = &runs[1]["report"];
    assert_eq!(syria["situations"], 1);
    assert_eq!(syria["onsets"][0]["episode"], "syr2011s1");

    // The table for people.
    let (code, text, _) = run(sandbox
        .tocsin()
        .args(["assess", "backtest", "--datasets"])
        .arg(test_data()));
    assert_eq!(code, 0);
    assert!(text.contains("stage 3 with no onset"), "{text}");
    assert!(text.contains("sdn2023ns1"), "{text}");

    // Without the data, a clear error.
    let (code, _, stderr) =
        run(sandbox
            .tocsin()
            .args(["assess", "backtest", "--datasets", "/nonexistent"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("tocsin data fetch downloads it"),
        "{stderr}"
    );
}
