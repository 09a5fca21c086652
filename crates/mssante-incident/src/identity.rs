//! An incident's identity across the notices that mention it.
//!
//! The ANS announces an incident in one notice (`nouveau`) and closes it in a
//! later one (`clos`); nothing in the text numbers it. Its identifier is
//! therefore derived from what both notices say the same way: the **subject**
//! (the title of the summary list, or the heading when there is none) and the
//! **day the impact started** (see [`crate::model::Facts::lifecycle`]), never
//! from the notice's date.
//!
//! The subject is normalised before it is used: letters are lower-cased and
//! their French accents removed (`É` → `e`, `œ` → `oe`), every run of other
//! characters (spaces, apostrophes `’` or `'`, punctuation) becomes one `-`.
//! A subject longer than [`MAX_SLUG`] bytes is cut at a `-` and followed by
//! a hash of the whole subject, so two long subjects that share their
//! beginning stay apart.
//!
//! ```
//! use chrono::NaiveDate;
//! use mssante_incident::identity::IncidentId;
//! let start = NaiveDate::from_ymd_opt(2020, 12, 10).unwrap();
//! let a = IncidentId::derive("Erreurs lors de l’émission de messages à l’opérateur Mailiz", start);
//! let b = IncidentId::derive("erreurs lors de l'émission de messages à l'opérateur MAILIZ ", start);
//! assert_eq!(a, b);
//! assert_eq!(a.as_str(), "2020-12-10-erreurs-lors-de-l-emission-de-messages-a-l-operateur-mailiz");
//! ```
//!
//! Limits (written in `docs/formats/notice.md`): a subject reworded between
//! two notices (`Erreur` for `Erreurs`), or a start day that a later notice
//! corrects, gives another identifier; the two are then two incidents of the
//! timeline.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest subject part of an identifier, in bytes, before it is cut and
/// followed by a hash.
pub const MAX_SLUG: usize = 80;

/// A stable incident identifier: `AAAA-MM-JJ-subject` (ASCII letters, digits
/// and `-`; a suffix `-2`, `-3` … for a second incident of the same subject
/// and start in one notice).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(String);

impl IncidentId {
    /// The identifier of an incident with this subject that started on `start`.
    pub fn derive(subject: &str, start: NaiveDate) -> IncidentId {
        IncidentId(format!("{}-{}", start.format("%Y-%m-%d"), slug(subject)))
    }

    /// The `n`-th (from 2) incident of the same subject and start in one notice.
    pub fn nth(&self, n: usize) -> IncidentId {
        IncidentId(format!("{}-{n}", self.0))
    }

    /// As text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IncidentId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The ASCII letters of a French letter, lower case (`None`: not a letter we fold).
fn ascii_of(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        _ => return None,
    })
}

/// The normalised subject: lower-case ASCII words joined by `-`.
pub(crate) fn slug(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut dash = false;
    for c in subject.chars().flat_map(char::to_lowercase) {
        let piece: Option<std::borrow::Cow<'static, str>> =
            if c.is_ascii_alphanumeric() { Some(c.to_string().into()) } else { ascii_of(c).map(Into::into) };
        match piece {
            Some(p) => {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push_str(&p);
            }
            None => dash = true,
        }
    }
    if out.is_empty() {
        out.push_str("incident");
    }
    if out.len() > MAX_SLUG {
        let cut = out[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        let hash = fnv1a(out.as_bytes());
        out.truncate(cut);
        out.push_str(&format!("-{:08x}", hash as u32));
    }
    out
}

/// FNV-1a, 64 bits: stable across platforms and releases (unlike `std`'s hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 12, 3).unwrap()
    }

    #[test]
    fn accents_case_and_punctuation_do_not_matter() {
        let a = IncidentId::derive("Traitement de l’alimentation des BAL MSSanté", day());
        assert_eq!(a.as_str(), "2020-12-03-traitement-de-l-alimentation-des-bal-mssante");
        assert_eq!(a, IncidentId::derive("  TRAITEMENT de l'alimentation des BAL MSSANTÉ.", day()));
        assert_eq!(IncidentId::derive("Œuvre", day()).as_str(), "2020-12-03-oeuvre");
        assert_eq!(IncidentId::derive("« »", day()).as_str(), "2020-12-03-incident");
    }

    #[test]
    fn long_subjects_are_cut_and_hashed() {
        let long = "mot ".repeat(40);
        let a = IncidentId::derive(&long, day());
        let b = IncidentId::derive(&format!("{long} autre"), day());
        assert_ne!(a, b);
        assert!(a.as_str().len() <= 11 + MAX_SLUG + 9, "{a}");
        assert!(a.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    }
}
