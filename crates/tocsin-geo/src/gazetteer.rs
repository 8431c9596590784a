//! The gazetteer: places, countries and the name index, loaded from readers.
//!
//! Cities come from a GeoNames export (`geonames_cities15000.json`); countries from the
//! embedded domain table, named in many languages by the countrycode crosswalk
//! (`countrycode_codelist.csv`). Every name, primary or alternate, is indexed under its
//! normalised form (see `normalise`). The gazetteer never opens a path: callers hand it bytes
//! or a reader, so where the data lives is their decision.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use smallvec::SmallVec;
use tocsin_domain::{Countries, SituationId};

use crate::normalise::normalise;
use crate::GeoError;

/// A populated place from GeoNames.
#[derive(Debug, Clone)]
pub(crate) struct City {
    pub geonameid: u64,
    pub name: Box<str>,
    pub latitude: f64,
    pub longitude: f64,
    pub population: u64,
    pub admin1_code: Box<str>,
    /// Index into `Gazetteer::countries`.
    pub country: u16,
}

/// A country that has at least one place in the gazetteer.
#[derive(Debug, Clone)]
pub(crate) struct CountryEntry {
    pub situation: SituationId,
    pub iso2: String,
    pub name: String,
    /// Centre of population of the country's places (see `centre_of_population`).
    pub point: (f64, f64),
    /// Sum of the populations of the country's places: its weight against same-named towns.
    pub population: u64,
}

/// One candidate under an index key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Posting {
    pub id: u32,
    flags: u8,
}

impl Posting {
    const COUNTRY: u8 = 1;
    /// The key is the place's own (primary) name rather than one of its alternate names; for a
    /// country, a name in a language reports arrive in.
    const PRIMARY: u8 = 2;

    fn city(id: u32, primary: bool) -> Posting {
        Posting {
            id,
            flags: if primary { Self::PRIMARY } else { 0 },
        }
    }

    pub(crate) fn country(id: u16, primary: bool) -> Posting {
        Posting {
            id: u32::from(id),
            flags: Self::COUNTRY | if primary { Self::PRIMARY } else { 0 },
        }
    }

    pub fn is_country(self) -> bool {
        self.flags & Self::COUNTRY != 0
    }

    pub fn is_primary(self) -> bool {
        self.flags & Self::PRIMARY != 0
    }

    fn same_target(self, other: Posting) -> bool {
        self.id == other.id && self.is_country() == other.is_country()
    }
}

/// Counts that describe what a gazetteer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GazetteerStats {
    pub cities: usize,
    pub countries: usize,
    /// Distinct normalised names in the index.
    pub names: usize,
    /// (name, place) pairs in the index.
    pub postings: usize,
    /// Country-list rows that named no country of the domain table (historical states such as
    /// Prussia, "Unknown").
    pub skipped_country_rows: usize,
    /// Country recognition patterns taken from the crosswalk.
    pub country_patterns: usize,
}

/// Place names and where they are. Build with [`Gazetteer::from_geonames_json`], then add
/// country names in many languages with [`Gazetteer::with_country_names`].
pub struct Gazetteer {
    pub(crate) cities: Vec<City>,
    pub(crate) countries: Vec<CountryEntry>,
    pub(crate) index: HashMap<Box<str>, SmallVec<[Posting; 2]>>,
    /// Country codes as typed in a "Place, XX" query: ISO2 and ISO3, upper case.
    pub(crate) country_codes: HashMap<String, u16>,
    /// Country recognition patterns from the crosswalk (English, French, German, Italian) and
    /// the country each names, used only for the country part of a query.
    country_patterns: Vec<(String, u16)>,
    /// The patterns compiled on first use: compiling a thousand of them would double the
    /// load time, and most queries never need them.
    compiled_patterns: OnceLock<Option<(RegexSet, Vec<u16>)>>,
    skipped_country_rows: usize,
}

impl fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gazetteer")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// A GeoNames entry as it stands in the file. Every field is optional here so that a missing
/// one becomes a `GeoError::MissingField` naming the entry, not a bare serde message.
#[derive(Deserialize)]
struct RawCity<'a> {
    geonameid: Option<u64>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    #[serde(borrow)]
    countrycode: Option<Cow<'a, str>>,
    population: Option<u64>,
    #[serde(borrow, default)]
    admin1code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    alternatenames: Option<Vec<Cow<'a, str>>>,
}

impl Gazetteer {
    /// Loads a GeoNames cities export: a JSON object keyed by geonameid whose values carry
    /// `geonameid`, `name`, `latitude`, `longitude`, `countrycode` (ISO2), `population`,
    /// `admin1code` and `alternatenames`. Country names from the domain table (English) are
    /// indexed too; [`Gazetteer::with_country_names`] adds the other languages.
    pub fn from_geonames_json<R: Read>(mut reader: R) -> Result<Gazetteer, GeoError> {
        // One read into memory, then a borrowed parse: several times faster than letting
        // serde_json pull bytes from the reader one at a time.
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        Gazetteer::from_geonames_slice(&bytes)
    }

    /// A gazetteer of countries only, no towns: the domain table's names plus every name and
    /// pattern of the countrycode crosswalk, for datasets that name countries in words.
    pub fn countries_only<R: Read>(crosswalk: R) -> Result<Gazetteer, GeoError> {
        let mut builder = Builder::new(1024);
        for row in Countries::embedded().all() {
            if let Some(iso2) = &row.iso2 {
                builder.country(iso2);
            }
        }
        builder.finish().with_country_names(crosswalk)
    }

    /// [`Gazetteer::from_geonames_json`] on bytes already in memory.
    pub fn from_geonames_slice(bytes: &[u8]) -> Result<Gazetteer, GeoError> {
        // About one distinct name per 50 bytes of GeoNames JSON: reserving it up front spares
        // the index a dozen rehashes while it grows.
        let mut builder = Builder::new(bytes.len() / 50);
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let outcome = deserializer.deserialize_map(EntriesVisitor {
            builder: &mut builder,
        });
        match outcome {
            Ok(()) => {}
            Err(error) => return Err(builder.error.take().unwrap_or_else(|| error.into())),
        }
        deserializer.end()?;
        Ok(builder.finish())
    }

    /// Adds country names from the countrycode crosswalk: every name column (`country.name.*`,
    /// `un.name.*`, `iso.name.*`, `cldr.name.*`, `cldr.short.*`, `cldr.variant.*`, …) and the
    /// per-language recognition patterns (`*.regex`), so "Soudan du Sud", "جنوب السودان" or
    /// "DRC" resolve to their country's situation.
    pub fn with_country_names<R: Read>(mut self, reader: R) -> Result<Gazetteer, GeoError> {
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers = csv
            .headers()
            .map_err(|error| GeoError::CountryList(error.to_string()))?
            .clone();
        let column = |name: &str| headers.iter().position(|header| header == name);
        let (Some(iso2_column), Some(iso3_column)) = (column("iso2c"), column("iso3c")) else {
            return Err(GeoError::CountryList(
                "no iso2c and iso3c columns in the header".to_string(),
            ));
        };
        let gw_column = column("gwn");
        let english_column = column("country.name.en");
        // (column, whether its names are primary: see `is_primary_name_column`).
        let name_columns: Vec<(usize, bool)> = headers
            .iter()
            .enumerate()
            .filter(|(_, header)| is_name_column(header))
            .map(|(index, header)| (index, is_primary_name_column(header)))
            .collect();
        let cow_column = column("cowc");
        let pattern_columns: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, header)| header.starts_with("country.name.") && header.ends_with(".regex"))
            .map(|(index, _)| index)
            .collect();

        // How many columns give each name to each country: where two countries share a name
        // (one language's word for one is another's for the other), the majority keeps it.
        let mut support: HashMap<String, HashMap<u16, (u32, bool)>> = HashMap::new();
        let mut patterns: Vec<(String, u16)> = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|error| GeoError::CountryList(error.to_string()))?;
            let field = |index: usize| record.get(index).unwrap_or("").trim();
            let country = self.country_of_row(
                field(iso2_column),
                field(iso3_column),
                gw_column.map(field),
                english_column.map(field),
            );
            let Some(country) = country else {
                self.skipped_country_rows += 1;
                continue;
            };
            if let Some(code) = cow_column.map(field) {
                if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                    self.country_codes
                        .entry(code.to_string())
                        .or_insert(country);
                }
            }
            for &(index, primary) in &name_columns {
                let name = field(index);
                // CLDR falls back to the ISO code ("CI", "YE") where a language has no name.
                if looks_like_code(name) {
                    continue;
                }
                let key = normalise(name);
                if is_long_enough_name(&key) {
                    let entry = support.entry(key).or_default().entry(country).or_default();
                    entry.0 += 1;
                    entry.1 |= primary;
                }
            }
            for &index in &pattern_columns {
                if !field(index).is_empty() {
                    patterns.push((field(index).to_string(), country));
                }
            }
        }
        for (key, by_country) in support {
            let best = by_country
                .values()
                .map(|&(count, _)| count)
                .max()
                .unwrap_or(0);
            for (&country, &(_, primary)) in
                by_country.iter().filter(|(_, (count, _))| *count == best)
            {
                add_posting(
                    &mut self.index,
                    key.as_str(),
                    Posting::country(country, primary),
                );
            }
        }
        self.country_patterns.extend(patterns);
        self.compiled_patterns = OnceLock::new();
        Ok(self)
    }

    /// The country (index into `countries`) a crosswalk row stands for: by ISO2, then ISO3,
    /// then by Gleditsch–Ward number when the domain table gives that number the same name
    /// (Kosovo has no ISO code there). Historical states are not folded into successors.
    fn country_of_row(
        &self,
        iso2: &str,
        iso3: &str,
        gw: Option<&str>,
        english: Option<&str>,
    ) -> Option<u16> {
        let table = Countries::embedded();
        if let Some(&country) = self.country_codes.get(&iso2.to_ascii_uppercase()) {
            return Some(country);
        }
        if !iso3.is_empty() {
            let iso2 = table.by_iso3(iso3)?.iso2.as_deref()?;
            return self.country_codes.get(iso2).copied();
        }
        let gw = gw?.parse::<f64>().ok()?;
        let row = table.by_gw(gw as u16)?;
        if Some(row.name.as_str()) != english {
            return None;
        }
        self.country_codes.get(row.iso2.as_deref()?).copied()
    }

    fn compiled_patterns(&self) -> Option<&(RegexSet, Vec<u16>)> {
        let compiled = self.compiled_patterns.get_or_init(|| {
            // Patterns are written for case-insensitive matching; a few use look-around, which
            // this engine does not have: those countries are still recognised by their names.
            let (patterns, countries): (Vec<String>, Vec<u16>) = self
                .country_patterns
                .iter()
                .map(|(pattern, country)| (format!("(?i){pattern}"), *country))
                .filter(|(pattern, _)| Regex::new(pattern).is_ok())
                .unzip();
            let set = RegexSet::new(&patterns).ok()?;
            Some((set, countries))
        });
        compiled.as_ref()
    }

    pub fn stats(&self) -> GazetteerStats {
        GazetteerStats {
            cities: self.cities.len(),
            countries: self.countries.len(),
            names: self.index.len(),
            postings: self.index.values().map(|postings| postings.len()).sum(),
            skipped_country_rows: self.skipped_country_rows,
            country_patterns: self.country_patterns.len(),
        }
    }

    pub(crate) fn postings(&self, key: &str) -> &[Posting] {
        self.index
            .get(key)
            .map_or(&[], |postings| postings.as_slice())
    }

    /// Looks a country up by a code typed in upper case (`SS`, `SSD`).
    pub(crate) fn country_by_code(&self, code: &str) -> Option<u16> {
        let is_code =
            (code.len() == 2 || code.len() == 3) && code.bytes().all(|b| b.is_ascii_uppercase());
        if is_code {
            self.country_codes.get(code).copied()
        } else {
            None
        }
    }

    /// The countries the crosswalk's recognition patterns find in `text`.
    pub(crate) fn countries_matching_patterns(&self, text: &str) -> Vec<u16> {
        let Some((set, countries)) = self.compiled_patterns() else {
            return Vec::new();
        };
        let mut found: Vec<u16> = set
            .matches(text)
            .into_iter()
            .map(|index| countries[index])
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Columns of the crosswalk that hold a country's name in some language. Code columns
/// (`iso3c`, `cowc`) and the recognition patterns are not names.
fn is_name_column(header: &str) -> bool {
    !header.ends_with(".regex")
        && (header.contains(".name")
            || header.starts_with("cldr.short.")
            || header.starts_with("cldr.variant."))
        && !header.contains("region")
}

fn add_posting(index: &mut HashMap<Box<str>, SmallVec<[Posting; 2]>>, key: &str, posting: Posting) {
    let postings = match index.get_mut(key) {
        Some(postings) => postings,
        None => index.entry(key.into()).or_default(),
    };
    match postings.iter_mut().find(|known| known.same_target(posting)) {
        // The same place under the same key twice: keep it once, primary if either was.
        Some(known) => known.flags |= posting.flags,
        None => postings.push(posting),
    }
}

/// The languages (ISO 639-1) whose country names are primary names: the UN's six languages,
/// the crosswalk's own English, French, German and Italian, and the languages reports arrive
/// in. Intake detects a report's language among these unless a deployment names its own.
pub const REPORT_LANGUAGES: &[&str] = &[
    "am", "ar", "bn", "de", "en", "es", "fa", "fr", "ha", "hi", "it", "my", "ps", "pt", "ru", "so",
    "sw", "ti", "tr", "uk", "ur", "zh",
];

/// Names in these columns are a country's primary names: the crosswalk's own English, French,
/// German and Italian names, the UN's six languages, and CLDR names in languages reports
/// arrive in ([`REPORT_LANGUAGES`]). The other ~200 CLDR languages still resolve a country, but
/// count as alternate names: some are ordinary words elsewhere (Wolof "End" for India, Kabyle
/// "Laws" for Laos).
fn is_primary_name_column(header: &str) -> bool {
    let Some(rest) = header.strip_prefix("cldr.") else {
        return true;
    };
    let language = rest.split_once('.').map_or(rest, |(_, language)| language);
    let language = language.split('_').next().unwrap_or(language);
    REPORT_LANGUAGES.contains(&language)
}

/// Latin-script names of one or two letters are codes or abbreviations, not names.
fn is_long_enough_name(key: &str) -> bool {
    let latin = key
        .chars()
        .all(|c| c.is_ascii() || crate::normalise::is_latin(c));
    key.chars().count() >= if latin { 3 } else { 2 }
}

/// Alternate names that are codes rather than names: GeoNames lists airport codes ("THE" for
/// Teresina, "LA") among them, and they would shadow words like "the" and "la".
fn looks_like_code(name: &str) -> bool {
    name.len() <= 4
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

struct Builder {
    cities: Vec<City>,
    countries: Vec<CountryEntry>,
    country_codes: HashMap<String, u16>,
    index: HashMap<Box<str>, SmallVec<[Posting; 2]>>,
    /// The first problem met inside the visitor, with its entry key.
    error: Option<GeoError>,
}

impl Builder {
    fn new(expected_names: usize) -> Builder {
        Builder {
            cities: Vec::new(),
            countries: Vec::new(),
            country_codes: HashMap::new(),
            index: HashMap::with_capacity(expected_names),
            error: None,
        }
    }

    fn add(&mut self, key: &str, raw: RawCity<'_>) -> Result<(), GeoError> {
        let missing = |field| GeoError::MissingField {
            key: key.to_string(),
            field,
        };
        let invalid = |field, value: String| GeoError::InvalidField {
            key: key.to_string(),
            field,
            value,
        };
        let geonameid = raw.geonameid.ok_or_else(|| missing("geonameid"))?;
        let name = raw.name.ok_or_else(|| missing("name"))?;
        let latitude = raw.latitude.ok_or_else(|| missing("latitude"))?;
        let longitude = raw.longitude.ok_or_else(|| missing("longitude"))?;
        let iso2 = raw.countrycode.ok_or_else(|| missing("countrycode"))?;
        let population = raw.population.ok_or_else(|| missing("population"))?;
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(invalid("latitude", latitude.to_string()));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(invalid("longitude", longitude.to_string()));
        }
        let country = self
            .country(&iso2)
            .ok_or_else(|| invalid("countrycode", iso2.to_string()))?;
        let id = u32::try_from(self.cities.len())
            .map_err(|_| invalid("geonameid", "more than 4 billion places".to_string()))?;

        add_posting(&mut self.index, &normalise(&name), Posting::city(id, true));
        for alternate in raw.alternatenames.iter().flatten() {
            if looks_like_code(alternate) {
                continue;
            }
            let key = normalise(alternate);
            if !key.is_empty() {
                add_posting(&mut self.index, &key, Posting::city(id, false));
            }
        }
        self.cities.push(City {
            geonameid,
            name: name.into(),
            latitude,
            longitude,
            population,
            admin1_code: raw.admin1code.unwrap_or_default().into(),
            country,
        });
        Ok(())
    }

    /// The entry for an ISO2 code, created on first sight from the domain country table.
    fn country(&mut self, iso2: &str) -> Option<u16> {
        let iso2 = iso2.trim().to_ascii_uppercase();
        if let Some(&country) = self.country_codes.get(&iso2) {
            return Some(country);
        }
        let row = Countries::embedded()
            .all()
            .iter()
            .find(|row| row.iso2.as_deref() == Some(iso2.as_str()))?;
        let id = u16::try_from(self.countries.len()).ok()?;
        self.countries.push(CountryEntry {
            situation: row.situation_id(),
            iso2: iso2.clone(),
            name: row.name.clone(),
            point: (0.0, 0.0),
            population: 0,
        });
        if let Some(iso3) = &row.iso3 {
            self.country_codes.insert(iso3.clone(), id);
        }
        self.country_codes.insert(iso2, id);
        Some(id)
    }

    fn finish(mut self) -> Gazetteer {
        for (id, point) in centre_of_population(&self.cities, self.countries.len()) {
            self.countries[id].point = point;
        }
        for city in &self.cities {
            let country = &mut self.countries[usize::from(city.country)];
            country.population += city.population;
        }
        for (id, country) in self.countries.iter().enumerate() {
            let key = normalise(&country.name);
            // The index holds fewer than 65,536 countries: `country` refused to create more.
            let id = u16::try_from(id).unwrap_or(u16::MAX);
            add_posting(&mut self.index, &key, Posting::country(id, true));
        }
        self.index.shrink_to_fit();
        Gazetteer {
            cities: self.cities,
            countries: self.countries,
            index: self.index,
            country_codes: self.country_codes,
            country_patterns: Vec::new(),
            compiled_patterns: OnceLock::new(),
            skipped_country_rows: 0,
        }
    }
}

/// The population-weighted mean position of each country's places, averaged as unit vectors
/// so that countries across the antimeridian (Russia, Fiji) come out right. A stand-in for a
/// country's point until country shapes are loaded: it lies where people live.
fn centre_of_population(cities: &[City], countries: usize) -> Vec<(usize, (f64, f64))> {
    let mut sums = vec![[0.0f64; 3]; countries];
    for city in cities {
        let weight = city.population.max(1) as f64;
        let (lat, lon) = (city.latitude.to_radians(), city.longitude.to_radians());
        let sum = &mut sums[usize::from(city.country)];
        sum[0] += weight * lat.cos() * lon.cos();
        sum[1] += weight * lat.cos() * lon.sin();
        sum[2] += weight * lat.sin();
    }
    sums.into_iter()
        .enumerate()
        .map(|(id, [x, y, z])| {
            let lat = z.atan2((x * x + y * y).sqrt()).to_degrees();
            let lon = y.atan2(x).to_degrees();
            (id, (lat, lon))
        })
        .collect()
}

/// Streams the top-level object entry by entry, so the file is never held as a tree.
struct EntriesVisitor<'b> {
    builder: &'b mut Builder,
}

impl<'de> Visitor<'de> for EntriesVisitor<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object of GeoNames entries keyed by geonameid")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let raw: RawCity<'_> = map.next_value()?;
            if let Err(error) = self.builder.add(&key, raw) {
                self.builder.error = Some(error);
                return Err(serde::de::Error::custom("invalid GeoNames entry"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = r#"{
      "170063": {"geonameid": 170063, "name": "Aleppo", "latitude": 36.20124, "longitude": 37.16117,
                 "countrycode": "SY", "population": 2098210, "timezone": "Asia/Damascus",
                 "admin1code": "09", "alternatenames": ["Alep", "Halab", "حلب", "ALP"]},
      "373303": {"geonameid": 373303, "name": "Juba", "latitude": 4.85165, "longitude": 31.58247,
                 "countrycode": "SS", "population": 450000, "timezone": "Africa/Juba",
                 "admin1code": "08", "alternatenames": []}
    }"#;

    #[test]
    fn loads_places_and_indexes_every_name() {
        let gazetteer = Gazetteer::from_geonames_slice(SAMPLE.as_bytes()).unwrap();
        let stats = gazetteer.stats();
        assert_eq!((stats.cities, stats.countries), (2, 2));
        for name in [
            "aleppo",
            "alep",
            "halab",
            "حلب",
            "juba",
            "syria",
            "south sudan",
        ] {
            assert!(!gazetteer.postings(name).is_empty(), "{name} not indexed");
        }
        // Airport codes among the alternate names are not names.
        assert!(gazetteer.postings("alp").is_empty());
        assert_eq!(
            gazetteer.country_by_code("SSD"),
            gazetteer.country_by_code("SS")
        );
        assert!(gazetteer.country_by_code("ss").is_none());
    }

    #[test]
    fn malformed_json_reports_its_position() {
        let error = Gazetteer::from_geonames_slice(b"{\n  \"1\": {\"name\": }").unwrap_err();
        match error {
            GeoError::Json { line, column, .. } => assert_eq!((line, column), (2, 17)),
            other => panic!("expected a JSON error, got {other:?}"),
        }
        assert!(matches!(
            Gazetteer::from_geonames_slice(b"[1, 2]"),
            Err(GeoError::Json { .. })
        ));
        assert!(matches!(
            Gazetteer::from_geonames_slice(b"{} trailing"),
            Err(GeoError::Json { .. })
        ));
    }

    #[test]
    fn missing_and_invalid_fields_name_the_entry() {
        let missing = r#"{"42": {"geonameid": 42, "name": "X", "latitude": 1.0,
                          "countrycode": "SY", "population": 1}}"#;
        match Gazetteer::from_geonames_slice(missing.as_bytes()).unwrap_err() {
            GeoError::MissingField { key, field } => {
                assert_eq!((key.as_str(), field), ("42", "longitude"));
            }
            other => panic!("expected a missing field, got {other:?}"),
        }
        let bad_country = r#"{"7": {"geonameid": 7, "name": "X", "latitude": 1.0,
                          "longitude": 2.0, "countrycode": "QQ", "population": 1}}"#;
        assert!(matches!(
            Gazetteer::from_geonames_slice(bad_country.as_bytes()).unwrap_err(),
            GeoError::InvalidField {
                field: "countrycode",
                ..
            }
        ));
    }

    #[test]
    fn country_list_adds_names_in_other_languages_by_majority() {
        let csv =
            "iso2c,iso3c,gwn,country.name.en,country.name.fr,cldr.name.ar,country.name.en.regex\n\
                   SS,SSD,626,South Sudan,Soudan du Sud,جنوب السودان,south.?sudan\n\
                   ,,,Unknown,Inconnu,,\n";
        let gazetteer = Gazetteer::from_geonames_slice(SAMPLE.as_bytes())
            .unwrap()
            .with_country_names(csv.as_bytes())
            .unwrap();
        assert!(gazetteer.postings("soudan du sud")[0].is_country());
        assert!(!gazetteer.postings("جنوب السودان").is_empty());
        assert_eq!(gazetteer.stats().skipped_country_rows, 1);
        let south_sudan = gazetteer.country_by_code("SS").unwrap();
        assert_eq!(
            gazetteer.countries_matching_patterns("Republic of South Sudan"),
            [south_sudan]
        );
        assert!(matches!(
            Gazetteer::from_geonames_slice(SAMPLE.as_bytes())
                .unwrap()
                .with_country_names("a,b\n1,2\n".as_bytes()),
            Err(GeoError::CountryList(_))
        ));
    }

    #[test]
    fn centre_of_population_handles_the_antimeridian() {
        let city = |longitude: f64| City {
            geonameid: 1,
            name: "x".into(),
            latitude: 0.0,
            longitude,
            population: 10,
            admin1_code: "".into(),
            country: 0,
        };
        let centres = centre_of_population(&[city(179.0), city(-179.0)], 1);
        let (lat, lon) = centres[0].1;
        assert!(
            lat.abs() < 1e-9 && (lon.abs() - 180.0).abs() < 1e-9,
            "{lat} {lon}"
        );
    }
}
