//! `tocsin import ewp FILE`: load a country-year dataset, all or nothing.

use anyhow::Context;
use serde::Serialize;
use tocsin_store::CountryYearImport;

use crate::cli::ImportCommand;
use crate::config::Settings;
use crate::output::{emit, spinner};
use crate::Outcome;

#[derive(Serialize)]
struct Imported {
    dataset: String,
    file: String,
    sha256: String,
    rows: u64,
    countries: u64,
    last_year: Option<i32>,
    countries_in_last_year: usize,
    replaced_rows: u64,
    same_as_before: bool,
}

pub async fn run(
    settings: &Settings,
    command: ImportCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    match command {
        ImportCommand::Ewp { file } => import_ewp(settings, &file, json).await,
        ImportCommand::UcdpGed { file } => {
            import_events(settings, &file, json, tocsin_ingest::stream_ucdp_ged).await
        }
        ImportCommand::Acled { file } => {
            import_events(settings, &file, json, tocsin_ingest::stream_acled).await
        }
    }
}

/// An event dataset: every event a report, all or nothing, events already held skipped.
async fn import_events(
    settings: &Settings,
    file: &std::path::Path,
    json: bool,
    stream: tocsin_ingest::DatasetStream,
) -> anyhow::Result<Outcome> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let store = super::open_store(settings).await?;
    let progress = spinner(&format!("importing the events of {name}"));
    let imported = tocsin_app::import_events(
        &store,
        &name,
        &bytes,
        stream,
        &super::cli_actor(),
        super::now(),
    )
    .await;
    store.close().await;
    progress.finish_and_clear();
    let outcome = imported.map_err(|error| match error {
        tocsin_app::EventImportError::File(error) => {
            anyhow::anyhow!("{error}\nnothing was imported: fix the file and run the import again")
        }
        tocsin_app::EventImportError::Store(error) => anyhow::Error::new(error),
    })?;
    emit(json, &outcome, |o| {
        format!(
            "{} events in {}: {} new, {} already held",
            o.rows, o.file, o.inserted, o.already_present
        )
    })?;
    Ok(Outcome::Success)
}

async fn import_ewp(
    settings: &Settings,
    file: &std::path::Path,
    json: bool,
) -> anyhow::Result<Outcome> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    let progress = spinner(&format!("checking {name}"));
    // The whole file is checked before the database is touched.
    let parsed = tocsin_ingest::ewp::parse(&name, &bytes).map_err(|error| {
        progress.finish_and_clear();
        anyhow::anyhow!("{error}\nnothing was imported: fix the file and run the import again")
    })?;
    progress.set_message(format!("importing {} rows", parsed.rows.len()));
    let store = super::open_store(settings).await?;
    let outcome = store
        .replace_country_years(
            CountryYearImport {
                dataset: "ewp",
                file_name: &name,
                sha256: &parsed.sha256,
                situations: &parsed.situations,
                rows: &parsed.rows,
            },
            &super::cli_actor(),
            super::now(),
        )
        .await?;
    store.close().await;
    progress.finish_and_clear();
    let last_year = parsed.last_year();
    let result = Imported {
        dataset: outcome.dataset,
        file: name,
        sha256: parsed.sha256.clone(),
        rows: outcome.rows,
        countries: outcome.countries,
        last_year,
        countries_in_last_year: last_year.map_or(0, |year| parsed.countries_in(year)),
        replaced_rows: outcome.replaced_rows,
        same_as_before: outcome.same_as_before,
    };
    emit(json, &result, |r| {
        format!(
            "imported {} country-years of {} countries from {} ({} in {}){}",
            r.rows,
            r.countries,
            r.file,
            r.countries_in_last_year,
            r.last_year
                .map_or_else(|| "-".to_string(), |y| y.to_string()),
            if r.same_as_before {
                "; the same edition as before, so nothing changed"
            } else if r.replaced_rows > 0 {
                "; the previous edition was replaced"
            } else {
                ""
            }
        )
    })?;
    Ok(Outcome::Success)
}
