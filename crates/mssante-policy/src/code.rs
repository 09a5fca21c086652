//! The stable codes of the policy's rules (`P1xx` inbound, `P2xx` outbound,
//! `P3xx` mass alerts, `P4xx` the protocol), as they appear in Postfix's
//! replies and in the decision log. See `docs/postfix.md`.

mssante_types::stable_codes! {
    /// A rule's code.
    pub enum PolicyCode {
        /// Inbound: the sender's domain is not in the liste blanche.
        SenderNotListed = "P101",
        /// Inbound: the session is not encrypted (no STARTTLS).
        NoTls = "P102",
        /// Inbound: no client certificate that Postfix verified against its CA file.
        NoClientCertificate = "P103",
        /// Inbound: the client certificate's CN is listed, but for other domains
        /// than the sender's.
        CertificateListedElsewhere = "P104",
        /// Inbound: the client certificate's CN is listed for no domain.
        CertificateNotListed = "P105",
        /// Inbound: the client certificate's issuer is not one of the accepted CAs.
        IssuerNotAccepted = "P106",
        /// Outbound: the recipient's domain is not in the liste blanche.
        RecipientNotListed = "P201",
        /// Outbound: the recipient's domain is not a domain name (IDNA refuses it).
        RecipientDomainInvalid = "P202",
        /// Mass alerts: the destination operator's bulk budget is spent for now.
        BulkBudgetSpent = "P301",
        /// Protocol: a malformed request (answered with a temporary refusal).
        MalformedRequest = "P401",
        /// Protocol: a request longer than the limit (temporary refusal, then
        /// the connection is closed).
        RequestTooLarge = "P402",
        /// Protocol: a request that is not `request=smtpd_access_policy`.
        UnknownRequest = "P403",
    }
}
mssante_types::stable_codes_serde!(PolicyCode);
