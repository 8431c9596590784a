//! `tocsin catalogue`: the built-in indicator catalogue, filters, and a deployment's own file.

use crate::{json, run, Sandbox};

#[test]
fn the_built_in_catalogue_has_fourteen_factors_and_filters_by_stage_and_dimension() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["catalogue", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let all = json(&stdout);
    assert_eq!(all["factors"].as_array().unwrap().len(), 14);
    let total: usize = all["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["indicators"].as_array().unwrap().len())
        .sum();
    assert!(total >= 120, "{total} indicators");

    let (code, stdout, _) = run(sandbox.tocsin().args([
        "catalogue",
        "--json",
        "--stage",
        "3",
        "--dimension",
        "victim",
    ]));
    assert_eq!(code, 0);
    let filtered = json(&stdout);
    let indicators: Vec<&serde_json::Value> = filtered["factors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["indicators"].as_array().unwrap())
        .collect();
    assert!(!indicators.is_empty() && indicators.len() < total);
    for indicator in indicators {
        assert!(indicator["stages"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(3)));
        assert!(indicator["dimensions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("victim")));
    }

    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["catalogue", "--dimension", "bystander"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("perpetrator, victim or situation"),
        "{stderr}"
    );
}

#[test]
fn a_deployment_can_replace_the_catalogue_and_a_broken_one_is_refused() {
    let sandbox = Sandbox::create();
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    let own = sandbox.dir.path().join("catalogue.toml");
    let built_in = include_str!("../../../tocsin-domain/data/catalogue/framework-of-analysis.toml");
    std::fs::write(
        &own,
        built_in.replacen("version = \"2014.1\"", "version = \"2014.1-ngo-x\"", 1),
    )
    .unwrap();
    std::fs::write(
        sandbox.data_dir().join("tocsin.toml"),
        format!("catalogue = {:?}\n", own.display().to_string()),
    )
    .unwrap();
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["catalogue", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["version"], "2014.1-ngo-x");

    std::fs::write(&own, built_in.replacen("stages = [", "stages_typo = [", 1)).unwrap();
    let (code, _, stderr) = run(sandbox.tocsin().arg("catalogue"));
    assert_eq!(code, 2);
    assert!(stderr.contains(&own.display().to_string()), "{stderr}");
}
