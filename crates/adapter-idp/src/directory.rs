//! Contracts' ADFS (L8) behind the core's [`Directories`] port: SAML 2.0 through
//! [`crate::saml`], OpenID Connect through the same client and token checks as the federated
//! providers, with a profile built from the contract's settings.
//!
//! Every address here was typed by a contract's owner, so every request goes through a client
//! that refuses internal addresses (loopback, private, link-local …) unless the operator listed
//! the host, besides the rules of all outbound requests (https only unless listed, no
//! redirects, a timeout, a size cap).
//!
//! What this adapter keeps in memory is derived from the store and safe to lose: clients and
//! parsed metadata by connection (rebuilt when the stored settings or document differ), and
//! per-address back-off after a failed due re-read (each instance keeps its own, so a fleet of
//! N instances tries a failing ADFS at most N times per [`IdpSettings::metadata_retry_interval`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use auth_core::domain::{
    AdConnection, AdProtocol, AdSettings, AdSubject, Ceremony, ConnectionId, DirectoryCallback,
    DirectoryEndpoints, MAX_METADATA_BYTES, SamlMetadataSource, Subject,
};
use auth_core::ports::{AccountChoice, Directories, DirectoryAssertion, IdpError};
use chrono::{DateTime, Utc};

use crate::http::{Http, HttpError};
use crate::metadata::Metadata;
use crate::profile::Profile;
use crate::saml::SamlIdp;
use crate::{BuildError, Configured, IdpSettings};

/// Every contract's ADFS.
pub struct AdfsDirectories {
    settings: IdpSettings,
    http: Http,
    /// OpenID Connect clients by connection, with the settings they were built from (an edit
    /// builds a new one, with fresh metadata).
    oidc: Mutex<HashMap<ConnectionId, (AdSettings, Arc<Configured>)>>,
    /// SAML: the parsed IdP by connection, with the document it was parsed from (a new stored
    /// document is parsed again). Parsing an ADFS document costs about a millisecond; see
    /// `docs/benchmarks.md`.
    saml: Mutex<HashMap<ConnectionId, (String, Arc<SamlIdp>)>>,
    /// When a due re-read of a metadata address last failed.
    failed_reads: Mutex<HashMap<String, Instant>>,
}

/// The most connections whose client or parsed metadata is kept; beyond it, entries are
/// dropped (and rebuilt on their next use).
const MAX_CACHED_CONNECTIONS: usize = 512;

/// The most metadata text kept with the parsed IdPs (documents are up to
/// [`MAX_METADATA_BYTES`] each, real ones around 100 KB); beyond it, entries are dropped.
const MAX_CACHED_METADATA_BYTES: usize = 32 * 1024 * 1024;

/// Keeps `value` under `key`, making room first when the map is full.
fn keep<K: std::hash::Hash + Eq + Clone, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_CACHED_CONNECTIONS && !map.contains_key(&key) {
        let victim = map.keys().next().cloned();
        if let Some(victim) = victim {
            map.remove(&victim);
        }
    }
    map.insert(key, value);
}

impl std::fmt::Debug for AdfsDirectories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdfsDirectories")
            .field("insecure_http_hosts", &self.settings.insecure_http_hosts)
            .field("internal_hosts", &self.settings.internal_hosts)
            .finish_non_exhaustive()
    }
}

impl AdfsDirectories {
    /// The adapter with `settings` (its provider list is not used here).
    ///
    /// # Errors
    /// [`BuildError::Http`] when the HTTP client cannot be built.
    pub fn new(settings: IdpSettings) -> Result<Self, BuildError> {
        let http = Http::public_only(
            settings.timeout,
            settings.max_response_bytes.max(MAX_METADATA_BYTES),
            settings.internal_hosts.clone(),
        )
        .map_err(|e| BuildError::Http(e.to_string()))?;
        Ok(Self {
            settings,
            http,
            oidc: Mutex::new(HashMap::new()),
            saml: Mutex::new(HashMap::new()),
            failed_reads: Mutex::new(HashMap::new()),
        })
    }

    /// The OpenID Connect client of `id` for `settings`, built on first use or after an edit.
    fn oidc_client(
        &self,
        id: Option<&ConnectionId>,
        settings: &AdSettings,
    ) -> Result<Arc<Configured>, IdpError> {
        let AdProtocol::Oidc {
            discovery_url,
            client_id,
            client_secret,
        } = &settings.protocol
        else {
            return Err(IdpError::NotConfigured);
        };
        let mut cache = self.oidc.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = id
            && let Some((held, client)) = cache.get(id)
            && held == settings
        {
            return Ok(client.clone());
        }
        self.settings
            .allowed_url(discovery_url.as_str())
            .map_err(|()| {
                IdpError::Rejected("the discovery URL is not an allowed address".into())
            })?;
        let profile = Profile::adfs(discovery_url.as_str(), settings.subject).ok_or_else(|| {
            IdpError::Rejected(
                "the discovery URL must end in /.well-known/openid-configuration".into(),
            )
        })?;
        let client = Arc::new(Configured {
            client_id: client_id.clone(),
            client_secret: secrecy::SecretString::from(client_secret.expose().to_owned()),
            tenants: Vec::new(),
            profile,
            metadata: Metadata::new(),
        });
        if let Some(id) = id {
            keep(&mut cache, id.clone(), (settings.clone(), client.clone()));
        }
        Ok(client)
    }

    /// The parsed IdP of `connection`'s stored metadata, parsed on first use or when the
    /// stored document differs from the one parsed.
    fn saml_idp(&self, connection: &AdConnection) -> Result<Arc<SamlIdp>, IdpError> {
        let doc = connection
            .metadata
            .as_ref()
            .ok_or_else(|| IdpError::Unavailable("no metadata has been read yet".into()))?;
        if let Some((xml, idp)) = self
            .saml
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&connection.id)
            && *xml == doc.xml
        {
            return Ok(idp.clone());
        }
        let idp = Arc::new(
            SamlIdp::from_metadata(&doc.xml)
                .map_err(|e| IdpError::Unavailable(format!("stored metadata: {e}")))?,
        );
        let mut cache = self.saml.lock().unwrap_or_else(PoisonError::into_inner);
        cache.remove(&connection.id);
        let mut held: usize = cache.values().map(|(xml, _)| xml.len()).sum();
        while held + doc.xml.len() > MAX_CACHED_METADATA_BYTES {
            let Some(victim) = cache.keys().next().cloned() else {
                break;
            };
            held -= cache.remove(&victim).map_or(0, |(xml, _)| xml.len());
        }
        keep(
            &mut cache,
            connection.id.clone(),
            (doc.xml.clone(), idp.clone()),
        );
        Ok(idp)
    }

    async fn fetch_metadata(&self, url: &str) -> Result<String, IdpError> {
        let url = self.settings.allowed_url(url).map_err(|()| {
            IdpError::Rejected("the metadata URL is not an allowed address".into())
        })?;
        let bytes = self
            .http
            .get_as(
                &url,
                "application/samlmetadata+xml, application/xml, text/xml",
            )
            .await
            .map_err(|e| match e {
                HttpError::NotAllowed(d) => IdpError::Rejected(format!("metadata: {d}")),
                HttpError::TooLarge(n) => {
                    IdpError::Rejected(format!("metadata: larger than {n} bytes"))
                }
                HttpError::Transport(d) => IdpError::Unavailable(format!("metadata: {d}")),
            })?;
        String::from_utf8(bytes).map_err(|_| IdpError::Rejected("metadata: not UTF-8 text".into()))
    }
}

/// The SAML attribute (claim URI) that names the person, or the NameID.
fn saml_subject(subject: AdSubject) -> crate::saml::SubjectSource {
    match subject.saml_attribute() {
        Some(uri) => crate::saml::SubjectSource::Attribute(uri.to_owned()),
        None => crate::saml::SubjectSource::NameId,
    }
}

#[async_trait]
impl Directories for AdfsDirectories {
    fn allows_http(&self, url: &str) -> bool {
        url.trim().starts_with("http://") && self.settings.allowed_url(url.trim()).is_ok()
    }

    async fn read_metadata(
        &self,
        settings: &AdSettings,
        pasted: Option<&str>,
    ) -> Result<Option<String>, IdpError> {
        match &settings.protocol {
            AdProtocol::Saml { metadata } => {
                let xml = match (metadata, pasted) {
                    (_, Some(pasted)) => pasted.to_owned(),
                    (SamlMetadataSource::Url(url), None) => {
                        self.fetch_metadata(url.as_str()).await?
                    }
                    (SamlMetadataSource::Pasted, None) => {
                        return Err(IdpError::Rejected("no metadata document was given".into()));
                    }
                };
                SamlIdp::from_metadata(&xml)
                    .map_err(|e| IdpError::Rejected(format!("metadata: {e}")))?;
                Ok(Some(xml))
            }
            AdProtocol::Oidc { .. } => {
                let client = self.oidc_client(None, settings)?;
                client.endpoints(&self.http, &self.settings).await?;
                Ok(None)
            }
        }
    }

    async fn refresh_metadata(&self, settings: &AdSettings) -> Result<Option<String>, IdpError> {
        let AdProtocol::Saml {
            metadata: SamlMetadataSource::Url(url),
        } = &settings.protocol
        else {
            return self.read_metadata(settings, None).await;
        };
        let url = url.as_str().to_owned();
        let now = Instant::now();
        if let Some(failed) = self
            .failed_reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&url)
            && now.duration_since(*failed) < self.settings.metadata_retry_interval
        {
            return Err(IdpError::Unavailable(
                "metadata: a recent read failed; not tried again yet".into(),
            ));
        }
        let read = self.read_metadata(settings, None).await;
        let mut failed = self
            .failed_reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match &read {
            Ok(_) => {
                failed.remove(&url);
            }
            Err(_) => keep(&mut failed, url, Instant::now()),
        }
        read
    }

    async fn authorization_url(
        &self,
        connection: &AdConnection,
        ceremony: &Ceremony,
        endpoints: &DirectoryEndpoints<'_>,
        now: DateTime<Utc>,
    ) -> Result<String, IdpError> {
        match &connection.settings.protocol {
            AdProtocol::Saml { .. } => {
                let idp = self.saml_idp(connection)?;
                // The person's ADFS sign-in travels to this address: https only (plain http
                // only for listed hosts), as every other address.
                self.settings.allowed_url(idp.sso_url()).map_err(|()| {
                    IdpError::Unavailable(
                        "the metadata's sign-in address is not an allowed address".into(),
                    )
                })?;
                crate::saml::authn_request_url(
                    &idp,
                    &crate::saml::ServiceProvider {
                        entity_id: endpoints.entity_id,
                        acs_url: endpoints.saml_acs,
                    },
                    &ceremony.saml_request_id(),
                    &ceremony.state(),
                    now,
                )
                .map_err(|e| IdpError::Unavailable(format!("SAML request: {e}")))
            }
            AdProtocol::Oidc { .. } => {
                self.oidc_client(Some(&connection.id), &connection.settings)?
                    .authorization_url(
                        &self.http,
                        &self.settings,
                        ceremony,
                        endpoints.oidc_redirect,
                        AccountChoice::Current,
                    )
                    .await
            }
        }
    }

    async fn finish(
        &self,
        connection: &AdConnection,
        callback: &DirectoryCallback,
        ceremony: &Ceremony,
        endpoints: &DirectoryEndpoints<'_>,
        now: DateTime<Utc>,
    ) -> Result<DirectoryAssertion, IdpError> {
        match (&connection.settings.protocol, callback) {
            (AdProtocol::Saml { .. }, DirectoryCallback::Saml { response }) => {
                let idp = self.saml_idp(connection)?;
                let request_id = ceremony.saml_request_id();
                let source = saml_subject(connection.settings.subject);
                let verified = crate::saml::verify_response(
                    &idp,
                    response,
                    &crate::saml::Expected {
                        sp: crate::saml::ServiceProvider {
                            entity_id: endpoints.entity_id,
                            acs_url: endpoints.saml_acs,
                        },
                        request_id: &request_id,
                        now,
                        subject: &source,
                    },
                )
                .map_err(|e| IdpError::Rejected(format!("SAML response: {e}")))?;
                Ok(DirectoryAssertion {
                    subject: Subject::parse(&verified.subject)
                        .map_err(|e| IdpError::Rejected(format!("subject: {e}")))?,
                    assertion: Some((verified.assertion_id, verified.not_on_or_after)),
                })
            }
            (AdProtocol::Oidc { .. }, DirectoryCallback::Oidc(callback)) => {
                let verified = self
                    .oidc_client(Some(&connection.id), &connection.settings)?
                    .finish(
                        &self.http,
                        &self.settings,
                        callback,
                        ceremony,
                        endpoints.oidc_redirect,
                        now,
                    )
                    .await?;
                Ok(DirectoryAssertion {
                    subject: verified.subject,
                    assertion: None,
                })
            }
            _ => Err(IdpError::Rejected(
                "the answer's protocol is not the connection's".into(),
            )),
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use auth_core::domain::{HttpsUrl, MetadataDocument};
    use auth_core::testing::SeededSecrets;
    use base64::Engine as _;

    use super::*;
    use crate::saml_testing::TestKey;

    fn metadata(sso: &str, key: &TestKey) -> String {
        let cert = base64::engine::general_purpose::STANDARD.encode(&key.cert_der);
        format!(
            r#"<EntityDescriptor entityID="http://adfs.example.co.jp/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso}"/></IDPSSODescriptor></EntityDescriptor>"#
        )
    }

    #[tokio::test]
    async fn d1_a_new_stored_metadata_document_is_used_at_once_not_the_parsed_copy() {
        let key = TestKey::generate("adfs").unwrap();
        #[allow(clippy::disallowed_methods)]
        let now = chrono::Utc::now();
        let mut connection = AdConnection {
            id: ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap(),
            settings: AdSettings {
                protocol: AdProtocol::Saml {
                    metadata: SamlMetadataSource::Url(
                        HttpsUrl::parse("https://adfs.example.co.jp/m.xml").unwrap(),
                    ),
                },
                subject: AdSubject::Persistent,
            },
            metadata: Some(MetadataDocument {
                xml: metadata("https://old.example.co.jp/adfs/ls/", &key),
                read_at: now,
            }),
            enabled_at: now,
            turned_off_at: None,
            revision: 1,
        };
        let endpoints = DirectoryEndpoints {
            entity_id: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu",
            saml_acs: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu/saml",
            oidc_redirect: "https://tobira.example.jp/ad/adfs-abcdefghjkmnpqrstu/oidc",
        };
        let ceremony = Ceremony::generate(&SeededSecrets::new(1));
        let directories = AdfsDirectories::new(IdpSettings::default()).unwrap();
        for _ in 0..2 {
            let url = directories
                .authorization_url(&connection, &ceremony, &endpoints, now)
                .await
                .unwrap();
            assert!(
                url.starts_with("https://old.example.co.jp/adfs/ls/?"),
                "{url}"
            );
        }
        connection.metadata = Some(MetadataDocument {
            xml: metadata("https://new.example.co.jp/adfs/ls/", &key),
            read_at: now,
        });
        let url = directories
            .authorization_url(&connection, &ceremony, &endpoints, now)
            .await
            .unwrap();
        assert!(
            url.starts_with("https://new.example.co.jp/adfs/ls/?"),
            "{url}"
        );
    }
}
