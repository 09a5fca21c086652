//! Reads an extraction record by record and prints each rejected line.
//!
//! `cargo run -p mssante-examples --example check_extraction -- examples/data/extraction-avec-erreurs.txt`

use mssante_bal::{Bal, Format, Item, Reader, Rules};
use std::fs::File;
use std::io::BufReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "examples/data/extraction-avec-erreurs.txt".into());
    let mut reader = Reader::new(BufReader::new(File::open(&path)?), Format::Extraction)?;
    let rules = Rules::default();
    let (mut ok, mut rejected) = (0u64, 0u64);
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Record(rec) => match Bal::from_record(&rec, &rules) {
                Ok((bal, warnings)) => {
                    ok += 1;
                    for w in warnings {
                        println!("{w}");
                    }
                    if ok == 1 {
                        println!(
                            "first BAL: {} ({}), domain {}",
                            bal.address(),
                            bal.bal_type(),
                            bal.address().domain()
                        );
                    }
                }
                Err(issues) => {
                    rejected += 1;
                    for i in issues {
                        println!("{i}");
                    }
                }
            },
            Item::Rejected(issue) => {
                rejected += 1;
                println!("{issue}");
            }
        }
    }
    println!("{ok} accepted, {rejected} rejected, {} lines", reader.lines_read());
    Ok(())
}
