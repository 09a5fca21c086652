//! The one DN comparison (liste blanche and certificates, RFC 4514 strings,
//! RFC 5280 §7.1 matching): every formatting variant of a DN compares equal
//! to it; any change of an attribute value, of the attributes or of their
//! order does not.

use mssante_bal::liste_blanche::Dn;
use proptest::prelude::*;

/// Attribute types with the spellings that name them.
const TYPES: &[&[&str]] = &[
    &["CN", "cn", "Cn", "commonName", "2.5.4.3", "OID.2.5.4.3"],
    &["OU", "ou", "organizationalUnitName", "2.5.4.11"],
    &["O", "o", "organizationName", "2.5.4.10"],
    &["ST", "st", "S", "stateOrProvinceName", "2.5.4.8"],
    &["C", "c", "countryName", "2.5.4.6"],
    &["L", "l", "localityName", "2.5.4.7"],
    &["SERIALNUMBER", "serialNumber", "2.5.4.5"],
    &["EMAILADDRESS", "E", "emailAddress", "1.2.840.113549.1.9.1"],
];

const SPECIAL: &[char] = &[',', '+', '"', '\\', '<', '>', ';', '='];

fn value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9éÉ()\\-.,+\"\\\\<>;=#]([a-zA-Z0-9éÉ ()\\-.,+\"\\\\<>;=#]{0,12}[a-zA-Z0-9éÉ()\\-.,+\"\\\\<>;=#])?"
}

fn attributes() -> impl Strategy<Value = Vec<(usize, String)>> {
    prop::collection::vec((0..TYPES.len(), value()), 1..6)
}

/// One way of writing a value: each special character escaped as `\c` or
/// as hex pairs, letters in either case, inner spaces doubled or not.
fn write_value(v: &str, seed: u64) -> String {
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        let bit = |k: u32| (seed.rotate_left((i as u32 * 3 + k) % 64) & 1) == 1;
        if SPECIAL.contains(&c) || (bit(0) && bit(1) && c == 'é') {
            if bit(2) {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            } else {
                out.push('\\');
                out.push(c);
            }
        } else if c == ' ' && bit(0) {
            out.push_str("  ");
        } else if bit(1) {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn write_dn(attrs: &[(usize, String)], seed: u64) -> String {
    let mut s = String::new();
    for (i, (t, v)) in attrs.iter().enumerate() {
        let r = seed.rotate_left(i as u32 * 7);
        if i > 0 {
            s.push_str([",", ", ", " , ", ",  "][(r % 4) as usize]);
        }
        let names = TYPES[*t];
        let eq = ["=", " = ", "= "][((r >> 2) % 3) as usize];
        s.push_str(&format!("{}{eq}{}", names[((r >> 4) as usize) % names.len()], write_value(v, r)));
    }
    s
}

fn canonical(attrs: &[(usize, String)]) -> Dn {
    Dn::from_attributes(attrs.iter().map(|(t, v)| (TYPES[*t][0], v.as_str()))).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn formatting_variants_compare_equal(attrs in attributes(), seed in any::<u64>()) {
        let dn = canonical(&attrs);
        let text = write_dn(&attrs, seed);
        let parsed = Dn::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&parsed, &dn, "{:?}", text);
        // Display → parse is the identity, and the certificate side's form is
        // the liste blanche side's.
        prop_assert_eq!(&Dn::parse(&dn.to_string()).unwrap(), &dn);
        prop_assert_eq!(&Dn::parse(&parsed.to_string()).unwrap(), &dn);
        // `value` reads the escapes back (first attribute of each type).
        let words = |s: &str| s.to_lowercase().split_whitespace().map(str::to_owned).collect::<Vec<String>>();
        for (i, (t, v)) in attrs.iter().enumerate() {
            if attrs[..i].iter().all(|(u, _)| u != t) {
                prop_assert_eq!(words(&parsed.value(TYPES[*t][0]).unwrap()), words(v));
            }
        }
    }

    #[test]
    fn any_change_of_a_value_differs(attrs in attributes(), seed in any::<u64>(), which in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), with in "[a-z0-9,;+]") {
        let dn = canonical(&attrs);
        let mut changed = attrs.clone();
        let i = which.index(changed.len());
        let v: Vec<char> = changed[i].1.chars().collect();
        let pos = at.index(v.len());
        let new_char = with.chars().next().unwrap();
        let mut w = v.clone();
        if v[pos].to_lowercase().eq(new_char.to_lowercase()) {
            w.insert(pos, new_char);
        } else {
            w[pos] = new_char;
        }
        changed[i].1 = w.into_iter().collect();
        let text = write_dn(&changed, seed);
        let parsed = Dn::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_ne!(&parsed, &dn, "{:?} vs {}", text, dn);
    }

    #[test]
    fn another_attribute_set_or_order_differs(attrs in attributes(), seed in any::<u64>()) {
        let dn = canonical(&attrs);
        let mut fewer = attrs.clone();
        fewer.pop();
        if !fewer.is_empty() {
            prop_assert_ne!(&Dn::parse(&write_dn(&fewer, seed)).unwrap(), &dn);
        }
        let mut reversed = attrs.clone();
        reversed.reverse();
        let same_backwards = attrs.iter().zip(&reversed).all(|((a, x), (b, y))| a == b && x.to_lowercase() == y.to_lowercase());
        if !same_backwards {
            prop_assert_ne!(&Dn::parse(&write_dn(&reversed, seed)).unwrap(), &dn);
        }
    }
}
