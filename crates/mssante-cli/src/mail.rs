//! `mssante mail plan|simulate|notice` (glue over `mssante-envelope`).

use crate::commands::read_liste_blanche;
use anyhow::Context;
use mssante_envelope::message::{Draft, Mailbox};
use mssante_envelope::route::{Kind, Refusal, TrustSpace, plan as route};
use mssante_envelope::simulate::{Scenario, simulate as run_scenario};
use mssante_envelope::throttle::{Budgets, Lane, Throttle};
use serde_json::json;
use std::path::PathBuf;

/// `mail plan`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// One recipient address per line.
    #[arg(long)]
    pub recipients: PathBuf,
    /// The liste blanche.
    #[arg(long)]
    pub liste_blanche: PathBuf,
    /// Most recipients per SMTP transaction.
    #[arg(long, default_value_t = 100)]
    pub max: usize,
    /// Lane of the mail: each transaction gets a slot (connection, earliest
    /// start) within the destination's budget for that lane.
    #[arg(long, value_enum, default_value_t = LaneArg::Clinical)]
    pub lane: LaneArg,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--lane`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneArg {
    /// Mail between care providers.
    Clinical,
    /// Mass alerts and other bulk mail.
    Bulk,
}

/// `mail simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Alert messages queued at once.
    #[arg(long, default_value_t = 50_000)]
    pub alerts: u32,
    /// Clinical messages, arriving over --window seconds.
    #[arg(long, default_value_t = 500)]
    pub clinical: u32,
    /// Seconds over which clinical mail arrives.
    #[arg(long, default_value_t = 3_600)]
    pub window: u32,
    /// Messages per second the destination accepts.
    #[arg(long, default_value_t = 20)]
    pub capacity: u32,
    /// Messages per second the sender offers.
    #[arg(long, default_value_t = 20)]
    pub budget: u32,
    /// Share of the budget reserved for clinical mail.
    #[arg(long, default_value_t = 0.2)]
    pub clinical_share: f64,
    /// Jitter seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `mail notice`.
#[derive(clap::Args, Debug)]
pub struct NoticeArgs {
    /// The notice: JSON (`incident parse --json`) or the French text.
    pub notice: PathBuf,
    /// Recipients (repeat, or comma-separated).
    #[arg(long, required = true, value_delimiter = ',')]
    pub to: Vec<String>,
    /// Copy recipients.
    #[arg(long, value_delimiter = ',')]
    pub cc: Vec<String>,
    /// Blind recipients: in the envelope only, never in the message.
    #[arg(long, value_delimiter = ',')]
    pub bcc: Vec<String>,
    /// Sender address.
    #[arg(long, default_value = "supervision@operateur-exemple.mssante.fr")]
    pub from: String,
    /// Sender display name.
    #[arg(long)]
    pub from_name: Option<String>,
    /// `X-MSS-NIL`: the product reference given at declaration.
    #[arg(long)]
    pub nil: Option<String>,
    /// Ask for a disposition notification (MDN) to the sender.
    #[arg(long)]
    pub disposition_notification: bool,
    /// Message-ID (`left@right`), for reproducible output.
    #[arg(long)]
    pub message_id: Option<String>,
    /// Date, RFC 3339 (e.g. 2020-12-11T18:00:00Z), for reproducible output.
    #[arg(long)]
    pub date: Option<String>,
    /// Refuse recipients outside this liste blanche.
    #[arg(long)]
    pub liste_blanche: Option<PathBuf>,
    /// Largest message accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_size: u64,
    /// Where to write the message (`-` for stdout).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Print exactly one JSON object on stdout (not with `-o -`).
    #[arg(long)]
    pub json: bool,
}

/// Exit status 0 written, 1 refused.
pub fn notice(a: &NoticeArgs) -> anyhow::Result<u8> {
    let raw = std::fs::read(&a.notice).with_context(|| format!("cannot read {}", a.notice.display()))?;
    let notice: mssante_incident::Notice = match serde_json::from_slice(&raw) {
        Ok(n) => n,
        Err(json_err) => {
            let text = std::str::from_utf8(&raw).with_context(|| format!("{}: not UTF-8", a.notice.display()))?;
            if text.trim_start().starts_with('{') {
                return Err(json_err).with_context(|| format!("{}: not a notice JSON", a.notice.display()));
            }
            mssante_incident::parse::parse_notice(text, None).with_context(|| format!("{}", a.notice.display()))?
        }
    };
    let mailbox = |addr: &str| Mailbox::new(addr.trim()).with_context(|| format!("recipient {addr:?}"));
    let from = match &a.from_name {
        Some(n) => Mailbox::named(n, &a.from),
        None => Mailbox::new(&a.from),
    }
    .with_context(|| "--from")?;
    let title = format!("{} du {}", notice.title, notice.date.format("%d/%m/%Y"));
    let mut d = Draft::notice(from.clone(), &title, notice.to_text());
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
        let t = chrono::DateTime::parse_from_rfc3339(t).with_context(|| format!("--date {t:?}: expected RFC 3339"))?;
        d = d.date(t.timestamp());
    }
    if let Some(lb_path) = &a.liste_blanche {
        let lb = read_liste_blanche(lb_path)?;
        let all: Vec<&str> = a.to.iter().chain(&a.cc).chain(&a.bcc).map(String::as_str).collect();
        let p = route(&all, &TrustSpace::new(&lb), 100);
        let outside: Vec<_> = p.refused.iter().filter(|r| r.reason != Refusal::Duplicate).collect();
        if !outside.is_empty() {
            for r in outside {
                eprintln!("mssante: refused {}: [{}] {}", r.input, r.reason.code(), refusal(&r.reason));
            }
            return Ok(1);
        }
    }
    let built = d.build()?;
    if let Err(e) = built.check_size(a.max_size) {
        eprintln!("mssante: [{}] {e}", e.code());
        return Ok(1);
    }
    if a.output.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().lock().write_all(&built.bytes)?;
        return Ok(0);
    }
    std::fs::write(&a.output, &built.bytes).with_context(|| format!("cannot write {}", a.output.display()))?;
    let lines = built.envelope.lines();
    if a.json {
        let v = json!({
            "output": a.output.display().to_string(),
            "bytes": built.bytes.len(),
            "message_id": built.message_id,
            "envelope": lines,
        });
        outln!("{}", serde_json::to_string(&v)?);
    } else {
        outln!("{} written: {} bytes, Message-ID <{}>", a.output.display(), built.bytes.len(), built.message_id);
        for l in lines {
            outln!("  {l}");
        }
    }
    Ok(0)
}

fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::Syntax(e) => format!("syntax: {e}"),
        Refusal::NotInTrustSpace => "domain not in the liste blanche".into(),
        Refusal::BadIns => "patient address without a valid INS".into(),
        Refusal::Duplicate => "duplicate".into(),
    }
}

/// Exit status 0 all routed, 1 some refused.
pub fn plan(a: &PlanArgs) -> anyhow::Result<u8> {
    let text =
        std::fs::read_to_string(&a.recipients).with_context(|| format!("cannot read {}", a.recipients.display()))?;
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
        outln!("{}", serde_json::to_string(&v)?);
    } else {
        outln!(
            "{} recipient(s): {} transaction(s), {} refused",
            recipients.len(),
            p.transactions.len(),
            p.refused.len()
        );
        for (t, slot) in p.transactions.iter().zip(&slots) {
            outln!(
                "  {} recipient(s) → {} (connection {}, not before +{} s)",
                t.recipients.len(),
                t.destination.mtas().join(", "),
                slot.connection,
                slot.start_ms / 1000
            );
        }
        for r in &p.refused {
            outln!("  line {}: refused {}: [{}] {}", line_of[r.index], r.input, r.reason.code(), refusal(&r.reason));
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
        outln!("{}", serde_json::to_string(&json!({ "with_lanes": lanes, "without_lanes": fifo }))?);
    } else {
        outln!(
            "{} alerts + {} clinical messages, destination accepts {}/s, sender offers {}/s",
            a.alerts,
            a.clinical,
            s.capacity,
            s.budget
        );
        for (name, r) in [("with lanes", &lanes), ("without lanes", &fifo)] {
            outln!("{name}: all settled after {} s", r.duration);
            for (lane, st) in [("clinical", &r.clinical), ("alerts", &r.alerts)] {
                outln!(
                    "  {lane:<8} delay p50 {} s, p90 {} s, p99 {} s, max {} s; {} delivered, {} given up, {} deferrals",
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
