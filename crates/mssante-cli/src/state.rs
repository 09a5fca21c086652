//! Where a command's directory state lives (`--state DIR` or
//! `--state postgres://…`), and the `state` commands.

use crate::args::{StateLoc, StateOpts};
use mssante_cr::error::StateCode;
use mssante_cr::store::Finding;
use mssante_cr::{FsStore, Store};
use serde::Serialize;
use std::time::Duration;

/// How a command opens its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// The state must exist.
    Existing,
    /// Created when absent (or an empty folder).
    OrCreate,
    /// Created; an existing state is an error.
    Create,
}

/// An error about a state, named once (a URL without its password).
pub(crate) fn about(loc: &StateLoc, e: impl Into<anyhow::Error>) -> anyhow::Error {
    crate::files::about(std::path::Path::new(&loc.to_string()), e)
}

/// Opens a state.
pub fn open(opts: &StateOpts, how: Open) -> anyhow::Result<Box<dyn Store>> {
    let timeout = Duration::from_secs(opts.lock_timeout);
    let loc = &opts.state;
    let store: Box<dyn Store> = match loc {
        StateLoc::Folder(p) => {
            let s = match how {
                Open::Existing => FsStore::open(p),
                Open::OrCreate => FsStore::open_or_create(p),
                Open::Create => FsStore::create(p),
            };
            Box::new(s.map_err(|e| about(loc, e))?.with_lock_timeout(timeout))
        }
        StateLoc::Postgres(url) => open_pg(url, how, timeout).map_err(|e| about(loc, e))?,
    };
    Ok(store)
}

#[cfg(feature = "postgres")]
fn open_pg(url: &str, how: Open, timeout: Duration) -> Result<Box<dyn Store>, mssante_cr::Error> {
    use mssante_cr::PgStore;
    let s = match how {
        Open::Existing => PgStore::open(url)?,
        Open::OrCreate => PgStore::open_or_create(url)?,
        Open::Create => {
            let fresh = PgStore::open(url).is_err();
            let s = PgStore::open_or_create(url)?;
            if !fresh {
                return Err(mssante_cr::Error::State {
                    code: StateCode::AlreadyExists,
                    message: "the database already holds an mssante state".into(),
                });
            }
            s
        }
    };
    Ok(Box::new(s.with_lock_timeout(timeout)?))
}

#[cfg(not(feature = "postgres"))]
fn open_pg(_url: &str, _how: Open, _timeout: Duration) -> Result<Box<dyn Store>, mssante_cr::Error> {
    Err(mssante_cr::Error::State {
        code: StateCode::Backend,
        message: "this mssante was built without the postgres feature".into(),
    })
}

/// `mssante state init`.
pub fn init(opts: &StateOpts) -> anyhow::Result<u8> {
    open(opts, Open::Create)?;
    outln!("État créé : {}", opts.state);
    Ok(0)
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    state: String,
    ok: bool,
    errors: usize,
    warnings: usize,
    findings: &'a [Finding],
}

/// `mssante state verify`: 0 sound, 1 something is wrong, 2 no state there.
pub fn verify(opts: &StateOpts, json: bool) -> anyhow::Result<u8> {
    let findings = match open(opts, Open::Existing) {
        Ok(store) => store.verify()?,
        Err(e) => {
            // A damaged manifest is a finding; an absent state is not a state.
            let code = crate::files::code_of(&e).and_then(StateCode::from_code);
            match code {
                Some(c @ (StateCode::ManifestMissing | StateCode::ManifestCorrupt | StateCode::PathOutside)) => {
                    vec![Finding {
                        code: c,
                        severity: mssante_bal::Severity::Error,
                        seq: None,
                        path: Some("manifest.json".into()),
                        message: crate::files::message_of(&e),
                    }]
                }
                _ => return Err(e),
            }
        }
    };
    let errors = findings.iter().filter(|f| f.severity == mssante_bal::Severity::Error).count();
    let warnings = findings.len() - errors;
    if json {
        jsonln!(
            "{}",
            serde_json::to_string(&VerifyJson {
                state: opts.state.to_string(),
                ok: errors == 0,
                errors,
                warnings,
                findings: &findings
            })?
        );
    } else {
        outln!("État {} : {errors} erreur(s), {warnings} avertissement(s)", opts.state);
        for f in &findings {
            let seq = f.seq.map(|s| format!(" dépôt {s}")).unwrap_or_default();
            let path = f.path.as_deref().map(|p| format!(" {p}")).unwrap_or_default();
            let word = if f.severity == mssante_bal::Severity::Error { "erreur" } else { "avertissement" };
            outln!("  {} {word}{seq}{path} : {}", f.code, f.message);
        }
    }
    Ok(if errors == 0 { 0 } else { 1 })
}

/// `mssante state export`: any state → a new state folder.
pub fn export(opts: &StateOpts, dir: &std::path::Path) -> anyhow::Result<u8> {
    let from = open(opts, Open::Existing)?;
    let mut to = FsStore::create(dir).map_err(|e| crate::files::about(dir, e))?;
    to.import(&*from).map_err(|e| crate::files::about(dir, e))?;
    let deposits = from.deposits()?.len();
    let operators = from.operators()?.len();
    outln!("État {} exporté dans {} : {deposits} dépôt(s), {operators} opérateur(s)", opts.state, dir.display());
    Ok(0)
}
