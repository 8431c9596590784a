//! Runs the EWP backtest from the command line, for the benchmark in `bench/risk/` and for
//! trying models before the `tocsin risk` CLI is wired up.
//!
//! cargo run --release -p tocsin-risk --example backtest -- \
//!     --data ../shared/data/ewp/prepared2024predictors-2025-09-03.csv --model ewp-enet --json

use std::time::Instant;

use anyhow::{bail, Context};
use tocsin_risk::{BacktestOptions, ModelName};

fn main() -> anyhow::Result<()> {
    let mut data = None;
    let mut model = ModelName::DEFAULT;
    let mut json = false;
    let mut dump = false;
    let mut borders = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next(),
            "--model" => model = args.next().unwrap_or_default().parse()?,
            "--json" => json = true,
            "--borders" => borders = args.next(),
            // Every forecast as CSV, for comparing with R's run line by line.
            "--dump" => dump = true,
            other => bail!(
                "unknown argument {other:?}; use --data FILE [--model NAME] [--borders FILE] \
                 [--json] [--dump]"
            ),
        }
    }
    let data = data.context("--data FILE is required")?;
    let bytes = std::fs::read(&data).with_context(|| format!("cannot read {data}"))?;
    let parsed = tocsin_ingest::ewp::parse(&data, &bytes)?;
    let borders = match borders {
        Some(path) => {
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {path}"))?;
            tocsin_ingest::parse_borders(&path, &bytes)?
        }
        None => Vec::new(),
    };
    let options = BacktestOptions {
        borders,
        ..BacktestOptions::default()
    };
    let started = Instant::now();
    let report = tocsin_risk::backtest(&parsed.rows, model, &options)?;
    let seconds = started.elapsed().as_secs_f64();
    if dump {
        println!("data_year,name,probability,rank");
        for f in &report.forecasts {
            println!("{},{:?},{},{}", f.data_year, f.name, f.probability, f.rank);
        }
        return Ok(());
    }
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["seconds"] = serde_json::json!(seconds);
        println!("{value}");
        return Ok(());
    }
    println!("{}", report.model_version);
    println!(
        "onsets {}  top10 {} ({:.0}%)  top20 {} ({:.0}%)  top30 {} ({:.0}%)  AUC {:.4}  Brier {:.5}  log loss {:.5}  {:.2} s",
        report.onsets,
        report.caught_10,
        100.0 * report.recall_at_10,
        report.caught_20,
        100.0 * report.recall_at_20,
        report.caught_30,
        100.0 * report.recall_at_30,
        report.auc,
        report.brier,
        report.log_loss,
        seconds
    );
    for onset in &report.onset_forecasts {
        println!(
            "  {} {:<28} rank {:>4}  p {:.4}",
            onset.year,
            onset.name,
            onset.rank.map_or("-".into(), |r| r.to_string()),
            onset.probability.unwrap_or(f64::NAN)
        );
    }
    println!("reliability (two-year probability vs two-year outcome):");
    for bin in &report.reliability {
        println!(
            "  [{:.3}, {:.3})  n {:>5}  predicted {:.4}  observed {:.4}",
            bin.lower, bin.upper, bin.forecasts, bin.mean_predicted, bin.observed_rate
        );
    }
    Ok(())
}
