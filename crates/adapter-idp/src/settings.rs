//! What an operator configures per provider, and the checks done once at start-up.

use std::fmt;
use std::time::Duration;

use auth_core::domain::Provider;
use secrecy::{ExposeSecret as _, SecretString};
use thiserror::Error;
use url::Url;

/// One federated provider as the operator configured it.
#[derive(Clone)]
pub struct ProviderSettings {
    /// Which provider.
    pub provider: Provider,
    /// The client ID registered at the provider.
    pub client_id: String,
    /// The client secret registered at the provider (also the HS256 key of d-account).
    pub client_secret: SecretString,
    /// Where to read the provider's metadata; `None`: the provider's public address.
    pub discovery_url: Option<String>,
    /// The issuer the metadata and ID tokens must name; `None`: the provider's public issuer.
    /// For Microsoft it may hold `{tenantid}`.
    pub issuer: Option<String>,
    /// Microsoft only: the tenants allowed to sign in; empty allows any tenant.
    pub tenants: Vec<String>,
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("discovery_url", &self.discovery_url)
            .field("issuer", &self.issuer)
            .field("tenants", &self.tenants)
            .finish()
    }
}

/// Everything the adapter needs.
#[derive(Debug, Clone)]
pub struct IdpSettings {
    /// The configured providers.
    pub providers: Vec<ProviderSettings>,
    /// Hosts reached over plain `http` (test and private deployments); every other address
    /// must be `https`.
    pub insecure_http_hosts: Vec<String>,
    /// Hosts of contracts' ADFS (addresses that owners type) that may resolve to loopback or
    /// private addresses; every other such host is refused (tests and private deployments).
    pub internal_hosts: Vec<String>,
    /// Bound on one request to a provider (connect, send, read).
    pub timeout: Duration,
    /// Largest response body read from a provider.
    pub max_response_bytes: usize,
    /// How long metadata and keys are kept before they are read again.
    pub metadata_ttl: Duration,
    /// The least time between two key-set reads caused by an unknown `kid`.
    pub jwks_refetch_interval: Duration,
    /// After a due re-read of a contract's ADFS metadata failed, how long sign-in starts use
    /// the copy held without trying again (per instance).
    pub metadata_retry_interval: Duration,
    /// Tolerated clock difference for `iat` and `nbf` in the future.
    pub clock_skew: Duration,
}

impl Default for IdpSettings {
    fn default() -> Self {
        Self {
            providers: Vec::new(),
            insecure_http_hosts: Vec::new(),
            internal_hosts: Vec::new(),
            timeout: Duration::from_secs(10),
            max_response_bytes: 256 * 1024,
            metadata_ttl: Duration::from_secs(3600),
            jwks_refetch_interval: Duration::from_secs(60),
            metadata_retry_interval: Duration::from_secs(300),
            clock_skew: Duration::from_secs(60),
        }
    }
}

/// Why the settings cannot be used. Start-up stops with this message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A provider appears twice.
    #[error("{0}: configured twice")]
    Duplicate(&'static str),
    /// The client ID is empty.
    #[error("{0}: client_id is empty")]
    MissingClientId(&'static str),
    /// The client secret is empty.
    #[error("{0}: client_secret is empty")]
    MissingClientSecret(&'static str),
    /// An address is not a URL, or not `https` without being listed as an insecure host.
    #[error(
        "{provider}: {field} must be an https:// URL (plain http only for listed hosts): {value}"
    )]
    BadUrl {
        /// The provider.
        provider: &'static str,
        /// Which setting.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// Tenants were given for a provider that has none.
    #[error("{0}: tenants apply to Microsoft only")]
    TenantsNotApplicable(&'static str),
}

impl IdpSettings {
    /// Checks every provider's settings.
    ///
    /// # Errors
    /// The first problem found.
    pub fn check(&self) -> Result<(), SettingsError> {
        let mut seen = Vec::new();
        for p in &self.providers {
            let name = p.provider.as_str();
            if seen.contains(&p.provider) {
                return Err(SettingsError::Duplicate(name));
            }
            seen.push(p.provider);
            if p.client_id.trim().is_empty() {
                return Err(SettingsError::MissingClientId(name));
            }
            if p.client_secret.expose_secret().is_empty() {
                return Err(SettingsError::MissingClientSecret(name));
            }
            if let Some(url) = &p.discovery_url {
                self.allowed_url(url).map_err(|()| SettingsError::BadUrl {
                    provider: name,
                    field: "discovery_url",
                    value: url.clone(),
                })?;
            }
            if let Some(issuer) = &p.issuer {
                self.allowed_url(&issuer.replace("{tenantid}", "tenant"))
                    .map_err(|()| SettingsError::BadUrl {
                        provider: name,
                        field: "issuer",
                        value: issuer.clone(),
                    })?;
            }
            if !p.tenants.is_empty() && p.provider != Provider::Microsoft {
                return Err(SettingsError::TenantsNotApplicable(name));
            }
        }
        Ok(())
    }

    /// Whether the adapter may contact `url`: `https`, or `http` to a listed host.
    pub(crate) fn allowed_url(&self, url: &str) -> Result<Url, ()> {
        let parsed = Url::parse(url).map_err(|_| ())?;
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http"
                if parsed
                    .host_str()
                    .is_some_and(|h| self.insecure_http_hosts.iter().any(|a| a == h)) =>
            {
                Ok(parsed)
            }
            _ => Err(()),
        }
    }
}
