//! Writing extraction and feed files.
//!
//! A [`Writer`] writes the header of a [`Layout`] then records. Records read from
//! a file are written back byte for byte: the header as spelled, each line's own
//! terminator, the BOM when asked for.
//!
//! ```
//! use mssante_bal::{Format, Item, Reader, Writer};
//! let input = format!("{}\nPER|a@x.mssante.fr|8|10000000009|810000000009{}\n", Format::Extraction.header(), "|".repeat(26));
//! let mut r = Reader::new(input.as_bytes(), Format::Extraction).unwrap();
//! let mut out = Vec::new();
//! let mut w = Writer::for_reader(&mut out, &r).unwrap();
//! while let Some(Item::Record(rec)) = r.next_item().unwrap() {
//!     w.write_raw(&rec).unwrap();
//! }
//! drop(w);
//! assert_eq!(out, input.as_bytes());
//! ```

use crate::error::Error;
use crate::layout::{Format, Layout, Slot};
use crate::model::bal::Bal;
use crate::reader::{RawRecord, Reader, Terminator};
use std::io::Write;

/// Writes `|`-separated records under a header.
pub struct Writer<W: Write> {
    inner: W,
    layout: Layout,
    terminator: Terminator,
    written: u64,
}

impl<W: Write> Writer<W> {
    /// Writes the canonical header of `format`, LF line endings, no BOM.
    pub fn new(inner: W, format: Format) -> Result<Self, Error> {
        Self::with_layout(inner, Layout::canonical(format), Terminator::Lf, false)
    }

    /// Writes the header of `layout` as spelled, with the given line terminator for
    /// the header and for records that carry none, and a BOM when `bom`.
    pub fn with_layout(inner: W, layout: Layout, terminator: Terminator, bom: bool) -> Result<Self, Error> {
        let mut w = Writer { inner, layout, terminator, written: 0 };
        if bom {
            w.put(b"\xEF\xBB\xBF")?;
        }
        let header = w.layout.header_line();
        w.put(header.as_bytes())?;
        w.put(terminator.as_bytes())?;
        Ok(w)
    }

    /// Mirrors a reader: same header spelling, header terminator and BOM.
    pub fn for_reader<R>(inner: W, reader: &Reader<R>) -> Result<Self, Error>
    where
        R: std::io::Read,
    {
        Self::with_layout(inner, reader.layout().clone(), reader.header_terminator(), reader.had_bom())
    }

    fn put(&mut self, b: &[u8]) -> Result<(), Error> {
        self.inner.write_all(b).map_err(|source| Error::Io { byte: self.written, source })?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn default_terminator(&self) -> &'static [u8] {
        match self.terminator {
            Terminator::None => b"\n",
            t => t.as_bytes(),
        }
    }

    /// Writes a raw record exactly as read, with its own terminator.
    pub fn write_raw(&mut self, rec: &RawRecord<'_>) -> Result<(), Error> {
        self.put(rec.line().as_bytes())?;
        self.put(rec.terminator.as_bytes())
    }

    /// Writes fields in layout order, refusing a value with `|`, CR or LF.
    pub fn write_fields<'s>(&mut self, fields: impl IntoIterator<Item = &'s str>) -> Result<(), Error> {
        for (i, f) in fields.into_iter().enumerate() {
            if f.contains(['|', '\r', '\n']) {
                return Err(Error::Unwritable {
                    column: self.layout.name(i).unwrap_or("?").to_owned(),
                    reason: "the value holds a separator or a line break",
                });
            }
            if i > 0 {
                self.put(b"|")?;
            }
            self.put(f.as_bytes())?;
        }
        let t = self.default_terminator();
        self.put(t)
    }

    /// Writes a BAL in layout order. A BAL read from a file keeps its original
    /// terminator, so an unmodified file is reproduced byte for byte.
    pub fn write_bal(&mut self, bal: &Bal<'_>) -> Result<(), Error> {
        let mut extra = bal.extra().iter();
        for i in 0..self.layout.len() {
            if i > 0 {
                self.put(b"|")?;
            }
            let v: &str = match self.layout.slot(i) {
                Some(Slot::Known(c)) => bal.field(*c),
                _ => extra.next().map(|c| c.as_ref()).unwrap_or(""),
            };
            self.put(v.as_bytes())?;
        }
        match bal.terminator() {
            Some(t) => self.put(t.as_bytes()),
            None => {
                let t = self.default_terminator();
                self.put(t)
            }
        }
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(mut self) -> Result<W, Error> {
        self.inner.flush().map_err(|source| Error::Io { byte: self.written, source })?;
        Ok(self.inner)
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }
}
