//! The extraction as ANS publishes it: `Extraction_Correspondance_MSSante_AAAAMMJJhhmm.zip`
//! (≈ 20 MB) holding one `.txt` (≈ 89 MB), read straight from the ZIP —
//! streaming decompression, no temporary file.
//!
//! A ZIP is refused with a clear [`Error`] when it is not one, holds zero or
//! several entries, or when its entry is bigger than the stated limit (a zip
//! bomb): by its declared size before anything is inflated, and again while
//! inflating, since a declared size can lie.
//!
//! ```
//! use std::io::Write;
//! use mssante_bal::archive::{Archive, DEFAULT_MAX_ENTRY};
//! use mssante_bal::{check::Checker, Format, Rules};
//! // A ZIP as ANS would publish it.
//! let text = format!("{}\nPER|a@exemple.mssante.fr|8|10000000009|810000000009{}\n", Format::Extraction.header(), "|".repeat(26));
//! let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
//! zip.start_file("Extraction_Correspondance_MSSante_202608260820.txt", zip::write::SimpleFileOptions::default()).unwrap();
//! zip.write_all(text.as_bytes()).unwrap();
//! let bytes = zip.finish().unwrap().into_inner();
//!
//! let mut archive = Archive::open(std::io::Cursor::new(bytes), DEFAULT_MAX_ENTRY).unwrap();
//! assert_eq!(archive.snapshot().unwrap().to_string(), "2026-08-26 08:20:00");
//! let summary = Checker::new(Format::Extraction, Rules::default()).check_reader(archive.reader().unwrap()).unwrap();
//! assert_eq!(summary.records_valid(), 1);
//! ```

use crate::error::Error;
use chrono::NaiveDateTime;
use std::io::{self, Read, Seek};

/// Default limit of the entry's uncompressed size: 4 GiB, forty times the
/// national file of 2026.
pub const DEFAULT_MAX_ENTRY: u64 = 4 << 30;

/// True when `head` (the first bytes of a file) starts like a ZIP archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// The snapshot time in a published name, `Extraction_Correspondance_MSSante_AAAAMMJJhhmm`
/// followed by `.zip` or `.txt` (French local time, as written). `None` for
/// any other name, such as the data.gouv.fr mirror's.
///
/// ```
/// use mssante_bal::archive::snapshot_of;
/// assert_eq!(snapshot_of("Extraction_Correspondance_MSSante_201808130820.zip").unwrap().to_string(), "2018-08-13 08:20:00");
/// assert_eq!(snapshot_of("extraction-correspondance-mssante.txt"), None);
/// assert_eq!(snapshot_of("Extraction_Correspondance_MSSante_202613010000.zip"), None, "no 13th month");
/// ```
pub fn snapshot_of(name: &str) -> Option<NaiveDateTime> {
    let stem = name.strip_prefix("Extraction_Correspondance_MSSante_")?;
    let stamp = stem.strip_suffix(".zip").or_else(|| stem.strip_suffix(".txt"))?;
    if stamp.len() != 12 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M").ok()
}

/// A published ZIP whose single entry was checked: read it with
/// [`Archive::reader`], as many times as needed.
pub struct Archive<R> {
    zip: zip::ZipArchive<R>,
    name: String,
    size: u64,
    max: u64,
}

impl<R> std::fmt::Debug for Archive<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("entry", &self.name).field("size", &self.size).finish_non_exhaustive()
    }
}

fn unusable(reason: impl Into<String>) -> Error {
    Error::Zip { reason: reason.into() }
}

impl<R: Read + Seek> Archive<R> {
    /// Reads the central directory and checks the entry: exactly one, a file,
    /// stored or deflated, declared no bigger than `max_entry` bytes.
    pub fn open(r: R, max_entry: u64) -> Result<Self, Error> {
        let mut zip = zip::ZipArchive::new(r).map_err(|e| unusable(format!("not a readable ZIP archive: {e}")))?;
        match zip.len() {
            1 => {}
            0 => return Err(Error::ZipEntries { entries: 0 }),
            n => return Err(Error::ZipEntries { entries: n }),
        }
        let (name, size) = {
            let entry = zip.by_index(0).map_err(|e| unusable(format!("its entry cannot be read: {e}")))?;
            if entry.is_dir() {
                return Err(unusable("its only entry is a folder"));
            }
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            (name, entry.size())
        };
        if size > max_entry {
            return Err(Error::ZipTooBig { entry: name, size, max: max_entry });
        }
        Ok(Archive { zip, name, size, max: max_entry })
    }

    /// The entry's name (`Extraction_Correspondance_MSSante_AAAAMMJJhhmm.txt`).
    pub fn entry_name(&self) -> &str {
        &self.name
    }

    /// The entry's uncompressed size, as the ZIP declares it.
    pub fn entry_size(&self) -> u64 {
        self.size
    }

    /// The snapshot time in the entry's name ([`snapshot_of`]).
    pub fn snapshot(&self) -> Option<NaiveDateTime> {
        snapshot_of(&self.name)
    }

    /// The entry's text, inflated as it is read. Reading fails with an I/O
    /// error past the limit, whatever the ZIP declares, and when the data does
    /// not match its CRC.
    pub fn reader(&mut self) -> Result<impl Read + '_, Error> {
        let (name, max) = (self.name.clone(), self.max);
        let entry = self.zip.by_index(0).map_err(|e| unusable(format!("its entry cannot be read: {e}")))?;
        Ok(Limited { inner: entry, left: max, name, max })
    }
}

/// Fails a read past `max` bytes.
struct Limited<R> {
    inner: R,
    left: u64,
    name: String,
    max: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One more byte tells a file of exactly `max` bytes from a bigger one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "ZIP entry {:?} inflates beyond the limit of {} bytes (a zip bomb?)",
                    self.name, self.max
                ))),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> crate::source::Source for Archive<R> {
    fn open(&mut self) -> Result<Box<dyn Read + '_>, Error> {
        Ok(Box::new(self.reader()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip_of(name: &str, data: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file(name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        z.write_all(data).unwrap();
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn an_entry_declared_small_that_inflates_big_stops_at_the_limit() {
        let data = vec![b'a'; 100_000];
        let mut bytes = zip_of("x.txt", &data, zip::CompressionMethod::Deflated);
        // Declare 10 bytes uncompressed in the local header (offset 22) and the
        // central directory entry (offset 24 after its signature).
        let patch = |bytes: &mut Vec<u8>, sig: &[u8; 4], field: usize| {
            let at = bytes.windows(4).position(|w| w == sig).unwrap();
            bytes[at + field..at + field + 4].copy_from_slice(&10u32.to_le_bytes());
        };
        patch(&mut bytes, b"PK\x03\x04", 22);
        patch(&mut bytes, b"PK\x01\x02", 24);
        let mut a = Archive::open(Cursor::new(bytes), 1000).expect("declared 10 bytes: under the limit");
        assert_eq!(a.entry_size(), 10);
        let mut out = Vec::new();
        let e = a.reader().unwrap().read_to_end(&mut out).unwrap_err();
        assert!(out.len() <= 1000, "never more than the limit: {}", out.len());
        // The zip crate stops at the declared size; our limit would stop it
        // past 1,000 bytes otherwise.
        let e = e.to_string();
        assert!(e.contains("declared uncompressed size") || e.contains("beyond the limit"), "{e}");
    }

    #[test]
    fn an_entry_declared_over_the_limit_is_refused_before_inflating() {
        let bytes = zip_of("x.txt", &[b'a'; 5000], zip::CompressionMethod::Deflated);
        match Archive::open(Cursor::new(bytes), 4999) {
            Err(Error::ZipTooBig { size: 5000, max: 4999, .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exactly_the_limit_reads_whole() {
        let data = vec![b'z'; 4096];
        let mut a = Archive::open(Cursor::new(zip_of("x.txt", &data, zip::CompressionMethod::Stored)), 4096).unwrap();
        let mut out = Vec::new();
        a.reader().unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
    }
}
