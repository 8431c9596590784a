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
    /// People who sign in, their roles, TLP clearances and API tokens
    #[command(subcommand)]
    Users(UsersCommand),
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
    /// The prevention toolbox: tools by stage, dimension and actor
    #[command(subcommand)]
    Toolbox(ToolboxCommand),
    /// The lessons library: past cases, the tools applied or withheld, and what followed
    Lessons(LessonsArgs),
    /// Ranked prevention tools for a situation, with reasons, caveats and precedent
    Recommend(RecommendArgs),
    /// Preventive measures planned or taken for a situation, and its coordination board
    #[command(subcommand)]
    Responses(ResponsesCommand),
    /// A situation's stage on the path of escalation, its score, drivers and triggers ahead
    /// (`tocsin assess SITUATION`), its stage history, or the engine's historic check
    Assess(AssessArgs),
    /// The 14 risk-factor board of a situation and analysts' judgments on it
    #[command(subcommand)]
    Factors(FactorsCommand),
    /// Known shocks ahead (elections, anniversaries, verdicts, contested decisions), and
    /// historic ones imported from public data
    #[command(subcommand)]
    Triggers(TriggersCommand),
    /// Organisation units: who answers for which situations, their chain of command, members
    /// and addresses
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Alerts: list, acknowledge, record decisions, response-time figures, CAP documents
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// A brief in HTML or PDF: on a situation for decision-makers (`tocsin brief SDN`), or on
    /// the countries most at risk for parliamentarians (`tocsin brief parliament`)
    Brief(BriefArgs),
}

#[derive(Debug, Args)]
pub struct BriefArgs {
    /// The situation, e.g. SDN or SSD/upper-nile, or `parliament` for the parliamentary brief
    pub target: String,
    /// html (one self-contained page) or pdf
    #[arg(long, value_name = "FORMAT", default_value = "pdf")]
    pub format: String,
    /// Where to write the brief
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// The recipients' TLP clearance: items marked above it are left out
    #[arg(long, value_name = "TLP", default_value = "TLP:AMBER")]
    pub clearance: String,
    /// The recipients' role, which decides the sections they get
    #[arg(long, value_name = "ROLE", default_value = "focal_point")]
    pub role: String,
    /// How many countries the parliamentary brief lists
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Subcommand)]
pub enum FactorsCommand {
    /// Each of the 14 risk factors: the latest judgment, and the indicators seen on reports
    Show {
        /// The situation, e.g. SDN
        situation: String,
    },
    /// Record a judgment on one risk factor; it supersedes the last and is kept in history
    Judge {
        /// The situation, e.g. SDN
        situation: String,
        /// The risk factor, 1 to 14 (or RF1 to RF14)
        factor: String,
        /// present, absent or unknown
        #[arg(long)]
        status: String,
        /// rising, steady or falling [default: steady]
        #[arg(long)]
        trend: Option<String>,
        /// low, medium or high [default: medium]
        #[arg(long)]
        confidence: Option<String>,
        /// A report that supports the judgment (repeatable)
        #[arg(long = "report", value_name = "ID")]
        reports: Vec<i64>,
        /// Why
        #[arg(long)]
        note: Option<String>,
        /// Who judges (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
    /// Every judgment made on a situation's risk factors (or one factor), newest first
    History {
        /// The situation, e.g. SDN
        situation: String,
        /// Only this risk factor
        factor: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TriggersCommand {
    /// A situation's triggers, by date
    List {
        /// The situation, e.g. KEN
        situation: String,
    },
    /// Add a trigger an analyst knows of
    Add {
        /// The situation, e.g. KEN
        situation: String,
        /// election, anniversary, verdict, decision, coup or other
        #[arg(long)]
        kind: String,
        /// What it is, e.g. "general election"
        #[arg(long)]
        name: String,
        /// When (YYYY-MM-DD)
        #[arg(long)]
        date: String,
        /// It recurs every year on this date (an anniversary)
        #[arg(long)]
        yearly: bool,
        #[arg(long)]
        note: Option<String>,
        /// Who adds it (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
    /// Import historic triggers: `coups` (Cline Center coup events) or `electoral-violence`
    /// (UCDP DECO, one trigger per country and month of electoral violence); importing again
    /// adds none
    Import {
        /// coups or electoral-violence
        kind: String,
        /// The dataset file
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AssessArgs {
    #[command(subcommand)]
    pub command: Option<AssessCommand>,
    /// The situation to assess, e.g. SDN or SSD/upper-nile
    #[arg(required = true)]
    pub situation: Option<String>,
    /// Assess as of this date (YYYY-MM-DD) instead of today; a past date is read only and
    /// stores no stage change
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// Run the engine month by month over ACLED country-month counts and UCDP GED events and
    /// report, for each mass-killing onset, how long before it stages 2 and 3 were reached,
    /// and which situations reached stage 3 with no onset
    Backtest {
        /// Folder with the public datasets, laid out as `tocsin data fetch` leaves them
        /// [default: DATA_DIR/datasets]
        #[arg(long, value_name = "DIR")]
        datasets: Option<PathBuf>,
        /// Engine parameter file [default: the built-in parameters]
        #[arg(long, value_name = "FILE")]
        params: Option<PathBuf>,
    },
    /// The stage changes stored for a situation, newest first, with the evidence of each
    History {
        /// The situation, e.g. SDN
        situation: String,
    },
    /// Print the engine's parameters in force (the built-in file, commented)
    Params,
    /// Assess, as of now, every situation with evidence, judgments, triggers or a stored
    /// stage, and store each stage change (the server does this every hour)
    All,
}

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// List units with their parent, areas, members and addresses
    List,
    /// Create a unit (a department, mission or partner body)
    Add {
        /// Unit name: letters, digits, '-', '_' or '.'
        name: String,
        /// department, mission or partner
        #[arg(long)]
        kind: String,
        /// The unit one level up the chain of command: where unacknowledged alerts go next
        #[arg(long)]
        parent: Option<String>,
    },
    /// Make a unit answer for a situation (SSD, SSD/yei) or for every situation (*)
    Area { unit: String, area: String },
    /// Add a user to a unit: they get its alerts in their Tocsin inbox
    Member { unit: String, user: String },
    /// Put a unit under another in the chain of command (or at its top with --top)
    Parent {
        unit: String,
        /// The unit one level up: where the unit's unacknowledged alerts go next
        #[arg(required_unless_present = "top", conflicts_with = "top")]
        parent: Option<String>,
        /// The unit reports to no one: its unacknowledged alerts climb no further
        #[arg(long)]
        top: bool,
    },
    /// Rename a unit; its members, areas, addresses, sub-units and the alerts already sent
    /// to it follow the new name
    Rename {
        unit: String,
        /// The new name: letters, digits, '-', '_' or '.'
        new_name: String,
    },
    /// Delete a unit; one that alerts were sent to is retired instead (it gets no new
    /// alerts and stays in their record). Refused while other units report to it
    Delete { unit: String },
    /// Stop a unit answering for a situation (or for every situation, *)
    RemoveArea { unit: String, area: String },
    /// Take a user out of a unit: they get no more of its alerts
    RemoveMember { unit: String, user: String },
    /// Show which unit an alert about a situation goes to, and the units it climbs to
    Route { situation: String },
    /// Add an address the unit is warned at
    Address {
        unit: String,
        /// email, sms or webhook
        #[arg(long)]
        channel: String,
        /// Email address, phone number (+256…) or https:// URL
        address: String,
        /// TLP clearance of whoever reads this address [default: TLP:GREEN]
        #[arg(long)]
        clearance: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List alerts, newest first
    List {
        /// Only this situation and its areas
        #[arg(long)]
        situation: Option<String>,
        /// open or acknowledged
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One alert with its deliveries and decisions
    Show { id: i64 },
    /// Acknowledge an alert: it stops climbing the chain of command
    Ack {
        id: i64,
        /// Who acknowledged (e.g. by telephone) [default: cli:$USER]
        #[arg(long)]
        by: Option<String>,
    },
    /// Record what was decided on an alert
    Decide {
        id: i64,
        /// The decision, in words
        decision: String,
        /// The measure it set going (an id from tocsin responses list)
        #[arg(long)]
        response: Option<i64>,
        /// Who decided [default: cli:$USER]
        #[arg(long)]
        by: Option<String>,
    },
    /// Warning-to-acknowledgement and warning-to-action times per situation and unit
    Stats,
    /// The alert as a CAP 1.2 XML document
    Cap { id: i64 },
    /// Deliveries that failed too often; exit 1 if there are any
    DeadLetters {
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Escalate overdue alerts and send due deliveries once (the server does this every minute)
    Tick,
    /// Send a community SMS broadcast to the subscribers of an area, each in their language
    Broadcast {
        /// The area subscribers named when they joined (JOIN YEI → yei)
        #[arg(long)]
        area: String,
        /// Template id, e.g. militia_approaching or hate_speech_illegal
        #[arg(long)]
        template: String,
    },
    /// Community subscribers per area and language (counts only)
    Subscribers,
    /// Raise structural-risk alerts for the countries of the newest stored forecast at or
    /// above a probability
    FromForecast {
        /// Forecast probability of a new mass killing onset, e.g. 0.04 for 4%
        #[arg(long, default_value_t = 0.04)]
        threshold: f64,
    },
    /// Raise flash-report alerts for indicators coded on verified reports of the last days
    FromReports {
        /// How many days back to look
        #[arg(long, default_value_t = 7)]
        days: i64,
    },
    /// Run a signal (JSON, see docs/alerts.md) through the rules, as the assessment does
    Raise {
        /// File with the signal, or - for standard input
        #[arg(value_name = "FILE")]
        signal: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToolboxCommand {
    /// List tools, optionally only those for a stage, a dimension or an actor
    List {
        /// Only tools that apply at this stage: 1, 2 or 3
        #[arg(long)]
        stage: Option<String>,
        /// Only tools acting on this side of the crime triangle: perpetrator, victim, situation
        #[arg(long)]
        dimension: Option<String>,
        /// Only tools this actor can use, e.g. un_security_council, regional_organisations, ngos
        #[arg(long)]
        actor: Option<String>,
    },
    /// Everything about one tool, with the cases it was applied or withheld in
    Show {
        /// Tool id, as `tocsin toolbox list` shows it
        tool: String,
    },
}

#[derive(Debug, Args)]
pub struct LessonsArgs {
    /// Only cases that applied or withheld this tool (a tool id)
    #[arg(long)]
    pub tool: Option<String>,
    /// Only cases at this stage: 1, 2 or 3
    #[arg(long)]
    pub stage: Option<String>,
    /// Only cases speaking to this side: perpetrator, victim or situation
    #[arg(long)]
    pub dimension: Option<String>,
    /// Only cases whose title, country or lesson holds every word
    #[arg(long)]
    pub text: Option<String>,
}

/// Where the stage comes from: these flags, else the stage last assessed (`tocsin assess`), else
/// the indicators coded on the situation's verified reports over the last 90 days.
#[derive(Debug, Args)]
pub struct BasisArgs {
    /// Use this stage (1, 2 or 3) instead of the one read off the indicators
    #[arg(long)]
    pub stage: Option<String>,
    /// Treat this dimension as stressed instead of those read off the indicators (repeatable)
    #[arg(long = "dimension", value_name = "DIMENSION")]
    pub dimensions: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Situation id: ISO3 code (SSD), optionally with an area (SSD/jonglei)
    pub situation: String,
    #[command(flatten)]
    pub basis: BasisArgs,
    /// Show at most this many tools (all with --json unless given)
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Record a measure planned or taken; the record and who made it go into the audit log
    Add {
        /// Situation id, e.g. SSD
        situation: String,
        /// Who acts: a person, office or body
        #[arg(long)]
        actor: String,
        /// The organisation the actor belongs to
        #[arg(long)]
        organisation: String,
        /// The tool used (a tool id)
        #[arg(long)]
        tool: String,
        /// When it starts or started (YYYY-MM-DD)
        #[arg(long)]
        start: String,
        /// When it was decided on (YYYY-MM-DD)
        #[arg(long)]
        planned: Option<String>,
        /// When it ends or ended (YYYY-MM-DD); leave out while open-ended
        #[arg(long)]
        end: Option<String>,
        /// planned, under_way, completed or abandoned [default: planned]
        #[arg(long)]
        status: Option<String>,
        /// What came of it
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// The measures recorded for a situation
    List {
        /// Situation id, e.g. SSD
        situation: String,
    },
    /// Change a measure (status, dates, outcome...); an empty value clears an optional field
    Update {
        /// Measure id, as `tocsin responses list` shows it
        id: i64,
        /// Refuse the change if the measure is no longer at this revision
        #[arg(long)]
        revision: Option<i64>,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long)]
        tool: Option<String>,
        #[arg(long)]
        planned: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// A measure's history of changes, from the audit log
    History {
        /// Measure id
        id: i64,
    },
    /// Who is doing what and when, by side of the crime triangle, with gaps and clashes
    Board {
        /// Situation id, e.g. SSD
        situation: String,
        #[command(flatten)]
        basis: BasisArgs,
    },
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
    /// List reports, newest first: the inbox, by verification state or situation, or the
    /// place queue (reports whose place no one could resolve yet)
    List {
        /// Only reports in this verification state (triage, verified, unverified, false,
        /// duplicate, archived)
        #[arg(long)]
        state: Option<String>,
        /// Only reports about this situation (e.g. SSD or SSD/upper-nile)
        #[arg(long)]
        situation: Option<String>,
        /// `place`: the reports waiting for an analyst to place them
        #[arg(long)]
        queue: Option<String>,
        /// The reader's clearance: reports marked more restrictively are not listed
        #[arg(long, default_value = "TLP:AMBER+STRICT")]
        clearance: String,
        /// At most this many
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Grade a report: information credibility 1 (confirmed) to 6 (cannot be judged), and/or
    /// its TLP marking
    Grade {
        /// Report id
        id: i64,
        #[arg(long)]
        credibility: Option<u8>,
        #[arg(long)]
        tlp: Option<String>,
        /// Who is grading (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
    /// Link two reports that bear each other out
    Corroborate {
        /// Report id
        id: i64,
        /// The other report's id
        other: i64,
        /// Why they corroborate each other
        #[arg(long)]
        note: Option<String>,
        /// Who links them (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
    /// Place a report by hand (from the place queue)
    Place {
        /// Report id
        id: i64,
        /// Latitude, decimal degrees
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// Longitude, decimal degrees
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// The situation it belongs to (e.g. SSD or SSD/upper-nile)
        #[arg(long)]
        situation: String,
        /// The place's name
        #[arg(long)]
        name: Option<String>,
        /// Who places it (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
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
    /// The indicators on a report: those analysts decided on, and the catalogue's suggestions
    Indicators {
        /// Report id
        id: i64,
    },
    /// Accept or reject a suggested indicator on a report, or code one
    Code {
        /// Report id
        id: i64,
        /// Indicator code from the catalogue, e.g. 7.5
        code: String,
        /// accepted, rejected or coded [default: coded]
        #[arg(long, default_value = "coded")]
        state: String,
        /// Who codes it (recorded in the audit log)
        #[arg(long)]
        actor: String,
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
        /// ewp-enet, gbm, ensemble, tuned or gbm-neighbours [default: ensemble]
        #[arg(long)]
        model: Option<String>,
        /// CShapes 2.0 land borders (geo/cshapes_2_gw.topojson.xz, from `tocsin data fetch`),
        /// which gbm-neighbours needs
        #[arg(long, value_name = "FILE")]
        borders: Option<PathBuf>,
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
        /// ewp-enet, gbm, ensemble, tuned or gbm-neighbours [default: ensemble]
        #[arg(long)]
        model: Option<String>,
        /// CShapes 2.0 land borders (geo/cshapes_2_gw.topojson.xz, from `tocsin data fetch`),
        /// which gbm-neighbours needs
        #[arg(long, value_name = "FILE")]
        borders: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Grade a source's reliability, A (completely reliable) to F (cannot be judged)
    Grade {
        /// Source pseudonym, e.g. SRC-7K3QX9
        source: String,
        #[arg(long)]
        reliability: String,
        /// Who is grading (recorded in the audit log)
        #[arg(long)]
        actor: String,
    },
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
pub enum UsersCommand {
    /// Create a user; the password, if any, is read from standard input
    Add {
        /// User name: lower-case letters, digits, '.', '_' or '-'
        name: String,
        /// monitor, analyst, source_handler, focal_point or admin
        #[arg(long)]
        role: String,
        /// TLP clearance [default: the role's: monitor TLP:GREEN, focal_point TLP:AMBER,
        /// others TLP:AMBER+STRICT]
        #[arg(long)]
        clearance: Option<String>,
        /// Read a password (at least 12 characters) from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their roles and clearances
    List,
    /// Issue an API token for a user; it is shown once and stored only as a hash
    Token {
        /// User name
        name: String,
        /// What the token is for (e.g. "SMS relay laptop")
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// List API tokens (never their values)
    Tokens {
        /// Only this user's
        name: Option<String>,
    },
    /// Revoke an API token by its id
    Revoke {
        /// Token id (from `tocsin users tokens`)
        id: i64,
    },
    /// Change a user's role and clearance
    SetRole {
        name: String,
        #[arg(long)]
        role: String,
        /// TLP clearance [default: the new role's]
        #[arg(long)]
        clearance: Option<String>,
    },
    /// Disable a user: their tokens stop working at once
    Disable { name: String },
    /// Enable a disabled user again
    Enable { name: String },
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
