//! The models by name, how each is trained on a window of rows, and how a trained model gives a
//! probability and per-feature contributions for one country-year.
//!
//! The default, `ensemble`, is the unweighted mean of the `ewp-enet` and `gbm` probabilities.
//! Equal weights were fixed in advance, following the Early Warning Project's own earlier
//! practice of averaging dissimilar models (2014-2018: two logits and a random forest), and were
//! never tuned against the backtest. Averaging probabilities, not ranks, keeps the result a
//! probability that can be scored for calibration.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::data::{FeatureSet, Panel, EWP_PREDICTORS};
use crate::gbm::{self, GbmModel, GbmOptions};
use crate::glmnet::{self, ElasticNetModel, ElasticNetOptions, PathError};
use crate::rng::RRng;
use crate::tuned;
use crate::RiskError;
#[cfg(test)]
use tocsin_domain::CountryYear;

/// A model that `backtest` and `forecast` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelName {
    /// The Early Warning Project's model: glmnet elastic-net logit (alpha 0.5, lambda.min by
    /// 10-fold CV) on its 39 predictors.
    EwpEnet,
    /// Gradient-boosted trees on the 39 predictors and four derived ones.
    Gbm,
    /// Mean of the `ewp-enet` and `gbm` probabilities (the default).
    Ensemble,
    /// Mixture of `ewp-enet` and boosted trees whose weight and tree depth are chosen inside
    /// each training window ([`crate::tuned`]).
    Tuned,
    /// `gbm` with three more features from land neighbours (needs borders).
    GbmNeighbours,
}

impl ModelName {
    /// Every model, the default first.
    pub const ALL: [ModelName; 5] = [
        ModelName::Ensemble,
        ModelName::EwpEnet,
        ModelName::Gbm,
        ModelName::Tuned,
        ModelName::GbmNeighbours,
    ];

    /// The model used when none is named.
    pub const DEFAULT: ModelName = ModelName::Ensemble;

    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::EwpEnet => "ewp-enet",
            ModelName::Gbm => "gbm",
            ModelName::Ensemble => "ensemble",
            ModelName::Tuned => "tuned",
            ModelName::GbmNeighbours => "gbm-neighbours",
        }
    }

    /// Whether the model reads the neighbour features, and so needs land borders.
    pub fn needs_borders(self) -> bool {
        self == ModelName::GbmNeighbours
    }

    /// One line for `--help`.
    pub fn describe(self) -> &'static str {
        match self {
            ModelName::Ensemble => {
                "default: mean of the ewp-enet and gbm probabilities, weights fixed in advance"
            }
            ModelName::EwpEnet => {
                "the Early Warning Project's elastic-net logit (glmnet alpha 0.5, lambda.min by \
                 10-fold CV) on its 39 predictors"
            }
            ModelName::Gbm => {
                "gradient-boosted trees (300 depth-3 trees) on the 39 predictors and 4 derived \
                 ones"
            }
            ModelName::Tuned => {
                "mixture of ewp-enet and boosted trees, weight and tree depth chosen inside each \
                 training window on earlier years only"
            }
            ModelName::GbmNeighbours => {
                "gbm plus 3 features from land neighbours by CShapes borders (needs --borders)"
            }
        }
    }

    /// The known names, for messages and `--help`.
    pub fn known() -> Vec<&'static str> {
        Self::ALL.iter().map(|m| m.as_str()).collect()
    }

    /// The columns the model reads.
    pub fn features(self) -> FeatureSet {
        match self {
            ModelName::EwpEnet => FeatureSet::Ewp,
            ModelName::Gbm | ModelName::Ensemble | ModelName::Tuned => FeatureSet::EwpDerived,
            ModelName::GbmNeighbours => FeatureSet::All,
        }
    }

    /// Names the model, its settings and this crate's version, for stored assessments.
    pub fn version(self, options: &ModelOptions) -> String {
        let settings = match self {
            ModelName::EwpEnet => enet_settings(options),
            ModelName::Gbm => gbm_settings(options),
            ModelName::GbmNeighbours => format!(
                "{}, with land-neighbour features from CShapes borders",
                gbm_settings(options)
            ),
            ModelName::Ensemble => format!(
                "mean of [{}] and [{}]",
                enet_settings(options),
                gbm_settings(options)
            ),
            ModelName::Tuned => format!(
                "mixture of [{}] and [{}], tree depth from {:?} and elastic-net weight from \
                 {:?} chosen per window by inner AUC on windows from {}",
                enet_settings(options),
                gbm_settings(options),
                tuned::DEPTHS,
                tuned::ENET_WEIGHTS,
                tuned::HISTORY_START
            ),
        };
        format!(
            "{} (tocsin-risk {}; {settings}; seed {})",
            self.as_str(),
            env!("CARGO_PKG_VERSION"),
            options.seed
        )
    }
}

fn enet_settings(options: &ModelOptions) -> String {
    let e = &options.elastic_net;
    format!(
        "glmnet-equivalent elastic net, alpha {}, {} lambdas, lambda.min by {}-fold CV",
        e.alpha, e.lambda_count, e.folds
    )
}

fn gbm_settings(options: &ModelOptions) -> String {
    let g = &options.gbm;
    format!(
        "boosted trees, {} rounds, rate {}, depth {}",
        g.rounds, g.learning_rate, g.max_depth
    )
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelName {
    type Err = RiskError;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.as_str().eq_ignore_ascii_case(given.trim()))
            .ok_or_else(|| RiskError::UnknownModel {
                given: given.to_string(),
                known: Self::known(),
            })
    }
}

impl Serialize for ModelName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Settings shared by backtests and forecasts. [`Default`] is what the CLI runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOptions {
    /// Seed for R's generator: fold assignment (EWP: `set.seed(90035)` before every fit) and the
    /// trees' subsampling. Same seed and data, same results.
    pub seed: u32,
    pub elastic_net: ElasticNetOptions,
    pub gbm: GbmOptions,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            seed: 90035,
            elastic_net: ElasticNetOptions::default(),
            gbm: GbmOptions::default(),
        }
    }
}

/// A model trained on one window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Trained {
    ElasticNet(ElasticNetModel),
    Gbm(GbmModel),
    /// Members with their weights; the probability is the weighted mean.
    Ensemble(Vec<(f64, Trained)>),
}

fn sigmoid(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

impl Trained {
    /// Probability of an onset in the two years after the row's year. `row` holds every
    /// feature of [`FeatureSet::All`]; each model reads its own prefix.
    pub fn probability(&self, row: &[f64]) -> f64 {
        match self {
            Trained::ElasticNet(model) => sigmoid(model.link(&row[..EWP_PREDICTORS.len()])),
            Trained::Gbm(model) => sigmoid(model.link(row)),
            Trained::Ensemble(members) => {
                let total: f64 = members.iter().map(|(w, _)| w).sum();
                members
                    .iter()
                    .map(|(w, m)| w * m.probability(row))
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// Contributions to the log-odds, one per feature of [`FeatureSet::All`]. For the
    /// ensemble, the weighted mean of its members' contributions: a summary of what drives
    /// both, not an exact decomposition of the averaged probability.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let width = FeatureSet::All.names().len();
        match self {
            Trained::ElasticNet(model) => {
                let mut all = model.contributions(&row[..EWP_PREDICTORS.len()]);
                all.resize(width, 0.0);
                all
            }
            Trained::Gbm(model) => {
                let mut all = model.contributions(row);
                all.resize(width, 0.0);
                all
            }
            Trained::Ensemble(members) => {
                let total: f64 = members.iter().map(|(w, _)| w).sum();
                let mut all = vec![0.0; width];
                for (w, member) in members {
                    for (a, c) in all.iter_mut().zip(member.contributions(row)) {
                        *a += w / total * c;
                    }
                }
                all
            }
        }
    }
}

/// Trains `model` on the panel's `rows` (already filtered for completeness).
pub(crate) fn train(
    panel: &Panel,
    rows: &[usize],
    model: ModelName,
    options: &ModelOptions,
    last_year: i32,
) -> Result<Trained, RiskError> {
    let y: Vec<f64> = rows.iter().map(|&i| panel.outcome[i]).collect();
    let onsets = y.iter().filter(|v| **v > 0.5).count();
    if onsets == 0 || onsets == y.len() {
        return Err(RiskError::OneClass {
            last_year,
            rows: y.len(),
            onsets,
        });
    }
    match model {
        ModelName::EwpEnet => {
            let x = panel.matrix(rows, &FeatureSet::Ewp.columns());
            let folds = RRng::new(options.seed).folds(rows.len(), options.elastic_net.folds);
            let fitted = glmnet::cv_fit(&x, &y, &folds, &options.elastic_net).map_err(
                |PathError::OneClass| RiskError::OneClass {
                    last_year,
                    rows: y.len(),
                    onsets,
                },
            )?;
            Ok(Trained::ElasticNet(fitted))
        }
        ModelName::Gbm | ModelName::GbmNeighbours => {
            let x = panel.matrix(rows, &model.features().columns());
            let mut rng = RRng::new(options.seed);
            Ok(Trained::Gbm(gbm::train(&x, &y, &options.gbm, &mut rng)))
        }
        ModelName::Ensemble => {
            let (enet, gbm) = rayon::join(
                || train(panel, rows, ModelName::EwpEnet, options, last_year),
                || train(panel, rows, ModelName::Gbm, options, last_year),
            );
            Ok(ensemble(enet?, gbm?))
        }
        ModelName::Tuned => tuned::train(panel, rows, options, last_year),
    }
}

/// Trains several models on the same rows, fitting each base model once: an ensemble reuses
/// the `ewp-enet` and `gbm` fits it would otherwise repeat. The result, in `models` order, is
/// identical to training each model alone.
pub(crate) fn train_many(
    panel: &Panel,
    rows: &[usize],
    models: &[ModelName],
    options: &ModelOptions,
    last_year: i32,
) -> Result<Vec<Trained>, RiskError> {
    let needs = |base: ModelName| {
        models
            .iter()
            .any(|m| *m == base || *m == ModelName::Ensemble)
    };
    let fit = |base: ModelName| {
        needs(base)
            .then(|| train(panel, rows, base, options, last_year))
            .transpose()
    };
    let (enet, gbm) = rayon::join(|| fit(ModelName::EwpEnet), || fit(ModelName::Gbm));
    let (enet, gbm) = (enet?, gbm?);
    models
        .iter()
        .map(|model| match model {
            ModelName::EwpEnet => enet.clone().map(Ok),
            ModelName::Gbm => gbm.clone().map(Ok),
            ModelName::Ensemble => match (&enet, &gbm) {
                (Some(enet), Some(gbm)) => Some(Ok(ensemble(enet.clone(), gbm.clone()))),
                _ => None,
            },
            ModelName::Tuned => Some(tuned::train(panel, rows, options, last_year)),
            ModelName::GbmNeighbours => Some(train(panel, rows, *model, options, last_year)),
        })
        .map(|trained| trained.expect("every requested base model was trained"))
        .collect()
}

/// The default ensemble: equal weights, fixed in advance (see the module documentation).
fn ensemble(enet: Trained, gbm: Trained) -> Trained {
    Trained::Ensemble(vec![(0.5, enet), (0.5, gbm)])
}

/// The full feature row `i` of the panel.
pub(crate) fn feature_row(panel: &Panel, i: usize) -> Vec<f64> {
    panel.columns.iter().map(|column| column[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tests::row;
    use proptest::prelude::*;

    /// A small synthetic panel: `countries` countries over 1980-2009, onsets where the
    /// generated risk says so.
    fn panel(countries: usize, seed: u32, scale: f64) -> Panel {
        let mut rng = RRng::new(seed);
        let mut rows = Vec::new();
        let codes = [
            "SYR", "IRQ", "FRA", "DEU", "NGA", "MLI", "BRA", "IND", "CHN", "USA",
        ];
        for code in codes.iter().take(countries) {
            for year in 1980..2010 {
                let battle = (rng.unif() * 12.0 * scale).floor();
                let discrim = rng.unif() * scale;
                let risk = 1.0 / (1.0 + (-(battle / 3.0 + 2.0 * discrim - 4.0)).exp());
                let onset = if rng.unif() < risk { 1.0 } else { 0.0 };
                rows.push(row(
                    code,
                    year,
                    &[
                        ("battledeaths.log2", battle),
                        ("discrimpop", discrim),
                        ("popsize.log2", 20.0 + rng.unif() * 10.0),
                        ("mk_onset_1or2", onset),
                    ],
                ));
            }
        }
        Panel::build(&rows).unwrap()
    }

    fn small_options() -> ModelOptions {
        ModelOptions {
            gbm: GbmOptions {
                rounds: 40,
                ..GbmOptions::default()
            },
            ..ModelOptions::default()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]

        // Model invariant: whatever the data and however extreme the row, a probability.
        #[test]
        fn probabilities_are_probabilities(
            seed in 1u32..1_000_000,
            scale in 0.1f64..100.0,
            extreme in -1e6f64..1e6,
        ) {
            let panel = panel(6, seed, scale);
            let rows = panel.training_rows(2009);
            prop_assume!(panel.outcome.iter().any(|v| *v > 0.5));
            prop_assume!(panel.outcome.iter().any(|v| *v < 0.5));
            for model in ModelName::ALL {
                let trained = train(&panel, &rows, model, &small_options(), 2009).unwrap();
                for &i in &rows {
                    let mut values = feature_row(&panel, i);
                    let p = trained.probability(&values);
                    prop_assert!((0.0..=1.0).contains(&p), "{model} gave {p}");
                    values.iter_mut().for_each(|v| *v *= extreme);
                    let p = trained.probability(&values);
                    prop_assert!((0.0..=1.0).contains(&p), "{model} gave {p} on an extreme row");
                }
            }
        }

        // Same seed and data, same model, to the bit.
        #[test]
        fn same_seed_and_data_give_the_same_model(seed in 1u32..1_000_000, model_seed in 0u32..u32::MAX) {
            let panel = panel(5, seed, 1.0);
            let rows = panel.training_rows(2009);
            prop_assume!(panel.outcome.iter().any(|v| *v > 0.5));
            prop_assume!(panel.outcome.iter().any(|v| *v < 0.5));
            let options = ModelOptions { seed: model_seed, ..small_options() };
            let together = train_many(&panel, &rows, &ModelName::ALL, &options, 2009).unwrap();
            for (model, trained_together) in ModelName::ALL.into_iter().zip(together) {
                let first = train(&panel, &rows, model, &options, 2009).unwrap();
                let second = train(&panel, &rows, model, &options, 2009).unwrap();
                prop_assert_eq!(&first, &second);
                prop_assert_eq!(first, trained_together);
            }
        }
    }

    #[test]
    fn one_class_windows_are_refused() {
        let rows: Vec<CountryYear> = (1990..2000).map(|year| row("SYR", year, &[])).collect();
        let panel = Panel::build(&rows).unwrap();
        let error = train(
            &panel,
            &panel.training_rows(1999),
            ModelName::EwpEnet,
            &ModelOptions::default(),
            1999,
        )
        .unwrap_err();
        assert_eq!(
            error,
            RiskError::OneClass {
                last_year: 1999,
                rows: 10,
                onsets: 0
            }
        );
        assert!(error.to_string().contains("start the run later"), "{error}");
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known_ones() {
        for model in ModelName::ALL {
            assert_eq!(model.as_str().parse::<ModelName>().unwrap(), model);
        }
        assert_eq!("EWP-ENET".parse::<ModelName>().unwrap(), ModelName::EwpEnet);
        let error = "forest".parse::<ModelName>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown model \"forest\"; known models: ensemble, ewp-enet, gbm, tuned, gbm-neighbours"
        );
        assert_eq!(ModelName::ALL[0], ModelName::DEFAULT);
    }

    #[test]
    fn version_names_the_settings() {
        let version = ModelName::EwpEnet.version(&ModelOptions::default());
        assert!(version.starts_with("ewp-enet (tocsin-risk "), "{version}");
        assert!(version.contains("alpha 0.5"), "{version}");
        assert!(version.ends_with("seed 90035)"), "{version}");
    }
}
