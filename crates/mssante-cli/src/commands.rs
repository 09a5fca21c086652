//! One function per subcommand.

use crate::output;
use crate::{CheckArgs, GenKind, GenerateArgs};
use anyhow::Context;
use mssante_bal::check::Checker;
use mssante_bal::diff::diff as diff_files;
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_bal::{Format, ReaderConfig, Rules};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::Path;

/// Exit status of a check: 0 all valid, 1 some rejected. Unusable files come
/// back as `Err` (status 2).
pub fn check(format: Format, a: &CheckArgs) -> anyhow::Result<u8> {
    let file = File::open(&a.file).with_context(|| format!("cannot open {}", a.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
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
    .with_context(|| format!("{} is unusable", a.file.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
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
            file: a.file.display().to_string(),
            format: match format {
                Format::Extraction => "extraction",
                Format::Feed => "feed",
            },
            file_name: (format == Format::Feed).then(|| FileNameJson::of(&name)),
            summary: &summary,
        };
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", output::summary(&name, &summary, a.show)?)?;
        if format == Format::Feed {
            match name.parse::<FeedFileName>() {
                Ok(f) => writeln!(out, "  file name: operator {}, generated {}", f.operator(), f.generated_at())?,
                Err(e) => writeln!(out, "  file name: {e}")?,
            }
        }
    }
    out.flush()?;
    Ok(if summary.records_rejected == 0 { 0 } else { 1 })
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

fn read_all(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut v = Vec::new();
    File::open(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .read_to_end(&mut v)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(v)
}

/// Prints the differences; exit status 0.
pub fn diff(old: &Path, new: &Path, json: bool) -> anyhow::Result<u8> {
    let (a, b) = (read_all(old)?, read_all(new)?);
    let d = diff_files(&a, &b, Format::Extraction).context("cannot compare the files")?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer(&mut out, &d)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "added {}, removed {}, changed {}, unchanged {}",
            output::n(d.added),
            output::n(d.removed),
            output::n(d.changed),
            output::n(d.unchanged)
        )?;
        if d.old_unreadable + d.new_unreadable > 0 {
            writeln!(out, "unreadable lines not compared: old {}, new {}", d.old_unreadable, d.new_unreadable)?;
        }
        let mut domains: Vec<_> = d.by_domain.iter().collect();
        domains.sort_by_key(|(name, c)| (std::cmp::Reverse(c.added + c.removed + c.changed), (*name).clone()));
        if !domains.is_empty() {
            writeln!(out, "{:<40} {:>8} {:>8} {:>8}", "domain", "added", "removed", "changed")?;
        }
        for (name, c) in domains.iter().take(20) {
            writeln!(out, "{name:<40} {:>8} {:>8} {:>8}", c.added, c.removed, c.changed)?;
        }
        if domains.len() > 20 {
            writeln!(out, "… and {} more domains (use --json for all)", domains.len() - 20)?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// Reads a liste blanche; an unusable one is an error naming the file.
pub(crate) fn read_liste_blanche(path: &Path) -> anyhow::Result<ListeBlanche> {
    let data = read_all(path)?;
    ListeBlanche::parse(&data).with_context(|| format!("{} is unusable", path.display()))
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
    } else {
        writeln!(
            out,
            "{} entries ({} rejected), {} domains, {} operator certificates",
            lb.entries_total(),
            lb.entries_rejected(),
            lb.domain_count(),
            lb.operators().count()
        )?;
        for i in lb.issues() {
            writeln!(out, "  {i}")?;
        }
        if let Some(d) = domain {
            writeln!(out, "operators of {d}:")?;
            for o in &ops {
                let dn = Dn::parse(o).ok();
                let served = dn.as_ref().map(|dn| lb.domains_of(dn).len()).unwrap_or(0);
                writeln!(out, "  {o}  ({served} domains)")?;
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
            let op = g.operators().get(a.operator).context("no such operator index")?.id.clone();
            let at = chrono::DateTime::from_timestamp(1_607_707_800 + a.seed as i64 % 86_400, 0).unwrap_or_default();
            Some(p.join(FeedFileName::new(&op, at)?.to_string()))
        }
        (p, _) => p.clone(),
    };
    let sink: Box<dyn Write> = match &target {
        Some(p) => Box::new(File::create(p).with_context(|| format!("cannot create {}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let bytes = match a.kind {
        GenKind::Extraction => g.write_extraction(sink)?,
        GenKind::Feed => {
            anyhow::ensure!(a.operator < g.operators().len(), "operator index {} out of range", a.operator);
            g.write_feed(a.operator, sink)?
        }
        GenKind::ListeBlanche => g.write_liste_blanche(sink)?,
    };
    if let Some(p) = target {
        eprintln!("wrote {} ({} bytes)", p.display(), bytes);
    }
    Ok(0)
}
