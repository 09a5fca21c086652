//! Advisory file locks with a bounded wait (`flock` on Unix, `LockFileEx` on
//! Windows, through [`std::fs::File::lock`]). The operating system releases a
//! lock when its process ends, so a crashed process never leaves the state
//! locked.

use crate::error::Error;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// A held lock; released on drop.
#[derive(Debug)]
pub(crate) struct Lock {
    _file: File,
}

/// Takes the lock of `path` (created when missing), exclusive or shared,
/// waiting at most `timeout`. Returns the lock and how long it waited.
pub(crate) fn acquire(path: &Path, exclusive: bool, timeout: Duration) -> Result<(Lock, Duration), Error> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        let tried = if exclusive { file.try_lock() } else { file.try_lock_shared() };
        match tried {
            Ok(()) => return Ok((Lock { _file: file }, start.elapsed())),
            Err(TryLockError::WouldBlock) => {
                let waited = start.elapsed();
                if waited >= timeout {
                    return Err(Error::Locked { path: path.display().to_string(), waited });
                }
                std::thread::sleep(pause.min(timeout - waited));
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_exclusive_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let (held, _) = acquire(&path, true, Duration::from_secs(1)).unwrap();
        let err = acquire(&path, true, Duration::from_millis(50)).unwrap_err();
        match err {
            Error::Locked { waited, .. } => assert!(waited >= Duration::from_millis(50)),
            other => panic!("{other}"),
        }
        // Shared locks wait for the exclusive one too.
        assert!(acquire(&path, false, Duration::from_millis(10)).is_err());
        drop(held);
        let (a, _) = acquire(&path, false, Duration::from_millis(10)).unwrap();
        let (_b, _) = acquire(&path, false, Duration::from_millis(10)).unwrap();
        assert!(acquire(&path, true, Duration::from_millis(10)).is_err());
        drop(a);
    }
}
