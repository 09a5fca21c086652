//! `mssante mail plan|simulate` (glue over `mssante-envelope`).

use anyhow::Context;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::route::{Kind, Refusal, TrustSpace, plan as route};
use mssante_envelope::simulate::{Scenario, simulate as run_scenario};
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
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
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
    let lb_bytes =
        std::fs::read(&a.liste_blanche).with_context(|| format!("cannot read {}", a.liste_blanche.display()))?;
    let lb = ListeBlanche::parse(&lb_bytes).with_context(|| format!("{}", a.liste_blanche.display()))?;
    let recipients: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let p = route(&recipients, &TrustSpace::new(&lb), a.max);
    if a.json {
        let v = json!({
            "recipients": recipients.len(),
            "transactions": p.transactions.iter().map(|t| json!({
                "destination": t.destination.dns,
                "mtas": t.destination.mtas(),
                "recipients": t.recipients.iter().map(|(addr, kind)| json!({
                    "address": addr.as_str(),
                    "patient": matches!(kind, Kind::Patient { .. }),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "refused": p.refused.iter().map(|(addr, why)| json!({"address": addr, "reason": refusal(why)})).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string(&v)?);
    } else {
        outln!(
            "{} recipient(s): {} transaction(s), {} refused",
            recipients.len(),
            p.transactions.len(),
            p.refused.len()
        );
        for t in &p.transactions {
            outln!("  {} recipient(s) → {}", t.recipients.len(), t.destination.mtas().join(", "));
        }
        for (addr, why) in &p.refused {
            outln!("  refused {addr}: {}", refusal(why));
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
