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
//! use mssante_envelope::route::{plan, Refusal};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.x,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   <Domaine><Nom>infirmier.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.x,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let p = plan(&["a@medecin.mssante.fr", "b@infirmier.mssante.fr", "c@inconnu.mssante.fr"], &lb, 100);
//! assert_eq!(p.transactions.len(), 1, "two domains, one operator");
//! assert_eq!(p.transactions[0].recipients.len(), 2);
//! assert!(matches!(p.refused[0].1, Refusal::NotInTrustSpace));
//! ```

use mssante_bal::Address;
use mssante_bal::liste_blanche::ListeBlanche;
use std::collections::{BTreeMap, HashSet};

/// The patient domain of Mon Espace Santé.
pub const PATIENT_DOMAIN: &str = "patient.mssante.fr";

/// Why a recipient is not routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an RFC 5321 mailbox.
    Syntax(String),
    /// Its domain is not in the liste blanche.
    NotInTrustSpace,
    /// A patient address whose local part is not a 15-digit INS with a valid key.
    BadIns,
    /// Already given (compared with the domain in lower case).
    Duplicate,
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

/// A routing plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Transactions, by destination (sorted), then input order.
    pub transactions: Vec<Transaction>,
    /// Refused recipients with the reason, in input order.
    pub refused: Vec<(String, Refusal)>,
}

/// Classifies an address: its kind and destination, or why it is refused.
pub fn classify(address: &Address<'_>, lb: &ListeBlanche) -> Result<(Kind, Destination), Refusal> {
    let domain = address.domain().as_str().to_ascii_lowercase();
    let mut dns: Vec<String> = lb.operators_of(&domain).into_iter().map(|d| d.to_string()).collect();
    if dns.is_empty() {
        return Err(Refusal::NotInTrustSpace);
    }
    dns.sort();
    let kind = if domain == PATIENT_DOMAIN {
        let local = address.local_part();
        if !ins_is_valid(local) {
            return Err(Refusal::BadIns);
        }
        Kind::Patient { ins: local.to_owned() }
    } else {
        Kind::Professional
    };
    Ok((kind, Destination { dns }))
}

/// Routes recipients: every one ends up once, in a transaction or refused.
pub fn plan(recipients: &[&str], lb: &ListeBlanche, max_per_transaction: usize) -> Plan {
    let max = max_per_transaction.max(1);
    let mut by_dest: BTreeMap<Destination, Vec<(Address<'static>, Kind)>> = BTreeMap::new();
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    for r in recipients {
        let address = match Address::parse(r.trim()) {
            Ok(a) => a.into_owned(),
            Err(e) => {
                refused.push(((*r).to_owned(), Refusal::Syntax(e.to_string())));
                continue;
            }
        };
        let key = format!("{}@{}", address.local_part(), address.domain().as_str().to_ascii_lowercase());
        if !seen.insert(key) {
            refused.push(((*r).to_owned(), Refusal::Duplicate));
            continue;
        }
        match classify(&address, lb) {
            Ok((kind, dest)) => by_dest.entry(dest).or_default().push((address, kind)),
            Err(why) => refused.push(((*r).to_owned(), why)),
        }
    }
    let mut transactions = Vec::new();
    for (destination, list) in by_dest {
        for chunk in list.chunks(max) {
            transactions.push(Transaction { destination: destination.clone(), recipients: chunk.to_vec() });
        }
    }
    Plan { transactions, refused }
}
