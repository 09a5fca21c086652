//! One function per subcommand.

use crate::args::{CheckArgs, GenKind, GenerateArgs};
use crate::input::Input;
use crate::{files, output};
use anyhow::Context;
use mssante_bal::check::Checker;
use mssante_bal::diff::{Pass, diff_streaming};
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_bal::source::Source;
use mssante_bal::{Format, ReaderConfig, Rules};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;

/// `n` capped at `max`, with a notice naming the option when it was above.
pub(crate) fn capped(option: &str, n: usize, max: usize, why: &str) -> usize {
    if n > max {
        if !output::quiet() {
            eprintln!("{option} {n} : ramené à {max} ({why})");
        }
        max
    } else {
        n
    }
}

/// Most examples per code a summary keeps, whatever `--examples` says.
const MAX_EXAMPLES: usize = 10_000;

/// Where `--issues-ndjson` writes.
fn ndjson_sink(path: &Path) -> anyhow::Result<Box<dyn Write>> {
    Ok(if files::is_stdin(path) {
        Box::new(std::io::stdout())
    } else {
        Box::new(File::create(path).map_err(|e| files::about(path, e))?)
    })
}

/// A progress bar on a terminal for inputs of more than 8 MiB.
pub(crate) fn progress_bar(size: Option<u64>, json: bool) -> Option<indicatif::ProgressBar> {
    let size = size?;
    (!json && !output::quiet() && std::io::stderr().is_terminal() && size > 8 << 20).then(|| {
        let b = indicatif::ProgressBar::new(size);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    })
}

/// Exit status of a check: 0 all valid, 1 some rejected. Unusable files come
/// back as `Err` (status 2).
pub fn check(format: Format, a: &CheckArgs) -> anyhow::Result<u8> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let threads = capped("--threads", a.threads.unwrap_or(cores), cores, "cœurs disponibles").max(1);
    let examples = capped("--examples", a.examples, MAX_EXAMPLES, "exemples par code au plus");
    let max_line = capped("--max-line-len", a.max_line_len, 1 << 30, "1 Gio au plus");
    let to_stdout = a.issues_ndjson.as_deref().is_some_and(files::is_stdin);
    anyhow::ensure!(
        !(to_stdout && a.json),
        "--issues-ndjson - et --json écrivent tous deux sur la sortie standard : donnez un fichier à --issues-ndjson"
    );
    let mut input = Input::open(&a.file, a.max_zip_entry)?;
    let checker = Checker::new(format, Rules { strict_check_digits: a.strict })
        .reader_config(ReaderConfig { max_line_len: max_line, strict_field_count: !a.lenient })
        .examples(examples);
    let bar = progress_bar(input.size(), a.json);
    let mut progress = |bytes: u64| {
        if let Some(b) = &bar {
            b.set_position(bytes);
        }
    };
    let mut ndjson =
        a.issues_ndjson.as_deref().map(ndjson_sink).transpose()?.map(|w| BufWriter::with_capacity(1 << 16, w));
    let (snapshot, zip_entry) = (input.snapshot(&a.file), input.zip_entry().map(str::to_owned));
    let source = input.open().map_err(|e| files::about(&a.file, e))?;
    let summary = match &mut ndjson {
        Some(w) => {
            let mut sink = |i: &mssante_bal::Issue| -> Result<(), mssante_bal::Error> {
                serde_json::to_writer(&mut *w, i)
                    .map_err(std::io::Error::from)
                    .and_then(|()| w.write_all(b"\n"))
                    .map_err(|source| mssante_bal::Error::Io { byte: 0, source })
            };
            checker.check_with(source, threads, &mut progress, &mut sink)
        }
        None => checker.check_with(source, threads, &mut progress, &mut ()),
    }
    .map_err(|e| files::about(&a.file, e))?;
    if let Some(mut w) = ndjson {
        w.flush().map_err(|e| files::about(a.issues_ndjson.as_deref().unwrap_or(Path::new("-")), e))?;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let shown = files::shown(&a.file);
    let mut out: Box<dyn Write> =
        if to_stdout { Box::new(std::io::stderr().lock()) } else { Box::new(std::io::stdout().lock()) };
    let snapshot_text = snapshot.map(|t| t.format("%Y-%m-%dT%H:%M:00").to_string());
    if a.json {
        #[derive(Serialize)]
        struct Json<'a> {
            file: String,
            format: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            zip_entry: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            snapshot: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            file_name: Option<FileNameJson>,
            #[serde(flatten)]
            summary: &'a mssante_bal::check::Summary,
        }
        let json = Json {
            file: shown.clone(),
            format: format.name(),
            zip_entry,
            snapshot: snapshot_text,
            file_name: (format == Format::Feed).then(|| FileNameJson::of(&name)),
            summary: &summary,
        };
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else if !output::quiet() {
        if let Some(e) = &zip_entry {
            writeln!(out, "{shown} : archive ZIP, entrée {}", files::printable(e))?;
        }
        if let Some(t) = snapshot {
            writeln!(out, "  instantané du {}", t.format("%d/%m/%Y %H:%M"))?;
        }
        write!(out, "{}", output::summary(&shown, &summary, a.show))?;
        if format == Format::Feed && !files::is_stdin(&a.file) {
            match name.parse::<FeedFileName>() {
                Ok(f) => {
                    writeln!(out, "  nom du fichier : opérateur {}, généré le {}", f.operator(), f.generated_at())?
                }
                Err(e) => writeln!(out, "  nom du fichier : {e}")?,
            }
        }
    }
    out.flush()?;
    Ok(if summary.records_rejected() == 0 { 0 } else { 1 })
}

#[derive(Serialize)]
struct FileNameJson {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl FileNameJson {
    fn of(name: &str) -> Self {
        match name.parse::<FeedFileName>() {
            Ok(f) => FileNameJson {
                valid: true,
                operator: Some(f.operator().to_owned()),
                generated_at: Some(f.generated_at().to_rfc3339()),
                error: None,
            },
            Err(e) => FileNameJson { valid: false, operator: None, generated_at: None, error: Some(e.to_string()) },
        }
    }
}

/// Prints the differences; exit status 0.
pub fn diff(old: &Path, new: &Path, json: bool, max_zip_entry: u64) -> anyhow::Result<u8> {
    let mut a = Input::open(old, max_zip_entry)?;
    anyhow::ensure!(
        !matches!(a, Input::Stream(_)),
        "{} : l'ancien fichier est lu deux fois, il ne peut pas venir d'un flux (entrée standard, tube)",
        files::shown(old)
    );
    let mut b = Input::open(new, max_zip_entry)?;
    // Each header alone first, so that an unusable file is named.
    for (path, input) in [(old, &mut a), (new, &mut b)] {
        if matches!(input, Input::Stream(_)) {
            continue;
        }
        let r = input.open().map_err(|e| files::about(path, e))?;
        mssante_bal::Reader::new(r, Format::Extraction).map_err(|e| files::about(path, e))?;
    }
    let total = a.size().unwrap_or(0).saturating_mul(2).saturating_add(b.size().unwrap_or(0));
    let bar = progress_bar(Some(total), json);
    let (mut done, mut last) = (0u64, (Pass::IndexOld, 0u64));
    let mut progress = |pass: Pass, bytes: u64| {
        if pass != last.0 {
            done += last.1;
        }
        last = (pass, bytes);
        if let Some(bar) = &bar {
            bar.set_message(match pass {
                Pass::IndexOld => "index de l'ancien",
                Pass::CompareNew => "comparaison du nouveau",
                Pass::RevisitOld => "relecture de l'ancien",
            });
            bar.set_position(done + bytes);
        }
    };
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let d = diff_streaming(&mut a, &mut b, Format::Extraction, threads, &mut progress).map_err(|e| {
        // The error names the file whose header failed; else both.
        files::about(Path::new(&format!("{} → {}", files::shown(old), files::shown(new))), e)
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let stream = d;
    let d = &stream.totals;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer(&mut out, &stream)?;
        writeln!(out)?;
    } else if !output::quiet() {
        writeln!(
            out,
            "ajoutées {}, supprimées {}, modifiées {}, inchangées {}",
            output::n(d.added),
            output::n(d.removed),
            output::n(d.changed),
            output::n(d.unchanged)
        )?;
        if d.old_unreadable + d.new_unreadable > 0 {
            writeln!(
                out,
                "lignes illisibles non comparées : ancien {}, nouveau {}",
                d.old_unreadable, d.new_unreadable
            )?;
        }
        let mut domains: Vec<_> = d.by_domain.iter().collect();
        domains.sort_by_key(|(name, c)| (std::cmp::Reverse(c.added + c.removed + c.changed), (*name).clone()));
        if !domains.is_empty() {
            writeln!(out, "{:<40} {:>9} {:>11} {:>9}", "domaine", "ajoutées", "supprimées", "modifiées")?;
        }
        for (name, c) in domains.iter().take(20) {
            writeln!(out, "{name:<40} {:>9} {:>11} {:>9}", c.added, c.removed, c.changed)?;
        }
        if domains.len() > 20 {
            writeln!(out, "… et {} autres domaines (tous avec --json)", domains.len() - 20)?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// Reads a liste blanche; an unusable one is an error naming the file.
pub(crate) fn read_liste_blanche(path: &Path) -> anyhow::Result<ListeBlanche> {
    let data = files::read(path)?;
    ListeBlanche::parse(&data).map_err(|e| files::about(path, e))
}

/// Summarises a liste blanche; exit status 0, or 1 when entries were rejected.
pub fn liste_blanche(path: &Path, json: bool, domain: Option<&str>) -> anyhow::Result<u8> {
    let lb = read_liste_blanche(path)?;
    let ops: Vec<String> =
        domain.map(|d| lb.operators_of(d).iter().map(|dn| dn.to_string()).collect()).unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        #[derive(Serialize)]
        struct Json<'a> {
            entries_total: u64,
            entries_valid: usize,
            entries_rejected: u64,
            domains: usize,
            operators: usize,
            generated_at: Option<String>,
            issues: &'a [mssante_bal::Issue],
            #[serde(skip_serializing_if = "Option::is_none")]
            operators_of: Option<Vec<String>>,
        }
        serde_json::to_writer(
            &mut out,
            &Json {
                entries_total: lb.entries_total(),
                entries_valid: lb.entries().len(),
                entries_rejected: lb.entries_rejected(),
                domains: lb.domain_count(),
                operators: lb.operators().count(),
                generated_at: lb.generated_at.map(|d| d.to_rfc3339()),
                issues: lb.issues(),
                operators_of: domain.map(|_| ops.clone()),
            },
        )?;
        writeln!(out)?;
    } else if !output::quiet() {
        writeln!(
            out,
            "{} entrées ({} rejetées), {} domaines, {} certificats d'opérateur",
            lb.entries_total(),
            lb.entries_rejected(),
            lb.domain_count(),
            lb.operators().count()
        )?;
        for i in lb.issues() {
            writeln!(out, "{}", output::issue_line(&files::shown(path), i))?;
        }
        if let Some(d) = domain {
            writeln!(out, "opérateurs de {} :", files::printable(d))?;
            for o in &ops {
                let dn = Dn::parse(o).ok();
                let served = dn.as_ref().map(|dn| lb.domains_of(dn).len()).unwrap_or(0);
                writeln!(out, "  {}  ({served} domaines)", files::printable(o))?;
            }
        }
    }
    out.flush()?;
    Ok(if lb.entries_rejected() == 0 { 0 } else { 1 })
}

/// Writes a synthetic file.
pub fn generate(a: &GenerateArgs) -> anyhow::Result<u8> {
    let mut g = Generator::new(a.seed, a.records).errors_per_million(a.errors_per_million).crlf(a.crlf).day(a.day);
    let target = match (&a.output, a.kind) {
        (Some(p), GenKind::Feed) if p.is_dir() => {
            let op = g.operators().get(a.operator).context("--operator : aucun opérateur à cet indice")?.id.clone();
            let at = chrono::DateTime::from_timestamp(1_607_707_800 + a.seed as i64 % 86_400, 0).unwrap_or_default();
            Some(p.join(FeedFileName::new(&op, at)?.to_string()))
        }
        (p, _) => p.clone(),
    };
    let sink: Box<dyn Write> = match &target {
        Some(p) => Box::new(File::create(p).map_err(|e| files::about(p, e))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let bytes = match a.kind {
        GenKind::Extraction => g.write_extraction(sink)?,
        GenKind::Feed => {
            anyhow::ensure!(
                a.operator < g.operators().len(),
                "--operator {} : aucun opérateur à cet indice",
                a.operator
            );
            g.write_feed(a.operator, sink)?
        }
        GenKind::ListeBlanche => g.write_liste_blanche(sink)?,
    };
    if let Some(p) = target.filter(|_| !output::quiet()) {
        eprintln!("écrit : {} ({} octets)", p.display(), bytes);
    }
    Ok(0)
}
