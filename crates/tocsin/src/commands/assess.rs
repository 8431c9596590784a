//! `tocsin assess SITUATION|backtest|history|params`: the stage engine.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tocsin_app::assessment::{self, AssessmentView, FactorBoard, JudgmentInput, TriggerInput};
use tocsin_app::history::{self, File, HistoricCheck};
use tocsin_app::Assessments;
use tocsin_domain::Tlp;
use tocsin_stage::backtest::Lead;
use tocsin_stage::Params;
use tocsin_store::{JudgmentRecord, TransitionRecord, TriggerRecord};

use crate::cli::{AssessArgs, AssessCommand, FactorsCommand, TriggersCommand};
use crate::config::Settings;
use crate::output::{emit, spinner};
use crate::Outcome;

pub async fn run(settings: &Settings, args: AssessArgs, json: bool) -> anyhow::Result<Outcome> {
    match args.command {
        Some(AssessCommand::Backtest { datasets, params }) => {
            let datasets = datasets.unwrap_or_else(|| settings.data_dir.value.join("datasets"));
            let params = load_params(params.as_deref().or(settings.stage_params.value.as_deref()))?;
            backtest(&datasets, &params, json)
        }
        Some(AssessCommand::Params) => {
            print!("{}", Params::embedded_source());
            Ok(Outcome::Success)
        }
        Some(AssessCommand::History { situation }) => history_of(settings, &situation, json).await,
        Some(AssessCommand::All) => {
            let changes = service(settings)
                .await?
                .assess_all(&super::cli_actor(), super::now())
                .await?;
            emit(json, &changes, |changes: &Vec<TransitionRecord>| {
                if changes.is_empty() {
                    return "no stage changed".to_string();
                }
                changes
                    .iter()
                    .map(|change| {
                        format!(
                            "{}: {} -> {} (score {:.2})",
                            change.situation,
                            stage_text(change.from_stage),
                            stage_text(change.to_stage),
                            change.score
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(Outcome::Success)
        }
        None => {
            let situation = args
                .situation
                .context("name the situation to assess, e.g. tocsin assess SDN")?;
            assess(settings, &situation, args.at.as_deref(), json).await
        }
    }
}

pub(super) fn load_params(path: Option<&Path>) -> anyhow::Result<Params> {
    match path {
        None => Ok(Params::embedded()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the engine parameters {}", path.display()))?;
            Params::from_toml(&text)
                .with_context(|| format!("engine parameters {}", path.display()))
        }
    }
}

/// The files of the historic check, under `datasets` as `tocsin data fetch` lays them out.
const HISTORY_FILES: [&str; 7] = [
    "events/acled_country_month_event_2021_2024.csv",
    "events/ucdp_ged191_syria.csv",
    "events/cline_coups_2.1.2.csv",
    "events/ucdp_deco_v1_electoral_violence.csv",
    "ewp/mk_master_2025__mk_events.csv",
    "ewp/mk_master_2025__ongoing.csv",
    "geo/countrycode_codelist.csv",
];

fn backtest(datasets: &Path, params: &Params, json: bool) -> anyhow::Result<Outcome> {
    let paths: Vec<PathBuf> = HISTORY_FILES
        .iter()
        .map(|file| datasets.join(file))
        .collect();
    let mut contents = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "cannot read {} (tocsin data fetch downloads it; or point --datasets at a folder holding it)",
                path.display()
            )
        })?;
        contents.push((path.display().to_string(), bytes));
    }
    let file = |index: usize| File {
        name: &contents[index].0,
        bytes: &contents[index].1,
    };
    let progress = spinner("running the stage engine month by month");
    let check = history::historic_check(
        params,
        history::HistoryFiles {
            acled_monthly: file(0),
            ucdp_ged: file(1),
            coups: file(2),
            electoral_violence: file(3),
            episodes: file(4),
            ongoing: file(5),
            crosswalk: file(6),
        },
    )?;
    progress.finish_and_clear();
    emit(json, &check, render_check)?;
    Ok(Outcome::Success)
}

fn lead(lead: Lead) -> String {
    lead.describe()
}

fn render_check(check: &HistoricCheck) -> String {
    let mut text = format!(
        "Stage engine historic check (parameters {}, fixed before the run)\n",
        check.params_version
    );
    for run in &check.runs {
        let r = &run.report;
        text.push_str(&format!(
            "\n{}\nassessed monthly {} to {} ({} months), {} situations: {} reached stage 2, {} reached stage 3\n\n",
            run.data, r.from, r.to, r.months, r.situations, r.situations_reaching_stage_2, r.situations_reaching_stage_3
        ));
        text.push_str(&format!(
            "{:<9} {:<12} {:<11} {:>6} {:>6}  {:<22} {:<22} {:>5} {:>4}  dated by\n",
            "situation",
            "episode",
            "onset",
            "stage",
            "score",
            "stage 2 reached",
            "stage 3 reached",
            "first",
            "max"
        ));
        for row in &r.onsets {
            text.push_str(&format!(
                "{:<9} {:<12} {:<11} {:>6} {:>6}  {:<22} {:<22} {:>5} {:>4}  {}\n",
                row.onset.situation,
                row.onset.episode,
                row.onset.date,
                row.stage_at_onset
                    .map_or("-".to_string(), |stage| stage.to_string()),
                row.score_at_onset
                    .map_or("-".to_string(), |score| format!("{score:.2}")),
                lead(row.stage_2),
                lead(row.stage_3),
                row.first_stage,
                row.highest_stage,
                row.onset.dated_by
            ));
        }
        if !r.onsets.is_empty() {
            text.push_str(
                "(first: the stage at the first assessment; max: the highest in the period)\n",
            );
        }
        if r.onsets.is_empty() {
            text.push_str("(no onsets in these situations and years)\n");
        }
        text.push_str(&format!(
            "\nstage 3 with no onset: {} situation(s), {} with no mass-killing episode under way\n",
            r.stage_3_without_onset.len(),
            r.stage_3_false_alarms
        ));
        for row in &r.stage_3_without_onset {
            text.push_str(&format!(
                "  {:<9} from {}  {:>3} month(s) at stage 3  {}\n",
                row.situation,
                row.first_month,
                row.months_at_stage_3,
                if row.episodes_under_way.is_empty() {
                    "no episode under way".to_string()
                } else {
                    format!("episode under way: {}", row.episodes_under_way.join(", "))
                }
            ));
        }
    }
    if !check.unplaced_countries.is_empty() {
        text.push_str(&format!(
            "\ncountry names not placed (their rows left out): {}\n",
            check.unplaced_countries.join(", ")
        ));
    }
    text
}

/// The assessment service on the configured store, catalogue and parameters.
pub(super) async fn service(settings: &Settings) -> anyhow::Result<Assessments> {
    let store = super::open_store(settings).await?;
    let catalogue = super::load_catalogue(settings)?;
    let params = load_params(settings.stage_params.value.as_deref())?;
    let alerts = super::alerts::service_over(store.clone(), settings)?;
    Ok(Assessments::new(store, catalogue, params).with_alerts(alerts))
}

fn stage_text(level: u8) -> String {
    match level {
        0 => "no elevated concern".to_string(),
        n => tocsin_domain::Stage::try_from(n)
            .map_or(format!("stage {n}"), |stage| stage.to_string()),
    }
}

async fn assess(
    settings: &Settings,
    situation: &str,
    at: Option<&str>,
    json: bool,
) -> anyhow::Result<Outcome> {
    let now = super::now();
    let situation = assessment::situation(situation)?;
    let at = at.map(|at| assessment::parse_date(at, now)).transpose()?;
    let service = service(settings).await?;
    // The command line works with the database itself: it sees everything.
    let view = service
        .assess(&situation, at, Tlp::Red, &super::cli_actor(), now)
        .await?;
    emit(json, &view, render_assessment)?;
    Ok(Outcome::Success)
}

fn render_assessment(view: &AssessmentView) -> String {
    let a = &view.assessment;
    let mut text = format!(
        "{} on {}: {} (score {:.2} of 3; parameters {})\n",
        view.situation,
        a.at,
        stage_text(a.level()),
        a.score,
        a.params_version
    );
    for line in &a.explanation {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(change) = &view.stored_change {
        text.push_str(&format!(
            "stored as a stage change: {} -> {}\n",
            stage_text(change.from_stage),
            stage_text(change.to_stage)
        ));
    }
    if !a.drivers.is_empty() {
        text.push_str("\ndrivers (heaviest first):\n");
        for driver in &a.drivers {
            text.push_str(&format!(
                "  {:<12} stage {}  {:>5.2}{}  {}\n",
                driver.line,
                driver.stage.number(),
                driver.weight,
                if driver.counts_as_line { " " } else { "*" },
                driver.detail
            ));
        }
        if a.drivers.iter().any(|driver| !driver.counts_as_line) {
            text.push_str("  (* too light to count as a separate line of evidence)\n");
        }
    }
    if a.upcoming.is_empty() {
        text.push_str("\nno triggers ahead\n");
    } else {
        text.push_str("\ntriggers ahead:\n");
        for near in &a.upcoming {
            text.push_str(&format!(
                "  {}  {:<11} {} (in {} days)\n",
                near.trigger.date, near.trigger.kind, near.trigger.name, near.days_ahead
            ));
        }
    }
    text
}

async fn history_of(settings: &Settings, situation: &str, json: bool) -> anyhow::Result<Outcome> {
    let situation = assessment::situation(situation)?;
    let changes = service(settings)
        .await?
        .history(&situation, Tlp::Red)
        .await?;
    emit(json, &changes, |changes: &Vec<TransitionRecord>| {
        if changes.is_empty() {
            return format!(
                "no stage change stored for {situation}; `tocsin assess {situation}` assesses it"
            );
        }
        let mut text = format!(
            "{:<24} {:<28} {:<28} {:>6}  engine\n",
            "assessed at", "from", "to", "score"
        );
        for change in changes {
            text.push_str(&format!(
                "{:<24} {:<28} {:<28} {:>6.2}  {}\n",
                change.assessed_at,
                stage_text(change.from_stage),
                stage_text(change.to_stage),
                change.score,
                change.engine_version
            ));
        }
        text
    })?;
    Ok(Outcome::Success)
}

/// `tocsin reports indicators ID`.
pub async fn indicators(settings: &Settings, id: i64, json: bool) -> anyhow::Result<Outcome> {
    let found = service(settings).await?.indicators(id, Tlp::Red).await?;
    emit(json, &found, |found| {
        let mut text = format!("report {}\n", found.report_id);
        if found.codings.is_empty() && found.suggestions.is_empty() {
            text.push_str("no indicator coded or suggested\n");
        }
        for coding in &found.codings {
            text.push_str(&format!(
                "  {:<6} {:<9} by {} at {}\n",
                coding.code, coding.state, coding.actor, coding.at
            ));
        }
        for suggestion in &found.suggestions {
            text.push_str(&format!(
                "  {:<6} suggested (keywords: {}): {}\n",
                suggestion.code,
                suggestion.matched.join(", "),
                suggestion.text
            ));
        }
        text
    })?;
    Ok(Outcome::Success)
}

/// `tocsin reports code ID CODE --state S --actor A`.
pub async fn code(
    settings: &Settings,
    id: i64,
    code: &str,
    state: &str,
    actor: &str,
    json: bool,
) -> anyhow::Result<Outcome> {
    let coding = service(settings)
        .await?
        .code(id, code, state, actor, super::now())
        .await?;
    emit(json, &coding, |coding| {
        format!(
            "report {}: indicator {} {}",
            coding.report_id, coding.code, coding.state
        )
    })?;
    Ok(Outcome::Success)
}

pub async fn factors(
    settings: &Settings,
    command: FactorsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let service = service(settings).await?;
    match command {
        FactorsCommand::Show { situation } => {
            let situation = assessment::situation(&situation)?;
            let board = service.board(&situation, super::now()).await?;
            emit(json, &board, render_board)?;
        }
        FactorsCommand::Judge {
            situation,
            factor,
            status,
            trend,
            confidence,
            reports,
            note,
            actor,
        } => {
            let situation = assessment::situation(&situation)?;
            let input = JudgmentInput {
                status,
                trend,
                confidence,
                reports,
                note,
            };
            let record = service
                .judge(&situation, &factor, &input, &actor, super::now())
                .await?;
            emit(json, &record, |record| {
                format!(
                    "{} RF{}: {} ({}, {} confidence), judged by {}",
                    record.situation,
                    record.fields.factor,
                    record.fields.status,
                    record.fields.trend,
                    record.fields.confidence,
                    record.actor
                )
            })?;
        }
        FactorsCommand::History { situation, factor } => {
            let situation = assessment::situation(&situation)?;
            let judgments = service.judgments(&situation, factor.as_deref()).await?;
            emit(json, &judgments, |judgments: &Vec<JudgmentRecord>| {
                if judgments.is_empty() {
                    return "no judgment recorded".to_string();
                }
                judgments
                    .iter()
                    .map(|j| {
                        format!(
                            "{}  RF{:<2} {:<8} {:<8} {:<6} by {}{}",
                            j.at,
                            j.fields.factor,
                            j.fields.status,
                            j.fields.trend,
                            j.fields.confidence,
                            j.actor,
                            j.fields
                                .note
                                .as_ref()
                                .map(|note| format!(": {note}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
    }
    Ok(Outcome::Success)
}

fn render_board(board: &FactorBoard) -> String {
    let mut text = format!("risk factors of {}\n", board.situation);
    for row in &board.factors {
        let judgment = row.judgment.as_ref().map_or("not judged".to_string(), |j| {
            format!(
                "{} ({}, {} confidence) by {} {}",
                j.fields.status,
                j.fields.trend,
                j.fields.confidence,
                j.actor,
                &j.at[..10.min(j.at.len())]
            )
        });
        let seen = if row.observations.is_empty() {
            String::new()
        } else {
            format!(
                "; seen: {}",
                row.observations
                    .iter()
                    .map(|(code, report)| format!("{code} on report {report}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        text.push_str(&format!(
            "RF{:<2} {:<62} {}{}\n",
            row.factor, row.name, judgment, seen
        ));
    }
    text
}

pub async fn triggers(
    settings: &Settings,
    command: TriggersCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let service = service(settings).await?;
    let now = super::now();
    match command {
        TriggersCommand::List { situation } => {
            let situation = assessment::situation(&situation)?;
            let triggers = service.triggers(&situation).await?;
            emit(json, &triggers, |triggers: &Vec<TriggerRecord>| {
                if triggers.is_empty() {
                    return format!("no trigger recorded for {situation}");
                }
                triggers
                    .iter()
                    .map(|t| {
                        format!(
                            "{}{}  {:<9} {:<11} {}  ({})",
                            t.fields.date,
                            if t.fields.yearly { " yearly" } else { "" },
                            t.fields.situation,
                            t.fields.kind,
                            t.fields.name,
                            t.fields.source
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        TriggersCommand::Add {
            situation,
            kind,
            name,
            date,
            yearly,
            note,
            actor,
        } => {
            let situation = assessment::situation(&situation)?;
            let input = TriggerInput {
                kind,
                name,
                date,
                yearly,
                note,
            };
            let record = service.add_trigger(&situation, &input, &actor, now).await?;
            emit(json, &record, |record| {
                format!(
                    "trigger {} added: {} {} on {}",
                    record.id, record.fields.kind, record.fields.name, record.fields.date
                )
            })?;
        }
        TriggersCommand::Import { kind, file } => {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {name}"))?;
            let triggers = match kind.as_str() {
                "coups" => assessment::coup_triggers(&name, &bytes)?,
                "electoral-violence" => assessment::electoral_violence_triggers(&name, &bytes)?,
                other => {
                    anyhow::bail!("unknown trigger data {other:?}: use coups or electoral-violence")
                }
            };
            let added = service
                .import_triggers(&triggers, &super::cli_actor(), now)
                .await?;
            #[derive(serde::Serialize)]
            struct Imported {
                rows: usize,
                added: usize,
            }
            emit(
                json,
                &Imported {
                    rows: triggers.len(),
                    added,
                },
                |imported| format!("{} triggers read, {} new", imported.rows, imported.added),
            )?;
        }
    }
    Ok(Outcome::Success)
}
