//! Arbitrary field values through the builder: a BAL that validates is written
//! and read back with the same values, in both formats.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::{Bal, BalBuilder, Format, Item, Reader, Rules, Writer};

fuzz_target!(|fields: Vec<String>| {
    for format in [Format::Extraction, Format::Feed] {
        let mut b = BalBuilder::new();
        for (c, v) in format.columns().iter().zip(&fields) {
            b = b.set(*c, v.clone());
        }
        let Ok(bal) = b.build(format, &Rules::default()) else { continue };
        let mut w = Writer::new(Vec::new(), format).expect("in memory");
        w.write_bal(&bal).expect("validated values are writable");
        let data = w.into_inner().expect("in memory");
        let mut r = Reader::new(&data[..], format).expect("own header");
        match r.next_item().expect("in memory") {
            Some(Item::Record(rec)) => {
                let (back, _) = Bal::from_record(&rec, &Rules::default()).expect("still valid");
                for c in format.columns() {
                    assert_eq!(back.field(*c), bal.field(*c), "{c:?}");
                }
            }
            other => panic!("expected one record, got {other:?}"),
        }
        assert!(r.next_item().expect("in memory").is_none());
    }
});
