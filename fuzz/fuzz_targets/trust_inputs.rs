//! What a peer or an operator's files can put before the trust checks: a DN
//! (liste blanche side), a certificate's DER (peer side) and trust files
//! (PEM, DER, .p7b, CRL). Never a panic; a DN compares equal to its printed
//! form; a certificate's subject, once read, matches itself and only the DNs
//! equal to it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_bal::liste_blanche::Dn;
use mssante_envelope::tls::verify::match_listed;
use mssante_envelope::tls::{PeerCertificate, TrustMaterial};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (dn_bytes, der) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let listed = std::str::from_utf8(dn_bytes).ok().and_then(|s| Dn::parse(s).ok());
    if let Some(dn) = &listed {
        let again = Dn::parse(&dn.to_string()).expect("the printed form parses");
        assert_eq!(&again, dn);
    }
    if let Ok(cert) = PeerCertificate::read(der) {
        if let Some(subject) = &cert.subject {
            assert_eq!(match_listed(Some(subject), std::slice::from_ref(subject)).ok().as_ref(), Some(subject));
            if let Some(dn) = &listed {
                assert_eq!(match_listed(Some(subject), std::slice::from_ref(dn)).is_ok(), dn == subject);
            }
        }
    }
    let _ = mssante_envelope::tls::material::pkcs7_certificates(der);
    let mut b = TrustMaterial::builder();
    let _ = b.add_ca_bytes("fuzz", der);
    let _ = b.add_crl_bytes("fuzz", der);
    let _ = b.build();
});
