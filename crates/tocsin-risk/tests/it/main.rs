//! Integration tests on the Early Warning Project's real 2025 data: the figures `ewp-enet` must
//! reproduce, the published forecast it must agree with, what the default model honestly
//! achieves, and the errors bad input gets.
//!
//! The data is read from `TOCSIN_TEST_DATA` (default: `../shared/data` beside the repository).
//! The backtests are the expensive part, so they run once, together, and are shared.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use tocsin_domain::CountryYear;
use tocsin_risk::{
    backtest, backtest_models, forecast, spearman, BacktestOptions, BacktestReport,
    ForecastOptions, ModelName, RiskError,
};

fn data_dir() -> PathBuf {
    std::env::var_os("TOCSIN_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn rows() -> &'static [CountryYear] {
    static ROWS: OnceLock<Vec<CountryYear>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let path = data_dir().join("ewp/prepared2024predictors-2025-09-03.csv");
        let bytes = std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {}: {error}; set TOCSIN_TEST_DATA to the shared data folder",
                path.display()
            )
        });
        tocsin_ingest::ewp::parse("prepared2024predictors-2025-09-03.csv", &bytes)
            .expect("the EWP file parses")
            .rows
    })
}

fn borders() -> Vec<tocsin_domain::Border> {
    let path = data_dir().join("geo/cshapes_2_gw.topojson.xz");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    tocsin_ingest::parse_borders("cshapes_2_gw.topojson.xz", &bytes).expect("the borders parse")
}

fn report(model: ModelName) -> &'static BacktestReport {
    static REPORTS: OnceLock<Vec<BacktestReport>> = OnceLock::new();
    let reports = REPORTS.get_or_init(|| {
        // The models in one run: the default ensemble reuses ewp-enet's fits.
        backtest_models(
            rows(),
            &[
                ModelName::EwpEnet,
                ModelName::DEFAULT,
                ModelName::Tuned,
                ModelName::GbmNeighbours,
            ],
            &BacktestOptions {
                borders: borders(),
                ..BacktestOptions::default()
            },
        )
        .expect("the backtests run")
    });
    reports
        .iter()
        .find(|r| r.model == model)
        .expect("a report for the model")
}

fn summary(report: &BacktestReport) -> String {
    format!(
        "{}: onsets {}, top10 {}, top20 {}, top30 {} (recall {:.3}), AUC {:.4}, Brier {:.5}, log loss {:.5}",
        report.model,
        report.onsets,
        report.caught_10,
        report.caught_20,
        report.caught_30,
        report.recall_at_30,
        report.auc,
        report.brier,
        report.log_loss
    )
}

#[test]
fn ewp_enet_reproduces_the_early_warning_projects_backtest() {
    let report = report(ModelName::EwpEnet);
    println!("{}", summary(report));
    // DOMAIN.md: 39 onsets 1994-2024; 31% / 54% / 69% caught in the top 10/20/30; AUC 0.825.
    assert_eq!(report.onsets, 39);
    assert_eq!(
        (report.first_onset_year, report.last_onset_year),
        (1994, 2024)
    );
    assert!((report.auc - 0.825).abs() <= 0.01, "{}", summary(report));
    assert!(report.caught_30.abs_diff(27) <= 1, "{}", summary(report));
    // It is in fact an exact reproduction (every window's forecasts equal R's to ~1e-13).
    assert_eq!(
        (report.caught_10, report.caught_20, report.caught_30),
        (12, 21, 27)
    );
    assert_eq!(report.per_year.iter().map(|y| y.onsets).sum::<usize>(), 39);
    assert_eq!(
        report
            .reliability
            .iter()
            .map(|b| b.forecasts)
            .sum::<usize>(),
        report
            .forecasts
            .iter()
            .filter(|f| f.data_year + 2 <= 2024)
            .count()
    );
}

#[test]
fn ewp_enet_forecast_agrees_with_the_published_one() {
    let published =
        std::fs::read_to_string(data_dir().join("ewp/final_forecasts_data_3Sep2025.csv"))
            .expect("EWP's published forecast is readable");
    let mut lines = published.lines();
    let header: Vec<String> = split_csv(lines.next().expect("a header"));
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (name, risk, previous) = (
        column("ewp_name"),
        column("risk.2025and2026.from2024"),
        column("risk.2024and2025.from2023"),
    );
    let published: HashMap<String, (f64, f64)> = lines
        .map(split_csv)
        .map(|fields| {
            (
                fields[name].clone(),
                (
                    fields[risk].parse().expect("a risk"),
                    fields[previous].parse().unwrap_or(f64::NAN),
                ),
            )
        })
        .collect();

    let forecast = forecast(
        rows(),
        ModelName::EwpEnet,
        2024,
        &ForecastOptions::default(),
    )
    .expect("the 2024 forecast runs");
    assert_eq!(forecast.entries.len(), published.len());
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ours_before, mut theirs_before) = (Vec::new(), Vec::new());
    for entry in &forecast.entries {
        let (risk, before) = published[&entry.name];
        ours.push(entry.probability);
        theirs.push(risk);
        if let (Some(p), false) = (entry.previous_probability, before.is_nan()) {
            ours_before.push(p);
            theirs_before.push(before);
        }
    }
    let rho = spearman(&ours, &theirs);
    let rho_before = spearman(&ours_before, &theirs_before);
    println!(
        "Spearman vs EWP's published 2024-based forecast: {rho:.6} over {} countries; \
         2023-based: {rho_before:.6} over {}",
        ours.len(),
        ours_before.len()
    );
    assert!(rho >= 0.95, "{rho}");
    assert!(rho_before >= 0.95, "{rho_before}");
    // EWP rounds to 4 significant digits; ours agree to that.
    for (a, b) in ours.iter().zip(&theirs) {
        assert!((a - b).abs() <= 5e-4 * b.abs().max(1e-3), "{a} vs {b}");
    }
    let top = &forecast.entries[0];
    assert_eq!((top.rank, top.name.as_str()), (1, "Burma/Myanmar"));
    assert!(!top.drivers.is_empty());
    assert!(top.previous_rank.is_some());
}

/// Splits one line of R's write.csv output (quoted strings, no embedded quotes).
fn split_csv(line: &str) -> Vec<String> {
    line.split(',')
        .map(|field| field.trim_matches('"').to_string())
        .collect()
}

#[test]
fn the_default_model_beats_ewp_on_ranking_and_is_reported_honestly() {
    let default = report(ModelName::DEFAULT);
    let enet = report(ModelName::EwpEnet);
    println!("{}", summary(default));
    println!("{}", summary(enet));
    for year in &default.per_year {
        println!(
            "  {}  onsets {}  top10 {}  top20 {}  top30 {}",
            year.year, year.onsets, year.caught_10, year.caught_20, year.caught_30
        );
    }
    // What the pre-specified ensemble achieves on the 2025 data (recorded, not tuned):
    // AUC 0.850, 16/23/26 caught in the top 10/20/30. The goal (recall@30 >= 0.80,
    // AUC >= 0.87) is not reached; these assertions guard what is.
    assert_eq!(default.onsets, 39);
    assert!(default.auc >= 0.845, "{}", summary(default));
    assert!(default.auc > enet.auc + 0.02, "{}", summary(default));
    assert!(default.caught_10 >= 15, "{}", summary(default));
    assert!(default.caught_30 >= 25, "{}", summary(default));
    assert!(default.log_loss < enet.log_loss, "{}", summary(default));
}

#[test]
fn a_missing_predictor_column_is_named() {
    let mut broken: Vec<CountryYear> = rows()[..300].to_vec();
    for row in &mut broken {
        row.values.remove("discrimpop");
    }
    let error = backtest(&broken, ModelName::EwpEnet, &BacktestOptions::default()).unwrap_err();
    assert_eq!(
        error,
        RiskError::MissingColumns {
            names: vec!["discrimpop".into()]
        }
    );
    assert!(
        error.to_string().contains("no column discrimpop"),
        "{error}"
    );
}

#[test]
fn an_all_missing_year_is_refused_with_the_reason() {
    let mut broken: Vec<CountryYear> = rows().to_vec();
    for row in broken.iter_mut().filter(|row| row.year == 2024) {
        row.values.insert("gdppcgrowth".into(), None);
    }
    let error = forecast(
        &broken,
        ModelName::EwpEnet,
        2024,
        &ForecastOptions::default(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, RiskError::NoUsableRows { year: 2024, .. }),
        "{message}"
    );
    assert!(message.contains("gdppcgrowth missing in 168"), "{message}");

    let error = forecast(
        rows(),
        ModelName::EwpEnet,
        2031,
        &ForecastOptions::default(),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no rows for it (it covers 1960-2024)"),
        "{error}"
    );
}

#[test]
fn an_unknown_model_lists_the_known_ones() {
    let error = "random-forest".parse::<ModelName>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown model \"random-forest\"; known models: ensemble, ewp-enet, gbm, tuned, gbm-neighbours"
    );
}

#[test]
fn the_tuned_model_is_reported_honestly() {
    let tuned = report(ModelName::Tuned);
    let enet = report(ModelName::EwpEnet);
    println!("{}", summary(tuned));
    // Weight and tree depth chosen inside each window on earlier years only (crate::tuned).
    // Recorded on the 2025 data: 17/23/27 caught in the top 10/20/30, AUC 0.838: better than
    // ewp-enet, below the fixed ensemble's AUC, short of the goal.
    assert_eq!(tuned.onsets, 39);
    assert!(tuned.auc > enet.auc, "{}", summary(tuned));
    assert!(tuned.log_loss < enet.log_loss, "{}", summary(tuned));
    assert!(tuned.caught_10 >= 15, "{}", summary(tuned));
    // Every window's choice is reported, and lies in the grid written down in advance.
    assert_eq!(tuned.tuned_choices.len(), 31);
    for choice in &tuned.tuned_choices {
        println!(
            "  trained through {}: elastic-net weight {}, depth {}",
            choice.last_training_year, choice.enet_weight, choice.tree_depth
        );
        assert!(tocsin_risk::tuned::ENET_WEIGHTS.contains(&choice.enet_weight));
        assert!(tocsin_risk::tuned::DEPTHS.contains(&choice.tree_depth));
    }
    assert!(report(ModelName::EwpEnet).tuned_choices.is_empty());
}

#[test]
fn the_neighbourhood_model_is_reported_honestly() {
    let neighbours = report(ModelName::GbmNeighbours);
    let enet = report(ModelName::EwpEnet);
    println!("{}", summary(neighbours));
    // Written down before its first run (docs/risk-model.md). Recorded on the 2025 data:
    // 19/27/32 caught in the top 10/20/30 (recall@30 0.82, the goal of 0.80 met) and AUC 0.854
    // (the goal of 0.87 not met). These assertions guard what it reached.
    assert_eq!(neighbours.onsets, 39);
    assert!(neighbours.caught_30 >= 32, "{}", summary(neighbours));
    assert!(neighbours.caught_10 >= 18, "{}", summary(neighbours));
    assert!(neighbours.auc >= 0.85, "{}", summary(neighbours));
    assert!(
        neighbours.log_loss < enet.log_loss,
        "{}",
        summary(neighbours)
    );
}

#[test]
fn the_neighbourhood_model_without_borders_is_refused() {
    let error = backtest(
        rows(),
        ModelName::GbmNeighbours,
        &BacktestOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, RiskError::InvalidOption(_)), "{error:?}");
    assert!(error.to_string().contains("borders"), "{error}");
    let error = forecast(
        rows(),
        ModelName::GbmNeighbours,
        2024,
        &ForecastOptions::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("cshapes"), "{error}");
}

#[test]
fn the_neighbourhood_model_names_neighbours_among_the_drivers() {
    let options = ForecastOptions {
        borders: borders(),
        drivers: 46,
        ..ForecastOptions::default()
    };
    let forecast = forecast(rows(), ModelName::GbmNeighbours, 2024, &options).unwrap();
    let sudan = forecast
        .entries
        .iter()
        .find(|e| e.situation.as_str() == "SDN")
        .expect("Sudan is forecast");
    assert!(sudan.probability > 0.0 && sudan.probability < 1.0);
    // Sudan's neighbours in 2024 include South Sudan, Ethiopia and the Central African Republic.
    let driver = sudan
        .drivers
        .iter()
        .find(|d| d.predictor == "neighbours.battledeaths.max")
        .expect("the neighbours' battle deaths are among the drivers");
    assert!(driver.value > 0.0, "{driver:?}");
}
