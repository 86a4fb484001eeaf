//! SAML 2.0 service provider for a contract's Active Directory (ADFS) sign-in (L8, D1, X7):
//! the IdP's metadata checked ([`SamlIdp::from_metadata`]), the HTTP-Redirect `AuthnRequest`
//! ([`authn_request_url`]), the HTTP-POST `SAMLResponse` verified ([`verify_response`]) and
//! tobira's SP metadata ([`sp_metadata_xml`]).
//!
//! Every security choice is made here and none is configurable: a signature is always
//! required and verified only with the metadata's certificates (never a certificate the
//! message carries), with RSA and SHA-256 or stronger; the subject is read only from the
//! content the signature covers; `InResponseTo`, `Destination`, `Recipient`, `Audience` and
//! `Issuer` are compared exactly; times are checked with a small skew; a DTD, a comment, an
//! encrypted or second assertion and an oversized body are refused. The replay of an assertion
//! ID is left to the caller, which keeps the returned ID until `not_on_or_after`.

mod metadata;
mod request;
mod response;
mod xml;

use chrono::{DateTime, Utc};

pub use metadata::{CertificateSummary, SamlIdp};
pub use request::{authn_request_url, sp_metadata_xml};
pub use response::verify_response;

/// The largest `SAMLResponse` accepted, in base64 characters.
pub const MAX_RESPONSE_BASE64: usize = 256 * 1024;
/// The largest metadata document accepted, in bytes.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;
/// How far the IdP's clock may be from ours.
pub const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// tobira as the service provider for one contract.
#[derive(Debug, Clone, Copy)]
pub struct ServiceProvider<'a> {
    /// The SP entity ID (the assertion's `Audience`), per contract, e.g.
    /// `https://auth.example.jp/ad/adfs-xxxx`.
    pub entity_id: &'a str,
    /// The assertion consumer URL this round trip uses (`Destination` and `Recipient` must
    /// equal it).
    pub acs_url: &'a str,
}

/// Where the subject comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectSource {
    /// The assertion's `NameID` (persistent, as tobira asks for).
    NameId,
    /// The single value of the attribute with this `Name`, e.g. the UPN claim
    /// `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn`.
    Attribute(String),
}

/// What a response must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The service provider (audience and assertion consumer URL).
    pub sp: ServiceProvider<'a>,
    /// The ID of the request this browser started; `InResponseTo` must equal it.
    pub request_id: &'a str,
    /// The time of the operation.
    pub now: DateTime<Utc>,
    /// Where the subject comes from.
    pub subject: &'a SubjectSource,
}

/// A verified assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The subject, from the signed assertion.
    pub subject: String,
    /// The assertion's ID (for the caller's replay check).
    pub assertion_id: String,
    /// Until when the assertion could be presented (keep its ID at least this long).
    pub not_on_or_after: DateTime<Utc>,
}

/// Why metadata, a request or a response was refused. The texts name the rule broken and
/// never a value from the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// The document exceeds the size cap.
    #[error("SAML: the document is too large")]
    TooLarge,
    /// The `SAMLResponse` is not base64.
    #[error("SAML: the response is not base64")]
    NotBase64,
    /// The document is not UTF-8.
    #[error("SAML: the document is not UTF-8")]
    NotUtf8,
    /// The document has a DOCTYPE or entity declaration.
    #[error("SAML: a document type or entity declaration is not accepted")]
    Doctype,
    /// The document is not well-formed XML or a value in it is unreadable.
    #[error("SAML: the document is malformed")]
    Malformed,
    /// The document contains a comment or a processing instruction.
    #[error("SAML: comments and processing instructions are not accepted")]
    Comment,
    /// Metadata: the root is not an `EntityDescriptor` with an `entityID`.
    #[error("SAML metadata: no EntityDescriptor with an entityID")]
    NotMetadata,
    /// Metadata: no SAML 2.0 `IDPSSODescriptor`.
    #[error("SAML metadata: no SAML 2.0 IDPSSODescriptor")]
    NoIdpDescriptor,
    /// Metadata: no signing certificate.
    #[error("SAML metadata: no signing certificate")]
    NoSigningCertificate,
    /// Metadata: a signing certificate cannot be read.
    #[error("SAML metadata: a signing certificate is unreadable")]
    BadCertificate,
    /// Metadata: no `SingleSignOnService` with the HTTP-Redirect binding and an http(s) URL.
    #[error("SAML metadata: no HTTP-Redirect SingleSignOnService")]
    NoRedirectSso,
    /// The request ID given is not an XML NCName.
    #[error("SAML: the request ID is not an NCName")]
    InvalidRequestId,
    /// The root is not a SAML 2.0 `Response`.
    #[error("SAML: the message is not a Response")]
    NotAResponse,
    /// The response holds an encrypted assertion (tobira advertises no encryption key).
    #[error("SAML: encrypted assertions are not accepted")]
    EncryptedAssertion,
    /// The response does not hold exactly one assertion, directly under the Response.
    #[error("SAML: the response must hold exactly one assertion")]
    AssertionCount,
    /// Neither the Response nor the Assertion is signed.
    #[error("SAML: the response is not signed")]
    Unsigned,
    /// A signature uses an algorithm weaker than SHA-256 (or not RSA), or a transform
    /// other than enveloped-signature and exclusive canonicalisation.
    #[error("SAML: the signature algorithm is not accepted")]
    WeakAlgorithm,
    /// A signature is not where the SAML profile puts it, or does not reference exactly its
    /// parent element.
    #[error("SAML: the signature does not cover its enclosing element")]
    SignatureReference,
    /// The signature does not verify with the IdP's certificates.
    #[error("SAML: the signature is invalid")]
    SignatureInvalid,
    /// No `InResponseTo`: an unsolicited (IdP-initiated) response.
    #[error("SAML: unsolicited responses are not accepted")]
    Unsolicited,
    /// `InResponseTo` differs from the request this browser started.
    #[error("SAML: the response answers another request")]
    InResponseToMismatch,
    /// The Response's `Destination` is not this assertion consumer URL.
    #[error("SAML: the response's destination is wrong")]
    DestinationMismatch,
    /// The `Issuer` is not the IdP's entity ID.
    #[error("SAML: the issuer is wrong")]
    IssuerMismatch,
    /// The status is not Success.
    #[error("SAML: the identity provider answered with status {0}")]
    Status(String),
    /// No audience restriction naming this SP.
    #[error("SAML: the assertion is for another audience")]
    AudienceMismatch,
    /// No bearer subject confirmation.
    #[error("SAML: no bearer subject confirmation")]
    NoBearerConfirmation,
    /// The subject confirmation's `Recipient` is not this assertion consumer URL.
    #[error("SAML: the assertion's recipient is wrong")]
    RecipientMismatch,
    /// A `NotBefore` lies in the future.
    #[error("SAML: the assertion is not yet valid")]
    NotYetValid,
    /// A `NotOnOrAfter` has passed, or the subject confirmation has none.
    #[error("SAML: the assertion has expired")]
    Expired,
    /// The subject (NameID or the chosen attribute) is absent, empty or ambiguous.
    #[error("SAML: the assertion names no subject")]
    SubjectMissing,
}

/// Decodes base64 with any ASCII whitespace inside removed.
fn decode_base64(text: &str) -> Result<Vec<u8>, SamlError> {
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlError::NotBase64)
}

/// Whether `id` is an XML NCName (the type of SAML IDs).
fn is_ncname(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
