//! The policy service over TCP, as Postfix's `check_policy_service
//! inet:HOST:PORT` reaches it.
//!
//! One thread per Postfix connection (Postfix keeps a few long-lived
//! connections per smtpd process), several requests per connection. A
//! request is bounded ([`Config::max_request_bytes`]): a longer one is
//! answered with a temporary refusal (`P402`) and the connection closed; a
//! malformed one (`P401`) is answered with a temporary refusal and the
//! connection goes on. A connection idle longer than
//! [`Config::idle_timeout`] is closed. When a liste blanche file is
//! [watched](Server::watch), it is read again when it changes; a new file
//! that cannot be used (unreadable, not a liste blanche, no entry) keeps the
//! policy in force and says so in the log. Each decision writes one JSON
//! line to the log; [`Handle::stop`] stops accepting, closes the connections
//! and joins every thread.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_policy::policy::{Policy, Settings};
//! use mssante_policy::server::{Config, Server};
//! use std::io::{BufRead, BufReader, Write};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.op-a.fr,OU=1,O=A,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let policy = Policy::new(&lb, Settings::new(["ch-exemple.mssante.fr"]).unwrap());
//! let handle = Server::bind("127.0.0.1:0", policy, Config::default()).unwrap().spawn().unwrap();
//! let mut conn = std::net::TcpStream::connect(handle.local_addr()).unwrap();
//! let mut replies = BufReader::new(conn.try_clone().unwrap());
//! for rcpt in ["a@medecin.mssante.fr", "b@gmail.example"] {
//!     write!(conn, "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=s@ch-exemple.mssante.fr\nrecipient={rcpt}\n\n").unwrap();
//!     let mut line = String::new();
//!     replies.read_line(&mut line).unwrap();
//!     replies.read_line(&mut String::new()).unwrap();
//!     println!("{line}");
//! }
//! let stats = handle.stop();
//! assert_eq!((stats.requests, stats.refused), (2, 1));
//! ```

use crate::bulk::BulkMeter;
use crate::code::PolicyCode;
use crate::policy::{Decision, Policy};
use crate::request::Request;
use mssante_bal::liste_blanche::ListeBlanche;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The service's limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Longest request, in bytes (default 16 KiB; Postfix's requests are
    /// about 1 KiB).
    pub max_request_bytes: usize,
    /// A connection without a request for this long is closed (default 330 s:
    /// longer than Postfix's own `smtpd_policy_service_max_idle`, 300 s, so
    /// that Postfix closes first).
    pub idle_timeout: Duration,
    /// Connections served at once (default 1,000); more are closed at once.
    pub max_connections: usize,
    /// How often a watched liste blanche file is looked at (default 2 s).
    pub reload_interval: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_request_bytes: 16 * 1024,
            idle_timeout: Duration::from_secs(330),
            max_connections: 1000,
            reload_interval: Duration::from_secs(2),
        }
    }
}

/// Counts since the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Connections accepted.
    pub connections: u64,
    /// Requests answered.
    pub requests: u64,
    /// Requests answered with a refusal (`REJECT` or `DEFER_IF_PERMIT`),
    /// malformed ones included.
    pub refused: u64,
    /// Malformed or oversized requests.
    pub malformed: u64,
    /// Liste blanche reloads that took effect.
    pub reloads: u64,
    /// Reloads refused (the policy in force was kept).
    pub reload_failures: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    refused: AtomicU64,
    malformed: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            connections: g(&self.connections),
            requests: g(&self.requests),
            refused: g(&self.refused),
            malformed: g(&self.malformed),
            reloads: g(&self.reloads),
            reload_failures: g(&self.reload_failures),
        }
    }
}

type Sink = Mutex<Box<dyn Write + Send>>;

struct Shared {
    policy: RwLock<Arc<Policy>>,
    meter: BulkMeter,
    log: Option<Sink>,
    started: Instant,
    counters: Counters,
    stop: AtomicBool,
    open: Mutex<HashMap<u64, TcpStream>>,
    config: Config,
}

impl Shared {
    fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.policy.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn log(&self, line: &impl Serialize) {
        let Some(sink) = &self.log else { return };
        let Ok(mut text) = serde_json::to_string(line) else { return };
        text.push('\n');
        let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
        // A log that cannot be written never stops the service.
        let _ = sink.write_all(text.as_bytes()).and_then(|()| sink.flush());
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One decision, as logged.
#[derive(Serialize)]
struct DecisionLine<'a> {
    ts_ms: u64,
    event: &'static str,
    client_address: Option<&'a str>,
    client_name: Option<&'a str>,
    queue_id: Option<&'a str>,
    protocol_state: Option<&'a str>,
    sender: Option<&'a str>,
    recipient: Option<&'a str>,
    encryption_protocol: Option<&'a str>,
    ccert_subject: Option<String>,
    rule: crate::policy::Rule,
    code: Option<PolicyCode>,
    action: String,
    dry_run: bool,
    would: Option<String>,
}

#[derive(Serialize)]
struct EventLine<'a> {
    ts_ms: u64,
    event: &'a str,
    message: String,
}

/// A bound service, not yet serving.
pub struct Server {
    listener: TcpListener,
    shared: Shared,
    watch: Option<PathBuf>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("listener", &self.listener).field("watch", &self.watch).finish_non_exhaustive()
    }
}

impl Server {
    /// Binds the address with a policy and limits.
    pub fn bind(addr: impl ToSocketAddrs, policy: Policy, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        Ok(Server {
            listener,
            shared: Shared {
                policy: RwLock::new(Arc::new(policy)),
                meter: BulkMeter::new(),
                log: None,
                started: Instant::now(),
                counters: Counters::default(),
                stop: AtomicBool::new(false),
                open: Mutex::new(HashMap::new()),
                config,
            },
            watch: None,
        })
    }

    /// Reads this liste blanche file again whenever it changes (the policy
    /// given to [`Server::bind`] should come from it).
    pub fn watch(mut self, liste_blanche: impl Into<PathBuf>) -> Server {
        self.watch = Some(liste_blanche.into());
        self
    }

    /// Writes the log (one JSON object per line) there.
    pub fn log_to(mut self, sink: impl Write + Send + 'static) -> Server {
        self.shared.log = Some(Mutex::new(Box::new(sink)));
        self
    }

    /// The address bound (the port the system chose for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Starts serving on background threads.
    pub fn spawn(self) -> io::Result<Handle> {
        let addr = self.listener.local_addr()?;
        let shared = Arc::new(self.shared);
        let policy = shared.policy();
        shared.log(&EventLine {
            ts_ms: unix_ms(),
            event: "start",
            message: format!(
                "listening on {addr}, {} liste blanche entries ({} domains), mode {:?}",
                policy.entries(),
                policy.domains(),
                policy.mode()
            ),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            let listener = self.listener;
            std::thread::Builder::new().name("policy-accept".into()).spawn(move || accept_loop(&listener, &shared))?
        };
        let reload = match self.watch {
            Some(path) => {
                let shared = Arc::clone(&shared);
                Some(
                    std::thread::Builder::new()
                        .name("policy-reload".into())
                        .spawn(move || reload_loop(&path, &shared))?,
                )
            }
            None => None,
        };
        Ok(Handle { addr, shared, accept: Some(accept), reload })
    }
}

/// A running service.
pub struct Handle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<Vec<JoinHandle<()>>>>,
    reload: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("addr", &self.addr).field("stats", &self.stats()).finish()
    }
}

impl Handle {
    /// The address served.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Counts so far.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// The policy in force (changes on reload).
    pub fn policy(&self) -> Arc<Policy> {
        self.shared.policy()
    }

    /// Stops accepting, closes every connection (a request being decided is
    /// answered first), joins every thread, and returns the counts.
    pub fn stop(mut self) -> Stats {
        self.shutdown();
        let stats = self.stats();
        self.shared.log(&EventLine {
            ts_ms: unix_ms(),
            event: "stop",
            message: serde_json::to_string(&stats).unwrap_or_default(),
        });
        stats
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop up.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let connections = self.accept.take().map(|t| t.join().unwrap_or_default()).unwrap_or_default();
        for stream in self.shared.open.lock().unwrap_or_else(PoisonError::into_inner).values() {
            let _ = stream.shutdown(Shutdown::Read);
        }
        for c in connections {
            let _ = c.join();
        }
        if let Some(r) = self.reload.take() {
            let _ = r.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.shutdown();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) -> Vec<JoinHandle<()>> {
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Out of descriptors or a connection reset before it was accepted:
            // wait a little rather than spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        threads.retain(|t| !t.is_finished());
        if threads.len() >= shared.config.max_connections {
            shared.log(&EventLine {
                ts_ms: unix_ms(),
                event: "refused_connection",
                message: format!("{} connections already served", threads.len()),
            });
            continue;
        }
        shared.counters.connections.fetch_add(1, Ordering::Relaxed);
        next_id += 1;
        let id = next_id;
        if let Ok(clone) = stream.try_clone() {
            shared.open.lock().unwrap_or_else(PoisonError::into_inner).insert(id, clone);
        }
        let shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new().name(format!("policy-conn-{id}")).spawn(move || {
            serve_connection(stream, &shared);
            shared.open.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        });
        if let Ok(t) = spawned {
            threads.push(t);
        }
    }
    threads
}

/// How reading one request ended.
enum Block {
    /// A request (its bytes are in the buffer, empty line included).
    Complete,
    /// The peer closed the connection (with a partial request, if any, in the buffer).
    Closed,
    /// The request is longer than the limit.
    TooLarge,
}

fn read_block(reader: &mut impl BufRead, block: &mut Vec<u8>, limit: usize) -> io::Result<Block> {
    block.clear();
    loop {
        let start = block.len();
        let room = (limit + 1).saturating_sub(start) as u64;
        let n = reader.by_ref().take(room).read_until(b'\n', block)?;
        if n == 0 {
            return Ok(Block::Closed);
        }
        if block.len() > limit {
            return Ok(Block::TooLarge);
        }
        if !block.ends_with(b"\n") {
            return Ok(Block::Closed);
        }
        let line = &block[start..];
        if line == b"\n" || line == b"\r\n" {
            return Ok(Block::Complete);
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(shared.config.idle_timeout));
    // A peer that sends requests and never reads the answers cannot hold the
    // thread beyond the same delay.
    let _ = stream.set_write_timeout(Some(shared.config.idle_timeout));
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    let mut block = Vec::with_capacity(2048);
    while !shared.stop.load(Ordering::SeqCst) {
        let outcome = match read_block(&mut reader, &mut block, shared.config.max_request_bytes) {
            Ok(o) => o,
            // Idle timeout, reset, or shut down by stop.
            Err(_) => return,
        };
        // One list for the whole request, even if a reload happens meanwhile.
        let policy = shared.policy();
        let (decision, request) = match outcome {
            Block::Closed => return,
            Block::TooLarge => {
                let d = Decision::protocol(
                    PolicyCode::RequestTooLarge,
                    &format!("longer than {} bytes", shared.config.max_request_bytes),
                );
                (d, None)
            }
            Block::Complete => match Request::parse(&block) {
                Ok(r) => {
                    let now = u64::try_from(shared.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    (policy.decide(&r, &shared.meter, now), Some(r))
                }
                Err(e) => (Decision::protocol(PolicyCode::MalformedRequest, &e.to_string()), None),
            },
        };
        let too_large = matches!(outcome, Block::TooLarge);
        let answered = writer.write_all(decision.action.response().as_bytes()).is_ok();
        record(shared, &decision, request.as_ref(), policy.mode());
        if !answered || too_large {
            return;
        }
    }
}

fn record(shared: &Shared, decision: &Decision, request: Option<&Request>, mode: crate::policy::Mode) {
    let c = &shared.counters;
    c.requests.fetch_add(1, Ordering::Relaxed);
    if decision.action.status().is_some() {
        c.refused.fetch_add(1, Ordering::Relaxed);
    }
    if decision.rule == crate::policy::Rule::Protocol {
        c.malformed.fetch_add(1, Ordering::Relaxed);
    }
    if shared.log.is_none() {
        return;
    }
    let get = |name: &str| request.and_then(|r| r.get(name));
    shared.log(&DecisionLine {
        ts_ms: unix_ms(),
        event: "decision",
        client_address: get("client_address"),
        client_name: get("client_name"),
        queue_id: get("queue_id"),
        protocol_state: get("protocol_state"),
        sender: get("sender"),
        recipient: get("recipient"),
        encryption_protocol: get("encryption_protocol"),
        ccert_subject: request.and_then(Request::ccert_subject),
        rule: decision.rule,
        code: decision.code,
        action: decision.action.to_string(),
        dry_run: mode == crate::policy::Mode::DryRun,
        would: decision.would.as_ref().map(ToString::to_string),
    });
}

/// What identifies a version of a file without reading it.
fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Reads a liste blanche file for a reload: an error when it cannot be used.
pub fn load_liste_blanche(path: &std::path::Path) -> Result<ListeBlanche, crate::Error> {
    let data = std::fs::read(path)?;
    let lb = ListeBlanche::parse(&data).map_err(|e| crate::Error::ListeBlanche(e.to_string()))?;
    if lb.entries().is_empty() {
        return Err(crate::Error::ListeBlanche(format!("{}: no usable entry", path.display())));
    }
    Ok(lb)
}

fn reload_loop(path: &std::path::Path, shared: &Shared) {
    let mut seen = stamp(path);
    let step = Duration::from_millis(50).min(shared.config.reload_interval);
    let mut waited = Duration::ZERO;
    while !shared.stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        waited += step;
        if waited < shared.config.reload_interval {
            continue;
        }
        waited = Duration::ZERO;
        let now = stamp(path);
        if now == seen {
            continue;
        }
        seen = now;
        match load_liste_blanche(path) {
            Ok(lb) => {
                let policy = Arc::new(shared.policy().with_liste_blanche(&lb));
                let message = format!(
                    "{}: {} entries ({} domains), {} issues",
                    path.display(),
                    policy.entries(),
                    policy.domains(),
                    lb.issues().len()
                );
                *shared.policy.write().unwrap_or_else(PoisonError::into_inner) = policy;
                shared.counters.reloads.fetch_add(1, Ordering::Relaxed);
                shared.log(&EventLine { ts_ms: unix_ms(), event: "reload", message });
            }
            Err(e) => {
                shared.counters.reload_failures.fetch_add(1, Ordering::Relaxed);
                shared.log(&EventLine {
                    ts_ms: unix_ms(),
                    event: "reload_failed",
                    message: format!("{e}; the liste blanche in force is kept"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_bounded() {
        let mut block = Vec::new();
        let mut r = BufReader::new(&b"a=1\nb=2\n\nc=3\n\n"[..]);
        assert!(matches!(read_block(&mut r, &mut block, 100).unwrap(), Block::Complete));
        assert_eq!(block, b"a=1\nb=2\n\n");
        assert!(matches!(read_block(&mut r, &mut block, 100).unwrap(), Block::Complete));
        assert_eq!(block, b"c=3\n\n");
        assert!(matches!(read_block(&mut r, &mut block, 100).unwrap(), Block::Closed));
        let long = [b'x'; 200];
        let mut r = BufReader::new(&long[..]);
        assert!(matches!(read_block(&mut r, &mut block, 100).unwrap(), Block::TooLarge));
        let mut r = BufReader::new(&b"a=1\nb=2\n\n"[..]);
        assert!(matches!(read_block(&mut r, &mut block, 9).unwrap(), Block::Complete), "exactly the limit");
        let mut r = BufReader::new(&b"a=1\nb=2\n\n"[..]);
        assert!(matches!(read_block(&mut r, &mut block, 8).unwrap(), Block::TooLarge));
    }
}
