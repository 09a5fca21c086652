//! Static Postfix tables built from the liste blanche, for operators who
//! want them beside (or instead of) the policy service.
//!
//! Each table has one line per domain of the liste blanche, keyed by the
//! domain's IDNA ASCII form in lower case, sorted, after a comment header;
//! the same liste blanche always gives the same bytes. Entries whose name is
//! not a domain (the liste blanche reader reports them) are left out and
//! counted.
//!
//! * [`MapFormat::Transport`] (`transport_maps`): `domain transport:` — the
//!   trust space's domains go through a dedicated `master.cf` transport
//!   (mutual TLS with the IGC-Santé chain);
//! * [`MapFormat::TlsPolicy`] (`smtp_tls_policy_maps`): `domain secure
//!   match=cn1:cn2 protocols=…` — the server certificate must name one of
//!   the MTAs the liste blanche lists for the domain;
//! * [`MapFormat::RecipientAccess`] (`check_recipient_access`): `domain OK`
//!   — followed by `reject` in the restriction list, only the trust space's
//!   domains are accepted as recipients.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_policy::maps::{export, MapFormat};
//! let lb = ListeBlanche::parse(r#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>Medecin.MSSante.fr</Nom><DNCertificatOperateur>CN=bus.mssante.fr,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=proxysmtp.mssante.fr,OU=1,O=X,C=FR</DNCertificatOperateur></Domaine>
//!   <Domaine><Nom>hôpital.mssante.fr</Nom><DNCertificatOperateur>CN=mx.hopital.fr,OU=2,O=H,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#.as_bytes()).unwrap();
//! let (table, skipped) = export(&lb, MapFormat::TlsPolicy, "mssante");
//! assert_eq!(skipped, 0);
//! let lines: Vec<&str> = table.lines().filter(|l| !l.starts_with('#')).collect();
//! assert_eq!(lines, [
//!     "medecin.mssante.fr secure match=bus.mssante.fr:proxysmtp.mssante.fr protocols=!SSLv2:!SSLv3:!TLSv1:!TLSv1.1",
//!     "xn--hpital-ixa.mssante.fr secure match=mx.hopital.fr protocols=!SSLv2:!SSLv3:!TLSv1:!TLSv1.1",
//! ]);
//! ```

use mssante_bal::liste_blanche::ListeBlanche;
use mssante_types::identity::domain_key;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MapFormat {
    /// `transport_maps`.
    Transport,
    /// `smtp_tls_policy_maps`.
    TlsPolicy,
    /// `check_recipient_access`.
    RecipientAccess,
}

impl MapFormat {
    /// The name the command line uses (`postfix-transport`, …).
    pub fn name(self) -> &'static str {
        match self {
            MapFormat::Transport => "postfix-transport",
            MapFormat::TlsPolicy => "postfix-tls-policy",
            MapFormat::RecipientAccess => "postfix-recipient-access",
        }
    }
}

/// The TLS protocols a trust-space peer may use (TLS 1.2 and later), in the
/// syntax every supported Postfix version reads.
pub const PROTOCOLS: &str = "!SSLv2:!SSLv3:!TLSv1:!TLSv1.1";

/// True when a host name can go in a `match=` list (no `:` separator, no
/// space, printable ASCII).
fn matchable(cn: &str) -> bool {
    !cn.is_empty() && cn.bytes().all(|b| b.is_ascii_graphic() && b != b':' && b != b',')
}

/// Writes a table; returns it and the number of entries left out (a name
/// that is not a domain; for the TLS policy table, a domain none of whose
/// DNs has a usable CN). `transport` names the `master.cf` transport of
/// [`MapFormat::Transport`].
pub fn export(liste_blanche: &ListeBlanche, format: MapFormat, transport: &str) -> (String, usize) {
    let mut domains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut skipped = 0;
    for e in liste_blanche.entries() {
        match domain_key(e.domain.as_str().trim()) {
            Ok(k) if !k.is_empty() && !k.contains(['@', ' ']) && k.is_ascii() => {
                let cns = domains.entry(k.into_owned()).or_default();
                if let Some(cn) = e.dn.value("CN") {
                    let cn = cn.trim().to_ascii_lowercase();
                    if matchable(&cn) {
                        cns.insert(cn);
                    }
                }
            }
            _ => skipped += 1,
        }
    }
    let mut out = String::new();
    let generated = liste_blanche.generated_at.map_or_else(|| "(date inconnue)".to_owned(), |d| d.to_string());
    let _ = writeln!(
        out,
        "# {} : table Postfix ecrite par mssante depuis la liste blanche generee le {generated}",
        format.name()
    );
    let _ = writeln!(out, "# {} domaines ; ne pas modifier a la main (docs/postfix.md)", domains.len());
    for (domain, cns) in &domains {
        match format {
            MapFormat::Transport => {
                let _ = writeln!(out, "{domain} {transport}:");
            }
            MapFormat::TlsPolicy => {
                if cns.is_empty() {
                    skipped += 1;
                    continue;
                }
                let names: Vec<&str> = cns.iter().map(String::as_str).collect();
                let _ = writeln!(out, "{domain} secure match={} protocols={PROTOCOLS}", names.join(":"));
            }
            MapFormat::RecipientAccess => {
                let _ = writeln!(out, "{domain} OK");
            }
        }
    }
    (out, skipped)
}
