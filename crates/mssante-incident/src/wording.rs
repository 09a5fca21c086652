//! The fixed wording of an ANS notice, shared by the parser ([`crate::parse`])
//! and the printers ([`crate::render`]) so that neither depends on the other
//! (as regex-syntax keeps its parser and printer apart).

/// The apology line.
pub const APOLOGY: &str = "Nous vous prions de nous excuser pour le désagrément.";
/// The closing.
pub const CLOSING: &str = "Cordialement,";
/// The greeting.
pub const GREETING: &str = "Madame, Monsieur,";

/// A section title: a line of at most 80 characters ending with ` :`.
pub(crate) fn section_title(first: &str) -> Option<&str> {
    let t = first.strip_suffix(" :")?.trim();
    (!t.is_empty() && !t.starts_with('•') && first.chars().count() <= 80).then_some(t)
}
