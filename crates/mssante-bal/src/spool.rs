//! An append-only byte store read back at random: in memory up to a budget,
//! then in an anonymous temporary file (feature `spill`; without it, all in
//! memory). Holds the texts a streaming diff needs again later.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// Where a text sits in a [`Spool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    at: u64,
    len: u32,
}

pub(crate) struct Spool {
    mem: Vec<u8>,
    budget: usize,
    file: Option<io::BufWriter<std::fs::File>>,
    /// Bytes in the file.
    file_len: u64,
    /// A read moved the file's position away from its end.
    moved: bool,
}

impl Spool {
    pub(crate) fn new(budget: usize) -> Self {
        Spool { mem: Vec::new(), budget, file: None, file_len: 0, moved: false }
    }

    /// Stores `text`; texts over 4 GiB are cut (no line is that long: the
    /// reader refuses them first).
    pub(crate) fn put(&mut self, text: &[u8]) -> io::Result<Span> {
        let text = &text[..text.len().min(u32::MAX as usize)];
        let len = text.len() as u32;
        if self.file.is_none() && self.mem.len() + text.len() <= self.budget {
            let at = self.mem.len() as u64;
            self.mem.extend_from_slice(text);
            return Ok(Span { at, len });
        }
        if self.file.is_none() {
            match temp_file()? {
                Some(f) => self.file = Some(io::BufWriter::new(f)),
                None => {
                    // Built without `spill`: memory only.
                    let at = self.mem.len() as u64;
                    self.mem.extend_from_slice(text);
                    return Ok(Span { at, len });
                }
            }
        }
        let at = self.mem.len() as u64 + self.file_len;
        if let Some(f) = &mut self.file {
            if self.moved {
                // The buffer was flushed by the read that moved the position.
                f.get_mut().seek(SeekFrom::End(0))?;
                self.moved = false;
            }
            f.write_all(text)?;
        }
        self.file_len += u64::from(len);
        Ok(Span { at, len })
    }

    /// Reads a text back into `buf` (replacing its content).
    pub(crate) fn get(&mut self, span: Span, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        let mem = self.mem.len() as u64;
        if span.at < mem {
            let start = span.at as usize;
            buf.extend_from_slice(&self.mem[start..start + span.len as usize]);
            return Ok(());
        }
        let w = self.file.as_mut().ok_or_else(|| io::Error::other("spool: span past its end"))?;
        w.flush()?;
        let f = w.get_mut();
        f.seek(SeekFrom::Start(span.at - mem))?;
        self.moved = true;
        f.take(u64::from(span.len)).read_to_end(buf)?;
        if buf.len() != span.len as usize {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "spool: text cut short"));
        }
        Ok(())
    }
}

fn temp_file() -> io::Result<Option<std::fs::File>> {
    #[cfg(feature = "spill")]
    return tempfile::tempfile().map(Some);
    #[cfg(not(feature = "spill"))]
    return Ok(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_back_from_memory_and_file() {
        let mut s = Spool::new(10);
        let texts: Vec<Vec<u8>> = (0..20u8).map(|i| vec![b'a' + i; usize::from(i) + 1]).collect();
        let mut spans: Vec<Span> = texts.iter().map(|t| s.put(t).unwrap()).collect();
        let mut buf = Vec::new();
        for (t, sp) in texts.iter().zip(&spans).rev() {
            s.get(*sp, &mut buf).unwrap();
            assert_eq!(&buf, t);
        }
        // Writing after reading appends.
        spans.push(s.put(b"last").unwrap());
        s.get(spans[3], &mut buf).unwrap();
        assert_eq!(buf, texts[3]);
        s.get(spans[20], &mut buf).unwrap();
        assert_eq!(buf, b"last");
        #[cfg(feature = "spill")]
        assert!(s.file_len > 0, "past the budget, texts went to the file");
    }
}
