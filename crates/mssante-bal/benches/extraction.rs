//! Benchmark: reading a generated 535,000-record extraction.
//!
//! Baseline: the `csv` crate (quoting off, `|` delimiter) reading into one reused
//! `ByteRecord` and computing the same counts as `mssante extraction check`:
//! records, valid records per BAL type, distinct addresses (same fingerprint and
//! counter). Our readers: the streaming typed, validated [`Checker::check_reader`],
//! the parallel [`Checker::check_slice`] (2 threads), the streaming parallel
//! [`Checker::check_reader_parallel`] and the bare field splitter.
//!
//! Run: `cargo bench -p mssante-bal --bench extraction [-- RECORDS [RUNS]]`.

use mssante_bal::check::Checker;
use mssante_bal::distinct::DistinctCounter;
use mssante_bal::generate::Generator;
use mssante_bal::{Format, Item, Reader, Rules};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let out = f();
        times.push(t.elapsed());
        last = Some(out);
    }
    (median(times), last.expect("at least one run"))
}

fn csv_baseline(data: &[u8]) -> (u64, [u64; 4], u64) {
    let mut rdr = csv::ReaderBuilder::new().delimiter(b'|').quoting(false).has_headers(true).from_reader(data);
    let mut rec = csv::ByteRecord::new();
    let mut total = 0u64;
    let mut by_type = [0u64; 4];
    let mut distinct = DistinctCounter::default();
    while rdr.read_byte_record(&mut rec).expect("valid file") {
        total += 1;
        match &rec[0] {
            b"PER" => by_type[0] += 1,
            b"ORG" => by_type[1] += 1,
            b"APP" => by_type[2] += 1,
            b"CAB" => by_type[3] += 1,
            _ => {}
        }
        distinct.add_address(std::str::from_utf8(&rec[1]).unwrap_or(""));
    }
    (total, by_type, distinct.count().expect("count"))
}

fn split_only(data: &[u8]) -> u64 {
    let mut r = Reader::new(data, Format::Extraction).expect("header");
    let mut n = 0u64;
    while let Some(item) = r.next_item().expect("io") {
        if let Item::Record(rec) = item {
            n += rec.len() as u64;
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let records: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(535_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    let mut data = Vec::new();
    Generator::new(1, records).write_extraction(&mut data).expect("generate");
    let mb = data.len() as f64 / 1e6;
    println!("file: {records} records, {:.1} MB, {runs} runs each, median", mb);
    let checker = Checker::new(Format::Extraction, Rules::default());
    if let Ok(only) = std::env::var("MSSANTE_BENCH_ONLY") {
        // For profilers: run one variant only.
        for _ in 0..runs {
            match only.as_str() {
                "csv" => drop(csv_baseline(&data)),
                "split" => drop(split_only(&data)),
                "check" => drop(checker.check_reader(&data[..]).expect("check")),
                _ => drop(checker.check_slice(&data, 2).expect("check")),
            }
        }
        return;
    }

    // Interleaved rounds: every variant runs once per round, so that the noise of
    // a shared machine hits all of them alike; medians over the rounds.
    let mut times: [Vec<Duration>; 5] = Default::default();
    let mut out = None;
    for _ in 0..runs {
        let (t, c) = time(1, || csv_baseline(&data));
        times[0].push(t);
        times[1].push(time(1, || split_only(&data)).0);
        let (t, s) = time(1, || checker.check_reader(&data[..]).expect("check"));
        times[2].push(t);
        let (t, p) = time(1, || checker.check_slice(&data, 2).expect("check"));
        times[3].push(t);
        let (t, q) = time(1, || checker.check_reader_parallel(&data[..], 2).expect("check"));
        times[4].push(t);
        out = Some((c, s, p, q));
    }
    let ((total, by_type, distinct), s, p, q) = out.expect("at least one round");
    let [t_csv, t_split, t_ours, t_par, t_spar] = times.map(median);
    assert_eq!(s.records_total(), total);
    assert_eq!(s.records_valid(), total, "generated data is valid");
    assert_eq!(s.by_type.get("PER").copied().unwrap_or(0), by_type[0]);
    assert_eq!(s.distinct_addresses, distinct);
    for other in [&p, &q] {
        assert_eq!(other.records_valid(), s.records_valid());
        assert_eq!(other.distinct_addresses, s.distinct_addresses);
        assert_eq!(other.warnings(), s.warnings());
    }

    let row = |name: &str, t: Duration| {
        println!(
            "{name:<48} {:>8.1} ms {:>8.0} MB/s  x{:.2} vs csv",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64(),
            t_csv.as_secs_f64() / t.as_secs_f64()
        );
    };
    row("csv ByteRecord + same counts (baseline)", t_csv);
    row("mssante split only (no validation)", t_split);
    row("mssante check_reader (typed, validated, 1 thread)", t_ours);
    row("mssante check_slice (typed, validated, 2 threads)", t_par);
    row("mssante check_reader_parallel (streaming, 2 thr)", t_spar);
    println!("records {total}, PER {}, ORG {}, distinct {distinct}, warnings {}", by_type[0], by_type[1], s.warnings());
}
