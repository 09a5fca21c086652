//! The rules and the decision for one request.
//!
//! A [`Policy`] is built once from the liste blanche and the settings, then
//! shared by every connection (it is immutable; a new liste blanche makes a
//! new policy with [`Policy::with_liste_blanche`]). [`Policy::decide`] is a
//! pure function of the request, the bulk meter and the time.
//!
//! Rules, for a request at `protocol_state=RCPT` whose recipient has a domain
//! (a bare local name such as `postmaster` is left to Postfix):
//! * **inbound** (the recipient is in one of our own domains), unless the
//!   client authenticated (`sasl_username`): the sender's domain must be in
//!   the liste blanche (`P101`); the session must be TLS (`P102`); Postfix
//!   must have verified a client certificate (`P103`), issued by an accepted
//!   CA when a list is set (`P106`); its CN must be the CN of a DN listed for
//!   the sender's domain (`P104` when it is listed for other domains only,
//!   `P105` when for none). The null sender (`<>`, bounces and DSNs) needs a
//!   certificate listed for any domain;
//! * **outbound** (any other recipient): the recipient's domain must be in
//!   the liste blanche, compared by its IDNA key, never by a suffix (`P201`,
//!   `P202`);
//! * **mass alerts**: a recipient of a bulk sender takes one token of its
//!   destination operator's bulk budget; none left: `DEFER_IF_PERMIT 4.7.1`
//!   (`P301`). Mail from any other sender is never deferred by this rule.
//!
//! A request that passes answers `DUNNO` (never `OK`, so the restrictions
//! after the policy service still apply). In [`Mode::DryRun`] every decision
//! answers `DUNNO` and says what it would have answered.
//!
//! ```
//! use mssante_bal::liste_blanche::ListeBlanche;
//! use mssante_policy::{bulk::BulkMeter, policy::{Policy, Settings}, request::Request, action::Verb};
//! let lb = ListeBlanche::parse(br#"<ListeBlancheMSSante><ListeDomaines>
//!   <Domaine><Nom>medecin.mssante.fr</Nom><DNCertificatOperateur>CN=mta1.op-a.fr,OU=1,O=A,C=FR</DNCertificatOperateur></Domaine>
//!   <Domaine><Nom>ch-exemple.mssante.fr</Nom><DNCertificatOperateur>CN=mx.ch-exemple.fr,OU=2,O=CH,C=FR</DNCertificatOperateur></Domaine>
//!   </ListeDomaines></ListeBlancheMSSante>"#).unwrap();
//! let policy = Policy::new(&lb, Settings::new(["ch-exemple.mssante.fr"]).unwrap());
//! let meter = BulkMeter::new();
//! let request = |cn: &str| Request::parse(format!("request=smtpd_access_policy\nprotocol_state=RCPT\n\
//!     sender=dr.a@medecin.mssante.fr\nrecipient=secretariat@ch-exemple.mssante.fr\n\
//!     encryption_protocol=TLSv1.3\nccert_subject={cn}\n\n").as_bytes()).unwrap();
//! assert_eq!(policy.decide(&request("mta1.op-a.fr"), &meter, 0).action.verb(), Verb::Dunno);
//! let refused = policy.decide(&request("mx.ch-exemple.fr"), &meter, 0);
//! assert_eq!(refused.action.to_string(), "REJECT 5.7.1 P104 certificat liste pour un autre domaine / \
//!     certificate listed for another domain: CN mx.ch-exemple.fr is not listed for medecin.mssante.fr");
//! ```

use crate::action::{Action, Status};
use crate::bulk::{BulkMeter, BulkSenders};
use crate::code::PolicyCode;
use crate::error::Error;
use crate::request::Request;
use mssante_bal::liste_blanche::{Dn, ListeBlanche};
use mssante_envelope::route::TrustSpace;
use mssante_envelope::throttle::{Budgets, Lane};
use mssante_types::identity::{address_domain_key, domain_key, domain_key_lossy};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Whether decisions are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Refusals are answered.
    #[default]
    Enforce,
    /// Every request is answered `DUNNO`; the decision says what enforcement
    /// would have answered (a first deployment).
    DryRun,
}

/// Which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// Mail for one of our own domains.
    Inbound,
    /// Mail for another domain.
    Outbound,
    /// The bulk budget of mass alerts.
    Bulk,
    /// Not a recipient event (another protocol state, no recipient): no
    /// opinion.
    NotApplicable,
    /// A request that could not be read.
    Protocol,
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What is answered to Postfix.
    pub action: Action,
    /// In dry-run mode, what enforcement would have answered when it is not
    /// `DUNNO`.
    pub would: Option<Action>,
    /// Which rule decided.
    pub rule: Rule,
    /// The refusal's code (`None` when the request passes).
    pub code: Option<PolicyCode>,
}

impl Decision {
    fn pass(rule: Rule) -> Decision {
        Decision { action: Action::dunno(), would: None, rule, code: None }
    }

    /// The temporary answer to a request that could not be read (`P401`,
    /// `P402`): `DEFER_IF_PERMIT 4.3.5`, whatever the mode (a broken exchange
    /// is never let through).
    pub fn protocol(code: PolicyCode, detail: &str) -> Decision {
        let text = format!("{code} requete illisible / unreadable policy request: {detail}");
        Decision {
            action: Action::defer_if_permit(Status::SYSTEM_CONFIGURATION, &text),
            would: None,
            rule: Rule::Protocol,
            code: Some(code),
        }
    }
}

/// The settings of a policy, apart from the liste blanche.
#[derive(Debug, Clone)]
pub struct Settings {
    own: HashSet<String>,
    bulk: BulkSenders,
    budgets: Budgets,
    /// `None`: any issuer Postfix verified; `Some`: only these CNs.
    issuers: Option<Vec<Dn>>,
    mode: Mode,
}

impl Settings {
    /// Our own domains (the recipients that make a request inbound); each is
    /// compared by its IDNA key. Refused when one is not a domain name.
    pub fn new<S: AsRef<str>>(own_domains: impl IntoIterator<Item = S>) -> Result<Settings, Error> {
        let mut own = HashSet::new();
        for d in own_domains {
            let d = d.as_ref().trim();
            let key = domain_key(d).ok().filter(|k| !k.is_empty() && !k.contains('@')).ok_or_else(|| {
                Error::Config { what: "own domain".into(), message: format!("{d:?} is not a domain name") }
            })?;
            own.insert(key.into_owned());
        }
        Ok(Settings { own, bulk: BulkSenders::new(), budgets: Budgets::default(), issuers: None, mode: Mode::Enforce })
    }

    /// The bulk senders (mass alerts).
    pub fn bulk_senders(mut self, bulk: BulkSenders) -> Settings {
        self.bulk = bulk;
        self
    }

    /// The budgets per destination operator; the bulk lane's rate
    /// ([`Budget::rate_of`](mssante_envelope::throttle::Budget::rate_of)) is
    /// the bulk budget per minute.
    pub fn budgets(mut self, budgets: Budgets) -> Settings {
        self.budgets = budgets;
        self
    }

    /// Accepts inbound only certificates issued by CAs with these CNs (the
    /// IGC-Santé organisation CAs). Without this call, any CA Postfix
    /// verified; with it, only those given (an empty list or an empty CN
    /// accepts none).
    pub fn issuers<S: AsRef<str>>(mut self, issuer_cns: impl IntoIterator<Item = S>) -> Settings {
        self.issuers =
            Some(issuer_cns.into_iter().filter_map(|cn| Dn::from_attributes([("CN", cn.as_ref())])).collect());
        self
    }

    /// Enforce, or only say what would be done.
    pub fn mode(mut self, mode: Mode) -> Settings {
        self.mode = mode;
        self
    }
}

/// The liste blanche indexed for decisions, with the settings.
#[derive(Debug, Clone)]
pub struct Policy {
    settings: Settings,
    /// Domain key → the CN keys of the DNs listed for it.
    listed: HashMap<String, Vec<String>>,
    /// Every listed CN key (P104, listed elsewhere, vs P105, listed nowhere).
    cns: HashSet<String>,
    space: TrustSpace,
    entries: usize,
}

fn cn_key_of(cn: &str) -> Option<String> {
    Dn::from_attributes([("CN", cn)]).and_then(|d| d.cn_key().map(str::to_owned))
}

impl Policy {
    /// Indexes a liste blanche for decisions.
    pub fn new(liste_blanche: &ListeBlanche, settings: Settings) -> Policy {
        let mut listed: HashMap<String, Vec<String>> = HashMap::new();
        let mut cns = HashSet::new();
        for e in liste_blanche.entries() {
            let domain = domain_key_lossy(e.domain.as_str()).into_owned();
            let cns_of = listed.entry(domain).or_default();
            if let Some(cn) = e.dn.cn_key() {
                if !cns_of.iter().any(|c| c == cn) {
                    cns_of.push(cn.to_owned());
                }
                cns.insert(cn.to_owned());
            }
        }
        Policy { settings, listed, cns, space: TrustSpace::new(liste_blanche), entries: liste_blanche.entries().len() }
    }

    /// The same settings with another liste blanche (a reload).
    pub fn with_liste_blanche(&self, liste_blanche: &ListeBlanche) -> Policy {
        Policy::new(liste_blanche, self.settings.clone())
    }

    /// Number of liste blanche entries indexed.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Number of domains indexed.
    pub fn domains(&self) -> usize {
        self.listed.len()
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.settings.mode
    }

    /// Decides one request at `now_ms` (any monotonic clock, in
    /// milliseconds; only the bulk rule reads it).
    pub fn decide(&self, request: &Request, meter: &BulkMeter, now_ms: u64) -> Decision {
        let decision = self.enforce(request, meter, now_ms);
        match self.settings.mode {
            Mode::Enforce => decision,
            Mode::DryRun if decision.rule == Rule::Protocol => decision,
            Mode::DryRun => {
                let would = (decision.action != Action::dunno()).then_some(decision.action);
                Decision { action: Action::dunno(), would, ..decision }
            }
        }
    }

    fn enforce(&self, request: &Request, meter: &BulkMeter, now_ms: u64) -> Decision {
        match request.request_type() {
            Some("smtpd_access_policy") => {}
            other => {
                return Decision::protocol(
                    PolicyCode::UnknownRequest,
                    &format!("request={}", other.unwrap_or("(absent)")),
                );
            }
        }
        let recipient = request.recipient().unwrap_or("");
        if request.protocol_state() != Some("RCPT") || recipient.is_empty() {
            return Decision::pass(Rule::NotApplicable);
        }
        // A recipient without a domain is a local name that Postfix resolves
        // itself (`RCPT TO:<postmaster>`, which RFC 5321 §4.5.1 requires to
        // be accepted): no opinion.
        let Some((_, recipient_domain)) = recipient.rsplit_once('@') else {
            return Decision::pass(Rule::NotApplicable);
        };
        let Ok(rcpt_key) = domain_key(recipient_domain) else {
            return refuse(
                Rule::Outbound,
                PolicyCode::RecipientDomainInvalid,
                &format!("domaine invalide / invalid domain: {recipient_domain}"),
            );
        };
        if self.settings.own.contains(rcpt_key.as_ref()) {
            return self.inbound(request);
        }
        self.outbound(request, &rcpt_key, meter, now_ms)
    }

    fn inbound(&self, request: &Request) -> Decision {
        if request.sasl_username().is_some_and(|u| !u.is_empty()) {
            // One of our authenticated users: Postfix's own sender login
            // checks apply, not the trust-space peer checks.
            return Decision::pass(Rule::Inbound);
        }
        let sender = request.sender().unwrap_or("");
        let sender_domain = address_domain_key(sender);
        let listed = if sender.is_empty() {
            None
        } else {
            match self.listed.get(sender_domain.as_ref()) {
                Some(cns) => Some(cns),
                None => {
                    return refuse(
                        Rule::Inbound,
                        PolicyCode::SenderNotListed,
                        &format!(
                            "domaine expediteur hors liste blanche / sender domain not in the liste blanche: {sender_domain}"
                        ),
                    );
                }
            }
        };
        if request.encryption_protocol().is_none_or(str::is_empty) {
            return refuse(Rule::Inbound, PolicyCode::NoTls, "TLS obligatoire / TLS required (STARTTLS)");
        }
        let Some(subject) = request.ccert_subject() else {
            return refuse(
                Rule::Inbound,
                PolicyCode::NoClientCertificate,
                "certificat client IGC-Sante verifie requis / a verified IGC-Sante client certificate is required",
            );
        };
        if let Some(issuers) = &self.settings.issuers {
            let issuer = request.ccert_issuer().unwrap_or_default();
            let accepted =
                Dn::from_attributes([("CN", issuer.as_str())]).is_some_and(|i| issuers.iter().any(|a| a.same_cn(&i)));
            if !accepted {
                return refuse(
                    Rule::Inbound,
                    PolicyCode::IssuerNotAccepted,
                    &format!("AC non acceptee / issuer not accepted: {issuer}"),
                );
            }
        }
        let cn = cn_key_of(&subject).unwrap_or_default();
        let ok = match listed {
            Some(cns) => cns.contains(&cn),
            None => self.cns.contains(&cn),
        };
        if ok {
            return Decision::pass(Rule::Inbound);
        }
        let for_whom =
            if sender.is_empty() { "any domain (null sender)".to_owned() } else { sender_domain.into_owned() };
        if listed.is_some() && self.cns.contains(&cn) {
            refuse(
                Rule::Inbound,
                PolicyCode::CertificateListedElsewhere,
                &format!(
                    "certificat liste pour un autre domaine / certificate listed for another domain: CN {subject} is not listed for {for_whom}"
                ),
            )
        } else {
            refuse(
                Rule::Inbound,
                PolicyCode::CertificateNotListed,
                &format!(
                    "certificat hors liste blanche / certificate not in the liste blanche: CN {subject} is not listed for {for_whom}"
                ),
            )
        }
    }

    fn outbound(&self, request: &Request, rcpt_key: &str, meter: &BulkMeter, now_ms: u64) -> Decision {
        let Some(destination) = self.space.destination_of(rcpt_key) else {
            return refuse(
                Rule::Outbound,
                PolicyCode::RecipientNotListed,
                &format!("destinataire hors espace de confiance / recipient outside the trust space: {rcpt_key}"),
            );
        };
        let sender = request.sender().unwrap_or("");
        if !self.settings.bulk.contains(sender) {
            return Decision::pass(Rule::Outbound);
        }
        let budget = self.settings.budgets.for_destination(destination);
        let per_minute = budget.rate_of(Lane::Bulk);
        let operator = destination.dns.join(";");
        if meter.admit(&operator, per_minute, now_ms) {
            return Decision::pass(Rule::Bulk);
        }
        let mtas = destination.mtas().join(", ");
        let text = format!(
            "{} envoi de masse differe, budget de l'operateur epuise / bulk mail deferred, the operator's budget is spent ({per_minute}/min towards {mtas})",
            PolicyCode::BulkBudgetSpent
        );
        Decision {
            action: Action::defer_if_permit(Status::NOT_AUTHORIZED_NOW, &text),
            would: None,
            rule: Rule::Bulk,
            code: Some(PolicyCode::BulkBudgetSpent),
        }
    }
}

fn refuse(rule: Rule, code: PolicyCode, text: &str) -> Decision {
    Decision {
        action: Action::reject(Status::NOT_AUTHORIZED, &format!("{code} {text}")),
        would: None,
        rule,
        code: Some(code),
    }
}
