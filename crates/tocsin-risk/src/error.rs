//! The one error type of the crate. Every message says what to do next, so the CLI can print it
//! as it is (and exit with code 2: these are all "could not run" errors).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum RiskError {
    /// The rows lack a predictor or outcome column the models need (absent from the file).
    #[error(
        "the data has no column{} {}; use the Early Warning Project's prepared predictor file \
         (prepared<YEAR>predictors-*.csv), which has all 39 predictors and the outcomes",
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    )]
    MissingColumns { names: Vec<String> },

    /// A year the run needs has rows, but none with every predictor and outcome present
    /// (or no rows at all).
    #[error(
        "no usable rows for {year} ({purpose}): {detail}; pick another year or fill in the \
         missing values"
    )]
    NoUsableRows {
        year: i32,
        purpose: &'static str,
        detail: String,
    },

    /// A model name that is not one of [`crate::ModelName::ALL`].
    #[error("unknown model {given:?}; known models: {}", known.join(", "))]
    UnknownModel {
        given: String,
        known: Vec<&'static str>,
    },

    /// The training rows have only one outcome class, so no model can be fitted.
    #[error(
        "the training rows up to {last_year} have {onsets} onsets in {rows} rows; a model needs \
         both onsets and non-onsets, so start the run later"
    )]
    OneClass {
        last_year: i32,
        rows: usize,
        onsets: usize,
    },

    /// Options that cannot work together (for example fewer than three cross-validation folds).
    #[error("invalid option: {0}")]
    InvalidOption(String),
}
