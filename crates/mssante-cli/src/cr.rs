//! Deposit, run, reconcile and report commands (glue over `mssante-cr`).

use crate::args::{DepositArgs, ReconcileArgs, RunArgs, StateLoc};
use crate::files;
use crate::input::Input;
use crate::state::Open;
use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDateTime, Utc};
use mssante_bal::feed::FeedFileName;
use mssante_cr::deposit::Deposit;
use mssante_cr::reconcile::{Finding, PublicationRules, reconcile_streaming};
use mssante_cr::report::{ReportKind, pipe_kind};
use mssante_cr::{DepositReport, IntegrationReport, Integrator, OperatorRule, Ownership, Totals};
use serde::Serialize;
use std::path::{Path, PathBuf};

fn parse_at(at: Option<&str>) -> anyhow::Result<DateTime<Utc>> {
    let t = parse_instant(at)?;
    mssante_cr::schedule::check_instant(t).with_context(|| format!("--at {}", at.unwrap_or("(maintenant)")))?;
    Ok(t)
}

fn parse_instant(at: Option<&str>) -> anyhow::Result<DateTime<Utc>> {
    let Some(s) = at else { return Ok(DateTime::<Utc>::from(std::time::SystemTime::now())) };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(mssante_types::paris::instant(n).with_timezone(&Utc));
        }
    }
    bail!("--at {s:?} : RFC 3339 ou AAAA-MM-JJTHH:MM (heure de Paris) attendu")
}

fn ownership(path: &Path) -> anyhow::Result<Ownership> {
    let lb = crate::commands::read_liste_blanche(path)?;
    Ok(Ownership::from_liste_blanche(&lb, &OperatorRule::default()))
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    jsonln!("{}", serde_json::to_string(v)?);
    Ok(())
}

fn finding_fr(f: Finding) -> &'static str {
    match f {
        Finding::Missing => "manquante",
        Finding::Unexpected => "inattendue",
        Finding::Differing => "différente",
        Finding::PublishedDespiteRule => "publiée malgré les règles",
        _ => "écart",
    }
}

/// Says on stderr when another process kept this one waiting for the state.
fn note_wait(store: &dyn mssante_cr::Store) -> u128 {
    let waited = store.lock_waited();
    if waited.as_secs_f64() >= 1.0 {
        eprintln!("mssante: attente du verrou de l'état : {:.1} s", waited.as_secs_f64());
    }
    waited.as_millis()
}

#[derive(Serialize)]
struct DepositJson<'a> {
    seq: u64,
    lock_waited_ms: u128,
    report_file: Option<PathBuf>,
    #[serde(flatten)]
    report: &'a DepositReport,
}

/// Exit status 0 accepted, 1 rejected.
pub fn deposit(a: &DepositArgs) -> anyhow::Result<u8> {
    let at = parse_at(a.at.as_deref())?;
    // Read before the state is opened: an unreadable file changes nothing.
    let name = match (&a.name, files::is_stdin(&a.file)) {
        (Some(n), _) => n.clone(),
        (None, true) => bail!("- : le nom déposé est nécessaire (--name BALMSS_<opérateur>_<AAAAMMJJhhmmss>.txt)"),
        (None, false) => a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let file = files::open(&a.file)?;
    let (content, _) = mssante_cr::deposit::read_limited(std::io::BufReader::with_capacity(1 << 16, file), a.max_size)
        .map_err(|e| files::about(&a.file, e))?;
    let mut it = Integrator::new(crate::state::open(&a.state, Open::OrCreate)?);
    it.deposit_policy.max_size = a.max_size;
    it.deposit_policy.max_records = a.max_records;
    let (seq, report) = it
        .deposit(&Deposit { file_name: &name, content: &content, operator: &a.operator, at })
        .map_err(|e| crate::state::about(&a.state.state, e))?;
    let path = it.store().report_path(seq, ReportKind::Deposit);
    if a.json {
        print_json(&DepositJson { seq, lock_waited_ms: note_wait(it.store()), report_file: path, report: &report })?;
    } else {
        note_wait(it.store());
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
    issue_counts: &'a [mssante_cr::IssueCount],
    report_file: Option<PathBuf>,
}

#[derive(Serialize)]
struct RunJson<'a> {
    run_at: String,
    lock_waited_ms: u128,
    closed_through: String,
    domains_checked: bool,
    integrated: Vec<FileJson<'a>>,
    failed: &'a [mssante_cr::FailedDeposit],
    pending: Vec<serde_json::Value>,
}

/// Exit status 0 no rejected line, 1 some, or a deposit failed its integrity check.
pub fn run(a: &RunArgs) -> anyhow::Result<u8> {
    let at = parse_at(a.at.as_deref())?;
    let default_lb = match &a.state.state {
        StateLoc::Folder(p) => Some(p.join("liste-blanche.xml")),
        StateLoc::Postgres(_) => None,
    };
    let lb = a.liste_blanche.clone().or_else(|| default_lb.filter(|p| p.exists()));
    let own = lb.as_deref().map(ownership).transpose()?;
    let mut it = Integrator::new(crate::state::open(&a.state, Open::Existing)?);
    if let Some(own) = own {
        it = it.with_ownership(own);
    }
    let summary = it.run(at).map_err(|e| crate::state::about(&a.state.state, e))?;
    let rejected: u64 = summary.integrated.iter().map(|f| f.totals.rejected).sum();
    let files: Vec<FileJson<'_>> = summary
        .integrated
        .iter()
        .map(|f| FileJson {
            seq: f.seq,
            file: &f.file_name,
            operator: &f.operator,
            business_date: f.business_date.to_string(),
            totals: f.totals,
            issue_counts: &f.issue_counts,
            report_file: it.store().report_path(f.seq, ReportKind::Integration),
        })
        .collect();
    if a.json {
        print_json(&RunJson {
            run_at: mssante_cr::schedule::format_time(summary.run_at),
            lock_waited_ms: note_wait(it.store()),
            closed_through: summary.closed_through.to_string(),
            domains_checked: lb.is_some(),
            integrated: files,
            failed: &summary.failed,
            pending: summary
                .pending
                .iter()
                .map(|(seq, d)| serde_json::json!({"seq": seq, "business_date": d.to_string()}))
                .collect(),
        })?;
    } else {
        note_wait(it.store());
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
        for f in &summary.failed {
            outln!(
                "  NON INTÉGRÉ dépôt {} {} {} : {} {}",
                f.seq,
                f.operator,
                f.file_name,
                f.failure.code,
                f.failure.message
            );
        }
    }
    Ok(if rejected == 0 && summary.failed.is_empty() { 0 } else { 1 })
}

/// Exit status 0 reconciles, 1 discrepancies.
pub fn reconcile(a: &ReconcileArgs) -> anyhow::Result<u8> {
    use mssante_bal::source::Source;
    anyhow::ensure!(
        !(files::is_stdin(&a.feed) && files::is_stdin(&a.extraction)),
        "l'alimentation et l'extraction ne peuvent pas venir toutes deux de l'entrée standard"
    );
    let max = mssante_bal::archive::DEFAULT_MAX_ENTRY;
    let (mut feed, mut ext) = (Input::open(&a.feed, max)?, Input::open(&a.extraction, max)?);
    // Each header alone first, so that an unusable file is named.
    for (path, input, format) in
        [(&a.feed, &mut feed, mssante_bal::Format::Feed), (&a.extraction, &mut ext, mssante_bal::Format::Extraction)]
    {
        if !matches!(input, Input::Stream(_)) {
            let r = input.open().map_err(|e| files::about(path, e))?;
            mssante_bal::Reader::new(r, format).map_err(|e| files::about(path, e))?;
        }
    }
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
    let bar = crate::commands::progress_bar(ext.size(), a.json);
    let feed_reader = feed.open().map_err(|e| files::about(&a.feed, e))?;
    let ext_reader = ext.open().map_err(|e| files::about(&a.extraction, e))?;
    let ext_reader: Box<dyn std::io::Read + '_> = match &bar {
        Some(b) => Box::new(b.wrap_read(ext_reader)),
        None => ext_reader,
    };
    let stream = reconcile_streaming(feed_reader, ext_reader, &rules, own.as_ref(), &operator)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let r = &stream.totals;
    let discrepancies = r.differing + r.missing + r.unexpected + r.published_despite_rule;
    if a.json {
        #[derive(Serialize)]
        struct Json<'a> {
            operator: &'a str,
            reconciliation: &'a mssante_cr::reconcile::ReconcileStream,
        }
        use std::io::Write as _;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut out, &Json { operator: &operator, reconciliation: &stream })?;
        writeln!(out)?;
        out.flush()?;
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
        // The first `show` discrepancies; `Err(())` stops the visit.
        let mut first = Vec::new();
        let _ = stream.try_for_each(|d| {
            if first.len() >= a.show {
                return Err(());
            }
            first.push(d);
            Ok(())
        });
        for d in &first {
            let fields: Vec<String> = d
                .fields
                .iter()
                .map(|f| format!("{} : {:?} envoyé, {:?} publié", f.column, f.before, f.after))
                .collect();
            let line = format!(
                "{} {} {}{}",
                finding_fr(d.finding),
                d.address,
                d.rule.as_deref().unwrap_or(""),
                fields.join("; ")
            );
            outln!("  {}", files::printable(&line));
        }
        if discrepancies > a.show as u64 {
            outln!("  … et {} autre(s)", discrepancies - a.show as u64);
        }
    }
    Ok(if discrepancies == 0 { 0 } else { 1 })
}

/// Above this size a CR d'intégration is shown by its head only.
const SUMMARY_ABOVE: u64 = 64 << 20;

/// Exit status 0; an unreadable report is an error (2).
pub fn show(path: &Path, json: bool, detail: usize, summary: bool) -> anyhow::Result<u8> {
    let size = files::size(path).unwrap_or(0);
    if summary || size > SUMMARY_ABOVE {
        let file = files::open(path)?;
        let mut head = std::io::BufReader::new(file);
        let mut first = String::new();
        std::io::BufRead::read_line(&mut head, &mut first).map_err(|e| files::about(path, e))?;
        if pipe_kind(&first) == Some(ReportKind::Integration) {
            let rest = std::io::Read::chain(first.as_bytes(), head);
            let s = mssante_cr::report::IntegrationSummary::read_pipe(std::io::BufReader::new(rest))
                .map_err(|e| files::about(path, e))?;
            if json {
                print_json(
                    &serde_json::json!({ "totals": s.totals, "issue_counts": s.issue_counts, "summary_only": true, "report": s.report }),
                )?;
            } else {
                out!("{}", s.to_text());
                if !summary {
                    outln!("(rapport de {size} octets : en-tête seulement ; détail des lignes dans le fichier)");
                }
            }
            return Ok(0);
        }
    }
    let text = files::read_text(path)?;
    match pipe_kind(&text) {
        Some(ReportKind::Deposit) => {
            let r = DepositReport::from_pipe(&text).map_err(|e| files::about(path, e))?;
            if json { print_json(&r)? } else { out!("{}", r.to_text()) }
        }
        Some(ReportKind::Integration) => {
            let r = IntegrationReport::from_pipe(&text).map_err(|e| files::about(path, e))?;
            if json {
                print_json(&serde_json::json!({ "totals": r.totals(), "report": r }))?
            } else {
                out!("{}", r.to_text(detail))
            }
        }
        None => {
            return Err(files::about(
                path,
                anyhow::anyhow!("ni un CR de dépôt ni un CR d'intégration (première ligne)"),
            ));
        }
    }
    Ok(0)
}
