//! tobira's identity-provider adapter: federated sign-in (L7) with Google, Microsoft, Facebook
//! and d-account over OpenID Connect's authorization-code flow, behind the core's
//! [`IdentityProviders`] port.
//!
//! The core keeps each round trip's state (the `state` hash, the browser binding, the purpose)
//! and hands this adapter a [`Ceremony`] whose `nonce` and PKCE verifier derive from the
//! browser's key. This crate builds the authorization URL and, on the callback, exchanges the
//! code and verifies the ID token.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use adapter_idp::{IdpSettings, OidcProviders, ProviderSettings};
//! use auth_core::domain::Provider;
//!
//! let providers = OidcProviders::new(IdpSettings {
//!     providers: vec![ProviderSettings {
//!         provider: Provider::Google,
//!         client_id: "1234.apps.googleusercontent.com".into(),
//!         client_secret: "from-the-environment".into(),
//!         discovery_url: None,
//!         issuer: None,
//!         tenants: Vec::new(),
//!     }],
//!     ..IdpSettings::default()
//! })?;
//! # let _ = providers; Ok(()) }
//! ```
//!
//! # Security
//!
//! - PKCE S256 on every request, also where a provider does not advertise it; `state` and
//!   `nonce` single use and bound to the browser (by the core).
//! - Signature checked against the provider's key set; the accepted algorithms are fixed per
//!   provider here, never read from metadata or the token (`none` never; HS256 only for
//!   d-account, keyed with the client secret).
//! - `iss` compared exactly (Microsoft: the `{tenantid}` template filled with the token's own
//!   `tid`, optionally limited to listed tenants), `aud` must contain the client ID and no
//!   untrusted audience, `azp` equal to the client ID when present, `exp`, `iat` and `nbf`
//!   against the operation's time with a small skew, `nonce` equal.
//! - The RFC 9207 `iss` response parameter must be present when the provider advertises it,
//!   and must equal the token's issuer whenever it is present.
//! - Microsoft identities are `tid/oid`, never an e-mail or user name.
//! - Outbound requests: `https` only (plain `http` only to listed hosts), no redirects
//!   followed, one timeout per request, a cap on the body read. Metadata and keys are cached;
//!   an unknown `kid` causes at most one key-set read per interval.
//! - Nothing here logs or returns a code, token or secret.

mod directory;
mod http;
mod metadata;
mod profile;
mod settings;
mod token;

pub mod saml;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "testing")]
pub mod saml_testing;

use std::collections::HashMap;

use async_trait::async_trait;
use auth_core::domain::{Ceremony, ExternalIdentity, Provider, ProviderCallback};
use auth_core::ports::{AccountChoice, IdentityProviders, IdpError};
use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet};
use openidconnect::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenUrl,
};
use secrecy::ExposeSecret as _;

pub use directory::AdfsDirectories;
pub use settings::{IdpSettings, ProviderSettings, SettingsError};

use crate::http::Http;
use crate::metadata::{Endpoints, Metadata, MetadataError};
use crate::profile::Profile;

/// Why the adapter cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The settings are not usable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
}

/// One OpenID Connect client at one provider, with the provider's cached metadata and keys.
struct Configured {
    client_id: String,
    client_secret: secrecy::SecretString,
    /// Microsoft: allowed tenants; empty allows any.
    tenants: Vec<String>,
    profile: Profile,
    metadata: Metadata,
}

/// Every configured provider, speaking OpenID Connect.
pub struct OidcProviders {
    settings: IdpSettings,
    http: Http,
    providers: HashMap<Provider, Configured>,
}

impl std::fmt::Debug for OidcProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProviders")
            .field("providers", &self.settings.providers)
            .finish_non_exhaustive()
    }
}

impl OidcProviders {
    /// The adapter for `settings`; nothing is fetched until first use.
    ///
    /// # Errors
    /// [`BuildError`] when the settings are not usable.
    pub fn new(settings: IdpSettings) -> Result<Self, BuildError> {
        settings.check()?;
        let http = Http::new(settings.timeout, settings.max_response_bytes)
            .map_err(|e| BuildError::Http(e.to_string()))?;
        let mut providers = HashMap::new();
        for p in &settings.providers {
            let profile = Profile::of(p.provider, p.discovery_url.as_deref(), p.issuer.as_deref())
                .ok_or(SettingsError::Duplicate(p.provider.as_str()))?;
            providers.insert(
                p.provider,
                Configured {
                    client_id: p.client_id.clone(),
                    client_secret: p.client_secret.clone(),
                    tenants: p.tenants.clone(),
                    profile,
                    metadata: Metadata::new(),
                },
            );
        }
        Ok(Self {
            settings,
            http,
            providers,
        })
    }

    fn configured(&self, provider: Provider) -> Result<&Configured, IdpError> {
        self.providers.get(&provider).ok_or(IdpError::NotConfigured)
    }
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
>;

impl Configured {
    async fn endpoints(&self, http: &Http, settings: &IdpSettings) -> Result<Endpoints, IdpError> {
        self.metadata
            .endpoints(&self.profile, http, settings)
            .await
            .map_err(metadata_error)
    }

    fn client(&self, endpoints: &Endpoints, redirect_uri: &str) -> Result<Client, IdpError> {
        // The issuer here only labels the client; tokens are checked by `token::verify`.
        let issuer = IssuerUrl::new("https://issuer.invalid".into())
            .map_err(|e| IdpError::Unavailable(format!("issuer placeholder: {e}")))?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| IdpError::Unavailable("the redirect URI is not a URL".into()))?;
        Ok(CoreClient::new(
            ClientId::new(self.client_id.clone()),
            issuer,
            CoreJsonWebKeySet::new(Vec::new()),
        )
        .set_client_secret(ClientSecret::new(
            self.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_uri(AuthUrl::from_url(endpoints.authorization.clone()))
        .set_token_uri(TokenUrl::from_url(endpoints.token.clone()))
        .set_redirect_uri(redirect))
    }

    /// The authorization URL with the ceremony's `state`, `nonce` and PKCE challenge.
    async fn authorization_url(
        &self,
        http: &Http,
        settings: &IdpSettings,
        ceremony: &Ceremony,
        redirect_uri: &str,
        choice: AccountChoice,
    ) -> Result<String, IdpError> {
        let endpoints = self.endpoints(http, settings).await?;
        let client = self.client(&endpoints, redirect_uri)?;
        let state = ceremony.state().to_string();
        let nonce = ceremony.nonce().to_string();
        let verifier = PkceCodeVerifier::new(ceremony.pkce_verifier().to_string());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
        for scope in self.profile.scopes.iter().filter(|s| **s != "openid") {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        if choice == AccountChoice::Select {
            request = request.add_prompt(CoreAuthPrompt::SelectAccount);
        }
        let (url, _, _) = request.url();
        Ok(url.to_string())
    }

    /// Exchanges the callback's code and verifies the ID token.
    async fn finish(
        &self,
        http: &Http,
        settings: &IdpSettings,
        callback: &ProviderCallback,
        ceremony: &Ceremony,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<token::Verified, IdpError> {
        let endpoints = self.endpoints(http, settings).await?;
        if endpoints.iss_parameter && callback.iss.is_none() {
            return Err(IdpError::Rejected(
                "the provider advertises RFC 9207 but the response has no iss".into(),
            ));
        }
        // RFC 9207 §2.4: a response from another issuer goes no further (its code is not sent).
        if let Some(iss) = &callback.iss
            && !self.profile.could_be_issuer(iss)
        {
            return Err(IdpError::Rejected(format!(
                "the response's iss {iss:?} is not this provider's"
            )));
        }
        let Some(code) = callback.code.as_deref().filter(|c| !c.is_empty()) else {
            return Err(IdpError::Rejected("the response has no code".into()));
        };
        let client = self.client(&endpoints, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(ceremony.pkce_verifier().to_string()))
            .request_async(http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    IdpError::Rejected(format!("token endpoint refused: {}", r.error()))
                }
                RequestTokenError::Request(e) => IdpError::Unavailable(format!("token: {e}")),
                // An answer that is JSON with an ID token the library could not read is a token
                // to refuse; anything else is a provider answering garbage.
                RequestTokenError::Parse(e, body) if carries_id_token(&body) => {
                    IdpError::Rejected(format!("malformed ID token: {e}"))
                }
                RequestTokenError::Parse(_, _) => {
                    IdpError::Unavailable("token: unreadable answer".into())
                }
                RequestTokenError::Other(e) => IdpError::Unavailable(format!("token: {e}")),
            })?;
        let raw = response
            .extra_fields()
            .id_token()
            .map(ToString::to_string)
            .ok_or_else(|| IdpError::Rejected("the token answer has no ID token".into()))?;
        let kid = token::header_kid(&raw);
        let keys = self
            .metadata
            .candidate_keys(kid.as_deref(), &endpoints, http, settings)
            .await
            .map_err(metadata_error)?;
        let nonce = ceremony.nonce();
        let verified = token::verify(
            &raw,
            keys,
            &token::Expectations {
                profile: &self.profile,
                client_id: &self.client_id,
                client_secret: self.client_secret.expose_secret(),
                nonce: &nonce,
                now,
                skew: chrono::Duration::from_std(settings.clock_skew)
                    .unwrap_or(chrono::Duration::seconds(60)),
                tenants: &self.tenants,
            },
        )
        .map_err(IdpError::Rejected)?;
        if let Some(iss) = &callback.iss
            && *iss != verified.issuer
        {
            return Err(IdpError::Rejected(format!(
                "the response's iss {iss:?} is not the token's issuer"
            )));
        }
        Ok(verified)
    }
}

#[async_trait]
impl IdentityProviders for OidcProviders {
    fn configured(&self) -> Vec<Provider> {
        Provider::ALL
            .into_iter()
            .filter(|p| self.providers.contains_key(p))
            .collect()
    }

    async fn authorization_url(
        &self,
        provider: Provider,
        ceremony: &Ceremony,
        redirect_uri: &str,
        choice: AccountChoice,
    ) -> Result<String, IdpError> {
        self.configured(provider)?
            .authorization_url(&self.http, &self.settings, ceremony, redirect_uri, choice)
            .await
    }

    async fn finish(
        &self,
        provider: Provider,
        callback: &ProviderCallback,
        ceremony: &Ceremony,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<ExternalIdentity, IdpError> {
        let verified = self
            .configured(provider)?
            .finish(
                &self.http,
                &self.settings,
                callback,
                ceremony,
                redirect_uri,
                now,
            )
            .await?;
        Ok(ExternalIdentity::Federated {
            provider,
            subject: verified.subject,
        })
    }
}

/// Whether a token answer is a JSON object with a string `id_token`.
fn carries_id_token(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("id_token").is_some_and(serde_json::Value::is_string))
}

fn metadata_error(e: MetadataError) -> IdpError {
    match e {
        MetadataError::Unavailable(d) => IdpError::Unavailable(d),
        MetadataError::Untrusted(d) => IdpError::Rejected(d),
    }
}
