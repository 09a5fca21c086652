//! Parsing time of hostile and large notices (issue 15, item 8): each shape at
//! n and 2n, so that the ratio shows the growth (≈ 2 when linear, ≈ 4 when
//! quadratic), plus a 20 MB notice made of the reference notice's incidents.
//!
//! Run: `cargo bench -p mssante-incident --bench notice [-- SCALE ROUNDS]`
//! (SCALE multiplies the default sizes; medians of ROUNDS runs).

use mssante_incident::parse::parse_notice;
use std::time::{Duration, Instant};

const HEAD: &str = "Incidents MSSanté :\n\nx (nouveau)\n\nMadame, Monsieur,\n\nNouvel incident : x\n\n";

/// One paragraph of `n` date ranges, no sentence break.
fn ranges(n: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("Correction :\nUn retour à la normale est attendu");
    for k in 0..n {
        s.push_str(&format!(" du {}/12 au {}/12 puis", k % 27 + 1, k % 27 + 2));
    }
    s.push_str(" fin.\n");
    s
}

/// `n` bullets, each with a dated planned fix.
fn bullets(n: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("Correction :\n");
    for k in 0..n {
        s.push_str(&format!("• Un correctif doit être appliqué le {}/{}/2020.\n", k % 28 + 1, k % 12 + 1));
    }
    s
}

/// A list of `n` days with no month after it (`les 1, 2, 3, …`).
fn day_list(n: usize) -> String {
    let mut s = String::from(HEAD);
    s.push_str("Description :\nles");
    for k in 0..n {
        s.push_str(&format!(" {},", k % 28 + 1));
    }
    s.push_str(" fin\n");
    s
}

/// The reference notice's incidents repeated up to `bytes`.
fn large(bytes: usize) -> String {
    let real = include_str!("../tests/data/incidents-mssante-2020-12.txt");
    let start = real.find("Incident clos :").unwrap();
    let end = real.find("Nous vous prions").unwrap();
    let body = &real[start..end];
    let mut s = String::from(&real[..start]);
    while s.len() < bytes {
        s.push_str(body);
    }
    s.push_str(&real[end..]);
    s
}

fn time(text: &str, rounds: usize) -> Duration {
    let date = chrono::NaiveDate::from_ymd_opt(2020, 12, 11);
    let mut v: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let n = parse_notice(text, date).expect("parses");
            std::hint::black_box(n);
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let scale: f64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1.0);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let n = |base: usize| ((base as f64) * scale) as usize;
    type Shape = (&'static str, fn(usize) -> String, usize);
    let shapes: [Shape; 3] = [
        ("date ranges in one paragraph", ranges, n(16_000)),
        ("dated bullets", bullets, n(100_000)),
        ("days without a month", day_list, n(50_000)),
    ];
    println!("{:<32} {:>9} {:>11} {:>9} {:>11} {:>6}", "shape", "n", "time", "2n", "time", "ratio");
    for (name, make, size) in shapes {
        let a = time(&make(size), rounds);
        let b = time(&make(2 * size), rounds);
        println!(
            "{name:<32} {size:>9} {:>9.1}ms {:>9} {:>9.1}ms {:>6.2}",
            a.as_secs_f64() * 1e3,
            2 * size,
            b.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64()
        );
    }
    let text = large(n(20_000_000));
    let t = time(&text, rounds);
    println!(
        "reference incidents, {:.1} MB: {:.0} ms ({:.0} MB/s)",
        text.len() as f64 / 1e6,
        t.as_secs_f64() * 1e3,
        text.len() as f64 / 1e6 / t.as_secs_f64()
    );
}
