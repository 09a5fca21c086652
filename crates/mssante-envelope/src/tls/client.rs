//! The sending side: STARTTLS (RFC 3207) or implicit TLS to a destination,
//! the peer verified for the recipient domain before anything is sent.

use super::material::Identity;
use super::verdict::{Refusal, TrustCode, TrustedPeer, Verdict};
use super::verify::{Checker, Usage, algorithms, listed_for};
use crate::envelope::Envelope;
use crate::error::{Error, Stage};
use crate::smtp::{Delivery, Session};
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the connection becomes TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Plain connection, `EHLO`, `STARTTLS`, handshake, `EHLO` again; a
    /// server that does not offer `STARTTLS` is refused (`T901`). The default.
    #[default]
    StartTls,
    /// TLS from the first byte (port 465 style).
    Implicit,
    /// No TLS and no verification at all: for tests against a plaintext
    /// server only. Never use it in the trust space.
    InsecurePlaintext,
}

/// A connection, plain or TLS.
#[derive(Debug)]
pub enum Wire {
    /// Plaintext ([`Transport::InsecurePlaintext`] only).
    Plain(TcpStream),
    /// TLS.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.read(buf),
            Wire::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Wire::Plain(s) => s.write(buf),
            Wire::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Wire::Plain(s) => s.flush(),
            Wire::Tls(s) => s.flush(),
        }
    }
}

/// An SMTP session with a verified peer.
#[derive(Debug)]
pub struct Connected {
    /// The session, after `EHLO` over TLS.
    pub session: Session<Wire>,
    /// The peer, trusted for the domain (`None` only with
    /// [`Transport::InsecurePlaintext`]).
    pub peer: Option<TrustedPeer>,
}

/// The outcome of [`TlsClient::probe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Whether the server offered TLS (false for `T901`).
    pub tls: bool,
    /// Trusted or refused.
    pub verdict: Verdict,
}

/// Connects to destinations of the trust space and verifies them.
#[derive(Debug, Clone)]
pub struct TlsClient {
    checker: Checker,
    identity: Option<Identity>,
    transport: Transport,
    client_name: String,
    timeout: Duration,
}

impl TlsClient {
    /// A client that says `EHLO client_name`, checks peers with `checker`,
    /// presents no certificate, uses STARTTLS and waits at most 60 s for any
    /// read or write.
    pub fn new(checker: Checker, client_name: &str) -> TlsClient {
        TlsClient {
            checker,
            identity: None,
            transport: Transport::StartTls,
            client_name: client_name.to_owned(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Presents this certificate when the server asks (mutual TLS).
    pub fn identity(mut self, identity: Identity) -> TlsClient {
        self.identity = Some(identity);
        self
    }

    /// With this transport.
    pub fn transport(mut self, transport: Transport) -> TlsClient {
        self.transport = transport;
        self
    }

    /// With this timeout for connecting, reading and writing.
    pub fn timeout(mut self, timeout: Duration) -> TlsClient {
        self.timeout = timeout;
        self
    }

    /// Connects to `host:port` for recipients of `domain` and verifies the
    /// peer: the domain must be in the liste blanche (checked before
    /// connecting), the server must offer TLS, and its certificate must pass
    /// [`Checker::check_peer`]. A refused peer is [`Error::Untrusted`]; it has
    /// received `EHLO` and `STARTTLS` at most.
    pub fn connect(
        &self,
        host: &str,
        port: u16,
        domain: &str,
        liste_blanche: &ListeBlanche,
    ) -> Result<Connected, Error> {
        let (domain, listed) = listed_for(domain, liste_blanche).map_err(untrusted)?;
        let tcp = self.tcp(host, port)?;
        match self.transport {
            Transport::InsecurePlaintext => {
                Ok(Connected { session: Session::open(Wire::Plain(tcp), &self.client_name)?, peer: None })
            }
            Transport::Implicit => {
                let (tls, peer) = self.handshake(tcp, host, &domain, listed)?;
                let session = Session::open(Wire::Tls(Box::new(tls)), &self.client_name).map_err(after_handshake)?;
                Ok(Connected { session, peer: Some(peer) })
            }
            Transport::StartTls => {
                let plain = Session::open(tcp, &self.client_name)?;
                if !plain.extensions().starttls {
                    let _ = plain.quit();
                    return Err(untrusted(Refusal::new(
                        TrustCode::NoTls,
                        format!("{host}:{port} does not offer STARTTLS: nothing is sent in plaintext"),
                    )));
                }
                let tcp = plain.starttls().map_err(|e| match e {
                    Error::Rejected { stage: Stage::StartTls, reply } => {
                        untrusted(Refusal::new(TrustCode::NoTls, format!("STARTTLS refused: {reply}")))
                    }
                    Error::Value { value, .. } => {
                        untrusted(Refusal::new(TrustCode::Handshake, format!("STARTTLS: {value}")))
                    }
                    other => other,
                })?;
                let (tls, peer) = self.handshake(tcp, host, &domain, listed)?;
                let session = Session::resume(Wire::Tls(Box::new(tls)), &self.client_name).map_err(after_handshake)?;
                Ok(Connected { session, peer: Some(peer) })
            }
        }
    }

    /// Connects, verifies and says `QUIT`: nothing is sent. A refused peer is
    /// a verdict, not an error; errors are what kept the probe from being
    /// carried out (no connection, a server that is not SMTP).
    pub fn probe(&self, host: &str, port: u16, domain: &str, liste_blanche: &ListeBlanche) -> Result<Probe, Error> {
        match self.connect(host, port, domain, liste_blanche) {
            Ok(c) => {
                let _ = c.session.quit();
                Ok(match c.peer {
                    Some(peer) => Probe { tls: true, verdict: Verdict::Trusted(Box::new(peer)) },
                    None => Probe {
                        tls: false,
                        verdict: Verdict::Refused(Refusal::new(
                            TrustCode::NoTls,
                            "plaintext transport: nothing was verified",
                        )),
                    },
                })
            }
            Err(Error::Untrusted(r)) => Ok(Probe {
                tls: !matches!(r.code, TrustCode::NoTls | TrustCode::DomainNotListed),
                verdict: Verdict::Refused(*r),
            }),
            Err(e) => Err(e),
        }
    }

    /// Sends a built message (envelope and bytes) to `host:port` for
    /// recipients of `domain`, over verified TLS; a refused peer receives
    /// nothing ([`Error::Untrusted`]). Recipients refused by the server are in
    /// the [`Delivery`]; a refused `MAIL FROM` or `DATA` is
    /// [`Error::Rejected`] with the reply whole.
    pub fn deliver(
        &self,
        host: &str,
        port: u16,
        domain: &str,
        liste_blanche: &ListeBlanche,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(Delivery, Option<TrustedPeer>), Error> {
        let mut c = self.connect(host, port, domain, liste_blanche)?;
        let delivery = c.session.send(envelope, message)?;
        c.session.quit()?;
        Ok((delivery, c.peer))
    }

    /// Sends a built message to the recipients of one planned transaction
    /// ([`route::plan`](crate::route::plan)): the envelope's recipients that
    /// the transaction holds, DSN parameters kept, to `host:port` (the
    /// destination operator's MTA: its MX, found by the caller). The peer is
    /// verified for the domain of the transaction's first recipient; all
    /// domains of a transaction share the destination operator's DNs.
    pub fn deliver_transaction(
        &self,
        host: &str,
        port: u16,
        transaction: &crate::route::Transaction,
        liste_blanche: &ListeBlanche,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(Delivery, Option<TrustedPeer>), Error> {
        let (first, _) = transaction.recipients.first().ok_or(Error::NoRecipient)?;
        let share = envelope
            .for_recipients(|a| transaction.recipients.iter().any(|(t, _)| t == a))
            .ok_or(Error::NoRecipient)?;
        self.deliver(host, port, first.domain().as_str(), liste_blanche, &share, message)
    }

    fn tcp(&self, host: &str, port: u16) -> Result<TcpStream, Error> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host}: no address"));
        for addr in (host, port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    s.set_read_timeout(Some(self.timeout))?;
                    s.set_write_timeout(Some(self.timeout))?;
                    return Ok(s);
                }
                Err(e) => last = e,
            }
        }
        Err(Error::Io(last))
    }

    fn handshake(
        &self,
        mut tcp: TcpStream,
        host: &str,
        domain: &str,
        listed: Vec<Dn>,
    ) -> Result<(StreamOwned<ClientConnection, TcpStream>, TrustedPeer), Error> {
        let verifier = Arc::new(PeerVerifier {
            checker: self.checker.clone(),
            domain: domain.to_owned(),
            listed,
            outcome: Mutex::new(None),
        });
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| untrusted(Refusal::new(TrustCode::Handshake, e.to_string())))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone());
        let config = match &self.identity {
            Some(id) => builder
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .map_err(|e| untrusted(Refusal::new(TrustCode::KeyMismatch, format!("client certificate: {e}"))))?,
            None => builder.with_no_client_auth(),
        };
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| untrusted(Refusal::new(TrustCode::Handshake, format!("{host}: {e}"))))?;
        let mut conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| untrusted(Refusal::new(TrustCode::Handshake, e.to_string())))?;
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                let outcome = verifier.outcome.lock().map(|mut o| o.take()).unwrap_or(None);
                return Err(untrusted(match outcome {
                    Some(Err(refusal)) => refusal,
                    _ => Refusal::new(TrustCode::Handshake, format!("TLS handshake failed: {e}")),
                }));
            }
        }
        let outcome = verifier.outcome.lock().map(|mut o| o.take()).unwrap_or(None);
        let mut peer = match outcome {
            Some(Ok(peer)) => peer,
            Some(Err(refusal)) => return Err(untrusted(refusal)),
            None => {
                return Err(untrusted(Refusal::new(TrustCode::Handshake, "the server sent no certificate")));
            }
        };
        peer.protocol = conn.protocol_version().map(|v| format!("{v:?}").replace('_', "."));
        peer.cipher = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()));
        Ok((StreamOwned::new(conn, tcp), peer))
    }
}

/// An error at the first exchange after the handshake is a refusal of the
/// handshake when it comes from TLS (an alert) or when the server ended the
/// session there: under TLS 1.3 a server says it refuses the client's
/// certificate only after the client's handshake is over, and the client
/// sees an alert, a reset or a closed connection at its first `EHLO`.
fn after_handshake(e: Error) -> Error {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    match e {
        Error::Io(io)
            if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>())
                || matches!(io.kind(), BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof) =>
        {
            untrusted(Refusal::new(
                TrustCode::Handshake,
                format!("the server ended the TLS session after the handshake (our certificate refused?): {io}"),
            ))
        }
        Error::Closed => untrusted(Refusal::new(
            TrustCode::Handshake,
            "the server closed the TLS session after the handshake (our certificate refused?)",
        )),
        other => other,
    }
}

fn untrusted(r: Refusal) -> Error {
    Error::Untrusted(Box::new(r))
}

type Outcome = Option<Result<TrustedPeer, Refusal>>;

/// The rustls verifier for one connection: the whole check for one domain,
/// its outcome kept for the verdict.
#[derive(Debug)]
struct PeerVerifier {
    checker: Checker,
    domain: String,
    listed: Vec<Dn>,
    outcome: Mutex<Outcome>,
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone()];
        chain.extend(intermediates.iter().cloned());
        let result = self.checker.check_listed(&chain, Usage::Server, &self.domain, &self.listed);
        let answer = match &result {
            Ok(_) => Ok(ServerCertVerified::assertion()),
            Err(r) => Err(rustls_error(r.code)),
        };
        if let Ok(mut o) = self.outcome.lock() {
            *o = Some(result);
        }
        answer
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algorithms().supported_schemes()
    }
}

/// The TLS alert that goes with a refusal.
pub(crate) fn rustls_error(code: TrustCode) -> rustls::Error {
    rustls::Error::InvalidCertificate(match code {
        TrustCode::NotValidNow => CertificateError::Expired,
        TrustCode::Revoked => CertificateError::Revoked,
        TrustCode::RevocationUnknown => CertificateError::UnknownRevocationStatus,
        TrustCode::UntrustedIssuer => CertificateError::UnknownIssuer,
        TrustCode::BadCertificate => CertificateError::BadEncoding,
        _ => CertificateError::ApplicationVerificationFailure,
    })
}
