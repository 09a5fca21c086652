//! `mssante policy serve` and `mssante liste-blanche export`.

use crate::args::{ExportArgs, MapFormatArg, ServeArgs};
use crate::commands::read_liste_blanche;
use crate::files;
use anyhow::Context as _;
use mssante_envelope::throttle::{Budget, Budgets};
use mssante_policy::bulk::BulkSenders;
use mssante_policy::maps::{MapFormat, export as export_map};
use mssante_policy::policy::{Mode, Policy, Settings};
use mssante_policy::server::{Config, Server};
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Largest request accepted whatever `--max-request-bytes` says.
const MAX_REQUEST_CAP: usize = 1024 * 1024;
/// Most connections served at once whatever `--max-connections` says.
const MAX_CONNECTIONS_CAP: usize = 10_000;

/// `mssante liste-blanche export`.
pub(crate) fn export(a: &ExportArgs) -> anyhow::Result<u8> {
    let lb = read_liste_blanche(&a.file)?;
    let format = match a.format {
        MapFormatArg::Transport => MapFormat::Transport,
        MapFormatArg::TlsPolicy => MapFormat::TlsPolicy,
        MapFormatArg::RecipientAccess => MapFormat::RecipientAccess,
    };
    if a.transport.is_empty() || !a.transport.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        anyhow::bail!("--transport {:?}: a master.cf service name (letters, digits, - _ .)", a.transport);
    }
    let (table, skipped) = export_map(&lb, format, &a.transport);
    // The reader already refused the entries it could not use (a name with
    // `@`, no DN…); the export leaves out the names IDNA refuses.
    let left_out = lb.entries_rejected() + skipped as u64;
    if left_out > 0 {
        eprintln!(
            "mssante: {left_out} entrée(s) sans domaine utilisable laissée(s) de côté (voir `liste-blanche check`)"
        );
    }
    match &a.output {
        None => std::io::stdout().lock().write_all(table.as_bytes())?,
        Some(path) => {
            // Replaced in one step: Postfix (or postmap) never reads half a table.
            let tmp = path.with_extension("mssante-tmp");
            std::fs::write(&tmp, table.as_bytes()).map_err(|e| files::about(&tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| files::about(path, e))?;
        }
    }
    Ok(0)
}

/// `mssante policy serve`: serves until SIGTERM or SIGINT.
pub(crate) fn serve(a: &ServeArgs) -> anyhow::Result<u8> {
    let lb = read_liste_blanche(&a.liste_blanche)?;
    if lb.entries().is_empty() {
        return Err(files::about(&a.liste_blanche, anyhow::anyhow!("the liste blanche has no usable entry")));
    }
    let bulk = match &a.bulk_senders {
        Some(path) => BulkSenders::parse(&files::read_text(path)?).map_err(|e| files::about(path, e))?,
        None => BulkSenders::new(),
    };
    // The bulk budget: `bulk_per_minute` for the bulk lane, one more reserved
    // for the clinical lane (which this rule never defers).
    let per_minute = a.bulk_per_minute.clamp(1, u32::MAX - 1);
    let budget = Budget::new(2, per_minute + 1, 1, 1).context("--bulk-per-minute")?;
    let mut settings = Settings::new(&a.own_domains)?
        .bulk_senders(bulk)
        .budgets(Budgets::new(budget))
        .mode(if a.dry_run { Mode::DryRun } else { Mode::Enforce });
    if !a.issuer_cn.is_empty() {
        if a.issuer_cn.iter().any(|cn| cn.trim().is_empty()) {
            anyhow::bail!("--issuer-cn: an empty CN");
        }
        settings = settings.issuers(&a.issuer_cn);
    }
    let policy = Policy::new(&lb, settings);
    let config = Config {
        max_request_bytes: capped("--max-request-bytes", a.max_request_bytes.max(64), MAX_REQUEST_CAP),
        max_connections: capped("--max-connections", a.max_connections.max(1), MAX_CONNECTIONS_CAP),
        idle_timeout: Duration::from_secs(a.idle_timeout.clamp(1, 86_400)),
        reload_interval: Duration::from_millis(a.reload_interval_ms.clamp(10, 3_600_000)),
    };
    let server = Server::bind(a.listen.as_str(), policy, config)
        .with_context(|| format!("cannot listen on {}", a.listen))?
        .watch(&a.liste_blanche)
        .log_to(std::io::stderr());
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).context("cannot catch SIGTERM")?;
    }
    let handle = server.spawn()?;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    handle.stop();
    Ok(0)
}

/// A size argument beyond its cap is capped, with a notice.
fn capped(name: &str, value: usize, cap: usize) -> usize {
    if value > cap {
        eprintln!("mssante: {name} {value} ramené à {cap}");
        cap
    } else {
        value
    }
}
