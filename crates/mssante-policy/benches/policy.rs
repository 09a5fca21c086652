//! Decisions per second over loopback, 50 concurrent Postfix-like
//! connections, against a full-size liste blanche; latency percentiles.
//!
//! Baseline: a server with the same framing and threading that answers
//! `action=DUNNO` without parsing or deciding (the floor of the protocol
//! over loopback on this machine). Both run in one process, one after the
//! other, with the load generator on the same 2 cores.
//!
//! Then the service again at the goal's rate (20,000 decisions/s in all,
//! open loop): its latency under that load rather than at saturation.
//!
//! `cargo bench -p mssante-policy --bench policy -- [SECONDS] [CONNECTIONS]`

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_policy::policy::{Policy, Settings};
use mssante_policy::server::{Config, Server};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// ~7,000 entries over 5,000 domains and 350 operators, shaped like the
/// national liste blanche (one entry per domain and sending MTA).
fn liste_blanche() -> String {
    let mut xml =
        String::from("<ListeBlancheMSSante xmlns=\"https://listeblanche.mssante.fr/schema\"><ListeDomaines>\n");
    let mut entries = 0;
    for d in 0..5000 {
        let op = d % 350;
        let mtas = if d % 5 < 2 { 2 } else { 1 };
        for m in 0..mtas {
            xml.push_str(&format!(
                "<Domaine><Nom>dom{d}.mssante.fr</Nom><Description>Domaine {d}</Description>\
                 <DNCertificatOperateur>CN=mta{m}.operateur{op}.test,OU={:014},O=OPERATEUR {op},ST=Exemple (99),C=FR</DNCertificatOperateur>\
                 <DateMAJ>2024-01-15</DateMAJ></Domaine>\n",
                26_000_000_000_000u64 + op as u64
            ));
            entries += 1;
        }
    }
    xml.push_str("</ListeDomaines></ListeBlancheMSSante>\n");
    assert!(entries >= 7000, "{entries}");
    xml
}

/// The requests a connection cycles through: inbound accepted, inbound
/// refused (another operator's certificate), outbound accepted, outbound
/// refused.
fn requests(i: usize) -> Vec<Vec<u8>> {
    let d = (i * 37) % 5000;
    let op = d % 350;
    let common = "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.10\n\
                  client_name=mx.example\nreverse_client_name=mx.example\nhelo_name=mx.example\nqueue_id=\n\
                  instance=1a2b.5f3e4d2c.a1b2c.0\nsize=0\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\n\
                  sasl_sender=\nccert_fingerprint=AA:BB:CC\nccert_pubkey_fingerprint=DD:EE:FF\n\
                  encryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\npolicy_context=\nserver_address=127.0.0.1\n\
                  server_port=25\ncompatibility_level=3.6\nmail_version=3.7.11\n";
    let inbound = |cn: &str| {
        format!(
            "{common}sender=dr.{i}@dom{d}.mssante.fr\nrecipient=secretariat@dom0.mssante.fr\nencryption_protocol=TLSv1.3\n\
             ccert_subject={cn}\nccert_issuer=AC+20IGC-SANTE+20ELEMENTAIRE+20ORGANISATIONS\n\n"
        )
        .into_bytes()
    };
    let outbound = |rcpt: &str| {
        format!("{common}sender=s@dom0.mssante.fr\nrecipient={rcpt}\nencryption_protocol=\nccert_subject=\nccert_issuer=\n\n")
            .into_bytes()
    };
    vec![
        inbound(&format!("mta0.operateur{op}.test")),
        inbound(&format!("mta0.operateur{}.test", (op + 1) % 350)),
        outbound(&format!("x@dom{}.mssante.fr", (d + 11) % 5000)),
        outbound("x@gmail.example"),
    ]
}

/// The baseline: same framing, same threads, no parsing, no decision.
fn echo_server(stop: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_nodelay(true);
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match r.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == b"\n" => {
                            if w.write_all(b"action=DUNNO\n\n").is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    addr
}

struct Run {
    decisions: usize,
    seconds: f64,
    latencies_us: Vec<u64>,
}

/// Closed loop (`rate` None: each connection sends its next request as soon
/// as it has the answer: the most the service can do), or open loop at
/// `rate` requests per second in all, each connection on a fixed schedule,
/// the latency measured from the scheduled time (a late answer delays the
/// next send: no coordinated omission).
fn load(addr: SocketAddr, connections: usize, duration: Duration, rate: Option<u64>) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let reqs = requests(c);
                let mut lat = Vec::with_capacity(100_000);
                let mut line = String::new();
                let mut i = 0;
                let interval = rate.map(|r| Duration::from_nanos(1_000_000_000 * connections as u64 / r));
                // Connections start spread over one interval.
                let mut next =
                    Instant::now() + interval.map_or(Duration::ZERO, |iv| iv * c as u32 / connections as u32);
                while !stop.load(Ordering::Relaxed) {
                    let t = match interval {
                        None => Instant::now(),
                        Some(iv) => {
                            let now = Instant::now();
                            if next > now {
                                std::thread::sleep(next - now);
                            }
                            let scheduled = next;
                            next += iv;
                            scheduled
                        }
                    };
                    w.write_all(&reqs[i % reqs.len()]).unwrap();
                    line.clear();
                    r.read_line(&mut line).unwrap();
                    assert!(line.starts_with("action="), "{line}");
                    line.clear();
                    r.read_line(&mut line).unwrap();
                    lat.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
                    i += 1;
                }
                lat
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::SeqCst);
    let mut latencies_us: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let seconds = start.elapsed().as_secs_f64();
    latencies_us.sort_unstable();
    Run { decisions: latencies_us.len(), seconds, latencies_us }
}

fn pct(v: &[u64], p: f64) -> f64 {
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)] as f64 / 1000.0
}

fn report(name: &str, r: &Run) -> f64 {
    let rate = r.decisions as f64 / r.seconds;
    println!(
        "{name:<34} {:>9} answers in {:>5.1} s = {:>8.0}/s   p50 {:>6.3} ms   p99 {:>6.3} ms   p99.9 {:>6.3} ms   max {:>7.3} ms",
        r.decisions,
        r.seconds,
        rate,
        pct(&r.latencies_us, 0.5),
        pct(&r.latencies_us, 0.99),
        pct(&r.latencies_us, 0.999),
        pct(&r.latencies_us, 1.0)
    );
    rate
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let xml = liste_blanche();
    let t = Instant::now();
    let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
    let policy = Policy::new(&lb, Settings::new(["dom0.mssante.fr"]).unwrap());
    println!(
        "liste blanche: {} entries, {} domains, read and indexed in {:.1} ms; {connections} connections, {seconds} s each run",
        lb.entries().len(),
        policy.domains(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let duration = Duration::from_secs(seconds);

    let stop_echo = Arc::new(AtomicBool::new(false));
    let echo = echo_server(Arc::clone(&stop_echo));
    let base = load(echo, connections, duration, None);
    stop_echo.store(true, Ordering::SeqCst);
    let _ = TcpStream::connect(echo);
    let base_rate = report("baseline (DUNNO echo, no decision)", &base);

    let handle =
        Server::bind("127.0.0.1:0", policy, Config::default()).unwrap().log_to(std::io::sink()).spawn().unwrap();
    let run = load(handle.local_addr(), connections, duration, None);
    let rate = report("mssante policy (decision + log)", &run);
    println!("ratio policy / baseline: {:.2}", rate / base_rate);
    let paced = load(handle.local_addr(), connections, duration, Some(20_000));
    report("mssante policy at 20,000/s (paced)", &paced);
    let stats = handle.stop();
    assert_eq!(stats.requests as usize, run.decisions + paced.decisions);
    assert!(stats.refused > 0 && stats.malformed == 0);
}
