//! `tocsin assess SITUATION|backtest|history|params`: the stage engine.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tocsin_app::history::{self, File, HistoricCheck};
use tocsin_stage::backtest::Lead;
use tocsin_stage::Params;

use crate::cli::{AssessArgs, AssessCommand};
use crate::config::Settings;
use crate::output::{emit, spinner};
use crate::Outcome;

pub async fn run(settings: &Settings, args: AssessArgs, json: bool) -> anyhow::Result<Outcome> {
    match args.command {
        Some(AssessCommand::Backtest { datasets, params }) => {
            let datasets = datasets.unwrap_or_else(|| settings.data_dir.value.join("datasets"));
            let params = load_params(params.as_deref())?;
            backtest(&datasets, &params, json)
        }
        Some(AssessCommand::Params) => {
            print!("{}", Params::embedded_source());
            Ok(Outcome::Success)
        }
        Some(AssessCommand::History { situation }) => history_of(settings, &situation, json).await,
        None => {
            let situation = args
                .situation
                .context("name the situation to assess, e.g. tocsin assess SDN")?;
            assess(settings, &situation, args.at.as_deref(), json).await
        }
    }
}

fn load_params(path: Option<&Path>) -> anyhow::Result<Params> {
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
            "{:<9} {:<12} {:<11} {:>6} {:>6}  {:<22} {:<22} dated by\n",
            "situation", "episode", "onset", "stage", "score", "stage 2 reached", "stage 3 reached"
        ));
        for row in &r.onsets {
            text.push_str(&format!(
                "{:<9} {:<12} {:<11} {:>6} {:>6}  {:<22} {:<22} {}\n",
                row.onset.situation,
                row.onset.episode,
                row.onset.date,
                row.stage_at_onset
                    .map_or("-".to_string(), |stage| stage.to_string()),
                row.score_at_onset
                    .map_or("-".to_string(), |score| format!("{score:.2}")),
                lead(row.stage_2),
                lead(row.stage_3),
                row.onset.dated_by
            ));
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

async fn assess(
    _settings: &Settings,
    _situation: &str,
    _at: Option<&str>,
    _json: bool,
) -> anyhow::Result<Outcome> {
    anyhow::bail!("assessing a stored situation is not available yet")
}

async fn history_of(
    _settings: &Settings,
    _situation: &str,
    _json: bool,
) -> anyhow::Result<Outcome> {
    anyhow::bail!("stage history is not available yet")
}
