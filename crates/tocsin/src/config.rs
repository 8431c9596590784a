//! Settings, merged in one place: defaults < configuration file < `TOCSIN_*` environment <
//! flags. Each value remembers where it came from so `tocsin config` can show it.
//!
//! Unknown keys in the file are an error, not silently ignored: a misspelt `databse_url`
//! would otherwise quietly point Tocsin at the wrong database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const CONFIG_FILE_NAME: &str = "tocsin.toml";
pub const DATABASE_FILE_NAME: &str = "tocsin.db";

/// What the configuration file may contain.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    catalogue: Option<PathBuf>,
    stage_params: Option<PathBuf>,
    source_key_file: Option<PathBuf>,
    gazetteer: Option<PathBuf>,
    twilio_secret: Option<String>,
    smssync_secret: Option<String>,
    alert_rules: Option<PathBuf>,
    community_templates: Option<PathBuf>,
    smtp_url: Option<String>,
    alert_email_from: Option<String>,
    sms_gateway_url: Option<String>,
    sms_gateway_token: Option<String>,
    webhook_secret: Option<String>,
    public_url: Option<String>,
    secure_cookies: Option<bool>,
    report_languages: Option<Vec<String>>,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Default,
    File,
    Environment,
    Flag,
}

#[derive(Debug, Clone, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

/// The settings in force for this run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: Setting<PathBuf>,
    pub config_file: Setting<PathBuf>,
    pub config_file_found: bool,
    pub database_url: Setting<String>,
    pub listen: Setting<SocketAddr>,
    /// A deployment's own indicator catalogue; `None` means the built-in one.
    pub catalogue: Setting<Option<PathBuf>>,
    /// A deployment's own stage engine parameters; `None` means the built-in ones.
    pub stage_params: Setting<Option<PathBuf>>,
    /// File holding the key that seals sources' contact details (64 hex characters).
    pub source_key_file: Setting<PathBuf>,
    /// GeoNames cities file for resolving places in reports.
    pub gazetteer: Setting<PathBuf>,
    /// Shared secrets of the SMS gateways; a gateway without one is refused.
    pub twilio_secret: Option<String>,
    pub smssync_secret: Option<String>,
    /// A deployment's own alert rules; `None` means the built-in ones.
    pub alert_rules: Option<PathBuf>,
    /// A deployment's own community broadcast templates; `None` means the built-in ones.
    pub community_templates: Option<PathBuf>,
    /// Where alerts leave by email, SMS and webhook (secrets: never printed).
    pub channels: tocsin_app::ChannelSettings,
    /// Mark the web session cookie `Secure` (HTTPS only); off only for plain HTTP on loopback.
    pub secure_cookies: Setting<bool>,
    /// The languages reports arrive in, which their language is detected among (ISO codes, or
    /// `all`); `None` means the gazetteer's languages.
    pub report_languages: Option<Vec<String>>,
}

/// Picks the first value present, in order of precedence, and notes its origin.
fn pick<T>(
    flag: Option<T>,
    env: Option<T>,
    file: Option<T>,
    default: impl FnOnce() -> T,
) -> Setting<T> {
    match (flag, env, file) {
        (Some(value), _, _) => Setting {
            value,
            origin: Origin::Flag,
        },
        (None, Some(value), _) => Setting {
            value,
            origin: Origin::Environment,
        },
        (None, None, Some(value)) => Setting {
            value,
            origin: Origin::File,
        },
        (None, None, None) => Setting {
            value: default(),
            origin: Origin::Default,
        },
    }
}

/// Reads a `TOCSIN_*` variable; an empty value counts as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn default_data_dir() -> PathBuf {
    if let Some(xdg) = env("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("tocsin");
    }
    match env("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/tocsin"),
        None => PathBuf::from("tocsin-data"),
    }
}

/// The database URL of the SQLite file in `data_dir`.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join(DATABASE_FILE_NAME).display())
}

impl Settings {
    /// Merges flags (and, for `serve`, its listen flag) with the environment, the file and the
    /// defaults.
    pub fn load(global: &GlobalArgs, listen_flag: Option<SocketAddr>) -> anyhow::Result<Settings> {
        let data_dir = pick(
            global.data_dir.clone(),
            env("TOCSIN_DATA_DIR").map(PathBuf::from),
            None,
            default_data_dir,
        );
        let config_file = pick(
            global.config.clone(),
            env("TOCSIN_CONFIG").map(PathBuf::from),
            None,
            || data_dir.value.join(CONFIG_FILE_NAME),
        );
        let (file, found) = match std::fs::read_to_string(&config_file.value) {
            Ok(text) => {
                let parsed: FileConfig = toml::from_str(&text).with_context(|| {
                    format!(
                        "configuration file {} is not valid (allowed keys: database_url, listen, catalogue, stage_params, source_key_file, gazetteer, twilio_secret, smssync_secret, alert_rules, community_templates, smtp_url, alert_email_from, sms_gateway_url, sms_gateway_token, webhook_secret, public_url, secure_cookies, report_languages)",
                        config_file.value.display()
                    )
                })?;
                (parsed, true)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                // A file named explicitly must exist; the default one is optional.
                if config_file.origin != Origin::Default {
                    bail!(
                        "configuration file {} does not exist",
                        config_file.value.display()
                    );
                }
                (FileConfig::default(), false)
            }
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot read {}", config_file.value.display()))
            }
        };
        let database_url = pick(
            global.database_url.clone(),
            env("TOCSIN_DATABASE_URL"),
            file.database_url,
            || sqlite_url(&data_dir.value),
        );
        let listen_env = env("TOCSIN_LISTEN")
            .map(|text| {
                text.parse().with_context(|| {
                    format!("TOCSIN_LISTEN={text:?} is not an address like 127.0.0.1:8080")
                })
            })
            .transpose()?;
        let listen_file = file
            .listen
            .map(|text| {
                text.parse().with_context(|| {
                    format!(
                        "listen = {text:?} in {} is not an address like 127.0.0.1:8080",
                        config_file.value.display()
                    )
                })
            })
            .transpose()?;
        let listen = pick(listen_flag, listen_env, listen_file, || {
            DEFAULT_LISTEN
                .parse()
                .expect("the default listen address is valid")
        });
        let catalogue = pick(
            None,
            env("TOCSIN_CATALOGUE").map(|path| Some(PathBuf::from(path))),
            file.catalogue.map(Some),
            || None,
        );
        let stage_params = pick(
            None,
            env("TOCSIN_STAGE_PARAMS").map(|path| Some(PathBuf::from(path))),
            file.stage_params.map(Some),
            || None,
        );
        let source_key_file = pick(
            None,
            env("TOCSIN_SOURCE_KEY_FILE").map(PathBuf::from),
            file.source_key_file,
            || data_dir.value.join("source.key"),
        );
        let gazetteer = pick(
            None,
            env("TOCSIN_GAZETTEER").map(PathBuf::from),
            file.gazetteer,
            || {
                data_dir
                    .value
                    .join("datasets/geo/geonames_cities15000.json")
            },
        );
        let secure_cookies_env = env("TOCSIN_SECURE_COOKIES")
            .map(|text| match text.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => bail!("TOCSIN_SECURE_COOKIES={text:?} must be true or false"),
            })
            .transpose()?;
        let secure_cookies = pick(None, secure_cookies_env, file.secure_cookies, || true);
        Ok(Settings {
            data_dir,
            config_file,
            config_file_found: found,
            database_url,
            listen,
            catalogue,
            stage_params,
            source_key_file,
            gazetteer,
            twilio_secret: env("TOCSIN_TWILIO_SECRET").or(file.twilio_secret),
            smssync_secret: env("TOCSIN_SMSSYNC_SECRET").or(file.smssync_secret),
            alert_rules: env("TOCSIN_ALERT_RULES")
                .map(PathBuf::from)
                .or(file.alert_rules),
            community_templates: env("TOCSIN_COMMUNITY_TEMPLATES")
                .map(PathBuf::from)
                .or(file.community_templates),
            channels: tocsin_app::ChannelSettings {
                smtp_url: env("TOCSIN_SMTP_URL").or(file.smtp_url),
                email_from: env("TOCSIN_ALERT_EMAIL_FROM").or(file.alert_email_from),
                sms_gateway_url: env("TOCSIN_SMS_GATEWAY_URL").or(file.sms_gateway_url),
                sms_gateway_token: env("TOCSIN_SMS_GATEWAY_TOKEN").or(file.sms_gateway_token),
                webhook_secret: env("TOCSIN_WEBHOOK_SECRET").or(file.webhook_secret),
                public_url: env("TOCSIN_PUBLIC_URL").or(file.public_url),
            },
            secure_cookies,
            report_languages: env("TOCSIN_REPORT_LANGUAGES")
                .map(|codes| {
                    codes
                        .split(',')
                        .map(|code| code.trim().to_string())
                        .collect()
                })
                .or(file.report_languages),
        })
    }

    /// Creates the SQLite file's directory when the database is the default SQLite file.
    pub fn prepare_database_dir(&self) -> anyhow::Result<()> {
        if let Some(path) = self.database_url.value.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create the directory {}", parent.display()))?;
            }
        }
        Ok(())
    }
}

/// A database URL fit to print: any password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(index) => rest.split_at(index),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The configuration file `init` writes: every key, commented out, with its default.
pub fn commented_default_file(data_dir: &Path) -> String {
    format!(
        "# Tocsin configuration. Precedence: defaults < this file < TOCSIN_* environment < flags.\n\
         # Unknown keys are an error.\n\
         \n\
         # Database: sqlite://PATH (embedded) or postgres://USER:PASSWORD@HOST/DB (shared).\n\
         # database_url = \"{}\"\n\
         \n\
         # Address the HTTP server listens on.\n\
         # listen = \"{DEFAULT_LISTEN}\"\n\
         \n\
         # A replacement indicator catalogue (TOML, same format as the built-in one).\n\
         # catalogue = \"/etc/tocsin/catalogue.toml\"\n\
         \n\
         # Replacement stage engine parameters (TOML; `tocsin assess params` prints the built-in).\n\
         # stage_params = \"/etc/tocsin/engine.toml\"\n\
         \n\
         # Key that seals sources' contact details; created on first use. Keep it apart from\n\
         # database backups: without it, the sealed contacts cannot be read.\n\
         # source_key_file = \"{}\"\n\
         \n\
         # GeoNames cities file used to place reports (tocsin data fetch puts it here).\n\
         # gazetteer = \"{}\"\n\
         \n\
         # Shared secrets the SMS gateways present (query ?secret=, header X-Tocsin-Secret,\n\
         # or SMSSync's own secret field). A gateway without a secret is refused.\n\
         # twilio_secret = \"...\"\n\
         # smssync_secret = \"...\"\n\
         \n\
         # Alerts (docs/alerts.md): replacement rules and community templates (TOML), and the\n\
         # channels alerts leave by. A channel left unset dead-letters its deliveries.\n\
         # alert_rules = \"/etc/tocsin/alert-rules.toml\"\n\
         # community_templates = \"/etc/tocsin/community.toml\"\n\
         # smtp_url = \"smtp://127.0.0.1:25\"\n\
         # alert_email_from = \"Tocsin <alerts@example.org>\"\n\
         # sms_gateway_url = \"https://sms.example.org/send\"\n\
         # sms_gateway_token = \"...\"\n\
         # webhook_secret = \"...\"\n\
         # public_url = \"https://tocsin.example.org\"\n\
         \n\
         # The web session cookie is sent over HTTPS only. Set to false only to use the\n\
         # pages over plain HTTP on loopback (127.0.0.1), e.g. for a trial.\n\
         # secure_cookies = true\n\
         \n\
         # The languages field reports arrive in (ISO 639-1 or 639-3 codes, or \"all\"): a\n\
         # report's language is detected among these. By default, the languages the gazetteer\n\
         # names places in (am ar bn de en es fa fr hi it my pt ru sw tr uk ur zh).\n\
         # report_languages = [\"en\", \"fr\", \"ar\", \"sw\"]\n",
        sqlite_url(data_dir),
        data_dir.join("source.key").display(),
        data_dir.join("datasets/geo/geonames_cities15000.json").display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        assert_eq!(pick(Some(1), Some(2), Some(3), || 4).origin, Origin::Flag);
        let s = pick(None, Some(2), Some(3), || 4);
        assert_eq!((s.value, s.origin), (2, Origin::Environment));
        let s = pick(None, None, Some(3), || 4);
        assert_eq!((s.value, s.origin), (3, Origin::File));
        let s = pick(None::<i32>, None, None, || 4);
        assert_eq!((s.value, s.origin), (4, Origin::Default));
    }

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact_url("postgres://tocsin:s3cret@db:5432/t"),
            "postgres://tocsin:***@db:5432/t"
        );
        assert_eq!(
            redact_url("postgres://tocsin@db/t"),
            "postgres://tocsin@db/t"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/tocsin/tocsin.db"),
            "sqlite:///var/lib/tocsin/tocsin.db"
        );
    }

    #[test]
    fn the_commented_file_parses_and_sets_nothing() {
        let parsed: FileConfig = toml::from_str(&commented_default_file(Path::new("/d"))).unwrap();
        assert!(
            parsed.database_url.is_none() && parsed.listen.is_none() && parsed.catalogue.is_none()
        );
    }
}
