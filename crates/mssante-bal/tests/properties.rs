//! Property tests: write → read identities, reader invariants on arbitrary
//! bytes, check digits against an independent computation.

use mssante_bal::check::Checker;
use mssante_bal::{
    Bal, BalBuilder, Column, Format, Issue, Item, Reader, ReaderConfig, Rpps, Rules, Siret, Terminator, Writer,
    luhn_is_valid,
};
use proptest::prelude::*;

/// Independent Luhn: the classic doubling table over the reversed digits.
fn luhn_table(digits: &[u8]) -> bool {
    const DOUBLE: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let s: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 { DOUBLE[d as usize] } else { d }
        })
        .sum();
    s.is_multiple_of(10)
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n).prop_map(|v| v.into_iter().map(|d| char::from(b'0' + d)).collect())
}

/// Completes `body` with the one key digit that makes it pass the table Luhn.
fn complete(body: &str) -> String {
    (0..10).map(|k| format!("{body}{k}")).find(|s| luhn_table(s.as_bytes())).expect("one key fits")
}

fn text() -> impl Strategy<Value = String> {
    "[^|\r\n]{0,12}"
}

fn local_part() -> impl Strategy<Value = String> {
    "[a-z0-9!#$%&'*+/=?^_`{}~-]{1,10}(\\.[a-zA-Z0-9_-]{1,8}){0,2}"
}

fn domain() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,8}){0,2}\\.mssante\\.fr"
}

/// A BAL that validation accepts, as (column, value) pairs.
fn valid_bal(format: Format) -> impl Strategy<Value = Vec<(Column, String)>> {
    let person = prop_oneof![
        digits(8).prop_map(|d| ("8".to_owned(), complete(&format!("10{d}")))),
        digits(6).prop_map(|d| ("0".to_owned(), complete(&format!("99{d}")))),
    ];
    let structure = prop_oneof![
        digits(6).prop_map(|d| ("1".to_owned(), format!("1{}", complete(&format!("99{d}"))))),
        (digits(8), digits(4)).prop_map(|(a, b)| {
            let siren = complete(&a);
            ("3".to_owned(), format!("3{}", complete(&format!("{siren}{b}"))))
        }),
    ];
    (
        prop_oneof![Just("PER"), Just("ORG"), Just("APP"), Just("CAB")],
        local_part(),
        domain(),
        person,
        proptest::option::of(structure),
        proptest::collection::vec(text(), 8),
        prop_oneof![Just("O"), Just("N"), Just("")],
        prop_oneof![Just("O"), Just("N")],
    )
        .prop_map(move |(t, local, dom, (pt, pid), st, texts, demat, lr)| {
            let mut v = vec![(Column::BalType, t.to_owned()), (Column::Address, format!("{local}@{dom}"))];
            let st = if matches!(t, "ORG" | "APP") {
                st.or_else(|| Some(("1".to_owned(), "1990000002".to_owned())))
            } else {
                st
            };
            let (pt, pid) =
                if t == "CAB" && pt != "8" { ("8".to_owned(), "10000000009".to_owned()) } else { (pt, pid) };
            if t != "ORG" && t != "APP" {
                v.push((Column::PersonIdType, pt.clone()));
                v.push((Column::PersonIdNat, format!("{pt}{pid}")));
                v.push((Column::PersonId, pid));
            }
            if let Some((sty, sid)) = st {
                v.push((Column::StructureIdType, sty));
                v.push((Column::StructureId, sid));
            }
            v.push((Column::Service, texts[0].clone()));
            v.push((Column::Dematerialisation, demat.to_owned()));
            match format {
                Format::Extraction => {
                    v.push((Column::LastName, texts[1].clone()));
                    v.push((Column::FirstName, texts[2].clone()));
                    v.push((Column::LegalName, texts[3].clone()));
                    v.push((Column::RoutingLine, texts[4].clone()));
                    v.push((Column::Country, texts[5].clone()));
                }
                Format::Feed => {
                    v.push((Column::Description, texts[6].chars().take(75).collect()));
                    if matches!(t, "ORG" | "APP") {
                        v.push((Column::Responsible, texts[7].chars().take(45).collect()));
                    }
                    v.push((Column::ListeRouge, lr.to_owned()));
                    v.push((Column::Rank, "1".to_owned()));
                }
                _ => unreachable!("a format this generator does not know"),
            }
            v
        })
}

fn build(pairs: &[(Column, String)], format: Format) -> Bal<'static> {
    let mut b = BalBuilder::new();
    for (c, v) in pairs {
        b = b.set(*c, v.clone());
    }
    b.build(format, &Rules::default()).unwrap_or_else(|e| panic!("{pairs:?}: {e:?}"))
}

fn read_bals(data: &[u8], format: Format) -> Vec<Bal<'static>> {
    let mut r = Reader::new(data, format).expect("header");
    let mut out = Vec::new();
    while let Some(item) = r.next_item().expect("io") {
        match item {
            Item::Record(rec) => out.push(Bal::from_record(&rec, &Rules::default()).expect("valid").0.into_owned()),
            Item::Rejected(i) => panic!("rejected: {i}"),
        }
    }
    out
}

fn write_all(bals: &[Bal<'_>], format: Format) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), format).unwrap();
    for b in bals {
        w.write_bal(b).unwrap();
    }
    w.into_inner().unwrap()
}

fn same_values(a: &Bal<'_>, b: &Bal<'_>, format: Format) -> bool {
    format.columns().iter().all(|c| a.field(*c) == b.field(*c))
        && a.address() == b.address()
        && a.bal_type() == b.bal_type()
        && a.person() == b.person()
        && a.structure() == b.structure()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn extraction_write_then_read_is_identity(recs in proptest::collection::vec(valid_bal(Format::Extraction), 0..20)) {
        let bals: Vec<_> = recs.iter().map(|p| build(p, Format::Extraction)).collect();
        let data = write_all(&bals, Format::Extraction);
        let back = read_bals(&data, Format::Extraction);
        prop_assert_eq!(back.len(), bals.len());
        for (a, b) in bals.iter().zip(&back) { prop_assert!(same_values(a, b, Format::Extraction)); }
        // And writing what was read gives the same bytes.
        prop_assert_eq!(write_all(&back, Format::Extraction), data);
    }

    #[test]
    fn feed_write_then_read_is_identity(recs in proptest::collection::vec(valid_bal(Format::Feed), 0..20)) {
        let bals: Vec<_> = recs.iter().map(|p| build(p, Format::Feed)).collect();
        let data = write_all(&bals, Format::Feed);
        let back = read_bals(&data, Format::Feed);
        prop_assert_eq!(back.len(), bals.len());
        for (a, b) in bals.iter().zip(&back) { prop_assert!(same_values(a, b, Format::Feed)); }
    }

    /// Any file whose lines have the header's field count is reproduced byte for
    /// byte: BOM, mixed line endings, missing final terminator, unknown columns.
    #[test]
    fn raw_read_then_write_is_byte_identical(
        bom in any::<bool>(),
        extra_col in any::<bool>(),
        lines in proptest::collection::vec((proptest::collection::vec("[^|\r\n]{0,6}", 31), 0u8..3), 0..12),
        last_term in any::<bool>(),
    ) {
        let mut header = Format::Extraction.header();
        if extra_col { header.push_str("|Colonne inconnue"); }
        let mut data = Vec::new();
        if bom { data.extend_from_slice(b"\xEF\xBB\xBF"); }
        data.extend_from_slice(header.as_bytes());
        data.extend_from_slice(b"\r\n");
        for (i, (fields, t)) in lines.iter().enumerate() {
            let mut f = fields.clone();
            if extra_col { f.push("x".into()); }
            data.extend_from_slice(f.join("|").as_bytes());
            let term = match t { 0 => &b"\n"[..], 1 => b"\r\n", _ => b"\n" };
            if i + 1 < lines.len() || last_term { data.extend_from_slice(term); }
        }
        let mut r = Reader::new(&data[..], Format::Extraction).unwrap();
        let mut w = Writer::for_reader(Vec::new(), &r).unwrap();
        let mut n = 0;
        while let Some(item) = r.next_item().unwrap() {
            match item {
                Item::Record(rec) => { w.write_raw(&rec).unwrap(); n += 1; }
                Item::Rejected(i) => prop_assert!(false, "rejected {}", i),
            }
        }
        prop_assert_eq!(n, lines.len());
        prop_assert_eq!(w.into_inner().unwrap(), data);
    }

    /// Arbitrary bytes: no panic, totals add up, and the three checking paths
    /// (streaming, parallel streaming, parallel slice) agree exactly.
    #[test]
    fn arbitrary_bytes_never_panic_and_totals_add_up(
        body in proptest::collection::vec(prop_oneof![
            4 => any::<u8>(),
            4 => Just(b'|'),
            2 => Just(b'\n'),
            1 => Just(b'\r'),
            2 => Just(b'@'),
            2 => Just(b'8'),
        ], 0..600),
        max_line in 1usize..400,
        lenient in any::<bool>(),
    ) {
        let mut data = Format::Extraction.header().into_bytes();
        data.push(b'\n');
        data.extend_from_slice(&body);
        let config = ReaderConfig { max_line_len: max_line.max(data.iter().position(|b| *b == b'\n').unwrap_or(0)), strict_field_count: !lenient };
        let checker = Checker::new(Format::Extraction, Rules::default()).reader_config(config).memory(1024).examples(2);
        let streamed = |threads: usize| {
            let mut all: Vec<Issue> = Vec::new();
            let s = checker.check_with(&data[..], threads, &mut |_| {}, &mut |i: &Issue| { all.push(i.clone()); Ok(()) }).unwrap();
            (s, all)
        };
        let (a, issues) = streamed(1);
        let lines = 1 + body.split(|b| *b == b'\n').count() as u64 - u64::from(body.last() == Some(&b'\n') || body.is_empty());
        prop_assert_eq!(a.physical_lines(), lines);
        let rejected_lines: std::collections::BTreeSet<u64> = issues.iter().filter(|i| i.is_error()).map(|i| i.position.line).collect();
        prop_assert_eq!(rejected_lines.len() as u64, a.records_rejected());
        // The counts are the stream's: in total, and per code, severity and column.
        prop_assert_eq!(a.issues_total(), issues.len() as u64);
        prop_assert_eq!(a.issue_counts.iter().map(|c| c.count).sum::<u64>(), issues.len() as u64);
        for c in &a.issue_counts {
            let n = issues.iter().filter(|i| i.code == c.code && i.severity == c.severity && i.column == c.column).count();
            prop_assert_eq!(c.count, n as u64);
        }
        // The examples are the first two of each code, in file order.
        let mut expected = Vec::new();
        let mut per_code = std::collections::HashMap::new();
        for i in &issues {
            let n = per_code.entry(i.code).or_insert(0);
            if *n < 2 {
                *n += 1;
                expected.push(i.clone());
            }
        }
        prop_assert_eq!(&a.examples, &expected);
        for threads in [1, 2, 3] {
            let (p, all) = streamed(threads.max(2));
            prop_assert_eq!(&all, &issues);
            for b in [checker.check_slice(&data, threads).unwrap(), checker.check_reader_parallel(&data[..], threads).unwrap(), p] {
                prop_assert_eq!(b.records_total(), a.records_total());
                prop_assert_eq!(b.records_valid(), a.records_valid());
                prop_assert_eq!(&b.by_type, &a.by_type);
                prop_assert_eq!(b.distinct_addresses, a.distinct_addresses);
                prop_assert_eq!(&b.issue_counts, &a.issue_counts);
                prop_assert_eq!(&b.examples, &a.examples);
                prop_assert_eq!((b.errors(), b.warnings()), (a.errors(), a.warnings()));
            }
        }
    }

    #[test]
    fn rpps_key_matches_an_independent_luhn(body in digits(10), key in 0u8..10) {
        let s = format!("{body}{key}");
        let r = Rpps::parse(&s).unwrap();
        prop_assert_eq!(r.key_is_valid(), luhn_table(s.as_bytes()));
        prop_assert_eq!(luhn_is_valid(s.as_bytes()), luhn_table(s.as_bytes()));
        prop_assert_eq!(mssante_bal::luhn_key(body.as_bytes()).map(|k| luhn_table(format!("{body}{k}").as_bytes())), Some(true));
    }

    #[test]
    fn siret_matches_an_independent_rule(siren in digits(9), nic in digits(5)) {
        let s = format!("{siren}{nic}");
        let digit_sum: u32 = s.bytes().map(|b| u32::from(b - b'0')).sum();
        let expected = (luhn_table(s.as_bytes()) && luhn_table(siren.as_bytes()))
            || (siren == "356000000" && digit_sum.is_multiple_of(5));
        prop_assert_eq!(Siret::parse(&s).is_ok(), expected);
    }

    #[test]
    fn la_poste_sirets(nic in digits(5)) {
        let s = format!("356000000{nic}");
        let digit_sum: u32 = s.bytes().map(|b| u32::from(b - b'0')).sum();
        prop_assert_eq!(Siret::parse(&s).is_ok(), digit_sum.is_multiple_of(5) || luhn_table(s.as_bytes()));
    }

    /// The terminator a BAL was read with is the one it is written with.
    #[test]
    fn typed_round_trip_keeps_terminators(crlf in any::<bool>()) {
        let t = if crlf { "\r\n" } else { "\n" };
        let line = format!("PER|a@b.mssante.fr|8|10000000009|810000000009{}", "|".repeat(26));
        let data = format!("{}{t}{line}{t}{line}", Format::Extraction.header());
        let mut r = Reader::new(data.as_bytes(), Format::Extraction).unwrap();
        prop_assert_eq!(r.header_terminator(), if crlf { Terminator::CrLf } else { Terminator::Lf });
        let mut w = Writer::for_reader(Vec::new(), &r).unwrap();
        while let Some(Item::Record(rec)) = r.next_item().unwrap() {
            let (bal, _) = Bal::from_record(&rec, &Rules::default()).unwrap();
            w.write_bal(&bal).unwrap();
        }
        prop_assert_eq!(w.into_inner().unwrap(), data.as_bytes());
    }
}

#[cfg(feature = "zip")]
mod zip_path {
    use super::*;
    use mssante_bal::archive::Archive;
    use std::io::{Cursor, Write};

    proptest! {
        /// Any file checked from its published ZIP form gives the summary of
        /// the text: totals, counts, examples, positions, bytes.
        #[test]
        fn the_zip_and_the_text_give_the_same_summary(
            body in proptest::collection::vec(prop_oneof![
                4 => any::<u8>(),
                4 => Just(b'|'),
                2 => Just(b'\n'),
                1 => Just(b'"'),
                2 => Just(b'@'),
            ], 0..600),
            stored in any::<bool>(),
            threads in 1usize..3,
        ) {
            let mut text = Format::Extraction.header().into_bytes();
            text.push(b'\n');
            text.extend_from_slice(&body);
            let method = if stored { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
            let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
            z.start_file("Extraction_Correspondance_MSSante_202608260820.txt", zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
            z.write_all(&text).unwrap();
            let bytes = z.finish().unwrap().into_inner();
            let checker = Checker::new(Format::Extraction, Rules::default()).examples(3);
            let mut a = Archive::open(Cursor::new(bytes), 1 << 20).unwrap();
            let from_zip = checker.check_with(a.reader().unwrap(), threads, &mut |_| {}, &mut ()).unwrap();
            let from_text = checker.check_with(&text[..], threads, &mut |_| {}, &mut ()).unwrap();
            prop_assert_eq!((from_zip.records_valid(), from_zip.records_rejected()), (from_text.records_valid(), from_text.records_rejected()));
            prop_assert_eq!(&from_zip.by_type, &from_text.by_type);
            prop_assert_eq!(from_zip.distinct_addresses, from_text.distinct_addresses);
            prop_assert_eq!(&from_zip.issue_counts, &from_text.issue_counts);
            prop_assert_eq!(&from_zip.examples, &from_text.examples);
            prop_assert_eq!(from_zip.bytes, from_text.bytes);
        }
    }
}

#[cfg(feature = "zip")]
proptest! {
    /// The published name of any snapshot time reads back as that time.
    #[test]
    fn a_published_name_reads_back_its_snapshot_time(
        minutes in 0i64..(200 * 366 * 24 * 60),
        zip in any::<bool>(),
    ) {
        let base = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let t = base + chrono::Duration::minutes(minutes);
        let name = format!("Extraction_Correspondance_MSSante_{}.{}", t.format("%Y%m%d%H%M"), if zip { "zip" } else { "txt" });
        prop_assert_eq!(mssante_bal::archive::snapshot_of(&name), Some(t));
    }
}
