//! The ZIP path. Arbitrary bytes opened as a published ZIP: a clear error or an
//! entry whose reading ends (inflating, CRC and limit checks) without a panic.
//! And arbitrary text put in a ZIP: checking the ZIP gives the summary of
//! checking the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::archive::Archive;
use mssante_bal::check::Checker;
use mssante_bal::{Format, Rules};
use std::io::{Cursor, Read, Write};

fuzz_target!(|data: &[u8]| {
    let checker = Checker::new(Format::Extraction, Rules::default()).memory(4096);
    if let Ok(mut a) = Archive::open(Cursor::new(data), 1 << 20) {
        if let Ok(mut r) = a.reader() {
            let mut sink = Vec::new();
            let _ = r.by_ref().take(2 << 20).read_to_end(&mut sink);
            assert!(sink.len() <= 1 << 20, "the limit holds whatever the ZIP declares");
        }
    }
    let mut text = Format::Extraction.header().into_bytes();
    text.push(b'\n');
    text.extend_from_slice(data);
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("Extraction_Correspondance_MSSante_202608260820.txt", zip::write::SimpleFileOptions::default())
        .expect("in memory");
    z.write_all(&text).expect("in memory");
    let bytes = z.finish().expect("in memory").into_inner();
    let mut a = Archive::open(Cursor::new(bytes), 1 << 30).expect("our own ZIP");
    let from_zip = checker.check_reader(a.reader().expect("our own ZIP")).expect("in memory");
    let from_text = checker.check_reader(&text[..]).expect("in memory");
    assert_eq!((from_zip.records_valid(), from_zip.records_rejected()), (from_text.records_valid(), from_text.records_rejected()));
    assert_eq!(from_zip.issue_counts, from_text.issue_counts);
    assert_eq!(from_zip.examples, from_text.examples);
    assert_eq!(from_zip.bytes, from_text.bytes);
});
