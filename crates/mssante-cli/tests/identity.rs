//! One identity across the workspace: the same addresses and domains written in
//! Unicode, in `xn--` form and in mixed case go through every crate's path
//! (address equality and hashing, distinct counting, diff, directory keys,
//! liste blanche, ownership, reconciliation, routing and its duplicate check)
//! and every path agrees.

use mssante_bal::distinct::fingerprint;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_bal::{Address, Domain, Format};
use mssante_cr::directory::key_of;
use mssante_cr::ownership::{OperatorRule, Ownership};
use mssante_cr::reconcile::{PublicationRules, reconcile};
use mssante_envelope::route::{TrustSpace, normalize_domain};
use proptest::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// The spellings of one domain: Unicode as generated, upper-cased Unicode, the
/// `xn--` form in lower and upper case, and a mixed form.
fn spellings(unicode: &str) -> Vec<String> {
    let ace = idna::domain_to_ascii(unicode).unwrap();
    let mixed: String =
        ace.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
    vec![unicode.to_owned(), unicode.to_uppercase(), ace.clone(), ace.to_uppercase(), mixed]
}

fn hash_of<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

fn liste_blanche(domain: &str) -> ListeBlanche {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListeBlancheMSSante><ListeDomaines><Domaine><Nom>{domain}</Nom>\
         <DNCertificatOperateur>CN=mta1.ope.exemple,OU=99902532382974,O=OPERATEUR,C=FR</DNCertificatOperateur>\
         </Domaine></ListeDomaines></ListeBlancheMSSante>\n"
    );
    ListeBlanche::parse(xml.as_bytes()).unwrap()
}

fn extraction(address: &str) -> String {
    let pad = "|".repeat(26);
    format!("{}\nPER|{address}|8|10000000009|810000000009{pad}\n", Format::Extraction.header())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_crate_agrees_on_identity(
        local in "[a-zA-Z]{1,6}(\\.[a-zA-Zé]{1,6})?",
        label in "[a-zà-ÿ]{0,4}[éèôüç][a-z]{0,4}",
        parent in "(mssante\\.fr|Medecin\\.MSSante\\.fr)",
    ) {
        let unicode = format!("{label}.{parent}");
        prop_assume!(idna::domain_to_ascii(&unicode).is_ok());
        let forms = spellings(&unicode);
        let addresses: Vec<String> = forms
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{}@{d}", if i % 2 == 0 { local.to_uppercase() } else { local.to_lowercase() }))
            .collect();
        let key = normalize_domain(&forms[0]).unwrap().into_owned();

        // Routing: every spelling after the first is the same recipient again.
        let lb = liste_blanche(&forms[0]);
        let p = mssante_envelope::route::plan(&addresses, &TrustSpace::new(&lb), 100);
        prop_assert_eq!(p.transactions.iter().map(|t| t.recipients.len()).sum::<usize>(), 1);
        prop_assert!(p.refused.iter().all(|r| r.reason == mssante_envelope::route::Refusal::Duplicate), "{:?}", p.refused);
        prop_assert_eq!(p.refused.len(), addresses.len() - 1);
        let first = Address::parse(&addresses[0]).unwrap();

        // Each domain spelling as the liste blanche's, each as the one looked up.
        for listed in &forms {
            let lb = liste_blanche(listed);
            let trust = TrustSpace::new(&lb);
            let owners = Ownership::from_liste_blanche(&lb, &OperatorRule::default());
            let operator = owners.operators_of(listed).next().unwrap().to_owned();
            for asked in &forms {
                prop_assert!(lb.contains(asked), "liste blanche {listed} / {asked}");
                prop_assert_eq!(lb.operators_of(asked).len(), 1);
                prop_assert!(trust.destination_of(asked).is_some(), "routing {listed} / {asked}");
                prop_assert!(owners.serves(&operator, asked), "ownership {listed} / {asked}");
            }
        }

        for (d, a) in forms.iter().zip(&addresses) {
            prop_assert_eq!(normalize_domain(d).unwrap(), key.as_str());
            prop_assert_eq!(Domain::parse(d).unwrap(), Domain::parse(&forms[0]).unwrap());
            let parsed = Address::parse(a).unwrap();
            prop_assert_eq!(&parsed, &first);
            prop_assert_eq!(hash_of(&parsed), hash_of(&first));
            prop_assert_eq!(fingerprint(a), fingerprint(&addresses[0]));
            prop_assert_eq!(key_of(a), key_of(&addresses[0]));
            prop_assert_eq!(parsed.key(), first.key());

            // Diff: the same BAL respelled is no change.
            let d = mssante_bal::diff::diff(extraction(&addresses[0]).as_bytes(), extraction(a).as_bytes(), Format::Extraction).unwrap();
            prop_assert_eq!((d.added, d.removed), (0, 0), "diff {} / {}", addresses[0], a);

            // Reconciliation: the feed and the extraction spell it differently.
            let feed = format!("{}\nPER|{}|8|10000000009||||||||O|\n", Format::Feed.header(), addresses[0]);
            let r = reconcile(feed.as_bytes(), extraction(a).as_bytes(), &PublicationRules::default(), None, "OPE-1").unwrap();
            prop_assert_eq!((r.missing, r.unexpected), (0, 0), "reconcile {} / {}", addresses[0], a);
        }
    }
}
