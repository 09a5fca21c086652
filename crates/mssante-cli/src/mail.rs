//! `mssante mail plan|simulate|notice` (glue over `mssante-envelope`).

use crate::args::{LaneArg, NoticeArgs, PlanArgs, SimulateArgs};
use crate::commands::read_liste_blanche;
use crate::files::{self, printable};
use anyhow::Context;
use mssante_envelope::message::{Draft, Mailbox};
use mssante_envelope::route::{Kind, Refusal, TrustSpace, plan as route};
use mssante_envelope::simulate::{Scenario, simulate as run_scenario};
use mssante_envelope::throttle::{Budgets, Lane, Throttle};
use serde_json::json;

/// Exit status 0 written, 1 refused.
pub fn notice(a: &NoticeArgs) -> anyhow::Result<u8> {
    let notice = crate::incident::load_notice(&a.notice)?;
    let mailbox = |addr: &str| Mailbox::new(addr.trim()).with_context(|| format!("destinataire {:?}", addr));
    let from = match &a.from_name {
        Some(n) => Mailbox::named(n, &a.from),
        None => Mailbox::new(&a.from),
    }
    .with_context(|| "--from")?;
    let title = format!("{} du {}", notice.title, notice.date.format("%d/%m/%Y"));
    let text = notice.to_text().map_err(|e| files::about(&a.notice, e))?;
    let mut d = Draft::notice(from.clone(), &title, text);
    for t in &a.to {
        d = d.to(mailbox(t)?);
    }
    for c in &a.cc {
        d = d.cc(mailbox(c)?);
    }
    for b in &a.bcc {
        d = d.bcc(mailbox(b)?);
    }
    if let Some(n) = &a.nil {
        d = d.nil(n);
    }
    if a.disposition_notification {
        d = d.disposition_notification_to(from);
    }
    if let Some(id) = &a.message_id {
        d = d.message_id(id);
    }
    if let Some(t) = &a.date {
        let t = chrono::DateTime::parse_from_rfc3339(t).with_context(|| format!("--date {t:?} : RFC 3339 attendu"))?;
        d = d.date(t.timestamp());
    }
    if let Some(lb_path) = &a.liste_blanche {
        let lb = read_liste_blanche(lb_path)?;
        let all: Vec<&str> = a.to.iter().chain(&a.cc).chain(&a.bcc).map(String::as_str).collect();
        let p = route(&all, &TrustSpace::new(&lb), 100);
        let outside: Vec<_> = p.refused.iter().filter(|r| r.reason != Refusal::Duplicate).collect();
        if !outside.is_empty() {
            for r in outside {
                eprintln!("mssante: refusé {} : {} {}", printable(&r.input), r.reason.code(), refusal_fr(&r.reason));
            }
            return Ok(1);
        }
    }
    let built = d.build()?;
    if let Err(e) = built.check_size(a.max_size) {
        eprintln!("mssante: {} {e}", e.code());
        return Ok(1);
    }
    if a.output.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().lock().write_all(&built.bytes)?;
        return Ok(0);
    }
    std::fs::write(&a.output, &built.bytes).map_err(|e| files::about(&a.output, e))?;
    let lines = built.envelope.lines();
    if a.json {
        let v = json!({
            "output": a.output.display().to_string(),
            "bytes": built.bytes.len(),
            "message_id": built.message_id,
            "envelope": lines,
        });
        jsonln!("{}", serde_json::to_string(&v)?);
    } else {
        outln!("{} écrit : {} octets, Message-ID <{}>", a.output.display(), built.bytes.len(), built.message_id);
        for l in lines {
            outln!("  {l}");
        }
    }
    Ok(0)
}

/// For people.
fn refusal_fr(r: &Refusal) -> String {
    match r {
        Refusal::Syntax(e) => format!("syntaxe : {e}"),
        Refusal::NotInTrustSpace => "domaine absent de la liste blanche".into(),
        Refusal::BadIns => "adresse patient sans INS valide".into(),
        Refusal::Duplicate => "en double".into(),
        other => format!("{other:?}"),
    }
}

/// The stable reason of `--json` (English, as the keys).
fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::Syntax(e) => format!("syntax: {e}"),
        Refusal::NotInTrustSpace => "domain not in the liste blanche".into(),
        Refusal::BadIns => "patient address without a valid INS".into(),
        Refusal::Duplicate => "duplicate".into(),
        other => format!("{other:?}"),
    }
}

/// Exit status 0 all routed, 1 some refused.
pub fn plan(a: &PlanArgs) -> anyhow::Result<u8> {
    let text = files::read_text(&a.recipients)?;
    let lb = read_liste_blanche(&a.liste_blanche)?;
    // Blank lines are skipped; every other line is routed or refused with its line number.
    let (line_of, recipients): (Vec<usize>, Vec<&str>) =
        text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l)).unzip();
    let p = route(&recipients, &TrustSpace::new(&lb), a.max);
    let budgets = Budgets::default();
    let lane = match a.lane {
        LaneArg::Clinical => Lane::Clinical,
        LaneArg::Bulk => Lane::Bulk,
    };
    let slots = Throttle::new(&budgets).schedule(lane, &p);
    if a.json {
        let v = json!({
            "recipients": recipients.len(),
            "transactions": p.transactions.iter().zip(&slots).map(|(t, slot)| json!({
                "destination": t.destination.dns,
                "slot": slot,
                "mtas": t.destination.mtas(),
                "recipients": t.recipients.iter().map(|(addr, kind)| json!({
                    "address": addr.as_str(),
                    "patient": matches!(kind, Kind::Patient { .. }),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "refused": p.refused.iter().map(|r| json!({
                "line": line_of[r.index],
                "address": r.input,
                "code": r.reason.code(),
                "reason": refusal(&r.reason),
            })).collect::<Vec<_>>(),
        });
        jsonln!("{}", serde_json::to_string(&v)?);
    } else {
        outln!(
            "{} destinataire(s) : {} transaction(s), {} refusé(s)",
            recipients.len(),
            p.transactions.len(),
            p.refused.len()
        );
        for (t, slot) in p.transactions.iter().zip(&slots) {
            outln!(
                "  {} destinataire(s) → {} (connexion {}, pas avant +{} s)",
                t.recipients.len(),
                printable(&t.destination.mtas().join(", ")),
                slot.connection,
                slot.start_ms / 1000
            );
        }
        for r in &p.refused {
            let line = format!(
                "{}:{}: {} refusé {} : {}",
                files::shown(&a.recipients),
                line_of[r.index],
                r.reason.code(),
                r.input,
                refusal_fr(&r.reason)
            );
            outln!("{}", printable(&line));
        }
    }
    Ok(if p.refused.is_empty() { 0 } else { 1 })
}

/// Exit status 0.
pub fn simulate(a: &SimulateArgs) -> anyhow::Result<u8> {
    let s = Scenario {
        alerts: a.alerts,
        clinical: a.clinical,
        clinical_window: a.window,
        capacity: a.capacity.max(1),
        budget: a.budget.max(1),
        lanes: true,
        clinical_share: a.clinical_share.clamp(0.0, 1.0),
        seed: a.seed,
        ..Scenario::default()
    };
    let lanes = run_scenario(&s);
    let fifo = run_scenario(&Scenario { lanes: false, ..s.clone() });
    if a.json {
        jsonln!("{}", serde_json::to_string(&json!({ "with_lanes": lanes, "without_lanes": fifo }))?);
    } else {
        outln!(
            "{} alertes + {} messages cliniques, la destination accepte {}/s, l'émetteur propose {}/s",
            a.alerts,
            a.clinical,
            s.capacity,
            s.budget
        );
        for (name, r) in [("avec voies séparées", &lanes), ("sans voies séparées", &fifo)] {
            outln!("{name} : tout est réglé après {} s", r.duration);
            for (lane, st) in [("clinique", &r.clinical), ("alertes", &r.alerts)] {
                outln!(
                    "  {lane:<8} délai p50 {} s, p90 {} s, p99 {} s, max {} s ; {} remis, {} abandonnés, {} reports",
                    st.p50,
                    st.p90,
                    st.p99,
                    st.max,
                    st.delivered,
                    st.given_up,
                    st.deferrals
                );
            }
        }
    }
    Ok(0)
}

/// `mssante mail dsn`: exit 0 read, 2 not a DSN.
pub fn dsn(file: &std::path::Path, json: bool) -> anyhow::Result<u8> {
    let raw = files::read(file)?;
    let report = mssante_envelope::dsn::Report::parse(&raw).map_err(|e| files::about(file, e))?;
    if json {
        let recipients: Vec<_> = report
            .recipients
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["address"] = json!(r.address());
                v["status"] = json!(format!("{}.{}.{}", r.status.0, r.status.1, r.status.2));
                v["class"] = json!(format!("{:?}", r.class()).to_lowercase());
                v
            })
            .collect();
        let mut v = serde_json::to_value(&report)?;
        v["recipients"] = json!(recipients);
        jsonln!("{v}");
        return Ok(0);
    }
    outln!("{} : rapport de {}", files::shown(file), files::printable(&report.reporting_mta.value));
    if let Some(id) = &report.envelope_id {
        outln!("  ENVID : {}", files::printable(id));
    }
    for r in &report.recipients {
        let diag = r.diagnostic.as_ref().map(|d| format!(" — {}", d.value)).unwrap_or_default();
        outln!(
            "  {} : {:?} {}.{}.{} ({:?}){}",
            files::printable(r.address()),
            r.action,
            r.status.0,
            r.status.1,
            r.status.2,
            r.class(),
            files::printable(&diag)
        );
    }
    Ok(0)
}
