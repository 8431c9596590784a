//! The prevention toolbox end to end: `tocsin toolbox`, `lessons`, `recommend` and
//! `responses`, on a real database whose reports carry coded indicators.

use tocsin_domain::{
    Catalogue, Channel, Credibility, Dimension, Role, SituationId, Stage, Tlp, VerificationState,
};
use tocsin_store::{NewReport, PlaceInput, Store, Vault};

use crate::{json, run, Sandbox};

/// Seed 004, Figure 3, cell by cell: (tool id, stage, dimension).
const FIGURE_3: [(&str, u8, &str); 28] = [
    ("targeted-sanctions", 3, "perpetrator"),
    ("threat-of-international-prosecution", 3, "perpetrator"),
    (
        "security-council-resolutions-naming-individuals",
        3,
        "perpetrator",
    ),
    ("breaking-diplomatic-or-economic-ties", 3, "perpetrator"),
    ("opening-borders-to-refugees", 3, "victim"),
    ("no-fly-zones-or-safe-havens", 3, "victim"),
    ("physical-protection-of-camps", 3, "victim"),
    ("strengthening-victims-self-defence", 3, "victim"),
    ("recognising-opposition-groups", 3, "victim"),
    ("supporting-exiles", 3, "victim"),
    ("mediation-and-negotiation", 3, "situation"),
    (
        "satellite-surveillance-and-intelligence-sharing",
        3,
        "situation",
    ),
    ("mobile-communications-technology", 3, "situation"),
    ("radio-jamming", 3, "situation"),
    ("un-broadcasts-alternative-views", 3, "situation"),
    ("emergency-summits", 3, "situation"),
    ("peace-operations", 3, "situation"),
    ("statements-of-concern", 2, "perpetrator"),
    ("travel-advisories", 2, "perpetrator"),
    ("economic-incentives", 2, "perpetrator"),
    ("preventive-deployment", 2, "victim"),
    ("human-rights-monitoring-missions", 2, "victim"),
    ("challenging-dangerous-speech", 2, "victim"),
    ("reducing-weapons-availability", 2, "situation"),
    ("ambassador-recall", 2, "situation"),
    ("increased-ngo-scrutiny", 2, "situation"),
    ("visible-international-engagement", 2, "situation"),
    ("disseminating-norms-and-legal-obligations", 2, "situation"),
];

#[test]
fn every_figure_3_tool_is_listed_at_its_stage_and_dimension() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["toolbox", "list", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let all = json(&stdout);
    let tools = all["tools"].as_array().unwrap();
    for (id, stage, dimension) in FIGURE_3 {
        let tool = tools
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("Figure 3 tool {id} is not listed"));
        assert_eq!(tool["stages"], serde_json::json!([stage]), "{id}");
        assert_eq!(tool["dimensions"], serde_json::json!([dimension]), "{id}");
        assert_eq!(tool["figure3"], true, "{id}");
        assert_eq!(tool["kind"], "targeted", "{id}");
    }
    let marked = tools.iter().filter(|t| t["figure3"] == true).count();
    assert_eq!(marked, FIGURE_3.len(), "only Figure 3's tools are marked");

    // Each cell of the figure, rebuilt from the filters, in the human table too.
    let (code, stdout, _) =
        run(sandbox
            .tocsin()
            .args(["toolbox", "list", "--stage", "3", "--dimension", "victim"]));
    assert_eq!(code, 0);
    for (id, stage, dimension) in FIGURE_3 {
        assert_eq!(
            stdout
                .lines()
                .any(|line| line.starts_with(&format!("{id} "))),
            stage == 3 && dimension == "victim",
            "{id}:\n{stdout}"
        );
    }

    let (code, stdout, _) = run(sandbox.tocsin().args(["toolbox", "show", "radio-jamming"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("rwanda-1994 (withheld"), "{stdout}");
}

#[test]
fn lessons_are_found_by_tool_stage_dimension_and_text() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox.tocsin().args([
        "lessons",
        "--tool",
        "no-fly-zones-or-safe-havens",
        "--stage",
        "3",
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<String> = json(&stdout)["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"srebrenica-1995".to_string()), "{ids:?}");
    let (code, stdout, _) = run(sandbox.tocsin().args(["lessons", "--text", "Kenya Annan"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("kenya-2007-2008"), "{stdout}");
    assert!(stdout.contains("1 case(s)"), "{stdout}");
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_exit_2() {
    let sandbox = Sandbox::create();
    let cases: [(&[&str], &str); 8] = [
        (&["toolbox", "list", "--stage", "4"], "unknown stage \"4\""),
        (
            &["toolbox", "list", "--dimension", "bystander"],
            "unknown dimension",
        ),
        (&["toolbox", "list", "--actor", "army"], "unknown actor"),
        (
            &["toolbox", "show", "radio-jam"],
            "no tool with id \"radio-jam\"",
        ),
        (&["lessons", "--tool", "radio-jam"], "no tool with id"),
        (
            &["recommend", "XYZ", "--stage", "2"],
            "unknown situation \"XYZ\"",
        ),
        (
            &[
                "responses",
                "add",
                "SSD",
                "--actor",
                "a",
                "--organisation",
                "o",
                "--tool",
                "radio-jamming",
                "--start",
                "21/11/2026",
            ],
            "is not a date",
        ),
        (
            &[
                "responses",
                "add",
                "SSD",
                "--actor",
                "a",
                "--organisation",
                "o",
                "--tool",
                "radio-jam",
                "--start",
                "2026-11-21",
            ],
            "no tool with id",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(sandbox.tocsin().args(args));
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // And nothing was recorded by the refused commands.
    let (code, stdout, _) = run(sandbox.tocsin().args(["responses", "list", "SSD"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("no measure recorded"), "{stdout}");
}

#[test]
fn without_evidence_or_a_stage_there_is_nothing_to_recommend() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox.tocsin().args(["recommend", "SSD"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no indicator is coded"), "{stderr}");
    assert!(stderr.contains("--stage"), "{stderr}");
    // Given a stage, the answer says so.
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["recommend", "SSD", "--stage", "1"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("SSD: stage 1 (risk factors) — given"),
        "{stdout}"
    );
}

/// Catalogue codes of stage-3 indicators about victims alone (mass flight, killings sparing no
/// one).
fn stage_3_victim_indicators() -> Vec<String> {
    Catalogue::embedded()
        .indicators()
        .filter(|(_, i)| {
            i.stages == [Stage::ImminentEmergency] && i.dimensions == [Dimension::Victim]
        })
        .map(|(_, i)| i.code.clone())
        .collect()
}

fn report(n: usize) -> NewReport {
    NewReport {
        channel: Channel::Sms,
        sender: Some(tocsin_domain::Contact::phone(&format!("+21191234560{n}"))),
        text: format!("report {n}: families fleeing, villages surrounded"),
        place: PlaceInput {
            name: Some("Bor".into()),
            point: None,
            situation: Some(SituationId::parse("SSD/jonglei").unwrap()),
            state: "resolved",
        },
        observed_at: None,
        language: Some("en".into()),
        credibility: Credibility::ProbablyTrue,
        tlp: Tlp::Amber,
        external_ref: None,
        details_json: None,
    }
}

/// Three verified reports about South Sudan, coded with stage-3 victim indicators.
async fn code_victim_evidence(url: &str) {
    use sqlx::Executor;
    let store = Store::open(url).await.unwrap();
    let vault = Vault::from_hex(&"17".repeat(32)).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let codes = stage_3_victim_indicators();
    assert!(
        codes.len() >= 2,
        "the catalogue has stage-3 victim indicators"
    );
    sqlx::any::install_default_drivers();
    let raw = sqlx::AnyPool::connect(url).await.unwrap();
    for n in 0..3 {
        let accepted = store.accept(&vault, None, report(n), now).await.unwrap();
        store
            .transition_report(
                accepted.report_id,
                VerificationState::Verified,
                Role::Analyst,
                "analyst-1",
                now,
            )
            .await
            .unwrap();
        for code in &codes[..2] {
            raw.execute(
                format!(
                    "INSERT INTO report_indicators (report_id, code, state, actor, at) \
                     VALUES ({}, '{code}', 'accepted', 'analyst-1', '{}')",
                    accepted.report_id,
                    tocsin_store::timestamp_text(now)
                )
                .as_str(),
            )
            .await
            .unwrap();
        }
    }
    raw.close().await;
    store.close().await;
}

fn tocsin_on(sandbox: &Sandbox, url: &str) -> assert_cmd::Command {
    let mut command = sandbox.tocsin();
    command.env("TOCSIN_DATABASE_URL", url);
    command
}

/// Must-show (b) end to end: the stage and the stressed dimension come from the coded
/// indicators, victim protection ranks above every systemic strategy, with caveats and cases.
fn recommends_victim_protection_from_coded_indicators(url: &str) {
    let sandbox = Sandbox::create();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(code_victim_evidence(url));
    let (code, stdout, stderr) = run(tocsin_on(&sandbox, url).args(["recommend", "SSD", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let answer = json(&stdout);
    let basis = &answer["basis"];
    assert_eq!(basis["stage"], 3);
    assert_eq!(basis["stage_origin"], "indicators");
    assert_eq!(basis["stress_origin"], "indicators");
    assert_eq!(basis["stress"]["victim"], 1.0, "{basis}");
    assert_eq!(basis["evidence"]["reports"], 3);
    let ranked = answer["recommendations"].as_array().unwrap();
    let first_systemic = ranked
        .iter()
        .position(|r| r["tool"]["kind"] == "systemic")
        .expect("systemic tools apply at stage 3 too, or the comparison is vacuous");
    let victim_tools: Vec<usize> = ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r["tool"]["kind"] == "targeted"
                && r["tool"]["dimensions"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!("victim"))
        })
        .map(|(i, _)| i)
        .collect();
    assert!(
        victim_tools.len() >= 6,
        "Figure 3's six victim tools at least"
    );
    assert!(victim_tools.iter().all(|&i| i < first_systemic));
    let top = &ranked[0];
    assert_eq!(top["matched_dimension"], "victim");
    assert!(top["reason"].as_str().unwrap().contains("victim side"));
    let camps = ranked
        .iter()
        .find(|r| r["tool"]["id"] == "physical-protection-of-camps")
        .unwrap();
    assert!(!camps["caveats"].as_array().unwrap().is_empty());
    assert!(!camps["lessons"].as_array().unwrap().is_empty());

    // The human answer says where the stage came from and cites a case.
    let (code, stdout, _) = run(tocsin_on(&sandbox, url).args(["recommend", "SSD"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("SSD: stage 3 (imminent emergency) — from coded indicators"),
        "{stdout}"
    );
    assert!(stdout.contains("caveat: "), "{stdout}");
    assert!(stdout.contains("case: "), "{stdout}");
    // An override wins, and says so.
    let (code, stdout, _) = run(tocsin_on(&sandbox, url).args([
        "recommend",
        "SSD",
        "--stage",
        "2",
        "--dimension",
        "perpetrator",
        "--json",
    ]));
    assert_eq!(code, 0);
    let answer = json(&stdout);
    assert_eq!(answer["basis"]["stage_origin"], "override");
    assert_eq!(answer["basis"]["stage"], 2);
    assert_eq!(
        answer["recommendations"][0]["matched_dimension"],
        "perpetrator"
    );

    // Must-show (c) end to end: the victims are stressed and nobody is acting for them.
    let add = |tool: &str, organisation: &str, status: &str, start: &str, end: Option<&str>| {
        let mut command = tocsin_on(&sandbox, url);
        command.args([
            "responses",
            "add",
            "SSD",
            "--actor",
            "Special Envoy",
            "--organisation",
            organisation,
            "--tool",
            tool,
            "--start",
            start,
            "--status",
            status,
            "--json",
        ]);
        if let Some(end) = end {
            command.args(["--end", end]);
        }
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 0, "{stderr}");
        json(&stdout)["id"].as_i64().unwrap()
    };
    let today = time::OffsetDateTime::now_utc().date();
    let day = |offset: i64| (today + time::Duration::days(offset)).to_string();
    add(
        "mediation-and-negotiation",
        "African Union",
        "under_way",
        &day(-30),
        None,
    );
    let camps = add(
        "physical-protection-of-camps",
        "UNMISS",
        "completed",
        &day(-60),
        Some(&day(-10)),
    );
    add(
        "threat-of-international-prosecution",
        "ICC",
        "planned",
        &day(5),
        None,
    );
    add("negotiated-departure", "IGAD", "planned", &day(7), None);

    let (code, stdout, stderr) =
        run(tocsin_on(&sandbox, url).args(["responses", "board", "SSD", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let board = &json(&stdout)["board"];
    let gaps = board["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["dimension"], "victim");
    assert!(!gaps[0]["suggestions"].as_array().unwrap().is_empty());
    let clashes = board["clashes"].as_array().unwrap();
    assert_eq!(clashes.len(), 1, "{clashes:?}");
    assert_eq!(clashes[0]["kind"], "conflicting_tools");

    let (code, stdout, _) = run(tocsin_on(&sandbox, url).args(["responses", "board", "SSD"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("victim (stress 1.00) — GAP"), "{stdout}");
    assert!(stdout.contains("African Union"), "{stdout}");

    // Restarting the camp protection closes the gap; the change is in the measure's history.
    let (code, _, stderr) = run(tocsin_on(&sandbox, url).args([
        "responses",
        "update",
        &camps.to_string(),
        "--status",
        "under_way",
        "--end",
        "",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) =
        run(tocsin_on(&sandbox, url).args(["responses", "board", "SSD", "--json"]));
    assert!(json(&stdout)["board"]["gaps"]
        .as_array()
        .unwrap()
        .is_empty());
    let (code, stdout, _) =
        run(tocsin_on(&sandbox, url).args(["responses", "history", &camps.to_string(), "--json"]));
    assert_eq!(code, 0);
    let history = json(&stdout);
    let actions: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["response.add", "response.update"]);
    let (code, _, stderr) = run(tocsin_on(&sandbox, url).args(["audit", "verify"]));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn recommendations_and_the_board_follow_the_evidence_on_sqlite() {
    let sandbox = Sandbox::create();
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    recommends_victim_protection_from_coded_indicators(&sandbox.sqlite_url());
}

#[test]
fn recommendations_and_the_board_follow_the_evidence_on_postgres() {
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(crate::fresh_postgres_database("toolbox"));
    recommends_victim_protection_from_coded_indicators(&url);
}
