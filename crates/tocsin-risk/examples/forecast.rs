//! Prints a forecast from the command line, until `tocsin risk forecast` is wired up.
//!
//! cargo run --release -p tocsin-risk --example forecast -- \
//!     --data ../shared/data/ewp/prepared2024predictors-2025-09-03.csv --year 2024 [--model NAME] [--json]

use anyhow::{bail, Context};
use tocsin_risk::{ForecastOptions, ModelName};

fn main() -> anyhow::Result<()> {
    let (mut data, mut year, mut model, mut json) = (None, None, ModelName::DEFAULT, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next(),
            "--year" => year = Some(args.next().unwrap_or_default().parse::<i32>()?),
            "--model" => model = args.next().unwrap_or_default().parse()?,
            "--json" => json = true,
            other => bail!(
                "unknown argument {other:?}; use --data FILE --year YEAR [--model NAME] [--json]"
            ),
        }
    }
    let data = data.context("--data FILE is required")?;
    let bytes = std::fs::read(&data).with_context(|| format!("cannot read {data}"))?;
    let parsed = tocsin_ingest::ewp::parse(&data, &bytes)?;
    let year = year
        .or_else(|| parsed.last_year())
        .context("the file has no rows")?;
    let forecast = tocsin_risk::forecast(&parsed.rows, model, year, &ForecastOptions::default())?;
    if json {
        println!("{}", serde_json::to_string(&forecast)?);
        return Ok(());
    }
    println!("{}", forecast.model_version);
    println!(
        "risk of a mass-killing onset in {} or {}, from {} data (trained through {})",
        forecast.onset_years[0],
        forecast.onset_years[1],
        forecast.data_year,
        forecast.trained_through
    );
    for entry in forecast.entries.iter().take(30) {
        let drivers: Vec<String> = entry
            .drivers
            .iter()
            .take(3)
            .map(|d| format!("{} {:+.2}", d.predictor, d.contribution))
            .collect();
        println!(
            "{:>4}  {:<30} {:>6.2}%  {:>+6.2}  {}",
            entry.rank,
            entry.name,
            100.0 * entry.probability,
            100.0 * entry.change.unwrap_or(f64::NAN),
            drivers.join(", ")
        );
    }
    Ok(())
}
