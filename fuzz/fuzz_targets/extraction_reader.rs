//! Arbitrary bytes after a valid extraction header, checked on the calling
//! thread (the threaded paths have their own target, `extraction_parallel`):
//! the checker never panics, counts every physical line once, its issue counts
//! are the issues it streamed, and a file with no rejected line is written
//! back byte for byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::check::Checker;
use mssante_bal::lines::Lines;
use mssante_bal::{Format, Issue, Item, Reader, ReaderConfig, Rules, Writer};

fuzz_target!(|body: &[u8]| {
    let mut data = Format::Extraction.header().into_bytes();
    data.push(b'\n');
    data.extend_from_slice(body);
    let config = ReaderConfig { max_line_len: 1024, strict_field_count: true };
    let checker = Checker::new(Format::Extraction, Rules::default()).reader_config(config).memory(4096).examples(2);
    let mut streamed = 0u64;
    let a = checker
        .check_with(&data[..], 1, &mut |_| {}, &mut |_: &Issue| {
            streamed += 1;
            Ok(())
        })
        .expect("in-memory input cannot fail");
    assert_eq!(a.physical_lines(), Lines::new(&data).count() as u64, "every line is counted once");
    assert_eq!(a.issues_total(), streamed, "the counts are the stream's");
    assert_eq!(a.issue_counts.iter().map(|c| c.count).sum::<u64>(), streamed);
    assert!(a.errors() >= a.records_rejected(), "each rejected record has an error");

    let mut r = Reader::with_config(&data[..], Format::Extraction, config).expect("valid header");
    let mut w = Writer::for_reader(Vec::new(), &r).expect("in memory");
    let mut clean = true;
    while let Some(item) = r.next_item().expect("in memory") {
        match item {
            Item::Record(rec) => w.write_raw(&rec).expect("in memory"),
            Item::Rejected(_) => clean = false,
        }
    }
    if clean {
        assert_eq!(w.into_inner().expect("in memory"), data);
    }
});
