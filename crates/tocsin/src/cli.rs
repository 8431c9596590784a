//! The command line, declared with clap. Values here are raw: `config` merges them with the
//! configuration file and defaults, and validates them, before any command runs.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tocsin",
    version,
    about = "Early warning and prevention of mass atrocity crimes",
    long_about = "Tocsin collects reports and structural data on situations at risk of genocide, \
                  war crimes, ethnic cleansing and crimes against humanity, assesses them, and \
                  routes warnings to the people who can act.\n\n\
                  Settings come from defaults, then the config file (DATA_DIR/tocsin.toml), then \
                  TOCSIN_* environment variables, then flags: each overrides the one before."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn is_server(&self) -> bool {
        matches!(self.command, Command::Serve(_))
    }
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory for Tocsin's database, configuration and downloaded datasets
    /// [env: TOCSIN_DATA_DIR] [default: $XDG_DATA_HOME/tocsin or ~/.local/share/tocsin]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file [env: TOCSIN_CONFIG] [default: DATA_DIR/tocsin.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB
    /// [env: TOCSIN_DATABASE_URL] [default: sqlite://DATA_DIR/tocsin.db]
    #[arg(long = "database", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Print one machine-readable JSON object instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory, a commented configuration file and the database
    Init,
    /// Run the HTTP server (API under /api/v1, health check at /health)
    Serve(ServeArgs),
    /// Import a dataset file
    #[command(subcommand)]
    Import(ImportCommand),
    /// Situations (countries and areas) Tocsin watches
    #[command(subcommand)]
    Situations(SituationsCommand),
    /// Field reports and imported events
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Sources of reports
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// The structural risk model: backtest it, forecast with it
    #[command(subcommand)]
    Risk(RiskCommand),
    /// Public datasets Tocsin uses: list, download and verify them
    #[command(subcommand)]
    Data(DataCommand),
    /// The tamper-evident audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The indicator catalogue: the 14 risk factors and their indicators
    Catalogue(CatalogueArgs),
    /// Show the settings in force and where each came from
    Config,
}

#[derive(Debug, Args)]
pub struct CatalogueArgs {
    /// Only indicators that speak to this escalation stage (1, 2 or 3)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub stage: Option<u8>,
    /// Only indicators on this side of the crime triangle: perpetrator, victim or situation
    #[arg(long)]
    pub dimension: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: TOCSIN_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// The Early Warning Project's country-year predictor file (prepared*predictors*.csv)
    Ewp {
        /// Path to the CSV file
        file: PathBuf,
    },
    /// UCDP Georeferenced Event Dataset events (CSV), as reports
    UcdpGed {
        /// Path to the CSV file
        file: PathBuf,
    },
    /// ACLED events (CSV export), as reports
    Acled {
        /// Path to the CSV file
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Move a report through verification (triage, verified, unverified, false, duplicate,
    /// archived); the move and who made it go into the audit log
    Transition {
        /// Report id
        id: i64,
        /// The state to move it to
        #[arg(long)]
        to: String,
        /// Who is acting (recorded in the audit log)
        #[arg(long)]
        actor: String,
        /// The role they act in; the workflow says which roles may make which move
        #[arg(long)]
        role: String,
    },
    /// Write every report the audience may see (by TLP) as CSV, HXL-tagged CSV or GeoJSON
    Export {
        /// csv, hxl or geojson
        #[arg(long, default_value = "csv")]
        format: String,
        /// The audience's clearance: TLP:CLEAR (anyone) up to TLP:RED (named recipients)
        #[arg(long, default_value = "TLP:CLEAR")]
        clearance: String,
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Models: ewp-enet (the Early Warning Project's elastic net, reproduced), gbm (gradient-
/// boosted trees), ensemble (the mean of both; the default), tuned (a mixture of both whose
/// weight and tree depth are chosen inside each training window on earlier years only).
#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Fully-out-of-sample backtest (EWP's protocol): train on years <= L, forecast L+2
    Backtest {
        /// The EWP country-year predictor file
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// ewp-enet, gbm, ensemble or tuned [default: ensemble]
        #[arg(long)]
        model: Option<String>,
    },
    /// Forecast onsets in the two years after YEAR, ranked, with drivers; stored as an
    /// assessment that the API shows
    Forecast {
        /// The EWP country-year predictor file
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// The last year of data to forecast from
        #[arg(long)]
        year: i32,
        /// ewp-enet, gbm, ensemble or tuned [default: ensemble]
        #[arg(long)]
        model: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Show who a source is (contact details); only for the source-handler role, and audited
    Reveal {
        /// Source pseudonym, e.g. SRC-7K3QX9
        source: String,
        /// Who is looking (recorded in the audit log)
        #[arg(long)]
        actor: String,
        /// The role they act in; only source_handler may see who a source is
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SituationsCommand {
    /// List situations with the latest year of data held for each
    List,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// List the datasets of the manifest with publisher, licence and access
    List {
        /// Use this manifest instead of the one built in
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
    },
    /// Download the public datasets (or copy them from a mirror) and verify their SHA-256
    Fetch {
        /// Take the files from a local mirror directory instead of the publishers
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Use this manifest instead of the one built in
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Fetch only these dataset ids (repeatable)
        #[arg(long = "only", value_name = "ID")]
        only: Vec<String>,
        /// Where to put the files [default: DATA_DIR/datasets]
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 and name the first altered entry if it is broken
    Verify,
}
