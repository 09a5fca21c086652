//! Reading a stream in blocks of whole lines checked on worker threads, results
//! merged in input order: the parallel path of [`crate::check`] and of the
//! streaming diff.
//!
//! The calling thread reads the header, then cuts the body into blocks of about
//! 1 MiB ending at a line break; workers turn each block into a result; the
//! calling thread hands the results to `merge` in input order. At most a few
//! blocks are in flight, so memory stays bounded whatever the input. A line
//! longer than any allowed one is skipped without being buffered and handed to
//! a worker as [`Block::TooLong`].

use crate::error::Error;
use crate::layout::{Format, Layout};
use crate::reader::{Reader, ReaderConfig};
use std::collections::BTreeMap;
use std::io::Read;

/// Size of the blocks handed to worker threads.
pub(crate) const BLOCK: usize = 1024 * 1024;

/// What a worker gets.
pub(crate) enum Block {
    /// Whole lines and the byte offset of the first.
    Lines(Vec<u8>, u64),
    /// A line too long to buffer: offset, length, maximum.
    TooLong(u64, u64, usize),
}

/// What the header told.
pub(crate) struct Head {
    pub(crate) layout: Layout,
    pub(crate) bom: bool,
    /// Bytes read in all.
    pub(crate) bytes: u64,
}

/// Reads `r`'s header, then its body in blocks on `threads` workers (`work`);
/// `merge` gets the results in input order. With one thread, `work` runs on
/// the calling thread.
pub(crate) fn in_blocks<R: Read, T: Send>(
    mut r: R,
    format: Format,
    config: ReaderConfig,
    threads: usize,
    work: &(dyn Fn(Block, &Layout) -> Result<T, Error> + Sync),
    merge: &mut dyn FnMut(T) -> Result<(), Error>,
    progress: &mut dyn FnMut(u64),
) -> Result<Head, Error> {
    use std::sync::mpsc::{channel, sync_channel};
    use std::sync::{Arc, Mutex};

    let max = config.max_line_len;
    // A block always holds a whole line of the maximum length.
    let block_size = BLOCK.max(max.saturating_add(2));
    // The header: read until its end of line.
    let mut pending = Vec::with_capacity(BLOCK + max.min(1 << 20));
    let mut eof = false;
    loop {
        if memchr::memchr(b'\n', &pending).is_some() || eof {
            break;
        }
        if pending.len() > max.saturating_add(5) {
            return Err(Error::HeaderTooLong { max });
        }
        eof = read_some(&mut r, &mut pending, 64 * 1024, 0)?;
    }
    let head = Reader::with_config(&pending[..], format, config)?;
    let layout = head.layout().clone();
    let bom = head.had_bom();
    let body = usize::try_from(head.bytes_read()).unwrap_or(pending.len()).min(pending.len());
    drop(head);
    pending.drain(..body);
    let mut offset = body as u64; // byte offset of pending[0]

    // The next block, or None at the end of the input.
    let mut next_block = |pending: &mut Vec<u8>, eof: &mut bool, offset: &mut u64| -> Result<Option<Block>, Error> {
        // Fill the block, then cut it after its last line break.
        while pending.len() < block_size && !*eof {
            let want = block_size - pending.len();
            *eof = read_some(&mut r, pending, want, *offset)?;
        }
        if pending.is_empty() {
            return Ok(None);
        }
        let cut = match memchr::memrchr(b'\n', pending) {
            _ if *eof => Some(pending.len()),
            Some(i) => Some(i + 1),
            None => None,
        };
        Ok(Some(match cut {
            Some(cut) => {
                let rest = pending.split_off(cut);
                let block = std::mem::replace(pending, rest);
                let start = *offset;
                *offset += block.len() as u64;
                Block::Lines(block, start)
            }
            None => {
                // No line break in a whole block: a line longer than any
                // allowed one. Skip it without buffering.
                let start = *offset;
                let (len, more) = skip_line(&mut r, pending, *offset, eof)?;
                *offset += len + u64::from(more);
                Block::TooLong(start, len, max)
            }
        }))
    };

    if threads <= 1 {
        while let Some(block) = next_block(&mut pending, &mut eof, &mut offset)? {
            merge(work(block, &layout)?)?;
            progress(offset);
        }
        return Ok(Head { layout, bom, bytes: offset });
    }

    let (job_tx, job_rx) = sync_channel::<(usize, Block)>(1);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (res_tx, res_rx) = channel::<(usize, Result<T, Error>)>();
    std::thread::scope(|s| -> Result<Head, Error> {
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let res_tx = res_tx.clone();
            let layout = &layout;
            s.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, job)) = job else { return };
                    if res_tx.send((index, work(job, layout))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(res_tx);
        let mut waiting = BTreeMap::new();
        let (mut next, mut sent) = (0usize, 0usize);
        let mut absorb = |res: (usize, Result<T, Error>), next: &mut usize| -> Result<(), Error> {
            waiting.insert(res.0, res.1);
            while let Some(r) = waiting.remove(next) {
                merge(r?)?;
                *next += 1;
            }
            Ok(())
        };
        while let Some(block) = next_block(&mut pending, &mut eof, &mut offset)? {
            job_tx.send((sent, block)).map_err(|_| Error::NoHeader)?;
            sent += 1;
            progress(offset);
            while let Ok(res) = res_rx.try_recv() {
                absorb(res, &mut next)?;
            }
        }
        drop(job_tx);
        while next < sent {
            match res_rx.recv() {
                Ok(res) => absorb(res, &mut next)?,
                Err(_) => break,
            }
        }
        Ok(Head { layout: layout.clone(), bom, bytes: offset })
    })
}

/// Appends up to `want` bytes; returns true at end of input.
fn read_some<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize, offset: u64) -> Result<bool, Error> {
    let old = buf.len();
    let want = want.max(1);
    // `take` + `read_to_end` fills up to `want` bytes without zeroing the buffer
    // first; fewer bytes than asked means the end of the input.
    match r.by_ref().take(want as u64).read_to_end(buf) {
        Ok(n) => Ok(n < want),
        Err(source) => Err(Error::Io { byte: offset + old as u64, source }),
    }
}

/// Discards input up to and including the next line break. `pending` holds the
/// start of the line. Returns the line length and whether a line break ended it.
fn skip_line<R: Read>(r: &mut R, pending: &mut Vec<u8>, offset: u64, eof: &mut bool) -> Result<(u64, bool), Error> {
    let mut len = 0u64;
    loop {
        if let Some(i) = memchr::memchr(b'\n', pending) {
            len += i as u64;
            pending.drain(..=i);
            return Ok((len, true));
        }
        len += pending.len() as u64;
        pending.clear();
        if *eof {
            return Ok((len, false));
        }
        *eof = read_some(r, pending, BLOCK, offset + len)?;
    }
}
