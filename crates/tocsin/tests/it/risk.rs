//! `tocsin risk forecast` stores an assessment; bad input is refused with exit code 2.

use crate::{ewp_file, json, run, test_data, Sandbox};

#[test]
fn a_forecast_is_ranked_explained_and_stored() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args([
            "risk", "forecast", "--model", "ewp-enet", "--year", "2024", "--json", "--data",
        ])
        .arg(ewp_file()));
    assert_eq!(code, 0, "{stderr}");
    let result = json(&stdout);
    assert_eq!(result["assessment_id"], 1);
    let entries = result["forecast"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 168);
    assert_eq!(entries[0]["rank"], 1);
    let top: Vec<&str> = entries
        .iter()
        .take(10)
        .map(|e| e["situation"].as_str().unwrap())
        .collect();
    assert!(top.contains(&"MMR") || top.contains(&"SDN"), "{top:?}");
    assert!(!entries[0]["drivers"].as_array().unwrap().is_empty());
    for entry in entries {
        let p = entry["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (meta, _) = runtime.block_on(async {
        let store = tocsin_store::Store::open(&sandbox.sqlite_url())
            .await
            .unwrap();
        store.latest_risk_assessment().await.unwrap().unwrap()
    });
    assert_eq!(meta.model, "ewp-enet");
    assert_eq!(meta.data_year, 2024);
    assert_eq!(
        meta.data_sha256,
        tocsin_ingest::sha256_hex(&std::fs::read(ewp_file()).unwrap())
    );
}

#[test]
fn bad_model_names_and_files_are_refused() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["risk", "backtest", "--model", "logit9000", "--data"])
        .arg(ewp_file()));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ewp-enet"),
        "the known models are named: {stderr}"
    );
    let broken = sandbox.dir.path().join("broken.csv");
    let text = std::fs::read_to_string(ewp_file()).unwrap().replacen(
        "battledeaths.log2",
        "battle_deaths",
        1,
    );
    std::fs::write(&broken, text).unwrap();
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["risk", "backtest", "--data"])
        .arg(&broken));
    assert_eq!(code, 2);
    assert!(stderr.contains("battledeaths.log2"), "{stderr}");
}

#[test]
fn a_forecast_year_missing_a_predictor_everywhere_is_refused_with_the_reason() {
    let sandbox = Sandbox::create();
    let text = std::fs::read_to_string(ewp_file()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let column = |name: &str| names.iter().position(|n| *n == name).unwrap();
    let (year, growth) = (column("year"), column("gdppcgrowth"));
    let mut broken = String::from(header);
    broken.push('\n');
    for line in lines {
        let mut fields: Vec<&str> = line.split(',').collect();
        if fields[year] == "2024" {
            fields[growth] = "NA";
        }
        broken.push_str(&fields.join(","));
        broken.push('\n');
    }
    let path = sandbox.dir.path().join("no-growth-2024.csv");
    std::fs::write(&path, broken).unwrap();
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args([
            "risk", "forecast", "--model", "ewp-enet", "--year", "2024", "--data",
        ])
        .arg(&path));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("gdppcgrowth missing in 168"), "{stderr}");
}

#[test]
fn the_neighbourhood_model_reads_the_borders_file_and_refuses_to_run_without_one() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["risk", "backtest", "--model", "gbm-neighbours", "--data"])
        .arg(ewp_file()));
    assert_eq!(code, 2);
    assert!(stderr.contains("needs borders"), "{stderr}");
    let missing = sandbox.dir.path().join("nowhere.topojson.xz");
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args([
            "risk",
            "forecast",
            "--model",
            "gbm-neighbours",
            "--year",
            "2024",
        ])
        .arg("--data")
        .arg(ewp_file())
        .arg("--borders")
        .arg(&missing));
    assert_eq!(code, 2);
    assert!(stderr.contains("data fetch cshapes-2-gw"), "{stderr}");

    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args([
            "risk",
            "forecast",
            "--model",
            "gbm-neighbours",
            "--year",
            "2024",
            "--json",
        ])
        .arg("--data")
        .arg(ewp_file())
        .arg("--borders")
        .arg(test_data().join("geo/cshapes_2_gw.topojson.xz")));
    assert_eq!(code, 0, "{stderr}");
    let result = json(&stdout);
    assert_eq!(result["forecast"]["model"], "gbm-neighbours");
    let entries = result["forecast"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 168);
    for entry in entries {
        let p = entry["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
}
