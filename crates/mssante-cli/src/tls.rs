//! `mssante tls probe` and `mssante mail send`: glue over
//! `mssante_envelope::tls`. Exit status 0 trusted / delivered, 1 refused,
//! 2 could not be carried out.

use crate::args::{ProbeArgs, SendArgs, TrustArgs};
use crate::commands::read_liste_blanche;
use crate::files::{self, FileError};
use anyhow::Context;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_envelope::tls::{
    Checker, Clock, Identity, MaterialError, Revocation, TlsClient, Transport, TrustMaterial, TrustedPeer, Verdict,
};
use mssante_envelope::{Envelope, Recipient, ReversePath};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A trust-material error as a file error (exit 2, the file named once).
fn material_error(e: MaterialError) -> anyhow::Error {
    anyhow::Error::new(FileError { file: e.file, code: Some(e.code.as_str()), message: e.reason })
}

/// An SMTP or connection error about the server: its code, and no I/O error
/// in the chain (a broken connection is not a closed stdout).
fn server_error(target: &str, e: &mssante_envelope::Error) -> anyhow::Error {
    anyhow::Error::new(FileError { file: target.to_owned(), code: Some(e.code()), message: e.to_string() })
}

/// `HOST:PORT`, `[v6]:PORT`.
fn host_port(target: &str) -> anyhow::Result<(String, u16)> {
    let (host, port) = target.rsplit_once(':').with_context(|| format!("{target:?} : HÔTE:PORT attendu"))?;
    let port: u16 =
        port.parse().with_context(|| format!("{target:?} : le port {port:?} n'est pas un nombre de 1 à 65535"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || port == 0 {
        anyhow::bail!("{target:?} : HÔTE:PORT attendu");
    }
    Ok((host.to_owned(), port))
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| files::about(path, e))
}

/// The client and the liste blanche the options describe.
fn client(t: &TrustArgs) -> anyhow::Result<(TlsClient, ListeBlanche)> {
    let lb = read_liste_blanche(&t.liste_blanche)?;
    let mut m = TrustMaterial::builder();
    for ca in &t.ca {
        m.add_ca_file(ca).map_err(material_error)?;
    }
    for crl in &t.crl {
        m.add_crl_file(crl).map_err(material_error)?;
    }
    let material = m.build().map_err(material_error)?;
    let clock = match &t.at {
        Some(at) => {
            let t =
                chrono::DateTime::parse_from_rfc3339(at).with_context(|| format!("--at {at:?} : RFC 3339 attendu"))?;
            Clock::Fixed(u64::try_from(t.timestamp()).context("--at : avant 1970")?)
        }
        None => Clock::System,
    };
    let revocation = if t.allow_unknown_revocation { Revocation::AllowUnknown } else { Revocation::Require };
    let checker = Checker::new(Arc::new(material)).revocation(revocation).clock(clock);
    let mut client = TlsClient::new(checker, &t.ehlo).timeout(Duration::from_secs(t.timeout.max(1)));
    if t.implicit_tls {
        client = client.transport(Transport::Implicit);
    }
    if let (Some(cert), Some(key)) = (&t.cert, &t.key) {
        let id =
            Identity::from_pem(&files::shown(cert), &read_file(cert)?, &read_file(key)?).map_err(material_error)?;
        client = client.identity(id);
    }
    if let Some(p12) = &t.p12 {
        let password = match (&t.p12_password_env, &t.p12_password_file) {
            (Some(var), _) => std::env::var(var).with_context(|| {
                format!("--p12-password-env : la variable {var} n'est pas définie (ou pas en UTF-8)")
            })?,
            (None, Some(f)) => {
                let text = String::from_utf8(read_file(f)?)
                    .map_err(|_| files::about(f, anyhow::anyhow!("n'est pas du texte UTF-8")))?;
                text.lines().next().unwrap_or_default().to_owned()
            }
            (None, None) => String::new(),
        };
        let id = Identity::from_pkcs12(&files::shown(p12), &read_file(p12)?, &password).map_err(material_error)?;
        client = client.identity(id);
    }
    Ok((client, lb))
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(|| secs.to_string(), |t| t.to_rfc3339())
}

fn peer_json(peer: &TrustedPeer) -> serde_json::Value {
    json!({
        "protocol": peer.protocol,
        "cipher": peer.cipher,
        "peer_subject": peer.certificate.subject.as_ref().map(ToString::to_string),
        "peer_issuer": peer.certificate.issuer.as_ref().map(ToString::to_string),
        "not_after": rfc3339(peer.certificate.not_after),
        "listed_dn": peer.listed.to_string(),
    })
}

/// `mssante tls probe`.
pub fn probe(a: &ProbeArgs) -> anyhow::Result<u8> {
    let (host, port) = host_port(&a.target)?;
    let (client, lb) = client(&a.trust)?;
    let probe = client.probe(&host, port, &a.domain, &lb).map_err(|e| server_error(&a.target, &e))?;
    let domain = mssante_types::identity::domain_key_lossy(&a.domain).into_owned();
    let mut v = json!({ "domain": domain, "host": host, "port": port, "tls": probe.tls });
    let o = v.as_object_mut().expect("object");
    match &probe.verdict {
        Verdict::Trusted(peer) => {
            o.extend(peer_json(peer).as_object().cloned().unwrap_or_default());
            o.insert("verdict".into(), json!("trusted"));
            o.insert("code".into(), serde_json::Value::Null);
            o.insert("reason".into(), json!(format!("certificat listé pour {domain}")));
        }
        Verdict::Refused(r) => {
            let c = r.certificate.as_ref();
            o.insert("protocol".into(), serde_json::Value::Null);
            o.insert("cipher".into(), serde_json::Value::Null);
            o.insert("listed_dn".into(), serde_json::Value::Null);
            o.insert("peer_subject".into(), json!(c.and_then(|c| c.subject.as_ref()).map(ToString::to_string)));
            o.insert("peer_issuer".into(), json!(c.and_then(|c| c.issuer.as_ref()).map(ToString::to_string)));
            o.insert("not_after".into(), json!(c.map(|c| rfc3339(c.not_after))));
            o.insert("verdict".into(), json!("refused"));
            o.insert("code".into(), json!(r.code));
            o.insert("reason".into(), json!(r.reason));
        }
    }
    if a.json {
        jsonln!("{v}");
    } else {
        match &probe.verdict {
            Verdict::Trusted(peer) => {
                outln!("{}:{port} : de confiance pour {domain}", host);
                outln!(
                    "  protocole : {} ({})",
                    peer.protocol.as_deref().unwrap_or("?"),
                    peer.cipher.as_deref().unwrap_or("?")
                );
                outln!("  sujet     : {}", files::printable(v["peer_subject"].as_str().unwrap_or_default()));
                outln!("  émetteur  : {}", files::printable(v["peer_issuer"].as_str().unwrap_or_default()));
                outln!("  expire le : {}", v["not_after"].as_str().unwrap_or_default());
            }
            Verdict::Refused(r) => {
                outln!("{}:{port} : refusé pour {domain} : {} {}", host, r.code, files::printable(&r.reason));
            }
        }
    }
    Ok(if probe.verdict.is_trusted() { 0 } else { 1 })
}

/// `mssante mail send`.
pub fn send(a: &SendArgs) -> anyhow::Result<u8> {
    let (host, port) = host_port(&a.via)?;
    let message = files::read(&a.message)?;
    let from = ReversePath::parse(&a.from).with_context(|| format!("--from {:?}", a.from))?;
    let to =
        a.to.iter()
            .map(|t| Recipient::parse(t.trim()).with_context(|| format!("--to {t:?}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
    let mut envelope = Envelope::new(from, to)?;
    if let Some(id) = &a.envid {
        envelope = envelope.envid(id.clone())?;
    }
    let (client, lb) = client(&a.trust)?;
    let result = client.deliver(&host, port, &a.domain, &lb, &envelope, &message);
    let (v, code) = match result {
        Ok((delivery, peer)) => {
            let refused: Vec<_> = delivery
                .refused
                .iter()
                .map(|(i, reply)| {
                    json!({ "recipient": envelope.recipients()[*i].address().as_str(), "reply": reply.to_string(),
                            "code": reply.code, "enhanced": reply.enhanced.map(|(c, s, d)| format!("{c}.{s}.{d}")) })
                })
                .collect();
            let data_ok = delivery.data.as_ref().is_some_and(|r| r.code == 250);
            let all = refused.is_empty() && data_ok;
            (
                json!({
                    "delivered": all,
                    "accepted": delivery.accepted.iter().map(|i| envelope.recipients()[*i].address().as_str()).collect::<Vec<_>>(),
                    "refused": refused,
                    "data_reply": delivery.data.as_ref().map(ToString::to_string),
                    "peer": peer.as_ref().map(peer_json),
                    "code": serde_json::Value::Null,
                }),
                if all { 0 } else { 1 },
            )
        }
        Err(mssante_envelope::Error::Untrusted(r)) => (
            json!({ "delivered": false, "accepted": [], "refused": [], "verdict": "refused", "code": r.code, "reason": r.reason }),
            1,
        ),
        Err(mssante_envelope::Error::Rejected { stage, reply }) => (
            json!({ "delivered": false, "accepted": [], "refused": [], "stage": stage.to_string(), "reply": reply.to_string(),
                    "code": "M612", "enhanced": reply.enhanced.map(|(c, s, d)| format!("{c}.{s}.{d}")) }),
            1,
        ),
        Err(e) => return Err(server_error(&a.via, &e)),
    };
    if a.json {
        jsonln!("{v}");
    } else if code == 0 {
        outln!("remis à {} ({} destinataire(s))", a.via, envelope.recipients().len());
    } else if let Some(reason) = v["reason"].as_str() {
        outln!(
            "non envoyé : {} refusé : {} {}",
            a.via,
            v["code"].as_str().unwrap_or_default(),
            files::printable(reason)
        );
    } else if let Some(reply) = v["reply"].as_str() {
        outln!(
            "refusé par {} à l'étape {} : {}",
            a.via,
            v["stage"].as_str().unwrap_or_default(),
            files::printable(reply)
        );
    } else {
        for r in v["refused"].as_array().into_iter().flatten() {
            outln!(
                "destinataire refusé : {} : {}",
                r["recipient"].as_str().unwrap_or_default(),
                files::printable(r["reply"].as_str().unwrap_or_default())
            );
        }
        if let Some(d) = v["data_reply"].as_str() {
            outln!("fin de données : {}", files::printable(d));
        }
    }
    Ok(code)
}
