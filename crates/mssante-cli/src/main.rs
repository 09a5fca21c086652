//! `mssante`: check, compare and generate MSSanté BAL files.
//!
//! Glue only: every rule lives in the library crates.
#![forbid(unsafe_code)]

/// `println!` that returns an error (instead of panicking) when stdout is closed.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// `print!` that returns an error (instead of panicking) when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod commands;
mod cr;
mod incident;
mod mail;
mod output;
mod state;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Tools for MSSanté operators: the public BAL extraction, the operator feed and
/// the liste blanche.
#[derive(Parser, Debug)]
#[command(name = "mssante", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
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
    Deposit(cr::DepositArgs),
    /// Run an integration: every accepted deposit whose business date is closed
    /// at the run time, in date order; writes one CR d'intégration per file.
    ///
    /// Exit status: 0 every line integrated, 1 some lines rejected or a deposit
    /// failed its integrity check, 2 error (no state there, state damaged).
    Run(cr::RunArgs),
    /// The directory state itself: create, verify, export.
    #[command(subcommand)]
    State(StateCmd),
    /// Compare an operator's feed with a public extraction.
    ///
    /// Exit status: 0 they reconcile, 1 discrepancies, 2 a file is unusable.
    Reconcile(cr::ReconcileArgs),
    /// CR de dépôt and CR d'intégration files.
    #[command(subcommand)]
    Cr(CrCmd),
    /// Incident notices of the ANS.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Sending mail in the trust space: routing plans, burst simulation, notice mails.
    #[command(subcommand)]
    Mail(MailCmd),
}

#[derive(Subcommand, Debug)]
enum MailCmd {
    /// Route recipients (one address per line) to destination operators,
    /// in transactions of at most --max recipients.
    ///
    /// Exit status: 0 every recipient routed, 1 some refused.
    Plan(mail::PlanArgs),
    /// Replay a mass alert plus clinical mail against a destination with a
    /// limited acceptance rate, with and without separate lanes.
    Simulate(mail::SimulateArgs),
    /// Write the notification mail of an incident notice (its JSON, as printed
    /// by `incident parse --json`, or its text) to a file, with its envelope.
    ///
    /// Exit status: 0 written, 1 a recipient outside the trust space (with
    /// --liste-blanche) or larger than --max-size, 2 unusable input.
    Notice(Box<mail::NoticeArgs>),
}

#[derive(Subcommand, Debug)]
enum IncidentCmd {
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
        #[arg(long, value_enum, default_value_t = incident::RenderFormat::Text)]
        format: incident::RenderFormat,
    },
}

#[derive(Subcommand, Debug)]
enum StateCmd {
    /// Create a state (an absent or empty folder, or a database without one).
    Init {
        /// A folder, or `postgres://user@host/db`.
        state: state::StateLoc,
    },
    /// Check the whole state: ledger, deposit contents against their SHA-256,
    /// directory files, reports.
    ///
    /// Exit status: 0 sound, 1 something is wrong (listed), 2 no state there.
    Verify {
        #[command(flatten)]
        opts: state::StateOpts,
        /// Print exactly one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write a state (folder or database) as a new state folder: the same
    /// reports/ and directory/ files, byte for byte, as a folder state holds.
    Export {
        #[command(flatten)]
        opts: state::StateOpts,
        /// The folder to write (absent or empty).
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum CrCmd {
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
    pub file: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Wrong RPPS, ADELI or FINESS keys reject the record (default: warning).
    #[arg(long)]
    pub strict: bool,
    /// Longest accepted line, in bytes.
    #[arg(long, default_value_t = mssante_bal::reader::DEFAULT_MAX_LINE)]
    pub max_line_len: usize,
    /// Accept lines with a wrong field count (with a warning) instead of rejecting them.
    #[arg(long)]
    pub lenient: bool,
    /// Worker threads (1 = single-threaded streaming; default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// How many errors and warnings the human summary lists.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
}

#[derive(Subcommand, Debug)]
enum ExtractionCmd {
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
enum FeedCmd {
    /// Read the whole feed file, validate every record, print a summary.
    ///
    /// Exit status: 0 every record valid, 1 some rejected, 2 the file is unusable.
    Check(CheckArgs),
}

#[derive(Subcommand, Debug)]
enum ListeBlancheCmd {
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
    pub kind: GenKind,
    /// Number of records (BALs).
    #[arg(long, default_value_t = 1000)]
    pub records: u64,
    /// Random seed: same seed, same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file (default: stdout). For a feed, a directory gets a file named
    /// after the feed pattern.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Make about this many records per million invalid.
    #[arg(long, default_value_t = 0)]
    pub errors_per_million: u32,
    /// Feed only: index of the operator whose BALs are written.
    #[arg(long, default_value_t = 0)]
    pub operator: usize,
    /// Use CRLF line endings.
    #[arg(long)]
    pub crlf: bool,
    /// Extraction only: the file as published this many days later (same seed:
    /// related files, for `extraction diff`).
    #[arg(long, default_value_t = 0)]
    pub day: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extraction(ExtractionCmd::Check(a)) => commands::check(mssante_bal::Format::Extraction, &a),
        Command::Extraction(ExtractionCmd::Diff { old, new, json }) => commands::diff(&old, &new, json),
        Command::Feed(FeedCmd::Check(a)) => commands::check(mssante_bal::Format::Feed, &a),
        Command::ListeBlanche(ListeBlancheCmd::Check { file, json, domain }) => {
            commands::liste_blanche(&file, json, domain.as_deref())
        }
        Command::Generate(a) => commands::generate(&a),
        Command::Deposit(a) => cr::deposit(&a),
        Command::Run(a) => cr::run(&a),
        Command::Reconcile(a) => cr::reconcile(&a),
        Command::State(StateCmd::Init { state }) => state::init(&state::StateOpts { state, lock_timeout: 120 }),
        Command::State(StateCmd::Verify { opts, json }) => state::verify(&opts, json),
        Command::State(StateCmd::Export { opts, dir }) => state::export(&opts, &dir),
        Command::Cr(CrCmd::Show { file, json, detail, summary }) => cr::show(&file, json, detail, summary),
        Command::Incident(IncidentCmd::Parse { file, json, date }) => incident::parse(&file, json, date.as_deref()),
        Command::Incident(IncidentCmd::Render { file, format }) => incident::render(&file, format),
        Command::Mail(MailCmd::Plan(a)) => mail::plan(&a),
        Command::Mail(MailCmd::Simulate(a)) => mail::simulate(&a),
        Command::Mail(MailCmd::Notice(a)) => mail::notice(&a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`mssante … | head`): nothing more to say.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mssante: {e:#}");
            ExitCode::from(2)
        }
    }
}
