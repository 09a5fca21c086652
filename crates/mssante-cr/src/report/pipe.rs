//! The `|` form of both reports (`docs/formats/cr.md`).

use super::{BalOutcome, DepositOutcome, DepositReport, FieldChange, IntegrationReport, IssueCount, Outcome, Totals};
use crate::error::Error;
use crate::schedule::{format_time, parse_time};
use crate::sections::{DocWriter, Document, Row, Section};
use chrono::NaiveDate;
use mssante_bal::{Code, Issue, Position, Severity, StableCode};
use std::collections::HashMap;

/// Magic line of a CR de dépôt.
pub const DEPOSIT_MAGIC: &str = "CR-DEPOT v1";
/// Magic line of a CR d'intégration.
pub const INTEGRATION_MAGIC: &str = "CR-INTEGRATION v1";

const ISSUE_COLUMNS: [&str; 7] = ["Ligne", "Enregistrement", "Octet", "Code", "Gravite", "Colonne", "Message"];

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
    }
}

const CODE_COLUMNS: [&str; 4] = ["Code", "Gravite", "Colonne", "Nombre"];
const BAL_COLUMNS: [&str; 4] = ["Ligne", "Adresse", "Resultat", "Precedente conservee"];
const CHANGE_COLUMNS: [&str; 4] = ["Ligne", "Colonne", "Avant", "Apres"];

/// The sections before the rows: `#INTEGRATION`, `#TOTAUX`, `#CODES`.
fn render_head(w: &mut DocWriter<'_>, head: &IntegrationReport, totals: &Totals, codes: &[IssueCount]) {
    w.section(
        "INTEGRATION",
        &[
            "Lancement",
            "Dates closes jusqu'au",
            "Fichier",
            "Operateur",
            "Depose le",
            "Date metier",
            "SHA-256",
            "Domaines controles",
        ],
    );
    w.row(&[
        format_time(head.run_at),
        head.closed_through.to_string(),
        head.file_name.clone(),
        head.operator.clone(),
        format_time(head.deposited_at),
        head.business_date.to_string(),
        head.sha256.clone(),
        if head.domains_checked { "O" } else { "N" }.to_owned(),
    ]);
    w.section("TOTAUX", &TOTAL_COLUMNS);
    w.row(&totals.values().map(|v| v.to_string()));
    w.section("CODES", &CODE_COLUMNS);
    for c in codes {
        w.row(&[
            c.code.as_str(),
            severity_word(c.severity),
            c.column.as_deref().unwrap_or(""),
            c.count.to_string().as_str(),
        ]);
    }
}

fn bal_row(w: &mut DocWriter<'_>, o: &BalOutcome) {
    w.row(&[
        o.line.map(|l| l.to_string()).unwrap_or_default().as_str(),
        &o.address,
        outcome_word(o.outcome),
        if o.kept_previous { "O" } else { "" },
    ]);
}

fn change_rows(w: &mut DocWriter<'_>, o: &BalOutcome) {
    let line = o.line.map(|l| l.to_string()).unwrap_or_default();
    for c in &o.changes {
        w.row(&[line.as_str(), &c.column, &c.before, &c.after]);
    }
}

/// The rows of `#BAL`, `#MODIFICATIONS` and `#ANOMALIES`, each written into
/// its own sink as outcomes come, then copied after the head by
/// [`RowWriters::write_document`].
pub(crate) struct RowWriters<'a> {
    bal: DocWriter<'a>,
    changes: DocWriter<'a>,
    anomalies: DocWriter<'a>,
}

impl<'a> RowWriters<'a> {
    pub(crate) fn new(
        bal: impl std::io::Write + 'a,
        changes: impl std::io::Write + 'a,
        anomalies: impl std::io::Write + 'a,
    ) -> Self {
        RowWriters {
            bal: DocWriter::rows_only(BAL_COLUMNS.len(), bal),
            changes: DocWriter::rows_only(CHANGE_COLUMNS.len(), changes),
            anomalies: DocWriter::rows_only(ISSUE_COLUMNS.len(), anomalies),
        }
    }

    pub(crate) fn push(&mut self, o: &BalOutcome) {
        bal_row(&mut self.bal, o);
        change_rows(&mut self.changes, o);
        for i in &o.issues {
            write_issue(&mut self.anomalies, i);
        }
    }

    pub(crate) fn finish(self) -> std::io::Result<()> {
        self.bal.finish_streaming()?;
        self.changes.finish_streaming()?;
        self.anomalies.finish_streaming()
    }

    /// Writes a whole document: the head, then the rows read from the three
    /// sinks (in that order).
    pub(crate) fn write_document(
        out: &mut dyn std::io::Write,
        head: &IntegrationReport,
        totals: &Totals,
        codes: &[IssueCount],
        rows: [&mut dyn std::io::Read; 3],
    ) -> std::io::Result<()> {
        let mut w = DocWriter::streaming(INTEGRATION_MAGIC, out);
        render_head(&mut w, head, totals, codes);
        let [bal, changes, anomalies] = rows;
        w.section("BAL", &BAL_COLUMNS);
        w.copy_rows(bal)?;
        w.section("MODIFICATIONS", &CHANGE_COLUMNS);
        w.copy_rows(changes)?;
        w.section("ANOMALIES", &ISSUE_COLUMNS);
        w.copy_rows(anomalies)?;
        w.finish_streaming()
    }
}

fn write_issue<C: StableCode>(w: &mut DocWriter<'_>, i: &Issue<C>) {
    w.row(&[
        i.position.line.to_string(),
        i.position.record.to_string(),
        i.position.byte.to_string(),
        i.code.as_str().to_owned(),
        severity_word(i.severity).to_owned(),
        i.column.clone().unwrap_or_default(),
        i.message.clone(),
    ]);
}

fn read_issue<C: StableCode>(s: &Section, r: &Row) -> Result<Issue<C>, Error> {
    let num = |v: &str| v.parse::<u64>().ok();
    let severity = r.parse(s.col("Gravite")?, |v| match v {
        "erreur" => Some(Severity::Error),
        "avertissement" => Some(Severity::Warning),
        _ => None,
    })?;
    let column = r.get(s.col("Colonne")?);
    Ok(Issue {
        code: r.parse(s.col("Code")?, C::from_code)?,
        severity,
        position: Position {
            line: r.parse(s.col("Ligne")?, num)?,
            record: r.parse(s.col("Enregistrement")?, num)?,
            byte: r.parse(s.col("Octet")?, num)?,
        },
        column: (!column.is_empty()).then(|| column.to_owned()),
        message: r.get(s.col("Message")?).to_owned(),
    })
}

fn date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
}

fn single_row(s: &Section) -> Result<&Row, Error> {
    match s.rows.as_slice() {
        [r] => Ok(r),
        _ => Err(Error::report(s.line, None, format!("section #{} must hold exactly one row", s.name))),
    }
}

fn expect_magic(doc: &Document, magic: &str) -> Result<(), Error> {
    if doc.magic == magic {
        Ok(())
    } else {
        Err(Error::report(1, None, format!("expected #{magic}, found #{}", doc.magic)))
    }
}

impl DepositReport {
    /// Renders the `|` form.
    pub fn to_pipe(&self) -> String {
        let mut w = DocWriter::new(DEPOSIT_MAGIC);
        w.section(
            "DEPOT",
            &[
                "Fichier",
                "Operateur",
                "Depose le",
                "Date metier",
                "Genere le",
                "Taille",
                "SHA-256",
                "Resultat",
                "Enregistrements",
            ],
        );
        w.row(&[
            self.file_name.clone(),
            self.operator.clone(),
            format_time(self.deposited_at),
            self.business_date.to_string(),
            self.generated_at.map(format_time).unwrap_or_default(),
            self.size.to_string(),
            self.sha256.clone(),
            match self.outcome {
                DepositOutcome::Accepted => "ACCEPTE",
                DepositOutcome::Rejected => "REJETE",
            }
            .to_owned(),
            self.records.to_string(),
        ]);
        w.section("MOTIFS", &ISSUE_COLUMNS);
        for i in &self.reasons {
            write_issue(&mut w, i);
        }
        w.finish()
    }

    /// Parses the `|` form.
    ///
    /// ```
    /// # use mssante_cr::DepositReport;
    /// let text = "#CR-DEPOT v1\n#DEPOT\nFichier|Operateur|Depose le|Date metier|Genere le|Taille|SHA-256|Resultat|Enregistrements\n\
    ///             BALMSS_OPE-1_20201203170000.txt|OPE-1|2020-12-03T18:00:00+01:00|2020-12-03||120|00|ACCEPTE|1\n\
    ///             #MOTIFS\nLigne|Enregistrement|Octet|Code|Gravite|Colonne|Message\n";
    /// let r = DepositReport::from_pipe(text).unwrap();
    /// assert!(r.is_accepted());
    /// assert_eq!(DepositReport::from_pipe(&r.to_pipe()).unwrap(), r);
    /// ```
    pub fn from_pipe(text: &str) -> Result<DepositReport, Error> {
        let doc = Document::parse(text)?;
        expect_magic(&doc, DEPOSIT_MAGIC)?;
        let s = doc.section("DEPOT")?;
        let r = single_row(s)?;
        let mut report = DepositReport {
            file_name: r.get(s.col("Fichier")?).to_owned(),
            operator: r.get(s.col("Operateur")?).to_owned(),
            deposited_at: r.parse(s.col("Depose le")?, parse_time)?,
            business_date: r.parse(s.col("Date metier")?, date)?,
            generated_at: r.parse_opt(s.col("Genere le")?, parse_time)?,
            size: r.parse(s.col("Taille")?, |v| v.parse().ok())?,
            sha256: r.get(s.col("SHA-256")?).to_owned(),
            outcome: r.parse(s.col("Resultat")?, |v| match v {
                "ACCEPTE" => Some(DepositOutcome::Accepted),
                "REJETE" => Some(DepositOutcome::Rejected),
                _ => None,
            })?,
            records: r.parse(s.col("Enregistrements")?, |v| v.parse().ok())?,
            reasons: Vec::new(),
        };
        if let Some(m) = doc.opt_section("MOTIFS") {
            for r in &m.rows {
                report.reasons.push(read_issue(m, r)?);
            }
        }
        Ok(report)
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Created => "CREEE",
        Outcome::Updated => "MODIFIEE",
        Outcome::Unchanged => "INCHANGEE",
        Outcome::Deleted => "SUPPRIMEE",
        Outcome::Rejected => "REJETEE",
        Outcome::Kept => "CONSERVEE",
    }
}

fn outcome_of(v: &str) -> Option<Outcome> {
    Outcome::ALL.into_iter().find(|o| outcome_word(*o) == v)
}

const TOTAL_COLUMNS: [&str; 10] = [
    "Lignes",
    "Creees",
    "Modifiees",
    "Inchangees",
    "Supprimees",
    "Rejetees",
    "Rejetees conservees",
    "Conservees",
    "BAL avant",
    "BAL apres",
];

impl Totals {
    fn values(&self) -> [u64; 10] {
        [
            self.lines,
            self.created,
            self.updated,
            self.unchanged,
            self.deleted,
            self.rejected,
            self.rejected_kept,
            self.kept,
            self.before,
            self.after,
        ]
    }
}

/// `#INTEGRATION`: the report without its outcomes.
fn parse_head(doc: &Document) -> Result<IntegrationReport, Error> {
    expect_magic(doc, INTEGRATION_MAGIC)?;
    let s = doc.section("INTEGRATION")?;
    let r = single_row(s)?;
    let yes_no = |v: &str| match v {
        "O" => Some(true),
        "N" => Some(false),
        _ => None,
    };
    Ok(IntegrationReport {
        run_at: r.parse(s.col("Lancement")?, parse_time)?,
        closed_through: r.parse(s.col("Dates closes jusqu'au")?, date)?,
        file_name: r.get(s.col("Fichier")?).to_owned(),
        operator: r.get(s.col("Operateur")?).to_owned(),
        deposited_at: r.parse(s.col("Depose le")?, parse_time)?,
        business_date: r.parse(s.col("Date metier")?, date)?,
        sha256: r.get(s.col("SHA-256")?).to_owned(),
        domains_checked: r.parse(s.col("Domaines controles")?, yes_no)?,
        outcomes: Vec::new(),
    })
}

/// `#CODES`, when the report has it.
fn parse_codes(doc: &Document) -> Result<Option<Vec<IssueCount>>, Error> {
    let Some(c) = doc.opt_section("CODES") else { return Ok(None) };
    let (cc, cs, cn, cv) = (c.col("Code")?, c.col("Gravite")?, c.col("Colonne")?, c.col("Nombre")?);
    let mut listed = Vec::with_capacity(c.rows.len());
    for r in &c.rows {
        let column = r.get(cn);
        listed.push(IssueCount {
            code: r.parse(cc, Code::from_code)?,
            severity: r.parse(cs, |v| match v {
                "erreur" => Some(Severity::Error),
                "avertissement" => Some(Severity::Warning),
                _ => None,
            })?,
            column: (!column.is_empty()).then(|| column.to_owned()),
            count: r.parse(cv, |v| v.parse().ok())?,
        });
    }
    Ok(Some(listed))
}

/// `#TOTAUX`: its row and the ten values, in [`TOTAL_COLUMNS`] order.
fn parse_totals(doc: &Document) -> Result<(&Row, [u64; 10]), Error> {
    let t = doc.section("TOTAUX")?;
    let row = single_row(t)?;
    let mut values = [0u64; 10];
    for (v, name) in values.iter_mut().zip(TOTAL_COLUMNS) {
        *v = row.parse(t.col(name)?, |v| v.parse().ok())?;
    }
    Ok((row, values))
}

/// The head of a CR d'intégration: its header fields, totals and counts by
/// code, read without its rows. Reading stops at `#BAL`, so a report of a
/// million lines is summed up in the time and memory of a few lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IntegrationSummary {
    /// The header fields (no outcomes).
    pub report: IntegrationReport,
    /// `#TOTAUX`, as written.
    pub totals: Totals,
    /// `#CODES`, as written (empty for a report written before it existed).
    pub issue_counts: Vec<IssueCount>,
}

impl IntegrationSummary {
    /// Reads the head of a report in `|` form.
    pub fn read_pipe(mut r: impl std::io::BufRead) -> Result<IntegrationSummary, Error> {
        let mut head = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            let n = r.read_line(&mut line).map_err(|e| Error::io("(CR d'intégration)", e))?;
            if n == 0 || line.trim_end_matches(['\r', '\n']) == "#BAL" {
                break;
            }
            head.push_str(&line);
        }
        let doc = Document::parse(&head)?;
        let report = parse_head(&doc)?;
        let (_, v) = parse_totals(&doc)?;
        let totals = Totals {
            lines: v[0],
            created: v[1],
            updated: v[2],
            unchanged: v[3],
            deleted: v[4],
            rejected: v[5],
            rejected_kept: v[6],
            kept: v[7],
            before: v[8],
            after: v[9],
        };
        if !totals.adds_up() {
            return Err(Error::report(0, Some("Lignes"), "the totals do not add up"));
        }
        Ok(IntegrationSummary { report, totals, issue_counts: parse_codes(&doc)?.unwrap_or_default() })
    }
}

impl IntegrationReport {
    /// Renders the `|` form.
    pub fn to_pipe(&self) -> String {
        let mut w = DocWriter::new(INTEGRATION_MAGIC);
        self.render(&mut w);
        w.finish()
    }

    /// Writes the `|` form into `out` as it is rendered (the same bytes as
    /// [`IntegrationReport::to_pipe`], without holding them all).
    pub fn write_pipe(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = DocWriter::streaming(INTEGRATION_MAGIC, out);
        self.render(&mut w);
        w.finish_streaming()
    }

    fn render(&self, w: &mut DocWriter<'_>) {
        render_head(w, self, &self.totals(), &self.issue_counts());
        w.section("BAL", &BAL_COLUMNS);
        for o in &self.outcomes {
            bal_row(w, o);
        }
        w.section("MODIFICATIONS", &CHANGE_COLUMNS);
        for o in &self.outcomes {
            change_rows(w, o);
        }
        w.section("ANOMALIES", &ISSUE_COLUMNS);
        for o in &self.outcomes {
            for i in &o.issues {
                write_issue(w, i);
            }
        }
    }

    /// Parses the `|` form. The totals must agree with the outcomes, every
    /// change and anomaly must name the line of a BAL row.
    pub fn from_pipe(text: &str) -> Result<IntegrationReport, Error> {
        let doc = Document::parse(text)?;
        let mut report = parse_head(&doc)?;
        let b = doc.section("BAL")?;
        let (cl, ca, cr, ck) = (b.col("Ligne")?, b.col("Adresse")?, b.col("Resultat")?, b.col("Precedente conservee")?);
        let mut by_line = HashMap::new();
        for r in &b.rows {
            let line = r.parse_opt(cl, |v| v.parse::<u64>().ok())?;
            if let Some(l) = line
                && by_line.insert(l, report.outcomes.len()).is_some()
            {
                return Err(Error::report(r.line, Some("Ligne"), format!("line {l} has two outcomes")));
            }
            let outcome = r.parse(cr, outcome_of)?;
            if line.is_some() == matches!(outcome, Outcome::Deleted | Outcome::Kept) {
                return Err(Error::report(r.line, Some("Ligne"), "SUPPRIMEE and CONSERVEE rows alone have no line"));
            }
            report.outcomes.push(BalOutcome {
                line,
                address: r.get(ca).to_owned(),
                outcome,
                kept_previous: r.parse(ck, |v| match v {
                    "O" if outcome == Outcome::Rejected => Some(true),
                    "" => Some(false),
                    _ => None,
                })?,
                changes: Vec::new(),
                issues: Vec::new(),
            });
        }
        let target = |r: &Row, line: u64| {
            by_line
                .get(&line)
                .copied()
                .ok_or_else(|| Error::report(r.line, Some("Ligne"), format!("line {line} has no row in section #BAL")))
        };
        if let Some(m) = doc.opt_section("MODIFICATIONS") {
            let (cl, cc, cb, cn) = (m.col("Ligne")?, m.col("Colonne")?, m.col("Avant")?, m.col("Apres")?);
            for r in &m.rows {
                let i = target(r, r.parse(cl, |v| v.parse().ok())?)?;
                if report.outcomes[i].outcome != Outcome::Updated {
                    return Err(Error::report(r.line, Some("Ligne"), "a change for a line that is not MODIFIEE"));
                }
                report.outcomes[i].changes.push(FieldChange {
                    column: r.get(cc).to_owned(),
                    before: r.get(cb).to_owned(),
                    after: r.get(cn).to_owned(),
                });
            }
        }
        if let Some(a) = doc.opt_section("ANOMALIES") {
            for r in &a.rows {
                let issue = read_issue(a, r)?;
                let i = target(r, issue.position.line)?;
                report.outcomes[i].issues.push(issue);
            }
        }
        if let Some(listed) = parse_codes(&doc)?
            && listed != report.issue_counts()
        {
            let line = doc.opt_section("CODES").and_then(|c| c.rows.first()).map_or(0, |r| r.line);
            return Err(Error::report(line, Some("Nombre"), "the counts by code do not match the anomalies listed"));
        }
        let (row, listed) = parse_totals(&doc)?;
        let computed = report.totals().values();
        for ((name, want), got) in TOTAL_COLUMNS.iter().zip(computed).zip(listed) {
            if got != want {
                return Err(Error::report(
                    row.line,
                    Some(name),
                    format!("total {got} does not match the {want} outcomes listed"),
                ));
            }
        }
        Ok(report)
    }
}
