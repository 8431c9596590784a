//! A forecast from one year's data: every country ranked by its probability of a mass-killing
//! onset in the two following years, with the change since the forecast from the year before
//! and the predictors that drive each country's risk.
//!
//! As in EWP's published forecast, the model for data year Y is trained on complete rows of
//! years <= Y-2 (whose two-year outcomes are known by the end of Y) and applied to every row of
//! year Y that has all predictors. "Last year's forecast" is the same model name trained on years
//! <= Y-3 and applied to year Y-1 (EWP's `risk.2024and2025.from2023` beside
//! `risk.2025and2026.from2024`).

use std::collections::HashMap;

use serde::Serialize;
use tocsin_domain::{Border, CountryYear, SituationId};

use crate::data::{FeatureSet, Panel};
use crate::metrics;
use crate::model::{self, ModelName, ModelOptions, Trained};
use crate::tuned;
use crate::RiskError;

/// What to compute. [`Default`] shows five drivers per country.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastOptions {
    pub model: ModelOptions,
    /// Drivers listed per country, largest absolute contribution first.
    pub drivers: usize,
    /// Land borders, for the models that read neighbour features (empty: none given).
    pub borders: Vec<Border>,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            model: ModelOptions::default(),
            drivers: 5,
            borders: Vec::new(),
        }
    }
}

/// A ranked forecast, ready to be stored as an assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub model: ModelName,
    pub model_version: String,
    /// The year whose data the forecast uses.
    pub data_year: i32,
    /// The last year of training data.
    pub trained_through: i32,
    /// The onset years forecast: data_year + 1 and data_year + 2.
    pub onset_years: [i32; 2],
    /// Ranked, highest risk first.
    pub entries: Vec<ForecastEntry>,
}

/// One country's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastEntry {
    /// 1 = highest risk; ties share the better rank.
    pub rank: usize,
    pub situation: SituationId,
    pub name: String,
    /// Probability of an onset in the two years after the data year.
    pub probability: f64,
    /// Last year's forecast for the same country (None if it had none).
    pub previous_probability: Option<f64>,
    pub previous_rank: Option<usize>,
    /// probability - previous_probability.
    pub change: Option<f64>,
    /// previous_rank - rank: positive when the country moved up the list.
    pub rank_change: Option<i64>,
    pub drivers: Vec<Driver>,
}

/// A predictor's share of one country's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub predictor: &'static str,
    /// The country's value of the predictor in the data year.
    pub value: f64,
    /// Contribution to the log-odds relative to the average training country-year: for the
    /// elastic net, coefficient x standardised value; for trees, the path attribution; for the
    /// ensemble, the members' mean.
    pub contribution: f64,
    pub direction: Direction,
}

/// Whether a predictor pushes the country's risk up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Raises,
    Lowers,
}

/// Forecasts from the data of `year`.
pub fn forecast(
    rows: &[CountryYear],
    model: ModelName,
    year: i32,
    options: &ForecastOptions,
) -> Result<Forecast, RiskError> {
    crate::backtest::check_borders(&[model], &options.borders)?;
    let panel = Panel::build_with_borders(rows, &options.borders)?;
    // The tuned model's inner windows, shared by this year's and last year's forecasts.
    let history =
        (model == ModelName::Tuned).then(|| tuned::history(&panel, &options.model, year - 4));
    let history = history.as_deref();
    let current = predict_year(&panel, model, &options.model, year, history)?;
    // Last year's forecast is context, not a requirement: a first year simply has none.
    let previous: HashMap<SituationId, (f64, usize)> =
        match predict_year(&panel, model, &options.model, year - 1, history) {
            Ok(previous) => previous
                .rows
                .iter()
                .zip(&previous.probabilities)
                .zip(&previous.ranks)
                .map(|((&i, &p), &r)| (panel.situations[i].clone(), (p, r)))
                .collect(),
            Err(_) => HashMap::new(),
        };
    let names = FeatureSet::All.names();
    let used = model.features().names().len();
    let mut entries: Vec<ForecastEntry> = current
        .rows
        .iter()
        .zip(&current.probabilities)
        .zip(&current.ranks)
        .map(|((&i, &probability), &rank)| {
            let row = model::feature_row(&panel, i);
            let contributions = current.trained.contributions(&row);
            let mut order: Vec<usize> = (0..used).filter(|&j| contributions[j] != 0.0).collect();
            order.sort_by(|&a, &b| contributions[b].abs().total_cmp(&contributions[a].abs()));
            let drivers = order
                .into_iter()
                .take(options.drivers)
                .map(|j| Driver {
                    predictor: names[j],
                    value: row[j],
                    contribution: contributions[j],
                    direction: if contributions[j] > 0.0 {
                        Direction::Raises
                    } else {
                        Direction::Lowers
                    },
                })
                .collect();
            let before = previous.get(&panel.situations[i]).copied();
            ForecastEntry {
                rank,
                situation: panel.situations[i].clone(),
                name: panel.names[i].clone(),
                probability,
                previous_probability: before.map(|(p, _)| p),
                previous_rank: before.map(|(_, r)| r),
                change: before.map(|(p, _)| probability - p),
                rank_change: before.map(|(_, r)| r as i64 - rank as i64),
                drivers,
            }
        })
        .collect();
    entries.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
    Ok(Forecast {
        model,
        model_version: model.version(&options.model),
        data_year: year,
        trained_through: year - 2,
        onset_years: [year + 1, year + 2],
        entries,
    })
}

struct YearPrediction {
    trained: Trained,
    rows: Vec<usize>,
    probabilities: Vec<f64>,
    ranks: Vec<usize>,
}

fn predict_year(
    panel: &Panel,
    model: ModelName,
    options: &ModelOptions,
    year: i32,
    history: Option<&[tuned::InnerWindow]>,
) -> Result<YearPrediction, RiskError> {
    let rows = panel.forecast_rows(year);
    if rows.is_empty() {
        return Err(RiskError::NoUsableRows {
            year,
            purpose: "forecast",
            detail: panel.why_unusable(year),
        });
    }
    let training = panel.training_rows(year - 2);
    if training.is_empty() {
        return Err(RiskError::NoUsableRows {
            year: year - 2,
            purpose: "training",
            detail: format!("no complete rows up to {}", year - 2),
        });
    }
    let trained = match history {
        Some(history) if model == ModelName::Tuned => {
            tuned::train_with(panel, &training, options, year - 2, history)?
        }
        _ => model::train(panel, &training, model, options, year - 2)?,
    };
    let probabilities: Vec<f64> = rows
        .iter()
        .map(|&i| trained.probability(&model::feature_row(panel, i)))
        .collect();
    let ranks = metrics::descending_min_ranks(&probabilities);
    Ok(YearPrediction {
        trained,
        rows,
        probabilities,
        ranks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tests::row;

    /// Ten countries over 1990-2012; onsets follow battle deaths, so battle deaths must be the
    /// main driver of the riskiest countries.
    fn rows() -> Vec<CountryYear> {
        let codes = [
            "SYR", "IRQ", "FRA", "DEU", "NGA", "MLI", "BRA", "IND", "CHN", "USA",
        ];
        let mut rows = Vec::new();
        for (c, code) in codes.iter().enumerate() {
            for year in 1990..=2012 {
                let battle = ((c * 7 + year as usize * 3) % 13) as f64;
                let onset = if battle >= 10.0 && (year + c as i32) % 2 == 0 {
                    1.0
                } else {
                    0.0
                };
                rows.push(row(
                    code,
                    year,
                    &[("battledeaths.log2", battle), ("mk_onset_1or2", onset)],
                ));
            }
        }
        rows
    }

    #[test]
    fn ranks_explains_and_compares_with_last_year() {
        let forecast = forecast(
            &rows(),
            ModelName::EwpEnet,
            2012,
            &ForecastOptions::default(),
        )
        .unwrap();
        assert_eq!(forecast.entries.len(), 10);
        assert_eq!(forecast.trained_through, 2010);
        assert_eq!(forecast.onset_years, [2013, 2014]);
        assert!(forecast
            .entries
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability && w[0].rank <= w[1].rank));
        let top = &forecast.entries[0];
        assert_eq!(top.rank, 1);
        let driver = &top.drivers[0];
        assert_eq!(driver.predictor, "battledeaths.log2");
        assert_eq!(driver.direction, Direction::Raises);
        assert!(top
            .drivers
            .windows(2)
            .all(|w| w[0].contribution.abs() >= w[1].contribution.abs()));
        for entry in &forecast.entries {
            let change = entry.change.unwrap();
            assert!(
                (entry.probability - entry.previous_probability.unwrap() - change).abs() < 1e-15
            );
            for driver in &entry.drivers {
                assert_eq!(
                    driver.direction == Direction::Raises,
                    driver.contribution > 0.0
                );
            }
        }
    }

    #[test]
    fn a_first_year_has_no_previous_forecast() {
        // The first onsets in these rows are in 1992: the forecast from 1994 trains on
        // 1990-1992, but last year's (from 1993, trained on 1990-1991) could not be made, so
        // there is no change to report.
        let rows: Vec<CountryYear> = rows().into_iter().filter(|r| r.year <= 1994).collect();
        let forecast = forecast(&rows, ModelName::EwpEnet, 1994, &ForecastOptions::default());
        let forecast = forecast.unwrap();
        assert!(forecast.entries.iter().all(|e| e.change.is_none()));
    }
}
