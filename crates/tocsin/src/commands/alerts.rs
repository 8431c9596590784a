//! `tocsin units …` and `tocsin alerts …`: the chain of command alerts climb, and the alerts
//! themselves. Whoever runs these holds the database, so they see every alert whole; the audit
//! log names them as `cli:$USER` unless `--by` names who acted.

use std::io::Read;
use std::sync::Arc;

use anyhow::Context;
use tocsin_alerts::community::Templates;
use tocsin_alerts::stats::{GroupStats, Latency};
use tocsin_alerts::{format_duration, AlertSignal, Rules};
use tocsin_app::alerts::AlertShown;
use tocsin_app::{Alerts, RetryPolicy, Viewer};
use tocsin_domain::{SituationId, Tlp};
use tocsin_store::{AlertFilter, UnitRemoval, UnitRow};

use crate::cli::{AlertsCommand, UnitsCommand};
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

/// The alert rules in force: the deployment's file if configured, else the built-in ones.
pub(crate) fn load_rules(settings: &Settings) -> anyhow::Result<Arc<Rules>> {
    let rules = match &settings.alert_rules {
        None => Rules::embedded(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the alert rules {}", path.display()))?;
            Rules::from_toml(&text).with_context(|| format!("alert rules {}", path.display()))?
        }
    };
    Ok(Arc::new(rules))
}

/// The alert service over the configured database, rules and channels.
pub(crate) async fn service(settings: &Settings) -> anyhow::Result<Alerts> {
    service_over(super::open_store(settings).await?, settings)
}

/// The alert service over an open store, with community broadcasts.
pub(crate) fn service_over(
    store: tocsin_store::Store,
    settings: &Settings,
) -> anyhow::Result<Alerts> {
    let templates = match &settings.community_templates {
        None => Templates::embedded(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the community templates {}", path.display())
            })?;
            Templates::from_toml(&text)
                .with_context(|| format!("community templates {}", path.display()))?
        }
    };
    Ok(Alerts::new(
        store,
        load_rules(settings)?,
        settings.channels.clone(),
        RetryPolicy::default(),
    )?
    .with_community(super::load_vault(settings)?, Arc::new(templates)))
}

pub async fn units(
    settings: &Settings,
    command: UnitsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let alerts = service(settings).await?;
    let actor = super::cli_actor();
    let now = super::now();
    let unit = match command {
        UnitsCommand::List => {
            let units = alerts.units().await?;
            emit(json, &units, |units| {
                if units.is_empty() {
                    return "no units yet: add one with tocsin units add NAME --kind mission"
                        .to_string();
                }
                units.iter().map(unit_text).collect::<Vec<_>>().join("\n")
            })?;
            return Ok(Outcome::Success);
        }
        UnitsCommand::Add { name, kind, parent } => {
            alerts
                .create_unit(&name, &kind, parent.as_deref(), &actor, now)
                .await?
        }
        UnitsCommand::Area { unit, area } => alerts.add_area(&unit, &area, &actor, now).await?,
        UnitsCommand::Member { unit, user } => alerts.add_member(&unit, &user, &actor, now).await?,
        UnitsCommand::Parent { unit, parent, .. } => {
            alerts
                .set_parent(&unit, parent.as_deref(), &actor, now)
                .await?
        }
        UnitsCommand::Rename { unit, new_name } => {
            alerts.rename_unit(&unit, &new_name, &actor, now).await?
        }
        UnitsCommand::Delete { unit } => {
            let removal = alerts.delete_unit(&unit, &actor, now).await?;
            emit(json, &removal, |removal| match removal {
                UnitRemoval::Deleted { unit } => format!("unit {unit} deleted"),
                UnitRemoval::Retired { unit } => format!(
                    "unit {} retired: alerts were sent to it, so it stays in their record; \
                     it gets no new alerts",
                    unit.name
                ),
            })?;
            return Ok(Outcome::Success);
        }
        UnitsCommand::RemoveArea { unit, area } => {
            alerts.remove_area(&unit, &area, &actor, now).await?
        }
        UnitsCommand::RemoveMember { unit, user } => {
            alerts.remove_member(&unit, &user, &actor, now).await?
        }
        UnitsCommand::Route { situation } => {
            let route = alerts.route(&situation).await?;
            emit(json, &route, |route| {
                if route.chain.is_empty() {
                    format!(
                        "no unit answers for {}: its alerts would warn nobody; \
                         tocsin units area UNIT {} (or *) makes one answer",
                        route.situation, route.situation
                    )
                } else {
                    format!(
                        "alerts about {} go to {}",
                        route.situation,
                        route.chain.join(", then ")
                    )
                }
            })?;
            return Ok(Outcome::Success);
        }
        UnitsCommand::Address {
            unit,
            channel,
            address,
            clearance,
        } => {
            let clearance: Option<Tlp> = clearance.as_deref().map(str::parse).transpose()?;
            alerts
                .add_address(&unit, &channel, &address, clearance, &actor, now)
                .await?
        }
    };
    emit(json, &unit, unit_text)?;
    Ok(Outcome::Success)
}

fn unit_text(unit: &UnitRow) -> String {
    let mut text = format!(
        "{} ({}{}{})\n  answers for: {}\n  members: {}",
        unit.name,
        unit.kind,
        unit.retired_at
            .as_ref()
            .map_or(String::new(), |at| format!(", retired at {at}")),
        unit.parent
            .as_ref()
            .map_or(String::new(), |p| format!(", reports to {p}")),
        if unit.areas.is_empty() {
            "nothing yet".to_string()
        } else {
            unit.areas.join(", ")
        },
        if unit.members.is_empty() {
            "none".to_string()
        } else {
            unit.members.join(", ")
        },
    );
    for address in &unit.addresses {
        text.push_str(&format!(
            "\n  {} {} ({})",
            address.channel, address.address, address.clearance
        ));
    }
    text
}

pub async fn alerts(
    settings: &Settings,
    command: AlertsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let alerts = service(settings).await?;
    let actor = super::cli_actor();
    let now = super::now();
    match command {
        AlertsCommand::List {
            situation,
            state,
            limit,
        } => {
            let situation = situation.as_deref().map(SituationId::parse).transpose()?;
            if let Some(state) = state.as_deref() {
                anyhow::ensure!(
                    matches!(state, "open" | "acknowledged"),
                    "unknown state {state:?}: use open or acknowledged"
                );
            }
            let filter = AlertFilter {
                situation,
                state,
                limit: Some(limit),
            };
            let listed = alerts.list(Viewer::Operator, &filter).await?;
            emit(json, &listed, |listed| {
                if listed.is_empty() {
                    return "no alerts".to_string();
                }
                listed.iter().map(alert_line).collect::<Vec<_>>().join("\n")
            })?;
        }
        AlertsCommand::Show { id } => {
            let detail = alerts.show(Viewer::Operator, id).await?;
            emit(json, &detail, |detail| {
                let mut text = alert_line(&detail.alert);
                if let Some(content) = &detail.alert.content {
                    text.push_str(&format!("\n\n{}\n", content.view.description));
                    for item in &content.view.evidence {
                        text.push_str(&format!("  - {item}\n"));
                    }
                }
                text.push_str("\nDeliveries:");
                for d in &detail.deliveries {
                    text.push_str(&format!(
                        "\n  level {} {} {} {} ({}, {} attempt(s){})",
                        d.level,
                        d.unit.as_deref().unwrap_or("-"),
                        d.channel,
                        d.to,
                        d.state,
                        d.attempts,
                        d.last_error
                            .as_ref()
                            .map_or(String::new(), |e| format!(", last error: {e}"))
                    ));
                }
                for decision in &detail.decisions {
                    text.push_str(&format!(
                        "\nDecided {} by {}: {}{}",
                        decision.decided_at,
                        decision.decided_by,
                        decision.decision,
                        decision
                            .response_id
                            .map_or(String::new(), |r| format!(" (measure {r})"))
                    ));
                }
                text
            })?;
        }
        AlertsCommand::Ack { id, by } => {
            let by = by.unwrap_or(actor);
            let shown = alerts.acknowledge(Viewer::Operator, id, &by, now).await?;
            emit(json, &shown, |shown| {
                format!(
                    "alert {} acknowledged by {} at {}",
                    shown.id,
                    shown.acknowledged_by.as_deref().unwrap_or("?"),
                    shown.acknowledged_at.as_deref().unwrap_or("?")
                )
            })?;
        }
        AlertsCommand::Decide {
            id,
            decision,
            response,
            by,
        } => {
            let by = by.unwrap_or(actor);
            let recorded = alerts
                .decide(Viewer::Operator, id, &by, &decision, response, now)
                .await?;
            emit(json, &recorded, |d| {
                format!("decision {} recorded on alert {}", d.id, d.alert_id)
            })?;
        }
        AlertsCommand::Stats => {
            let stats = alerts.stats().await?;
            emit(json, &stats, |stats| {
                let mut text = String::from("By situation\n");
                text.push_str(&stats_table(&stats.by_situation));
                text.push_str("\nBy unit first warned\n");
                text.push_str(&stats_table(&stats.by_unit));
                text
            })?;
        }
        AlertsCommand::Cap { id } => {
            // The document itself is the output, with or without --json.
            print!("{}", alerts.cap(Viewer::Operator, id).await?);
        }
        AlertsCommand::DeadLetters { limit } => {
            let dead = alerts.dead_letters(limit).await?;
            emit(json, &dead, |dead| {
                if dead.is_empty() {
                    return "no dead letters".to_string();
                }
                dead.iter()
                    .map(|d| {
                        format!(
                            "delivery {} of alert {}: {} {} after {} attempt(s): {}",
                            d.id,
                            d.alert_id,
                            d.channel,
                            d.to,
                            d.attempts,
                            d.last_error.as_deref().unwrap_or("?")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            if !dead.is_empty() {
                return Ok(Outcome::ProblemsFound);
            }
        }
        AlertsCommand::Tick => {
            let report = alerts.tick(now).await?;
            emit(json, &report, |r| {
                format!(
                    "{} alert(s) escalated; {} delivery(ies) sent, {} to retry, {} dead-lettered",
                    r.escalated.len(),
                    r.deliveries.sent,
                    r.deliveries.failed,
                    r.deliveries.dead
                )
            })?;
        }
        AlertsCommand::Broadcast { area, template } => {
            let record = alerts.broadcast(&area, &template, &actor, now).await?;
            emit(json, &record, |r| {
                format!(
                    "broadcast {} to {}: {} subscriber(s){}",
                    r.id,
                    r.area,
                    r.recipients,
                    if r.rate_limited > 0 {
                        format!(", {} left out by the daily limit", r.rate_limited)
                    } else {
                        String::new()
                    }
                )
            })?;
        }
        AlertsCommand::Subscribers => {
            let rows = alerts.subscribers().await?;
            let view: Vec<_> = rows
                .iter()
                .map(|(area, language, count)| {
                    serde_json::json!({ "area": area, "language": language, "subscribers": count })
                })
                .collect();
            emit(json, &view, |_| {
                if rows.is_empty() {
                    return "no community subscribers".to_string();
                }
                rows.iter()
                    .map(|(area, language, count)| format!("{area} ({language}): {count}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        AlertsCommand::FromForecast { threshold } => {
            let raised = alerts.raise_from_forecast(threshold, now).await?;
            emit(json, &raised, |raised| {
                format!("{} new structural-risk alert(s)", raised.len())
            })?;
        }
        AlertsCommand::FromReports { days } => {
            anyhow::ensure!(
                (1..=3650).contains(&days),
                "--days {days}: give a number of days from 1 to 3650"
            );
            let catalogue = super::load_catalogue(settings)?;
            let raised = alerts
                .raise_flash_reports(&catalogue, now - time::Duration::days(days), now)
                .await?;
            emit(json, &raised, |raised| {
                format!("{} new flash-report alert(s)", raised.len())
            })?;
        }
        AlertsCommand::Raise { signal } => {
            let text = if signal.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("cannot read the signal from standard input")?;
                text
            } else {
                std::fs::read_to_string(&signal)
                    .with_context(|| format!("cannot read {}", signal.display()))?
            };
            let signal: AlertSignal = serde_json::from_str(&text)
                .context("the signal is not valid JSON of a signal (see docs/alerts.md)")?;
            let raised = alerts.raise(&signal, now).await?;
            emit(json, &raised, |raised| {
                if raised.is_empty() {
                    "no new alert: no rule matched, or the signal repeats an open alert".to_string()
                } else {
                    format!("raised alert {}", raised[0])
                }
            })?;
        }
    }
    Ok(Outcome::Success)
}

fn alert_line(alert: &AlertShown) -> String {
    format!(
        "#{} {} {} {} {} (level {}{}) — {}",
        alert.id,
        alert.raised_at,
        alert.severity,
        alert.state,
        alert.tlp,
        alert.level,
        alert
            .current_unit
            .as_ref()
            .map_or(String::new(), |u| format!(", at {u}")),
        alert.subject
    )
}

fn stats_table(groups: &[GroupStats]) -> String {
    let latency = |l: &Latency| match (l.median_seconds, l.max_seconds) {
        (Some(median), Some(max)) => format!(
            "median {} (max {}, n={})",
            format_duration(time::Duration::seconds(median)),
            format_duration(time::Duration::seconds(max)),
            l.count
        ),
        _ => "—".to_string(),
    };
    if groups.is_empty() {
        return "  no alerts\n".to_string();
    }
    groups
        .iter()
        .map(|g| {
            format!(
                "  {}: {} alert(s), {} escalated, {} unacknowledged; to acknowledgement {}; to action {}\n",
                g.key,
                g.alerts,
                g.escalated,
                g.unacknowledged,
                latency(&g.to_acknowledgement),
                latency(&g.to_action)
            )
        })
        .collect()
}
