//! The `tuned` model: an ensemble of the elastic net and boosted trees whose weight and tree
//! depth are chosen inside each training window, never from the backtest's own scores.
//!
//! The grid, fixed before the model was first run: the elastic net's weight in
//! [`ENET_WEIGHTS`] (0, 0.25, 0.5, 0.75, 1) times the trees' depth in [`DEPTHS`] (2 or 3, every
//! other boosting setting as in [`crate::gbm`]), ten candidates.
//!
//! How a model trained on years <= L chooses (nested and time-respecting): for every inner
//! window L' from [`HISTORY_START`] to L-2, the three members (elastic net, trees of depth 2
//! and 3) are trained on years <= L' and forecast the rows of year L'+2, exactly as the outer
//! backtest does. Those rows' outcomes (an onset in L'+3 or L'+4, so by L+2 at the latest) are
//! part of the outer training data, so nothing the outer model is scored on is used. The
//! candidate with the highest AUC of these pooled inner forecasts against their two-year
//! outcomes wins; ties go to the earlier candidate in grid order, which starts with the
//! default ensemble's choice (weight 0.5, depth 3). With fewer than [`MIN_VALIDATION_ONSETS`]
//! positive inner rows the default is kept.
//!
//! Because the members of inner window L' are the same whichever outer window asks (same rows,
//! same seed), a backtest computes them once (`history`) and every outer window chooses from
//! the part of that history it may see (`choose`).

use rayon::prelude::*;

use crate::data::Panel;
use crate::gbm::GbmOptions;
use crate::metrics;
use crate::model::{self, ModelName, ModelOptions, Trained};
use crate::RiskError;

/// The elastic net's weight in the mixture; the trees get the rest.
pub const ENET_WEIGHTS: [f64; 5] = [0.5, 0.0, 0.25, 0.75, 1.0];
/// The trees' depth.
pub const DEPTHS: [usize; 2] = [3, 2];
/// The first inner training window.
pub const HISTORY_START: i32 = 1980;
/// Below this many positive inner rows, the default candidate is kept.
pub const MIN_VALIDATION_ONSETS: usize = 10;

/// One candidate of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub enet_weight: f64,
    pub depth: usize,
}

impl Choice {
    /// The default ensemble's weights and depth, first in grid order.
    pub const DEFAULT: Choice = Choice {
        enet_weight: 0.5,
        depth: 3,
    };

    fn grid() -> impl Iterator<Item = Choice> {
        DEPTHS.into_iter().flat_map(|depth| {
            ENET_WEIGHTS
                .into_iter()
                .map(move |enet_weight| Choice { enet_weight, depth })
        })
    }
}

/// The members' forecasts of one inner window: trained on years <= `last_year`, applied to
/// the complete rows of `last_year + 2`.
#[derive(Debug, Clone)]
pub(crate) struct InnerWindow {
    pub last_year: i32,
    pub rows: Vec<usize>,
    pub outcomes: Vec<bool>,
    pub enet: Vec<f64>,
    /// Indexed like [`DEPTHS`].
    pub trees: Vec<Vec<f64>>,
}

impl InnerWindow {
    fn mixture(&self, choice: Choice) -> impl Iterator<Item = f64> + '_ {
        let depth = DEPTHS
            .iter()
            .position(|&d| d == choice.depth)
            .expect("a depth of the grid");
        self.enet
            .iter()
            .zip(&self.trees[depth])
            .map(move |(e, t)| choice.enet_weight * e + (1.0 - choice.enet_weight) * t)
    }
}

/// Options for the trees of one depth.
fn tree_options(options: &ModelOptions, depth: usize) -> ModelOptions {
    ModelOptions {
        gbm: GbmOptions {
            max_depth: depth,
            ..options.gbm.clone()
        },
        ..options.clone()
    }
}

/// The members trained on years <= `last_year`: the elastic net and trees of each depth.
fn members(
    panel: &Panel,
    rows: &[usize],
    options: &ModelOptions,
    last_year: i32,
) -> Result<(Trained, Vec<Trained>), RiskError> {
    let (enet, trees) = rayon::join(
        || model::train(panel, rows, ModelName::EwpEnet, options, last_year),
        || {
            DEPTHS
                .par_iter()
                .map(|&depth| {
                    model::train(
                        panel,
                        rows,
                        ModelName::Gbm,
                        &tree_options(options, depth),
                        last_year,
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        },
    );
    Ok((enet?, trees?))
}

/// The inner windows from [`HISTORY_START`] to `through`. A window that cannot be fitted (no
/// rows, one class) is left out: the history is what the data allows.
pub(crate) fn history(panel: &Panel, options: &ModelOptions, through: i32) -> Vec<InnerWindow> {
    (HISTORY_START..=through)
        .into_par_iter()
        .filter_map(|last_year| {
            let training = panel.training_rows(last_year);
            let rows = panel.scoring_rows(last_year + 2);
            if training.is_empty() || rows.is_empty() {
                return None;
            }
            let (enet, trees) = members(panel, &training, options, last_year).ok()?;
            let features: Vec<Vec<f64>> =
                rows.iter().map(|&i| model::feature_row(panel, i)).collect();
            Some(InnerWindow {
                last_year,
                outcomes: rows.iter().map(|&i| panel.outcome[i] > 0.5).collect(),
                rows,
                enet: features.iter().map(|f| enet.probability(f)).collect(),
                trees: trees
                    .iter()
                    .map(|t| features.iter().map(|f| t.probability(f)).collect())
                    .collect(),
            })
        })
        .collect()
}

/// The candidate a model trained on years <= `last_year` uses: the best on the inner windows
/// up to `last_year - 2`.
pub(crate) fn choose(history: &[InnerWindow], last_year: i32) -> Choice {
    let visible: Vec<&InnerWindow> = history
        .iter()
        .filter(|w| w.last_year <= last_year - 2)
        .collect();
    let outcomes: Vec<bool> = visible
        .iter()
        .flat_map(|w| w.outcomes.iter().copied())
        .collect();
    if outcomes.iter().filter(|o| **o).count() < MIN_VALIDATION_ONSETS {
        return Choice::DEFAULT;
    }
    let mut best = (Choice::DEFAULT, f64::NEG_INFINITY);
    for choice in Choice::grid() {
        let scores: Vec<f64> = visible.iter().flat_map(|w| w.mixture(choice)).collect();
        let auc = metrics::auc(&scores, &outcomes).unwrap_or(f64::NEG_INFINITY);
        if auc > best.1 {
            best = (choice, auc);
        }
    }
    best.0
}

/// The mixture of a window's members for `choice`.
pub(crate) fn assemble(enet: Trained, mut trees: Vec<Trained>, choice: Choice) -> Trained {
    let depth = DEPTHS
        .iter()
        .position(|&d| d == choice.depth)
        .expect("a depth of the grid");
    Trained::Ensemble(vec![
        (choice.enet_weight, enet),
        (1.0 - choice.enet_weight, trees.swap_remove(depth)),
    ])
}

/// Trains the tuned model on `rows` (years <= `last_year`), computing its own history.
pub(crate) fn train(
    panel: &Panel,
    rows: &[usize],
    options: &ModelOptions,
    last_year: i32,
) -> Result<Trained, RiskError> {
    let history = history(panel, options, last_year - 2);
    train_with(panel, rows, options, last_year, &history)
}

/// Trains the tuned model on `rows` (years <= `last_year`), choosing from `history`, which
/// may reach further than `last_year - 2`: [`choose`] looks only at what it may see.
pub(crate) fn train_with(
    panel: &Panel,
    rows: &[usize],
    options: &ModelOptions,
    last_year: i32,
    history: &[InnerWindow],
) -> Result<Trained, RiskError> {
    let choice = choose(history, last_year);
    let (enet, trees) = members(panel, rows, options, last_year)?;
    Ok(assemble(enet, trees, choice))
}

/// The tuned model's forecast of the rows of `last_year + 2` from a history that already holds
/// its members for `last_year`, and the candidate chosen; None if that window is missing.
pub(crate) fn window_forecast(
    history: &[InnerWindow],
    last_year: i32,
) -> Option<(Choice, &InnerWindow, Vec<f64>)> {
    let window = history.iter().find(|w| w.last_year == last_year)?;
    let choice = choose(history, last_year);
    Some((choice, window, window.mixture(choice).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{backtest_models, BacktestOptions};
    use crate::data::tests::row;
    use crate::rng::RRng;
    use tocsin_domain::CountryYear;

    /// An inner window of ten rows, two positive, on which the elastic net ranks perfectly
    /// and the depth-2 trees backwards (or the other way round).
    fn window(last_year: i32, enet_right: bool) -> InnerWindow {
        let outcomes: Vec<bool> = (0..10).map(|i| i < 2).collect();
        let right: Vec<f64> = (0..10).map(|i| 1.0 - i as f64 / 10.0).collect();
        let wrong: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
        let (enet, trees) = if enet_right {
            (right, wrong)
        } else {
            (wrong, right)
        };
        InnerWindow {
            last_year,
            rows: (0..10).collect(),
            outcomes,
            enet,
            trees: vec![trees.clone(), trees],
        }
    }

    #[test]
    fn the_choice_sees_only_windows_two_years_back_or_more() {
        // Windows up to 1993 favour the elastic net, later ones the trees.
        let history: Vec<InnerWindow> = (1980..2000)
            .map(|year| window(year, year <= 1993))
            .collect();
        // Trained through 1995: sees windows up to 1993 only.
        assert!(choose(&history, 1995).enet_weight >= 0.75);
        // With the trees favoured in every window they see, the trees win.
        let trees: Vec<InnerWindow> = (1980..2000).map(|year| window(year, false)).collect();
        assert!(choose(&trees, 2021).enet_weight <= 0.25);
        assert!(choose(&trees, 1995).enet_weight <= 0.25);
        // Too few positive rows seen (windows 1980 and 1981): the fixed default.
        assert_eq!(choose(&history, 1983), Choice::DEFAULT);
    }

    fn rows() -> Vec<CountryYear> {
        let mut rng = RRng::new(7);
        let mut rows = Vec::new();
        for code in ["SYR", "IRQ", "FRA", "DEU", "NGA", "MLI", "BRA", "IND"] {
            for year in 1980..2010 {
                let battle = (rng.unif() * 12.0).floor();
                let discrim = rng.unif();
                let risk = 1.0 / (1.0 + (-(battle / 3.0 + 2.0 * discrim - 4.0)).exp());
                let onset = if rng.unif() < risk { 1.0 } else { 0.0 };
                rows.push(row(
                    code,
                    year,
                    &[
                        ("battledeaths.log2", battle),
                        ("discrimpop", discrim),
                        ("mk_onset_1or2", onset),
                        ("mk_onset", onset),
                    ],
                ));
            }
        }
        rows
    }

    #[test]
    fn the_backtest_equals_training_each_window_on_its_own() {
        let rows = rows();
        let mut options = BacktestOptions {
            first_training_year: 2000,
            ..BacktestOptions::default()
        };
        options.model.gbm.rounds = 30;
        let report = &backtest_models(&rows, &[ModelName::Tuned], &options).unwrap()[0];
        let panel = Panel::build(&rows).unwrap();
        for last_year in 2000..=2006 {
            let trained = train(
                &panel,
                &panel.training_rows(last_year),
                &options.model,
                last_year,
            )
            .unwrap();
            let scoring = panel.scoring_rows(last_year + 2);
            let from_backtest: Vec<f64> = report
                .forecasts
                .iter()
                .filter(|f| f.data_year == last_year + 2)
                .map(|f| f.probability)
                .collect();
            let alone: Vec<f64> = scoring
                .iter()
                .map(|&i| trained.probability(&model::feature_row(&panel, i)))
                .collect();
            assert_eq!(from_backtest, alone, "window {last_year}");
        }
    }
}
