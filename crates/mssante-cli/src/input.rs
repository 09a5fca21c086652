//! An extraction or feed as given: a text file, stdin, or the ZIP ANS publishes
//! (recognised by its first bytes, read in place).

use crate::files;
use mssante_bal::Error;
use mssante_bal::archive::{Archive, is_zip, snapshot_of};
use mssante_bal::source::Source;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// An opened input.
pub enum Input {
    /// A text file.
    Text(File),
    /// Standard input or a pipe (`<(zcat …)`): read once.
    Stream(Option<BufReader<Box<dyn Read + Send>>>),
    /// A ZIP whose single entry was checked.
    Zip(Box<Archive<File>>),
}

impl Input {
    /// Opens `path` (`-`: stdin); a ZIP is checked against `max_entry` bytes.
    pub fn open(path: &Path, max_entry: u64) -> anyhow::Result<Input> {
        let stream: Box<dyn Read + Send> = if files::is_stdin(path) {
            Box::new(std::io::stdin())
        } else {
            let file = File::open(path).map_err(|e| files::about(path, e))?;
            if file.metadata().map(|m| m.is_file()).unwrap_or(false) {
                return Self::file(path, file, max_entry);
            }
            Box::new(file)
        };
        // Stdin or a pipe (`<(zcat …)`): read once, from its start.
        let mut r = BufReader::with_capacity(1 << 16, stream);
        let head = r.fill_buf().map_err(|e| files::about(path, e))?;
        if is_zip(head) {
            return Err(files::about(
                path,
                anyhow::anyhow!(
                    "une archive ZIP se lit depuis un fichier, pas d'un flux (son répertoire est à la fin)"
                ),
            ));
        }
        Ok(Input::Stream(Some(r)))
    }

    /// A regular file: a ZIP or a text.
    fn file(path: &Path, mut file: File, max_entry: u64) -> anyhow::Result<Input> {
        let mut head = [0u8; 4];
        let n = file.read(&mut head).map_err(|e| files::about(path, e))?;
        if is_zip(&head[..n]) {
            let archive = Archive::open(file, max_entry).map_err(|e| files::about(path, e))?;
            return Ok(Input::Zip(Box::new(archive)));
        }
        Ok(Input::Text(file))
    }

    /// The snapshot time in the ZIP entry's name or in the file's name.
    pub fn snapshot(&self, path: &Path) -> Option<chrono::NaiveDateTime> {
        match self {
            Input::Zip(a) => a.snapshot(),
            _ => None,
        }
        .or_else(|| path.file_name().and_then(|n| n.to_str()).and_then(snapshot_of))
    }

    /// The ZIP entry read, for a ZIP.
    pub fn zip_entry(&self) -> Option<&str> {
        match self {
            Input::Zip(a) => Some(a.entry_name()),
            _ => None,
        }
    }

    /// The bytes to read, when known (the ZIP's declared entry size).
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Text(f) => f.metadata().ok().map(|m| m.len()),
            Input::Stream(_) => None,
            Input::Zip(a) => Some(a.entry_size()),
        }
    }
}

impl Source for Input {
    fn open(&mut self) -> Result<Box<dyn Read + '_>, Error> {
        match self {
            Input::Text(f) => f.open(),
            Input::Zip(a) => a.open(),
            Input::Stream(s) => match s.take() {
                Some(r) => Ok(Box::new(r)),
                None => Err(Error::Io {
                    byte: 0,
                    source: std::io::Error::other("a stream (stdin, a pipe) can be read only once: give a file"),
                }),
            },
        }
    }
}
