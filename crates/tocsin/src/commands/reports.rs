//! `tocsin reports export`: stream reports out, cut to what the audience's clearance allows.

use anyhow::Context;
use serde::Serialize;
use tocsin_app::ExportFormat;
use tocsin_domain::Tlp;

use crate::cli::ReportsCommand;
use crate::config::Settings;
use crate::Outcome;

#[derive(Serialize)]
struct Exported {
    reports: u64,
    clearance: String,
    format: String,
}

pub async fn run(
    settings: &Settings,
    command: ReportsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let ReportsCommand::Export {
        format,
        clearance,
        output,
    } = command;
    let format: ExportFormat = format.parse().map_err(anyhow::Error::msg)?;
    let clearance: Tlp = clearance.parse()?;
    let store = super::open_store(settings).await?;
    let count = match &output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            tocsin_app::export_reports(&store, clearance, format, file).await
        }
        None => {
            tocsin_app::export_reports(&store, clearance, format, std::io::stdout().lock()).await
        }
    }
    .map_err(|error| anyhow::anyhow!("export failed: {error}"))?;
    store.close().await;
    // The data went to the file or stdout; the summary goes to stderr (or as JSON to stdout
    // when the data went to a file).
    let summary = Exported {
        reports: count,
        clearance: clearance.to_string(),
        format: format!("{format:?}").to_lowercase(),
    };
    if json && output.is_some() {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        eprintln!(
            "exported {} reports for an audience cleared for {}",
            summary.reports, summary.clearance
        );
    }
    Ok(Outcome::Success)
}
