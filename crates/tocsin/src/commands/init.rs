//! `tocsin init`: data directory, commented configuration file, database.

use anyhow::Context;
use serde::Serialize;

use crate::config::{commented_default_file, redact_url, Settings};
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct Initialised {
    data_dir: String,
    config_file: String,
    config_written: bool,
    database_url: String,
}

pub async fn run(settings: &Settings, json: bool) -> anyhow::Result<Outcome> {
    let data_dir = &settings.data_dir.value;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    // An existing configuration is the user's: never overwrite it.
    let config_written = !settings.config_file_found;
    if config_written {
        std::fs::write(
            &settings.config_file.value,
            commented_default_file(data_dir),
        )
        .with_context(|| format!("cannot write {}", settings.config_file.value.display()))?;
    }
    // The key that seals sources' contacts: created now, so it can be backed up apart.
    super::load_vault(settings)?;
    let store = super::open_store(settings).await?;
    store.close().await;
    let result = Initialised {
        data_dir: data_dir.display().to_string(),
        config_file: settings.config_file.value.display().to_string(),
        config_written,
        database_url: redact_url(&settings.database_url.value),
    };
    emit(json, &result, |r| {
        format!(
            "data directory  {}\nconfiguration   {}{}\ndatabase        {} (ready)",
            r.data_dir,
            r.config_file,
            if r.config_written {
                " (written)"
            } else {
                " (kept as it was)"
            },
            r.database_url
        )
    })?;
    Ok(Outcome::Success)
}
