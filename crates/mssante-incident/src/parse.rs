//! Reading a notice text back into a [`Notice`].
//!
//! The text is read by its layout (see `shared/domain/incidents.md` §1): a
//! title line ending with ` :`, a summary line per incident ending with its
//! label in parentheses (lines may be wrapped), the greeting, the audience
//! sentence, then for each incident a heading `Incident clos : …` /
//! `Nouvel incident : …` / `Incident en cours : …` and sections whose first
//! line ends with ` :`, bullets `•`; then the apology, `Cordialement,` and the
//! signature. Hard line wraps are joined with a space.
//!
//! ```
//! use mssante_incident::parse::parse_notice;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/incidents-mssante-2020-12.txt")).unwrap();
//! let notice = parse_notice(&text, None).unwrap();
//! assert_eq!(notice.incidents.len(), 2);
//! assert_eq!(notice.date.to_string(), "2020-12-11");
//! ```

use crate::date::find_all;
use crate::error::IncidentCode;
use crate::model::{Block, Incident, Label, Notice, Section, is_line_break, number_repeats};
use crate::wording::{
    APOLOGY, APOLOGY_START, CLOSING, GREETING, audiences_of, heading_of, notice_title, section_title,
};
use chrono::NaiveDate;

pub use crate::error::ParseError;

fn err(line: usize, code: IncidentCode, message: impl Into<String>) -> ParseError {
    ParseError { line, code, message: message.into() }
}

struct Para<'a> {
    line: usize,
    lines: Vec<&'a str>,
}

/// Paragraphs: runs of non-blank lines. Besides `\n` (and `\r\n`), the other
/// characters that end a line ([`crate::model::is_line_break`]) end one here
/// too, so that no text read from a notice holds a line break.
fn paragraphs(text: &str) -> Vec<Para<'_>> {
    let mut out: Vec<Para<'_>> = Vec::new();
    let mut current: Option<Para<'_>> = None;
    for (i, raw) in text.lines().enumerate() {
        for piece in raw.split(is_line_break) {
            let l = piece.trim_end();
            if l.trim().is_empty() {
                out.extend(current.take());
                continue;
            }
            current.get_or_insert_with(|| Para { line: i + 1, lines: Vec::new() }).lines.push(l);
        }
    }
    out.extend(current);
    out
}

fn label_of_summary(s: &str) -> Option<(String, Label)> {
    let s = s.trim_end();
    for l in Label::ALL {
        if let Some(t) = s.strip_suffix(&format!("({})", l.word())) {
            return Some((t.trim_end().to_owned(), l));
        }
    }
    None
}

fn push_lines(blocks: &mut Vec<Block>, lines: &[&str]) {
    let mut current: Option<Block> = None;
    for l in lines {
        let l = l.trim();
        if let Some(b) = l.strip_prefix('•') {
            blocks.extend(current.take());
            current = Some(Block::Bullet(b.trim().to_owned()));
        } else {
            match &mut current {
                Some(Block::Paragraph(t)) | Some(Block::Bullet(t)) => {
                    if !t.is_empty() {
                        t.push(' ');
                    }
                    t.push_str(l);
                }
                None => current = Some(Block::Paragraph(l.to_owned())),
            }
        }
    }
    blocks.extend(current);
}

/// Parses a notice. `date` is the date it was sent; when `None` it is inferred
/// as the latest date written with its year (in the December 2020 notice, the
/// 11th), and the text must hold one.
pub fn parse_notice(text: &str, date: Option<NaiveDate>) -> Result<Notice, ParseError> {
    let text = text.trim_start_matches('\u{feff}');
    let paras = paragraphs(text);
    let mut it = paras.iter().peekable();
    let first = it.next().ok_or_else(|| err(1, IncidentCode::Empty, "empty text"))?;
    let title = notice_title(
        first.lines[0]
            .strip_suffix(" :")
            .or_else(|| first.lines[0].strip_suffix(':'))
            .ok_or_else(|| err(first.line, IncidentCode::Title, "the first line must be a title ending with ' :'"))?,
    )
    .to_owned();
    // Summary: the rest of the first paragraph and the paragraphs up to the greeting.
    // When the greeting comes before the first heading (a summary line, which
    // ends with its label, is not one), everything before it is the summary: a
    // title may start like the audience sentence. Without a greeting there,
    // the summary ends at the audience sentence or the first heading.
    let greeting_ahead = paras[1..]
        .iter()
        .take_while(|p| !(heading_of(p.lines[0]).is_some() && label_of_summary(p.lines[0].trim()).is_none()))
        .any(|p| p.lines[0].trim() == GREETING);
    let mut summary_lines: Vec<&str> = first.lines[1..].to_vec();
    while let Some(p) = it.peek() {
        let ends = if greeting_ahead {
            p.lines[0].trim() == GREETING
        } else {
            p.lines[0].starts_with("Vous recevez") || heading_of(p.lines[0]).is_some()
        };
        if ends {
            break;
        }
        summary_lines.extend(&p.lines);
        it.next();
    }
    let mut summary = Vec::new();
    let mut pending = String::new();
    for l in summary_lines {
        if !pending.is_empty() {
            pending.push(' ');
        }
        pending.push_str(l.trim());
        if let Some(entry) = label_of_summary(&pending) {
            summary.push(entry);
            pending.clear();
        }
    }
    if it.peek().is_some_and(|p| p.lines[0].trim() == GREETING) {
        it.next();
    }
    let mut audiences = Vec::new();
    if let Some(p) = it.peek()
        && p.lines[0].starts_with("Vous recevez")
    {
        let sentence = p.lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        audiences = audiences_of(&sentence);
        it.next();
    }
    // Incidents.
    struct Raw {
        label: Label,
        heading: String,
        sections: Vec<Section>,
    }
    let mut raws: Vec<Raw> = Vec::new();
    let mut trailer: Vec<&Para<'_>> = Vec::new();
    for p in it {
        let joined = p.lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        if let Some((label, heading)) = heading_of(&joined) {
            raws.push(Raw { label, heading, sections: Vec::new() });
            continue;
        }
        if joined.starts_with(APOLOGY_START) || !trailer.is_empty() {
            trailer.push(p);
            continue;
        }
        let Some(raw) = raws.last_mut() else {
            return Err(err(
                p.line,
                IncidentCode::BeforeHeading,
                "text before the first incident heading (Incident clos : …, Nouvel incident : …)",
            ));
        };
        match section_title(p.lines[0]) {
            Some(t) => {
                let mut blocks = Vec::new();
                push_lines(&mut blocks, &p.lines[1..]);
                raw.sections.push(Section { title: t.to_owned(), blocks });
            }
            None => match raw.sections.last_mut() {
                Some(s) => push_lines(&mut s.blocks, &p.lines),
                None => {
                    let mut blocks = Vec::new();
                    push_lines(&mut blocks, &p.lines);
                    raw.sections.push(Section { title: String::new(), blocks });
                }
            },
        }
    }
    if raws.is_empty() {
        return Err(err(paras.last().map_or(1, |p| p.line), IncidentCode::NoIncident, "no incident heading"));
    }
    let sender = trailer
        .iter()
        .rev()
        .map(|p| p.lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "))
        .find(|t| t != CLOSING && t != APOLOGY)
        .unwrap_or_default();
    let date = match date {
        Some(d) => d,
        None => find_all(text)
            .iter()
            .flat_map(|f| match &f.when {
                crate::date::When::Day { date }
                | crate::date::When::DayAt { date, .. }
                | crate::date::When::Since { date }
                | crate::date::When::From { date } => {
                    vec![*date]
                }
                crate::date::When::AllOf { dates } | crate::date::When::AnyOf { dates } => dates.clone(),
                crate::date::When::Range { from, to } => vec![*from, *to],
                crate::date::When::WeekOf { date } => vec![*date],
                crate::date::When::Time { .. } => Vec::new(),
            })
            .filter(|d| d.year.is_some())
            .filter_map(|d| d.resolve(NaiveDate::MIN))
            .max()
            .ok_or_else(|| err(1, IncidentCode::NoDate, "no date with a year in the text: give the notice date"))?,
    };
    let mut incidents: Vec<Incident> = raws
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let title = summary.get(n).map(|(t, _)| t.clone()).unwrap_or_else(|| r.heading.clone());
            Incident::new(r.label, title, r.heading, r.sections, date)
        })
        .collect();
    number_repeats(&mut incidents);
    Ok(Notice { title, date, audiences, incidents, sender })
}
