//! Accounts and the analysts' report commands on the command line: users and tokens, the
//! place queue, grading, corroboration and placing by hand.

use std::process::{Command, Stdio};

use crate::serve::{api_token, request_with, start_server, stop_server};
use crate::{json, run, Sandbox};

#[test]
fn users_are_created_with_argon2_passwords_and_bad_input_exits_2() {
    let sandbox = Sandbox::create();
    let output = sandbox
        .tocsin()
        .args([
            "users",
            "add",
            "amina",
            "--role",
            "analyst",
            "--password-stdin",
            "--json",
        ])
        .write_stdin("a long enough passphrase\n")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let user = json(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(user["role"], "analyst");
    assert_eq!(user["clearance"], "TLP:AMBER+STRICT");
    assert_eq!(user["has_password"], true);
    assert!(user.get("password_hash").is_none());

    for (args, says) in [
        (
            vec!["users", "add", "Amina Ali", "--role", "analyst"],
            "lower-case",
        ),
        (vec!["users", "add", "bo", "--role", "superuser"], "role"),
        (
            vec!["users", "add", "amina", "--role", "monitor"],
            "already exists",
        ),
        (vec!["users", "token", "nobody"], "not found"),
        (
            vec![
                "users",
                "add",
                "cy",
                "--role",
                "analyst",
                "--clearance",
                "TLP:PINK",
            ],
            "TLP",
        ),
    ] {
        let (code, _, err) = run(sandbox.tocsin().args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let (code, out, _) = run(sandbox.tocsin().args(["users", "list", "--json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["users"].as_array().unwrap().len(), 1);
    // The password is nowhere in the database.
    for entry in std::fs::read_dir(sandbox.data_dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(10).any(|w| w == b"a long eno"));
    }
}

#[test]
fn analysts_grade_link_and_place_reports_from_the_command_line() {
    let sandbox = Sandbox::create();
    assert_eq!(run(sandbox.tocsin().arg("init")).0, 0);
    let token = api_token(&sandbox, "field-app", "monitor");
    let (child, address) = start_server(
        Command::new(assert_cmd::cargo::cargo_bin("tocsin"))
            .env("TOCSIN_DATA_DIR", sandbox.data_dir())
            .env_remove("TOCSIN_DATABASE_URL")
            .stderr(Stdio::null()),
    );
    for text in [
        "Roadblock by armed youths at the bridge",
        "Youths with guns stopping cars at the bridge",
    ] {
        let body = format!(
            r#"{{"text": "{text}", "place": {{"lat": 7.05, "lon": 30.3}}, "source": {{"contact": "+211 955 000 111"}}}}"#
        );
        let (status, answer) = request_with(
            &address,
            "POST",
            "/api/v1/reports",
            "application/json",
            Some(&token),
            body.as_bytes(),
        );
        assert_eq!(status, 201, "{answer}");
    }
    stop_server(child);

    let (code, out, err) = run(sandbox
        .tocsin()
        .args(["reports", "list", "--queue", "place", "--json"]));
    assert_eq!(code, 0, "{err}");
    let queue = json(&out)["reports"].as_array().unwrap().clone();
    assert_eq!(queue.len(), 2);
    let (first, second) = (
        queue[1]["id"].as_i64().unwrap(),
        queue[0]["id"].as_i64().unwrap(),
    );
    let source = queue[0]["source"].as_str().unwrap().to_string();

    let actor = ["--actor", "amina"];
    let ok = |args: &[&str]| {
        let (code, out, err) = run(sandbox.tocsin().args(args).args(actor));
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    };
    ok(&[
        "reports",
        "place",
        &first.to_string(),
        "--lat",
        "7.05",
        "--lon",
        "30.3",
        "--situation",
        "SSD",
        "--name",
        "Wau bridge",
    ]);
    ok(&[
        "reports",
        "grade",
        &first.to_string(),
        "--credibility",
        "2",
        "--tlp",
        "TLP:AMBER+STRICT",
    ]);
    ok(&[
        "reports",
        "corroborate",
        &first.to_string(),
        &second.to_string(),
        "--note",
        "same roadblock",
    ]);
    ok(&["sources", "grade", &source, "--reliability", "B"]);

    let (_, out, _) = run(sandbox
        .tocsin()
        .args(["reports", "list", "--queue", "place", "--json"]));
    assert_eq!(json(&out)["reports"].as_array().unwrap().len(), 1);
    let (_, out, _) =
        run(sandbox
            .tocsin()
            .args(["reports", "list", "--situation", "SSD", "--json"]));
    let listed = json(&out)["reports"][0].clone();
    assert_eq!(listed["id"], first);
    assert_eq!(listed["credibility"], 2);
    assert_eq!(listed["source_reliability"], "B");
    assert_eq!(listed["corroborated_by"], serde_json::json!([second]));
    // A TLP:GREEN reader sees neither report (both are AMBER or stricter).
    let (_, out, _) =
        run(sandbox
            .tocsin()
            .args(["reports", "list", "--clearance", "TLP:GREEN", "--json"]));
    assert!(json(&out)["reports"].as_array().unwrap().is_empty());

    for (args, says) in [
        (
            vec!["reports", "grade", "1", "--credibility", "7"],
            "1 (confirmed)",
        ),
        (vec!["reports", "grade", "1"], "--credibility"),
        (vec!["reports", "corroborate", "1", "1"], "itself"),
        (
            vec![
                "reports",
                "place",
                "1",
                "--lat",
                "95",
                "--lon",
                "0",
                "--situation",
                "SSD",
            ],
            "-90..90",
        ),
        (
            vec!["sources", "grade", &source, "--reliability", "G"],
            "A (completely reliable)",
        ),
        (
            vec!["reports", "grade", "999", "--credibility", "3"],
            "not found",
        ),
    ] {
        let (code, _, err) = run(sandbox.tocsin().args(&args).args(actor));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // The audit log holds every change and still verifies.
    assert_eq!(run(sandbox.tocsin().args(["audit", "verify"])).0, 0);
}
