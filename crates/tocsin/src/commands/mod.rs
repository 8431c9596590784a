//! One function per subcommand. Each loads the settings, does its work through the library
//! crates and prints its result.

mod alerts;
mod assess;
mod audit;
mod brief;
mod catalogue;
mod data;
mod import;
mod init;
mod reports;
mod risk;
mod serve;
mod situations;
mod toolbox;
mod users;

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_store::Store;

use crate::cli::{Cli, Command};
use crate::config::{redact_url, Setting, Settings};
use crate::output::emit;
use crate::Outcome;

pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let listen_flag = match &cli.command {
        Command::Serve(args) => args.listen,
        _ => None,
    };
    let settings = Settings::load(&cli.global, listen_flag)?;
    let json = cli.global.json;
    match cli.command {
        Command::Init => init::run(&settings, json).await,
        Command::Serve(_) => serve::run(&settings).await,
        Command::Import(command) => import::run(&settings, command, json).await,
        Command::Situations(command) => situations::run(&settings, command, json).await,
        Command::Reports(command) => reports::run(&settings, command, json).await,
        Command::Sources(command) => reports::sources(&settings, command, json).await,
        Command::Users(command) => users::run(&settings, command, json).await,
        Command::Risk(command) => risk::run(&settings, command, json).await,
        Command::Data(command) => data::run(&settings, command, json).await,
        Command::Audit(command) => audit::run(&settings, command, json).await,
        Command::Catalogue(args) => catalogue::run(&settings, args, json),
        Command::Config => show_config(&settings, json),
        Command::Toolbox(command) => toolbox::tools(command, json),
        Command::Lessons(args) => toolbox::lessons(args, json),
        Command::Recommend(args) => toolbox::recommend(&settings, args, json).await,
        Command::Responses(command) => toolbox::responses(&settings, command, json).await,
        Command::Assess(args) => assess::run(&settings, args, json).await,
        Command::Factors(command) => assess::factors(&settings, command, json).await,
        Command::Triggers(command) => assess::triggers(&settings, command, json).await,
        Command::Units(command) => alerts::units(&settings, command, json).await,
        Command::Alerts(command) => alerts::alerts(&settings, command, json).await,
        Command::Brief(args) => brief::run(&settings, args, json).await,
    }
}

/// Opens (and migrates) the configured database, creating the SQLite file's folder if needed.
async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    settings.prepare_database_dir()?;
    let url = &settings.database_url.value;
    Store::open(url)
        .await
        .map_err(|error| anyhow::anyhow!("{} ({})", error, redact_url(url)))
}

/// The indicator catalogue in force: the deployment's file if configured, else the built-in.
fn load_catalogue(settings: &Settings) -> anyhow::Result<std::sync::Arc<tocsin_domain::Catalogue>> {
    use anyhow::Context;
    let catalogue = match &settings.catalogue.value {
        None => tocsin_domain::Catalogue::embedded().clone(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the indicator catalogue {}", path.display())
            })?;
            tocsin_domain::Catalogue::from_toml(&text)
                .with_context(|| format!("indicator catalogue {}", path.display()))?
        }
    };
    Ok(std::sync::Arc::new(catalogue))
}

/// The key that seals sources' contact details, created (readable by the owner only) on
/// first use.
fn load_vault(settings: &Settings) -> anyhow::Result<tocsin_store::Vault> {
    use anyhow::Context;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = &settings.source_key_file.value;
    let key = match std::fs::read_to_string(path) {
        Ok(key) => key,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let key = tocsin_store::Vault::generate_key_hex();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create the source key {}", path.display()))?;
            file.write_all(key.as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "created a new source key");
            key
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot read the source key {}", path.display()))
        }
    };
    tocsin_store::Vault::from_hex(&key).with_context(|| format!("source key {}", path.display()))
}

/// The gazetteer, if its file is there; without it places stay unresolved for analysts.
fn load_gazetteer(
    settings: &Settings,
) -> anyhow::Result<Option<std::sync::Arc<tocsin_geo::Gazetteer>>> {
    use anyhow::Context;
    let path = &settings.gazetteer.value;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error)
            if error.kind() == std::io::ErrorKind::NotFound
                && settings.gazetteer.origin == crate::config::Origin::Default =>
        {
            tracing::warn!(path = %path.display(), "no gazetteer: place names in reports will wait for an analyst (tocsin data fetch brings it)");
            return Ok(None);
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot open the gazetteer {}", path.display()))
        }
    };
    let gazetteer = tocsin_geo::Gazetteer::from_geonames_json(std::io::BufReader::new(file))
        .with_context(|| format!("gazetteer {}", path.display()))?;
    // Country names in many languages, when the crosswalk sits beside the cities file.
    let crosswalk = path.with_file_name("countrycode_codelist.csv");
    let gazetteer = match std::fs::File::open(&crosswalk) {
        Ok(file) => gazetteer
            .with_country_names(std::io::BufReader::new(file))
            .with_context(|| format!("country names {}", crosswalk.display()))?,
        Err(_) => gazetteer,
    };
    Ok(Some(std::sync::Arc::new(gazetteer)))
}

/// The one place commands read the clock.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Who the audit log names for work done from the command line.
fn cli_actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_string());
    format!("cli:{user}")
}

#[derive(Serialize)]
struct ConfigView {
    data_dir: Setting<String>,
    config_file: Setting<String>,
    config_file_found: bool,
    database_url: Setting<String>,
    listen: Setting<String>,
    catalogue: Setting<String>,
    secure_cookies: Setting<bool>,
}

fn show_config(settings: &Settings, json: bool) -> anyhow::Result<Outcome> {
    let view = ConfigView {
        data_dir: Setting {
            value: settings.data_dir.value.display().to_string(),
            origin: settings.data_dir.origin,
        },
        config_file: Setting {
            value: settings.config_file.value.display().to_string(),
            origin: settings.config_file.origin,
        },
        config_file_found: settings.config_file_found,
        database_url: Setting {
            value: redact_url(&settings.database_url.value),
            origin: settings.database_url.origin,
        },
        listen: Setting {
            value: settings.listen.value.to_string(),
            origin: settings.listen.origin,
        },
        catalogue: Setting {
            value: settings
                .catalogue
                .value
                .as_ref()
                .map_or_else(|| "built-in".to_string(), |p| p.display().to_string()),
            origin: settings.catalogue.origin,
        },
        secure_cookies: settings.secure_cookies.clone(),
    };
    emit(json, &view, |v| {
        let origin = |o| {
            serde_json::to_value(o)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        format!(
            "data_dir     {}  ({})\nconfig_file  {}  ({}{})\ndatabase_url {}  ({})\nlisten       {}  ({})\ncatalogue    {}  ({})\nsecure_cookies {}  ({})",
            v.data_dir.value, origin(v.data_dir.origin),
            v.config_file.value, origin(v.config_file.origin), if v.config_file_found { "" } else { ", not present" },
            v.database_url.value, origin(v.database_url.origin),
            v.listen.value, origin(v.listen.origin),
            v.catalogue.value, origin(v.catalogue.origin),
            v.secure_cookies.value, origin(v.secure_cookies.origin),
        )
    })?;
    Ok(Outcome::Success)
}
