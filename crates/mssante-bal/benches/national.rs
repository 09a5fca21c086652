//! Benchmark of issue 14's goals, at national scale (535,000 records):
//!
//! 1. a file with a systematic quirk on **every** line (`Dématérialisation`
//!    holding a literal outside its list: one `W231` a line) checked with its
//!    issues counted, against the `csv` crate's raw record count (quoting off,
//!    one reused `ByteRecord`, counting records: its fastest path) — goal ≥ 2×;
//! 2. the same check read from the published ZIP form against the text —
//!    goal ≤ 1.5× the time;
//! 3. the streaming diff of two daily snapshots (day 0 and day 1 of the
//!    generator: ≈ 0.2 % removed, 0.3 % changed, 0.3 % added) against
//!    checking both files — goal ≤ 2× the time.
//!
//! Rounds are interleaved (every variant once a round) and medians reported.
//! Peak memory is measured on the CLI (`docs/PERFORMANCE.md` gives the
//! commands). Run: `cargo bench -p mssante-bal --bench national [-- RECORDS ROUNDS]`.

use mssante_bal::archive::Archive;
use mssante_bal::check::{Checker, Summary};
use mssante_bal::diff::{Pass, diff_streaming};
use mssante_bal::generate::Generator;
use mssante_bal::{Format, Rules};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed(), out)
}

/// The `csv` crate counting records: quoting off, one reused `ByteRecord`.
fn csv_raw_count(data: &[u8]) -> u64 {
    let mut rdr = csv::ReaderBuilder::new().delimiter(b'|').quoting(false).has_headers(true).from_reader(data);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    while rdr.read_byte_record(&mut rec).expect("valid file") {
        n += 1;
    }
    n
}

/// The `csv` crate counting records as its documentation's first example
/// reads a file: default settings (quoting on), `records()`, a `StringRecord`
/// (UTF-8 checked) per record.
fn csv_records_count(data: &[u8]) -> u64 {
    csv::ReaderBuilder::new().delimiter(b'|').from_reader(data).records().filter(Result::is_ok).count() as u64
}

/// Every record's `Dématérialisation` (field 18) set to a literal outside its list.
fn with_quirk(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 100);
    for (i, line) in data.split_inclusive(|b| *b == b'\n').enumerate() {
        if i == 0 {
            out.extend_from_slice(line);
            continue;
        }
        for (k, field) in line.split(|b| *b == b'|').enumerate() {
            if k > 0 {
                out.push(b'|');
            }
            out.extend_from_slice(if k == 17 { b"Peut-etre" } else { field });
        }
    }
    out
}

fn zipped(name: &str, data: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file(name, zip::write::SimpleFileOptions::default()).expect("in memory");
    z.write_all(data).expect("in memory");
    z.finish().expect("in memory").into_inner()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let records: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(535_000);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    let mut day0 = Vec::new();
    Generator::new(1, records).write_extraction(&mut day0).expect("generate");
    let mut day1 = Vec::new();
    Generator::new(1, records).day(1).write_extraction(&mut day1).expect("generate");
    let quirky = with_quirk(&day0);
    let zip = zipped("Extraction_Correspondance_MSSante_202608260820.txt", &day0);
    println!(
        "{records} records: text {:.1} MB, ZIP {:.1} MB, with quirk {:.1} MB; {rounds} rounds, medians",
        day0.len() as f64 / 1e6,
        zip.len() as f64 / 1e6,
        quirky.len() as f64 / 1e6
    );
    let checker = Checker::new(Format::Extraction, Rules::default());
    let check = |data: &[u8], threads: usize| -> Summary {
        checker.check_with(data, threads, &mut |_| {}, &mut ()).expect("check")
    };

    let names = [
        "csv raw record count, quirk file (baseline A)",
        "csv records().count(), quirk file (baseline A')",
        "check, quirk file, 1 thread",
        "check, quirk file, 2 threads",
        "check text, 2 threads (baseline B)",
        "check ZIP, 2 threads",
        "check day 0 + day 1, 2 threads (baseline C)",
        "diff day 0 → day 1 (streaming, 2 threads)",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut last = None;
    let mut passes: Vec<Vec<Duration>> = Vec::new();
    for _ in 0..rounds {
        let (t, n) = timed(|| csv_raw_count(&quirky));
        times[0].push(t);
        let (t, n2) = timed(|| csv_records_count(&quirky));
        times[1].push(t);
        assert_eq!(n, n2);
        let (t, q1) = timed(|| check(&quirky, 1));
        times[2].push(t);
        let (t, q2) = timed(|| check(&quirky, 2));
        times[3].push(t);
        let (t, text) = timed(|| check(&day0, 2));
        times[4].push(t);
        let (t, z) = timed(|| {
            let mut a = Archive::open(Cursor::new(&zip[..]), u64::MAX).expect("zip");
            checker.check_with(a.reader().expect("entry"), 2, &mut |_| {}, &mut ()).expect("check")
        });
        times[5].push(t);
        let (t, _) = timed(|| (check(&day0, 2), check(&day1, 2)));
        times[6].push(t);
        let start = Instant::now();
        let mut marks: Vec<(Pass, Duration)> = Vec::new();
        let (t, d) = timed(|| {
            diff_streaming(&mut &day0[..], &mut &day1[..], Format::Extraction, 2, &mut |p, _| {
                if marks.last().is_none_or(|m| m.0 != p) {
                    marks.push((p, start.elapsed()));
                }
            })
            .expect("diff")
        });
        times[7].push(t);
        passes.push(marks.iter().map(|m| m.1).chain([t]).collect::<Vec<_>>());
        last = Some((n, q1, q2, text, z, d));
    }
    let (n, q1, q2, text, z, d) = last.expect("one round");
    assert_eq!(q1.records_total(), n);
    assert_eq!(q1.warnings(), n, "one warning a line");
    assert_eq!((q2.warnings(), &q2.issue_counts), (q1.warnings(), &q1.issue_counts));
    assert_eq!((z.records_valid(), z.distinct_addresses), (text.records_valid(), text.distinct_addresses));
    let d = &d.totals;
    assert!(d.added > 0 && d.removed > 0 && d.changed > 0, "{d:?}");
    let t: Vec<Duration> = times.into_iter().map(median).collect();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, d) in names.iter().zip(&t) {
        println!("{name:<48} {:>9.1} ms", ms(*d));
    }
    println!();
    println!(
        "quirk check vs csv raw count (A): ×{:.2} (1 thread), ×{:.2} (2 threads); vs csv records() (A'): ×{:.2}, ×{:.2} — goal ≥ 2",
        ms(t[0]) / ms(t[2]),
        ms(t[0]) / ms(t[3]),
        ms(t[1]) / ms(t[2]),
        ms(t[1]) / ms(t[3])
    );
    println!("ZIP vs text: ×{:.2} the time — goal ≤ 1.5", ms(t[5]) / ms(t[4]));
    println!("diff vs checking both: ×{:.2} the time — goal ≤ 2", ms(t[7]) / ms(t[6]));
    if let Some(p) = passes.iter().min_by_key(|p| p.last().copied()) {
        let spans: Vec<String> = p.windows(2).map(|w| format!("{:.0}", ms(w[1] - w[0]))).collect();
        println!("diff passes (fastest round), ms: index old, compare new, revisit old = {}", spans.join(", "));
    }
    println!(
        "diff: added {}, removed {}, changed {}, unchanged {}; quirk warnings {}",
        d.added,
        d.removed,
        d.changed,
        d.unchanged,
        q1.warnings()
    );
}
