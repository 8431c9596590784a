//! `tocsin catalogue`: the risk factors and indicators analysts code reports against.

use serde::Serialize;
use tocsin_domain::{Dimension, Stage};

use crate::cli::CatalogueArgs;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct Listed {
    version: String,
    factors: Vec<ListedFactor>,
}

#[derive(Serialize)]
struct ListedFactor {
    number: u8,
    name: String,
    scope: &'static str,
    indicators: Vec<ListedIndicator>,
}

#[derive(Serialize)]
struct ListedIndicator {
    code: String,
    text: String,
    stages: Vec<Stage>,
    dimensions: Vec<Dimension>,
}

pub fn run(settings: &Settings, args: CatalogueArgs, json: bool) -> anyhow::Result<Outcome> {
    let catalogue = super::load_catalogue(settings)?;
    let stage = args.stage.map(Stage::try_from).transpose()?;
    let dimension = args
        .dimension
        .as_deref()
        .map(str::parse::<Dimension>)
        .transpose()?;
    let factors = catalogue
        .risk_factors()
        .iter()
        .map(|factor| ListedFactor {
            number: factor.number,
            name: factor.name.clone(),
            scope: factor.scope.as_str(),
            indicators: factor
                .indicators
                .iter()
                .filter(|i| stage.is_none_or(|s| i.speaks_to(s)))
                .filter(|i| dimension.is_none_or(|d| i.concerns(d)))
                .map(|i| ListedIndicator {
                    code: i.code.clone(),
                    text: i.text.clone(),
                    stages: i.stages.clone(),
                    dimensions: i.dimensions.clone(),
                })
                .collect(),
        })
        .filter(|factor| !factor.indicators.is_empty())
        .collect();
    let listed = Listed {
        version: catalogue.version().to_string(),
        factors,
    };
    emit(json, &listed, |listed| {
        let mut text = format!("indicator catalogue {}\n", listed.version);
        for factor in &listed.factors {
            text.push_str(&format!(
                "\n{:>2}. {} [{}]\n",
                factor.number, factor.name, factor.scope
            ));
            for indicator in &factor.indicators {
                let stages: Vec<String> = indicator
                    .stages
                    .iter()
                    .map(|s| s.number().to_string())
                    .collect();
                let dimensions: Vec<&str> =
                    indicator.dimensions.iter().map(|d| d.as_str()).collect();
                text.push_str(&format!(
                    "    {:<6} {}  (stage {}; {})\n",
                    indicator.code,
                    indicator.text,
                    stages.join(","),
                    dimensions.join(", ")
                ));
            }
        }
        text.trim_end().to_string()
    })?;
    Ok(Outcome::Success)
}
