//! The French text of both reports, for people.

use super::{DepositOutcome, DepositReport, IntegrationReport, IntegrationSummary, IssueCount, Outcome, Totals};
use chrono::{DateTime, Utc};
use mssante_bal::{Issue, Severity, StableCode};
use mssante_types::paris;
use std::fmt::Write as _;

fn when(t: DateTime<Utc>) -> String {
    paris::local(t).format("%d/%m/%Y à %Hh%M (heure de Paris)").to_string()
}

fn issue_line<C: StableCode>(out: &mut String, i: &Issue<C>) {
    let sev = match i.severity {
        Severity::Error => "erreur",
        Severity::Warning => "avertissement",
    };
    let _ = write!(out, "  - {} ({sev})", i.code);
    if i.position.line > 0 {
        let _ = write!(out, ", ligne {}", i.position.line);
    }
    if let Some(c) = &i.column {
        let _ = write!(out, ", colonne « {c} »");
    }
    let _ = writeln!(out, " : {}", i.message);
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Created => "créée",
        Outcome::Updated => "modifiée",
        Outcome::Unchanged => "inchangée",
        Outcome::Deleted => "supprimée",
        Outcome::Rejected => "rejetée",
        Outcome::Kept => "conservée",
    }
}

impl DepositReport {
    /// The French text of the report.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Compte rendu de dépôt de fichier");
        let _ = writeln!(s, "Fichier : {}", self.file_name);
        let _ = writeln!(s, "Opérateur : {}", self.operator);
        let _ = writeln!(s, "Déposé le {}", when(self.deposited_at));
        let _ = writeln!(s, "Date d'alimentation : {}", self.business_date.format("%d/%m/%Y"));
        let _ = writeln!(s, "Taille : {} octets, {} enregistrement(s)", self.size, self.records);
        let _ = writeln!(s, "Empreinte SHA-256 : {}", self.sha256);
        let verdict = match self.outcome {
            DepositOutcome::Accepted => "ACCEPTÉ : le fichier sera intégré lors de la prochaine alimentation.",
            DepositOutcome::Rejected => "REJETÉ : le fichier ne sera pas intégré.",
        };
        let _ = writeln!(s, "Résultat : {verdict}");
        if !self.reasons.is_empty() {
            let _ = writeln!(s, "Motifs :");
            for i in &self.reasons {
                issue_line(&mut s, i);
            }
        }
        s
    }
}

/// The header, totals and anomalies by code of a CR d'intégration.
fn head_text(s: &mut String, r: &IntegrationReport, t: &Totals, codes: &[IssueCount]) {
    let _ = writeln!(s, "Compte rendu d'intégration");
    let _ = writeln!(s, "Alimentation du {}", when(r.run_at));
    let _ = writeln!(s, "Fichier : {} (opérateur {})", r.file_name, r.operator);
    let _ =
        writeln!(s, "Déposé le {}, date d'alimentation {}", when(r.deposited_at), r.business_date.format("%d/%m/%Y"));
    if !r.domains_checked {
        let _ = writeln!(s, "Attention : domaines non contrôlés (aucune liste blanche fournie).");
    }
    let _ = writeln!(
        s,
        "{} ligne(s) : {} créée(s), {} modifiée(s), {} inchangée(s), {} rejetée(s) (dont {} BAL conservée(s) dans leur version précédente)",
        t.lines, t.created, t.updated, t.unchanged, t.rejected, t.rejected_kept
    );
    let _ = writeln!(
        s,
        "BAL de l'opérateur : {} avant, {} après ; {} supprimée(s), {} conservée(s) faute de pouvoir attribuer toutes les lignes",
        t.before, t.after, t.deleted, t.kept
    );
    if !codes.is_empty() {
        let _ = writeln!(s, "Anomalies par code :");
        for c in codes {
            let word = if c.severity == mssante_bal::Severity::Error { "erreur" } else { "avertissement" };
            let column = c.column.as_deref().map(|c| format!(", colonne « {c} »")).unwrap_or_default();
            let _ = writeln!(s, "  {} ({word}{column}) : {}", c.code, c.count);
        }
    }
}

impl IntegrationSummary {
    /// The French text of the head of a report: header, totals, anomalies by
    /// code (no line detail).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        head_text(&mut s, &self.report, &self.totals, &self.issue_counts);
        s
    }
}

impl IntegrationReport {
    /// The French text of the report. At most `detail` rejected lines and
    /// `detail` other changes are listed one by one; the totals are complete.
    pub fn to_text(&self, detail: usize) -> String {
        let mut s = String::new();
        head_text(&mut s, self, &self.totals(), &self.issue_counts());
        let rejected: Vec<_> = self.outcomes.iter().filter(|o| o.outcome == Outcome::Rejected).collect();
        if !rejected.is_empty() {
            let _ = writeln!(s, "Lignes rejetées :");
            for o in rejected.iter().take(detail) {
                let keep = if o.kept_previous { " (version précédente conservée)" } else { "" };
                let _ = writeln!(s, " ligne {} {}{keep}", o.line.unwrap_or(0), o.address);
                for i in o.issues.iter().filter(|i| i.is_error()) {
                    issue_line(&mut s, i);
                }
            }
            if rejected.len() > detail {
                let _ = writeln!(s, " … et {} autre(s)", rejected.len() - detail);
            }
        }
        let changes: Vec<_> = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Created | Outcome::Updated | Outcome::Deleted | Outcome::Kept))
            .collect();
        if !changes.is_empty() {
            let _ = writeln!(s, "Mouvements :");
            for o in changes.iter().take(detail) {
                let _ = write!(s, " {} {}", outcome_label(o.outcome), o.address);
                if let Some(l) = o.line {
                    let _ = write!(s, " (ligne {l})");
                }
                if !o.changes.is_empty() {
                    let cols: Vec<_> = o.changes.iter().map(|c| c.column.as_str()).collect();
                    let _ = write!(s, " : {}", cols.join(", "));
                }
                s.push('\n');
            }
            if changes.len() > detail {
                let _ = writeln!(s, " … et {} autre(s)", changes.len() - detail);
            }
        }
        s
    }
}
