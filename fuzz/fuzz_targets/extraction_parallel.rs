//! The threaded checkers against the single-threaded one on arbitrary bytes
//! after a valid extraction header: same summary, same issues in the same
//! order. Run with `-detect_leaks=0` (see `.ci/run`): LeakSanitizer can report
//! the handles of scoped threads, freed after their TLS destructors ran, as
//! leaks (`shared/fuzz-findings/README.md`); this target is the only one that
//! starts threads, so the others keep leak detection on.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::check::Checker;
use mssante_bal::{Format, Issue, ReaderConfig, Rules};

fuzz_target!(|body: &[u8]| {
    let mut data = Format::Extraction.header().into_bytes();
    data.push(b'\n');
    data.extend_from_slice(body);
    let config = ReaderConfig { max_line_len: 1024, strict_field_count: true };
    let checker = Checker::new(Format::Extraction, Rules::default()).reader_config(config).memory(4096).examples(2);
    let run = |threads: usize| {
        let mut all: Vec<Issue> = Vec::new();
        let s = checker
            .check_with(&data[..], threads, &mut |_| {}, &mut |i: &Issue| {
                all.push(i.clone());
                Ok(())
            })
            .expect("in-memory input cannot fail");
        (s, all)
    };
    let (a, issues) = run(1);
    let (b, parallel) = run(2);
    assert_eq!(issues, parallel, "same issues, same order");
    let c = checker.check_slice(&data, 3).expect("in-memory input cannot fail");
    for s in [&b, &c] {
        assert_eq!((a.records_valid(), a.records_rejected(), a.distinct_addresses), (s.records_valid(), s.records_rejected(), s.distinct_addresses));
        assert_eq!(a.issue_counts, s.issue_counts);
        assert_eq!(a.examples, s.examples);
    }
});
