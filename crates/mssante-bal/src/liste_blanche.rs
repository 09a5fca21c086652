//! The liste blanche: the XML list of trust-space domains and, for each, the
//! certificate DN of every operator MTA allowed for it (`liste-blanche.md`).
//!
//! The parser is streaming (quick-xml) and tolerant of the known quirks: names in
//! upper case or with surrounding spaces, one entry per certificate (a domain may
//! appear several times), DNs with `", "` separators, contacts with newlines. A
//! malformed entry (no name, a name with `@`, no DN) is reported with its position
//! and skipped; a file that ends before its closing tags is reported (`L304`) and
//! the complete entries are kept. Contact fields are personal data and are not
//! kept.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! let xml = r#"<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
//!   <DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>
//!   <ListeDomaines>
//!     <Domaine><Nom>CH-Exemple.mssante.fr</Nom><Description>CH</Description>
//!       <DNCertificatOperateur>CN=mta1.op.fr,OU=12345678200010,O=OP,ST=Exemple (99),C=FR</DNCertificatOperateur>
//!       <DateMAJ>2024-01-15</DateMAJ></Domaine>
//!   </ListeDomaines>
//! </ListeBlancheMSSante>"#;
//! let lb = ListeBlanche::parse(xml.as_bytes()).unwrap();
//! let ops = lb.operators_of("ch-exemple.MSSANTE.fr");
//! assert_eq!(ops[0].cn(), Some("mta1.op.fr"));
//! assert_eq!(lb.domains_of(ops[0])[0].as_str(), "CH-Exemple.mssante.fr");
//! ```

pub use crate::dn::{Dn, DnError};
use crate::error::{Code, Error, Issue, Position};
use crate::model::address::Domain;
use chrono::{DateTime, NaiveDate, Utc};
use mssante_types::identity::domain_key_lossy;
use quick_xml::events::Event;
use std::collections::HashMap;

/// The XML namespace of the liste blanche.
pub const NAMESPACE: &str = "https://listeblanche.mssante.fr/schema";

/// One `Domaine` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The domain (`Nom`), trimmed, spelled as written.
    pub domain: Domain<'static>,
    /// `Description`.
    pub description: String,
    /// `DNCertificatOperateur`, canonical.
    pub dn: Dn,
    /// `DateMAJ` (a date, or the date part of a date-time).
    pub updated: Option<NaiveDate>,
    /// Where the `<Domaine>` starts; `record` is the 1-based entry index.
    pub position: Position,
}

/// A parsed liste blanche.
#[derive(Debug, Clone, Default)]
pub struct ListeBlanche {
    /// `DateDeGeneration`.
    pub generated_at: Option<DateTime<Utc>>,
    entries: Vec<Entry>,
    issues: Vec<Issue>,
    rejected: u64,
    by_domain: HashMap<String, Vec<usize>>,
    by_dn: HashMap<Dn, Vec<usize>>,
}

#[derive(Default)]
struct Pending {
    name: Option<String>,
    description: String,
    dn: Option<String>,
    date: Option<String>,
    position: Position,
}

fn line_at(data: &[u8], byte: usize, cache: &mut (usize, u64)) -> u64 {
    let (from, line) = *cache;
    let byte = byte.min(data.len());
    let add = if byte >= from { memchr::memchr_iter(b'\n', &data[from..byte]).count() as u64 } else { 0 };
    if byte >= from {
        *cache = (byte, line + add);
        line + add
    } else {
        1 + memchr::memchr_iter(b'\n', &data[..byte]).count() as u64
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|d| d.date_naive()))
        .or_else(|| {
            s.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .filter(|_| s.as_bytes().get(10) == Some(&b'T'))
        })
}

impl ListeBlanche {
    /// Parses a whole document.
    pub fn parse(data: &[u8]) -> Result<ListeBlanche, Error> {
        let mut reader = quick_xml::Reader::from_reader(data);
        // Values are trimmed whole at their end tag: a text event may now stop
        // at a reference (`A &amp; B` is three events), so events are not trimmed.
        reader.config_mut().trim_text(false);
        let mut lb = ListeBlanche::default();
        let mut buf = Vec::new();
        let mut stack: Vec<Vec<u8>> = Vec::new();
        let mut current: Option<Pending> = None;
        let mut text = String::new();
        let mut line_cache = (0usize, 1u64);
        let mut entry_index = 0u64;
        let mut seen_root = false;
        loop {
            let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let ev = reader.read_event_into(&mut buf);
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => {
                    let byte = usize::try_from(reader.error_position()).unwrap_or(at);
                    return Err(Error::Xml {
                        byte: byte as u64,
                        line: line_at(data, byte, &mut line_cache),
                        message: e.to_string(),
                    });
                }
            };
            match ev {
                Event::Start(e) => {
                    let name = e.local_name().as_ref().to_vec();
                    if stack.is_empty() {
                        seen_root = true;
                    }
                    if name == b"Domaine" {
                        entry_index += 1;
                        let line = line_at(data, at, &mut line_cache);
                        current = Some(Pending {
                            position: Position { byte: at as u64, line, record: entry_index },
                            ..Pending::default()
                        });
                    }
                    text.clear();
                    stack.push(name);
                }
                Event::Text(t) => {
                    let s = t.decode().map_err(|e| Error::Xml {
                        byte: at as u64,
                        line: line_at(data, at, &mut line_cache),
                        message: e.to_string(),
                    })?;
                    text.push_str(&s);
                }
                // `&amp;`, `&#233;`…: reported apart from the text since quick-xml 0.38.
                Event::GeneralRef(r) => {
                    let mut bad = |message: String| Error::Xml {
                        byte: at as u64,
                        line: line_at(data, at, &mut line_cache),
                        message,
                    };
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => text.push(c),
                        Ok(None) => {
                            let name = r.decode().map_err(|e| bad(e.to_string()))?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(v) => text.push_str(v),
                                None => return Err(bad(format!("unknown entity &{name};"))),
                            }
                        }
                        Err(e) => return Err(bad(e.to_string())),
                    }
                }
                Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
                Event::End(e) => {
                    let name = e.local_name().as_ref().to_vec();
                    stack.pop();
                    let value = {
                        let t = text.trim();
                        if t.len() == text.len() { std::mem::take(&mut text) } else { t.to_owned() }
                    };
                    text.clear();
                    match (name.as_slice(), current.as_mut()) {
                        (b"Nom", Some(p)) => p.name = Some(value),
                        (b"Description", Some(p)) => p.description = value,
                        (b"DNCertificatOperateur", Some(p)) => p.dn = Some(value),
                        (b"DateMAJ", Some(p)) => p.date = Some(value),
                        (b"Domaine", Some(_)) => {
                            if let Some(p) = current.take() {
                                lb.finish_entry(p);
                            }
                        }
                        (b"DateDeGeneration", None) => {
                            lb.generated_at =
                                DateTime::parse_from_rfc3339(value.trim()).ok().map(|d| d.with_timezone(&Utc));
                            if lb.generated_at.is_none() {
                                let line = line_at(data, at, &mut line_cache);
                                lb.issues.push(Issue::warning(
                                    Code::LbDateInvalid,
                                    Position { byte: at as u64, line, record: 0 },
                                    format!("DateDeGeneration {value:?} is not an ISO 8601 date-time"),
                                ));
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if !seen_root {
            return Err(Error::Xml { byte: 0, line: 1, message: "no root element".into() });
        }
        if !stack.is_empty() {
            let byte = data.len();
            let line = line_at(data, byte, &mut line_cache);
            let open: Vec<String> = stack.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
            let mut msg = format!("the document ends inside <{}>", open.join("> <"));
            if let Some(p) = current {
                lb.rejected += 1;
                msg.push_str(&format!("; the unfinished entry at line {} is dropped", p.position.line));
            }
            lb.issues.push(Issue::error(
                Code::LbTruncated,
                Position { byte: byte as u64, line, record: entry_index },
                msg,
            ));
        }
        Ok(lb)
    }

    /// Reads then parses.
    pub fn from_reader(mut r: impl std::io::Read) -> Result<ListeBlanche, Error> {
        let mut data = Vec::new();
        r.read_to_end(&mut data).map_err(|source| Error::Io { byte: data.len() as u64, source })?;
        Self::parse(&data)
    }

    fn finish_entry(&mut self, p: Pending) {
        let pos = p.position;
        let Some(raw_name) = p.name.filter(|n| !n.trim().is_empty()) else {
            self.reject(Issue::error(Code::LbNameMissing, pos, "Domaine without Nom").at_column("Nom"));
            return;
        };
        let name = raw_name.trim();
        let domain = match Domain::parse(name) {
            Ok(d) => d.into_owned(),
            Err(e) => {
                self.reject(Issue::error(Code::LbDomainInvalid, pos, format!("{name:?}: {e}")).at_column("Nom"));
                return;
            }
        };
        let dn = match p.dn.as_deref().map(Dn::parse) {
            Some(Ok(dn)) => dn,
            Some(Err(e)) => {
                self.reject(Issue::error(Code::LbDnInvalid, pos, e.to_string()).at_column("DNCertificatOperateur"));
                return;
            }
            None => {
                self.reject(
                    Issue::error(Code::LbDnInvalid, pos, format!("{name}: no DNCertificatOperateur"))
                        .at_column("DNCertificatOperateur"),
                );
                return;
            }
        };
        let updated = match p.date.as_deref() {
            None | Some("") => None,
            Some(d) => {
                let parsed = parse_date(d);
                if parsed.is_none() {
                    self.issues.push(
                        Issue::warning(Code::LbDateInvalid, pos, format!("DateMAJ {d:?} is not a date"))
                            .at_column("DateMAJ"),
                    );
                }
                parsed
            }
        };
        let idx = self.entries.len();
        self.by_domain.entry(domain_key_lossy(domain.as_str()).into_owned()).or_default().push(idx);
        self.by_dn.entry(dn.clone()).or_default().push(idx);
        self.entries.push(Entry { domain, description: p.description, dn, updated, position: pos });
    }

    fn reject(&mut self, issue: Issue) {
        self.rejected += 1;
        self.issues.push(issue);
    }

    /// The accepted entries, in document order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Problems found (entries rejected, dates, truncation).
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// `Domaine` elements seen: accepted + rejected.
    pub fn entries_total(&self) -> u64 {
        self.entries.len() as u64 + self.rejected
    }

    /// `Domaine` elements rejected.
    pub fn entries_rejected(&self) -> u64 {
        self.rejected
    }

    /// True when `domain` is in the list, comparing keys
    /// ([`mssante_types::identity`]: IDNA, case).
    pub fn contains(&self, domain: &str) -> bool {
        self.by_domain.contains_key(domain_key_lossy(domain.trim()).as_ref())
    }

    /// The operator certificates allowed for a domain, without duplicates, in
    /// document order.
    pub fn operators_of(&self, domain: &str) -> Vec<&Dn> {
        let mut out: Vec<&Dn> = Vec::new();
        for &i in self.by_domain.get(domain_key_lossy(domain.trim()).as_ref()).map(Vec::as_slice).unwrap_or_default() {
            let dn = &self.entries[i].dn;
            if !out.contains(&dn) {
                out.push(dn);
            }
        }
        out
    }

    /// The domains an operator certificate serves, without duplicates, in
    /// document order.
    pub fn domains_of(&self, dn: &Dn) -> Vec<&Domain<'static>> {
        let mut out: Vec<&Domain<'static>> = Vec::new();
        for &i in self.by_dn.get(dn).map(Vec::as_slice).unwrap_or_default() {
            let d = &self.entries[i].domain;
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    /// Every distinct operator certificate.
    pub fn operators(&self) -> impl Iterator<Item = &Dn> {
        self.by_dn.keys()
    }

    /// Number of distinct domains.
    pub fn domain_count(&self) -> usize {
        self.by_domain.len()
    }
}

/// Escapes text for XML content.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(entries: &str, close: bool) -> String {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListeBlancheMSSante xmlns=\"{NAMESPACE}\">\n<DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>\n<ListeDomaines>\n{entries}"
        );
        if close {
            s.push_str("</ListeDomaines>\n</ListeBlancheMSSante>\n");
        }
        s
    }

    /// quick-xml ≥ 0.38 reports references apart from the text: predefined
    /// entities and character references are resolved into the value, an
    /// unknown entity makes the document unusable (as before the upgrade).
    #[test]
    fn references_are_resolved_into_the_text() {
        let entry = "<Domaine><Nom>a.mssante.fr</Nom><Description>A &amp; B &#233;&#x20;&lt;x&gt;</Description>\
                     <DNCertificatOperateur>CN=m,O=A &amp; B,C=FR</DNCertificatOperateur></Domaine>\n";
        let lb = ListeBlanche::parse(doc(entry, true).as_bytes()).unwrap();
        assert_eq!(lb.entries()[0].description, "A & B é <x>");
        assert_eq!(lb.entries()[0].dn.get("O"), Some("A & B"));
        let unknown = entry.replace("&amp; B &#233;", "&inconnu;");
        assert!(matches!(ListeBlanche::parse(doc(&unknown, true).as_bytes()), Err(Error::Xml { .. })));
    }

    fn entry(name: &str, dn: &str) -> String {
        format!(
            "<Domaine>\n<Nom>{name}</Nom>\n<Description>x</Description>\n<DNCertificatOperateur>{dn}</DNCertificatOperateur>\n<ResponsableContact>a\nb</ResponsableContact>\n<DateMAJ>2024-01-15T10:00:00</DateMAJ>\n</Domaine>\n"
        )
    }

    #[test]
    fn quirks_are_tolerated() {
        let body = [
            entry(" UC-CMP.mssante.fr ", "CN=m1.op.fr,O=OP,C=FR"),
            entry("uc-cmp.mssante.fr", "CN=m2.op.fr, O=OP, C=FR"),
            entry("sessad@ase.exemple.mssante.fr", "CN=m1.op.fr,O=OP,C=FR"),
            entry("b.mssante.fr", "CN=m1.op.fr,O=OP,C=FR"),
            entry("c.mssante.fr", "not a dn"),
        ]
        .concat();
        let lb = ListeBlanche::parse(doc(&body, true).as_bytes()).unwrap();
        assert_eq!(lb.entries_total(), 5);
        assert_eq!(lb.entries().len(), 3);
        assert_eq!(lb.entries_rejected(), 2);
        assert_eq!(lb.operators_of("UC-cmp.mssante.fr").len(), 2);
        let m1 = Dn::parse("CN=m1.op.fr,O=OP,C=FR").unwrap();
        let doms: Vec<&str> = lb.domains_of(&m1).iter().map(|d| d.as_str()).collect();
        assert_eq!(doms, ["UC-CMP.mssante.fr", "b.mssante.fr"]);
        let codes: Vec<Code> = lb.issues().iter().map(|i| i.code).collect();
        assert_eq!(codes, [Code::LbDomainInvalid, Code::LbDnInvalid]);
        assert_eq!(lb.issues()[0].position.record, 3);
        assert!(lb.issues()[0].position.line > 5);
        assert_eq!(lb.entries()[0].updated, NaiveDate::from_ymd_opt(2024, 1, 15));
        assert!(lb.generated_at.is_some());
    }

    #[test]
    fn truncated_document_is_reported() {
        let body = entry("a.mssante.fr", "CN=m,C=FR") + "<Domaine><Nom>b.mssante.fr</Nom>";
        let lb = ListeBlanche::parse(doc(&body, false).as_bytes()).unwrap();
        assert_eq!(lb.entries().len(), 1);
        assert_eq!(lb.entries_total(), 2);
        assert_eq!(lb.issues().last().unwrap().code, Code::LbTruncated);
    }

    #[test]
    fn broken_xml_is_a_file_error() {
        assert!(matches!(ListeBlanche::parse(b"<a><b></a>"), Err(Error::Xml { .. })));
        assert!(matches!(ListeBlanche::parse(b""), Err(Error::Xml { .. })));
    }
}
