//! xtext (RFC 3461 §4): the encoding of `ENVID` and `ORCPT` values.
//!
//! Printable ASCII from `!` to `~` stands for itself, except `+` and `=`;
//! every other octet is `+` followed by two upper-case hex digits.
//!
//! ```
//! use mssante_envelope::xtext::{decode, encode};
//! assert_eq!(encode("a+b=c d"), "a+2Bb+3Dc+20d");
//! assert_eq!(decode("a+2Bb+3Dc+20d").unwrap(), b"a+b=c d");
//! ```

/// Encodes bytes (a UTF-8 string's octets) as xtext.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// Decodes xtext into octets; `None` when it is not valid xtext (a character
/// outside `!`..`~`, a raw `=`, or `+` not followed by two upper-case hex digits).
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                let hex = |c: u8| match c {
                    b'0'..=b'9' => Some(c - b'0'),
                    b'A'..=b'F' => Some(c - b'A' + 10),
                    _ => None,
                };
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'=' => return None,
            c if (b'!'..=b'~').contains(&c) => {
                out.push(c);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}
