//! The versioned indicator catalogue: the risk factors and indicators analysts code reports
//! against.
//!
//! The catalogue follows the UN Framework of Analysis for Atrocity Crimes (2014): fourteen risk
//! factors, eight common to all atrocity crimes and two each specific to genocide, crimes
//! against humanity and war crimes, each broken down into indicators. Every indicator says which
//! escalation stages and which sides of the crime triangle it speaks to. The eight categories
//! of the 2009 OSAPG Analysis Framework are kept as legacy categories mapped onto the factors,
//! so that analyses made with the older framework stay comparable.
//!
//! The catalogue is data, not code: a default is compiled in from
//! `data/catalogue/framework-of-analysis.toml`, and a deployment may supply its own revision
//! as TOML text. Either way it passes through [`Catalogue::from_toml`], which rejects anything
//! inconsistent, so the rest of the system can rely on the invariants listed there. This module
//! does no I/O: reading a replacement file is the caller's job.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::escalation::{Dimension, Stage};
use crate::DomainError;

/// The default catalogue, compiled into the binary.
const EMBEDDED_SOURCE: &str = include_str!("../data/catalogue/framework-of-analysis.toml");

/// The 2014 framework numbers its risk factors 1 to 14; a catalogue has each exactly once.
pub const RISK_FACTOR_COUNT: u8 = 14;

/// Which atrocity crimes a risk factor concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeScope {
    /// Factors 1-8: relevant to all atrocity crimes.
    Common,
    /// Factors 9-10.
    Genocide,
    /// Factors 11-12.
    CrimesAgainstHumanity,
    /// Factors 13-14.
    WarCrimes,
}

impl CrimeScope {
    pub const ALL: [CrimeScope; 4] = [
        CrimeScope::Common,
        CrimeScope::Genocide,
        CrimeScope::CrimesAgainstHumanity,
        CrimeScope::WarCrimes,
    ];

    /// The name used in catalogue files and wire formats.
    pub fn as_str(self) -> &'static str {
        match self {
            CrimeScope::Common => "common",
            CrimeScope::Genocide => "genocide",
            CrimeScope::CrimesAgainstHumanity => "crimes_against_humanity",
            CrimeScope::WarCrimes => "war_crimes",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            CrimeScope::Common => "all atrocity crimes",
            CrimeScope::Genocide => "genocide",
            CrimeScope::CrimesAgainstHumanity => "crimes against humanity",
            CrimeScope::WarCrimes => "war crimes",
        }
    }

    /// The scope the 2014 framework gives risk factor `number`, or `None` outside 1..=14.
    pub fn of_factor(number: u8) -> Option<CrimeScope> {
        match number {
            1..=8 => Some(CrimeScope::Common),
            9..=10 => Some(CrimeScope::Genocide),
            11..=12 => Some(CrimeScope::CrimesAgainstHumanity),
            13..=14 => Some(CrimeScope::WarCrimes),
            _ => None,
        }
    }
}

impl fmt::Display for CrimeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the eight categories of the 2009 OSAPG Analysis Framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyCategory {
    /// "L1" to "L8" in the embedded catalogue.
    pub id: String,
    pub name: String,
    pub description: String,
}

/// One observable sign under a risk factor, e.g. "7.5: militias are set up".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// "<factor number>.<index>", e.g. "7.5".
    pub code: String,
    pub text: String,
    /// Escalation stages the indicator speaks to; never empty in a loaded catalogue. Missing
    /// lists default to empty so that validation, not the parser, names the indicator.
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Sides of the crime triangle the indicator concerns; never empty in a loaded catalogue.
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// Lowercase words or phrases that, found in a report, suggest this indicator.
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl Indicator {
    /// Whether the indicator speaks to `stage`.
    pub fn speaks_to(&self, stage: Stage) -> bool {
        self.stages.contains(&stage)
    }

    /// Whether the indicator concerns `dimension` of the crime triangle.
    pub fn concerns(&self, dimension: Dimension) -> bool {
        self.dimensions.contains(&dimension)
    }
}

/// One of the fourteen risk factors, with its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskFactor {
    /// 1 to 14.
    pub number: u8,
    /// A short unique code, "RF1".."RF14" in the embedded catalogue.
    pub code: String,
    pub name: String,
    pub scope: CrimeScope,
    pub summary: String,
    /// Ids of the 2009 categories that map onto this factor.
    #[serde(default)]
    pub legacy_categories: Vec<String>,
    /// Named `indicator` in the file, so each one is a `[[risk_factor.indicator]]` table.
    #[serde(rename = "indicator", default)]
    pub indicators: Vec<Indicator>,
}

impl RiskFactor {
    /// The indicator with `code` under this factor.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators
            .iter()
            .find(|indicator| indicator.code == code)
    }
}

/// An indicator suggested for a piece of text, with the keywords that were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub indicator_code: String,
    /// The indicator's keywords that occur in the text, in catalogue order.
    pub matched: Vec<String>,
}

/// The catalogue file as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    version: String,
    title: String,
    based_on: String,
    #[serde(rename = "legacy_category", default)]
    legacy_categories: Vec<LegacyCategory>,
    #[serde(rename = "risk_factor", default)]
    risk_factors: Vec<RiskFactor>,
}

/// A validated indicator catalogue.
///
/// Invariants (checked by [`Catalogue::from_toml`] and on any deserialisation):
/// - risk factors 1 to 14 each appear exactly once, in order, each with the framework's scope;
/// - factor codes and indicator codes are unique, and every indicator code is
///   `<factor number>.<positive index>`;
/// - every indicator has text, at least one stage and at least one dimension, none repeated,
///   and its keywords are lowercase, non-blank and distinct;
/// - legacy category ids are unique, every reference to one exists, and every legacy category
///   maps onto at least one factor.
///
/// Serialises with the same field names as the TOML file, so a catalogue can be written back
/// out and loaded again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CatalogueFile")]
pub struct Catalogue {
    version: String,
    title: String,
    based_on: String,
    #[serde(rename = "legacy_category")]
    legacy_categories: Vec<LegacyCategory>,
    #[serde(rename = "risk_factor")]
    risk_factors: Vec<RiskFactor>,
}

impl Catalogue {
    /// The catalogue compiled into Tocsin, parsed on first use.
    pub fn embedded() -> &'static Catalogue {
        static EMBEDDED: OnceLock<Catalogue> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            // The file is fixed at build time and the tests below load it, so a failure here is
            // a defect in the build, not something a running deployment could cause or handle.
            Catalogue::from_toml(EMBEDDED_SOURCE)
                .unwrap_or_else(|error| panic!("the embedded catalogue is invalid: {error}"))
        })
    }

    /// The TOML text of the embedded catalogue, e.g. for a deployment to start its own from.
    pub fn embedded_source() -> &'static str {
        EMBEDDED_SOURCE
    }

    /// Parses and validates a catalogue. Validation reports every problem it finds, separated
    /// by "; ", each naming the factor and indicator concerned.
    pub fn from_toml(text: &str) -> Result<Catalogue, DomainError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|error| {
            DomainError::Catalogue(format!("not a valid catalogue file: {error}"))
        })?;
        Catalogue::try_from(file)
    }

    /// The catalogue's version string, e.g. "2014.1"; recorded with every coding decision.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// The documents the catalogue is derived from.
    pub fn based_on(&self) -> &str {
        &self.based_on
    }

    /// All fourteen factors, in number order.
    pub fn risk_factors(&self) -> &[RiskFactor] {
        &self.risk_factors
    }

    pub fn risk_factor(&self, number: u8) -> Option<&RiskFactor> {
        // Validation sorted the factors 1..=14, so the number is the index plus one.
        let index = usize::from(number).checked_sub(1)?;
        self.risk_factors.get(index)
    }

    /// The factors specific to `scope` (or, for `CrimeScope::Common`, the common ones).
    pub fn factors_for_scope(&self, scope: CrimeScope) -> impl Iterator<Item = &RiskFactor> {
        self.risk_factors
            .iter()
            .filter(move |factor| factor.scope == scope)
    }

    /// The indicator with `code`, e.g. "7.5", together with its factor.
    pub fn indicator(&self, code: &str) -> Option<(&RiskFactor, &Indicator)> {
        // The factor number is the code's prefix, so only one factor needs searching.
        let number = code.split_once('.')?.0.parse().ok()?;
        let factor = self.risk_factor(number)?;
        Some((factor, factor.indicator(code)?))
    }

    /// Every indicator with its factor, in catalogue order.
    pub fn indicators(&self) -> impl Iterator<Item = (&RiskFactor, &Indicator)> {
        self.risk_factors.iter().flat_map(|factor| {
            factor
                .indicators
                .iter()
                .map(move |indicator| (factor, indicator))
        })
    }

    pub fn indicator_count(&self) -> usize {
        self.risk_factors
            .iter()
            .map(|factor| factor.indicators.len())
            .sum()
    }

    /// The eight categories of the 2009 framework.
    pub fn legacy_categories(&self) -> &[LegacyCategory] {
        &self.legacy_categories
    }

    pub fn legacy_category(&self, id: &str) -> Option<&LegacyCategory> {
        self.legacy_categories
            .iter()
            .find(|category| category.id == id)
    }

    /// The factors that legacy category `id` maps onto; empty for an unknown id.
    pub fn factors_for_legacy(&self, id: &str) -> Vec<&RiskFactor> {
        self.risk_factors
            .iter()
            .filter(|factor| factor.legacy_categories.iter().any(|legacy| legacy == id))
            .collect()
    }

    /// Indicators that speak to `stage` and, when given, concern `dimension`.
    pub fn indicators_for(
        &self,
        stage: Stage,
        dimension: Option<Dimension>,
    ) -> impl Iterator<Item = (&RiskFactor, &Indicator)> {
        self.indicators().filter(move |(_, indicator)| {
            indicator.speaks_to(stage) && dimension.is_none_or(|wanted| indicator.concerns(wanted))
        })
    }

    /// Indicators whose keywords occur in `text`, best first.
    ///
    /// Matching is by whole words, case-insensitively: "armed" does not match inside
    /// "unarmed", and a phrase must appear with its words adjacent ("hate speech"). A regular
    /// English plural of a keyword word also matches ("rifle" finds "rifles", "militia" finds
    /// "militias", "party" finds "parties"), since reports rarely use the keyword's exact
    /// number. Indicators are ranked by how many of their keywords matched, then by how many
    /// words those keywords have (a matched phrase is more specific than a matched word), then
    /// by catalogue order. These are suggestions for an analyst, never automatic coding.
    pub fn suggest(&self, text: &str) -> Vec<Suggestion> {
        let text_words = words(text);
        let mut scored: Vec<(usize, usize, Suggestion)> = Vec::new();
        for (_, indicator) in self.indicators() {
            let mut matched = Vec::new();
            let mut matched_words = 0;
            for keyword in &indicator.keywords {
                let keyword_words = words(keyword);
                if contains_phrase(&text_words, &keyword_words) {
                    matched.push(keyword.clone());
                    matched_words += keyword_words.len();
                }
            }
            if !matched.is_empty() {
                let suggestion = Suggestion {
                    indicator_code: indicator.code.clone(),
                    matched,
                };
                scored.push((suggestion.matched.len(), matched_words, suggestion));
            }
        }
        // A stable sort keeps catalogue order among equal scores.
        scored.sort_by_key(|(keywords, matched_words, _)| {
            std::cmp::Reverse((*keywords, *matched_words))
        });
        scored
            .into_iter()
            .map(|(_, _, suggestion)| suggestion)
            .collect()
    }
}

impl TryFrom<CatalogueFile> for Catalogue {
    type Error = DomainError;

    fn try_from(file: CatalogueFile) -> Result<Self, Self::Error> {
        let problems = problems_in(&file);
        if !problems.is_empty() {
            return Err(DomainError::Catalogue(problems.join("; ")));
        }
        let mut risk_factors = file.risk_factors;
        risk_factors.sort_by_key(|factor| factor.number);
        Ok(Catalogue {
            version: file.version,
            title: file.title,
            based_on: file.based_on,
            legacy_categories: file.legacy_categories,
            risk_factors,
        })
    }
}

/// Everything wrong with a catalogue file, in file order. Empty means valid.
fn problems_in(file: &CatalogueFile) -> Vec<String> {
    let mut problems = Vec::new();
    if file.version.trim().is_empty() {
        problems.push("version is empty".to_owned());
    }
    if file.title.trim().is_empty() {
        problems.push("title is empty".to_owned());
    }

    let mut legacy_ids = BTreeSet::new();
    for (position, category) in file.legacy_categories.iter().enumerate() {
        if category.id.trim().is_empty() {
            problems.push(format!("legacy category {}: id is empty", position + 1));
        } else if !legacy_ids.insert(category.id.as_str()) {
            problems.push(format!("legacy category {} is defined twice", category.id));
        }
        if category.name.trim().is_empty() {
            problems.push(format!("legacy category {}: name is empty", category.id));
        }
    }

    let mut factor_codes: BTreeMap<&str, u8> = BTreeMap::new();
    let mut indicator_codes: BTreeMap<&str, u8> = BTreeMap::new();
    let mut numbers_seen = BTreeSet::new();
    let mut legacy_used = BTreeSet::new();
    for factor in &file.risk_factors {
        let number = factor.number;
        let Some(expected_scope) = CrimeScope::of_factor(number) else {
            problems.push(format!(
                "risk factor {number}: the framework numbers its factors 1 to {RISK_FACTOR_COUNT}"
            ));
            continue;
        };
        if !numbers_seen.insert(number) {
            problems.push(format!("risk factor {number} is defined twice"));
        }
        let here = format!("risk factor {number}");
        if factor.code.trim().is_empty() {
            problems.push(format!("{here}: code is empty"));
        } else if let Some(other) = factor_codes.insert(&factor.code, number) {
            problems.push(format!(
                "{here}: code {} is already used by risk factor {other}",
                factor.code
            ));
        }
        if factor.name.trim().is_empty() {
            problems.push(format!("{here}: name is empty"));
        }
        // The scopes are part of the framework's structure, and filtering by crime depends on
        // them, so a catalogue may reword a factor but not move it to another crime.
        if factor.scope != expected_scope {
            problems.push(format!(
                "{here}: scope is {} but the framework puts it under {expected_scope}",
                factor.scope
            ));
        }

        let mut listed = BTreeSet::new();
        for legacy in &factor.legacy_categories {
            if !legacy_ids.contains(legacy.as_str()) {
                problems.push(format!("{here}: unknown legacy category {legacy}"));
            } else if !listed.insert(legacy.as_str()) {
                problems.push(format!("{here}: legacy category {legacy} is listed twice"));
            }
            legacy_used.insert(legacy.as_str());
        }

        if factor.indicators.is_empty() {
            problems.push(format!("{here} has no indicators"));
        }
        for indicator in &factor.indicators {
            let code = indicator.code.as_str();
            if !has_factor_prefix(code, number) {
                problems.push(format!(
                    "{here}: indicator {code:?} should be numbered {number}.<index>"
                ));
            }
            if let Some(other) = indicator_codes.insert(code, number) {
                problems.push(format!(
                    "{here}: indicator {code} is already defined under risk factor {other}"
                ));
            }
            problems.extend(
                indicator_problems(indicator)
                    .into_iter()
                    .map(|problem| format!("{here}: indicator {code} {problem}")),
            );
        }
    }

    for number in 1..=RISK_FACTOR_COUNT {
        if !numbers_seen.contains(&number) {
            problems.push(format!("risk factor {number} is missing"));
        }
    }
    for category in &file.legacy_categories {
        if !legacy_used.contains(category.id.as_str()) {
            problems.push(format!(
                "legacy category {} is not mapped onto any risk factor",
                category.id
            ));
        }
    }
    problems
}

/// Whether `code` reads "<number>.<positive index>".
fn has_factor_prefix(code: &str, number: u8) -> bool {
    let Some((prefix, index)) = code.split_once('.') else {
        return false;
    };
    let index_is_positive = !index.starts_with('0')
        && !index.is_empty()
        && index.bytes().all(|byte| byte.is_ascii_digit());
    prefix == number.to_string() && index_is_positive
}

/// Problems within one indicator, phrased to follow "indicator 3.4 ".
fn indicator_problems(indicator: &Indicator) -> Vec<String> {
    let mut problems = Vec::new();
    if indicator.text.trim().is_empty() {
        problems.push("has no text".to_owned());
    }
    if indicator.stages.is_empty() {
        problems.push("has no stage".to_owned());
    }
    if indicator.dimensions.is_empty() {
        problems.push("has no dimension".to_owned());
    }
    let mut stages = BTreeSet::new();
    for stage in &indicator.stages {
        if !stages.insert(stage) {
            problems.push(format!("lists stage {} twice", stage.number()));
        }
    }
    let mut dimensions = BTreeSet::new();
    for dimension in &indicator.dimensions {
        if !dimensions.insert(dimension) {
            problems.push(format!("lists dimension {dimension} twice"));
        }
    }
    let mut keywords = BTreeSet::new();
    for keyword in &indicator.keywords {
        // Reports are lowercased before matching, so an uppercase keyword could never match.
        if words(keyword).is_empty() {
            problems.push(format!("has a keyword with no words: {keyword:?}"));
        } else if *keyword != keyword.to_lowercase() {
            problems.push(format!("has keyword {keyword:?}, which is not lowercase"));
        } else if !keywords.insert(keyword.as_str()) {
            problems.push(format!("lists keyword {keyword:?} twice"));
        }
    }
    problems
}

/// Splits text into lowercase words: maximal runs of letters and digits. Hyphens and
/// apostrophes separate words, so "self-defence" is the two words "self" and "defence" in
/// reports and keywords alike.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phrase` occurs as consecutive words of `text`.
fn contains_phrase(text: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty()
        && text.windows(phrase.len()).any(|window| {
            window
                .iter()
                .zip(phrase)
                .all(|(word, keyword_word)| word_matches(word, keyword_word))
        })
}

/// Whether a text word is the keyword word or its regular plural ("-s", "-es", "-y" to "-ies").
fn word_matches(word: &str, keyword_word: &str) -> bool {
    if word == keyword_word {
        return true;
    }
    let plural = word
        .strip_prefix(keyword_word)
        .is_some_and(|ending| ending == "s" || ending == "es");
    let plural_of_y = keyword_word.strip_suffix('y').is_some_and(|stem| {
        word.strip_prefix(stem)
            .is_some_and(|ending| ending == "ies")
    });
    plural || plural_of_y
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- The embedded catalogue ------------------------------------------------------------

    #[test]
    fn embedded_catalogue_loads_with_fourteen_factors_and_enough_indicators() {
        let catalogue = Catalogue::embedded();
        assert_eq!(catalogue.version(), "2014.1");
        assert_eq!(catalogue.risk_factors().len(), 14);
        let numbers: Vec<u8> = catalogue.risk_factors().iter().map(|f| f.number).collect();
        assert_eq!(numbers, (1..=14).collect::<Vec<u8>>());
        assert!(
            catalogue.indicator_count() >= 120,
            "only {} indicators",
            catalogue.indicator_count()
        );
        assert_eq!(catalogue.indicators().count(), catalogue.indicator_count());
    }

    #[test]
    fn embedded_factors_have_between_six_and_fourteen_indicators() {
        for factor in Catalogue::embedded().risk_factors() {
            let count = factor.indicators.len();
            assert!(
                (6..=14).contains(&count),
                "risk factor {} has {count} indicators",
                factor.number
            );
        }
    }

    #[test]
    fn embedded_indicators_have_three_to_eight_keywords() {
        for (_, indicator) in Catalogue::embedded().indicators() {
            let count = indicator.keywords.len();
            assert!(
                (3..=8).contains(&count),
                "indicator {} has {count} keywords",
                indicator.code
            );
        }
    }

    #[test]
    fn embedded_catalogue_covers_every_stage_and_dimension() {
        let catalogue = Catalogue::embedded();
        for stage in Stage::ALL {
            assert!(
                catalogue.indicators_for(stage, None).next().is_some(),
                "no indicator for {stage}"
            );
            for dimension in Dimension::ALL {
                assert!(
                    catalogue
                        .indicators_for(stage, Some(dimension))
                        .next()
                        .is_some(),
                    "no indicator for {stage} and {dimension}"
                );
            }
        }
    }

    #[test]
    fn embedded_legacy_categories_each_map_onto_a_factor() {
        let catalogue = Catalogue::embedded();
        let ids: Vec<&str> = catalogue
            .legacy_categories()
            .iter()
            .map(|category| category.id.as_str())
            .collect();
        assert_eq!(ids, ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"]);
        for id in ids {
            assert!(
                !catalogue.factors_for_legacy(id).is_empty(),
                "legacy category {id} maps onto no factor"
            );
        }
        // Triggering factors were a category in 2009 and a risk factor in 2014.
        let triggers: Vec<u8> = catalogue
            .factors_for_legacy("L8")
            .iter()
            .map(|factor| factor.number)
            .collect();
        assert_eq!(triggers, [8]);
        assert!(catalogue.factors_for_legacy("L9").is_empty());
    }

    #[test]
    fn embedded_scopes_follow_the_framework() {
        let catalogue = Catalogue::embedded();
        let numbers = |scope| -> Vec<u8> {
            catalogue
                .factors_for_scope(scope)
                .map(|factor| factor.number)
                .collect()
        };
        assert_eq!(numbers(CrimeScope::Common), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(numbers(CrimeScope::Genocide), [9, 10]);
        assert_eq!(numbers(CrimeScope::CrimesAgainstHumanity), [11, 12]);
        assert_eq!(numbers(CrimeScope::WarCrimes), [13, 14]);
    }

    #[test]
    fn lookups_find_factors_and_indicators_by_number_and_code() {
        let catalogue = Catalogue::embedded();
        assert_eq!(catalogue.risk_factor(7).unwrap().code, "RF7");
        assert!(catalogue.risk_factor(0).is_none());
        assert!(catalogue.risk_factor(15).is_none());

        let (factor, indicator) = catalogue.indicator("7.5").unwrap();
        assert_eq!(factor.number, 7);
        assert_eq!(indicator.code, "7.5");
        let (factor, _) = catalogue.indicator("10.2").unwrap();
        assert_eq!(factor.number, 10);
        for missing in ["7.99", "99.1", "7", "", "x.1"] {
            assert!(catalogue.indicator(missing).is_none(), "found {missing:?}");
        }
        assert_eq!(catalogue.legacy_category("L3").unwrap().id, "L3");
    }

    #[test]
    fn indicators_for_filters_by_stage_and_dimension() {
        let catalogue = Catalogue::embedded();
        let imminent_victim: Vec<_> = catalogue
            .indicators_for(Stage::ImminentEmergency, Some(Dimension::Victim))
            .collect();
        assert!(!imminent_victim.is_empty());
        for (_, indicator) in &imminent_victim {
            assert!(indicator.speaks_to(Stage::ImminentEmergency));
            assert!(indicator.concerns(Dimension::Victim));
        }
        let all_imminent = catalogue
            .indicators_for(Stage::ImminentEmergency, None)
            .count();
        assert!(all_imminent > imminent_victim.len());
    }

    #[test]
    fn catalogue_survives_a_round_trip_through_toml_and_json() {
        let catalogue = Catalogue::embedded();
        let toml_text = toml::to_string(catalogue).unwrap();
        assert_eq!(&Catalogue::from_toml(&toml_text).unwrap(), catalogue);
        let json = serde_json::to_string(catalogue).unwrap();
        assert_eq!(
            &serde_json::from_str::<Catalogue>(&json).unwrap(),
            catalogue
        );
    }

    #[test]
    fn deserialising_through_serde_also_validates() {
        let mut value = serde_json::to_value(Catalogue::embedded()).unwrap();
        value["risk_factor"].as_array_mut().unwrap().pop();
        let error = serde_json::from_value::<Catalogue>(value).unwrap_err();
        assert!(
            error.to_string().contains("risk factor 14 is missing"),
            "{error}"
        );
    }

    // --- Keyword suggestions ---------------------------------------------------------------

    #[test]
    fn suggest_puts_militia_arming_first() {
        let suggestions = Catalogue::embedded()
            .suggest("Men were handed rifles and machetes at the militia camp.");
        let best = &suggestions[0];
        assert_eq!(best.indicator_code, "7.5");
        assert_eq!(best.matched, ["militia", "rifle"]);
        // The machetes still point at the acquisition of weapons, ranked lower.
        let weapons = suggestions
            .iter()
            .find(|suggestion| suggestion.indicator_code == "7.4")
            .unwrap();
        assert_eq!(weapons.matched, ["machete"]);
    }

    #[test]
    fn suggest_does_not_match_inside_longer_words() {
        let catalogue = Catalogue::embedded();
        // Precondition: the catalogue does have the keyword this test is about.
        let (_, militia) = catalogue.indicator("7.5").unwrap();
        assert!(militia
            .keywords
            .iter()
            .any(|keyword| keyword == "armed men"));

        let suggestions = catalogue.suggest("A crowd of unarmed men gathered outside the office.");
        assert!(
            suggestions
                .iter()
                .all(|suggestion| !suggestion.matched.iter().any(|k| k == "armed men")),
            "{suggestions:?}"
        );
        // The same words, armed this time, do match.
        let suggestions = catalogue.suggest("A crowd of armed men gathered outside the office.");
        assert!(suggestions
            .iter()
            .any(|suggestion| suggestion.matched.iter().any(|k| k == "armed men")));
    }

    #[test]
    fn suggest_matches_phrases_only_when_their_words_are_adjacent() {
        let catalogue = small_catalogue(&["hate speech", "party"]);
        assert!(catalogue.suggest("the speech was full of hate").is_empty());
        let suggestions = catalogue.suggest("Hate-speech on the radio");
        assert_eq!(suggestions[0].matched, ["hate speech"]);
    }

    #[test]
    fn suggest_accepts_regular_plurals_but_not_other_endings() {
        let catalogue = small_catalogue(&["party", "church", "militia"]);
        let suggestions = catalogue.suggest("parties, churches and militias");
        assert_eq!(suggestions[0].matched, ["party", "church", "militia"]);
        assert!(catalogue
            .suggest("partisan churchyard militiaman")
            .is_empty());
    }

    #[test]
    fn suggest_ranks_by_number_of_matched_keywords() {
        let catalogue = Catalogue::embedded();
        let suggestions = catalogue.suggest(
            "Curfew and martial law declared; the internet shutdown continues and a militia is forming.",
        );
        assert_eq!(suggestions[0].indicator_code, "7.1");
        assert_eq!(suggestions[0].matched, ["martial law", "curfew"]);
        for pair in suggestions.windows(2) {
            assert!(pair[0].matched.len() >= pair[1].matched.len());
        }
    }

    #[test]
    fn suggest_returns_nothing_for_unrelated_text() {
        assert!(Catalogue::embedded()
            .suggest("The weather was mild and the harvest good.")
            .is_empty());
        assert!(Catalogue::embedded().suggest("").is_empty());
    }

    // --- Validation ------------------------------------------------------------------------

    /// A minimal valid catalogue: two legacy categories, fourteen factors with one indicator
    /// each. Tests break it with a textual replacement.
    fn minimal_toml() -> String {
        let mut text = String::from(
            "version = \"test.1\"\ntitle = \"Test\"\nbased_on = \"Nothing\"\n\n\
             [[legacy_category]]\nid = \"L1\"\nname = \"One\"\ndescription = \"First.\"\n\n\
             [[legacy_category]]\nid = \"L2\"\nname = \"Two\"\ndescription = \"Second.\"\n",
        );
        for number in 1..=RISK_FACTOR_COUNT {
            let scope = CrimeScope::of_factor(number).unwrap();
            let legacy = match number {
                1 => "[\"L1\"]",
                2 => "[\"L2\"]",
                _ => "[]",
            };
            text.push_str(&format!(
                "\n[[risk_factor]]\nnumber = {number}\ncode = \"RF{number}\"\n\
                 name = \"Factor {number}\"\nscope = \"{scope}\"\nsummary = \"Summary {number}.\"\n\
                 legacy_categories = {legacy}\n\n\
                 [[risk_factor.indicator]]\ncode = \"{number}.1\"\ntext = \"Indicator {number}.1.\"\n\
                 stages = [1]\ndimensions = [\"situation\"]\nkeywords = [\"keyword {number}\"]\n"
            ));
        }
        text
    }

    /// The minimal catalogue with `keywords` on indicator 1.1.
    fn small_catalogue(keywords: &[&str]) -> Catalogue {
        let list: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
        let text = minimal_toml().replace(
            "keywords = [\"keyword 1\"]",
            &format!("keywords = [{}]", list.join(", ")),
        );
        Catalogue::from_toml(&text).unwrap()
    }

    /// Applies one replacement (which must find its target) and returns the load error.
    fn error_after(from: &str, to: &str) -> String {
        let text = minimal_toml();
        assert!(text.contains(from), "the template has no {from:?}");
        match Catalogue::from_toml(&text.replacen(from, to, 1)) {
            Ok(_) => panic!("replacing {from:?} with {to:?} still loads"),
            Err(DomainError::Catalogue(message)) => message,
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    fn assert_error(from: &str, to: &str, expected: &str) {
        let message = error_after(from, to);
        assert!(
            message.contains(expected),
            "expected {expected:?} in {message:?}"
        );
    }

    #[test]
    fn minimal_catalogue_is_valid() {
        let catalogue = Catalogue::from_toml(&minimal_toml()).unwrap();
        assert_eq!(catalogue.version(), "test.1");
        assert_eq!(catalogue.indicator_count(), 14);
    }

    #[test]
    fn indicator_without_a_stage_is_rejected() {
        assert_error(
            "Indicator 3.1.\"\nstages = [1]",
            "Indicator 3.1.\"\nstages = []",
            "risk factor 3: indicator 3.1 has no stage",
        );
        // A missing list is reported the same way as an empty one.
        assert_error(
            "Indicator 3.1.\"\nstages = [1]\n",
            "Indicator 3.1.\"\n",
            "risk factor 3: indicator 3.1 has no stage",
        );
    }

    #[test]
    fn indicator_without_a_dimension_is_rejected() {
        assert_error(
            "stages = [1]\ndimensions = [\"situation\"]\nkeywords = [\"keyword 5\"]",
            "stages = [1]\ndimensions = []\nkeywords = [\"keyword 5\"]",
            "risk factor 5: indicator 5.1 has no dimension",
        );
    }

    #[test]
    fn repeated_stage_is_rejected() {
        assert_error(
            "Indicator 2.1.\"\nstages = [1]",
            "Indicator 2.1.\"\nstages = [1, 1]",
            "risk factor 2: indicator 2.1 lists stage 1 twice",
        );
    }

    #[test]
    fn stage_outside_one_to_three_is_rejected() {
        assert_error(
            "Indicator 2.1.\"\nstages = [1]",
            "Indicator 2.1.\"\nstages = [4]",
            "a stage is 1 (risk factors), 2 (crisis and mobilisation) or 3 (imminent emergency)",
        );
    }

    #[test]
    fn unknown_dimension_is_rejected() {
        assert_error(
            "Indicator 2.1.\"\nstages = [1]\ndimensions = [\"situation\"]",
            "Indicator 2.1.\"\nstages = [1]\ndimensions = [\"bystander\"]",
            "bystander",
        );
    }

    #[test]
    fn duplicate_factor_is_rejected_and_the_gap_reported() {
        let message = error_after("number = 4\n", "number = 3\n");
        assert!(
            message.contains("risk factor 3 is defined twice"),
            "{message}"
        );
        assert!(message.contains("risk factor 4 is missing"), "{message}");
    }

    #[test]
    fn factor_outside_one_to_fourteen_is_rejected() {
        let message = error_after("number = 14\n", "number = 15\n");
        assert!(
            message.contains("risk factor 15: the framework numbers its factors 1 to 14"),
            "{message}"
        );
        assert!(message.contains("risk factor 14 is missing"), "{message}");
    }

    #[test]
    fn duplicate_factor_code_is_rejected() {
        assert_error(
            "code = \"RF2\"",
            "code = \"RF1\"",
            "risk factor 2: code RF1 is already used by risk factor 1",
        );
    }

    #[test]
    fn duplicate_indicator_code_is_rejected() {
        assert_error(
            "keywords = [\"keyword 3\"]\n",
            "keywords = [\"keyword 3\"]\n\n[[risk_factor.indicator]]\ncode = \"3.1\"\n\
             text = \"Again.\"\nstages = [2]\ndimensions = [\"victim\"]\n",
            "risk factor 3: indicator 3.1 is already defined under risk factor 3",
        );
    }

    #[test]
    fn indicator_code_must_carry_its_factor_number() {
        assert_error(
            "code = \"3.1\"",
            "code = \"4.7\"",
            "risk factor 3: indicator \"4.7\" should be numbered 3.<index>",
        );
        assert_error(
            "code = \"3.1\"",
            "code = \"3.x\"",
            "risk factor 3: indicator \"3.x\" should be numbered 3.<index>",
        );
    }

    #[test]
    fn wrong_scope_is_rejected() {
        assert_error(
            "number = 9\ncode = \"RF9\"\nname = \"Factor 9\"\nscope = \"genocide\"",
            "number = 9\ncode = \"RF9\"\nname = \"Factor 9\"\nscope = \"common\"",
            "risk factor 9: scope is common but the framework puts it under genocide",
        );
    }

    #[test]
    fn unknown_legacy_category_is_rejected() {
        assert_error(
            "legacy_categories = [\"L1\"]",
            "legacy_categories = [\"L1\", \"L9\"]",
            "risk factor 1: unknown legacy category L9",
        );
    }

    #[test]
    fn unmapped_legacy_category_is_rejected() {
        assert_error(
            "legacy_categories = [\"L2\"]",
            "legacy_categories = []",
            "legacy category L2 is not mapped onto any risk factor",
        );
    }

    #[test]
    fn duplicate_legacy_category_is_rejected() {
        assert_error(
            "id = \"L2\"",
            "id = \"L1\"",
            "legacy category L1 is defined twice",
        );
    }

    #[test]
    fn factor_without_indicators_is_rejected() {
        let text = minimal_toml();
        let start = text
            .find("[[risk_factor.indicator]]\ncode = \"6.1\"")
            .unwrap();
        let end = start + text[start..].find("\n\n").unwrap();
        let broken = format!("{}{}", &text[..start], &text[end..]);
        let error = Catalogue::from_toml(&broken).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("risk factor 6 has no indicators"),
            "{error}"
        );
    }

    #[test]
    fn uppercase_or_repeated_keyword_is_rejected() {
        assert_error(
            "keywords = [\"keyword 4\"]",
            "keywords = [\"Militia\"]",
            "risk factor 4: indicator 4.1 has keyword \"Militia\", which is not lowercase",
        );
        assert_error(
            "keywords = [\"keyword 4\"]",
            "keywords = [\"militia\", \"militia\"]",
            "risk factor 4: indicator 4.1 lists keyword \"militia\" twice",
        );
        assert_error(
            "keywords = [\"keyword 4\"]",
            "keywords = [\" - \"]",
            "risk factor 4: indicator 4.1 has a keyword with no words",
        );
    }

    #[test]
    fn unknown_field_is_rejected() {
        // A misspelt field must not silently fall back to a default.
        assert_error(
            "stages = [1]\ndimensions = [\"situation\"]\nkeywords = [\"keyword 7\"]",
            "stages = [1]\ndimensions = [\"situation\"]\nkeywords = [\"keyword 7\"]\ncolour = \"red\"",
            "unknown field `colour`",
        );
        assert_error(
            "title = \"Test\"",
            "title = \"Test\"\nauthor = \"me\"",
            "unknown field `author`",
        );
        assert_error(
            "name = \"Factor 2\"",
            "name = \"Factor 2\"\nweight = 3",
            "unknown field `weight`",
        );
    }

    #[test]
    fn all_problems_are_reported_together() {
        let text = minimal_toml()
            .replacen(
                "Indicator 3.1.\"\nstages = [1]",
                "Indicator 3.1.\"\nstages = []",
                1,
            )
            .replacen("legacy_categories = [\"L2\"]", "legacy_categories = []", 1);
        let error = Catalogue::from_toml(&text).unwrap_err().to_string();
        assert!(error.starts_with("indicator catalogue: "), "{error}");
        assert!(error.contains("indicator 3.1 has no stage; "), "{error}");
        assert!(
            error.contains("legacy category L2 is not mapped"),
            "{error}"
        );
    }

    #[test]
    fn malformed_toml_is_a_catalogue_error() {
        let error = Catalogue::from_toml("version = ").unwrap_err();
        assert!(matches!(error, DomainError::Catalogue(_)));
        assert!(
            error.to_string().contains("not a valid catalogue file"),
            "{error}"
        );
    }
}
