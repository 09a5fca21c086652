//! Deposit, run, reconcile and report commands (glue over `mssante-cr`).

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use mssante_bal::feed::FeedFileName;
use mssante_cr::deposit::Deposit;
use mssante_cr::reconcile::{PublicationRules, reconcile as reconcile_files};
use mssante_cr::report::pipe_kind;
use mssante_cr::{DepositReport, FsStore, IntegrationReport, Integrator, OperatorRule, Ownership, Totals};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// `mssante deposit`.
#[derive(clap::Args, Debug)]
pub struct DepositArgs {
    /// The feed file; its name is the deposited name.
    pub file: PathBuf,
    /// The depositing operator.
    #[arg(long)]
    pub operator: String,
    /// The state folder (created when missing).
    #[arg(long)]
    pub state: PathBuf,
    /// Deposit time: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` in Paris time (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `mssante run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The state folder.
    #[arg(long)]
    pub state: PathBuf,
    /// Run time: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` in Paris time (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Liste blanche for the domain rule (default: `STATE/liste-blanche.xml` when
    /// present; without one, domains are not checked).
    #[arg(long)]
    pub liste_blanche: Option<PathBuf>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `mssante reconcile`.
#[derive(clap::Args, Debug)]
pub struct ReconcileArgs {
    /// The operator's feed file (what it sent).
    pub feed: PathBuf,
    /// The public extraction (what is published).
    pub extraction: PathBuf,
    /// The operator (default: from the feed's file name).
    #[arg(long)]
    pub operator: Option<String>,
    /// Liste blanche: the operator's domains are all compared, not only the feed's.
    #[arg(long)]
    pub liste_blanche: Option<PathBuf>,
    /// Red-listed BALs are expected in the extraction (default: they are not).
    #[arg(long)]
    pub liste_rouge_published: bool,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// How many discrepancies the text lists.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
}

fn parse_at(at: Option<&str>) -> anyhow::Result<DateTime<Utc>> {
    let Some(s) = at else { return Ok(DateTime::<Utc>::from(std::time::SystemTime::now())) };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Paris
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .with_context(|| format!("{s} does not exist in Paris time"));
        }
    }
    bail!("--at {s:?}: expected RFC 3339 or YYYY-MM-DDTHH:MM (Paris time)")
}

fn ownership(path: &Path) -> anyhow::Result<Ownership> {
    let lb = crate::commands::read_liste_blanche(path)?;
    Ok(Ownership::from_liste_blanche(&lb, &OperatorRule::default()))
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string(v)?);
    Ok(())
}

#[derive(Serialize)]
struct DepositJson<'a> {
    seq: u64,
    report_file: Option<PathBuf>,
    #[serde(flatten)]
    report: &'a DepositReport,
}

/// Exit status 0 accepted, 1 rejected.
pub fn deposit(a: &DepositArgs) -> anyhow::Result<u8> {
    let content = std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let at = parse_at(a.at.as_deref())?;
    let store = FsStore::open(&a.state)?;
    let mut it = Integrator::new(store);
    let (seq, report) = it.deposit(&Deposit { file_name: &name, content: &content, operator: &a.operator, at })?;
    let path = it.store().deposit_report_path(seq);
    if a.json {
        print_json(&DepositJson { seq, report_file: path, report: &report })?;
    } else {
        out!("{}", report.to_text());
        if let Some(p) = path {
            outln!("CR de dépôt : {}", p.display());
        }
    }
    Ok(if report.is_accepted() { 0 } else { 1 })
}

#[derive(Serialize)]
struct FileJson<'a> {
    seq: u64,
    file: &'a str,
    operator: &'a str,
    business_date: String,
    totals: Totals,
    report_file: Option<PathBuf>,
}

#[derive(Serialize)]
struct RunJson<'a> {
    run_at: String,
    closed_through: String,
    domains_checked: bool,
    integrated: Vec<FileJson<'a>>,
    pending: Vec<serde_json::Value>,
}

/// Exit status 0 no rejected line, 1 some.
pub fn run(a: &RunArgs) -> anyhow::Result<u8> {
    let at = parse_at(a.at.as_deref())?;
    let default_lb = a.state.join("liste-blanche.xml");
    let lb = a.liste_blanche.clone().or_else(|| default_lb.exists().then_some(default_lb));
    let mut it = Integrator::new(FsStore::open(&a.state)?);
    if let Some(p) = &lb {
        it = it.with_ownership(ownership(p)?);
    }
    let summary = it.run(at)?;
    let rejected: u64 = summary.integrated.iter().map(|(_, r)| r.totals().rejected).sum();
    let files: Vec<FileJson<'_>> = summary
        .integrated
        .iter()
        .map(|(seq, r)| FileJson {
            seq: *seq,
            file: &r.file_name,
            operator: &r.operator,
            business_date: r.business_date.to_string(),
            totals: r.totals(),
            report_file: it.store().integration_report_path(*seq),
        })
        .collect();
    if a.json {
        print_json(&RunJson {
            run_at: mssante_cr::schedule::format_time(summary.run_at),
            closed_through: summary.closed_through.to_string(),
            domains_checked: lb.is_some(),
            integrated: files,
            pending: summary
                .pending
                .iter()
                .map(|(seq, d)| serde_json::json!({"seq": seq, "business_date": d.to_string()}))
                .collect(),
        })?;
    } else {
        outln!(
            "Alimentation du {} : dates closes jusqu'au {}, {} fichier(s) intégré(s), {} en attente{}",
            mssante_cr::schedule::format_time(summary.run_at),
            summary.closed_through,
            files.len(),
            summary.pending.len(),
            if lb.is_some() { "" } else { " (domaines non contrôlés : aucune liste blanche)" }
        );
        for f in &files {
            let t = f.totals;
            outln!(
                "  {} {} {} : {} ligne(s), {} créée(s), {} modifiée(s), {} inchangée(s), {} supprimée(s), {} rejetée(s)",
                f.business_date,
                f.operator,
                f.file,
                t.lines,
                t.created,
                t.updated,
                t.unchanged,
                t.deleted,
                t.rejected
            );
            if let Some(p) = &f.report_file {
                outln!("    CR d'intégration : {}", p.display());
            }
        }
    }
    Ok(if rejected == 0 { 0 } else { 1 })
}

/// Exit status 0 reconciles, 1 discrepancies.
pub fn reconcile(a: &ReconcileArgs) -> anyhow::Result<u8> {
    let feed = std::fs::read(&a.feed).with_context(|| format!("cannot read {}", a.feed.display()))?;
    let ext = std::fs::read(&a.extraction).with_context(|| format!("cannot read {}", a.extraction.display()))?;
    let operator = match &a.operator {
        Some(o) => o.clone(),
        None => a
            .feed
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<FeedFileName>().ok())
            .map(|n| n.operator().to_owned())
            .unwrap_or_default(),
    };
    let own = a.liste_blanche.as_deref().map(ownership).transpose()?;
    let rules = PublicationRules { liste_rouge_published: a.liste_rouge_published, ..PublicationRules::default() };
    let r = reconcile_files(&feed, &ext, &rules, own.as_ref(), &operator)?;
    if a.json {
        print_json(&serde_json::json!({ "operator": operator, "reconciliation": r }))?;
    } else {
        outln!(
            "Opérateur {operator} : {} BAL envoyée(s), {} attendue(s) dans l'extraction, {} exclue(s) (liste rouge, types non publiés), {} rejetée(s)",
            r.feed_lines,
            r.expected,
            r.excluded,
            r.feed_rejected
        );
        outln!(
            "{} domaine(s) comparé(s), {} ligne(s) publiée(s) : {} conforme(s), {} différente(s), {} manquante(s), {} inattendue(s), {} publiée(s) malgré les règles",
            r.domains.len(),
            r.published,
            r.matching,
            r.differing,
            r.missing,
            r.unexpected,
            r.published_despite_rule
        );
        for d in r.discrepancies.iter().take(a.show) {
            let fields: Vec<String> = d
                .fields
                .iter()
                .map(|f| format!("{} : {:?} envoyé, {:?} publié", f.column, f.before, f.after))
                .collect();
            outln!("  {:?} {} {}{}", d.finding, d.address, d.rule.as_deref().unwrap_or(""), fields.join("; "));
        }
        if r.discrepancies.len() > a.show {
            outln!("  … et {} autre(s)", r.discrepancies.len() - a.show);
        }
    }
    Ok(if r.discrepancies.is_empty() { 0 } else { 1 })
}

/// Exit status 0; an unreadable report is an error (2).
pub fn show(path: &Path, json: bool, detail: usize) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match pipe_kind(&text) {
        Some(mssante_cr::report::ReportKind::Deposit) => {
            let r = DepositReport::from_pipe(&text).with_context(|| format!("{}", path.display()))?;
            if json { print_json(&r)? } else { out!("{}", r.to_text()) }
        }
        Some(mssante_cr::report::ReportKind::Integration) => {
            let r = IntegrationReport::from_pipe(&text).with_context(|| format!("{}", path.display()))?;
            if json {
                print_json(&serde_json::json!({ "totals": r.totals(), "report": r }))?
            } else {
                out!("{}", r.to_text(detail))
            }
        }
        None => bail!("{}: not a CR de dépôt nor a CR d'intégration (first line)", path.display()),
    }
    Ok(0)
}
