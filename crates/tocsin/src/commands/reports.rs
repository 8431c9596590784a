//! `tocsin reports export`: stream reports out, cut to what the audience's clearance allows.

use anyhow::Context;
use serde::Serialize;
use tocsin_app::ExportFormat;
use tocsin_domain::Tlp;

use crate::cli::{ReportsCommand, SourcesCommand};
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct Exported {
    reports: u64,
    clearance: String,
    format: String,
}

#[derive(Serialize)]
struct Transitioned {
    report: i64,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct Revealed {
    source: String,
    contact: Option<String>,
}

/// `tocsin sources reveal`: refused to every role but the source handler, audited when allowed.
pub async fn sources(
    settings: &Settings,
    command: SourcesCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let SourcesCommand::Reveal {
        source,
        actor,
        role,
    } = command;
    let role: tocsin_domain::Role = role.parse()?;
    let source = tocsin_domain::SourceId::parse(&source)?;
    if !role.may_read_source_identity() {
        anyhow::bail!("the {role} role may not see who a source is; only source_handler may");
    }
    let vault = super::load_vault(settings)?;
    let store = super::open_store(settings).await?;
    let contact = store
        .reveal_contact(&vault, &source, &actor, super::now())
        .await?;
    store.close().await;
    let revealed = Revealed {
        source: source.to_string(),
        contact: contact.map(|c| c.expose().to_string()),
    };
    emit(json, &revealed, |r| {
        format!(
            "{}: {}",
            r.source,
            r.contact.as_deref().unwrap_or("no contact details held")
        )
    })?;
    Ok(Outcome::Success)
}

pub async fn run(
    settings: &Settings,
    command: ReportsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let (format, clearance, output) = match command {
        ReportsCommand::Transition {
            id,
            to,
            actor,
            role,
        } => {
            let to: tocsin_domain::VerificationState = to.parse()?;
            let role: tocsin_domain::Role = role.parse()?;
            let store = super::open_store(settings).await?;
            let from = store
                .transition_report(id, to, role, &actor, super::now())
                .await?;
            store.close().await;
            let result = Transitioned {
                report: id,
                from: from.to_string(),
                to: to.to_string(),
            };
            emit(json, &result, |r| {
                format!("report {}: {} -> {}", r.report, r.from, r.to)
            })?;
            return Ok(Outcome::Success);
        }
        ReportsCommand::Export {
            format,
            clearance,
            output,
        } => (format, clearance, output),
    };
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
