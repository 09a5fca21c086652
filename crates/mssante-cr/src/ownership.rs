//! Which operator serves which domain, from the liste blanche.
//!
//! The liste blanche names operators by their MTA certificate DN, while
//! deposits name them by an operator identifier. How one maps to the other is
//! not published; [`OperatorRule`] makes it explicit. The default,
//! [`OperatorRule::default`], is this project's convention: the identifier is
//! `OPE-` followed by the DN's `OU` (the operator's SIRET in the synthetic
//! files).

use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_types::identity::domain_key_lossy;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How an operator identifier is derived from a certificate DN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorRule {
    /// `prefix` followed by the value of the DN's `OU`.
    OuWithPrefix(String),
    /// An explicit table: canonical DN (as printed by [`Dn`]) → identifier.
    Table(BTreeMap<String, String>),
}

impl Default for OperatorRule {
    fn default() -> Self {
        OperatorRule::OuWithPrefix("OPE-".to_owned())
    }
}

impl OperatorRule {
    /// The operator identifier of a DN, if the rule gives one.
    pub fn operator_of(&self, dn: &Dn) -> Option<String> {
        match self {
            OperatorRule::OuWithPrefix(p) => dn.get("OU").filter(|v| !v.is_empty()).map(|ou| format!("{p}{ou}")),
            OperatorRule::Table(t) => t.get(&dn.to_string()).cloned(),
        }
    }
}

/// The domains each operator serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ownership {
    by_operator: HashMap<String, BTreeSet<String>>,
    by_domain: HashMap<String, BTreeSet<String>>,
}

impl Ownership {
    /// Builds the table from a liste blanche.
    ///
    /// ```
    /// use mssante_bal::liste_blanche::ListeBlanche;
    /// use mssante_cr::{OperatorRule, Ownership};
    /// let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines><Domaine><Nom>ch-x.mssante.fr</Nom>
    ///   <DNCertificatOperateur>CN=mta.x,OU=123,O=X,C=FR</DNCertificatOperateur></Domaine></ListeDomaines></ListeBlancheMSSante>"#).unwrap();
    /// let o = Ownership::from_liste_blanche(&lb, &OperatorRule::default());
    /// assert!(o.serves("OPE-123", "CH-X.mssante.fr"));
    /// assert!(!o.serves("OPE-999", "ch-x.mssante.fr"));
    /// ```
    pub fn from_liste_blanche(lb: &ListeBlanche, rule: &OperatorRule) -> Self {
        let mut o = Ownership::default();
        for e in lb.entries() {
            if let Some(op) = rule.operator_of(&e.dn) {
                o.insert(&op, e.domain.as_str());
            }
        }
        o
    }

    /// Records that `operator` serves `domain`.
    pub fn insert(&mut self, operator: &str, domain: &str) {
        let d = domain_key_lossy(domain.trim()).into_owned();
        self.by_operator.entry(operator.to_owned()).or_default().insert(d.clone());
        self.by_domain.entry(d).or_default().insert(operator.to_owned());
    }

    /// True when `operator` serves `domain`, comparing keys
    /// ([`mssante_types::identity`]: IDNA, case).
    pub fn serves(&self, operator: &str, domain: &str) -> bool {
        self.by_operator.get(operator).is_some_and(|s| s.contains(domain_key_lossy(domain.trim()).as_ref()))
    }

    /// The domains of an operator, sorted.
    pub fn domains(&self, operator: &str) -> impl Iterator<Item = &str> {
        self.by_operator.get(operator).into_iter().flatten().map(String::as_str)
    }

    /// The operators serving a domain, sorted.
    pub fn operators_of(&self, domain: &str) -> impl Iterator<Item = &str> {
        self.by_domain.get(domain_key_lossy(domain.trim()).as_ref()).into_iter().flatten().map(String::as_str)
    }

    /// Number of operators.
    pub fn operator_count(&self) -> usize {
        self.by_operator.len()
    }
}
