//! The command line: every argument type, apart from the code that runs it.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Tools for MSSanté operators: the public BAL extraction, the operator feed and
/// the liste blanche.
#[derive(Parser, Debug)]
#[command(name = "mssante", version, about, long_about = None)]
pub(crate) struct Cli {
    /// No report on stdout (exit status and errors only); `--json` objects are
    /// still printed.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// The public extraction `Extraction_Correspondance_MSSante`.
    #[command(subcommand)]
    Extraction(ExtractionCmd),
    /// The operator feed file (format v1, docs/formats/bal-feed.md).
    #[command(subcommand)]
    Feed(FeedCmd),
    /// The liste blanche of trust-space domains.
    #[command(subcommand, name = "liste-blanche")]
    ListeBlanche(ListeBlancheCmd),
    /// Write deterministic synthetic files.
    Generate(GenerateArgs),
    /// Deposit a feed file into a state and print its CR de dépôt.
    ///
    /// Exit status: 0 accepted (acknowledged: in the ledger), 1 rejected (its
    /// CR de dépôt is in the ledger), 2 nothing was recorded (file unreadable,
    /// state unusable or locked too long).
    Deposit(DepositArgs),
    /// Run an integration: every accepted deposit whose business date is closed
    /// at the run time, in date order; writes one CR d'intégration per file.
    ///
    /// Exit status: 0 every line integrated, 1 some lines rejected or a deposit
    /// failed its integrity check, 2 error (no state there, state damaged).
    Run(RunArgs),
    /// The directory state itself: create, verify, export.
    #[command(subcommand)]
    State(StateCmd),
    /// Compare an operator's feed with a public extraction.
    ///
    /// Exit status: 0 they reconcile, 1 discrepancies, 2 a file is unusable.
    Reconcile(ReconcileArgs),
    /// CR de dépôt and CR d'intégration files.
    #[command(subcommand)]
    Cr(CrCmd),
    /// Incident notices of the ANS.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Sending mail in the trust space: routing plans, burst simulation, notice mails.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Print a shell completion script on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout.
    Man,
}

impl Command {
    /// True when the command was asked for JSON output: its failures are then
    /// a JSON error object on stdout too.
    pub(crate) fn json(&self) -> bool {
        match self {
            Command::Extraction(ExtractionCmd::Check(a)) | Command::Feed(FeedCmd::Check(a)) => a.json,
            Command::Extraction(ExtractionCmd::Diff { json, .. })
            | Command::ListeBlanche(ListeBlancheCmd::Check { json, .. })
            | Command::State(StateCmd::Verify { json, .. })
            | Command::Cr(CrCmd::Show { json, .. })
            | Command::Incident(IncidentCmd::Parse { json, .. }) => *json,
            Command::Deposit(a) => a.json,
            Command::Run(a) => a.json,
            Command::Reconcile(a) => a.json,
            Command::Mail(MailCmd::Plan(a)) => a.json,
            Command::Mail(MailCmd::Simulate(a)) => a.json,
            Command::Mail(MailCmd::Notice(a)) => a.json,
            Command::Generate(_)
            | Command::State(_)
            | Command::Incident(_)
            | Command::Completions { .. }
            | Command::Man => false,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum MailCmd {
    /// Route recipients (one address per line) to destination operators,
    /// in transactions of at most --max recipients.
    ///
    /// Exit status: 0 every recipient routed, 1 some refused.
    Plan(PlanArgs),
    /// Replay a mass alert plus clinical mail against a destination with a
    /// limited acceptance rate, with and without separate lanes.
    Simulate(SimulateArgs),
    /// Write the notification mail of an incident notice (its JSON, as printed
    /// by `incident parse --json`, or its text) to a file, with its envelope.
    ///
    /// Exit status: 0 written, 1 a recipient outside the trust space (with
    /// --liste-blanche) or larger than --max-size, 2 unusable input.
    Notice(Box<NoticeArgs>),
}

#[derive(Subcommand, Debug)]
pub(crate) enum IncidentCmd {
    /// Read a notice (French text) into incidents.
    ///
    /// Exit status: 0 parsed, 2 not a notice.
    Parse {
        /// The notice text.
        file: PathBuf,
        /// Print exactly one JSON object on stdout (top-level `incidents` array).
        #[arg(long)]
        json: bool,
        /// The date the notice was sent (YYYY-MM-DD); default: the latest date
        /// written with its year.
        #[arg(long)]
        date: Option<String>,
    },
    /// Render a notice from its JSON (as printed by `incident parse --json`).
    Render {
        /// The JSON file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RenderFormat::Text)]
        format: RenderFormat,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StateCmd {
    /// Create a state (an absent or empty folder, or a database without one).
    Init {
        /// A folder, or `postgres://user@host/db`.
        state: StateLoc,
    },
    /// Check the whole state: ledger, deposit contents against their SHA-256,
    /// directory files, reports.
    ///
    /// Exit status: 0 sound, 1 something is wrong (listed), 2 no state there.
    Verify {
        #[command(flatten)]
        opts: StateOpts,
        /// Print exactly one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write a state (folder or database) as a new state folder: the same
    /// reports/ and directory/ files, byte for byte, as a folder state holds.
    Export {
        #[command(flatten)]
        opts: StateOpts,
        /// The folder to write (absent or empty).
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CrCmd {
    /// Parse a report (`|` form) and print it in French, or as JSON.
    Show {
        /// The report file.
        file: PathBuf,
        /// Print exactly one JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// How many lines of detail the text lists.
        #[arg(long, default_value_t = 50)]
        detail: usize,
        /// CR d'intégration: only its head (totals, anomalies by code), read
        /// without its rows. Automatic above 64 MiB.
        #[arg(long)]
        summary: bool,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct CheckArgs {
    /// The file to check.
    pub(crate) file: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Wrong RPPS, ADELI or FINESS keys reject the record (default: warning).
    #[arg(long)]
    pub(crate) strict: bool,
    /// Longest accepted line, in bytes.
    #[arg(long, default_value_t = mssante_bal::reader::DEFAULT_MAX_LINE)]
    pub(crate) max_line_len: usize,
    /// Accept lines with a wrong field count (with a warning) instead of rejecting them.
    #[arg(long)]
    pub(crate) lenient: bool,
    /// Worker threads (1 = single-threaded streaming; default: available cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// How many errors and warnings the human summary lists.
    #[arg(long, default_value_t = 20)]
    pub(crate) show: usize,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExtractionCmd {
    /// Read the whole file, validate every record, print a summary.
    ///
    /// Exit status: 0 every record valid, 1 some rejected, 2 the file is unusable.
    Check(CheckArgs),
    /// BALs added, removed and changed between two extractions.
    Diff {
        /// The older file.
        old: PathBuf,
        /// The newer file.
        new: PathBuf,
        /// Print exactly one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum FeedCmd {
    /// Read the whole feed file, validate every record, print a summary.
    ///
    /// Exit status: 0 every record valid, 1 some rejected, 2 the file is unusable.
    Check(CheckArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum ListeBlancheCmd {
    /// Parse a liste blanche and summarise it.
    Check {
        /// The XML file.
        file: PathBuf,
        /// Print exactly one JSON object on stdout.
        #[arg(long)]
        json: bool,
        /// Also list the operators of this domain.
        #[arg(long)]
        domain: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenKind {
    /// An extraction file.
    Extraction,
    /// An operator feed file.
    Feed,
    /// A liste blanche.
    ListeBlanche,
}

#[derive(clap::Args, Debug)]
pub(crate) struct GenerateArgs {
    /// What to generate.
    pub(crate) kind: GenKind,
    /// Number of records (BALs).
    #[arg(long, default_value_t = 1000)]
    pub(crate) records: u64,
    /// Random seed: same seed, same bytes.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Output file (default: stdout). For a feed, a directory gets a file named
    /// after the feed pattern.
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
    /// Make about this many records per million invalid.
    #[arg(long, default_value_t = 0)]
    pub(crate) errors_per_million: u32,
    /// Feed only: index of the operator whose BALs are written.
    #[arg(long, default_value_t = 0)]
    pub(crate) operator: usize,
    /// Use CRLF line endings.
    #[arg(long)]
    pub(crate) crlf: bool,
    /// Extraction only: the file as published this many days later (same seed:
    /// related files, for `extraction diff`).
    #[arg(long, default_value_t = 0)]
    pub(crate) day: u32,
}

/// `mssante deposit`.
#[derive(clap::Args, Debug)]
pub(crate) struct DepositArgs {
    /// The feed file (`-`: stdin, with --name); its name is the deposited name.
    pub(crate) file: PathBuf,
    /// The deposited name, when it is not the file's (required with `-`).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The depositing operator.
    #[arg(long)]
    pub(crate) operator: String,
    /// The state (a folder, created when absent or empty; or `postgres://…`).
    #[command(flatten)]
    pub(crate) state: StateOpts,
    /// Deposit time: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` in Paris time (default: now).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Largest accepted file, in bytes (reading stops one byte past it).
    #[arg(long, default_value_t = mssante_cr::deposit::DEFAULT_MAX_SIZE)]
    pub(crate) max_size: u64,
    /// Most data lines accepted.
    #[arg(long, default_value_t = mssante_cr::deposit::DEFAULT_MAX_RECORDS)]
    pub(crate) max_records: u64,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mssante run`.
#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// The state (a folder that is one, or `postgres://…`).
    #[command(flatten)]
    pub(crate) state: StateOpts,
    /// Run time: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` in Paris time (default: now).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Liste blanche for the domain rule (default, for a state folder:
    /// `STATE/liste-blanche.xml` when present; without one, domains are not checked).
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mssante reconcile`.
#[derive(clap::Args, Debug)]
pub(crate) struct ReconcileArgs {
    /// The operator's feed file (what it sent).
    pub(crate) feed: PathBuf,
    /// The public extraction (what is published).
    pub(crate) extraction: PathBuf,
    /// The operator (default: from the feed's file name).
    #[arg(long)]
    pub(crate) operator: Option<String>,
    /// Liste blanche: the operator's domains are all compared, not only the feed's.
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Red-listed BALs are expected in the extraction (default: they are not).
    #[arg(long)]
    pub(crate) liste_rouge_published: bool,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// How many discrepancies the text lists.
    #[arg(long, default_value_t = 20)]
    pub(crate) show: usize,
}

/// `mail plan`.
#[derive(clap::Args, Debug)]
pub(crate) struct PlanArgs {
    /// One recipient address per line.
    #[arg(long)]
    pub(crate) recipients: PathBuf,
    /// The liste blanche.
    #[arg(long)]
    pub(crate) liste_blanche: PathBuf,
    /// Most recipients per SMTP transaction.
    #[arg(long, default_value_t = 100)]
    pub(crate) max: usize,
    /// Lane of the mail: each transaction gets a slot (connection, earliest
    /// start) within the destination's budget for that lane.
    #[arg(long, value_enum, default_value_t = LaneArg::Clinical)]
    pub(crate) lane: LaneArg,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--lane`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LaneArg {
    /// Mail between care providers.
    Clinical,
    /// Mass alerts and other bulk mail.
    Bulk,
}

/// `mail simulate`.
#[derive(clap::Args, Debug)]
pub(crate) struct SimulateArgs {
    /// Alert messages queued at once.
    #[arg(long, default_value_t = 50_000)]
    pub(crate) alerts: u32,
    /// Clinical messages, arriving over --window seconds.
    #[arg(long, default_value_t = 500)]
    pub(crate) clinical: u32,
    /// Seconds over which clinical mail arrives.
    #[arg(long, default_value_t = 3_600)]
    pub(crate) window: u32,
    /// Messages per second the destination accepts.
    #[arg(long, default_value_t = 20)]
    pub(crate) capacity: u32,
    /// Messages per second the sender offers.
    #[arg(long, default_value_t = 20)]
    pub(crate) budget: u32,
    /// Share of the budget reserved for clinical mail.
    #[arg(long, default_value_t = 0.2)]
    pub(crate) clinical_share: f64,
    /// Jitter seed.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `mail notice`.
#[derive(clap::Args, Debug)]
pub(crate) struct NoticeArgs {
    /// The notice: JSON (`incident parse --json`) or the French text.
    pub(crate) notice: PathBuf,
    /// Recipients (repeat, or comma-separated).
    #[arg(long, required = true, value_delimiter = ',')]
    pub(crate) to: Vec<String>,
    /// Copy recipients.
    #[arg(long, value_delimiter = ',')]
    pub(crate) cc: Vec<String>,
    /// Blind recipients: in the envelope only, never in the message.
    #[arg(long, value_delimiter = ',')]
    pub(crate) bcc: Vec<String>,
    /// Sender address.
    #[arg(long, default_value = "supervision@operateur-exemple.mssante.fr")]
    pub(crate) from: String,
    /// Sender display name.
    #[arg(long)]
    pub(crate) from_name: Option<String>,
    /// `X-MSS-NIL`: the product reference given at declaration.
    #[arg(long)]
    pub(crate) nil: Option<String>,
    /// Ask for a disposition notification (MDN) to the sender.
    #[arg(long)]
    pub(crate) disposition_notification: bool,
    /// Message-ID (`left@right`), for reproducible output.
    #[arg(long)]
    pub(crate) message_id: Option<String>,
    /// Date, RFC 3339 (e.g. 2020-12-11T18:00:00Z), for reproducible output.
    #[arg(long)]
    pub(crate) date: Option<String>,
    /// Refuse recipients outside this liste blanche.
    #[arg(long)]
    pub(crate) liste_blanche: Option<PathBuf>,
    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub(crate) max_size: u64,
    /// Where to write the message (`-` for stdout).
    #[arg(short = 'o', long)]
    pub(crate) output: PathBuf,
    /// Print exactly one JSON object on stdout (not with `-o -`).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--format` of `incident render`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenderFormat {
    /// French plain text, as the ANS writes notices.
    Text,
    /// Markdown.
    Markdown,
    /// An Atom feed with the notice.
    Atom,
    /// A Statuspage-style incidents JSON.
    Statuspage,
    /// iCalendar events for the planned actions.
    Ical,
}

/// The state options every command that takes `--state` shares.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct StateOpts {
    /// The state: a folder, or `postgres://user@host/db`.
    #[arg(long)]
    pub(crate) state: StateLoc,
    /// How long to wait for another process's lock on the state, in seconds.
    #[arg(long, default_value_t = 120)]
    pub(crate) lock_timeout: u64,
}

/// A state: a folder, or a PostgreSQL database given by its URL.
#[derive(Debug, Clone)]
pub(crate) enum StateLoc {
    /// A state folder.
    Folder(PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl std::str::FromStr for StateLoc {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(StateLoc::Postgres(s.to_owned()))
        } else {
            Ok(StateLoc::Folder(PathBuf::from(s)))
        }
    }
}

impl std::fmt::Display for StateLoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateLoc::Folder(p) => write!(f, "{}", p.display()),
            // Never print a password.
            StateLoc::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => write!(f, "{}://…@{}", &url[..s], &url[at + 1..]),
                _ => f.write_str(url),
            },
        }
    }
}
