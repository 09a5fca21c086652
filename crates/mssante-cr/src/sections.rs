//! The sectioned `|` table both reports are written in (`docs/formats/cr.md`).
//!
//! ```text
//! #CR-DEPOT v1          magic line: report kind and version
//! #DEPOT                a section
//! Fichier|Operateur|…   its header line
//! BALMSS_…|OPE-…|…      rows, as many fields as the header
//! #MOTIFS               the next section
//! ```
//!
//! Values are escaped so that any string survives: `\` → `\\`, `|` → `\p`,
//! LF → `\n`, CR → `\r`, `#` → `\#`. Columns are found by name (matched like
//! BAL file headers: trimmed, case- and accent-insensitive), so their order is
//! free and unknown columns are ignored.

use crate::error::Error;
use mssante_bal::layout::fold_header;

/// Escapes one value.
pub fn escape(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\p"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '#' => out.push_str("\\#"),
            c => out.push(c),
        }
    }
}

/// Reverses [`escape`].
pub fn unescape(v: &str) -> Result<String, &'static str> {
    if !v.contains('\\') {
        return Ok(v.to_owned());
    }
    let mut out = String::with_capacity(v.len());
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => out.push('\\'),
            Some('p') => out.push('|'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('#') => out.push('#'),
            _ => return Err("unknown escape sequence"),
        }
    }
    Ok(out)
}

/// Writes a sectioned document, into a string or, in pieces, into an
/// [`std::io::Write`] (so that a report of a million lines is never held
/// whole in memory).
#[derive(Default)]
pub struct DocWriter<'a> {
    out: String,
    width: usize,
    sink: Option<Box<dyn std::io::Write + 'a>>,
    error: Option<std::io::Error>,
}

impl std::fmt::Debug for DocWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocWriter").field("buffered", &self.out.len()).field("streaming", &self.sink.is_some()).finish()
    }
}

/// How much a streaming writer buffers before it writes.
const SPILL: usize = 1 << 16;

impl<'a> DocWriter<'a> {
    /// Starts a document with its magic line (`#CR-DEPOT v1`).
    pub fn new(magic: &str) -> Self {
        DocWriter { out: format!("#{magic}\n"), ..DocWriter::default() }
    }

    /// Starts a document written into `sink` as it grows.
    pub fn streaming(magic: &str, sink: impl std::io::Write + 'a) -> Self {
        DocWriter { out: format!("#{magic}\n"), sink: Some(Box::new(sink)), ..DocWriter::default() }
    }

    /// Rows of a section of `width` columns, written into `sink` as they
    /// come, without magic line or section header (to be copied into a
    /// document later with [`DocWriter::copy_rows`]).
    pub fn rows_only(width: usize, sink: impl std::io::Write + 'a) -> Self {
        DocWriter { width, sink: Some(Box::new(sink)), ..DocWriter::default() }
    }

    /// Copies rows written by a [`DocWriter::rows_only`] writer into the
    /// current section.
    pub fn copy_rows(&mut self, rows: &mut dyn std::io::Read) -> std::io::Result<()> {
        self.spill();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match self.sink.as_mut() {
            Some(sink) => std::io::copy(rows, sink).map(|_| ()),
            None => {
                let mut text = String::new();
                rows.read_to_string(&mut text)?;
                self.out.push_str(&text);
                Ok(())
            }
        }
    }

    fn spill(&mut self) {
        if let Some(sink) = self.sink.as_mut()
            && self.error.is_none()
        {
            if let Err(e) = sink.write_all(self.out.as_bytes()) {
                self.error = Some(e);
            }
            self.out.clear();
        }
    }

    /// Starts a section with its header line.
    pub fn section(&mut self, name: &str, columns: &[&str]) {
        self.out.push('#');
        self.out.push_str(name);
        self.out.push('\n');
        self.out.push_str(&columns.join("|"));
        self.out.push('\n');
        self.width = columns.len();
    }

    /// Writes one row; it must have as many values as the section's header.
    pub fn row<S: AsRef<str>>(&mut self, values: &[S]) {
        debug_assert_eq!(values.len(), self.width);
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push('|');
            }
            escape(v.as_ref(), &mut self.out);
        }
        self.out.push('\n');
        if self.out.len() >= SPILL {
            self.spill();
        }
    }

    /// The document (what is left of it, when streaming).
    pub fn finish(self) -> String {
        self.out
    }

    /// Writes what is left into the sink and flushes it.
    pub fn finish_streaming(mut self) -> std::io::Result<()> {
        self.spill();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match self.sink.as_mut() {
            Some(sink) => sink.flush(),
            None => Ok(()),
        }
    }
}

/// One row of a parsed section.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line in the document.
    pub line: u64,
    values: Vec<String>,
}

/// A parsed section.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its name (after `#`).
    pub name: String,
    /// 1-based line of the `#NAME` line.
    pub line: u64,
    columns: Vec<String>,
    /// Its rows.
    pub rows: Vec<Row>,
}

/// A column located in a section.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    index: Option<usize>,
    name: &'static str,
}

impl Section {
    /// The index of a required column.
    pub fn col(&self, name: &'static str) -> Result<Col, Error> {
        let c = self.opt_col(name);
        if c.index.is_none() {
            return Err(Error::report(self.line + 1, Some(name), format!("section {} lacks this column", self.name)));
        }
        Ok(c)
    }

    /// An optional column (reads as empty when absent).
    pub fn opt_col(&self, name: &'static str) -> Col {
        let want = fold_header(name);
        Col { index: self.columns.iter().position(|c| fold_header(c) == want), name }
    }
}

impl Row {
    /// The value of a column (empty when the column is absent).
    pub fn get(&self, c: Col) -> &str {
        c.index.and_then(|i| self.values.get(i)).map_or("", String::as_str)
    }

    /// Parses a value, with the row's position in the error.
    pub fn parse<T>(&self, c: Col, f: impl FnOnce(&str) -> Option<T>) -> Result<T, Error> {
        let v = self.get(c);
        f(v).ok_or_else(|| Error::report(self.line, Some(c.name), format!("unexpected value {v:?}")))
    }

    /// Parses a value that may be empty.
    pub fn parse_opt<T>(&self, c: Col, f: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>, Error> {
        if self.get(c).is_empty() { Ok(None) } else { self.parse(c, f).map(Some) }
    }
}

/// A parsed document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The magic line without its `#`.
    pub magic: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

impl Document {
    /// Parses a document. A leading BOM and CRLF line ends are tolerated; blank
    /// lines are ignored.
    pub fn parse(text: &str) -> Result<Document, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split('\n').enumerate().map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)));
        let magic = match lines.next() {
            Some((_, l)) if l.starts_with('#') => l[1..].to_owned(),
            _ => return Err(Error::report(1, None, "not a report: the first line must start with '#'")),
        };
        let mut sections: Vec<Section> = Vec::new();
        let mut want_header = false;
        for (n, l) in lines {
            if l.is_empty() {
                continue;
            }
            if let Some(name) = l.strip_prefix('#') {
                if want_header {
                    return Err(Error::report(n, None, "a section has no header line"));
                }
                sections.push(Section { name: name.to_owned(), line: n, columns: Vec::new(), rows: Vec::new() });
                want_header = true;
                continue;
            }
            let Some(s) = sections.last_mut() else {
                return Err(Error::report(n, None, "a row before any section"));
            };
            if want_header {
                s.columns = l.split('|').map(str::to_owned).collect();
                want_header = false;
                continue;
            }
            let values = l
                .split('|')
                .map(|v| unescape(v).map_err(|m| Error::report(n, None, m)))
                .collect::<Result<Vec<_>, _>>()?;
            if values.len() != s.columns.len() {
                return Err(Error::report(
                    n,
                    None,
                    format!("{} fields where the header of section {} has {}", values.len(), s.name, s.columns.len()),
                ));
            }
            s.rows.push(Row { line: n, values });
        }
        if want_header {
            return Err(Error::report(sections.last().map_or(1, |s| s.line), None, "a section has no header line"));
        }
        Ok(Document { magic, sections })
    }

    /// The section of that name; an error when absent.
    pub fn section(&self, name: &str) -> Result<&Section, Error> {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::report(1, None, format!("section #{name} is missing")))
    }

    /// The section of that name, if present.
    pub fn opt_section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_awkward_values() {
        for v in ["", "a|b", "\\p", "#x", "l1\nl2\r", "é\\#|"] {
            let mut s = String::new();
            escape(v, &mut s);
            assert!(!s.contains(['|', '\n', '\r']), "{s:?}");
            assert_eq!(unescape(&s).unwrap(), v);
        }
        assert!(unescape("\\q").is_err());
    }

    #[test]
    fn columns_by_name_in_any_order() {
        let d = Document::parse("#X v1\n#S\nB|A\n2|1\n").unwrap();
        let s = d.section("S").unwrap();
        assert_eq!(s.rows[0].get(s.col("a").unwrap()), "1");
        assert!(s.col("C").is_err());
        assert!(Document::parse("#X\n#S\nA|B\n1\n").is_err());
        assert!(Document::parse("#X\n#S\n").is_err());
    }
}
