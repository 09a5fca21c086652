//! The service over loopback: concurrency, bounds, timeouts, reloads, the log,
//! the stop.

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_policy::policy::{Policy, Settings};
use mssante_policy::server::{Config, Handle, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn lb(domains: &[&str]) -> String {
    let mut xml = String::from("<ListeBlancheMSSante><ListeDomaines>\n");
    for (i, d) in domains.iter().enumerate() {
        xml.push_str(&format!(
            "<Domaine><Nom>{d}</Nom><DNCertificatOperateur>CN=mx{i}.op.test,OU={i},O=OP,C=FR</DNCertificatOperateur></Domaine>\n"
        ));
    }
    xml.push_str("</ListeDomaines></ListeBlancheMSSante>\n");
    xml
}

fn policy(xml: &str) -> Policy {
    Policy::new(&ListeBlanche::parse(xml.as_bytes()).unwrap(), Settings::new(["ch-exemple.mssante.fr"]).unwrap())
}

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn lines(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn events(&self, event: &str) -> Vec<serde_json::Value> {
        self.lines().into_iter().filter(|v| v["event"] == event).collect()
    }
}

fn start(xml: &str, config: Config, log: &Log) -> Handle {
    Server::bind("127.0.0.1:0", policy(xml), config).unwrap().log_to(log.clone()).spawn().unwrap()
}

struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(h: &Handle) -> Client {
        let s = TcpStream::connect(h.local_addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { writer: s.try_clone().unwrap(), reader: BufReader::new(s) }
    }

    /// Sends raw bytes, reads one response (`action=…` and the empty line).
    fn raw(&mut self, bytes: &[u8]) -> String {
        self.writer.write_all(bytes).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let mut empty = String::new();
        self.reader.read_line(&mut empty).unwrap();
        assert_eq!(empty, "\n", "a response ends with an empty line");
        line.trim_end().to_owned()
    }

    fn rcpt(&mut self, recipient: &str) -> String {
        self.raw(format!("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=s@ch-exemple.mssante.fr\nrecipient={recipient}\nqueue_id=Q1\n\n").as_bytes())
    }

    /// True when the service closed the connection.
    fn closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        match self.reader.read(&mut buf) {
            Ok(n) => n == 0,
            // Our own read timeout is not the service closing.
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    }
}

#[test]
fn many_connections_many_requests_each() {
    let log = Log::default();
    let h = start(&lb(&["medecin.mssante.fr"]), Config::default(), &log);
    let threads: Vec<_> = (0..20)
        .map(|t| {
            let mut c = Client::connect(&h);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let (rcpt, expected) = if (t + i) % 3 == 0 {
                        ("x@gmail.example", "action=REJECT 5.7.1 P201")
                    } else {
                        ("y@medecin.mssante.fr", "action=DUNNO")
                    };
                    assert!(c.rcpt(rcpt).starts_with(expected), "{t}/{i}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stats = h.stop();
    assert_eq!((stats.connections, stats.requests), (20, 1000));
    assert_eq!(
        stats.refused,
        (0..20).flat_map(|t| (0..50).map(move |i| (t + i) % 3 == 0)).filter(|x| *x).count() as u64
    );
    let decisions = log.events("decision");
    assert_eq!(decisions.len(), 1000, "one log line per decision");
    assert!(decisions.iter().all(|d| d["queue_id"] == "Q1" && d["rule"] == "outbound"));
    assert_eq!(log.events("stop").len(), 1);
}

#[test]
fn a_malformed_request_gets_a_temporary_answer_and_the_connection_goes_on() {
    let log = Log::default();
    let h = start(&lb(&["medecin.mssante.fr"]), Config::default(), &log);
    let mut c = Client::connect(&h);
    let r = c.raw(b"request=smtpd_access_policy\nthis line has no equals sign\n\n");
    assert!(r.starts_with("action=DEFER_IF_PERMIT 4.3.5 P401 "), "{r}");
    assert!(r.contains("line 2"), "{r}");
    let r = c.raw(b"a=1\na=2\n\n");
    assert!(r.starts_with("action=DEFER_IF_PERMIT 4.3.5 P401 "), "{r}");
    let r = c.raw(b"request=policy_for_something_else\n\n");
    assert!(r.starts_with("action=DEFER_IF_PERMIT 4.3.5 P403 "), "{r}");
    // Bytes that are not UTF-8, CRLF lines: read, decided.
    let r = c.raw(b"request=smtpd_access_policy\r\nprotocol_state=RCPT\r\nrecipient=\xff@gmail.example\r\n\r\n");
    assert!(r.starts_with("action=REJECT 5.7.1 P201"), "{r}");
    assert_eq!(c.rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    let stats = h.stop();
    assert_eq!((stats.requests, stats.malformed), (5, 3));
}

#[test]
fn an_oversized_request_is_refused_then_the_connection_closed() {
    let log = Log::default();
    let config = Config { max_request_bytes: 1024, ..Config::default() };
    let h = start(&lb(&["medecin.mssante.fr"]), config, &log);
    let mut c = Client::connect(&h);
    let big = format!("request=smtpd_access_policy\nhelo_name={}\n\n", "x".repeat(100_000));
    // The service answers before reading the rest; our write may then fail.
    let _ = c.writer.write_all(big.as_bytes());
    let mut line = String::new();
    c.reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("action=DEFER_IF_PERMIT 4.3.5 P402 "), "{line}");
    c.reader.read_line(&mut String::new()).unwrap();
    assert!(c.closed());
    // A line without end that grows past the limit is refused as well.
    let mut c = Client::connect(&h);
    let _ = c.writer.write_all(&vec![b'a'; 5000]);
    let mut line = String::new();
    c.reader.read_line(&mut line).unwrap();
    assert!(line.contains("P402"), "{line}");
    // Other connections are served.
    assert_eq!(Client::connect(&h).rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    assert_eq!(h.stop().malformed, 2);
}

#[test]
fn an_idle_connection_is_closed() {
    let log = Log::default();
    let config = Config { idle_timeout: Duration::from_millis(200), ..Config::default() };
    let h = start(&lb(&["medecin.mssante.fr"]), config, &log);
    let mut c = Client::connect(&h);
    assert_eq!(c.rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    let start = Instant::now();
    assert!(c.closed());
    assert!(start.elapsed() >= Duration::from_millis(150));
    h.stop();
}

#[test]
fn connections_beyond_the_limit_are_closed() {
    let log = Log::default();
    let config = Config { max_connections: 2, ..Config::default() };
    let h = start(&lb(&["medecin.mssante.fr"]), config, &log);
    let mut a = Client::connect(&h);
    let mut b = Client::connect(&h);
    assert_eq!(a.rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    assert_eq!(b.rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    let mut c = Client::connect(&h);
    assert!(c.closed());
    assert_eq!(log.events("refused_connection").len(), 1);
    drop(a);
    // Once one is gone, a new one is served.
    let start = Instant::now();
    loop {
        let mut d = Client::connect(&h);
        d.writer
            .write_all(b"request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=y@medecin.mssante.fr\n\n")
            .unwrap();
        let mut line = String::new();
        if d.reader.read_line(&mut line).is_ok() && line == "action=DUNNO\n" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(20));
    }
    h.stop();
}

fn replace(path: &Path, text: &str) {
    // Written beside then renamed, as a deployment replaces a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(10), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_liste_blanche_is_reloaded_and_a_broken_file_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lb.xml");
    let first = lb(&["medecin.mssante.fr"]);
    std::fs::write(&path, &first).unwrap();
    let log = Log::default();
    let config = Config { reload_interval: Duration::from_millis(20), ..Config::default() };
    let h =
        Server::bind("127.0.0.1:0", policy(&first), config).unwrap().watch(&path).log_to(log.clone()).spawn().unwrap();
    let mut c = Client::connect(&h);
    assert!(c.rcpt("z@pharmacien.mssante.fr").contains("P201"));

    replace(&path, &lb(&["medecin.mssante.fr", "pharmacien.mssante.fr"]));
    wait_until("reload", || h.stats().reloads == 1);
    assert_eq!(c.rcpt("z@pharmacien.mssante.fr"), "action=DUNNO", "the same connection sees the new list");
    assert_eq!(h.policy().domains(), 2);

    for (n, broken) in ["<ListeBlancheMSSante><ListeDomaines><Domaine>", "", "not xml at all"].iter().enumerate() {
        replace(&path, broken);
        wait_until("reload failure", || h.stats().reload_failures == n as u64 + 1);
        assert_eq!(c.rcpt("z@pharmacien.mssante.fr"), "action=DUNNO", "the list in force is kept");
        assert_eq!(h.stats().reloads, 1);
    }
    std::fs::remove_file(&path).unwrap();
    wait_until("a removed file is a failure too", || h.stats().reload_failures == 4);
    assert_eq!(c.rcpt("z@pharmacien.mssante.fr"), "action=DUNNO");
    let failures = log.events("reload_failed");
    assert_eq!(failures.len(), 4);
    assert!(failures.iter().all(|f| f["message"].as_str().unwrap().ends_with("the liste blanche in force is kept")));
    h.stop();
}

#[test]
fn stop_closes_open_connections_and_joins() {
    let log = Log::default();
    let h = start(&lb(&["medecin.mssante.fr"]), Config::default(), &log);
    let mut idle: Vec<Client> = (0..5).map(|_| Client::connect(&h)).collect();
    for c in &mut idle {
        assert_eq!(c.rcpt("y@medecin.mssante.fr"), "action=DUNNO");
    }
    let start = Instant::now();
    let stats = h.stop();
    assert!(start.elapsed() < Duration::from_secs(5), "stop does not wait for idle connections to time out");
    assert_eq!(stats.requests, 5);
    for c in &mut idle {
        assert!(c.closed());
    }
}
