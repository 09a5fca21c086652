//! The crate's error type and its stable codes (`N8xx`, listed in
//! `docs/error-codes.md`).
//!
//! Each step keeps its own precise error ([`ParseError`] with its line,
//! [`DateError`], [`LifecycleError`]); [`Error`] gathers them for callers that
//! handle any, and every one of them has a [`IncidentCode`].

use crate::date::DateError;
use crate::lifecycle::LifecycleError;
use std::fmt;

/// Stable codes of this crate. The string form (`"N803"`) never changes once
/// published; new codes are only added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IncidentCode {
    /// The text is empty.
    Empty,
    /// The first line is not a title ending with ` :`.
    Title,
    /// Text before the first incident heading that is neither greeting,
    /// audience nor summary.
    BeforeHeading,
    /// No incident heading (`Incident clos : …`, `Nouvel incident : …`).
    NoIncident,
    /// No date given and none written with its year in the text.
    NoDate,
    /// A French date expression that does not parse.
    DateExpression,
    /// A lifecycle transition that is not allowed.
    Transition,
    /// A lifecycle step dated before the previous one.
    Backwards,
    /// A lifecycle that does not start with `Declared`.
    LifecycleStart,
}

impl IncidentCode {
    /// Every code, in catalogue order.
    pub const ALL: &'static [IncidentCode] = &[
        IncidentCode::Empty,
        IncidentCode::Title,
        IncidentCode::BeforeHeading,
        IncidentCode::NoIncident,
        IncidentCode::NoDate,
        IncidentCode::DateExpression,
        IncidentCode::Transition,
        IncidentCode::Backwards,
        IncidentCode::LifecycleStart,
    ];

    /// The stable string form, e.g. `"N803"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IncidentCode::Empty => "N801",
            IncidentCode::Title => "N802",
            IncidentCode::BeforeHeading => "N803",
            IncidentCode::NoIncident => "N804",
            IncidentCode::NoDate => "N805",
            IncidentCode::DateExpression => "N811",
            IncidentCode::Transition => "N821",
            IncidentCode::Backwards => "N822",
            IncidentCode::LifecycleStart => "N823",
        }
    }

    /// Looks a code up by its string form.
    pub fn from_code(s: &str) -> Option<IncidentCode> {
        IncidentCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for IncidentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not a notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {code} {message}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// Stable code.
    pub code: IncidentCode,
    /// What is wrong.
    pub message: String,
}

impl LifecycleError {
    /// The stable code.
    pub fn code(&self) -> IncidentCode {
        match self {
            LifecycleError::Transition { .. } => IncidentCode::Transition,
            LifecycleError::Backwards { .. } => IncidentCode::Backwards,
            LifecycleError::Empty => IncidentCode::LifecycleStart,
        }
    }
}

/// Any error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text is not a notice (with its line).
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A date expression does not parse.
    #[error(transparent)]
    Date(#[from] DateError),
    /// A lifecycle step is refused.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> IncidentCode {
        match self {
            Error::Parse(e) => e.code,
            Error::Date(_) => IncidentCode::DateExpression,
            Error::Lifecycle(e) => e.code(),
        }
    }

    /// The 1-based line of the text concerned, when the error has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Parse(e) => Some(e.line),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for c in IncidentCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert_eq!(IncidentCode::from_code(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn every_failure_has_its_code() {
        let parse = |t: &str| Error::from(crate::parse::parse_notice(t, None).unwrap_err());
        assert_eq!(parse("").code(), IncidentCode::Empty);
        assert_eq!(parse("pas de titre").code(), IncidentCode::Title);
        let e = parse("Incidents MSSanté :\n\nBonjour,\n\nRien.\n");
        assert_eq!(e.code(), IncidentCode::NoIncident, "{e}");
        assert_eq!(
            Error::from(crate::date::parse_when("le 32 décembre").unwrap_err()).code(),
            IncidentCode::DateExpression
        );
    }
}
