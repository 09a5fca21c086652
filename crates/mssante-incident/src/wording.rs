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

/// The first words of the apology: a paragraph that starts with them starts
/// the closing part of the notice.
pub(crate) const APOLOGY_START: &str = "Nous vous prions de";

/// A heading `Incident clos : …`: its label and the rest, trimmed.
pub(crate) fn heading_of(s: &str) -> Option<(crate::model::Label, String)> {
    for l in crate::model::Label::ALL {
        if let Some(rest) = s.strip_prefix(l.heading()).and_then(|r| r.strip_prefix(" :")) {
            return Some((l, rest.trim().to_owned()));
        }
    }
    None
}

/// The audiences of the audience sentence (`Vous recevez cette notification
/// en tant qu’… ou …`): the list starts after the sentence's first « en tant
/// qu… » (an audience may hold the words again), audiences are separated by
/// « ou », the final '.' is not part of the last one.
pub(crate) fn audiences_of(sentence: &str) -> Vec<crate::model::Audience> {
    let list = ["en tant qu’", "en tant qu'", "en tant que "]
        .iter()
        .filter_map(|k| sentence.find(k).map(|at| (at, at + k.len())))
        .min()
        .map_or("", |(_, start)| &sentence[start..]);
    let mut names: Vec<&str> = list.split(" ou ").map(str::trim).filter(|s| !s.is_empty()).collect();
    while let Some(last) = names.pop() {
        let last = last.trim_end_matches('.').trim_end();
        if !last.is_empty() {
            names.push(last);
            break;
        }
    }
    names.into_iter().map(crate::model::Audience::from_text).collect()
}

/// A notice's title as the layout reads it: without the spaces and byte-order
/// marks before it (a reader takes a leading one for the file's), nor spaces after.
pub(crate) fn notice_title(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}').trim_end()
}
