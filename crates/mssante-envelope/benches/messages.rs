//! Benchmark: plan and build 100,000 notice messages.
//!
//! Input: a synthetic liste blanche (mssante-bal's generator, seed 7, sized like
//! the real one: 5,000 domains, 333 operators, plus the patient domain) and
//! 100,000 recipients spread over its domains (1 % outside the trust space,
//! 1 % patient addresses); the body is the real notice of December 2020 (2.1 kB).
//! One message per recipient (a personalised notice), Message-ID and Date given.
//!
//! Measured, median of interleaved rounds:
//! * baseline: mail-builder alone writing the same 100,000 messages from the
//!   same values — no checks, no envelope, no routing;
//! * `plan`: index the liste blanche (`TrustSpace::new`), route the 100,000
//!   recipients (`route::plan`, 100 per transaction) and give every
//!   transaction a slot (`Throttle`, bulk lane);
//! * `build`: check and write 100,000 messages with their envelopes
//!   (`Draft::build`), the notice body encoded once (`Body`) and shared;
//! * `plan + build`: both.
//!
//! Run: `cargo bench -p mssante-envelope --bench messages [-- MESSAGES [RUNS]]`.

use mail_builder::MessageBuilder;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::message::{Body, Draft, Mailbox};
use mssante_envelope::route::{TrustSpace, plan};
use mssante_envelope::throttle::{Budgets, Lane, Throttle};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);

    // The generator sized for the real directory: 5,000 domains, 333 operators.
    let mut g = Generator::new(7, 535_000);
    let mut lb_xml = Vec::new();
    g.write_liste_blanche(&mut lb_xml).unwrap();
    let patient = "<Domaine><Nom>patient.mssante.fr</Nom><DNCertificatOperateur>CN=mta.patient.example,OU=CNAM,O=EXEMPLE,C=FR</DNCertificatOperateur></Domaine></ListeDomaines>";
    let lb_xml = String::from_utf8(lb_xml).unwrap().replace("</ListeDomaines>", patient);
    let lb = ListeBlanche::parse(lb_xml.as_bytes()).unwrap();
    let domains: Vec<String> = g.domains().iter().map(|d| d.name.clone()).collect();
    let recipients: Vec<String> = (0..n)
        .map(|i| match i % 100 {
            0 => format!("agent{i}@hors-espace.example.fr"),
            1 => {
                let body = 1_990_199_000_000u64 + i as u64;
                format!("{body}{:02}@patient.mssante.fr", 97 - body % 97)
            }
            _ => format!("prenom.nom{i}@{}", domains[i % domains.len()]),
        })
        .collect();
    let notice_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/incidents-mssante-2020-12.txt");
    let notice: String = std::fs::read_to_string(notice_path).unwrap().lines().flat_map(|l| [l, "\r\n"]).collect();
    let from = Mailbox::named("Supervision Opérateur Exemple", "supervision@operateur-exemple.mssante.fr").unwrap();
    let ids: Vec<String> = (0..n).map(|i| format!("notice-{i}@operateur-exemple.mssante.fr")).collect();
    eprintln!(
        "{} domains, {} destination operators, {n} recipients, body {} bytes, {runs} runs",
        lb.domain_count(),
        TrustSpace::new(&lb).destinations().len(),
        notice.len()
    );

    let do_plan = || {
        let space = TrustSpace::new(&lb);
        let p = plan(&recipients, &space, 100);
        let budgets = Budgets::default();
        let mut t = Throttle::new(&budgets);
        let slots = t.schedule(Lane::Bulk, &p);
        (p, slots.len())
    };
    let build = |p: &mssante_envelope::route::Plan| {
        let mut bytes = 0usize;
        let mut i = 0;
        // The notice is encoded once and shared by the 100,000 messages.
        let body = Body::new(notice.as_str());
        for t in &p.transactions {
            for (addr, _) in &t.recipients {
                let to = Mailbox::new(addr.as_str()).unwrap();
                let built = Draft::notice(from.clone(), "Incidents MSSanté du 11/12/2020", body.clone())
                    .to(to)
                    .nil("NIL-EXEMPLE-0001")
                    .message_id(ids[i].as_str())
                    .date(1_607_709_600)
                    .build()
                    .unwrap();
                bytes += built.bytes.len();
                i += 1;
            }
        }
        (i, bytes)
    };
    let baseline = |p: &mssante_envelope::route::Plan| {
        let mut bytes = 0usize;
        let mut i = 0;
        for t in &p.transactions {
            for (addr, _) in &t.recipients {
                let m = MessageBuilder::new()
                    .from(("Supervision Opérateur Exemple", "supervision@operateur-exemple.mssante.fr"))
                    .to(addr.as_str())
                    .subject("[MSSanté] Incidents MSSanté du 11/12/2020")
                    .header("X-MSS-NIL", mail_builder::headers::raw::Raw::new("NIL-EXEMPLE-0001"))
                    .message_id(ids[i].as_str())
                    .date(1_607_709_600i64)
                    .text_body(notice.as_str());
                let mut out = Vec::new();
                m.serialize(&mut out);
                bytes += out.len();
                i += 1;
            }
        }
        (i, bytes)
    };

    let (p, slots) = do_plan();
    let routed: usize = p.transactions.iter().map(|t| t.recipients.len()).sum();
    eprintln!("{routed} routed in {} transactions ({slots} slots), {} refused", p.transactions.len(), p.refused.len());
    let (built_n, built_bytes) = build(&p);
    eprintln!("{built_n} messages, {:.1} MB", built_bytes as f64 / 1e6);

    let (mut t_base, mut t_plan, mut t_build, mut t_total) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let s = Instant::now();
        black_box(baseline(&p));
        t_base.push(s.elapsed());

        let s = Instant::now();
        let (p2, _) = black_box(do_plan());
        let planned = s.elapsed();
        t_plan.push(planned);
        let s = Instant::now();
        black_box(build(&p2));
        let built = s.elapsed();
        t_build.push(built);
        t_total.push(planned + built);
    }
    let base = median(t_base);
    println!("baseline mail-builder alone : {:8.1} ms", ms(base));
    println!("plan (route + slots)        : {:8.1} ms", ms(median(t_plan)));
    println!("build (checks + envelope)   : {:8.1} ms", ms(median(t_build)));
    let total = median(t_total);
    println!("plan + build                : {:8.1} ms  (x{:.2} of baseline)", ms(total), ms(total) / ms(base));
}
