//! A contract's Active Directory connection (D1, L8): which ADFS, over which protocol, which
//! claim names the person, and whether it is on.
//!
//! ```text
//!   (none) ──turn on──▶ On ──turn off──▶ Off ──turn on──▶ On      (the connection ID stays)
//!                        │ ▲
//!                        └─┘ edit, re-read metadata
//! ```
//!
//! The protocol work happens in an adapter behind the
//! [`Directories`](crate::ports::Directories) port; the core keeps the settings, the SAML
//! metadata document last read (shared by every instance through the store) and decides when
//! it is read again.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use super::ConnectionId;

/// How often a SAML metadata document fetched from a URL is read again: ADFS publishes its
/// next token-signing certificate in the metadata before it starts signing with it, so a daily
/// read keeps sign-ins working through a certificate rollover.
pub const METADATA_REFRESH_INTERVAL: Duration = Duration::hours(24);

/// Longest URL, client ID or secret accepted in the settings.
pub(crate) const MAX_SETTING_CHARS: usize = 2000;

/// Largest metadata document accepted (pasted or fetched), in bytes.
pub const MAX_METADATA_BYTES: usize = 512 * 1024;

/// Why the owner's AD settings were refused; each names its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AdSettingsError {
    /// The metadata or discovery URL is not an `https` URL (or too long).
    #[error("the metadata URL must be an https:// address")]
    MetadataUrl,
    /// SAML needs a metadata URL or a pasted document, not both and not neither.
    #[error("give either the federation metadata URL or the metadata document")]
    MetadataSource,
    /// The pasted metadata document is empty or too large.
    #[error("the metadata document is empty or larger than 512 KiB")]
    MetadataDocument,
    /// The OpenID Connect client ID is empty, too long or has control characters.
    #[error("the client ID must be 1 to 2000 printable characters")]
    ClientId,
    /// The OpenID Connect client secret is empty, too long or has control characters.
    #[error("the client secret must be 1 to 2000 printable characters")]
    ClientSecret,
    /// The protocol is neither SAML 2.0 nor OpenID Connect.
    #[error("choose SAML 2.0 or OpenID Connect")]
    Protocol,
    /// The subject choice is not one offered.
    #[error("choose the NameID, the UPN or the object GUID")]
    Subject,
}

/// An `https` URL given in the AD settings (federation metadata or OpenID discovery).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpsUrl(String);

impl HttpsUrl {
    /// Parses a URL as typed (surrounding white space ignored).
    ///
    /// # Errors
    /// [`AdSettingsError::MetadataUrl`] unless `https://` and a host, at most 2,000 characters,
    /// with no white space or control characters.
    pub fn parse(raw: &str) -> Result<Self, AdSettingsError> {
        let url = raw.trim();
        let host = url.strip_prefix("https://").unwrap_or_default();
        if host.is_empty()
            || host.starts_with('/')
            || url.len() > MAX_SETTING_CHARS
            || url.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(AdSettingsError::MetadataUrl);
        }
        Ok(Self(url.to_owned()))
    }

    /// Parses a URL that an operator allowed over plain `http` (test and private deployments
    /// only: the adapter still refuses hosts the operator did not list).
    ///
    /// # Errors
    /// As [`HttpsUrl::parse`], with `http://` accepted too.
    pub fn parse_allowing_http(raw: &str) -> Result<Self, AdSettingsError> {
        let url = raw.trim();
        match url.strip_prefix("http://") {
            Some(rest) => Self::parse(&format!("https://{rest}"))
                .map(|_| Self(url.to_owned()))
                .map_err(|_| AdSettingsError::MetadataUrl),
            None => Self::parse(url),
        }
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HttpsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpsUrl({})", self.0)
    }
}

/// A secret the owner typed (the OpenID Connect client secret): never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecretText(String);

impl ClientSecretText {
    /// Checks a secret as typed.
    ///
    /// # Errors
    /// [`AdSettingsError::ClientSecret`] when empty, over 2,000 characters or holding a control
    /// character.
    pub fn parse(raw: &str) -> Result<Self, AdSettingsError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > MAX_SETTING_CHARS || s.chars().any(char::is_control) {
            return Err(AdSettingsError::ClientSecret);
        }
        Ok(Self(s.to_owned()))
    }

    /// The secret, for the adapter that sends it to the token endpoint and the store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecretText(<redacted>)")
    }
}

/// Which value of the ADFS answer is the person's stable identifier (the subject bound to the
/// account). ADFS sends what its claim rules issue; the owner picks one that never changes for
/// a person and is never reused for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdSubject {
    /// SAML: the persistent `NameID`; OpenID Connect: `sub`. The default.
    #[default]
    Persistent,
    /// The user principal name: SAML claim
    /// `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn`, OpenID Connect `upn`.
    Upn,
    /// The directory object's GUID: SAML claim
    /// `http://schemas.microsoft.com/identity/claims/objectidentifier`, OpenID Connect `oid`.
    ObjectGuid,
}

impl AdSubject {
    /// Every choice, in display order.
    pub const ALL: [Self; 3] = [Self::Persistent, Self::Upn, Self::ObjectGuid];

    /// Stable name for storage and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Persistent => "persistent",
            Self::Upn => "upn",
            Self::ObjectGuid => "object-guid",
        }
    }

    /// The choice named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The SAML attribute (ADFS claim URI) carrying it; `None` for the NameID.
    pub fn saml_attribute(self) -> Option<&'static str> {
        match self {
            Self::Persistent => None,
            Self::Upn => Some("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"),
            Self::ObjectGuid => {
                Some("http://schemas.microsoft.com/identity/claims/objectidentifier")
            }
        }
    }

    /// The ID-token claim carrying it.
    pub fn oidc_claim(self) -> &'static str {
        match self {
            Self::Persistent => "sub",
            Self::Upn => "upn",
            Self::ObjectGuid => "oid",
        }
    }
}

/// Where a SAML connection's metadata comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlMetadataSource {
    /// The federation metadata URL (`https://HOST/FederationMetadata/2007-06/FederationMetadata.xml`),
    /// read when saved and again every [`METADATA_REFRESH_INTERVAL`].
    Url(HttpsUrl),
    /// A document the owner pasted or uploaded; replaced only by the owner.
    Pasted,
}

/// The protocol and its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdProtocol {
    /// SAML 2.0 (every ADFS version).
    Saml {
        /// Where the metadata comes from.
        metadata: SamlMetadataSource,
    },
    /// OpenID Connect (ADFS 2016 and later), an application group's server application.
    Oidc {
        /// The discovery document's URL (`https://HOST/adfs/.well-known/openid-configuration`).
        discovery_url: HttpsUrl,
        /// The client identifier ADFS gave.
        client_id: String,
        /// Its secret.
        client_secret: ClientSecretText,
    },
}

impl AdProtocol {
    /// Stable name for storage and forms: `saml` or `oidc`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Saml { .. } => "saml",
            Self::Oidc { .. } => "oidc",
        }
    }
}

/// A metadata document as last read, shared by every instance through the store.
#[derive(Clone, PartialEq, Eq)]
pub struct MetadataDocument {
    /// The XML text, checked by the adapter when it was read.
    pub xml: String,
    /// When it was read (or pasted).
    pub read_at: DateTime<Utc>,
}

impl fmt::Debug for MetadataDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataDocument")
            .field("bytes", &self.xml.len())
            .field("read_at", &self.read_at)
            .finish()
    }
}

/// What the owner asked for, checked: the input of turning on and of editing (D1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSettings {
    /// Protocol and its details.
    pub protocol: AdProtocol,
    /// Which value names the person.
    pub subject: AdSubject,
}

/// The owner's AD settings form as typed.
#[derive(Clone, Default)]
pub struct AdSettingsInput<'a> {
    /// `saml` or `oidc`.
    pub protocol: &'a str,
    /// SAML: the federation metadata URL; OpenID Connect: the discovery URL.
    pub metadata_url: &'a str,
    /// SAML: the metadata document pasted or uploaded instead of a URL.
    pub metadata_xml: &'a str,
    /// OpenID Connect: client ID.
    pub client_id: &'a str,
    /// OpenID Connect: client secret; empty when editing keeps the stored one.
    pub client_secret: &'a str,
    /// Which value names the person ([`AdSubject::as_str`]); empty for the default.
    pub subject: &'a str,
}

impl fmt::Debug for AdSettingsInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdSettingsInput")
            .field("protocol", &self.protocol)
            .field("metadata_url", &self.metadata_url)
            .field("metadata_xml_bytes", &self.metadata_xml.len())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("subject", &self.subject)
            .finish()
    }
}

/// Why a settings form was refused: the field and the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{field}: {rule}")]
pub struct AdFieldError {
    /// The form field (`protocol`, `metadata_url`, `metadata_xml`, `client_id`,
    /// `client_secret`, `subject`).
    pub field: &'static str,
    /// The rule it broke.
    pub rule: AdSettingsError,
}

impl<'a> AdSettingsInput<'a> {
    /// Checks the form. `kept_secret` is the stored client secret an edit may keep by leaving
    /// the field empty; `allow_http` accepts `http://` URLs (hosts the operator listed).
    ///
    /// # Errors
    /// The first [`AdFieldError`].
    pub fn check(
        &self,
        kept_secret: Option<&ClientSecretText>,
        allow_http: bool,
    ) -> Result<(AdSettings, Option<&'a str>), AdFieldError> {
        let err = |field, rule| AdFieldError { field, rule };
        let url = |raw: &str| {
            if allow_http {
                HttpsUrl::parse_allowing_http(raw)
            } else {
                HttpsUrl::parse(raw)
            }
        };
        let subject = match self.subject.trim() {
            "" => AdSubject::default(),
            name => AdSubject::from_name(name)
                .ok_or_else(|| err("subject", AdSettingsError::Subject))?,
        };
        match self.protocol.trim() {
            "" | "saml" => {
                let has_url = !self.metadata_url.trim().is_empty();
                let has_xml = !self.metadata_xml.trim().is_empty();
                let (metadata, pasted) = match (has_url, has_xml) {
                    (true, false) => (
                        SamlMetadataSource::Url(
                            url(self.metadata_url).map_err(|r| err("metadata_url", r))?,
                        ),
                        None,
                    ),
                    (false, true) => {
                        let xml = self.metadata_xml.trim();
                        if xml.len() > MAX_METADATA_BYTES {
                            return Err(err("metadata_xml", AdSettingsError::MetadataDocument));
                        }
                        (SamlMetadataSource::Pasted, Some(xml))
                    }
                    _ => return Err(err("metadata_url", AdSettingsError::MetadataSource)),
                };
                Ok((
                    AdSettings {
                        protocol: AdProtocol::Saml { metadata },
                        subject,
                    },
                    pasted,
                ))
            }
            "oidc" => {
                let discovery_url = url(self.metadata_url).map_err(|r| err("metadata_url", r))?;
                let client_id = self.client_id.trim();
                if client_id.is_empty()
                    || client_id.len() > MAX_SETTING_CHARS
                    || client_id.chars().any(char::is_control)
                {
                    return Err(err("client_id", AdSettingsError::ClientId));
                }
                let client_secret = match (self.client_secret.trim(), kept_secret) {
                    ("", Some(kept)) => kept.clone(),
                    (typed, _) => {
                        ClientSecretText::parse(typed).map_err(|r| err("client_secret", r))?
                    }
                };
                Ok((
                    AdSettings {
                        protocol: AdProtocol::Oidc {
                            discovery_url,
                            client_id: client_id.to_owned(),
                            client_secret,
                        },
                        subject,
                    },
                    None,
                ))
            }
            _ => Err(err("protocol", AdSettingsError::Protocol)),
        }
    }
}

/// A contract's Active Directory connection (D1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdConnection {
    /// The connection ID users may be asked for (L8); kept for the contract's lifetime.
    pub id: ConnectionId,
    /// Protocol, details and subject choice.
    pub settings: AdSettings,
    /// SAML: the metadata document last read or pasted.
    pub metadata: Option<MetadataDocument>,
    /// When it was first turned on.
    pub enabled_at: DateTime<Utc>,
    /// When it was turned off; `None` while it is on.
    pub turned_off_at: Option<DateTime<Utc>>,
    /// The store's revision of the connection: a save names the revision it read and applies
    /// only over it (compare-and-swap), and the store advances it, so a change made meanwhile
    /// (an edit, turning off, a re-read) is never undone by a slower one.
    pub revision: u64,
}

impl AdConnection {
    /// Whether people may sign in through it.
    pub fn is_on(&self) -> bool {
        self.turned_off_at.is_none()
    }

    /// Whether its metadata comes from a URL and was last read more than
    /// [`METADATA_REFRESH_INTERVAL`] before `now` (or never).
    pub fn metadata_is_stale(&self, now: DateTime<Utc>) -> bool {
        match (&self.settings.protocol, &self.metadata) {
            (
                AdProtocol::Saml {
                    metadata: SamlMetadataSource::Url(_),
                },
                Some(doc),
            ) => now - doc.read_at >= METADATA_REFRESH_INTERVAL,
            (
                AdProtocol::Saml {
                    metadata: SamlMetadataSource::Url(_),
                },
                None,
            ) => true,
            _ => false,
        }
    }
}

/// The addresses tobira answers a contract's ADFS on, for one channel.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryEndpoints<'a> {
    /// SAML: tobira's entity ID for this contract (the relying party identifier and the
    /// assertion's Audience).
    pub entity_id: &'a str,
    /// SAML: the assertion consumer address (HTTP-POST binding) on the browser's channel.
    pub saml_acs: &'a str,
    /// OpenID Connect: the redirect URI on the browser's channel.
    pub oidc_redirect: &'a str,
}

/// What came back from ADFS, as the browser delivered it.
#[derive(Clone)]
pub enum DirectoryCallback {
    /// SAML HTTP-POST binding: the base64 `SAMLResponse` (the `RelayState` is the ceremony's
    /// `state`).
    Saml {
        /// The `SAMLResponse` form field.
        response: String,
    },
    /// OpenID Connect: the redirect's query.
    Oidc(super::ProviderCallback),
}

impl fmt::Debug for DirectoryCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Saml { response } => write!(f, "Saml(<{} bytes>)", response.len()),
            Self::Oidc(c) => f.debug_tuple("Oidc").field(c).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(protocol: &'a str, url: &'a str) -> AdSettingsInput<'a> {
        AdSettingsInput {
            protocol,
            metadata_url: url,
            ..AdSettingsInput::default()
        }
    }

    #[test]
    fn d1_saml_needs_exactly_one_metadata_source() {
        let url = "https://adfs.example.co.jp/FederationMetadata/2007-06/FederationMetadata.xml";
        let (settings, pasted) = input("saml", url).check(None, false).unwrap();
        assert!(pasted.is_none());
        assert_eq!(settings.subject, AdSubject::Persistent);
        let neither = input("saml", "").check(None, false).unwrap_err();
        assert_eq!(neither.field, "metadata_url");
        let both = AdSettingsInput {
            metadata_xml: "<EntityDescriptor/>",
            ..input("saml", url)
        };
        assert_eq!(
            both.check(None, false).unwrap_err().rule,
            AdSettingsError::MetadataSource
        );
        let pasted = AdSettingsInput {
            metadata_xml: " <EntityDescriptor/> ",
            ..input("saml", "")
        };
        assert_eq!(
            pasted.check(None, false).unwrap().1,
            Some("<EntityDescriptor/>")
        );
    }

    #[test]
    fn d1_urls_are_https_unless_the_operator_allows_http() {
        for bad in [
            "http://adfs.example",
            "https://",
            "https:///x",
            "ftp://x",
            "https://a b",
        ] {
            assert_eq!(
                input("saml", bad).check(None, false).unwrap_err(),
                AdFieldError {
                    field: "metadata_url",
                    rule: AdSettingsError::MetadataUrl
                },
                "{bad}"
            );
        }
        assert!(
            input("saml", "http://127.0.0.1:8080/m.xml")
                .check(None, true)
                .is_ok()
        );
        assert!(input("saml", "http://").check(None, true).is_err());
    }

    #[test]
    fn d1_oidc_needs_client_id_and_secret_and_an_edit_may_keep_the_secret() {
        let base = AdSettingsInput {
            client_id: "tobira",
            client_secret: "s3cret",
            subject: "upn",
            ..input(
                "oidc",
                "https://adfs.example.co.jp/adfs/.well-known/openid-configuration",
            )
        };
        let (settings, _) = base.check(None, false).unwrap();
        assert_eq!(settings.subject, AdSubject::Upn);
        let no_id = AdSettingsInput {
            client_id: " ",
            ..base.clone()
        };
        assert_eq!(no_id.check(None, false).unwrap_err().field, "client_id");
        let no_secret = AdSettingsInput {
            client_secret: "",
            ..base.clone()
        };
        assert_eq!(
            no_secret.check(None, false).unwrap_err().field,
            "client_secret"
        );
        let kept = ClientSecretText::parse("kept").unwrap();
        let (edited, _) = no_secret.check(Some(&kept), false).unwrap();
        assert!(matches!(
            edited.protocol,
            AdProtocol::Oidc { client_secret, .. } if client_secret == kept
        ));
        let bad_subject = AdSettingsInput {
            subject: "email",
            ..base
        };
        assert_eq!(bad_subject.check(None, false).unwrap_err().field, "subject");
    }

    #[test]
    fn d1_settings_never_print_the_client_secret() {
        let typed = AdSettingsInput {
            client_secret: "hunter2-secret",
            ..input("oidc", "https://x")
        };
        assert!(!format!("{typed:?}").contains("hunter2"));
        let secret = ClientSecretText::parse("hunter2-secret").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn d1_url_metadata_is_read_again_after_a_day_and_pasted_never() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let mut c = AdConnection {
            id: ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap(),
            settings: AdSettings {
                protocol: AdProtocol::Saml {
                    metadata: SamlMetadataSource::Url(HttpsUrl::parse("https://a/m").unwrap()),
                },
                subject: AdSubject::Persistent,
            },
            metadata: Some(MetadataDocument {
                xml: "<x/>".into(),
                read_at: t0,
            }),
            enabled_at: t0,
            turned_off_at: None,
            revision: 0,
        };
        assert!(!c.metadata_is_stale(t0 + Duration::hours(23)));
        assert!(c.metadata_is_stale(t0 + Duration::hours(24)));
        c.settings.protocol = AdProtocol::Saml {
            metadata: SamlMetadataSource::Pasted,
        };
        assert!(!c.metadata_is_stale(t0 + Duration::days(400)));
    }
}
