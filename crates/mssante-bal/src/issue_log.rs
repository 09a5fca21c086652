//! An ordered list of issues that spills to a temporary file past a limit
//! (feature `spill`; without it, every issue stays in memory).
//!
//! Spilled issues are written in a small binary form of this module (no serde
//! needed): per issue, the code (4 bytes), the severity (1), the position
//! (3 × u64 little-endian), then the column and the message, each as a u32
//! length and its UTF-8 bytes (column length `u32::MAX`: none).

use crate::error::{Code, Error, Issue, Position, Severity};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Issues kept in memory before a log spills to disk.
pub const DEFAULT_ISSUES_IN_MEMORY: usize = 20_000;

/// An ordered list of issues that spills to a temporary file past a limit.
#[derive(Debug, Default)]
pub struct IssueLog {
    files: Vec<(File, u64)>,
    mem: Vec<Issue>,
    pub(crate) limit: usize,
    len: u64,
}

impl IssueLog {
    /// A log holding at most `limit` issues in memory.
    pub fn with_limit(limit: usize) -> Self {
        IssueLog { files: Vec::new(), mem: Vec::new(), limit: limit.max(1), len: 0 }
    }

    /// Number of issues.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends an issue.
    pub fn push(&mut self, issue: Issue) -> Result<(), Error> {
        self.mem.push(issue);
        self.len += 1;
        if self.mem.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<(), Error> {
        if self.mem.is_empty() {
            return Ok(());
        }
        let Some(mut f) = temp_file().map_err(|source| Error::Io { byte: 0, source })? else {
            // Built without `spill`: everything stays in memory.
            return Ok(());
        };
        {
            let mut w = BufWriter::new(&mut f);
            for i in &self.mem {
                write_issue(&mut w, i).map_err(|source| Error::Io { byte: 0, source })?;
            }
            w.flush().map_err(|source| Error::Io { byte: 0, source })?;
        }
        self.files.push((f, self.mem.len() as u64));
        self.mem.clear();
        Ok(())
    }

    /// Appends another log after this one.
    pub fn append(&mut self, mut other: IssueLog) -> Result<(), Error> {
        if !other.files.is_empty() {
            self.spill()?;
            self.files.append(&mut other.files);
        }
        self.len += other.len;
        self.mem.append(&mut other.mem);
        if self.mem.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Visits every issue in order.
    pub fn try_for_each(&self, f: impl FnMut(&Issue) -> Result<(), Error>) -> Result<(), Error> {
        self.visit(f, |e| e)
    }

    /// Visits every issue in order with the caller's error type `E`; reading a
    /// spilled issue back fails with `from_io(Error::Io)`. Returning `Err` from
    /// `f` stops the visit.
    fn visit<E>(&self, mut f: impl FnMut(&Issue) -> Result<(), E>, from_io: impl Fn(Error) -> E) -> Result<(), E> {
        let io = |source| from_io(Error::Io { byte: 0, source });
        for (file, n) in &self.files {
            let mut file = file.try_clone().map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            let mut r = BufReader::new(file);
            for _ in 0..*n {
                let issue = read_issue(&mut r).map_err(io)?;
                f(&issue)?;
            }
        }
        self.mem.iter().try_for_each(f)
    }

    /// Collects every issue (loads spilled ones back into memory).
    pub fn to_vec(&self) -> Result<Vec<Issue>, Error> {
        let mut v = Vec::new();
        self.try_for_each(|i| {
            v.push(i.clone());
            Ok(())
        })?;
        Ok(v)
    }

    /// The first `n` issues.
    pub fn first(&self, n: usize) -> Result<Vec<Issue>, Error> {
        let mut v = Vec::new();
        // `Err(None)` stops the visit once `n` issues are collected; `Err(Some(e))`
        // is a real failure.
        let r = self.visit(
            |i| {
                if v.len() >= n {
                    return Err(None);
                }
                v.push(i.clone());
                Ok(())
            },
            Some,
        );
        match r {
            Err(Some(e)) => Err(e),
            _ => Ok(v),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IssueLog {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(usize::try_from(self.len).ok())?;
        self.visit(|i| seq.serialize_element(i), serde::ser::Error::custom)?;
        seq.end()
    }
}

/// An anonymous temporary file, or `None` when built without `spill`.
fn temp_file() -> io::Result<Option<File>> {
    #[cfg(feature = "spill")]
    return tempfile::tempfile().map(Some);
    #[cfg(not(feature = "spill"))]
    return Ok(None);
}

fn write_str(w: &mut impl Write, s: Option<&str>) -> io::Result<()> {
    match s {
        None => w.write_all(&u32::MAX.to_le_bytes()),
        Some(s) => {
            let n =
                u32::try_from(s.len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "text over 4 GiB"))?;
            w.write_all(&n.to_le_bytes())?;
            w.write_all(s.as_bytes())
        }
    }
}

fn write_issue(w: &mut impl Write, i: &Issue) -> io::Result<()> {
    w.write_all(i.code.as_str().as_bytes())?;
    w.write_all(&[u8::from(i.severity == Severity::Warning)])?;
    for v in [i.position.byte, i.position.line, i.position.record] {
        w.write_all(&v.to_le_bytes())?;
    }
    write_str(w, i.column.as_deref())?;
    write_str(w, Some(&i.message))
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("spilled issue log: {what}"))
}

fn read_array<const N: usize>(r: &mut impl Read) -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

fn read_str(r: &mut impl Read) -> io::Result<Option<String>> {
    let n = u32::from_le_bytes(read_array(r)?);
    if n == u32::MAX {
        return Ok(None);
    }
    let mut b = Vec::new();
    r.take(u64::from(n)).read_to_end(&mut b)?;
    if b.len() != n as usize {
        return Err(corrupt("truncated text"));
    }
    String::from_utf8(b).map(Some).map_err(|_| corrupt("text not UTF-8"))
}

fn read_issue(r: &mut impl Read) -> io::Result<Issue> {
    let code = read_array::<4>(r)?;
    let code = std::str::from_utf8(&code).ok().and_then(Code::from_code).ok_or_else(|| corrupt("unknown code"))?;
    let severity = match read_array::<1>(r)? {
        [0] => Severity::Error,
        [1] => Severity::Warning,
        _ => return Err(corrupt("severity")),
    };
    let mut v = [0u64; 3];
    for x in &mut v {
        *x = u64::from_le_bytes(read_array(r)?);
    }
    let column = read_str(r)?;
    let message = read_str(r)?.ok_or_else(|| corrupt("no message"))?;
    Ok(Issue { code, severity, position: Position { byte: v[0], line: v[1], record: v[2] }, column, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn issue_log_spills_and_keeps_order() {
        let mut a = IssueLog::with_limit(3);
        let mut b = IssueLog::with_limit(3);
        let mk = |n| Issue::error(Code::FieldCount, Position { byte: n, line: n, record: n }, "x");
        for n in 0..5 {
            a.push(mk(n)).unwrap();
        }
        for n in 5..12 {
            b.push(mk(n)).unwrap();
        }
        a.append(b).unwrap();
        let lines: Vec<u64> = a.to_vec().unwrap().iter().map(|i| i.position.line).collect();
        assert_eq!(lines, (0..12).collect::<Vec<_>>());
        assert_eq!(a.len(), 12);
        assert_eq!(a.first(2).unwrap().len(), 2);
        #[cfg(feature = "spill")]
        assert!(!a.files.is_empty(), "the log spilled");
    }

    proptest! {
        /// write → read = identity for the spill form.
        #[test]
        fn spilled_issues_read_back_identical(
            code in prop::sample::select(Code::ALL.to_vec()),
            warn in any::<bool>(),
            pos in (any::<u64>(), any::<u64>(), any::<u64>()),
            column in prop::option::of("\\PC{0,12}"),
            message in "\\PC{0,40}",
        ) {
            let i = Issue {
                code,
                severity: if warn { Severity::Warning } else { Severity::Error },
                position: Position { byte: pos.0, line: pos.1, record: pos.2 },
                column,
                message,
            };
            let mut buf = Vec::new();
            write_issue(&mut buf, &i).unwrap();
            let mut r = buf.as_slice();
            prop_assert_eq!(read_issue(&mut r).unwrap(), i);
            prop_assert!(r.is_empty());
        }
    }
}
