//! Rendering a notice as French text (the structure of the ANS notices) and
//! as Markdown. Both are deterministic; the text parses back
//! ([`crate::parse::parse_notice`]) to the same notice, or is refused.
//!
//! The layout has no escapes: a paragraph that starts with `Incident clos :`
//! after a blank line *is* a heading to a reader. [`Notice::to_text`]
//! therefore checks first that every text can be written where it goes, and
//! returns a [`RenderError`] (code `N806`) naming the first one that cannot,
//! rather than a text that would read back as other incidents. Line breaks
//! never reach it: an [`crate::model::Incident`]'s texts are single lines by
//! construction, and the notice's own fields are checked.
//!
//! ```
//! use chrono::NaiveDate;
//! use mssante_incident::model::{Block, Incident, Label, Notice, Section};
//! let day = NaiveDate::from_ymd_opt(2020, 12, 11).unwrap();
//! let section = |text: &str| Section { title: "Description".into(), blocks: vec![Block::Bullet("a".into()), Block::Paragraph(text.into())] };
//! let notice = |text: &str| Notice { title: "Incidents MSSanté".into(), date: day, audiences: vec![],
//!     incidents: vec![Incident::new(Label::New, "Panne", "panne", vec![section(text)], day)], sender: "ANS".into() };
//! assert!(notice("Le service est rétabli.").to_text().is_ok());
//! let e = notice("Incident clos : une autre panne").to_text().unwrap_err();
//! assert_eq!(e.code.as_str(), "N806");
//! assert_eq!(e.place, "incident 1, section 1, block 2");
//! ```

use crate::error::{IncidentCode, RenderError};
use crate::model::{Audience, Block, Notice, is_line_break};
pub use crate::wording::{APOLOGY, CLOSING, GREETING};
use crate::wording::{APOLOGY_START, audiences_of, heading_of, notice_title, section_title};
use std::fmt::Write as _;

fn refuse(place: impl Into<String>, reason: impl Into<String>) -> RenderError {
    RenderError { code: IncidentCode::Unrenderable, place: place.into(), reason: reason.into() }
}

/// A text written alone on its line: no line break, nothing a reader trims.
fn single_line(place: &str, s: &str) -> Result<(), RenderError> {
    if s.contains(is_line_break) {
        return Err(refuse(place, "a line break inside the text"));
    }
    if s.trim() != s {
        return Err(refuse(place, "spaces at its start or end would be trimmed"));
    }
    Ok(())
}

/// A line that opens a paragraph after a blank line, read as neither a heading
/// nor the closing.
fn not_heading_nor_closing(place: &str, t: &str) -> Result<(), RenderError> {
    if heading_of(t).is_some() {
        return Err(refuse(place, "it would read as an incident heading"));
    }
    if t.starts_with(APOLOGY_START) {
        return Err(refuse(place, "it would read as the closing apology"));
    }
    Ok(())
}

/// A paragraph that opens a paragraph after a blank line.
fn opens_paragraph(place: &str, t: &str) -> Result<(), RenderError> {
    not_heading_nor_closing(place, t)?;
    if section_title(t).is_some() && unlike_title_cut(t).is_none() {
        return Err(refuse(place, "it ends with ' :' and would read as a section title"));
    }
    Ok(())
}

/// Checks that every text of the notice can be written where it goes, so that
/// [`crate::parse::parse_notice`] reads the same notice back.
pub fn check(n: &Notice) -> Result<(), RenderError> {
    single_line("title", &n.title)?;
    if notice_title(&n.title) != n.title {
        return Err(refuse("title", "a byte-order mark at its start would be read as the file's"));
    }
    if n.incidents.is_empty() {
        return Err(refuse("incidents", "a notice has at least one incident"));
    }
    for (k, a) in n.audiences.iter().enumerate() {
        single_line(&format!("audience {}", k + 1), a.text())?;
    }
    if !n.audiences.is_empty() && audiences_of(&audience_sentence(&n.audiences)) != n.audiences {
        return Err(refuse(
            "audiences",
            "the sentence would read as other audiences (an empty one, « ou » inside one, a final '.', a known one written as another)",
        ));
    }
    single_line("sender", &n.sender)?;
    if n.sender == CLOSING || n.sender == APOLOGY || heading_of(&n.sender).is_some() {
        return Err(refuse("sender", "it would read as the closing, the apology or a heading"));
    }
    for (i, inc) in n.incidents.iter().enumerate() {
        for (k, s) in inc.sections().iter().enumerate() {
            let place = format!("incident {}, section {}", i + 1, k + 1);
            let titled = !s.title.is_empty();
            if !titled && (k > 0 || s.blocks.is_empty()) {
                return Err(refuse(place, "only a first section with text can be untitled"));
            }
            if titled {
                let line = format!("{} :", s.title);
                if section_title(&line) != Some(s.title.as_str()) {
                    return Err(refuse(place, "a section title is at most 78 characters and does not start with '•'"));
                }
                not_heading_nor_closing(&place, &line)?;
            }
            for (b, block) in s.blocks.iter().enumerate() {
                let place = format!("{place}, block {}", b + 1);
                if let Block::Paragraph(t) = block {
                    if t.is_empty() || t.starts_with('•') {
                        return Err(refuse(place, "an empty paragraph, or one starting with '•' (a bullet)"));
                    }
                    if b > 0 || !titled {
                        opens_paragraph(&place, t)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn audience_sentence(audiences: &[Audience]) -> String {
    let list: Vec<&str> = audiences.iter().map(Audience::text).collect();
    let list = list.join(" ou ");
    let elide = list.chars().next().is_some_and(|c| "aeiouyéèêàâîôûh".contains(c.to_ascii_lowercase()));
    format!("Vous recevez cette notification en tant {}{list}", if elide { "qu’" } else { "que " })
}

/// Where a paragraph that ends with ` :` is cut in two lines so that its first
/// line is not a section title: at its first single space between two
/// non-blank characters that leaves a first line that is not a title and a
/// second that does not start with `•` (it would start a bullet); the parser
/// joins the two lines with one space, giving the same text back.
fn unlike_title_cut(t: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = t.char_indices().collect();
    (1..chars.len().saturating_sub(1))
        .filter(|&k| chars[k].1 == ' ' && !chars[k - 1].1.is_whitespace() && !chars[k + 1].1.is_whitespace())
        .filter(|&k| chars[k + 1].1 != '•' && section_title(&t[..chars[k].0]).is_none())
        .map(|k| chars[k].0)
        .next()
}

fn write_unlike_title(s: &mut String, t: &str) {
    match unlike_title_cut(t) {
        Some(i) => {
            let _ = writeln!(s, "{}\n{}", &t[..i], &t[i + 1..]);
        }
        None => {
            let _ = writeln!(s, "{t}");
        }
    }
}

impl Notice {
    /// French plain text, that [`crate::parse::parse_notice`] reads back to
    /// this notice; or why it cannot be written ([`check`]).
    pub fn to_text(&self) -> Result<String, RenderError> {
        check(self)?;
        let mut s = String::new();
        let _ = writeln!(s, "{} :\n", self.title);
        for i in &self.incidents {
            let _ = writeln!(s, "{} ({})", i.title(), i.label().word());
        }
        let _ = writeln!(s, "\n{GREETING}\n");
        if !self.audiences.is_empty() {
            let _ = writeln!(s, "{}\n", audience_sentence(&self.audiences));
        }
        for i in &self.incidents {
            let _ = writeln!(s, "{} : {}\n", i.label().heading(), i.heading());
            for sec in i.sections() {
                // Only the first section can be untitled (text right after the heading).
                let titled = !sec.title.is_empty();
                if titled {
                    let _ = writeln!(s, "{} :", sec.title);
                }
                for (k, b) in sec.blocks.iter().enumerate() {
                    match b {
                        Block::Paragraph(t) => {
                            // A paragraph after another block starts after a blank
                            // line, or it would continue that block; starting a
                            // paragraph group, it must not read as a section title.
                            let opens_group = k > 0 || !titled;
                            if k > 0 {
                                s.push('\n');
                            }
                            if opens_group && section_title(t).is_some() {
                                write_unlike_title(&mut s, t);
                            } else {
                                let _ = writeln!(s, "{t}");
                            }
                        }
                        Block::Bullet(t) => {
                            let _ = writeln!(s, "• {t}");
                        }
                    }
                }
                s.push('\n');
            }
        }
        let _ = writeln!(s, "{APOLOGY}\n\n{CLOSING}\n\n{}", self.sender);
        Ok(s)
    }

    /// Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {}\n", self.title);
        let _ = writeln!(s, "*{}*\n", self.date.format("%d/%m/%Y"));
        for i in &self.incidents {
            let _ = writeln!(s, "- {} (**{}**)", i.title(), i.label().word());
        }
        let _ = writeln!(s, "\n{GREETING}\n");
        if !self.audiences.is_empty() {
            let _ = writeln!(s, "{}\n", audience_sentence(&self.audiences));
        }
        for i in &self.incidents {
            let _ = writeln!(s, "## {} : {}\n", i.label().heading(), i.heading());
            for sec in i.sections() {
                let _ = writeln!(s, "### {}\n", sec.title);
                for b in &sec.blocks {
                    match b {
                        Block::Paragraph(t) => {
                            let _ = writeln!(s, "{t}\n");
                        }
                        Block::Bullet(t) => {
                            let _ = writeln!(s, "- {t}");
                        }
                    }
                }
                if matches!(sec.blocks.last(), Some(Block::Bullet(_))) {
                    s.push('\n');
                }
            }
        }
        let _ = writeln!(s, "{APOLOGY}\n\n{CLOSING}\n\n{}", self.sender);
        s
    }
}
