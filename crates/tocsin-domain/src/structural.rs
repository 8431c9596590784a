//! Structural data: one row of predictors per country and year, as the statistical risk model
//! consumes it (the Early Warning Project's country-year file is the first such dataset).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::SituationId;

/// The predictors and outcomes recorded for one country in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryYear {
    pub situation: SituationId,
    pub year: i32,
    /// The country's name as the dataset spells it ("Burma/Myanmar").
    pub name_in_source: String,
    /// Variable name to value; `None` where the dataset has no value (NA).
    pub values: BTreeMap<String, Option<f64>>,
}
