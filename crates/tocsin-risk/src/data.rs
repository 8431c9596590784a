//! From country-year rows to numeric columns: the EWP predictor list, the few derived features
//! the tree model adds, and which rows are complete enough to train on or to score.
//!
//! Completeness follows EWP's `model_3Sep2025.R` exactly: a training row needs every predictor
//! and every outcome column (`mk_onset`, `mk_onset_1`, `mk_onset_2`, `mk_onset_1or2`, each where
//! the data has that column); a row to predict needs every predictor and `mk_onset_1or2`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tocsin_domain::{Border, Countries, CountryYear, SituationId};

use crate::RiskError;

/// The 39 predictors of the Early Warning Project's 2025 model, in EWP's order.
pub use tocsin_domain::EWP_PREDICTORS;

/// The training outcome: a mass-killing onset in the year after the row's year or the one after.
pub const OUTCOME: &str = "mk_onset_1or2";
/// The scored outcome: a mass-killing onset in the row's own year.
pub const ONSET: &str = "mk_onset";
/// Outcome columns that must be present for a row to be trained on, where the data has them
/// (EWP's `complete.cases` runs over all four).
const TRAINING_OUTCOMES: [&str; 4] = ["mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2"];

/// The values of the columns a panel reads (the predictors and outcomes), one row after the
/// other: `None` where a row lacks the column, `Some(None)` where its value is missing. Read in
/// one ordered walk through each row's (ordered) values, rather than one search per column.
struct Cells {
    /// The columns read, sorted.
    names: Vec<&'static str>,
    cells: Vec<Option<Option<f64>>>,
}

impl Cells {
    fn of(rows: &[CountryYear]) -> Cells {
        let mut names: Vec<&'static str> = EWP_PREDICTORS
            .iter()
            .chain([OUTCOME, ONSET].iter())
            .chain(TRAINING_OUTCOMES.iter())
            .copied()
            .filter(|name| *name != "year")
            .collect();
        names.sort_unstable();
        names.dedup();
        let mut cells = Vec::with_capacity(rows.len() * names.len());
        for row in rows {
            let mut values = row.values.iter().peekable();
            for name in &names {
                while values.next_if(|(key, _)| key.as_str() < *name).is_some() {}
                cells.push(
                    values
                        .next_if(|(key, _)| key.as_str() == *name)
                        .map(|(_, value)| *value),
                );
            }
        }
        Cells { names, cells }
    }

    /// Where the column `name` (one of the columns read) is in every row.
    fn column(&self, name: &str) -> usize {
        self.names
            .binary_search(&name)
            .expect("a column the panel reads")
    }

    /// Row `i`'s cell of the column at `column`.
    fn get(&self, i: usize, column: usize) -> Option<Option<f64>> {
        self.cells[i * self.names.len() + column]
    }
}

/// Features derived from the EWP columns for the tree model, fixed before any backtest was run.
/// Each uses only rows of the same or earlier years, so it is known when a forecast is made.
/// See [`crate::gbm`] for why these four.
pub const DERIVED_FEATURES: [&str; 4] = [
    // battledeaths.log2 this year minus last year (0 when last year is unknown): escalation.
    "battledeaths.log2.change",
    // the highest battledeaths.log2 of this year and the two before: recent armed conflict.
    "battledeaths.log2.max3",
    // other countries of the same EWP region with an ongoing mass killing this year.
    "region.mk_ongoing",
    // mass-killing onsets in other countries of the same region, this year and the two before.
    "region.mk_onsets.3yr",
];

/// Features from each country's land neighbours (by CShapes borders) for `gbm-neighbours`,
/// written down before that model was first run (`docs/risk-model.md`). Each uses only the
/// neighbours' rows of the same or earlier years.
pub const NEIGHBOUR_FEATURES: [&str; 3] = [
    // land neighbours with an ongoing mass killing this year.
    "neighbours.mk_ongoing",
    // the highest battledeaths.log2 among land neighbours this year (0 with none).
    "neighbours.battledeaths.max",
    // mass-killing onsets among land neighbours this year and the two before.
    "neighbours.mk_onsets.3yr",
];

/// Which columns a model reads. Each set is a prefix of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSet {
    /// EWP's 39 predictors.
    Ewp,
    /// EWP's 39 predictors and [`DERIVED_FEATURES`].
    EwpDerived,
    /// Those and [`NEIGHBOUR_FEATURES`]: every column of a [`Panel`].
    All,
}

impl FeatureSet {
    pub fn names(self) -> Vec<&'static str> {
        let derived = DERIVED_FEATURES.iter();
        match self {
            FeatureSet::Ewp => EWP_PREDICTORS.to_vec(),
            FeatureSet::EwpDerived => EWP_PREDICTORS.iter().chain(derived).copied().collect(),
            FeatureSet::All => EWP_PREDICTORS
                .iter()
                .chain(derived)
                .chain(NEIGHBOUR_FEATURES.iter())
                .copied()
                .collect(),
        }
    }

    /// Positions of this set's columns in the [`Panel`] (which holds all of them).
    pub(crate) fn columns(self) -> Vec<usize> {
        (0..self.names().len()).collect()
    }
}

/// All rows as numeric columns (NaN where a value is missing), with their keys and flags.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    pub situations: Vec<SituationId>,
    pub names: Vec<String>,
    pub years: Vec<i32>,
    /// One column per name of [`FeatureSet::All`]; the smaller sets are its prefixes. The
    /// neighbour columns are NaN when the panel was built without borders.
    pub columns: Vec<Vec<f64>>,
    /// `mk_onset_1or2`, NaN where missing.
    pub outcome: Vec<f64>,
    /// `mk_onset`, NaN where missing.
    pub onset: Vec<f64>,
    /// Complete for training (all predictors and outcomes).
    pub trainable: Vec<bool>,
    /// Complete for prediction (all predictors and `mk_onset_1or2`).
    pub scorable: Vec<bool>,
}

/// A dense column-major matrix of the chosen rows and features.
#[derive(Debug, Clone)]
pub(crate) struct Matrix {
    pub rows: usize,
    pub cols: usize,
    /// Column `j` is `data[j * rows..(j + 1) * rows]`.
    pub data: Vec<f64>,
}

impl Matrix {
    pub fn column(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// The listed rows, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * self.cols);
        for j in 0..self.cols {
            let column = self.column(j);
            data.extend(rows.iter().map(|&i| column[i]));
        }
        Matrix {
            rows: rows.len(),
            cols: self.cols,
            data,
        }
    }
}

impl Panel {
    /// Reads the rows, without borders (see [`Panel::build_with_borders`]).
    #[cfg(test)]
    pub fn build(rows: &[CountryYear]) -> Result<Panel, RiskError> {
        Panel::build_with_borders(rows, &[])
    }

    /// Reads the rows, and with `borders` (none: the neighbour columns are NaN) computes the
    /// neighbour features. Fails when a needed column is absent from the data altogether.
    pub fn build_with_borders(
        rows: &[CountryYear],
        borders: &[Border],
    ) -> Result<Panel, RiskError> {
        let cells = Cells::of(rows);
        let mut missing = BTreeSet::new();
        for name in EWP_PREDICTORS.iter().chain([OUTCOME, ONSET].iter()) {
            if *name == "year" {
                continue;
            }
            let column = cells.column(name);
            if (0..rows.len()).any(|i| cells.get(i, column).is_none()) {
                missing.insert(name.to_string());
            }
        }
        if !missing.is_empty() {
            return Err(RiskError::MissingColumns {
                names: missing.into_iter().collect(),
            });
        }
        let n = rows.len();
        let values = |name: &str| -> Vec<f64> {
            if name == "year" {
                return rows.iter().map(|row| f64::from(row.year)).collect();
            }
            let column = cells.column(name);
            (0..n)
                .map(|i| cells.get(i, column).flatten().unwrap_or(f64::NAN))
                .collect()
        };
        let mut columns: Vec<Vec<f64>> = EWP_PREDICTORS.iter().map(|name| values(name)).collect();
        columns.extend(derived_columns(rows, &columns));
        columns.extend(neighbour_columns(rows, &columns, borders));
        let outcome = values(OUTCOME);
        let onset = values(ONSET);
        let predictors_complete: Vec<bool> = (0..n)
            .map(|i| {
                columns[..EWP_PREDICTORS.len()]
                    .iter()
                    .all(|c| !c[i].is_nan())
            })
            .collect();
        let training_outcomes = TRAINING_OUTCOMES.map(|name| cells.column(name));
        let trainable = (0..n)
            .map(|i| {
                predictors_complete[i]
                    && training_outcomes
                        .iter()
                        .all(|&column| cells.get(i, column).is_none_or(|v| v.is_some()))
            })
            .collect();
        let scorable = (0..n)
            .map(|i| predictors_complete[i] && !outcome[i].is_nan())
            .collect();
        Ok(Panel {
            situations: rows.iter().map(|row| row.situation.clone()).collect(),
            names: rows.iter().map(|row| row.name_in_source.clone()).collect(),
            years: rows.iter().map(|row| row.year).collect(),
            columns,
            outcome,
            onset,
            trainable,
            scorable,
        })
    }

    pub fn len(&self) -> usize {
        self.years.len()
    }

    /// Rows to train on for a model whose last training year is `last_year`, in input order.
    pub fn training_rows(&self, last_year: i32) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.years[i] <= last_year && self.trainable[i])
            .collect()
    }

    /// Rows of `year` that can be predicted, in input order.
    pub fn scoring_rows(&self, year: i32) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.years[i] == year && self.scorable[i])
            .collect()
    }

    /// Rows of `year` with every predictor, whatever their outcome (for forecasts).
    pub fn forecast_rows(&self, year: i32) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| {
                self.years[i] == year
                    && self.columns[..EWP_PREDICTORS.len()]
                        .iter()
                        .all(|c| !c[i].is_nan())
            })
            .collect()
    }

    /// Explains why `year` has no usable rows: no rows at all, or which predictors are missing.
    pub fn why_unusable(&self, year: i32) -> String {
        let in_year: Vec<usize> = (0..self.len()).filter(|&i| self.years[i] == year).collect();
        if in_year.is_empty() {
            let first = self.years.iter().min();
            let last = self.years.iter().max();
            return match (first, last) {
                (Some(first), Some(last)) => {
                    format!("the data has no rows for it (it covers {first}-{last})")
                }
                _ => "the data has no rows".to_string(),
            };
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, column) in EWP_PREDICTORS.iter().zip(&self.columns) {
            let missing = in_year.iter().filter(|&&i| column[i].is_nan()).count();
            if missing > 0 {
                counts.insert(name, missing);
            }
        }
        let mut worst: Vec<(&str, usize)> = counts.into_iter().collect();
        worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let listed: Vec<String> = worst
            .iter()
            .take(5)
            .map(|(name, missing)| format!("{name} missing in {missing}"))
            .collect();
        if listed.is_empty() {
            format!("all {} rows lack the outcome {OUTCOME}", in_year.len())
        } else {
            format!(
                "all {} rows lack a predictor ({})",
                in_year.len(),
                listed.join(", ")
            )
        }
    }

    /// The chosen rows and features as a matrix.
    pub fn matrix(&self, rows: &[usize], features: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * features.len());
        for &j in features {
            data.extend(rows.iter().map(|&i| self.columns[j][i]));
        }
        Matrix {
            rows: rows.len(),
            cols: features.len(),
            data,
        }
    }
}

/// The region of a row from EWP's region dummies (Africa is the base category), or None when a
/// dummy is missing.
fn region(columns: &[Vec<f64>], i: usize) -> Option<usize> {
    let dummies = ["reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur"];
    let mut region = 0;
    for (k, name) in dummies.iter().enumerate() {
        let j = EWP_PREDICTORS.iter().position(|p| p == name)?;
        let v = columns[j][i];
        if v.is_nan() {
            return None;
        }
        if v > 0.5 {
            region = k + 1;
        }
    }
    Some(region)
}

/// The columns of [`DERIVED_FEATURES`], from the EWP columns of the same and earlier years.
fn derived_columns(rows: &[CountryYear], columns: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let at = |name: &str| EWP_PREDICTORS.iter().position(|p| *p == name).unwrap_or(0);
    let battle = &columns[at("battledeaths.log2")];
    let ongoing = &columns[at("mk_ongoing_count_log2")];
    let by_key: HashMap<(&SituationId, i32), usize> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| ((&row.situation, row.year), i))
        .collect();
    let lag = |i: usize, years: i32| {
        by_key
            .get(&(&rows[i].situation, rows[i].year - years))
            .copied()
    };
    let n = rows.len();
    let regions: Vec<Option<usize>> = (0..n).map(|i| region(columns, i)).collect();
    // Per region and year: countries with an ongoing mass killing, and onsets.
    let mut ongoing_by: HashMap<(usize, i32), f64> = HashMap::new();
    let mut onsets_by: HashMap<(usize, i32), f64> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(region) = regions[i] else { continue };
        if ongoing[i] > 0.0 {
            *ongoing_by.entry((region, row.year)).or_default() += 1.0;
        }
        if row.values.get(ONSET).copied().flatten() == Some(1.0) {
            *onsets_by.entry((region, row.year)).or_default() += 1.0;
        }
    }
    let own_onset = |i: usize| {
        if rows[i].values.get(ONSET).copied().flatten() == Some(1.0) {
            1.0
        } else {
            0.0
        }
    };
    let mut change = vec![f64::NAN; n];
    let mut max3 = vec![f64::NAN; n];
    let mut region_ongoing = vec![f64::NAN; n];
    let mut region_onsets = vec![f64::NAN; n];
    for i in 0..n {
        let now = battle[i];
        if !now.is_nan() {
            let previous = lag(i, 1).map(|k| battle[k]).filter(|v| !v.is_nan());
            change[i] = previous.map_or(0.0, |p| now - p);
            max3[i] = (1..=2)
                .filter_map(|years| lag(i, years).map(|k| battle[k]))
                .filter(|v| !v.is_nan())
                .fold(now, f64::max);
        }
        if let (Some(region), false) = (regions[i], ongoing[i].is_nan()) {
            let year = rows[i].year;
            let own = if ongoing[i] > 0.0 { 1.0 } else { 0.0 };
            region_ongoing[i] = ongoing_by.get(&(region, year)).copied().unwrap_or(0.0) - own;
            let mut onsets = 0.0;
            for back in 0..=2 {
                onsets += onsets_by
                    .get(&(region, year - back))
                    .copied()
                    .unwrap_or(0.0);
                // Leave out the country's own onsets: those are in mk_onset_prev_year and mk_ever.
                if back == 0 {
                    onsets -= own_onset(i);
                } else if let Some(k) = lag(i, back) {
                    if regions[k] == Some(region) {
                        onsets -= own_onset(k);
                    }
                }
            }
            region_onsets[i] = onsets;
        }
    }
    vec![change, max3, region_ongoing, region_onsets]
}

/// A row's Gleditsch-Ward code, from its situation (`ISO` or `GW<n>`).
fn gw_code(situation: &SituationId) -> Option<u16> {
    let id = situation.as_str();
    match id.strip_prefix("GW") {
        Some(number) => number.parse().ok(),
        None => Countries::embedded().by_iso3(id).and_then(|c| c.gw_code),
    }
}

/// The columns of [`NEIGHBOUR_FEATURES`]. A year after the borders' last one uses that year's
/// borders. A row whose country has no known code or no land neighbour gets zeros.
fn neighbour_columns(
    rows: &[CountryYear],
    columns: &[Vec<f64>],
    borders: &[Border],
) -> Vec<Vec<f64>> {
    let n = rows.len();
    if borders.is_empty() {
        return vec![vec![f64::NAN; n]; NEIGHBOUR_FEATURES.len()];
    }
    let at = |name: &str| EWP_PREDICTORS.iter().position(|p| *p == name).unwrap_or(0);
    let battle = &columns[at("battledeaths.log2")];
    let ongoing = &columns[at("mk_ongoing_count_log2")];
    let last_border_year = borders.iter().map(|b| b.to_year).max().unwrap_or(i32::MAX);
    let mut by_country: HashMap<u16, Vec<&Border>> = HashMap::new();
    for border in borders {
        by_country.entry(border.a).or_default().push(border);
        by_country.entry(border.b).or_default().push(border);
    }
    let codes: Vec<Option<u16>> = rows.iter().map(|row| gw_code(&row.situation)).collect();
    let by_key: HashMap<(u16, i32), usize> = rows
        .iter()
        .zip(&codes)
        .enumerate()
        .filter_map(|(i, (row, code))| code.map(|c| ((c, row.year), i)))
        .collect();
    let onset = |i: usize| rows[i].values.get(ONSET).copied().flatten() == Some(1.0);
    let mut out = vec![vec![0.0; n]; NEIGHBOUR_FEATURES.len()];
    for i in 0..n {
        let Some(code) = codes[i] else { continue };
        let year = rows[i].year;
        let border_year = year.min(last_border_year);
        let neighbours = by_country.get(&code).into_iter().flatten().filter_map(|b| {
            (b.from_year <= border_year && border_year <= b.to_year).then_some(if b.a == code {
                b.b
            } else {
                b.a
            })
        });
        let (mut with_ongoing, mut battle_max, mut onsets) = (0.0, 0.0f64, 0.0);
        for neighbour in neighbours {
            if let Some(&k) = by_key.get(&(neighbour, year)) {
                if ongoing[k] > 0.0 {
                    with_ongoing += 1.0;
                }
                if !battle[k].is_nan() {
                    battle_max = battle_max.max(battle[k]);
                }
            }
            for back in 0..=2 {
                if by_key
                    .get(&(neighbour, year - back))
                    .is_some_and(|&k| onset(k))
                {
                    onsets += 1.0;
                }
            }
        }
        out[0][i] = with_ongoing;
        out[1][i] = battle_max;
        out[2][i] = onsets;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A synthetic row with every EWP column, `values` overriding the defaults.
    pub fn row(code: &str, year: i32, values: &[(&str, f64)]) -> CountryYear {
        let mut map: BTreeMap<String, Option<f64>> = EWP_PREDICTORS
            .iter()
            .filter(|name| **name != "year")
            .map(|name| (name.to_string(), Some(0.0)))
            .collect();
        map.insert(OUTCOME.into(), Some(0.0));
        map.insert(ONSET.into(), Some(0.0));
        map.insert("year_sq".into(), Some(f64::from(year * year)));
        for (name, value) in values {
            map.insert(name.to_string(), Some(*value));
        }
        CountryYear {
            situation: SituationId::parse(code).unwrap(),
            year,
            name_in_source: code.to_string(),
            values: map,
        }
    }

    #[test]
    fn derived_features_use_only_the_past_and_the_region() {
        let rows = vec![
            row("SYR", 2010, &[("battledeaths.log2", 2.0), ("reg.mna", 1.0)]),
            row(
                "SYR",
                2011,
                &[("battledeaths.log2", 10.0), ("reg.mna", 1.0)],
            ),
            row(
                "IRQ",
                2011,
                &[
                    ("reg.mna", 1.0),
                    ("mk_ongoing_count_log2", 1.0),
                    ("mk_onset", 1.0),
                ],
            ),
            row(
                "FRA",
                2011,
                &[("reg.eur", 1.0), ("mk_ongoing_count_log2", 1.0)],
            ),
        ];
        let panel = Panel::build(&rows).unwrap();
        let column = |name: &str| {
            let j = FeatureSet::EwpDerived
                .names()
                .iter()
                .position(|n| *n == name)
                .unwrap();
            panel.columns[j].clone()
        };
        assert_eq!(column("battledeaths.log2.change"), vec![0.0, 8.0, 0.0, 0.0]);
        assert_eq!(column("battledeaths.log2.max3"), vec![2.0, 10.0, 0.0, 0.0]);
        // Iraq is in Syria's region, France is not; nobody counts themselves.
        assert_eq!(column("region.mk_ongoing"), vec![0.0, 1.0, 0.0, 0.0]);
        assert_eq!(column("region.mk_onsets.3yr"), vec![0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn neighbour_features_follow_the_borders_of_the_year() {
        let border = |a, b, from_year, to_year| Border {
            a,
            b,
            from_year,
            to_year,
        };
        // Sudan (625) borders the Central African Republic (482) throughout; South Sudan (626)
        // from 2011. France (220) borders no one here.
        let borders = [border(482, 625, 1960, 2019), border(482, 626, 2011, 2019)];
        let rows = vec![
            row("CAF", 2010, &[]),
            row("CAF", 2021, &[]),
            row(
                "SDN",
                2010,
                &[("mk_ongoing_count_log2", 1.0), ("battledeaths.log2", 9.0)],
            ),
            row("SDN", 2019, &[("mk_onset", 1.0)]),
            row("SDN", 2021, &[("battledeaths.log2", 4.0)]),
            row(
                "SSD",
                2010,
                &[("mk_ongoing_count_log2", 1.0), ("battledeaths.log2", 12.0)],
            ),
            row(
                "SSD",
                2021,
                &[("mk_ongoing_count_log2", 1.0), ("battledeaths.log2", 7.0)],
            ),
            row("FRA", 2021, &[("mk_ongoing_count_log2", 1.0)]),
        ];
        let panel = Panel::build_with_borders(&rows, &borders).unwrap();
        let column = |name: &str| {
            let j = FeatureSet::All
                .names()
                .iter()
                .position(|n| *n == name)
                .unwrap();
            panel.columns[j][..2].to_vec()
        };
        // 2010: South Sudan is not yet a neighbour. 2021 is after the borders' last year, so
        // 2019's borders hold; Sudan's 2019 onset is within three years.
        assert_eq!(column("neighbours.mk_ongoing"), vec![1.0, 1.0]);
        assert_eq!(column("neighbours.battledeaths.max"), vec![9.0, 7.0]);
        assert_eq!(column("neighbours.mk_onsets.3yr"), vec![0.0, 1.0]);
        // Without borders the columns are unknown, not zero.
        let without = Panel::build(&rows).unwrap();
        assert!(without.columns[FeatureSet::All.names().len() - 1][0].is_nan());
    }

    #[test]
    fn a_missing_column_is_named() {
        let mut broken = row("SYR", 2010, &[]);
        broken.values.remove("gdppcgrowth");
        let error = Panel::build(&[broken]).unwrap_err();
        assert_eq!(
            error,
            RiskError::MissingColumns {
                names: vec!["gdppcgrowth".into()]
            }
        );
    }

    #[test]
    fn completeness_follows_ewp() {
        let mut no_outcome = row("SYR", 2010, &[]);
        no_outcome.values.insert("mk_onset_2".into(), None);
        let mut no_predictor = row("IRQ", 2010, &[]);
        no_predictor.values.insert("gdppcgrowth".into(), None);
        let panel = Panel::build(&[no_outcome, no_predictor, row("FRA", 2010, &[])]).unwrap();
        assert_eq!(panel.trainable, vec![false, false, true]);
        assert_eq!(panel.scorable, vec![true, false, true]);
        assert!(panel
            .why_unusable(2010)
            .contains("gdppcgrowth missing in 1"));
        assert!(panel.why_unusable(1990).contains("no rows"));
    }
}
