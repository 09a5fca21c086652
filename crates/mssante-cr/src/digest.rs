//! Content digests: the SHA-256 that identifies a deposit and checks every
//! file of a state, as lower-case hex.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A writer that hashes everything written through it to `inner`.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter { inner, hash: Sha256::new() }
    }

    /// The SHA-256 of what was written, as lower-case hex.
    pub(crate) fn finish(self) -> String {
        hex(&self.hash.finalize())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 of a file, read in pieces.
pub(crate) fn sha256_file(path: &Path) -> io::Result<String> {
    let mut w = HashingWriter::new(io::sink());
    io::copy(&mut std::fs::File::open(path)?, &mut w)?;
    Ok(w.finish())
}
