//! Tocsin's structural risk models: the probability that a mass killing begins in a country in
//! the next two years, from yearly country data (the Early Warning Project's predictors).
//!
//! - [`ModelName::EwpEnet`] reproduces the Early Warning Project's statistical risk assessment:
//!   an elastic-net logistic regression computed as R's glmnet computes it ([`glmnet`]).
//! - [`ModelName::Gbm`] is gradient-boosted trees ([`gbm`]); [`ModelName::Ensemble`], the
//!   default, averages the two ([`model`]); [`ModelName::Tuned`] mixes them with a weight and
//!   tree depth chosen inside each training window ([`tuned`]); [`ModelName::GbmNeighbours`]
//!   adds features of each country's land neighbours, from borders passed in the options.
//! - [`backtest`] runs EWP's fully-out-of-sample protocol ([`backtest()`], or
//!   [`backtest_models()`] for several models sharing their fits); [`forecast()`] ranks
//!   countries with their change since last year and the predictors that drive them.
//!
//! Results on EWP's 2025 data (39 onsets 1994-2024; every model specified before it was first
//! backtested or tuned inside each training window, nothing tuned on these figures):
//!
//! | model | top 10 | top 20 | top 30 | AUC | Brier | log loss |
//! |---|---|---|---|---|---|---|
//! | `ewp-enet` (EWP's published 12/21/27, 0.825) | 12 | 21 | 27 | 0.825 | 0.00860 | 0.0505 |
//! | `gbm` | 14 | 27 | 29 | 0.850 | 0.00977 | 0.0475 |
//! | `ensemble` (default) | 16 | 23 | 26 | 0.850 | 0.00873 | 0.0477 |
//! | `tuned` (chosen inside each window, [`tuned`]) | 17 | 23 | 27 | 0.838 | 0.00932 | 0.0488 |
//! | `gbm-neighbours` (land neighbours, [`NEIGHBOUR_FEATURES`]) | 19 | 27 | 32 | 0.854 | 0.00966 | 0.0467 |
//!
//! Of the goal for a better model, recall@30 >= 0.80 is reached by `gbm-neighbours`; AUC >= 0.87
//! by none. See `docs/risk-model.md` for where every choice comes from.
//!
//! Invariant: this crate is pure. It reads no file, no clock and no environment, and spawns
//! nothing but rayon's worker threads; data, seeds and options come in as parameters and the
//! same inputs give the same outputs. Timing a run is the caller's business.
//! API boundary: `tocsin risk backtest|forecast` call [`backtest()`] and [`forecast()`] and
//! print or store their serialisable results.

pub mod backtest;
pub mod data;
mod error;
pub mod forecast;
pub mod gbm;
pub mod glmnet;
mod kernels;
mod mathfn;
pub mod metrics;
pub mod model;
mod rng;
pub mod tuned;

pub use backtest::{
    backtest, backtest_models, BacktestForecast, BacktestOptions, BacktestReport, OnsetForecast,
    TunedChoice, YearScore,
};
pub use data::{DERIVED_FEATURES, EWP_PREDICTORS, NEIGHBOUR_FEATURES, OUTCOME};
pub use error::RiskError;
pub use forecast::{forecast, Direction, Driver, Forecast, ForecastEntry, ForecastOptions};
pub use gbm::GbmOptions;
pub use glmnet::ElasticNetOptions;
pub use metrics::{spearman, ReliabilityBin};
pub use model::{ModelName, ModelOptions};
