//! What a line is, once for every reader of lines in the workspace: the
//! streaming [`Reader`](crate::Reader), the parallel checker's chunking and
//! the deposit checks of `mssante-cr`.
//!
//! A line ends at `\n`; a `\r` just before it belongs to the terminator
//! (`\r\n`); the bytes after the last `\n`, if any, are a last line without
//! terminator.
//!
//! ```
//! use mssante_bal::lines::{Lines, Terminator};
//! let v: Vec<_> = Lines::new(b"a|b\r\nc\n\nd").collect();
//! assert_eq!(v, [(&b"a|b"[..], Terminator::CrLf), (&b"c"[..], Terminator::Lf), (&b""[..], Terminator::Lf), (&b"d"[..], Terminator::None)]);
//! ```

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Terminator {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// End of input without a terminator.
    None,
}

impl Terminator {
    /// The bytes of the terminator.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Terminator::Lf => b"\n",
            Terminator::CrLf => b"\r\n",
            Terminator::None => b"",
        }
    }
}

/// The first line of `buf`, when `buf` holds its `\n`: the length of its
/// content (terminator excluded), its terminator, and where the next line
/// starts.
#[inline]
pub fn first_line(buf: &[u8]) -> Option<(usize, Terminator, usize)> {
    let nl = memchr::memchr(b'\n', buf)?;
    Some(if nl > 0 && buf[nl - 1] == b'\r' { (nl - 1, Terminator::CrLf, nl + 1) } else { (nl, Terminator::Lf, nl + 1) })
}

/// Where the line after the one holding `data[from]` starts: just after the
/// next `\n` at or after `from`.
pub fn next_line_start(data: &[u8], from: usize) -> Option<usize> {
    first_line(data.get(from..)?).map(|(_, _, next)| from + next)
}

/// The physical lines of an in-memory input: content and terminator.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Lines<'a> {
    /// The lines of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Lines { rest: data }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (&'a [u8], Terminator);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match first_line(self.rest) {
            Some((content, term, next)) => {
                let line = &self.rest[..content];
                self.rest = &self.rest[next..];
                Some((line, term))
            }
            None => Some((std::mem::take(&mut self.rest), Terminator::None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Lines and their terminators put back together are the input.
        #[test]
        fn lines_rebuild_the_input(data in proptest::collection::vec(prop::sample::select(vec![b'a', b'|', b'\r', b'\n']), 0..64)) {
            let mut back = Vec::new();
            for (line, term) in Lines::new(&data) {
                prop_assert!(!line.contains(&b'\n'));
                back.extend_from_slice(line);
                back.extend_from_slice(term.as_bytes());
            }
            prop_assert_eq!(back, data);
        }
    }
}
