//! Federated identity providers (L7): the protocol side of a provider sign-in, behind a
//! start/finish ceremony. The adapter speaks OpenID Connect; the core keeps the ceremony's
//! state and decides what the verified identity may do.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{Ceremony, ExternalIdentity, Provider, ProviderCallback};

/// Which account the provider should sign in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChoice {
    /// Whoever is signed in at the provider (plain sign-in).
    Current,
    /// Let the person choose the account (OpenID `prompt=select_account`): a binding must not
    /// silently take whoever was last signed in on a shared computer.
    Select,
}

/// Why a provider round trip gave no identity. The detail is for operators' logs, never for
/// the person signing in, and never holds a token or code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdpError {
    /// This deployment has not configured the provider.
    #[error("the provider is not configured")]
    NotConfigured,
    /// The provider could not be reached, timed out, or answered something unusable.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider's answer failed verification (signature, algorithm, issuer, audience,
    /// nonce, times, subject) or the token endpoint refused the code.
    #[error("the provider's answer was refused: {0}")]
    Rejected(String),
}

/// The federated providers this deployment offers.
///
/// # Contract
/// - `authorization_url` sends `state`, the `nonce` and the PKCE S256 challenge of `ceremony`
///   and `redirect_uri`; it never follows redirects when it fetches metadata.
/// - `finish` returns an identity only when the code was exchanged (with the ceremony's PKCE
///   verifier and the same `redirect_uri`) and the ID token is fully verified for this
///   provider: signature with an allowed algorithm, issuer, audience (and `azp`), `exp`,
///   `iat`, `nbf` against `now`, and `nonce` equal to the ceremony's.
#[async_trait]
pub trait IdentityProviders: Send + Sync {
    /// The providers that are configured, in display order.
    fn configured(&self) -> Vec<Provider>;

    /// Where to send the browser.
    ///
    /// # Errors
    /// [`IdpError::NotConfigured`], or [`IdpError::Unavailable`] when the provider's metadata
    /// cannot be read.
    async fn authorization_url(
        &self,
        provider: Provider,
        ceremony: &Ceremony,
        redirect_uri: &str,
        choice: AccountChoice,
    ) -> Result<String, IdpError>;

    /// Verifies the provider's answer and returns the identity it proves.
    ///
    /// # Errors
    /// See [`IdpError`].
    async fn finish(
        &self,
        provider: Provider,
        callback: &ProviderCallback,
        ceremony: &Ceremony,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<ExternalIdentity, IdpError>;
}

/// No provider configured: every button stays disabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProviders;

#[async_trait]
impl IdentityProviders for NoProviders {
    fn configured(&self) -> Vec<Provider> {
        Vec::new()
    }

    async fn authorization_url(
        &self,
        _: Provider,
        _: &Ceremony,
        _: &str,
        _: AccountChoice,
    ) -> Result<String, IdpError> {
        Err(IdpError::NotConfigured)
    }

    async fn finish(
        &self,
        _: Provider,
        _: &ProviderCallback,
        _: &Ceremony,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<ExternalIdentity, IdpError> {
        Err(IdpError::NotConfigured)
    }
}
