//! The Early Warning Project's country-year predictor file
//! (`prepared2024predictors-*.csv`): one row per country and year, 1960 onwards, with the
//! predictors of the statistical risk model and the mass-killing onset outcomes.
//!
//! The whole file is checked before anything is returned: a file with any problem is refused
//! as a whole, so an import never leaves half a dataset behind.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use tocsin_domain::{Countries, CountryYear, Situation, EWP_OUTCOMES, EWP_PREDICTORS};

use crate::problem::Problems;
use crate::{sha256_hex, IngestError};

/// The columns every edition must have: identifiers, the model's predictors and the outcomes.
pub fn required_columns() -> Vec<&'static str> {
    let mut columns = vec!["ewp_name", "year", "ccode"];
    // `year` is both an identifier and a predictor: listed once.
    columns.extend(
        EWP_PREDICTORS
            .iter()
            .copied()
            .filter(|name| *name != "year"),
    );
    columns.extend(EWP_OUTCOMES);
    columns
}

/// Columns that identify a row rather than measure something.
const IDENTIFIERS: [&str; 3] = ["ewp_name", "year", "ccode"];

/// The parsed file.
#[derive(Debug, Clone)]
pub struct EwpFile {
    pub sha256: String,
    pub rows: Vec<CountryYear>,
    /// The countries the rows refer to, one each.
    pub situations: Vec<Situation>,
}

impl EwpFile {
    /// Number of distinct countries with a row in `year`.
    pub fn countries_in(&self, year: i32) -> usize {
        self.rows.iter().filter(|row| row.year == year).count()
    }

    pub fn last_year(&self) -> Option<i32> {
        self.rows.iter().map(|row| row.year).max()
    }
}

/// Parses the file's bytes. `file` names it in messages.
pub fn parse(file: &str, bytes: &[u8]) -> Result<EwpFile, IngestError> {
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true) // field counts are checked here, with a message that names the line
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            problems.push(1, None, format!("cannot read the header line: {error}"));
            return Err(problems.into_error(file));
        }
    };
    let position: BTreeMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let missing: Vec<&str> = required_columns()
        .into_iter()
        .filter(|required| !position.contains_key(required))
        .collect();
    if !missing.is_empty() {
        problems.push(
            1,
            None,
            format!(
                "the header lacks required column{} {}; is this the EWP country-year predictor file?",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        );
        return Err(problems.into_error(file));
    }
    let column = |name: &str| position[name];

    let countries = Countries::embedded();
    let mut rows = Vec::new();
    let mut situations = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                problems.push(line, None, format!("unreadable CSV: {error}"));
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.len() != headers.len() {
            problems.push(
                line,
                None,
                format!(
                    "expected {} fields but found {} (a truncated or damaged line)",
                    headers.len(),
                    record.len()
                ),
            );
            continue;
        }
        let field = |name: &str| record.get(column(name)).unwrap_or_default().trim();
        let at = |name: &'static str| Some((column(name) + 1, name));

        let year = match field("year").parse::<i32>() {
            Ok(year) if (1800..=2200).contains(&year) => Some(year),
            _ => {
                problems.push(
                    line,
                    at("year"),
                    format!("{:?} is not a year", field("year")),
                );
                None
            }
        };
        let country = match field("ccode").parse::<f64>() {
            Ok(code) if code.fract() == 0.0 && (0.0..=u16::MAX as f64).contains(&code) => {
                let found = countries.by_gw(code as u16);
                if found.is_none() {
                    problems.push(
                        line,
                        at("ccode"),
                        format!("{code} is not a known Gleditsch-Ward country code"),
                    );
                }
                found
            }
            _ => {
                problems.push(
                    line,
                    at("ccode"),
                    format!(
                        "{:?} is not a Gleditsch-Ward country code (a whole number)",
                        field("ccode")
                    ),
                );
                None
            }
        };
        let mut values = BTreeMap::new();
        for (index, name) in headers.iter().enumerate() {
            if IDENTIFIERS.contains(&name) {
                continue;
            }
            let text = record.get(index).unwrap_or_default().trim();
            let value = match text {
                "" | "NA" => None,
                _ => match text.parse::<f64>() {
                    Ok(number) if number.is_finite() => Some(number),
                    _ => {
                        problems.push(
                            line,
                            Some((index + 1, name)),
                            format!("{text:?} is not a number (write NA for a missing value)"),
                        );
                        continue;
                    }
                },
            };
            values.insert(name.to_string(), value);
        }
        let (Some(year), Some(country)) = (year, country) else {
            continue;
        };
        let situation = Situation::from_country(country);
        if !seen.insert((situation.id.clone(), year)) {
            problems.push(
                line,
                None,
                format!("{} {year} appears a second time", situation.id),
            );
            continue;
        }
        rows.push(CountryYear {
            situation: situation.id.clone(),
            year,
            name_in_source: field("ewp_name").to_string(),
            values,
        });
        situations.entry(situation.id.clone()).or_insert(situation);
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(2, None, "the file has a header but no rows");
    }
    if !problems.is_empty() {
        return Err(problems.into_error(file));
    }
    Ok(EwpFile {
        sha256: sha256_hex(bytes),
        rows,
        situations: situations.into_values().collect(),
    })
}

/// Distinct situations with rows.
pub fn country_count(rows: &[CountryYear]) -> usize {
    rows.iter()
        .map(|r| &r.situation)
        .collect::<BTreeSet<_>>()
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        required_columns().join(",")
    }

    fn row(name: &str, year: i32, ccode: u16) -> String {
        let mut fields = vec![name.to_string(), year.to_string(), ccode.to_string()];
        fields.extend((3..required_columns().len()).map(|i| format!("{}", i as f64 / 10.0)));
        fields.join(",")
    }

    fn file(lines: &[String]) -> Vec<u8> {
        let mut text = header();
        for line in lines {
            text.push('\n');
            text.push_str(line);
        }
        text.push('\n');
        text.into_bytes()
    }

    #[test]
    fn reads_rows_with_their_country() {
        let parsed = parse(
            "t.csv",
            &file(&[
                row("Syria", 2023, 652),
                row("Syria", 2024, 652),
                row("Burma/Myanmar", 2024, 775),
            ]),
        )
        .unwrap();
        assert_eq!(parsed.rows.len(), 3);
        assert_eq!(parsed.situations.len(), 2);
        assert_eq!(parsed.countries_in(2024), 2);
        assert_eq!(parsed.rows[2].situation.as_str(), "MMR");
        assert_eq!(parsed.rows[2].name_in_source, "Burma/Myanmar");
        assert_eq!(
            parsed.rows[0].values["mk_onset_1or2"],
            Some((required_columns().len() - 1) as f64 / 10.0)
        );
    }

    #[test]
    fn na_is_a_missing_value() {
        let line = row("Syria", 2024, 652).replacen(",0.3,", ",NA,", 1);
        let parsed = parse("t.csv", &file(&[line])).unwrap();
        assert_eq!(parsed.rows[0].values["widetargeting"], None);
    }

    #[test]
    fn a_missing_column_is_named() {
        let text = file(&[row("Syria", 2024, 652)]);
        let text = String::from_utf8(text)
            .unwrap()
            .replacen("gdppcgrowth", "gdp", 1);
        let error = parse("t.csv", text.as_bytes()).unwrap_err().to_string();
        assert!(
            error.starts_with("t.csv: line 1: the header lacks required column gdppcgrowth;"),
            "{error}"
        );
    }

    #[test]
    fn a_non_number_names_file_line_and_column() {
        let bad = row("Syria", 2024, 652).replacen(",0.4,", ",high,", 1);
        let error = parse("t.csv", &file(&[row("Syria", 2023, 652), bad]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.csv: line 3, column 5 (narrowtargeting)"),
            "{error}"
        );
        assert!(error.contains("\"high\" is not a number"), "{error}");
    }

    #[test]
    fn a_truncated_line_is_refused() {
        let mut cut = row("Syria", 2024, 652);
        cut.truncate(20);
        let error = parse("t.csv", &file(&[row("Syria", 2023, 652), cut]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 3: expected"), "{error}");
    }

    #[test]
    fn duplicates_and_unknown_countries_are_refused() {
        let error = parse(
            "t.csv",
            &file(&[
                row("Syria", 2024, 652),
                row("Syria", 2024, 652),
                row("Nowhere", 2024, 999),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("SYR 2024 appears a second time"), "{error}");
        assert!(
            error.contains("999 is not a known Gleditsch-Ward country code"),
            "{error}"
        );
    }

    #[test]
    fn many_problems_are_capped_and_counted() {
        let lines: Vec<String> = (0..30).map(|i| row("X", 1990 + i, 999)).collect();
        let error = parse("t.csv", &file(&lines)).unwrap_err().to_string();
        assert!(
            error.starts_with("t.csv: 30 problems\n  line 2, column 3 (ccode)"),
            "{error}"
        );
        assert!(error.ends_with("and 10 more"), "{error}");
    }

    proptest::proptest! {
        // Untrusted bytes never panic the parser; they either parse or get a located error.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = parse("fuzz.csv", &bytes);
        }

        #[test]
        fn damaged_valid_files_never_panic(cut in 0usize..2000, flip in 0usize..2000, byte in proptest::prelude::any::<u8>()) {
            let mut bytes = file(&[row("Syria", 2023, 652), row("Syria", 2024, 652)]);
            if flip < bytes.len() { bytes[flip] = byte; }
            bytes.truncate(cut.min(bytes.len()));
            let _ = parse("fuzz.csv", &bytes);
        }
    }
}
