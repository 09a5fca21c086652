//! The crate's error type and its stable codes (`N8xx`, listed in
//! `docs/error-codes.md`).
//!
//! Each step keeps its own precise error ([`ParseError`] with its line,
//! [`DateError`], [`LifecycleError`]); [`Error`] gathers them for callers that
//! handle any, and every one of them has a [`IncidentCode`].

use crate::date::DateError;
use crate::lifecycle::LifecycleError;

mssante_types::stable_codes! {
    /// Stable codes of this crate. The string form (`"N803"`) never changes once
    /// published; new codes are only added.
    pub enum IncidentCode {
        /// The text is empty.
        Empty = "N801",
        /// The first line is not a title ending with ` :`.
        Title = "N802",
        /// Text before the first incident heading that is neither greeting,
        /// audience nor summary.
        BeforeHeading = "N803",
        /// No incident heading (`Incident clos : …`, `Nouvel incident : …`).
        NoIncident = "N804",
        /// No date given and none written with its year in the text.
        NoDate = "N805",
        /// A notice that cannot be written as text that reads back the same
        /// (a paragraph that would read as a heading, a section title too long…).
        Unrenderable = "N806",
        /// A French date expression that does not parse.
        DateExpression = "N811",
        /// A lifecycle transition that is not allowed.
        Transition = "N821",
        /// A lifecycle step dated before the previous one.
        Backwards = "N822",
        /// A lifecycle that does not start with `Declared`.
        LifecycleStart = "N823",
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

/// Why a notice cannot be written as text that reads back to the same notice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {place}: {reason}")]
pub struct RenderError {
    /// Always [`IncidentCode::Unrenderable`].
    pub code: IncidentCode,
    /// Where (`incident 2, section 1, block 3`).
    pub place: String,
    /// What would be read back otherwise.
    pub reason: String,
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
    /// A notice cannot be written as text.
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> IncidentCode {
        match self {
            Error::Parse(e) => e.code,
            Error::Date(_) => IncidentCode::DateExpression,
            Error::Lifecycle(e) => e.code(),
            Error::Render(e) => e.code,
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
