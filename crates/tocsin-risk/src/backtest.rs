//! The Early Warning Project's fully-out-of-sample backtest, as its `model_3Sep2025.R` runs it.
//!
//! For each last training year L (1991 to the data's last year minus 3): train on the complete
//! rows of years <= L, predict every complete row of year L+2 and rank those forecasts (1 =
//! highest risk, ties sharing the better rank). Row year t's outcome `mk_onset_1or2` is an onset
//! in t+1 or t+2, so training on years <= L uses outcomes up to L+2, and the forecast from year
//! L+2 is for onsets in L+3 and L+4: nothing predicted was seen in training.
//!
//! Scoring: a country's forecast for onsets in year Y is the better (lower) rank, and the higher
//! probability, of the forecasts made from the data of Y-1 and Y-2. Every country-year from
//! (first L)+3 to the data's last year with at least one such forecast is scored against
//! `mk_onset` (an onset in that very year): recall in the top 10/20/30 over the onsets, and AUC,
//! Brier score and log loss of the higher probability over all those country-years (EWP's AUC is
//! computed the same way). An onset with no forecast at all counts as missed.
//!
//! The reliability table instead pairs each backtest forecast with the outcome it forecasts,
//! `mk_onset_1or2` of its own row, for the rows whose two-year window lies wholly inside the
//! data: that is the probability's meaning, so that is where calibration is checked.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tocsin_domain::{Border, CountryYear, SituationId};

use crate::data::Panel;
use crate::metrics::{self, ReliabilityBin};
use crate::model::{self, ModelName, ModelOptions};
use crate::tuned;
use crate::RiskError;

/// What to run. [`Default`] is EWP's protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    pub model: ModelOptions,
    /// The first last-training-year (EWP: 1991).
    pub first_training_year: i32,
    /// The last last-training-year; None is the data's last year minus 3 (EWP: 2021 on the
    /// 2025 data, whose last year is 2024).
    pub last_training_year: Option<i32>,
    /// Land borders, for the models that read neighbour features (empty: none given).
    pub borders: Vec<Border>,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            model: ModelOptions::default(),
            first_training_year: 1991,
            last_training_year: None,
            borders: Vec::new(),
        }
    }
}

/// The backtest's result: the CLI prints it as a table or, with `--json`, as it serialises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    pub model: ModelName,
    pub model_version: String,
    pub first_training_year: i32,
    pub last_training_year: i32,
    /// Onset years scored.
    pub first_onset_year: i32,
    pub last_onset_year: i32,
    /// Mass-killing onsets in the scored years.
    pub onsets: usize,
    pub caught_10: usize,
    pub caught_20: usize,
    pub caught_30: usize,
    pub recall_at_10: f64,
    pub recall_at_20: f64,
    pub recall_at_30: f64,
    /// Over every scored country-year, using the higher of its two probabilities.
    pub auc: f64,
    pub brier: f64,
    pub log_loss: f64,
    /// Country-years scored.
    pub country_years: usize,
    pub per_year: Vec<YearScore>,
    /// Every onset with the forecasts that preceded it.
    pub onset_forecasts: Vec<OnsetForecast>,
    /// Predicted two-year probability against the two-year outcome, over the backtest.
    pub reliability: Vec<ReliabilityBin>,
    /// Every forecast the backtest made, by the year of the data it used.
    #[serde(skip)]
    pub forecasts: Vec<BacktestForecast>,
    /// For the `tuned` model, what each training window chose (empty for the others).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tuned_choices: Vec<TunedChoice>,
}

/// The candidate the `tuned` model chose in one training window ([`crate::tuned`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TunedChoice {
    pub last_training_year: i32,
    /// The elastic net's weight; the trees get the rest.
    pub enet_weight: f64,
    pub tree_depth: usize,
}

/// One onset year's line of the per-year table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearScore {
    pub year: i32,
    pub country_years: usize,
    pub onsets: usize,
    pub caught_10: usize,
    pub caught_20: usize,
    pub caught_30: usize,
    /// AUC within the year, None when it had no onset.
    pub auc: Option<f64>,
}

/// An onset and how well it was foreseen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnsetForecast {
    pub year: i32,
    pub situation: SituationId,
    pub name: String,
    /// The better of the two ranks (None: no forecast covered it).
    pub rank: Option<usize>,
    pub probability: Option<f64>,
    pub rank_from_previous_year: Option<usize>,
    pub rank_from_two_years_before: Option<usize>,
}

/// One forecast made during the backtest: from the data of `data_year`, by a model trained on
/// years up to `data_year - 2`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestForecast {
    pub data_year: i32,
    pub situation: SituationId,
    pub name: String,
    pub probability: f64,
    pub rank: usize,
    /// `mk_onset_1or2` of the row (an onset in data_year+1 or +2).
    pub outcome: bool,
}

/// Runs the backtest of `model` on `rows`.
pub fn backtest(
    rows: &[CountryYear],
    model: ModelName,
    options: &BacktestOptions,
) -> Result<BacktestReport, RiskError> {
    let mut reports = backtest_models(rows, &[model], options)?;
    Ok(reports.remove(0))
}

/// Runs the backtests of several models at once, one report each in `models` order. Each base
/// model is trained once per window, so comparing `ewp-enet` with the default ensemble costs
/// little more than the ensemble alone; every report equals what [`backtest`] gives.
pub fn backtest_models(
    rows: &[CountryYear],
    models: &[ModelName],
    options: &BacktestOptions,
) -> Result<Vec<BacktestReport>, RiskError> {
    check_borders(models, &options.borders)?;
    let panel = Panel::build_with_borders(rows, &options.borders)?;
    let Some(last_data_year) = panel.years.iter().copied().max() else {
        return Err(RiskError::NoUsableRows {
            year: options.first_training_year,
            purpose: "training",
            detail: "the data has no rows".into(),
        });
    };
    let first = options.first_training_year;
    let last = options.last_training_year.unwrap_or(last_data_year - 3);
    if last < first {
        return Err(RiskError::InvalidOption(format!(
            "the last training year {last} is before the first {first}; the data ends in \
             {last_data_year}, so the first training year must be {} or earlier",
            last_data_year - 3
        )));
    }
    if options.model.elastic_net.folds < 3 {
        return Err(RiskError::InvalidOption(
            "cross-validation needs at least 3 folds".into(),
        ));
    }
    let windows: Vec<i32> = (first..=last).collect();
    // Check every window's rows before any training, so bad data fails at once.
    for &last_year in &windows {
        usable_rows(&panel, last_year)?;
    }
    // The tuned model's inner windows, computed once for every outer window to choose from.
    let history = models
        .contains(&ModelName::Tuned)
        .then(|| tuned::history(&panel, &options.model, last));
    // Per window, one list of forecasts per model. The windows are handed out latest (and
    // largest) first, so that the last ones to finish are small and both cores stay busy to
    // the end; the list is put back in year order after.
    let mut per_window: Vec<Vec<Vec<BacktestForecast>>> = windows
        .par_iter()
        .rev()
        .map(|&last_year| {
            window(
                &panel,
                models,
                &options.model,
                last_year,
                history.as_deref(),
            )
        })
        .collect::<Result<_, _>>()?;
    per_window.reverse();
    Ok(models
        .iter()
        .enumerate()
        .map(|(m, &model)| {
            let forecasts = per_window
                .iter()
                .flat_map(|by_model| by_model[m].iter().cloned())
                .collect();
            let mut report = score(
                &panel,
                model,
                options,
                forecasts,
                first,
                last,
                last_data_year,
            );
            if let (ModelName::Tuned, Some(history)) = (model, &history) {
                report.tuned_choices = windows
                    .iter()
                    .map(|&last_year| {
                        let choice = tuned::choose(history, last_year);
                        TunedChoice {
                            last_training_year: last_year,
                            enet_weight: choice.enet_weight,
                            tree_depth: choice.depth,
                        }
                    })
                    .collect();
            }
            report
        })
        .collect())
}

/// Refuses a model that reads neighbour features when no borders were given.
pub(crate) fn check_borders(models: &[ModelName], borders: &[Border]) -> Result<(), RiskError> {
    match models.iter().find(|m| m.needs_borders()) {
        Some(model) if borders.is_empty() => Err(RiskError::InvalidOption(format!(
            "the model {model} reads land neighbours and needs borders (CShapes 2.0, \
             geo/cshapes_2_gw.topojson.xz); none were given"
        ))),
        _ => Ok(()),
    }
}

/// The training rows (years <= `last_year`) and the rows to forecast (year `last_year + 2`)
/// of one window, or why there are none.
fn usable_rows(panel: &Panel, last_year: i32) -> Result<(Vec<usize>, Vec<usize>), RiskError> {
    let training = panel.training_rows(last_year);
    if training.is_empty() {
        return Err(RiskError::NoUsableRows {
            year: last_year,
            purpose: "training",
            detail: format!("no complete rows up to {last_year}"),
        });
    }
    let data_year = last_year + 2;
    let scoring = panel.scoring_rows(data_year);
    if scoring.is_empty() {
        return Err(RiskError::NoUsableRows {
            year: data_year,
            purpose: "backtest forecast",
            detail: panel.why_unusable(data_year),
        });
    }
    Ok((training, scoring))
}

/// Trains on years <= `last_year` and forecasts from the data of `last_year + 2`, for each
/// model. The tuned model takes its members and choice from `history`.
fn window(
    panel: &Panel,
    models: &[ModelName],
    options: &ModelOptions,
    last_year: i32,
    history: Option<&[tuned::InnerWindow]>,
) -> Result<Vec<Vec<BacktestForecast>>, RiskError> {
    let (training, scoring) = usable_rows(panel, last_year)?;
    let data_year = last_year + 2;
    let rows: Vec<Vec<f64>> = scoring
        .iter()
        .map(|&i| model::feature_row(panel, i))
        .collect();
    let untuned: Vec<ModelName> = models
        .iter()
        .copied()
        .filter(|m| *m != ModelName::Tuned)
        .collect();
    let mut trained =
        model::train_many(panel, &training, &untuned, options, last_year)?.into_iter();
    models
        .iter()
        .map(|&model| {
            let probabilities: Vec<f64> = match (model, history) {
                (ModelName::Tuned, Some(history)) => {
                    match tuned::window_forecast(history, last_year) {
                        Some((_, window, probabilities)) if window.rows == scoring => probabilities,
                        _ => {
                            let fitted =
                                tuned::train_with(panel, &training, options, last_year, history)?;
                            rows.iter().map(|row| fitted.probability(row)).collect()
                        }
                    }
                }
                (ModelName::Tuned, None) => {
                    let fitted = tuned::train(panel, &training, options, last_year)?;
                    rows.iter().map(|row| fitted.probability(row)).collect()
                }
                _ => {
                    let fitted = trained.next().expect("one fit per untuned model");
                    rows.iter().map(|row| fitted.probability(row)).collect()
                }
            };
            let ranks = metrics::descending_min_ranks(&probabilities);
            Ok(scoring
                .iter()
                .zip(probabilities)
                .zip(ranks)
                .map(|((&i, probability), rank)| BacktestForecast {
                    data_year,
                    situation: panel.situations[i].clone(),
                    name: panel.names[i].clone(),
                    probability,
                    rank,
                    outcome: panel.outcome[i] > 0.5,
                })
                .collect())
        })
        .collect()
}

fn score(
    panel: &Panel,
    model: ModelName,
    options: &BacktestOptions,
    forecasts: Vec<BacktestForecast>,
    first: i32,
    last: i32,
    last_data_year: i32,
) -> BacktestReport {
    let by_key: HashMap<(&SituationId, i32), &BacktestForecast> = forecasts
        .iter()
        .map(|f| ((&f.situation, f.data_year), f))
        .collect();
    let first_onset_year = first + 3;
    struct Scored {
        year: i32,
        probability: f64,
        rank: Option<usize>,
        onset: bool,
    }
    let mut scored = Vec::new();
    let mut onset_forecasts = Vec::new();
    for i in 0..panel.len() {
        let year = panel.years[i];
        if year < first_onset_year || year > last_data_year || panel.onset[i].is_nan() {
            continue;
        }
        let onset = panel.onset[i] > 0.5;
        let previous = by_key.get(&(&panel.situations[i], year - 1)).copied();
        let two_before = by_key.get(&(&panel.situations[i], year - 2)).copied();
        let candidates: Vec<&BacktestForecast> = previous.into_iter().chain(two_before).collect();
        let probability = candidates.iter().map(|f| f.probability).reduce(f64::max);
        let rank = candidates.iter().map(|f| f.rank).min();
        if onset {
            onset_forecasts.push(OnsetForecast {
                year,
                situation: panel.situations[i].clone(),
                name: panel.names[i].clone(),
                rank,
                probability,
                rank_from_previous_year: previous.map(|f| f.rank),
                rank_from_two_years_before: two_before.map(|f| f.rank),
            });
        }
        if let Some(probability) = probability {
            scored.push(Scored {
                year,
                probability,
                rank,
                onset,
            });
        }
    }
    onset_forecasts.sort_by(|a, b| (a.year, &a.name).cmp(&(b.year, &b.name)));
    let caught = |k: usize| {
        onset_forecasts
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count()
    };
    let onsets = onset_forecasts.len();
    let recall = |k: usize| {
        if onsets == 0 {
            0.0
        } else {
            caught(k) as f64 / onsets as f64
        }
    };
    let probabilities: Vec<f64> = scored.iter().map(|s| s.probability).collect();
    let outcomes: Vec<bool> = scored.iter().map(|s| s.onset).collect();
    let per_year = (first_onset_year..=last_data_year)
        .map(|year| {
            let in_year: Vec<&Scored> = scored.iter().filter(|s| s.year == year).collect();
            let caught = |k: usize| {
                in_year
                    .iter()
                    .filter(|s| s.onset && s.rank.is_some_and(|r| r <= k))
                    .count()
            };
            let p: Vec<f64> = in_year.iter().map(|s| s.probability).collect();
            let o: Vec<bool> = in_year.iter().map(|s| s.onset).collect();
            YearScore {
                year,
                country_years: in_year.len(),
                onsets: onset_forecasts.iter().filter(|f| f.year == year).count(),
                caught_10: caught(10),
                caught_20: caught(20),
                caught_30: caught(30),
                auc: metrics::auc(&p, &o),
            }
        })
        .collect();
    // Calibration of the two-year probability against the two-year outcome, where known.
    let calibrated: Vec<&BacktestForecast> = forecasts
        .iter()
        .filter(|f| f.data_year + 2 <= last_data_year)
        .collect();
    let reliability = metrics::reliability(
        &calibrated.iter().map(|f| f.probability).collect::<Vec<_>>(),
        &calibrated.iter().map(|f| f.outcome).collect::<Vec<_>>(),
    );
    BacktestReport {
        model,
        model_version: model.version(&options.model),
        first_training_year: first,
        last_training_year: last,
        first_onset_year,
        last_onset_year: last_data_year,
        onsets,
        caught_10: caught(10),
        caught_20: caught(20),
        caught_30: caught(30),
        recall_at_10: recall(10),
        recall_at_20: recall(20),
        recall_at_30: recall(30),
        auc: metrics::auc(&probabilities, &outcomes).unwrap_or(f64::NAN),
        brier: metrics::brier(&probabilities, &outcomes),
        log_loss: metrics::log_loss(&probabilities, &outcomes),
        country_years: scored.len(),
        per_year,
        onset_forecasts,
        reliability,
        forecasts,
        tuned_choices: Vec::new(),
    }
}
