//! Rendering a notice as French text (the structure of the ANS notices) and
//! as Markdown. Both are deterministic; the text parses back
//! ([`crate::parse::parse_notice`]) to the same notice.

use crate::model::{Audience, Block, Notice};
use crate::wording::section_title;
pub use crate::wording::{APOLOGY, CLOSING, GREETING};
use std::fmt::Write as _;

fn audience_sentence(audiences: &[Audience]) -> String {
    let list: Vec<&str> = audiences.iter().map(Audience::text).collect();
    let list = list.join(" ou ");
    let elide = list.chars().next().is_some_and(|c| "aeiouyéèêàâîôûh".contains(c.to_ascii_lowercase()));
    format!("Vous recevez cette notification en tant {}{list}", if elide { "qu’" } else { "que " })
}

/// Writes a paragraph that ends with ` :` on two lines, cut at a single space,
/// so that its first line does not read as a section title; the parser joins
/// the two lines with one space, giving the same text back.
fn write_unlike_title(s: &mut String, t: &str) {
    let b = t.as_bytes();
    let cut = (1..b.len().saturating_sub(1)).rev().find(|&i| b[i] == b' ' && b[i - 1] != b' ' && b[i + 1] != b' ');
    match cut {
        Some(i) => {
            let _ = writeln!(s, "{}\n{}", &t[..i], &t[i + 1..]);
        }
        None => {
            let _ = writeln!(s, "{t}");
        }
    }
}

impl Notice {
    /// French plain text.
    pub fn to_text(&self) -> String {
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
        s
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
