//! `tocsin data fetch --from DIR`: datasets copied from a local mirror and verified.

use crate::{json, run, test_data, Sandbox};

#[test]
fn fetch_from_a_mirror_verifies_and_a_second_run_finds_everything_present() {
    let sandbox = Sandbox::create();
    let dest = sandbox.dir.path().join("datasets");
    let ids = [
        "ewp-prepared-predictors-2024",
        "cap-1-2-schema",
        "gw-states",
    ];
    let fetch = |sandbox: &Sandbox| {
        let mut command = sandbox.tocsin();
        command
            .args(["data", "fetch", "--json", "--from"])
            .arg(test_data())
            .arg("--dest")
            .arg(&dest);
        for id in ids {
            command.args(["--only", id]);
        }
        run(&mut command)
    };
    let (code, stdout, stderr) = fetch(&sandbox);
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["counts"]["fetched"], 3, "{report}");
    let copied = std::fs::read(dest.join("ewp/prepared2024predictors-2025-09-03.csv")).unwrap();
    assert_eq!(copied, std::fs::read(crate::ewp_file()).unwrap());

    let (code, stdout, _) = fetch(&sandbox);
    assert_eq!(code, 0);
    assert_eq!(json(&stdout)["counts"]["already_present"], 3);
}

#[test]
fn an_unknown_dataset_id_is_refused_with_the_known_ones() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["data", "fetch", "--only", "no-such-data"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-data"), "{stderr}");
    assert!(stderr.contains("ewp-prepared-predictors-2024"), "{stderr}");
}

#[test]
fn the_manifest_lists_publisher_licence_and_hash() {
    let sandbox = Sandbox::create();
    let (code, stdout, _) = run(sandbox.tocsin().args(["data", "list", "--json"]));
    assert_eq!(code, 0);
    let list = json(&stdout);
    let ewp = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "ewp-prepared-predictors-2024")
        .unwrap();
    assert!(ewp["url"].as_str().unwrap().starts_with("https://"));
    assert_eq!(ewp["sha256"].as_str().unwrap().len(), 64);
    assert!(!ewp["licence"].as_str().unwrap().is_empty());
}
