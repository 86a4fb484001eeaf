//! A contract's ADFS as its federation metadata describes it.

use chrono::{DateTime, Utc};

use super::xml::{self, NS_DSIG, NS_METADATA};
use super::{MAX_METADATA_BYTES, SamlError};

const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// One signing certificate of the IdP, for the owner's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// SHA-256 of the DER certificate, upper-case hex pairs joined by `:`.
    pub sha256_fingerprint: String,
    /// The certificate's subject, one line.
    pub subject: String,
    /// Its `notAfter`.
    pub not_after: Option<DateTime<Utc>>,
}

/// A contract's ADFS as its federation metadata describes it, checked: the entity ID, the
/// HTTP-Redirect single sign-on URL and every signing certificate (ADFS publishes the next
/// one before a rollover, so all are trusted).
#[derive(Debug, Clone)]
pub struct SamlIdp {
    entity_id: String,
    sso_url: String,
    certificates: Vec<(Vec<u8>, CertificateSummary)>,
}

impl SamlIdp {
    /// Parses and checks an IdP's metadata document (an `EntityDescriptor` with an
    /// `IDPSSODescriptor`).
    ///
    /// # Errors
    /// [`SamlError::TooLarge`] over [`MAX_METADATA_BYTES`], [`SamlError::Doctype`] for a DTD
    /// (refused before parsing), [`SamlError::Malformed`], [`SamlError::NotMetadata`],
    /// [`SamlError::NoIdpDescriptor`], [`SamlError::NoSigningCertificate`],
    /// [`SamlError::BadCertificate`], [`SamlError::NoRedirectSso`].
    pub fn from_metadata(text: &str) -> Result<Self, SamlError> {
        if text.len() > MAX_METADATA_BYTES {
            return Err(SamlError::TooLarge);
        }
        let document = xml::parse_strict(text)?;
        let root = document.get_root_element().ok_or(SamlError::Malformed)?;
        if !xml::is(&root, NS_METADATA, "EntityDescriptor") {
            return Err(SamlError::NotMetadata);
        }
        let entity_id = xml::attribute(&root, "entityID")
            .filter(|id| !id.trim().is_empty())
            .ok_or(SamlError::NotMetadata)?;
        let descriptors: Vec<_> = xml::children(&root, NS_METADATA, "IDPSSODescriptor")
            .into_iter()
            .filter(|d| {
                xml::attribute(d, "protocolSupportEnumeration").is_some_and(|p| {
                    p.split_whitespace()
                        .any(|p| p == "urn:oasis:names:tc:SAML:2.0:protocol")
                })
            })
            .collect();
        if descriptors.is_empty() {
            return Err(SamlError::NoIdpDescriptor);
        }
        let mut certificates: Vec<(Vec<u8>, CertificateSummary)> = Vec::new();
        let mut sso_url = None;
        for descriptor in &descriptors {
            for key in xml::children(descriptor, NS_METADATA, "KeyDescriptor") {
                if xml::attribute(&key, "use").is_some_and(|u| !u.is_empty() && u != "signing") {
                    continue;
                }
                for info in xml::children(&key, NS_DSIG, "KeyInfo") {
                    for data in xml::children(&info, NS_DSIG, "X509Data") {
                        for cert in xml::children(&data, NS_DSIG, "X509Certificate") {
                            let der = super::decode_base64(&xml::text(&cert))
                                .map_err(|_| SamlError::BadCertificate)?;
                            let summary = summarise(&der)?;
                            if !certificates.iter().any(|(known, _)| *known == der) {
                                certificates.push((der, summary));
                            }
                        }
                    }
                }
            }
            if sso_url.is_none() {
                sso_url = xml::children(descriptor, NS_METADATA, "SingleSignOnService")
                    .into_iter()
                    .filter(|s| xml::attribute(s, "Binding").as_deref() == Some(BINDING_REDIRECT))
                    .filter_map(|s| xml::attribute(&s, "Location"))
                    .find(|l| {
                        url::Url::parse(l)
                            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host())
                    });
            }
        }
        if certificates.is_empty() {
            return Err(SamlError::NoSigningCertificate);
        }
        let sso_url = sso_url.ok_or(SamlError::NoRedirectSso)?;
        Ok(Self {
            entity_id,
            sso_url,
            certificates,
        })
    }

    /// The IdP's entity ID (the `Issuer` its assertions must carry).
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// Where the browser is sent with the `AuthnRequest` (HTTP-Redirect binding).
    pub fn sso_url(&self) -> &str {
        &self.sso_url
    }

    /// Every signing certificate: fingerprint, subject and expiry.
    pub fn signing_certificates(&self) -> Vec<CertificateSummary> {
        self.certificates.iter().map(|(_, s)| s.clone()).collect()
    }

    /// The DER certificates signatures are verified with.
    pub(crate) fn certificates_der(&self) -> impl Iterator<Item = &[u8]> {
        self.certificates.iter().map(|(der, _)| der.as_slice())
    }
}

/// Reads a DER certificate for the owner's view (and to refuse one that is not a
/// certificate).
fn summarise(der: &[u8]) -> Result<CertificateSummary, SamlError> {
    use sha2::Digest as _;
    let cert = openssl::x509::X509::from_der(der).map_err(|_| SamlError::BadCertificate)?;
    let sha256_fingerprint = sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let subject = cert
        .subject_name()
        .entries()
        .filter_map(|e| {
            let key = e.object().nid().short_name().ok()?;
            let value = e.data().to_string().ok()?;
            Some(format!("{key}={value}"))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let not_after = openssl::asn1::Asn1Time::from_unix(0)
        .ok()
        .and_then(|epoch| epoch.diff(cert.not_after()).ok())
        .and_then(|d| {
            DateTime::<Utc>::from_timestamp(i64::from(d.days) * 86_400 + i64::from(d.secs), 0)
        });
    Ok(CertificateSummary {
        sha256_fingerprint,
        subject,
        not_after,
    })
}
