//! One function per subcommand.

use crate::args::{CheckArgs, GenKind, GenerateArgs};
use crate::{files, output};
use anyhow::Context;
use mssante_bal::check::Checker;
use mssante_bal::diff::diff as diff_files;
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_bal::{Format, ReaderConfig, Rules};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;

/// Exit status of a check: 0 all valid, 1 some rejected. Unusable files come
/// back as `Err` (status 2).
pub fn check(format: Format, a: &CheckArgs) -> anyhow::Result<u8> {
    let file = files::open(&a.file)?;
    let size = files::size(&a.file).unwrap_or(0);
    let checker = Checker::new(format, Rules { strict_check_digits: a.strict })
        .reader_config(ReaderConfig { max_line_len: a.max_line_len, strict_field_count: !a.lenient });
    let threads =
        a.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let bar = (!a.json && std::io::stderr().is_terminal() && size > 8 << 20).then(|| {
        let b = indicatif::ProgressBar::new(size);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |bytes: u64| {
        if let Some(b) = &bar {
            b.set_position(bytes);
        }
    };
    let summary = if threads > 1 {
        checker.check_reader_parallel_with_progress(file, threads, progress)
    } else {
        checker.check_reader_with_progress(std::io::BufReader::with_capacity(1 << 16, file), progress)
    }
    .map_err(|e| files::about(&a.file, e))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let shown = files::shown(&a.file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if a.json {
        #[derive(Serialize)]
        struct Json<'a> {
            file: String,
            format: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            file_name: Option<FileNameJson>,
            #[serde(flatten)]
            summary: &'a mssante_bal::check::Summary,
        }
        let json = Json {
            file: shown.clone(),
            format: format.name(),
            file_name: (format == Format::Feed).then(|| FileNameJson::of(&name)),
            summary: &summary,
        };
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else if !output::quiet() {
        write!(out, "{}", output::summary(&shown, &summary, a.show)?)?;
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
pub fn diff(old: &Path, new: &Path, json: bool) -> anyhow::Result<u8> {
    let (a, b) = (files::read(old)?, files::read(new)?);
    // Each file alone first, so that an unusable one is named.
    for (path, data) in [(old, &a), (new, &b)] {
        mssante_bal::Reader::new(data.as_slice(), Format::Extraction).map_err(|e| files::about(path, e))?;
    }
    let d = diff_files(&a, &b, Format::Extraction)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer(&mut out, &d)?;
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
