//! What [`Store::verify`](super::Store::verify) reports.

use super::Store;
use crate::error::{Error, StateCode};
use mssante_bal::Severity;
use serde::Serialize;

/// One thing found wrong (error) or worth knowing (warning) in a state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable code (`S7xx`).
    pub code: StateCode,
    /// An error means the state does not hold what its ledger says.
    pub severity: Severity,
    /// The deposit concerned, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The file concerned (relative to the state), when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What was found.
    pub message: String,
}

impl Finding {
    pub(crate) fn error(code: StateCode, seq: Option<u64>, path: Option<&str>, message: impl Into<String>) -> Self {
        Finding { code, severity: Severity::Error, seq, path: path.map(str::to_owned), message: message.into() }
    }

    pub(crate) fn warning(code: StateCode, seq: Option<u64>, path: Option<&str>, message: impl Into<String>) -> Self {
        Finding { code, severity: Severity::Warning, seq, path: path.map(str::to_owned), message: message.into() }
    }
}

/// The checks every backend shares, through the [`Store`] interface: the
/// content of every accepted deposit against its size and SHA-256, every
/// integrated deposit's CR d'intégration (readable, and about that file and
/// content), every operator's BALs (readable, checked against the ledger,
/// with the count the ledger holds).
pub fn verify_logical(store: &dyn Store) -> Result<Vec<Finding>, Error> {
    let mut out = Vec::new();
    let ledger = store.deposits()?;
    for d in &ledger {
        let seq = Some(d.seq);
        if let Some(f) = &d.failed {
            out.push(Finding::warning(f.code, seq, None, format!("not integrated: {}", f.message)));
        }
        if d.report.is_accepted() {
            match store.content(d.seq) {
                Ok(bytes) => {
                    if !d.report.matches_content(&bytes) {
                        out.push(Finding::error(
                            StateCode::ContentMismatch,
                            seq,
                            None,
                            format!(
                                "stored content ({} bytes) does not match the deposit ({} bytes, SHA-256 {})",
                                bytes.len(),
                                d.report.size,
                                d.report.sha256
                            ),
                        ));
                    }
                }
                Err(e) => out.push(Finding::error(
                    e.state_code().unwrap_or(StateCode::ContentMissing),
                    seq,
                    None,
                    e.to_string(),
                )),
            }
        }
        match store.deposit_report_pipe(d.seq).map(|p| crate::DepositReport::from_pipe(&p)) {
            Ok(Ok(r)) if r == d.report => {}
            Ok(Ok(_)) => out.push(Finding::error(
                StateCode::ReportMismatch,
                seq,
                None,
                "the CR de dépôt differs from the ledger",
            )),
            Ok(Err(e)) | Err(e) => {
                out.push(Finding::error(StateCode::ReportMismatch, seq, None, format!("CR de dépôt: {e}")))
            }
        }
        match (d.integrated_at, store.integration_summary(d.seq)) {
            (None, Ok(None)) => {}
            (Some(at), Ok(Some(s))) => {
                let r = &s.report;
                if r.run_at != at || r.sha256 != d.report.sha256 || r.file_name != d.report.file_name {
                    out.push(Finding::error(
                        StateCode::ReportMismatch,
                        seq,
                        None,
                        "the CR d'intégration is not the one of this deposit and run",
                    ));
                }
            }
            (_, Ok(_)) => out.push(Finding::error(
                StateCode::ReportMismatch,
                seq,
                None,
                "integration status and CR d'intégration disagree",
            )),
            (_, Err(e)) => {
                out.push(Finding::error(StateCode::ReportMismatch, seq, None, format!("CR d'intégration: {e}")))
            }
        }
    }
    for info in store.operators()? {
        match store.load_operator(&info.operator) {
            Ok(bals) if bals.len() as u64 == info.bals => {}
            Ok(bals) => out.push(Finding::error(
                StateCode::DirectoryMismatch,
                None,
                None,
                format!("{} holds {} BALs, the ledger says {}", info.operator, bals.len(), info.bals),
            )),
            Err(e) => out.push(Finding::error(StateCode::DirectoryMismatch, None, None, e.to_string())),
        }
    }
    Ok(out)
}
