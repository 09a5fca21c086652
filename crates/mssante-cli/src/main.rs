//! `mssante`: check, compare and generate MSSanté BAL files.
//!
//! Glue only: every rule lives in the library crates.
#![forbid(unsafe_code)]

/// `println!` for the human report: returns an error (instead of panicking)
/// when stdout is closed; prints nothing with `--quiet`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !crate::output::quiet() {
            writeln!(std::io::stdout().lock(), $($arg)*)?
        }
    }};
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !crate::output::quiet() {
            write!(std::io::stdout().lock(), $($arg)*)?
        }
    }};
}

/// `println!` for a `--json` object: printed even with `--quiet`.
macro_rules! jsonln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod args;
mod commands;
mod cr;
mod files;
mod incident;
mod input;
mod mail;
mod output;
mod policy;
mod state;
mod tls;

use args::*;
use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&args::command().get_matches()).unwrap_or_else(|e| e.exit());
    let json = cli.command.json();
    output::set_quiet(cli.quiet && !json);
    let result = match cli.command {
        Command::Extraction(ExtractionCmd::Check(a)) => commands::check(mssante_bal::Format::Extraction, &a),
        Command::Extraction(ExtractionCmd::Diff { old, new, json, max_zip_entry }) => {
            commands::diff(&old, &new, json, max_zip_entry)
        }
        Command::Feed(FeedCmd::Check(a)) => commands::check(mssante_bal::Format::Feed, &a),
        Command::ListeBlanche(ListeBlancheCmd::Check { file, json, domain }) => {
            commands::liste_blanche(&file, json, domain.as_deref())
        }
        Command::Generate(a) => commands::generate(&a),
        Command::Deposit(a) => cr::deposit(&a),
        Command::Run(a) => cr::run(&a),
        Command::Reconcile(a) => cr::reconcile(&a),
        Command::State(StateCmd::Init { state }) => state::init(&StateOpts { state, lock_timeout: 120 }),
        Command::State(StateCmd::Verify { opts, json }) => state::verify(&opts, json),
        Command::State(StateCmd::Export { opts, dir }) => state::export(&opts, &dir),
        Command::Cr(CrCmd::Show { file, json, detail, summary }) => cr::show(&file, json, detail, summary),
        Command::Incident(IncidentCmd::Parse { file, json, date }) => incident::parse(&file, json, date.as_deref()),
        Command::Incident(IncidentCmd::Render { file, format, page }) => incident::render(&file, format, &page),
        Command::Incident(IncidentCmd::Timeline { notices, format, page }) => {
            incident::timeline(&notices, format, &page)
        }
        Command::Mail(MailCmd::Plan(a)) => mail::plan(&a),
        Command::Mail(MailCmd::Simulate(a)) => mail::simulate(&a),
        Command::Mail(MailCmd::Notice(a)) => mail::notice(&a),
        Command::Mail(MailCmd::Send(a)) => tls::send(&a),
        Command::Mail(MailCmd::Dsn { file, json }) => mail::dsn(&file, json),
        Command::Tls(TlsCmd::Probe(a)) => tls::probe(&a),
        Command::ListeBlanche(ListeBlancheCmd::Export(a)) => policy::export(&a),
        Command::Policy(PolicyCmd::Serve(a)) => policy::serve(&a),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`mssante … | head`): nothing more to say.
        Err(e) if files::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report_failure(&e, json);
            ExitCode::from(2)
        }
    }
}

/// A failure (exit status 2): one line on stderr naming the file once; with
/// `--json`, also one JSON object on stdout:
/// `{"error":{"code":"F001","message":"…","file":"…"}}`.
fn report_failure(e: &anyhow::Error, json: bool) {
    let (file, code, message) = match e.chain().find_map(|c| c.downcast_ref::<files::FileError>()) {
        Some(f) => (Some(f.file.clone()), f.code, f.message.clone()),
        None => (None, files::code_of(e), files::message_of(e)),
    };
    let line = match (&file, code) {
        (Some(f), Some(c)) => format!("{f}: {c} {message}"),
        (Some(f), None) => format!("{f}: {message}"),
        (None, Some(c)) => format!("{c} {message}"),
        (None, None) => message.clone(),
    };
    eprintln!("mssante: {}", files::printable(&line));
    if json {
        let v = serde_json::json!({ "error": { "code": code, "message": message, "file": file } });
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), "{v}");
    }
}

/// `mssante completions SHELL`.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut cmd = args::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mssante", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(0)
}

/// `mssante man`.
fn man() -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(args::command()).render(&mut out)?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(0)
}
