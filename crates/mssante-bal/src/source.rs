//! An input that can be read more than once, from its start: what a streaming
//! diff needs of the old file it reads twice.
//!
//! Implemented for byte slices, files (rewound) and, with feature `zip`, the
//! published ZIP ([`crate::archive::Archive`], inflated again on each read).

use crate::error::Error;
use std::io::{BufReader, Read, Seek};

/// An input read from its start as many times as needed.
pub trait Source {
    /// A reader over the whole input, from its start.
    fn open(&mut self) -> Result<Box<dyn Read + '_>, Error>;
}

impl Source for &[u8] {
    fn open(&mut self) -> Result<Box<dyn Read + '_>, Error> {
        Ok(Box::new(*self))
    }
}

impl Source for std::fs::File {
    fn open(&mut self) -> Result<Box<dyn Read + '_>, Error> {
        self.rewind().map_err(|source| Error::Io { byte: 0, source })?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, &*self)))
    }
}
