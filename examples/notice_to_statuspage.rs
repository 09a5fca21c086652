//! Reads the December 2020 notice of the ANS and prints what it says in data:
//! each incident's state, dates, backlog and planned actions; then merges it
//! with the follow-up notice that closes the Mailiz incident and prints the
//! timeline as a Statuspage v2 `incidents.json`.
//!
//! `cargo run -p mssante-examples --example notice_to_statuspage [-- NOTICE.txt [FOLLOW-UP.txt]]`

use mssante_incident::Timeline;
use mssante_incident::export::{Page, statuspage};
use mssante_incident::parse::parse_notice;
use mssante_incident::priority::PriorityMatrix;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "examples/data/incidents-mssante-2020-12.txt".into());
    let next = std::env::args().nth(2).unwrap_or_else(|| "examples/data/incidents-mssante-2020-12-14.txt".into());
    let notice = parse_notice(&std::fs::read_to_string(&path)?, None)?;
    let follow_up = parse_notice(&std::fs::read_to_string(&next)?, None)?;
    println!("{} of {}", notice.title, notice.date);
    for i in &notice.incidents {
        let f = i.facts();
        println!("[{}] {} — {:?}", i.label().word(), i.title(), f.lifecycle.state());
        for d in &f.dates {
            println!("    {:<20} {:<45} {:?}", format!("{:?}", d.role), d.phrase, d.days);
        }
        if let Some(b) = &f.backlog {
            println!("    backlog: integrated {:?}, pending {:?}, run {:?}", b.integrated, b.pending, b.run);
        }
        for a in &f.actions {
            println!("    action {:?}: {:?}", a.role, a.days);
        }
    }
    let timeline = Timeline::merge(&[notice, follow_up]);
    println!("{}", serde_json::to_string_pretty(&statuspage(&timeline, &Page::default(), &PriorityMatrix::default()))?);
    Ok(())
}
