//! The state in a folder, safe under concurrent processes.

use super::lock::{Lock, acquire};
use super::verify::Finding;
use super::{DepositEntry, Failure, OperatorInfo, Store, check_waiting};
use crate::digest::{HashingWriter, sha256_file, sha256_hex};
use crate::directory::OperatorBals;
use crate::error::{Error, StateCode};
use crate::report::{DepositReport, IntegrationOutput, IntegrationReport, IntegrationSummary, ReportKind};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long an operation waits for another process's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// Where an [`FsStore`] stops on purpose, to test crash recovery.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Deposit: after writing the content, before the CR de dépôt.
    AfterContent,
    /// Deposit: after writing the CR de dépôt, before the manifest.
    AfterDepositReport,
    /// Commit: after writing the operator's new BAL file, before the report.
    AfterBals,
    /// Commit: after writing the report, before the manifest.
    AfterReport,
}

const MANIFEST: &str = "manifest.json";
const MARKER: &str = "mssante-state";
const MARKER_TEXT: &str = "mssante-cr-state 2\nThis folder is an mssante directory state: see docs/formats/cr.md.\n";
const STATE_LOCK: &str = "state.lock";
const RUN_LOCK: &str = "run.lock";
const FORMAT: &str = "mssante-cr-state";
const VERSION: u32 = 2;
const SUBDIRS: [&str; 3] = ["deposits", "directory", "reports"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    generation: u64,
    deposits: Vec<ManifestDeposit>,
    operators: BTreeMap<String, ManifestOperator>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ManifestDeposit {
    #[serde(flatten)]
    entry: DepositEntry,
    content: Option<String>,
    deposit_report: String,
    deposit_report_sha256: String,
    integration_report: Option<String>,
    integration_report_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ManifestOperator {
    file: String,
    bals: u64,
    generation: u64,
    sha256: String,
}

/// The manifest file as last read, kept open: a manifest is never changed in
/// place, only replaced by a rename, and an inode cannot be reused while a
/// descriptor holds it, so "the path still names this inode" means "the
/// ledger has not changed" (Unix; elsewhere the manifest is always re-read).
#[derive(Debug)]
struct Held {
    _file: fs::File,
    id: Option<(u64, u64)>,
}

#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Reads the manifest through a descriptor that is then held.
fn read_held(path: &Path) -> Result<(Held, Manifest), Error> {
    use std::io::Read;
    let missing = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Error::state(
            StateCode::ManifestMissing,
            format!("{}: the state's manifest is missing; nothing was changed", path.display()),
        ),
        _ => Error::io(path, e),
    };
    let mut file = fs::File::open(path).map_err(missing)?;
    let id = file.metadata().ok().and_then(|m| file_id(&m));
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    let m = Manifest::parse(path, &bytes)?;
    Ok((Held { _file: file, id }, m))
}

/// True when `path` still names the held file.
fn still_held(path: &Path, held: Option<&Held>) -> bool {
    match (held.and_then(|h| h.id), fs::metadata(path).ok().and_then(|m| file_id(&m))) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The state in a folder:
///
/// ```text
/// mssante-state             marker: this folder is a state
/// manifest.json             the ledger and the current file of each operator, with their SHA-256
/// state.lock, run.lock      lock files (never hold data)
/// deposits/<seq>_<name>     content of accepted deposits
/// directory/<op>.<gen>.txt  an operator's BALs (a feed file)
/// reports/<seq>_CR_DEPOT_<name>, reports/<seq>_CR_INTEGRATION_<name>
/// ```
///
/// A folder is a state only when it was created as one ([`FsStore::create`],
/// or [`FsStore::open_or_create`] on an absent or empty folder); opening
/// anything else is an error that touches nothing.
///
/// Every change happens under an exclusive lock on `state.lock` and re-reads
/// the manifest first, so processes and threads that each opened the folder
/// see each other's deposits. A run also holds `run.lock` from
/// [`Store::begin_run`] to [`Store::end_run`]. Every file is written to a
/// temporary name, flushed to disk, then renamed; the manifest is renamed
/// last, so a crash at any point leaves the previous state and the step is
/// redone. The next run removes what an interrupted step left (only names the
/// state writes, only files the ledger does not name).
#[derive(Debug)]
pub struct FsStore {
    root: PathBuf,
    manifest: Manifest,
    held: Option<Held>,
    /// The manifest as last read by a reading method.
    read_cache: RefCell<Option<(Held, Arc<Manifest>)>>,
    lock_timeout: Duration,
    run_lock: Option<Lock>,
    waited: Duration,
    fault: Option<Fault>,
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_via(path, &mut |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// Writes a file atomically from a writer callback: a temporary name, fsync,
/// rename, fsync of the folder. Every file of the state is written this way.
fn write_via<T>(path: &Path, fill: &mut dyn FnMut(&mut dyn Write) -> Result<T, Error>) -> Result<T, Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let file = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
    let value = fill(&mut w)?;
    let file = w.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(value)
}

/// Persists renames in a folder; not every platform can open a folder.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
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

fn is_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// `<digits (6 or more)>_<rest>`: the rest.
fn after_seq(name: &str) -> Option<&str> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    (digits >= 6).then(|| name[digits..].strip_prefix('_')).flatten()
}

/// True for a name this store writes in `sub` (its temporary form included):
/// the only names the clean-up may remove, and the only paths the ledger may
/// name.
fn is_state_name(sub: &str, name: &str, temporary_ok: bool) -> bool {
    let name = match name.strip_suffix(".tmp") {
        Some(stem) if temporary_ok => stem,
        Some(_) => return false,
        None => name,
    };
    if !is_safe(name) {
        return false;
    }
    match sub {
        "deposits" => after_seq(name).is_some_and(|r| !r.is_empty()),
        "reports" => after_seq(name).is_some_and(|r| {
            ["CR_DEPOT_", "CR_INTEGRATION_"].iter().any(|p| r.strip_prefix(p).is_some_and(|n| !n.is_empty()))
        }),
        "directory" => name.strip_suffix(".txt").and_then(|s| s.rsplit_once('.')).is_some_and(|(op, generation)| {
            !op.is_empty() && !generation.is_empty() && generation.bytes().all(|b| b.is_ascii_digit())
        }),
        _ => false,
    }
}

/// A ledger path is confined: `<subdir>/<name the state writes>`, nothing else.
fn check_rel(rel: &str) -> Result<(), Error> {
    let ok = rel.split_once('/').is_some_and(|(sub, name)| is_state_name(sub, name, false));
    if ok {
        Ok(())
    } else {
        Err(Error::state(
            StateCode::PathOutside,
            format!("the ledger names {rel:?}, not a file this state writes inside its folder"),
        ))
    }
}

fn corrupt(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::state(StateCode::ManifestCorrupt, format!("{}: {why}", path.display()))
}

impl Manifest {
    fn empty() -> Self {
        Manifest { format: FORMAT.to_owned(), version: VERSION, ..Manifest::default() }
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<Manifest, Error> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| corrupt(path, e))?;
        if m.format != FORMAT || m.version != VERSION {
            return Err(corrupt(path, format!("not a version {VERSION} state ({} v{})", m.format, m.version)));
        }
        let mut previous = 0;
        for d in &m.deposits {
            if d.entry.seq <= previous {
                return Err(corrupt(path, format!("deposit {} is out of order or twice", d.entry.seq)));
            }
            previous = d.entry.seq;
            check_rel(&d.deposit_report)?;
            for rel in d.content.iter().chain(&d.integration_report) {
                check_rel(rel)?;
            }
            if d.entry.report.is_accepted() != d.content.is_some()
                || d.entry.integrated_at.is_some() != d.integration_report.is_some()
                || d.integration_report.is_some() != d.integration_report_sha256.is_some()
            {
                return Err(corrupt(path, format!("deposit {} contradicts itself", d.entry.seq)));
            }
        }
        for o in m.operators.values() {
            check_rel(&o.file)?;
        }
        Ok(m)
    }

    fn entry(&self, seq: u64) -> Option<&ManifestDeposit> {
        self.deposits.binary_search_by_key(&seq, |d| d.entry.seq).ok().map(|i| &self.deposits[i])
    }

    fn index(&self, seq: u64) -> Result<usize, Error> {
        self.deposits
            .binary_search_by_key(&seq, |d| d.entry.seq)
            .map_err(|_| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))
    }

    fn referenced(&self) -> HashSet<&str> {
        let mut set: HashSet<&str> = self.operators.values().map(|o| o.file.as_str()).collect();
        for d in &self.deposits {
            set.extend(d.content.as_deref());
            set.insert(&d.deposit_report);
            set.extend(d.integration_report.as_deref());
        }
        set
    }
}

/// What a folder is, before opening it.
enum Kind {
    Absent,
    Empty,
    State,
    Other,
}

fn kind(root: &Path) -> Result<Kind, Error> {
    match fs::read_dir(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Kind::Absent),
        Err(e) => Err(Error::io(root, e)),
        Ok(mut entries) => {
            if root.join(MARKER).is_file() {
                Ok(Kind::State)
            } else if entries.next().is_none() {
                Ok(Kind::Empty)
            } else {
                Ok(Kind::Other)
            }
        }
    }
}

impl FsStore {
    /// Opens an existing state. An absent folder, a folder that is not a
    /// state (no marker), a missing or damaged manifest are errors, and
    /// nothing is created, changed or removed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        match kind(&root)? {
            Kind::Absent => Err(Error::state(
                StateCode::Absent,
                format!("{}: no such state (the folder does not exist)", root.display()),
            )),
            Kind::Empty | Kind::Other => Err(Error::state(
                StateCode::NotAState,
                format!(
                    "{}: not a state folder (no {MARKER} marker); create one with `mssante state init`",
                    root.display()
                ),
            )),
            Kind::State => {
                let mut store = FsStore {
                    root,
                    manifest: Manifest::empty(),
                    held: None,
                    read_cache: RefCell::new(None),
                    lock_timeout: DEFAULT_LOCK_TIMEOUT,
                    run_lock: None,
                    waited: Duration::ZERO,
                    fault: None,
                };
                store.reload()?;
                Ok(store)
            }
        }
    }

    /// Creates a state in an absent or empty folder, atomically: it is built
    /// beside it and renamed into place, so two processes creating the same
    /// state at once end with one state (the second gets
    /// [`StateCode::AlreadyExists`]).
    pub fn create(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        match kind(&root)? {
            Kind::Absent | Kind::Empty => {}
            Kind::State => {
                return Err(Error::state(StateCode::AlreadyExists, format!("{}: already a state", root.display())));
            }
            Kind::Other => {
                return Err(Error::state(
                    StateCode::NotAState,
                    format!("{}: the folder is not empty and is not a state; nothing was created", root.display()),
                ));
            }
        }
        let name = root
            .file_name()
            .ok_or_else(|| Error::state(StateCode::NotAState, format!("{}: not a folder name", root.display())))?;
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let staging = parent.join(format!(".{}.init-{}-{nanos}", name.to_string_lossy(), std::process::id()));
        let built = (|| {
            fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
            for sub in SUBDIRS {
                fs::create_dir(staging.join(sub)).map_err(|e| Error::io(staging.join(sub), e))?;
            }
            let bytes = serde_json::to_vec(&Manifest::empty())
                .map_err(|e| Error::Json { path: staging.join(MANIFEST), source: e })?;
            write_atomic(&staging.join(MANIFEST), &bytes)?;
            write_atomic(&staging.join(MARKER), MARKER_TEXT.as_bytes())
        })();
        let placed = built.and_then(|()| fs::rename(&staging, &root).map_err(|e| Error::io(&root, e)));
        if let Err(e) = placed {
            let _ = fs::remove_dir_all(&staging);
            return match kind(&root)? {
                Kind::State => {
                    Err(Error::state(StateCode::AlreadyExists, format!("{}: already a state", root.display())))
                }
                _ => Err(e),
            };
        }
        sync_dir(&parent);
        FsStore::open(root)
    }

    /// Opens a state, creating it when the folder is absent or empty (a first
    /// deposit). A non-empty folder that is not a state is an error.
    pub fn open_or_create(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        match kind(&root)? {
            Kind::Absent | Kind::Empty => match FsStore::create(&root) {
                Err(Error::State { code: StateCode::AlreadyExists, .. }) => FsStore::open(root),
                other => other,
            },
            _ => FsStore::open(root),
        }
    }

    /// How long an operation waits for another process's lock before it gives
    /// up with [`Error::Locked`] (default [`DEFAULT_LOCK_TIMEOUT`]).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
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

    fn inject(&self, at: Fault) -> Result<(), Error> {
        if self.fault == Some(at) {
            return Err(Error::state(StateCode::LedgerConflict, format!("fault injected: {at:?}")));
        }
        Ok(())
    }

    fn lock(&mut self, name: &str, exclusive: bool) -> Result<Lock, Error> {
        let (lock, waited) = acquire(&self.root.join(name), exclusive, self.lock_timeout)?;
        self.waited += waited;
        Ok(lock)
    }

    /// Re-reads the manifest when another process replaced it.
    fn reload(&mut self) -> Result<(), Error> {
        let path = self.root.join(MANIFEST);
        if still_held(&path, self.held.as_ref()) {
            return Ok(());
        }
        let (held, m) = read_held(&path)?;
        self.manifest = m;
        self.held = Some(held);
        Ok(())
    }

    /// The manifest as it is now, read under a shared lock so that no change
    /// is half-seen; parsed again only when another write replaced it.
    fn refresh(&self) -> Result<Arc<Manifest>, Error> {
        let (_lock, _) = acquire(&self.root.join(STATE_LOCK), false, self.lock_timeout)?;
        let path = self.root.join(MANIFEST);
        if let Some((held, m)) = &*self.read_cache.borrow()
            && still_held(&path, Some(held))
        {
            return Ok(Arc::clone(m));
        }
        let (held, m) = read_held(&path)?;
        let m = Arc::new(m);
        *self.read_cache.borrow_mut() = Some((held, Arc::clone(&m)));
        Ok(m)
    }

    fn save(&mut self, next: Manifest) -> Result<(), Error> {
        let previous = std::mem::replace(&mut self.manifest, next);
        self.save_current().inspect_err(|_| {
            self.manifest = previous;
            self.held = None;
        })
    }

    /// Writes the manifest held in memory.
    fn save_current(&mut self) -> Result<(), Error> {
        let path = self.root.join(MANIFEST);
        let bytes = serde_json::to_vec(&self.manifest).map_err(|e| Error::Json { path: path.clone(), source: e })?;
        write_atomic(&path, &bytes)?;
        // Under the exclusive lock: the file just written is the one held.
        self.held = fs::File::open(&path).ok().map(|f| {
            let id = f.metadata().ok().and_then(|m| file_id(&m));
            Held { _file: f, id }
        });
        Ok(())
    }

    fn read(&self, rel: &str) -> Result<Vec<u8>, Error> {
        check_rel(rel)?;
        let p = self.root.join(rel);
        fs::read(&p).map_err(|e| Error::io(&p, e))
    }

    /// Path of a deposit's CR de dépôt (pipe form).
    pub fn deposit_report_path(&self, seq: u64) -> Option<PathBuf> {
        self.manifest.entry(seq).map(|d| self.root.join(&d.deposit_report))
    }

    /// Path of a deposit's CR d'intégration (pipe form), once integrated.
    pub fn integration_report_path(&self, seq: u64) -> Option<PathBuf> {
        self.manifest.entry(seq).and_then(|d| d.integration_report.as_ref()).map(|p| self.root.join(p))
    }

    /// Removes what an interrupted step left: files with a name the state
    /// writes that the ledger does not name. Anything else is left alone.
    /// Called with both locks held.
    fn sweep(&self) -> Result<Vec<String>, Error> {
        let referenced = self.manifest.referenced();
        let mut removed = Vec::new();
        for sub in SUBDIRS {
            let dir = self.root.join(sub);
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(&dir, e)),
            };
            for e in entries {
                let e = e.map_err(|e| Error::io(&dir, e))?;
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = format!("{sub}/{name}");
                if is_state_name(sub, &name, true) && !referenced.contains(rel.as_str()) && e.path().is_file() {
                    fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
                    removed.push(rel);
                }
            }
        }
        Ok(removed)
    }

    /// Writes a copy of `from` (any store) into this new, empty state: the
    /// same ledger, contents, directory and report files as a folder state
    /// that received the same deposits and runs would hold, byte for byte.
    pub fn import(&mut self, from: &dyn Store) -> Result<(), Error> {
        let _lock = self.lock(STATE_LOCK, true)?;
        self.reload()?;
        if !self.manifest.deposits.is_empty() || !self.manifest.operators.is_empty() {
            return Err(Error::state(
                StateCode::AlreadyExists,
                format!("{}: a state to import into must be empty", self.root.display()),
            ));
        }
        let mut next = Manifest::empty();
        for entry in from.deposits()? {
            let seq = entry.seq;
            let name = safe(&entry.report.file_name);
            let content = if entry.report.is_accepted() {
                let rel = format!("deposits/{seq:06}_{name}");
                write_atomic(&self.root.join(&rel), &from.content(seq)?)?;
                Some(rel)
            } else {
                None
            };
            let pipe = from.deposit_report_pipe(seq)?;
            let deposit_report = format!("reports/{seq:06}_CR_DEPOT_{name}");
            write_atomic(&self.root.join(&deposit_report), pipe.as_bytes())?;
            let (integration_report, integration_report_sha256) = if entry.integrated_at.is_some() {
                let rel = format!("reports/{seq:06}_CR_INTEGRATION_{name}");
                let (found, sha) =
                    write_hashed(&self.root.join(&rel), &mut |out| from.copy_integration_report(seq, out))?;
                if !found {
                    return Err(Error::state(
                        StateCode::ReportMismatch,
                        format!("deposit {seq} is integrated but its CR d'intégration is missing"),
                    ));
                }
                (Some(rel), Some(sha))
            } else {
                (None, None)
            };
            next.deposits.push(ManifestDeposit {
                entry,
                content,
                deposit_report_sha256: sha256_hex(pipe.as_bytes()),
                deposit_report,
                integration_report,
                integration_report_sha256,
            });
        }
        for info in from.operators()? {
            let feed = from.load_operator(&info.operator)?.to_feed();
            let rel = format!("directory/{}.{}.txt", safe(&info.operator), info.generation);
            write_atomic(&self.root.join(&rel), &feed)?;
            next.generation = next.generation.max(info.generation);
            next.operators.insert(
                info.operator,
                ManifestOperator { file: rel, bals: info.bals, generation: info.generation, sha256: sha256_hex(&feed) },
            );
        }
        self.save(next)
    }

    /// The checks of [`Store::verify`] that concern the folder itself.
    fn verify_files(&self, m: &Manifest, out: &mut Vec<Finding>) {
        let check = |rel: &str, sha: &str, code: StateCode, seq: Option<u64>, out: &mut Vec<Finding>| match sha256_file(
            &self.root.join(rel),
        ) {
            Err(e) => out.push(Finding::error(code, seq, Some(rel), format!("cannot be read: {e}"))),
            Ok(hash) if hash != sha => {
                out.push(Finding::error(code, seq, Some(rel), "differs from the SHA-256 the ledger holds"))
            }
            Ok(_) => {}
        };
        for d in &m.deposits {
            let seq = Some(d.entry.seq);
            check(&d.deposit_report, &d.deposit_report_sha256, StateCode::ReportMismatch, seq, out);
            if let (Some(rel), Some(sha)) = (&d.integration_report, &d.integration_report_sha256) {
                check(rel, sha, StateCode::ReportMismatch, seq, out);
            }
        }
        for o in m.operators.values() {
            check(&o.file, &o.sha256, StateCode::DirectoryMismatch, None, out);
        }
        let referenced = m.referenced();
        for sub in SUBDIRS {
            let Ok(entries) = fs::read_dir(self.root.join(sub)) else {
                out.push(Finding::error(StateCode::ManifestCorrupt, None, Some(sub), "folder missing"));
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = format!("{sub}/{name}");
                if referenced.contains(rel.as_str()) {
                    continue;
                }
                let message = if is_state_name(sub, &name, true) {
                    "left by an interrupted step: the next run removes it"
                } else {
                    "not a file this state writes: left alone"
                };
                out.push(Finding::warning(StateCode::Unreferenced, None, Some(&rel), message));
            }
        }
    }
}

impl Store for FsStore {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        Ok(self.refresh()?.deposits.iter().map(|d| d.entry.clone()).collect())
    }

    fn record_deposit(
        &mut self,
        content: &[u8],
        sha256: &str,
        check: &mut dyn FnMut(Option<String>) -> DepositReport,
    ) -> Result<(u64, DepositReport), Error> {
        let _lock = self.lock(STATE_LOCK, true)?;
        self.reload()?;
        let earlier = self
            .manifest
            .deposits
            .iter()
            .find(|d| d.entry.report.is_accepted() && d.entry.report.sha256 == sha256)
            .map(|d| d.entry.report.file_name.clone());
        let report = check(earlier);
        let seq = self.manifest.deposits.last().map_or(1, |d| d.entry.seq + 1);
        let name = safe(&report.file_name);
        let content_rel = report.is_accepted().then(|| format!("deposits/{seq:06}_{name}"));
        if let Some(rel) = &content_rel {
            write_atomic(&self.root.join(rel), content)?;
        }
        self.inject(Fault::AfterContent)?;
        let report_rel = format!("reports/{seq:06}_CR_DEPOT_{name}");
        let pipe = report.to_pipe();
        write_atomic(&self.root.join(&report_rel), pipe.as_bytes())?;
        self.inject(Fault::AfterDepositReport)?;
        self.manifest.deposits.push(ManifestDeposit {
            entry: DepositEntry { seq, report: report.clone(), integrated_at: None, failed: None },
            content: content_rel,
            deposit_report: report_rel,
            deposit_report_sha256: sha256_hex(pipe.as_bytes()),
            integration_report: None,
            integration_report_sha256: None,
        });
        if let Err(e) = self.save_current() {
            // Not acknowledged: the ledger in memory goes back to the one on disk.
            self.manifest.deposits.pop();
            self.held = None;
            return Err(e);
        }
        Ok((seq, report))
    }

    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        let m = self.refresh()?;
        let rel = m
            .entry(seq)
            .and_then(|d| d.content.clone())
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("deposit {seq} has no stored content")))?;
        match self.read(&rel) {
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Err(Error::state(
                StateCode::ContentMissing,
                format!("{}: the content of deposit {seq} is missing", self.root.join(&rel).display()),
            )),
            other => other,
        }
    }

    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        let m = self.refresh()?;
        match m.operators.get(operator) {
            None => Ok(OperatorBals::new()),
            Some(o) => {
                let path = self.root.join(&o.file);
                let bytes = self.read(&o.file).map_err(|e| {
                    Error::state(StateCode::DirectoryMismatch, format!("BALs of {operator}: {e}; nothing was changed"))
                })?;
                if sha256_hex(&bytes) != o.sha256 {
                    return Err(Error::state(
                        StateCode::DirectoryMismatch,
                        format!(
                            "{}: the BALs of {operator} differ from the SHA-256 the ledger holds; nothing was changed",
                            path.display()
                        ),
                    ));
                }
                OperatorBals::from_feed(&bytes)
            }
        }
    }

    fn commit(&mut self, seq: u64, bals: &OperatorBals, output: &dyn IntegrationOutput) -> Result<(), Error> {
        let report = output.head();
        let _lock = self.lock(STATE_LOCK, true)?;
        self.reload()?;
        let index = self.manifest.index(seq)?;
        check_waiting(&self.manifest.deposits[index].entry)?;
        let generation = self.manifest.generation + 1;
        let bals_rel = format!("directory/{}.{generation}.txt", safe(&report.operator));
        let feed = bals.to_feed();
        write_atomic(&self.root.join(&bals_rel), &feed)?;
        self.inject(Fault::AfterBals)?;
        let name = safe(&report.file_name);
        let report_rel = format!("reports/{seq:06}_CR_INTEGRATION_{name}");
        let report_sha = write_report(&self.root.join(&report_rel), output)?;
        self.inject(Fault::AfterReport)?;
        let mut next = self.manifest.clone();
        next.generation = generation;
        let old = next.operators.insert(
            report.operator.clone(),
            ManifestOperator { file: bals_rel, bals: bals.len() as u64, generation, sha256: sha256_hex(&feed) },
        );
        let d = &mut next.deposits[index];
        d.entry.integrated_at = Some(report.run_at);
        d.integration_report = Some(report_rel);
        d.integration_report_sha256 = Some(report_sha);
        self.save(next)?;
        if let Some(old) = old {
            let _ = fs::remove_file(self.root.join(old.file));
        }
        Ok(())
    }

    fn fail(&mut self, seq: u64, failure: &Failure) -> Result<(), Error> {
        let _lock = self.lock(STATE_LOCK, true)?;
        self.reload()?;
        let index = self.manifest.index(seq)?;
        check_waiting(&self.manifest.deposits[index].entry)?;
        let mut next = self.manifest.clone();
        next.deposits[index].entry.failed = Some(failure.clone());
        self.save(next)
    }

    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        let m = self.refresh()?;
        match m.entry(seq).and_then(|d| d.integration_report.clone()) {
            None => Ok(None),
            Some(rel) => {
                let bytes = self.read(&rel)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| Error::state(StateCode::ReportMismatch, format!("{rel} is not UTF-8")))?;
                IntegrationReport::from_pipe(&text).map(Some)
            }
        }
    }

    fn copy_integration_report(&self, seq: u64, out: &mut dyn Write) -> Result<bool, Error> {
        let m = self.refresh()?;
        let Some(rel) = m.entry(seq).and_then(|d| d.integration_report.clone()) else { return Ok(false) };
        check_rel(&rel)?;
        let path = self.root.join(&rel);
        let mut file = fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        std::io::copy(&mut file, out).map_err(|e| Error::io(&path, e))?;
        Ok(true)
    }

    fn integration_summary(&self, seq: u64) -> Result<Option<IntegrationSummary>, Error> {
        let m = self.refresh()?;
        let Some(rel) = m.entry(seq).and_then(|d| d.integration_report.clone()) else { return Ok(None) };
        check_rel(&rel)?;
        let path = self.root.join(&rel);
        let file = fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        IntegrationSummary::read_pipe(std::io::BufReader::new(file)).map(Some)
    }

    fn operators(&self) -> Result<Vec<OperatorInfo>, Error> {
        Ok(self
            .refresh()?
            .operators
            .iter()
            .map(|(k, v)| OperatorInfo { operator: k.clone(), bals: v.bals, generation: v.generation })
            .collect())
    }

    fn begin_run(&mut self) -> Result<(), Error> {
        if self.run_lock.is_some() {
            return Err(Error::state(StateCode::LedgerConflict, "a run is already under way in this process"));
        }
        let run = self.lock(RUN_LOCK, true)?;
        let _state = self.lock(STATE_LOCK, true)?;
        self.reload()?;
        self.sweep()?;
        self.run_lock = Some(run);
        Ok(())
    }

    fn end_run(&mut self) -> Result<(), Error> {
        self.run_lock = None;
        Ok(())
    }

    fn verify(&self) -> Result<Vec<Finding>, Error> {
        let m = match self.refresh() {
            Ok(m) => m,
            Err(e @ Error::State { .. }) => {
                let code = e.state_code().unwrap_or(StateCode::ManifestCorrupt);
                return Ok(vec![Finding::error(code, None, Some(MANIFEST), e.to_string())]);
            }
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        self.verify_files(&m, &mut out);
        out.extend(super::verify_logical(self)?);
        out.sort_by(|a, b| (a.seq, &a.path, a.code).cmp(&(b.seq, &b.path, b.code)));
        out.dedup();
        Ok(out)
    }

    fn lock_waited(&self) -> Duration {
        self.waited
    }

    fn report_path(&self, seq: u64, kind: ReportKind) -> Option<PathBuf> {
        match kind {
            ReportKind::Deposit => self.deposit_report_path(seq),
            ReportKind::Integration => self.integration_report_path(seq),
        }
    }

    fn deposit_report_pipe(&self, seq: u64) -> Result<String, Error> {
        let m = self.refresh()?;
        let rel = m
            .entry(seq)
            .map(|d| d.deposit_report.clone())
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))?;
        String::from_utf8(self.read(&rel)?)
            .map_err(|_| Error::state(StateCode::ReportMismatch, format!("{rel} is not UTF-8")))
    }
}

/// Writes a CR d'intégration without holding its whole text in memory and
/// returns its SHA-256.
fn write_report(path: &Path, report: &dyn IntegrationOutput) -> Result<String, Error> {
    let (_, sha) = write_hashed(path, &mut |out| report.write_pipe(out).map_err(|e| Error::io(path, e)))?;
    Ok(sha)
}

/// [`write_via`], hashing what passes; returns the callback's value and the
/// SHA-256 of the file.
fn write_hashed<T>(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> Result<T, Error>,
) -> Result<(T, String), Error> {
    let mut digest = String::new();
    let value = write_via(path, &mut |w| {
        let mut h = HashingWriter::new(w);
        let value = fill(&mut h)?;
        digest = h.finish();
        Ok(value)
    })?;
    Ok((value, digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_state_writes_are_its_own() {
        assert!(is_state_name("deposits", "000001_BALMSS_OPE-1_20201203170000.txt", false));
        assert!(is_state_name("reports", "000012_CR_DEPOT_BALMSS_OPE-1_20201203170000.txt", false));
        assert!(is_state_name("reports", "000012_CR_INTEGRATION_x.txt.tmp", true));
        assert!(!is_state_name("reports", "000012_CR_INTEGRATION_x.txt.tmp", false));
        assert!(is_state_name("directory", "OPE-1.17.txt", false));
        for (sub, name) in [
            ("deposits", "notes.txt"),
            ("deposits", "12_x"),
            ("reports", "000001_README"),
            ("directory", "OPE-1.txt"),
            ("directory", "OPE-1.x.txt"),
            ("directory", ".hidden.1.txt"),
            ("deposits", "000001_../../etc"),
            ("other", "000001_x"),
        ] {
            assert!(!is_state_name(sub, name, true), "{sub}/{name}");
        }
        for rel in ["../victim/file", "/etc/passwd", "deposits/../../x", "deposits", "reports/000001_CR_DEPOT_a/b"] {
            assert_eq!(check_rel(rel).unwrap_err().state_code(), Some(StateCode::PathOutside), "{rel}");
        }
    }
}
