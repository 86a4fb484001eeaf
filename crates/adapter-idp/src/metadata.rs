//! A provider's metadata and signing keys, read on first use and kept for a while.
//!
//! Keys are read again when they are older than the metadata lifetime, and when a token names
//! a `kid` the cached set lacks — at most once per refetch interval, so a flood of tokens with
//! invented `kid`s costs the provider one request per interval. A key published without a `kid`
//! (d-account) is a candidate for any `kid`; the signature still decides.

use std::time::Instant;

use openidconnect::core::CoreJsonWebKeySet;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::http::Http;
use crate::profile::Profile;
use crate::settings::IdpSettings;

/// The endpoints of a provider, from its metadata, checked against its profile.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub(crate) authorization: Url,
    pub(crate) token: Url,
    pub(crate) jwks: Url,
    /// RFC 9207: the provider puts `iss` in its authorization responses.
    pub(crate) iss_parameter: bool,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

#[derive(Default)]
struct KeyCache {
    keys: Vec<Value>,
    fetched_at: Option<Instant>,
    kid_refetched_at: Option<Instant>,
}

/// Cached metadata and keys of one provider.
pub(crate) struct Metadata {
    endpoints: Mutex<Option<(Endpoints, Instant)>>,
    keys: Mutex<KeyCache>,
}

/// Why metadata or keys could not be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MetadataError {
    /// Unreachable, not 200, too large, not JSON.
    #[error("{0}")]
    Unavailable(String),
    /// Readable, but not this provider's (issuer) or not an allowed address.
    #[error("{0}")]
    Untrusted(String),
}

impl Metadata {
    pub(crate) fn new() -> Self {
        Self {
            endpoints: Mutex::new(None),
            keys: Mutex::new(KeyCache::default()),
        }
    }

    /// The provider's endpoints, read when missing or older than the metadata lifetime.
    pub(crate) async fn endpoints(
        &self,
        profile: &Profile,
        http: &Http,
        settings: &IdpSettings,
    ) -> Result<Endpoints, MetadataError> {
        let mut cached = self.endpoints.lock().await;
        if let Some((endpoints, at)) = cached.as_ref()
            && at.elapsed() < settings.metadata_ttl
        {
            return Ok(endpoints.clone());
        }
        let url = allowed(settings, &profile.discovery_url)?;
        let body = http
            .get(&url)
            .await
            .map_err(|e| MetadataError::Unavailable(format!("metadata: {e}")))?;
        let doc: Discovery = serde_json::from_slice(&body)
            .map_err(|_| MetadataError::Unavailable("metadata: not a discovery document".into()))?;
        if !profile.accepts_metadata_issuer(&doc.issuer) {
            return Err(MetadataError::Untrusted(format!(
                "metadata names issuer {:?}, not this provider's",
                doc.issuer
            )));
        }
        let endpoints = Endpoints {
            authorization: allowed(settings, &doc.authorization_endpoint)?,
            token: allowed(settings, &doc.token_endpoint)?,
            jwks: allowed(settings, &doc.jwks_uri)?,
            iss_parameter: doc.authorization_response_iss_parameter_supported,
        };
        *cached = Some((endpoints.clone(), Instant::now()));
        Ok(endpoints)
    }

    /// The signing keys that may have signed a token naming `kid`.
    pub(crate) async fn keys_for(
        &self,
        kid: Option<&str>,
        endpoints: &Endpoints,
        http: &Http,
        settings: &IdpSettings,
    ) -> Result<CoreJsonWebKeySet, MetadataError> {
        let mut cache = self.keys.lock().await;
        let stale = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= settings.metadata_ttl);
        if stale {
            cache.keys = fetch_keys(&endpoints.jwks, http).await?;
            cache.fetched_at = Some(Instant::now());
        }
        if let Some(kid) = kid
            && !has_candidate(&cache.keys, kid)
            && !stale
            && cache
                .kid_refetched_at
                .is_none_or(|at| at.elapsed() >= settings.jwks_refetch_interval)
        {
            // An unknown key: perhaps rotated since the last read. Read once more.
            cache.kid_refetched_at = Some(Instant::now());
            cache.keys = fetch_keys(&endpoints.jwks, http).await?;
            cache.fetched_at = Some(Instant::now());
        }
        let keys: Vec<Value> = cache
            .keys
            .iter()
            .filter_map(|key| match (kid, key.get("kid")) {
                (Some(kid), Some(k)) => (k.as_str() == Some(kid)).then(|| key.clone()),
                // A key without a `kid` may have signed any token; name it as the token does
                // so the library considers it.
                (Some(kid), None) => {
                    let mut key = key.clone();
                    if let Some(map) = key.as_object_mut() {
                        map.insert("kid".into(), Value::String(kid.to_owned()));
                    }
                    Some(key)
                }
                (None, _) => Some(key.clone()),
            })
            .collect();
        serde_json::from_value(serde_json::json!({ "keys": keys }))
            .map_err(|_| MetadataError::Unavailable("keys: unreadable key set".into()))
    }
}

/// Whether a key in `keys` may verify a token naming `kid`.
fn has_candidate(keys: &[Value], kid: &str) -> bool {
    keys.iter().any(|k| match k.get("kid") {
        Some(k) => k.as_str() == Some(kid),
        None => true,
    })
}

async fn fetch_keys(url: &Url, http: &Http) -> Result<Vec<Value>, MetadataError> {
    let body = http
        .get(url)
        .await
        .map_err(|e| MetadataError::Unavailable(format!("keys: {e}")))?;
    let doc: Value = serde_json::from_slice(&body)
        .map_err(|_| MetadataError::Unavailable("keys: not JSON".into()))?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| MetadataError::Unavailable("keys: no key set".into()))?;
    // Encryption keys never verify a signature.
    Ok(keys
        .iter()
        .filter(|k| k.get("use").is_none_or(|u| u.as_str() == Some("sig")))
        .cloned()
        .collect())
}

fn allowed(settings: &IdpSettings, url: &str) -> Result<Url, MetadataError> {
    settings
        .allowed_url(url)
        .map_err(|()| MetadataError::Untrusted(format!("address not allowed: {url}")))
}
