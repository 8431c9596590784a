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
    let (source, actor, role) = match command {
        SourcesCommand::Reveal {
            source,
            actor,
            role,
        } => (source, actor, role),
        SourcesCommand::Grade {
            source,
            reliability,
            actor,
        } => {
            let source = tocsin_domain::SourceId::parse(&source)?;
            let reliability: tocsin_domain::Reliability = reliability.parse()?;
            let store = super::open_store(settings).await?;
            store
                .grade_source(&source, reliability, &actor, super::now())
                .await?;
            store.close().await;
            emit(
                json,
                &serde_json::json!({ "source": source.as_str(), "reliability": reliability.letter().to_string() }),
                |_| format!("{source}: reliability {}", reliability.letter()),
            )?;
            return Ok(Outcome::Success);
        }
    };
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
        ReportsCommand::Indicators { id } => {
            return super::assess::indicators(settings, id, json).await
        }
        ReportsCommand::Code {
            id,
            code,
            state,
            actor,
        } => return super::assess::code(settings, id, &code, &state, &actor, json).await,
        ReportsCommand::List {
            state,
            situation,
            queue,
            clearance,
            limit,
        } => {
            let mut filter = tocsin_store::ReportFilter::new(clearance.parse()?);
            filter.verification = state.as_deref().map(str::parse).transpose()?;
            filter.situation = situation
                .as_deref()
                .map(tocsin_domain::SituationId::parse)
                .transpose()?;
            filter.place_queue = match queue.as_deref() {
                None => false,
                Some("place") => true,
                Some(other) => anyhow::bail!("unknown queue {other:?}: the one queue is 'place'"),
            };
            filter.limit = limit;
            let store = super::open_store(settings).await?;
            let reports = store.list_reports(&filter).await?;
            store.close().await;
            emit(json, &serde_json::json!({ "reports": reports }), |_| {
                reports
                    .iter()
                    .map(|view| {
                        let r = &view.report;
                        let text: String = r.text.chars().take(60).collect();
                        format!(
                            "{:>7} {:<10} {:<12} {:<10} {}{} {:<16} {}",
                            r.id,
                            r.verification,
                            r.situation.as_deref().unwrap_or("-"),
                            r.place_state,
                            view.source_reliability.as_deref().unwrap_or("-"),
                            r.credibility,
                            r.tlp,
                            text
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            return Ok(Outcome::Success);
        }
        ReportsCommand::Grade {
            id,
            credibility,
            tlp,
            actor,
        } => {
            if credibility.is_none() && tlp.is_none() {
                anyhow::bail!("give --credibility (1-6), --tlp (e.g. TLP:AMBER) or both");
            }
            let grade = tocsin_store::Grade {
                credibility: credibility
                    .map(tocsin_domain::Credibility::try_from)
                    .transpose()?,
                tlp: tlp.as_deref().map(str::parse).transpose()?,
            };
            let store = super::open_store(settings).await?;
            store.grade_report(id, grade, &actor, super::now()).await?;
            let report = store.report(id, Tlp::Red).await?;
            store.close().await;
            emit(json, &report, |v| {
                format!(
                    "report {}: credibility {}, {}",
                    v.report.id, v.report.credibility, v.report.tlp
                )
            })?;
            return Ok(Outcome::Success);
        }
        ReportsCommand::Corroborate {
            id,
            other,
            note,
            actor,
        } => {
            let store = super::open_store(settings).await?;
            store
                .corroborate(id, other, note.as_deref(), &actor, super::now())
                .await?;
            store.close().await;
            emit(
                json,
                &serde_json::json!({ "report": id, "corroborated_by": other }),
                |_| format!("reports {id} and {other} now corroborate each other"),
            )?;
            return Ok(Outcome::Success);
        }
        ReportsCommand::Place {
            id,
            lat,
            lon,
            situation,
            name,
            actor,
        } => {
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                anyhow::bail!("--lat must be within -90..90 and --lon within -180..180");
            }
            let place = tocsin_store::ManualPlace {
                name,
                latitude: lat,
                longitude: lon,
                situation: tocsin_domain::SituationId::parse(&situation)?,
            };
            let store = super::open_store(settings).await?;
            store.place_report(id, &place, &actor, super::now()).await?;
            store.close().await;
            emit(
                json,
                &serde_json::json!({ "report": id, "situation": situation, "latitude": lat, "longitude": lon }),
                |_| format!("report {id} placed at {lat}, {lon} in {situation}"),
            )?;
            return Ok(Outcome::Success);
        }
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
