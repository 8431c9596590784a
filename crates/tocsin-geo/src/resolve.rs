//! Resolving a place as a reporter typed it ("Juba, South Sudan", "Goma (DRC)", "حلب") to a
//! point and a situation, or saying why not.
//!
//! The query is split at commas and parentheses. A last part that names a country (by name in
//! any language the crosswalk carries, by ISO code in capitals, or by the crosswalk's
//! recognition pattern) restricts the search to that country; the remaining parts are tried in
//! order, the first being the place itself and later ones containing areas. Candidates are
//! ranked by population, primary names above alternate ones, the hinted situation first. When
//! the best candidates lie in different countries with populations within an order of
//! magnitude and nothing says which is meant, the answer is `Ambiguous`: guessing a country in
//! an atrocity early-warning system routes a report to the wrong desk.

use std::fmt;

use serde::Serialize;
use tocsin_domain::SituationId;

use crate::gazetteer::{Gazetteer, Posting};
use crate::normalise::{normalise, words};

/// A runner-up in another country within this fraction of the best candidate's weight makes
/// the name ambiguous (Tripoli: Libya 1.3 M, Lebanon 0.23 M).
const AMBIGUITY_RATIO: f64 = 0.1;
/// Alternate names (translations, transliterations, old names) count half a primary name.
const ALTERNATE_NAME_WEIGHT: f64 = 0.5;
/// Places with no population recorded still weigh something.
const MIN_POPULATION: u64 = 1_000;
/// At most this many candidates are returned for an ambiguous name.
const MAX_ALTERNATIVES: usize = 5;
/// Confidence when only the country of a place could be established.
const COUNTRY_ONLY_CONFIDENCE: f64 = 0.4;
/// Confidence when the whole query is a country recognised by a crosswalk pattern.
const COUNTRY_PATTERN_CONFIDENCE: f64 = 0.8;
/// Confidence when the whole query is a country code typed in capitals ("DRC").
const COUNTRY_CODE_CONFIDENCE: f64 = 0.8;
/// Confidence factor for a place found outside the country the query names.
const CONTRADICTED_FACTOR: f64 = 0.4;
/// Confidence factor for a match on a containing area ("Kutupalong, Cox's Bazar" → Cox's
/// Bazar) rather than on the place named first.
const CONTAINING_AREA_FACTOR: f64 = 0.6;
/// Confidence factor when the hint, not the name, chose among countries.
const HINT_CHOSE_FACTOR: f64 = 0.9;

/// What kind of place a resolution points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    City,
    Country,
}

/// A resolved place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The gazetteer's name for the place (GeoNames' name, or the domain table's country name).
    pub name: String,
    /// GeoNames id, for a city.
    pub geonameid: Option<u64>,
    /// Latitude and longitude in degrees (WGS 84). For a country: its centre of population.
    pub point: (f64, f64),
    /// The country situation the place lies in.
    pub situation: SituationId,
    pub country_iso2: String,
    /// GeoNames first-level administrative division code (a state or province), for a city.
    pub admin1_code: Option<String>,
    pub population: u64,
    /// The part of the query (or text) that was matched, as it was typed.
    pub matched: String,
    /// How sure the gazetteer is, in [0, 1].
    pub confidence: f64,
    pub kind: PlaceKind,
}

/// Why a name could not be placed: shown to the analyst who takes it from the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum UnresolvedReason {
    /// Nothing but spaces and punctuation.
    Empty,
    /// No place or country in the gazetteer has this name.
    UnknownName { name: String },
}

impl fmt::Display for UnresolvedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnresolvedReason::Empty => f.write_str("no place name given"),
            UnresolvedReason::UnknownName { name } => write!(
                f,
                "no town of 15,000 people or more, and no country, is called {name:?}; \
                 place it by hand or add the country (\"{name}, Country\")"
            ),
        }
    }
}

/// The outcome of resolving a place name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Resolution {
    Resolved(Place),
    /// Several places in different countries fit; best first.
    Ambiguous {
        candidates: Vec<Place>,
    },
    Unresolved {
        reason: UnresolvedReason,
    },
}

impl Resolution {
    /// The resolved place, if there is exactly one.
    pub fn place(&self) -> Option<&Place> {
        match self {
            Resolution::Resolved(place) => Some(place),
            _ => None,
        }
    }

    /// Confidence of the best answer: 0 when unresolved; for an ambiguous name, the best
    /// candidate's (which is itself lowered by the competition).
    pub fn confidence(&self) -> f64 {
        match self {
            Resolution::Resolved(place) => place.confidence,
            Resolution::Ambiguous { candidates } => {
                candidates.first().map_or(0.0, |place| place.confidence)
            }
            Resolution::Unresolved { .. } => 0.0,
        }
    }
}

/// A candidate under consideration: a posting and what it weighs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub posting: Posting,
    pub country: u16,
    pub weight: f64,
    pub population: u64,
}

impl Gazetteer {
    /// Resolves a place name as a reporter typed it. `hint` is the situation the report is
    /// already known to concern (from the channel, the reporter, a structured field): among
    /// same-named places, one in that situation's country is preferred.
    pub fn resolve(&self, query: &str, hint: Option<&SituationId>) -> Resolution {
        let segments: Vec<&str> = query
            .split([',', '(', ')', ';', '[', ']'])
            .map(str::trim)
            .filter(|segment| !normalise(segment).is_empty())
            .collect();
        let Some(&first) = segments.first() else {
            return Resolution::Unresolved {
                reason: UnresolvedReason::Empty,
            };
        };
        let hint = hint.and_then(|hint| self.country_of_situation(hint));

        // "Place, Country" or "Place (Country)".
        let mut places: &[&str] = &segments;
        let mut country_part: Option<(&str, u16)> = None;
        if let [head @ .., last] = segments.as_slice() {
            if !head.is_empty() {
                if let Some(country) = self.country_of_segment(last) {
                    places = head;
                    country_part = Some((last, country));
                }
            }
        }

        let within = country_part.map(|(_, country)| country);
        for (position, &place) in places.iter().enumerate() {
            let postings = self.postings(&normalise(place));
            let found = if position == 0 {
                self.rank(postings, place, within, hint, 1.0)
            } else {
                // A later part is a containing area ("Kutupalong, Cox's Bazar"), or a qualifier
                // ("Dagon Myothit (North)") that must not match an alternate name ("North"
                // for North Salt Lake): only primary names count there.
                let primary: Vec<Posting> = postings
                    .iter()
                    .copied()
                    .filter(|p| p.is_primary())
                    .collect();
                self.rank(&primary, place, within, hint, CONTAINING_AREA_FACTOR)
            };
            if let Some(resolution) = found {
                return resolution;
            }
        }
        if let Some((country_text, country)) = country_part {
            return self.country_only(first, country_text, country, hint);
        }
        // "Juba South Sudan": a country named at the end without a comma. Only taken when the
        // place is found in that country, so a village called "Cheme Ci" is not placed in
        // Côte d'Ivoire on the strength of two letters.
        if segments.len() == 1 {
            if let Some(resolution) = self.split_trailing_country(first, hint) {
                return resolution;
            }
        }
        // "Democratic Republic of Congo": an official name the crosswalk's recognition
        // patterns know. Not for one word, which patterns match too loosely.
        if words(first).len() > 1 {
            if let [country] = self.countries_matching_patterns(first).as_slice() {
                let posting = Posting::country(*country, true);
                return Resolution::Resolved(self.place(
                    posting,
                    first,
                    COUNTRY_PATTERN_CONFIDENCE,
                ));
            }
        }
        // "DRC", "SSD": a country code typed in capitals.
        if let Some(country) = self.country_by_code(first) {
            let place = self.place(
                Posting::country(country, true),
                first,
                COUNTRY_CODE_CONFIDENCE,
            );
            return Resolution::Resolved(place);
        }
        Resolution::Unresolved {
            reason: UnresolvedReason::UnknownName {
                name: first.to_string(),
            },
        }
    }

    /// The named country, when the place is not found in it. If the place is found elsewhere
    /// ("Goma, Congo": Goma is in Congo-Kinshasa, "Congo" names Congo-Brazzaville) the answer
    /// is ambiguous between the two readings, the named country first.
    fn country_only(
        &self,
        place: &str,
        country_text: &str,
        country: u16,
        hint: Option<u16>,
    ) -> Resolution {
        let named = self.place(
            Posting::country(country, true),
            country_text,
            COUNTRY_ONLY_CONFIDENCE,
        );
        let postings = self.postings(&normalise(place));
        let elsewhere = match self.rank(postings, place, None, hint, CONTRADICTED_FACTOR) {
            Some(Resolution::Resolved(place)) => vec![place],
            Some(Resolution::Ambiguous { candidates }) => candidates,
            _ => Vec::new(),
        };
        if elsewhere.is_empty() {
            return Resolution::Resolved(named);
        }
        let mut candidates = vec![named];
        candidates.extend(elsewhere.into_iter().take(MAX_ALTERNATIVES - 1));
        Resolution::Ambiguous { candidates }
    }

    /// Ranks the places filed under one name. `None` when there are none (in `within`, if
    /// given). `factor` scales the confidence for how the name was found.
    pub(crate) fn rank(
        &self,
        postings: &[Posting],
        matched: &str,
        within: Option<u16>,
        hint: Option<u16>,
        factor: f64,
    ) -> Option<Resolution> {
        let mut candidates: Vec<Candidate> = postings
            .iter()
            .map(|&posting| self.candidate(posting))
            .filter(|candidate| within.is_none_or(|country| candidate.country == country))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let mut factor = factor;
        if let Some(hint) = hint {
            let elsewhere = candidates.iter().any(|candidate| candidate.country != hint);
            if candidates.iter().any(|candidate| candidate.country == hint) {
                candidates.retain(|candidate| candidate.country == hint);
                if elsewhere {
                    factor *= HINT_CHOSE_FACTOR;
                }
            }
        }
        candidates.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| {
                    a.posting
                        .is_country()
                        .cmp(&b.posting.is_country())
                        .reverse()
                })
                .then_with(|| a.posting.id.cmp(&b.posting.id))
        });
        let total: f64 = candidates.iter().map(|candidate| candidate.weight).sum();
        let share_of_country = |country: u16| {
            candidates
                .iter()
                .filter(|candidate| candidate.country == country)
                .map(|candidate| candidate.weight)
                .sum::<f64>()
                / total
        };
        let confidence = |candidate: &Candidate| {
            let base = if candidate.posting.is_primary() {
                0.95
            } else {
                0.85
            };
            (base * (0.5 + 0.5 * share_of_country(candidate.country)) * factor).clamp(0.0, 1.0)
        };

        let top = candidates[0];
        let rival = candidates
            .iter()
            .find(|candidate| candidate.country != top.country);
        let contested = rival.is_some_and(|rival| rival.weight >= AMBIGUITY_RATIO * top.weight);
        if contested && within.is_none() {
            // The best candidate of each country, best country first.
            let mut seen: Vec<u16> = Vec::new();
            let places = candidates
                .iter()
                .filter(|candidate| {
                    let first = !seen.contains(&candidate.country);
                    seen.push(candidate.country);
                    first
                })
                .take(MAX_ALTERNATIVES)
                .map(|candidate| self.place(candidate.posting, matched, confidence(candidate)))
                .collect();
            return Some(Resolution::Ambiguous { candidates: places });
        }
        Some(Resolution::Resolved(self.place(
            top.posting,
            matched,
            confidence(&top),
        )))
    }

    pub(crate) fn candidate(&self, posting: Posting) -> Candidate {
        let (country, population) = if posting.is_country() {
            let country = posting.id as u16;
            (country, self.countries[usize::from(country)].population)
        } else {
            let city = &self.cities[posting.id as usize];
            (city.country, city.population)
        };
        let name_weight = if posting.is_primary() {
            1.0
        } else {
            ALTERNATE_NAME_WEIGHT
        };
        Candidate {
            posting,
            country,
            weight: population.max(MIN_POPULATION) as f64 * name_weight,
            population,
        }
    }

    pub(crate) fn place(&self, posting: Posting, matched: &str, confidence: f64) -> Place {
        if posting.is_country() {
            let country = &self.countries[posting.id as usize];
            return Place {
                name: country.name.clone(),
                geonameid: None,
                point: country.point,
                situation: country.situation.clone(),
                country_iso2: country.iso2.clone(),
                admin1_code: None,
                population: country.population,
                matched: matched.to_string(),
                confidence,
                kind: PlaceKind::Country,
            };
        }
        let city = &self.cities[posting.id as usize];
        let country = &self.countries[usize::from(city.country)];
        Place {
            name: city.name.to_string(),
            geonameid: Some(city.geonameid),
            point: (city.latitude, city.longitude),
            situation: country.situation.clone(),
            country_iso2: country.iso2.clone(),
            admin1_code: Some(city.admin1_code.to_string()).filter(|code| !code.is_empty()),
            population: city.population,
            matched: matched.to_string(),
            confidence,
            kind: PlaceKind::City,
        }
    }

    /// Whether the place's own name, normalised, starts with `key` as a whole word.
    pub(crate) fn primary_name_starts_with(&self, posting: Posting, key: &str) -> bool {
        let name = if posting.is_country() {
            normalise(&self.countries[posting.id as usize].name)
        } else {
            normalise(&self.cities[posting.id as usize].name)
        };
        name.strip_prefix(key)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    }

    pub(crate) fn country_of_situation(&self, situation: &SituationId) -> Option<u16> {
        let country = situation.country();
        self.countries
            .iter()
            .position(|entry| entry.situation == country)
            .and_then(|index| u16::try_from(index).ok())
    }

    /// The country a part of a query names, if it names one.
    fn country_of_segment(&self, segment: &str) -> Option<u16> {
        if let Some(country) = self.country_by_code(segment) {
            return Some(country);
        }
        let postings = self.postings(&normalise(segment));
        let named = postings
            .iter()
            .filter(|posting| posting.is_country())
            .map(|&posting| self.candidate(posting))
            .max_by(|a, b| a.weight.total_cmp(&b.weight));
        if let Some(candidate) = named {
            return Some(candidate.country);
        }
        // Recognition patterns match substrings ("kinshasa" names the DRC), so a part that is
        // a town's name is a town, not a country.
        if !postings.is_empty() {
            return None;
        }
        match self.countries_matching_patterns(segment).as_slice() {
            [country] => Some(*country),
            _ => None,
        }
    }

    /// Resolves "Juba South Sudan": a place followed by a country's name (of at least four
    /// letters) without a comma, when the place lies in that country.
    fn split_trailing_country(&self, query: &str, hint: Option<u16>) -> Option<Resolution> {
        let words = words(query);
        (1..words.len().min(5)).rev().find_map(|count| {
            let start = words[words.len() - count].span.start;
            let (place, country_text) = query.split_at(start);
            let key = normalise(country_text);
            if key.chars().count() < 4 {
                return None;
            }
            let country = self
                .postings(&key)
                .iter()
                .find(|posting| posting.is_country())
                .map(|&posting| self.candidate(posting).country)?;
            let place = place.trim();
            self.rank(
                self.postings(&normalise(place)),
                place,
                Some(country),
                hint,
                1.0,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "1": {"geonameid": 1, "name": "Aleppo", "latitude": 36.2, "longitude": 37.16,
            "countrycode": "SY", "population": 2098210, "admin1code": "09",
            "alternatenames": ["Alep", "حلب"]},
      "2": {"geonameid": 2, "name": "Tripoli", "latitude": 32.88, "longitude": 13.18,
            "countrycode": "LY", "population": 1302947, "admin1code": "", "alternatenames": []},
      "3": {"geonameid": 3, "name": "Tripoli", "latitude": 34.43, "longitude": 35.84,
            "countrycode": "LB", "population": 229398, "admin1code": "", "alternatenames": []},
      "4": {"geonameid": 4, "name": "Kano", "latitude": 12.0, "longitude": 8.5,
            "countrycode": "NG", "population": 4910000, "admin1code": "", "alternatenames": []},
      "5": {"geonameid": 5, "name": "Kanō", "latitude": 35.0, "longitude": 136.0,
            "countrycode": "JP", "population": 15697, "admin1code": "", "alternatenames": []},
      "6": {"geonameid": 6, "name": "Cox's Bazar", "latitude": 21.45, "longitude": 91.97,
            "countrycode": "BD", "population": 253788, "admin1code": "", "alternatenames": []}
    }"#;

    fn gazetteer() -> Gazetteer {
        Gazetteer::from_geonames_slice(SAMPLE.as_bytes()).unwrap()
    }

    fn situation(code: &str) -> SituationId {
        SituationId::parse(code).unwrap()
    }

    #[test]
    fn names_in_any_language_resolve_to_the_city() {
        let gazetteer = gazetteer();
        for query in ["Aleppo", "alep", "حلب", "  ALEPPO, Syria ", "Aleppo (SYR)"] {
            let place = gazetteer.resolve(query, None);
            let place = place
                .place()
                .unwrap_or_else(|| panic!("{query}: {place:?}"));
            assert_eq!(place.situation, situation("SYR"), "{query}");
            assert_eq!(place.kind, PlaceKind::City);
        }
        let alternate = gazetteer.resolve("Alep", None);
        let primary = gazetteer.resolve("Aleppo", None);
        assert!(alternate.confidence() < primary.confidence());
    }

    #[test]
    fn the_bigger_place_wins_when_the_other_is_tiny() {
        let place = gazetteer().resolve("Kano", None);
        assert_eq!(place.place().unwrap().country_iso2, "NG");
        assert!(place.confidence() > 0.9);
    }

    #[test]
    fn comparable_places_in_two_countries_are_ambiguous_until_hinted() {
        let gazetteer = gazetteer();
        let Resolution::Ambiguous { candidates } = gazetteer.resolve("Tripoli", None) else {
            panic!("Tripoli should be ambiguous");
        };
        let countries: Vec<&str> = candidates.iter().map(|c| c.country_iso2.as_str()).collect();
        assert_eq!(countries, ["LY", "LB"]);
        let hinted = gazetteer.resolve("Tripoli", Some(&situation("LBN")));
        assert_eq!(hinted.place().unwrap().country_iso2, "LB");
        let named = gazetteer.resolve("Tripoli, Lebanon", None);
        assert_eq!(named.place().unwrap().country_iso2, "LB");
        let trailing = gazetteer.resolve("Tripoli Lebanon", None);
        assert_eq!(trailing.place().unwrap().country_iso2, "LB");
        // A hint for a country where no Tripoli lies does not decide anything.
        assert!(matches!(
            gazetteer.resolve("Tripoli", Some(&situation("SYR"))),
            Resolution::Ambiguous { .. }
        ));
    }

    #[test]
    fn an_unknown_place_in_a_known_country_resolves_to_the_country() {
        let gazetteer = gazetteer();
        let place = gazetteer.resolve("Kutupalong, Bangladesh", None);
        let place = place.place().unwrap();
        assert_eq!(place.kind, PlaceKind::Country);
        assert_eq!(place.situation, situation("BGD"));
        assert_eq!(place.confidence, COUNTRY_ONLY_CONFIDENCE);
        // A containing area that is a town beats the country alone.
        let camp = gazetteer.resolve("Kutupalong, Cox's Bazar, Bangladesh", None);
        assert_eq!(camp.place().unwrap().name, "Cox's Bazar");
        assert!(camp.confidence() < 0.6);
    }

    #[test]
    fn a_place_outside_the_named_country_is_ambiguous() {
        // Tripoli exists, but not in Syria: the report contradicts itself.
        let Resolution::Ambiguous { candidates } = gazetteer().resolve("Tripoli, Syria", None)
        else {
            panic!("a contradiction must not resolve");
        };
        assert_eq!(candidates[0].kind, PlaceKind::Country);
        assert_eq!(candidates[0].situation, situation("SYR"));
        assert_eq!(candidates.len(), 3);
        assert!(candidates[1].confidence < candidates[0].confidence);
    }

    #[test]
    fn nothing_to_go_on_is_unresolved_with_a_reason() {
        let gazetteer = gazetteer();
        assert_eq!(
            gazetteer.resolve(" ,() ", None),
            Resolution::Unresolved {
                reason: UnresolvedReason::Empty
            }
        );
        let Resolution::Unresolved { reason } = gazetteer.resolve("Xyzzyville", None) else {
            panic!("nonsense resolved");
        };
        assert!(reason.to_string().contains("Xyzzyville"));
    }

    #[test]
    fn country_names_resolve_to_the_country() {
        let place = gazetteer().resolve("Syria", None);
        let place = place.place().unwrap();
        assert_eq!(place.kind, PlaceKind::Country);
        assert_eq!(place.geonameid, None);
        assert_eq!(place.situation, situation("SYR"));
        assert!(
            (place.point.0 - 36.2).abs() < 1e-6,
            "centre of the one city"
        );
    }
}
