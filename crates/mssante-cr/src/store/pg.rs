//! The state on PostgreSQL, for deployments beyond one machine.

use super::verify::Finding;
use super::{DepositEntry, Failure, OperatorInfo, Store, check_waiting};
use crate::digest::sha256_hex;
use crate::directory::OperatorBals;
use crate::error::{Error, StateCode};
use crate::report::{DepositReport, IntegrationOutput, IntegrationReport, IntegrationSummary};
use postgres::{Client, NoTls, Transaction};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Advisory lock keys ("mssante" in ASCII, then 1, 2, 3).
const STATE_KEY: i64 = 0x6d73_7361_6e74_6501;
const RUN_KEY: i64 = 0x6d73_7361_6e74_6502;
const MIGRATE_KEY: i64 = 0x6d73_7361_6e74_6503;

/// The schema, one migration per version, applied in order at open.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE mssante_meta (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        generation bigint NOT NULL
    );
    INSERT INTO mssante_meta (generation) VALUES (0);
    CREATE TABLE mssante_deposits (
        seq bigint PRIMARY KEY,
        entry text NOT NULL,
        sha256 text NOT NULL,
        accepted boolean NOT NULL,
        file_name text NOT NULL,
        content bytea,
        deposit_report text NOT NULL
    );
    CREATE TABLE mssante_reports (
        seq bigint NOT NULL REFERENCES mssante_deposits (seq),
        part integer NOT NULL,
        body bytea NOT NULL,
        PRIMARY KEY (seq, part)
    );
    CREATE INDEX mssante_deposits_accepted_sha256 ON mssante_deposits (sha256) WHERE accepted;
    CREATE TABLE mssante_operators (
        operator text PRIMARY KEY,
        generation bigint NOT NULL,
        bals bigint NOT NULL,
        sha256 text NOT NULL,
        feed bytea NOT NULL
    );",
)];

/// Size of a part of a stored CR d'intégration.
const PART: usize = 4 << 20;

/// Writes a report into `mssante_reports` in parts, inside the commit's
/// transaction.
struct Parts<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    seq: i64,
    part: i32,
    buf: Vec<u8>,
    error: Option<postgres::Error>,
}

impl Parts<'_, '_> {
    fn flush_part(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let r = self.tx.execute(
            "INSERT INTO mssante_reports (seq, part, body) VALUES ($1, $2, $3)",
            &[&self.seq, &self.part, &self.buf],
        );
        self.buf.clear();
        self.part += 1;
        r.map(|_| ()).map_err(|e| {
            self.error = Some(e);
            std::io::Error::other("the database refused a part of the report")
        })
    }
}

impl std::io::Write for Parts<'_, '_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PART {
            self.flush_part()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_part()
    }
}

/// The state in a PostgreSQL database (the `postgres` feature).
///
/// Tables `mssante_schema` (applied migrations), `mssante_meta`,
/// `mssante_deposits`, `mssante_reports` (each CR d'intégration in parts of
/// 4 MiB, written as it is rendered) and `mssante_operators`, created by the crate at open
/// ([`PgStore::open_or_create`]) and migrated in a transaction under an
/// advisory lock. Concurrency comes from the database: every change is one
/// transaction under a transaction-level advisory lock (deposits get
/// gap-free sequence numbers in commit order), and a run holds a
/// session-level advisory lock, released by the server if the process dies.
/// Lock waits are bounded by `lock_timeout`.
///
/// The reports and BAL files are stored as the text and bytes the folder
/// store writes, so [`crate::FsStore::import`] exports a database state into a
/// folder byte for byte.
pub struct PgStore {
    client: Mutex<Client>,
    lock_timeout: Duration,
    in_run: bool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("lock_timeout", &self.lock_timeout).field("in_run", &self.in_run).finish()
    }
}

fn backend(e: postgres::Error, waited: Duration) -> Error {
    if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
        return Error::Locked { path: "PostgreSQL state".to_owned(), waited };
    }
    Error::Backend { source: Box::new(e) }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn entry_json(e: &DepositEntry) -> Result<String, Error> {
    serde_json::to_string(e).map_err(|e| Error::Backend { source: Box::new(e) })
}

fn parse_entry(text: &str) -> Result<DepositEntry, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::state(StateCode::ManifestCorrupt, format!("a ledger row does not parse: {e}")))
}

impl PgStore {
    /// Opens the state in the database at `url` (`postgres://user@host/db`);
    /// a database without the schema is [`StateCode::Absent`] and is left
    /// untouched.
    pub fn open(url: &str) -> Result<Self, Error> {
        Self::connect(url, false)
    }

    /// Opens the state, creating the schema when the database has none, and
    /// applies the migrations this version knows.
    pub fn open_or_create(url: &str) -> Result<Self, Error> {
        Self::connect(url, true)
    }

    fn connect(url: &str, create: bool) -> Result<Self, Error> {
        let client = Client::connect(url, NoTls).map_err(|e| backend(e, Duration::ZERO))?;
        let mut store =
            PgStore { client: Mutex::new(client), lock_timeout: super::DEFAULT_LOCK_TIMEOUT, in_run: false };
        store.set_lock_timeout()?;
        store.migrate(create)?;
        Ok(store)
    }

    /// How long an operation waits for another process's lock before it gives
    /// up with [`Error::Locked`].
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Result<Self, Error> {
        self.lock_timeout = timeout;
        self.set_lock_timeout()?;
        Ok(self)
    }

    fn set_lock_timeout(&mut self) -> Result<(), Error> {
        let ms = self.lock_timeout.as_millis().max(1);
        self.client().batch_execute(&format!("SET lock_timeout = {ms}")).map_err(|e| self.err(e))
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn err(&self, e: postgres::Error) -> Error {
        backend(e, self.lock_timeout)
    }

    /// The schema version of the database (0: none).
    pub fn schema_version(&self) -> Result<i32, Error> {
        let mut c = self.client();
        let exists: bool = c
            .query_one("SELECT to_regclass('mssante_schema') IS NOT NULL", &[])
            .map_err(|e| backend(e, self.lock_timeout))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        c.query_one("SELECT COALESCE(MAX(version), 0) FROM mssante_schema", &[])
            .map(|r| r.get(0))
            .map_err(|e| backend(e, self.lock_timeout))
    }

    fn migrate(&mut self, create: bool) -> Result<(), Error> {
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        let current = self.schema_version()?;
        if current == latest {
            return Ok(());
        }
        if current > latest {
            return Err(Error::state(
                StateCode::SchemaTooNew,
                format!("the database schema is version {current}, this mssante knows up to {latest}"),
            ));
        }
        if current == 0 && !create {
            return Err(Error::state(
                StateCode::Absent,
                "the database holds no mssante state; create one with `mssante state init` or a first deposit",
            ));
        }
        let timeout = self.lock_timeout;
        let mut c = self.client();
        let mut tx = c.transaction().map_err(|e| backend(e, timeout))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_KEY]).map_err(|e| backend(e, timeout))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS mssante_schema (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .map_err(|e| backend(e, timeout))?;
        let current: i32 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM mssante_schema", &[])
            .map_err(|e| backend(e, timeout))?
            .get(0);
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.batch_execute(sql).map_err(|e| backend(e, timeout))?;
            tx.execute("INSERT INTO mssante_schema (version) VALUES ($1)", &[version])
                .map_err(|e| backend(e, timeout))?;
        }
        tx.commit().map_err(|e| backend(e, timeout))
    }

    /// Removes the state's tables (tests, a state to start afresh).
    pub fn drop_schema(self) -> Result<(), Error> {
        let timeout = self.lock_timeout;
        self.client()
            .batch_execute("DROP TABLE IF EXISTS mssante_operators, mssante_deposits, mssante_meta, mssante_schema")
            .map_err(|e| backend(e, timeout))
    }

    fn locked_tx<'c>(c: &'c mut Client, timeout: Duration) -> Result<Transaction<'c>, Error> {
        let mut tx = c.transaction().map_err(|e| backend(e, timeout))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&STATE_KEY]).map_err(|e| backend(e, timeout))?;
        Ok(tx)
    }

    fn entry_for_update(tx: &mut Transaction<'_>, seq: u64, timeout: Duration) -> Result<DepositEntry, Error> {
        let row = tx
            .query_opt("SELECT entry FROM mssante_deposits WHERE seq = $1 FOR UPDATE", &[&to_i64(seq)])
            .map_err(|e| backend(e, timeout))?
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))?;
        parse_entry(row.get(0))
    }
}

impl Store for PgStore {
    fn deposits(&self) -> Result<Vec<DepositEntry>, Error> {
        let rows =
            self.client().query("SELECT entry FROM mssante_deposits ORDER BY seq", &[]).map_err(|e| self.err(e))?;
        rows.iter().map(|r| parse_entry(r.get(0))).collect()
    }

    fn record_deposit(
        &mut self,
        content: &[u8],
        sha256: &str,
        check: &mut dyn FnMut(Option<String>) -> DepositReport,
    ) -> Result<(u64, DepositReport), Error> {
        let timeout = self.lock_timeout;
        let mut c = self.client();
        let mut tx = Self::locked_tx(&mut c, timeout)?;
        let earlier: Option<String> = tx
            .query_opt(
                "SELECT file_name FROM mssante_deposits WHERE accepted AND sha256 = $1 ORDER BY seq LIMIT 1",
                &[&sha256],
            )
            .map_err(|e| backend(e, timeout))?
            .map(|r| r.get(0));
        let report = check(earlier);
        let seq: i64 = tx
            .query_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM mssante_deposits", &[])
            .map_err(|e| backend(e, timeout))?
            .get(0);
        let seq = u64::try_from(seq).unwrap_or(0);
        let entry = DepositEntry { seq, report: report.clone(), integrated_at: None, failed: None };
        let stored: Option<&[u8]> = report.is_accepted().then_some(content);
        tx.execute(
            "INSERT INTO mssante_deposits (seq, entry, sha256, accepted, file_name, content, deposit_report)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &to_i64(seq),
                &entry_json(&entry)?,
                &report.sha256,
                &report.is_accepted(),
                &report.file_name,
                &stored,
                &report.to_pipe(),
            ],
        )
        .map_err(|e| backend(e, timeout))?;
        tx.commit().map_err(|e| backend(e, timeout))?;
        Ok((seq, report))
    }

    fn content(&self, seq: u64) -> Result<Vec<u8>, Error> {
        let row = self
            .client()
            .query_opt("SELECT accepted, content FROM mssante_deposits WHERE seq = $1", &[&to_i64(seq)])
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))?;
        let accepted: bool = row.get(0);
        match row.get::<_, Option<Vec<u8>>>(1) {
            Some(bytes) => Ok(bytes),
            None if accepted => {
                Err(Error::state(StateCode::ContentMissing, format!("the content of deposit {seq} is missing")))
            }
            None => Err(Error::state(StateCode::LedgerConflict, format!("deposit {seq} has no stored content"))),
        }
    }

    fn load_operator(&self, operator: &str) -> Result<OperatorBals, Error> {
        let row = self
            .client()
            .query_opt("SELECT feed, sha256 FROM mssante_operators WHERE operator = $1", &[&operator])
            .map_err(|e| self.err(e))?;
        match row {
            None => Ok(OperatorBals::new()),
            Some(r) => {
                let feed: Vec<u8> = r.get(0);
                let sha: String = r.get(1);
                if sha256_hex(&feed) != sha {
                    return Err(Error::state(
                        StateCode::DirectoryMismatch,
                        format!("the BALs of {operator} differ from their SHA-256; nothing was changed"),
                    ));
                }
                OperatorBals::from_feed(&feed)
            }
        }
    }

    fn commit(&mut self, seq: u64, bals: &OperatorBals, output: &dyn IntegrationOutput) -> Result<(), Error> {
        let timeout = self.lock_timeout;
        let report = output.head();
        let feed = bals.to_feed();
        let mut c = self.client();
        let mut tx = Self::locked_tx(&mut c, timeout)?;
        let mut entry = Self::entry_for_update(&mut tx, seq, timeout)?;
        check_waiting(&entry)?;
        let generation: i64 = tx
            .query_one("UPDATE mssante_meta SET generation = generation + 1 RETURNING generation", &[])
            .map_err(|e| backend(e, timeout))?
            .get(0);
        tx.execute(
            "INSERT INTO mssante_operators (operator, generation, bals, sha256, feed) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (operator) DO UPDATE SET generation = $2, bals = $3, sha256 = $4, feed = $5",
            &[&report.operator, &generation, &to_i64(bals.len() as u64), &sha256_hex(&feed), &feed],
        )
        .map_err(|e| backend(e, timeout))?;
        entry.integrated_at = Some(report.run_at);
        tx.execute("UPDATE mssante_deposits SET entry = $2 WHERE seq = $1", &[&to_i64(seq), &entry_json(&entry)?])
            .map_err(|e| backend(e, timeout))?;
        let mut parts = Parts { tx: &mut tx, seq: to_i64(seq), part: 0, buf: Vec::with_capacity(PART), error: None };
        let written = output.write_pipe(&mut parts).and_then(|()| std::io::Write::flush(&mut parts));
        if let Some(e) = parts.error.take() {
            return Err(backend(e, timeout));
        }
        written.map_err(|e| Error::io("(CR d'intégration)", e))?;
        tx.commit().map_err(|e| backend(e, timeout))
    }

    fn fail(&mut self, seq: u64, failure: &Failure) -> Result<(), Error> {
        let timeout = self.lock_timeout;
        let mut c = self.client();
        let mut tx = Self::locked_tx(&mut c, timeout)?;
        let mut entry = Self::entry_for_update(&mut tx, seq, timeout)?;
        check_waiting(&entry)?;
        entry.failed = Some(failure.clone());
        tx.execute("UPDATE mssante_deposits SET entry = $2 WHERE seq = $1", &[&to_i64(seq), &entry_json(&entry)?])
            .map_err(|e| backend(e, timeout))?;
        tx.commit().map_err(|e| backend(e, timeout))
    }

    fn integration_report(&self, seq: u64) -> Result<Option<IntegrationReport>, Error> {
        let rows = self
            .client()
            .query("SELECT body FROM mssante_reports WHERE seq = $1 ORDER BY part", &[&to_i64(seq)])
            .map_err(|e| self.err(e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        for r in &rows {
            bytes.extend_from_slice(r.get::<_, &[u8]>(0));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::state(StateCode::ReportMismatch, format!("the CR d'intégration of {seq} is not UTF-8"))
        })?;
        IntegrationReport::from_pipe(&text).map(Some)
    }

    fn copy_integration_report(&self, seq: u64, out: &mut dyn std::io::Write) -> Result<bool, Error> {
        let parts: i64 = self
            .client()
            .query_one("SELECT count(*) FROM mssante_reports WHERE seq = $1", &[&to_i64(seq)])
            .map_err(|e| self.err(e))?
            .get(0);
        // One part at a time: a report of any size costs one part in memory.
        for part in 0..i32::try_from(parts).unwrap_or(0) {
            let row = self
                .client()
                .query_one("SELECT body FROM mssante_reports WHERE seq = $1 AND part = $2", &[&to_i64(seq), &part])
                .map_err(|e| self.err(e))?;
            out.write_all(row.get::<_, &[u8]>(0)).map_err(|e| Error::io("(CR d'intégration)", e))?;
        }
        Ok(parts > 0)
    }

    fn integration_summary(&self, seq: u64) -> Result<Option<IntegrationSummary>, Error> {
        // The head is far smaller than a part: the first part holds it.
        let row = self
            .client()
            .query_opt("SELECT body FROM mssante_reports WHERE seq = $1 AND part = 0", &[&to_i64(seq)])
            .map_err(|e| self.err(e))?;
        match row {
            None => Ok(None),
            Some(r) => IntegrationSummary::read_pipe(r.get::<_, &[u8]>(0)).map(Some),
        }
    }

    fn operators(&self) -> Result<Vec<OperatorInfo>, Error> {
        let rows = self
            .client()
            .query("SELECT operator, bals, generation FROM mssante_operators ORDER BY operator", &[])
            .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| OperatorInfo {
                operator: r.get(0),
                bals: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                generation: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
            })
            .collect())
    }

    fn begin_run(&mut self) -> Result<(), Error> {
        if self.in_run {
            return Err(Error::state(StateCode::LedgerConflict, "a run is already under way on this connection"));
        }
        let timeout = self.lock_timeout;
        self.client().execute("SELECT pg_advisory_lock($1)", &[&RUN_KEY]).map_err(|e| backend(e, timeout))?;
        self.in_run = true;
        Ok(())
    }

    fn end_run(&mut self) -> Result<(), Error> {
        if std::mem::take(&mut self.in_run) {
            let timeout = self.lock_timeout;
            self.client().execute("SELECT pg_advisory_unlock($1)", &[&RUN_KEY]).map_err(|e| backend(e, timeout))?;
        }
        Ok(())
    }

    fn verify(&self) -> Result<Vec<Finding>, Error> {
        let mut out = super::verify_logical(self)?;
        let rows = self
            .client()
            .query("SELECT seq, entry FROM mssante_deposits ORDER BY seq", &[])
            .map_err(|e| self.err(e))?;
        for r in rows {
            let seq: i64 = r.get(0);
            if let Ok(entry) = parse_entry(r.get(1))
                && to_i64(entry.seq) != seq
            {
                out.push(Finding::error(
                    StateCode::ManifestCorrupt,
                    u64::try_from(seq).ok(),
                    None,
                    format!("row {seq} holds the entry of deposit {}", entry.seq),
                ));
            }
        }
        Ok(out)
    }

    fn deposit_report_pipe(&self, seq: u64) -> Result<String, Error> {
        self.client()
            .query_opt("SELECT deposit_report FROM mssante_deposits WHERE seq = $1", &[&to_i64(seq)])
            .map_err(|e| self.err(e))?
            .map(|r| r.get(0))
            .ok_or_else(|| Error::state(StateCode::LedgerConflict, format!("unknown deposit {seq}")))
    }
}
