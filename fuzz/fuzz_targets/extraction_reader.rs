//! Arbitrary bytes after a valid extraction header: the checker never panics,
//! counts every physical line once, the streaming and parallel paths agree, and a file with no
//! rejected line is written back byte for byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::check::Checker;
use mssante_bal::lines::Lines;
use mssante_bal::{Format, Item, Reader, ReaderConfig, Rules, Writer};

fuzz_target!(|body: &[u8]| {
    let mut data = Format::Extraction.header().into_bytes();
    data.push(b'\n');
    data.extend_from_slice(body);
    let config = ReaderConfig { max_line_len: 1024, strict_field_count: true };
    let checker = Checker::new(Format::Extraction, Rules::default()).reader_config(config).memory(4096, 256);
    let a = checker.check_reader(&data[..]).expect("in-memory input cannot fail");
    assert_eq!(a.physical_lines(), Lines::new(&data).count() as u64, "every line is counted once");
    let b = checker.check_reader_parallel(&data[..], 2).expect("in-memory input cannot fail");
    assert_eq!((a.records_valid(), a.records_rejected(), a.distinct_addresses), (b.records_valid(), b.records_rejected(), b.distinct_addresses));
    assert_eq!(a.errors.to_vec().ok(), b.errors.to_vec().ok());

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
