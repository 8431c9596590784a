//! `tocsin risk backtest|forecast`: the structural risk model on the EWP country-year file.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use tocsin_risk::{BacktestOptions, BacktestReport, ForecastOptions, ModelName};
use tocsin_store::RiskAssessmentMeta;

use crate::cli::RiskCommand;
use crate::config::Settings;
use crate::output::{emit, spinner};
use crate::Outcome;

fn model(name: Option<&str>) -> anyhow::Result<ModelName> {
    match name {
        None => Ok(ModelName::DEFAULT),
        Some(name) => Ok(name.parse()?),
    }
}

/// The land borders of a CShapes file, or none without one.
fn read_borders(path: Option<&Path>) -> anyhow::Result<Vec<tocsin_domain::Border>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| {
        format!("cannot read {name}; `tocsin data fetch cshapes-2-gw` downloads the borders")
    })?;
    Ok(tocsin_ingest::parse_borders(&name, &bytes)?)
}

fn read(path: &Path) -> anyhow::Result<tocsin_ingest::ewp::EwpFile> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    Ok(tocsin_ingest::ewp::parse(&name, &bytes)?)
}

#[derive(Serialize)]
struct Backtested {
    #[serde(flatten)]
    report: BacktestReport,
    seconds: f64,
}

pub async fn run(settings: &Settings, command: RiskCommand, json: bool) -> anyhow::Result<Outcome> {
    match command {
        RiskCommand::Backtest {
            data,
            model: name,
            borders,
        } => {
            let model = model(name.as_deref())?;
            let file = read(&data)?;
            let options = BacktestOptions {
                borders: read_borders(borders.as_deref())?,
                ..BacktestOptions::default()
            };
            let progress = spinner(&format!("backtesting {model}"));
            let started = Instant::now();
            // The model is CPU-bound: keep it off the async workers.
            let rows = file.rows;
            let report =
                tokio::task::spawn_blocking(move || tocsin_risk::backtest(&rows, model, &options))
                    .await??;
            let seconds = started.elapsed().as_secs_f64();
            progress.finish_and_clear();
            emit(json, &Backtested { report, seconds }, |b| {
                let r = &b.report;
                let mut text = format!(
                    "{} ({}), onsets {}-{}: {} onsets\n\
                     caught in top 10: {} ({:.0}%)  top 20: {} ({:.0}%)  top 30: {} ({:.0}%)\n\
                     AUC {:.3}  Brier {:.5}  log loss {:.4}  ({:.1} s)\n\nyear  onsets  top10  top20  top30  AUC\n",
                    r.model, r.model_version, r.first_onset_year, r.last_onset_year, r.onsets,
                    r.caught_10, r.recall_at_10 * 100.0, r.caught_20, r.recall_at_20 * 100.0,
                    r.caught_30, r.recall_at_30 * 100.0, r.auc, r.brier, r.log_loss, b.seconds
                );
                for y in &r.per_year {
                    text.push_str(&format!(
                        "{}  {:>6}  {:>5}  {:>5}  {:>5}  {}\n",
                        y.year,
                        y.onsets,
                        y.caught_10,
                        y.caught_20,
                        y.caught_30,
                        y.auc.map_or_else(|| "-".to_string(), |a| format!("{a:.3}"))
                    ));
                }
                text.push_str("\nreliability (predicted vs observed):\n");
                for bin in &r.reliability {
                    text.push_str(&format!("  {bin:?}\n"));
                }
                if !r.tuned_choices.is_empty() {
                    text.push_str(
                        "\nchosen inside each training window (elastic-net weight, tree depth):\n",
                    );
                    for c in &r.tuned_choices {
                        text.push_str(&format!(
                            "  trained through {}: {}, {}\n",
                            c.last_training_year, c.enet_weight, c.tree_depth
                        ));
                    }
                }
                text.trim_end().to_string()
            })?;
            Ok(Outcome::Success)
        }
        RiskCommand::Forecast {
            data,
            year,
            model: name,
            borders,
        } => {
            let model = model(name.as_deref())?;
            let file = read(&data)?;
            let options = ForecastOptions {
                borders: read_borders(borders.as_deref())?,
                ..ForecastOptions::default()
            };
            let progress = spinner(&format!("forecasting with {model}"));
            let rows = file.rows;
            let forecast = tokio::task::spawn_blocking(move || {
                tocsin_risk::forecast(&rows, model, year, &options)
            })
            .await??;
            let forecast_json = serde_json::to_string(&forecast)?;
            let store = super::open_store(settings).await?;
            let meta = RiskAssessmentMeta {
                id: 0,
                model: forecast.model.to_string(),
                model_version: forecast.model_version.clone(),
                data_file: data.display().to_string(),
                data_sha256: file.sha256.clone(),
                data_year: i64::from(forecast.data_year),
                created_at: String::new(),
                created_by: super::cli_actor(),
            };
            let id = store
                .store_risk_assessment(&meta, &forecast_json, super::now())
                .await?;
            store.close().await;
            progress.finish_and_clear();
            if json {
                let value = serde_json::json!({ "assessment_id": id, "forecast": forecast });
                println!("{value}");
                return Ok(Outcome::Success);
            }
            println!(
                "{} ({}) from {} data, onsets in {}-{}; stored as assessment {id}\n",
                forecast.model,
                forecast.model_version,
                forecast.data_year,
                forecast.onset_years[0],
                forecast.onset_years[1]
            );
            println!("rank  country                          probability  change    drivers");
            for entry in forecast.entries.iter().take(30) {
                let drivers: Vec<String> = entry
                    .drivers
                    .iter()
                    .take(3)
                    .map(|d| format!("{} {:?}", d.predictor, d.direction))
                    .collect();
                println!(
                    "{:>4}  {:<32} {:>10.4}  {:>7}   {}",
                    entry.rank,
                    entry.name,
                    entry.probability,
                    entry
                        .change
                        .map_or_else(|| "-".to_string(), |c| format!("{c:+.4}")),
                    drivers.join(", ")
                );
            }
            Ok(Outcome::Success)
        }
    }
}
