//! Counting distinct addresses in bounded memory.
//!
//! Each address is reduced to a 128-bit fingerprint of its key
//! ([`mssante_types::identity::address_key`]: local part in lower case, domain
//! in its IDNA ASCII form) (two
//! 64-bit multiply-rotate hashes with different constants; for well-mixed
//! 128-bit values a collision among a million addresses has a probability near
//! 10⁻²⁷). The hash is fast, not cryptographic: crafted collisions are possible. Fingerprints are buffered up to a budget, then sorted,
//! deduplicated and spilled to a temporary file as a sorted run; the count is a
//! merge of the runs. Memory stays at the budget whatever the input size.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
#[cfg(feature = "spill")]
use std::io::{BufWriter, Write};

/// Default number of fingerprints held in memory (8 MiB).
pub const DEFAULT_BUDGET: usize = 1 << 19;

/// The fingerprint of an address's key: two addresses with the same key
/// ([`mssante_types::identity`]) have the same fingerprint.
pub fn fingerprint(address: &str) -> u128 {
    if address.is_ascii() {
        fingerprint_ascii_lower(address)
    } else {
        hash_key(mssante_types::identity::address_key(address).as_bytes())
    }
}

/// The fingerprint of bytes taken as they are (an already-built key).
pub(crate) fn hash_key(key: &[u8]) -> u128 {
    let mut f = Fingerprint::new();
    f.write(key);
    f.finish()
}

/// [`hash_key`] of the ASCII lower case of `s`, without allocating (chunks of
/// 256 bytes, a multiple of the 8-byte word: the same value as one write).
fn fingerprint_ascii_lower(address: &str) -> u128 {
    let mut f = Fingerprint::new();
    let mut buf = [0u8; 256];
    for part in address.as_bytes().chunks(buf.len()) {
        for (d, s) in buf.iter_mut().zip(part) {
            *d = s.to_ascii_lowercase();
        }
        f.write(&buf[..part.len()]);
    }
    f.finish()
}

/// Two [`Mix`] hashes with different constants: a 128-bit fingerprint.
pub(crate) struct Fingerprint {
    a: Mix,
    b: Mix,
}

impl Fingerprint {
    pub(crate) fn new() -> Self {
        Fingerprint {
            a: Mix::new(0x9E37_79B9_7F4A_7C15, 0, 29),
            b: Mix::new(0xD6E8_FEB8_6659_FD93, 0x5851_F42D_4C95_7F2D, 31),
        }
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.a.write(bytes);
        self.b.write(bytes);
    }

    pub(crate) fn finish(&self) -> u128 {
        (u128::from(self.a.finish()) << 64) | u128::from(self.b.finish())
    }
}

/// A 64-bit multiply-rotate hash over 8-byte words with a murmur3 finaliser.
/// Two instances with different constants make a 128-bit fingerprint.
struct Mix {
    h: u64,
    k: u64,
    rot: u32,
    len: u64,
}

impl Mix {
    fn new(k: u64, seed: u64, rot: u32) -> Self {
        Mix { h: seed, k, rot, len: 0 }
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.h = (self.h ^ u64::from_le_bytes(w)).wrapping_mul(self.k).rotate_left(self.rot);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.h = (self.h ^ u64::from_le_bytes(w) ^ 0xff).wrapping_mul(self.k).rotate_left(self.rot);
        }
        self.len += bytes.len() as u64;
    }

    fn finish(&self) -> u64 {
        let mut x = self.h ^ self.len.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
}

/// Counts distinct fingerprints within a memory budget.
#[derive(Debug)]
pub struct DistinctCounter {
    buf: Vec<u128>,
    budget: usize,
    runs: Vec<(File, u64)>,
    error: Option<std::io::Error>,
}

impl Default for DistinctCounter {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl DistinctCounter {
    /// A counter holding at most `budget` fingerprints in memory (minimum 1024).
    pub fn with_budget(budget: usize) -> Self {
        DistinctCounter { buf: Vec::new(), budget: budget.max(1024), runs: Vec::new(), error: None }
    }

    /// Adds an address.
    pub fn add_address(&mut self, address: &str) {
        self.add(fingerprint(address));
    }

    /// Adds a fingerprint.
    pub fn add(&mut self, fp: u128) {
        self.buf.push(fp);
        if self.buf.len() >= self.budget {
            self.spill();
        }
    }

    fn compact(&mut self) {
        self.buf.sort_unstable();
        self.buf.dedup();
    }

    fn spill(&mut self) {
        self.compact();
        if self.buf.len() < self.budget / 2 {
            return; // deduplication freed enough room
        }
        #[cfg(not(feature = "spill"))]
        {
            // Built without `spill`: count in memory.
            self.budget = self.budget.saturating_mul(2);
        }
        #[cfg(feature = "spill")]
        self.spill_run();
    }

    #[cfg(feature = "spill")]
    fn spill_run(&mut self) {
        let result = (|| -> std::io::Result<(File, u64)> {
            let mut f = tempfile::tempfile()?;
            {
                let mut w = BufWriter::new(&mut f);
                for v in &self.buf {
                    w.write_all(&v.to_le_bytes())?;
                }
                w.flush()?;
            }
            Ok((f, self.buf.len() as u64))
        })();
        match result {
            Ok(run) => {
                self.runs.push(run);
                self.buf.clear();
            }
            Err(e) => {
                // Keep counting in memory rather than lose data; report at the end.
                self.error.get_or_insert(e);
                self.budget = self.budget.saturating_mul(2);
            }
        }
    }

    /// Absorbs another counter.
    pub fn merge(&mut self, mut other: DistinctCounter) {
        self.runs.append(&mut other.runs);
        if let Some(e) = other.error {
            self.error.get_or_insert(e);
        }
        for fp in other.buf {
            self.add(fp);
        }
    }

    /// The number of distinct fingerprints added.
    pub fn count(mut self) -> std::io::Result<u64> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.compact();
        if self.runs.is_empty() {
            return Ok(self.buf.len() as u64);
        }
        let mut sources: Vec<Run> = Vec::with_capacity(self.runs.len() + 1);
        for (mut f, n) in self.runs {
            f.seek(SeekFrom::Start(0))?;
            sources.push(Run::File(BufReader::with_capacity(64 * 1024, f), n));
        }
        sources.push(Run::Mem(std::mem::take(&mut self.buf).into_iter()));
        let mut heads: Vec<Option<u128>> = Vec::with_capacity(sources.len());
        for s in &mut sources {
            heads.push(s.next()?);
        }
        let mut count = 0u64;
        let mut last: Option<u128> = None;
        while let Some((i, v)) = heads.iter().enumerate().filter_map(|(i, h)| h.map(|v| (i, v))).min_by_key(|(_, v)| *v)
        {
            if last != Some(v) {
                count += 1;
                last = Some(v);
            }
            heads[i] = sources[i].next()?;
        }
        Ok(count)
    }
}

enum Run {
    File(BufReader<File>, u64),
    Mem(std::vec::IntoIter<u128>),
}

impl Run {
    fn next(&mut self) -> std::io::Result<Option<u128>> {
        match self {
            Run::Mem(it) => Ok(it.next()),
            Run::File(r, left) => {
                if *left == 0 {
                    return Ok(None);
                }
                *left -= 1;
                let mut b = [0u8; 16];
                r.read_exact(&mut b)?;
                Ok(Some(u128::from_le_bytes(b)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_fingerprint() {
        assert_eq!(fingerprint("A@B.fr"), fingerprint("a@b.FR"));
        assert_eq!(fingerprint("Élise@x.fr"), fingerprint("élise@x.fr"));
        assert_ne!(fingerprint("a@b.fr"), fingerprint("b@a.fr"));
    }

    #[test]
    fn spilling_gives_the_same_count() {
        let mut small = DistinctCounter::with_budget(1024);
        let mut big = DistinctCounter::default();
        let mut exact = std::collections::HashSet::new();
        for i in 0..20_000u32 {
            let a = format!("user{}@d{}.fr", i % 7_001, i % 3);
            small.add_address(&a);
            big.add_address(&a);
            exact.insert(a);
        }
        #[cfg(feature = "spill")]
        assert!(!small.runs.is_empty());
        let n = exact.len() as u64;
        assert_eq!(small.count().unwrap(), n);
        assert_eq!(big.count().unwrap(), n);
    }

    #[test]
    fn merge_counts_the_union() {
        let mut a = DistinctCounter::with_budget(1024);
        let mut b = DistinctCounter::with_budget(1024);
        for i in 0..3000 {
            a.add_address(&format!("x{i}@a.fr"));
            b.add_address(&format!("x{}@a.fr", i + 1500));
        }
        a.merge(b);
        assert_eq!(a.count().unwrap(), 4500);
    }
}
