//! The December 2020 backlog, replayed on an operator's side: a file deposited
//! every day from the 3rd to the 11th (none on Sunday the 6th), no run while
//! the feed is down, a catch-up run on the 11th in the morning, then the 20:00
//! run. Prints the CR de dépôt of the first file and one line per CR
//! d'intégration.
//!
//! `cargo run -p mssante-examples --example backlog_catch_up`

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_cr::deposit::Deposit;
use mssante_cr::{Integrator, MemoryStore};

fn paris(day: u32, hour: u32) -> DateTime<Utc> {
    Paris.with_ymd_and_hms(2020, 12, day, hour, 0, 0).single().expect("valid time").with_timezone(&Utc)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A synthetic operator feed of 500 BALs; each day drops one BAL more.
    let mut generator = Generator::new(7, 500);
    let operator = generator.operators()[1].id.clone();
    let mut feed = Vec::new();
    generator.write_feed(1, &mut feed)?;
    let feed = String::from_utf8(feed)?;
    let lines: Vec<&str> = feed.lines().collect();

    let mut it = Integrator::new(MemoryStore::new());
    for day in [3, 4, 5, 7, 8, 9, 10, 11] {
        let content: String = lines[..lines.len() - day as usize].iter().map(|l| format!("{l}\n")).collect();
        let at = paris(day, 17);
        let name = FeedFileName::new(&operator, at)?.to_string();
        let (_, cr) =
            it.deposit(&Deposit { file_name: &name, content: content.as_bytes(), operator: &operator, at })?;
        if day == 3 {
            println!("{}", cr.to_text());
        }
    }
    for run_at in [paris(11, 10), paris(11, 20)] {
        let run = it.run(run_at)?;
        println!("Run at {run_at}: business dates closed through {}", run.closed_through);
        for f in &run.integrated {
            let t = f.totals;
            println!(
                "  {}  {} lines: {} created, {} unchanged, {} deleted ({} → {} BALs)",
                f.business_date, t.lines, t.created, t.unchanged, t.deleted, t.before, t.after
            );
        }
        println!("  still pending: {:?}", run.pending);
    }
    Ok(())
}
