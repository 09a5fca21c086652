//! Content digests: the SHA-256 that identifies a deposit and checks every
//! file of a state.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}
