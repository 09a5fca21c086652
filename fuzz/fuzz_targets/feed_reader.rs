//! Arbitrary bytes, header included, read as a feed file: either a clear file
//! error, or a summary that counts every physical line once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::check::Checker;
use mssante_bal::lines::Lines;
use mssante_bal::{Format, Rules};

fuzz_target!(|data: &[u8]| {
    let checker = Checker::new(Format::Feed, Rules::default()).memory(4096);
    // Half the inputs get a valid header so that records are reached.
    let mut with_header = Format::Feed.header().into_bytes();
    with_header.push(b'\n');
    with_header.extend_from_slice(data);
    for input in [data, &with_header[..]] {
        if let Ok(s) = checker.check_reader(input) {
            assert_eq!(s.physical_lines(), Lines::new(input).count() as u64, "every line is counted once");
            assert!(s.errors() >= s.records_rejected());
            assert_eq!(s.issue_counts.iter().map(|c| c.count).sum::<u64>(), s.issues_total());
        }
    }
});
