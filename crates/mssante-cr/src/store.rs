//! Where the directory state lives: the [`Store`] trait, an in-memory
//! [`MemoryStore`] and the folder-backed [`FsStore`].
//!
//! The state is the deposit ledger (every CR de dépôt, the content of accepted
//! files, which ones are integrated) and the BALs of each operator. Integration
//! of one file is a single [`Store::commit`]: the operator's new BALs, the
//! deposit marked integrated and its CR d'intégration, all or nothing. A
//! backend that keeps the state in its own database implements the trait with
//! one transaction per commit.

use crate::directory::OperatorBals;
use crate::error::Error;
use crate::report::{DepositReport, IntegrationReport};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One deposit in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositEntry {
    /// Sequence number, from 1, in the order deposits were recorded.
    pub seq: u64,
    /// Its CR de dépôt.
    pub report: DepositReport,
    /// When it was integrated, if it was.
    pub integrated_at: Option<DateTime<Utc>>,
}

/// Persistence of the directory state.
pub trait Store {
    /// Every deposit, by sequence number.
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error>;
    /// Records a deposit (its content only when accepted) and returns its
    /// sequence number.
    fn record_deposit(&mut self, report: &DepositReport, content: &[u8]) -> Result<u64, Error>;
    /// The content of an accepted deposit.
    fn content(&self, seq: u64) -> Result<Vec<u8>, Error>;
    /// The BALs an operator holds (none for an unknown operator).
    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error>;
    /// Atomically: the operator's BALs become `bals`, deposit `seq` is
    /// integrated by `report.run_at`, and `report` is kept.
    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &IntegrationReport) -> Result<(), Error>;
    /// The CR d'intégration of a deposit, once integrated.
    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error>;
    /// Operators holding BALs, with their counts, sorted.
    fn operators(&self) -> Result<Vec<(String, u64)>, Error>;
}

/// The state in memory (tests, embedding, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    deposits: Vec<DepositEntry>,
    contents: BTreeMap<u64, Vec<u8>>,
    operators: BTreeMap<String, OperatorBals>,
    reports: BTreeMap<u64, IntegrationReport>,
}

impl MemoryStore {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces an operator's BALs directly (to seed a directory).
    pub fn set_operator(&mut self, operator: &str, bals: OperatorBals) {
        self.operators.insert(operator.to_owned(), bals);
    }
}

impl Store for MemoryStore {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        Ok(self.deposits.clone())
    }

    fn record_deposit(&mut self, report: &DepositReport, content: &[u8]) -> Result<u64, Error> {
        let seq = self.deposits.len() as u64 + 1;
        self.deposits.push(DepositEntry { seq, report: report.clone(), integrated_at: None });
        if report.is_accepted() {
            self.contents.insert(seq, content.to_vec());
        }
        Ok(seq)
    }

    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        self.contents.get(&seq).cloned().ok_or_else(|| Error::State(format!("no content for deposit {seq}")))
    }

    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        Ok(self.operators.get(operator).cloned().unwrap_or_default())
    }

    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &IntegrationReport) -> Result<(), Error> {
        let entry = self
            .deposits
            .iter_mut()
            .find(|d| d.seq == seq)
            .ok_or_else(|| Error::State(format!("unknown deposit {seq}")))?;
        entry.integrated_at = Some(report.run_at);
        self.operators.insert(report.operator.clone(), bals.clone());
        self.reports.insert(seq, report.clone());
        Ok(())
    }

    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        Ok(self.reports.get(&seq).cloned())
    }

    fn operators(&self) -> Result<Vec<(String, u64)>, Error> {
        Ok(self.operators.iter().map(|(k, v)| (k.clone(), v.len() as u64)).collect())
    }
}

/// Where an [`FsStore`] stops on purpose, to test crash recovery.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// After writing the operator's new BAL file, before the report.
    AfterBals,
    /// After writing the report, before the manifest.
    AfterReport,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    generation: u64,
    deposits: Vec<ManifestDeposit>,
    operators: BTreeMap<String, ManifestOperator>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestDeposit {
    #[serde(flatten)]
    entry: DepositEntry,
    content: Option<String>,
    deposit_report: String,
    integration_report: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ManifestOperator {
    file: String,
    bals: u64,
}

const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "mssante-cr-state";

/// The state in a folder:
///
/// ```text
/// manifest.json             the ledger and the current file of each operator
/// deposits/<seq>_<name>     content of accepted deposits
/// directory/<op>.<gen>.txt  an operator's BALs (a feed file)
/// reports/<seq>_CR_DEPOT_<name>, reports/<seq>_CR_INTEGRATION_<name>
/// ```
///
/// Every file is written to a temporary name, flushed to disk, then renamed;
/// the manifest is renamed last, so a crash at any point leaves the previous
/// state intact and a restart redoes the interrupted step. Files left by an
/// interrupted step are removed when the store is opened.
#[derive(Debug)]
pub struct FsStore {
    root: PathBuf,
    manifest: Manifest,
    fault: Option<Fault>,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    if let Some(dir) = path.parent() {
        // Persist the rename itself; not every platform can open a folder.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// A file-name-safe form of a deposited name.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .take(120)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with('.') { format!("_{s}") } else { s }
}

impl FsStore {
    /// Opens (or creates) a state folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        for sub in ["deposits", "directory", "reports"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        }
        let path = root.join(MANIFEST);
        let manifest = match fs::read(&path) {
            Ok(bytes) => {
                let m: Manifest =
                    serde_json::from_slice(&bytes).map_err(|e| Error::Json { path: path.clone(), source: e })?;
                if m.format != FORMAT || m.version != 1 {
                    return Err(Error::State(format!(
                        "{}: not a version 1 state ({} v{})",
                        path.display(),
                        m.format,
                        m.version
                    )));
                }
                m
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Manifest { format: FORMAT.to_owned(), version: 1, ..Manifest::default() }
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let store = FsStore { root, manifest, fault: None };
        store.sweep()?;
        Ok(store)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    #[doc(hidden)]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Path of a deposit's CR de dépôt (pipe form).
    pub fn deposit_report_path(&self, seq: u64) -> Option<PathBuf> {
        self.entry(seq).map(|d| self.root.join(&d.deposit_report))
    }

    /// Path of a deposit's CR d'intégration (pipe form), once integrated.
    pub fn integration_report_path(&self, seq: u64) -> Option<PathBuf> {
        self.entry(seq).and_then(|d| d.integration_report.as_ref()).map(|p| self.root.join(p))
    }

    fn entry(&self, seq: u64) -> Option<&ManifestDeposit> {
        self.manifest.deposits.iter().find(|d| d.entry.seq == seq)
    }

    /// Removes what an interrupted step left: temporary files, operator files
    /// and reports the manifest does not name.
    fn sweep(&self) -> Result<(), Error> {
        let mut referenced: std::collections::HashSet<String> =
            self.manifest.operators.values().map(|o| o.file.clone()).collect();
        for d in &self.manifest.deposits {
            referenced.extend(d.content.iter().cloned());
            referenced.insert(d.deposit_report.clone());
            referenced.extend(d.integration_report.iter().cloned());
        }
        for sub in ["deposits", "directory", "reports"] {
            let dir = self.root.join(sub);
            let entries = fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            for e in entries {
                let e = e.map_err(|e| Error::io(&dir, e))?;
                let rel = format!("{sub}/{}", e.file_name().to_string_lossy());
                if !referenced.contains(&rel) {
                    fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
                }
            }
        }
        Ok(())
    }

    fn save_manifest(&mut self) -> Result<(), Error> {
        let path = self.root.join(MANIFEST);
        let bytes =
            serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>, Error> {
        let p = self.root.join(rel);
        fs::read(&p).map_err(|e| Error::io(&p, e))
    }
}

impl Store for FsStore {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        Ok(self.manifest.deposits.iter().map(|d| d.entry.clone()).collect())
    }

    fn record_deposit(&mut self, report: &DepositReport, content: &[u8]) -> Result<u64, Error> {
        let seq = self.manifest.deposits.last().map_or(1, |d| d.entry.seq + 1);
        let name = safe(&report.file_name);
        let content_rel = report.is_accepted().then(|| format!("deposits/{seq:06}_{name}"));
        if let Some(rel) = &content_rel {
            write_atomic(&self.root.join(rel), content)?;
        }
        let report_rel = format!("reports/{seq:06}_CR_DEPOT_{name}");
        write_atomic(&self.root.join(&report_rel), report.to_pipe().as_bytes())?;
        self.manifest.deposits.push(ManifestDeposit {
            entry: DepositEntry { seq, report: report.clone(), integrated_at: None },
            content: content_rel,
            deposit_report: report_rel,
            integration_report: None,
        });
        if let Err(e) = self.save_manifest() {
            self.manifest.deposits.pop();
            return Err(e);
        }
        Ok(seq)
    }

    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        let rel = self
            .entry(seq)
            .and_then(|d| d.content.clone())
            .ok_or_else(|| Error::State(format!("no content for deposit {seq}")))?;
        self.read(&rel)
    }

    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        match self.manifest.operators.get(operator) {
            None => Ok(OperatorBals::new()),
            Some(o) => OperatorBals::from_feed(&self.read(&o.file)?),
        }
    }

    fn commit(&mut self, seq: u64, bals: &OperatorBals, report: &IntegrationReport) -> Result<(), Error> {
        let index = self
            .manifest
            .deposits
            .iter()
            .position(|d| d.entry.seq == seq)
            .ok_or_else(|| Error::State(format!("unknown deposit {seq}")))?;
        let generation = self.manifest.generation + 1;
        let bals_rel = format!("directory/{}.{generation}.txt", safe(&report.operator));
        write_atomic(&self.root.join(&bals_rel), &bals.to_feed())?;
        if self.fault == Some(Fault::AfterBals) {
            return Err(Error::State("fault injected after the BAL file".into()));
        }
        let name = safe(&report.file_name);
        let report_rel = format!("reports/{seq:06}_CR_INTEGRATION_{name}");
        write_atomic(&self.root.join(&report_rel), report.to_pipe().as_bytes())?;
        if self.fault == Some(Fault::AfterReport) {
            return Err(Error::State("fault injected after the report".into()));
        }
        let mut next = self.manifest.clone();
        next.generation = generation;
        let old = next
            .operators
            .insert(report.operator.clone(), ManifestOperator { file: bals_rel, bals: bals.len() as u64 });
        let d = &mut next.deposits[index];
        d.entry.integrated_at = Some(report.run_at);
        d.integration_report = Some(report_rel);
        let previous = std::mem::replace(&mut self.manifest, next);
        if let Err(e) = self.save_manifest() {
            self.manifest = previous;
            return Err(e);
        }
        if let Some(old) = old {
            let _ = fs::remove_file(self.root.join(old.file));
        }
        Ok(())
    }

    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        match self.entry(seq).and_then(|d| d.integration_report.clone()) {
            None => Ok(None),
            Some(rel) => {
                let bytes = self.read(&rel)?;
                let text = String::from_utf8(bytes).map_err(|_| Error::State(format!("{rel} is not UTF-8")))?;
                IntegrationReport::from_pipe(&text).map(Some)
            }
        }
    }

    fn operators(&self) -> Result<Vec<(String, u64)>, Error> {
        Ok(self.manifest.operators.iter().map(|(k, v)| (k.clone(), v.bals)).collect())
    }
}
