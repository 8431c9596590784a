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

/// A land border between two countries (Gleditsch-Ward codes, `a < b`) over a span of years:
/// their shapes, both valid in those years, share a stretch of boundary. CShapes 2.0 is the
/// first source of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Border {
    pub a: u16,
    pub b: u16,
    /// First and last year (inclusive) in which the two shared the border.
    pub from_year: i32,
    pub to_year: i32,
}

/// The 39 predictors of the Early Warning Project's 2025 model, in EWP's order. `year` is the
/// row's year ([`CountryYear::year`]); the others are read from [`CountryYear::values`].
/// The importer requires them and the risk model fits them: one list, so the two cannot drift.
pub const EWP_PREDICTORS: [&str; 39] = [
    "widetargeting",
    "narrowtargeting",
    "v2csgender_binary",
    "v2mecenefm_binary",
    "partyban.new.0",
    "partyban.new.1",
    "partyban.new.2",
    "minorityrule",
    "judicialreform",
    "religiousfreedom",
    "pol_killing_approved",
    "freediscussion",
    "social_inequality",
    "even_civilrights",
    "repress_civilsoc",
    "social_power_dist",
    "ses_power_dist",
    "popsize.log2",
    "gdppcgrowth",
    "un_imr_sqrt",
    "efindex",
    "discrimpop",
    "reg.na",
    "reg.eap",
    "reg.sca",
    "reg.mna",
    "reg.eur",
    "ios.iccpr1",
    "battledeaths.log2",
    "coup.try.5yr",
    "mk_ongoing_count_log2",
    "mean_mk_onset_interaction",
    "mk_onset_prev_year",
    "newcountry",
    "mk_ever",
    "year_sq",
    "year",
    "countryage.new.log2",
    "includesnonstate",
];

/// The outcomes of the EWP country-year file: a mass-killing onset in the row's year, and in
/// the year after the row's year or the one after.
pub const EWP_OUTCOMES: [&str; 2] = ["mk_onset", "mk_onset_1or2"];
