//! Trust-space membership and routing.
//!
//! Membership is decided by the liste blanche, never by the `.mssante.fr`
//! suffix alone. Recipients are grouped by **destination operator** — the set
//! of MTA certificate DNs the liste blanche gives for their domain — so that the
//! 18 Mailiz domains behind the same 2 MTAs form one destination, and split in
//! transactions of at most `max_per_transaction` recipients (RFC 5321
//! §4.5.3.1.8: 100). Every recipient given ends up exactly once in a
//! transaction or in the refused list.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_envelope::route::{plan, Refusal, TrustSpace};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.x,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   <Domaine><Nom>infirmier.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.x,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let space = TrustSpace::new(&lb);
//! let p = plan(&["a@medecin.mssante.fr", "b@INFIRMIER.mssante.fr", "c@inconnu.mssante.fr"], &space, 100);
//! assert_eq!(p.transactions.len(), 1, "two domains, one operator");
//! assert_eq!(p.transactions[0].recipients.len(), 2);
//! assert!(matches!(p.refused[0].reason, Refusal::NotInTrustSpace));
//! assert_eq!(p.refused[0].index, 2);
//! ```

use mssante_bal::Address;
use mssante_bal::liste_blanche::ListeBlanche;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The patient domain of Mon Espace Santé.
pub const PATIENT_DOMAIN: &str = "patient.mssante.fr";

/// Why a recipient is not routed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Not an RFC 5321 mailbox.
    Syntax(String),
    /// Its domain is not in the liste blanche.
    NotInTrustSpace,
    /// A patient address whose local part is not a 15-digit INS with a valid key.
    BadIns,
    /// Already given (the same address key, see [`mssante_types::identity`]).
    Duplicate,
}

impl Refusal {
    /// The stable code of this refusal (see `docs/error-codes.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Syntax(_) => "R501",
            Refusal::NotInTrustSpace => "R502",
            Refusal::BadIns => "R503",
            Refusal::Duplicate => "R504",
        }
    }
}

/// What an address is in the trust space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A professional or organisation BAL.
    Professional,
    /// A patient address `<INS>@patient.mssante.fr`.
    Patient {
        /// The INS matricule (15 digits).
        ins: String,
    },
}

/// True when `s` is 15 digits whose last two are the NIR key of the first 13
/// (97 − n mod 97).
pub fn ins_is_valid(s: &str) -> bool {
    if s.len() != 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (body, key) = s.split_at(13);
    match (body.parse::<u64>(), key.parse::<u64>()) {
        (Ok(n), Ok(k)) => 97 - n % 97 == k,
        _ => false,
    }
}

/// A destination operator: the certificate DNs serving a domain, canonical and sorted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Destination {
    /// The DNs, canonical form, sorted.
    pub dns: Vec<String>,
}

impl Destination {
    /// The MTA host names (CN of each DN).
    pub fn mtas(&self) -> Vec<String> {
        self.dns
            .iter()
            .filter_map(|d| mssante_bal::liste_blanche::Dn::parse(d).ok())
            .filter_map(|d| d.cn().map(str::to_owned))
            .collect()
    }
}

/// One SMTP transaction: a destination and at most N recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Where.
    pub destination: Destination,
    /// To whom, in input order, with their kind.
    pub recipients: Vec<(Address<'static>, Kind)>,
}

/// A recipient that is not routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// 0-based index among the recipients given.
    pub index: usize,
    /// As given.
    pub input: String,
    /// Why.
    pub reason: Refusal,
}

/// A routing plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Transactions, by destination (sorted), then input order.
    pub transactions: Vec<Transaction>,
    /// Refused recipients, in input order.
    pub refused: Vec<Refused>,
}

/// A domain in its comparison form, the workspace's one domain key
/// ([`mssante_types::identity::domain_key`]: IDNA to ASCII, UTS #46, which also
/// lower-cases), e.g. `Hôpital.MSSante.fr` → `xn--hpital-ixa.mssante.fr`.
/// Already-normal ASCII domains are borrowed, not copied. A domain IDNA refuses
/// is a [`Refusal::Syntax`].
///
/// ```
/// use mssante_envelope::route::normalize_domain;
/// assert_eq!(normalize_domain("Medecin.MSSANTE.fr").unwrap(), "medecin.mssante.fr");
/// assert_eq!(normalize_domain("hôpital.mssante.fr").unwrap(), "xn--hpital-ixa.mssante.fr");
/// assert!(normalize_domain("xn--a.mssante.fr").is_err());
/// ```
pub fn normalize_domain(domain: &str) -> Result<Cow<'_, str>, Refusal> {
    mssante_types::identity::domain_key(domain).map_err(|e| Refusal::Syntax(e.to_string()))
}

/// The liste blanche indexed for routing: each domain (IDNA-normalised) to its
/// destination operator. Built once, then shared by every plan.
#[derive(Debug, Clone, Default)]
pub struct TrustSpace {
    destinations: Vec<Destination>,
    by_domain: HashMap<String, usize>,
}

impl TrustSpace {
    /// Indexes a liste blanche. Domains that do not normalise are left out (the
    /// liste blanche reader already reported them if malformed).
    pub fn new(lb: &ListeBlanche) -> TrustSpace {
        // One spelling per DN (the first met): DNs that compare equal (RFC
        // 4514 structure, values without case) are one operator whatever the
        // liste blanche's spelling.
        let mut spelling: BTreeMap<&mssante_bal::liste_blanche::Dn, String> = BTreeMap::new();
        let mut per_domain: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in lb.entries() {
            if let Ok(d) = normalize_domain(e.domain.as_str()) {
                let dn = spelling.entry(&e.dn).or_insert_with(|| e.dn.to_string()).clone();
                per_domain.entry(d.into_owned()).or_default().insert(dn);
            }
        }
        let distinct: BTreeSet<Destination> =
            per_domain.values().map(|dns| Destination { dns: dns.iter().cloned().collect() }).collect();
        let destinations: Vec<Destination> = distinct.into_iter().collect();
        let by_domain = per_domain
            .into_iter()
            .map(|(domain, dns)| {
                let dest = Destination { dns: dns.into_iter().collect() };
                let i = destinations.binary_search(&dest).unwrap_or_default();
                (domain, i)
            })
            .collect();
        TrustSpace { destinations, by_domain }
    }

    /// The destination operators, sorted.
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// Number of domains.
    pub fn domain_count(&self) -> usize {
        self.by_domain.len()
    }

    /// The destination serving a domain (any case, Unicode or ASCII form).
    pub fn destination_of(&self, domain: &str) -> Option<&Destination> {
        self.index_of(domain).map(|i| &self.destinations[i])
    }

    fn index_of(&self, domain: &str) -> Option<usize> {
        normalize_domain(domain).ok().and_then(|d| self.by_domain.get(d.as_ref()).copied())
    }
}

impl From<&ListeBlanche> for TrustSpace {
    fn from(lb: &ListeBlanche) -> TrustSpace {
        TrustSpace::new(lb)
    }
}

/// Classifies an address: its kind and destination, or why it is refused.
pub fn classify<'t>(address: &Address<'_>, space: &'t TrustSpace) -> Result<(Kind, &'t Destination), Refusal> {
    let domain = address.domain();
    let normal = normalize_domain(domain.as_str())?;
    let (kind, i) = classify_index(address.local_part(), &normal, space)?;
    Ok((kind, &space.destinations[i]))
}

fn classify_index(local: &str, domain: &str, space: &TrustSpace) -> Result<(Kind, usize), Refusal> {
    let Some(i) = space.by_domain.get(domain).copied() else {
        return Err(Refusal::NotInTrustSpace);
    };
    let kind = if domain == PATIENT_DOMAIN {
        if !ins_is_valid(local) {
            return Err(Refusal::BadIns);
        }
        Kind::Patient { ins: local.to_owned() }
    } else {
        Kind::Professional
    };
    Ok((kind, i))
}

/// Routes recipients: every one ends up once, in a transaction or refused.
/// Duplicates are detected on the address key of the workspace
/// ([`mssante_types::identity`]: local part without case, domain in its IDNA
/// ASCII form), as the directory counts one BAL.
pub fn plan<S: AsRef<str>>(recipients: &[S], space: &TrustSpace, max_per_transaction: usize) -> Plan {
    let max = max_per_transaction.max(1);
    let mut by_dest: Vec<Vec<(Address<'static>, Kind)>> = vec![Vec::new(); space.destinations.len()];
    let mut refused = Vec::new();
    let mut seen = HashSet::with_capacity(recipients.len());
    for (index, r) in recipients.iter().enumerate() {
        let r = r.as_ref();
        let refuse = |reason| Refused { index, input: r.to_owned(), reason };
        let address = match Address::parse(r.trim()) {
            Ok(a) => a,
            Err(e) => {
                refused.push(refuse(Refusal::Syntax(e.to_string())));
                continue;
            }
        };
        let domain = address.domain();
        let normal = match normalize_domain(domain.as_str()) {
            Ok(d) => d,
            Err(why) => {
                refused.push(refuse(why));
                continue;
            }
        };
        let key = address.key().into_owned();
        let outcome = classify_index(address.local_part(), &normal, space);
        if !seen.insert(key) {
            refused.push(refuse(Refusal::Duplicate));
            continue;
        }
        match outcome {
            Ok((kind, i)) => by_dest[i].push((address.into_owned(), kind)),
            Err(why) => refused.push(refuse(why)),
        }
    }
    let mut transactions = Vec::new();
    for (i, list) in by_dest.into_iter().enumerate() {
        let mut list = list.into_iter().peekable();
        while list.peek().is_some() {
            let chunk: Vec<_> = list.by_ref().take(max).collect();
            transactions.push(Transaction { destination: space.destinations[i].clone(), recipients: chunk });
        }
    }
    Plan { transactions, refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DN comparison of the liste blanche is the TLS one: the same
    /// operator DN spelled two ways is one destination operator.
    #[test]
    fn one_destination_per_dn_whatever_its_spelling() {
        let lb = ListeBlanche::parse(
            br#"<ListeBlancheMSSante><ListeDomaines>
            <Domaine><Nom>a.mssante.fr</Nom><DNCertificatOperateur>CN=mx.op.fr,OU=1,O=OPERATEUR,C=FR</DNCertificatOperateur></Domaine>
            <Domaine><Nom>b.mssante.fr</Nom><DNCertificatOperateur>cn=MX.op.fr, ou=1, o=Operateur, c=fr</DNCertificatOperateur></Domaine>
            <Domaine><Nom>c.mssante.fr</Nom><DNCertificatOperateur>CN=mx.op.fr,OU=2,O=OPERATEUR,C=FR</DNCertificatOperateur></Domaine>
            </ListeDomaines></ListeBlancheMSSante>"#,
        )
        .unwrap();
        let space = TrustSpace::new(&lb);
        assert_eq!(space.destinations().len(), 2);
        assert_eq!(space.destination_of("a.mssante.fr"), space.destination_of("b.mssante.fr"));
        assert_ne!(space.destination_of("a.mssante.fr"), space.destination_of("c.mssante.fr"));
        assert_eq!(space.destination_of("b.mssante.fr").unwrap().dns, ["CN=mx.op.fr,OU=1,O=OPERATEUR,C=FR"]);
    }
}
