//! A provider's metadata and signing keys, read on first use and kept for a while.
//!
//! Keys are read again when they are older than the metadata lifetime, and when a token names
//! a `kid` no cached key has — at most once per refetch interval, so a flood of tokens with
//! invented `kid`s costs the provider one request per interval. A key published without a `kid`
//! (d-account) is a candidate for any `kid`; every candidate is tried in turn and the signature
//! decides. When a refresh fails, the copy already held keeps serving (a provider's brief
//! outage does not stop sign-ins), and while nothing is held a failed read is not repeated for
//! a few seconds (waiting browsers fail fast instead of queueing behind timeouts).

use std::time::{Duration, Instant};

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
    failed_at: Option<Instant>,
}

#[derive(Default)]
struct EndpointCache {
    endpoints: Option<(Endpoints, Instant)>,
    failed: Option<(Instant, String)>,
}

/// After a failed read with nothing cached, how long further requests fail at once.
const FAIL_FAST: Duration = Duration::from_secs(5);

/// Cached metadata and keys of one provider.
pub(crate) struct Metadata {
    endpoints: Mutex<EndpointCache>,
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
            endpoints: Mutex::new(EndpointCache::default()),
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
        let mut cache = self.endpoints.lock().await;
        if let Some((endpoints, at)) = cache.endpoints.as_ref()
            && at.elapsed() < settings.metadata_ttl
        {
            return Ok(endpoints.clone());
        }
        if cache.endpoints.is_none()
            && let Some((at, error)) = &cache.failed
            && at.elapsed() < FAIL_FAST
        {
            return Err(MetadataError::Unavailable(error.clone()));
        }
        match read_endpoints(profile, http, settings).await {
            Ok(endpoints) => {
                cache.endpoints = Some((endpoints.clone(), Instant::now()));
                cache.failed = None;
                Ok(endpoints)
            }
            Err(MetadataError::Unavailable(e)) => match &cache.endpoints {
                Some((endpoints, _)) => {
                    tracing::warn!(error = %e, "provider metadata could not be refreshed; the copy held is used");
                    Ok(endpoints.clone())
                }
                None => {
                    cache.failed = Some((Instant::now(), e.clone()));
                    Err(MetadataError::Unavailable(e))
                }
            },
            Err(untrusted) => Err(untrusted),
        }
    }

    /// The signing keys that may have signed a token naming `kid`, each as a key set of its
    /// own so that every candidate is tried.
    pub(crate) async fn candidate_keys(
        &self,
        kid: Option<&str>,
        endpoints: &Endpoints,
        http: &Http,
        settings: &IdpSettings,
    ) -> Result<Vec<CoreJsonWebKeySet>, MetadataError> {
        let mut cache = self.keys.lock().await;
        let stale = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= settings.metadata_ttl);
        if stale {
            refresh_keys(&mut cache, &endpoints.jwks, http).await?;
        } else if let Some(kid) = kid
            && !has_exact(&cache.keys, kid)
            && cache
                .kid_refetched_at
                .is_none_or(|at| at.elapsed() >= settings.jwks_refetch_interval)
        {
            // A key no cached key names: perhaps rotated since the last read. Read once more.
            cache.kid_refetched_at = Some(Instant::now());
            refresh_keys(&mut cache, &endpoints.jwks, http).await?;
        }
        let exact: Vec<Value> = match kid {
            Some(kid) => cache
                .keys
                .iter()
                .filter(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
                .cloned()
                .collect(),
            None => cache.keys.clone(),
        };
        let candidates = if exact.is_empty() {
            // Keys published without a `kid` may have signed any token; name each as the
            // token does so the library considers it.
            cache
                .keys
                .iter()
                .filter(|k| k.get("kid").is_none())
                .map(|k| {
                    let mut key = k.clone();
                    if let (Some(map), Some(kid)) = (key.as_object_mut(), kid) {
                        map.insert("kid".into(), Value::String(kid.to_owned()));
                    }
                    key
                })
                .collect()
        } else {
            exact
        };
        candidates
            .into_iter()
            .map(|key| {
                serde_json::from_value(serde_json::json!({ "keys": [key] }))
                    .map_err(|_| MetadataError::Unavailable("keys: unreadable key set".into()))
            })
            .collect()
    }
}

async fn read_endpoints(
    profile: &Profile,
    http: &Http,
    settings: &IdpSettings,
) -> Result<Endpoints, MetadataError> {
    let url = allowed(settings, &profile.discovery_url)?;
    {
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
        Ok(Endpoints {
            authorization: allowed(settings, &doc.authorization_endpoint)?,
            token: allowed(settings, &doc.token_endpoint)?,
            jwks: allowed(settings, &doc.jwks_uri)?,
            iss_parameter: doc.authorization_response_iss_parameter_supported,
        })
    }
}

/// Reads the key set into `cache`; on failure keeps what it held (and fails only when it held
/// nothing), not retrying for a few seconds.
async fn refresh_keys(cache: &mut KeyCache, url: &Url, http: &Http) -> Result<(), MetadataError> {
    if cache.fetched_at.is_none() && cache.failed_at.is_some_and(|at| at.elapsed() < FAIL_FAST) {
        return Err(MetadataError::Unavailable(
            "keys: recently unreachable".into(),
        ));
    }
    match fetch_keys(url, http).await {
        Ok(keys) => {
            cache.keys = keys;
            cache.fetched_at = Some(Instant::now());
            cache.failed_at = None;
            Ok(())
        }
        Err(e) if cache.fetched_at.is_some() => {
            tracing::warn!(error = %e, "provider keys could not be refreshed; the keys held are used");
            Ok(())
        }
        Err(e) => {
            cache.failed_at = Some(Instant::now());
            Err(e)
        }
    }
}

/// Whether a key in `keys` is named `kid`.
fn has_exact(keys: &[Value], kid: &str) -> bool {
    keys.iter()
        .any(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
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
