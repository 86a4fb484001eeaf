//! A contract's ADFS (L8): the protocol side of an Active Directory sign-in, for SAML 2.0 and
//! OpenID Connect, behind the same start/finish ceremony as the federated providers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::IdpError;
use crate::domain::{
    AdConnection, AdSettings, Ceremony, DirectoryCallback, DirectoryEndpoints, Subject,
};

/// What a verified ADFS answer proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAssertion {
    /// The person's stable identifier, by the connection's subject choice.
    pub subject: Subject,
    /// SAML: the assertion's ID and when it stops being valid, for the replay record; `None`
    /// for OpenID Connect (its code is single use at ADFS and its nonce is this browser's).
    pub assertion: Option<(String, DateTime<Utc>)>,
}

/// Every contract's ADFS, reached with the contract's own settings.
///
/// # Contract
/// - `read_metadata` fetches over `https` only (plain `http` only for hosts the operator
///   listed), follows no redirect, with a timeout and a size cap, refuses private and loopback
///   addresses unless the operator allows them, and returns the document only when it parses
///   as an identity provider's metadata with at least one signing certificate.
/// - `finish` returns an assertion only when the answer is fully verified for this connection
///   and this round trip: for SAML a signature by a certificate of the stored metadata
///   (RSA-SHA256 or stronger), `InResponseTo` equal to the ceremony's
///   [`Ceremony::saml_request_id`], Issuer, Audience (`endpoints.entity_id`), Destination and
///   Recipient (`endpoints.saml_acs`) exact, validity times against `now`; for OpenID
///   Connect as [`IdentityProviders::finish`](super::IdentityProviders::finish) with the
///   contract's client.
#[async_trait]
pub trait Directories: Send + Sync {
    /// Whether the operator allows plain `http` for this metadata URL's host (tests and private
    /// deployments); `https` is required otherwise.
    fn allows_http(&self, _url: &str) -> bool {
        false
    }

    /// Reads and checks the SAML metadata for `settings`: from its URL, or `pasted`. `None`
    /// for OpenID Connect, after checking that its discovery document can be read.
    ///
    /// # Errors
    /// [`IdpError::Unavailable`] when it cannot be read, [`IdpError::Rejected`] when it is not
    /// usable metadata.
    async fn read_metadata(
        &self,
        settings: &AdSettings,
        pasted: Option<&str>,
    ) -> Result<Option<String>, IdpError>;

    /// Reads a connection's metadata again because the held copy is due (a sign-in start
    /// does this when the copy is older than its refresh interval): as
    /// [`read_metadata`](Self::read_metadata) without a pasted document, except that an adapter
    /// may decline at once, with [`IdpError::Unavailable`], while a recent read of the same
    /// address failed, so that an unreachable ADFS does not hold every sign-in for a timeout.
    ///
    /// # Errors
    /// As [`read_metadata`](Self::read_metadata).
    async fn refresh_metadata(&self, settings: &AdSettings) -> Result<Option<String>, IdpError> {
        self.read_metadata(settings, None).await
    }

    /// Where to send the browser; `now` is the request's issue instant.
    ///
    /// # Errors
    /// [`IdpError::Unavailable`] when the ADFS cannot be reached or its metadata is unusable.
    async fn authorization_url(
        &self,
        connection: &AdConnection,
        ceremony: &Ceremony,
        endpoints: &DirectoryEndpoints<'_>,
        now: DateTime<Utc>,
    ) -> Result<String, IdpError>;

    /// Verifies the ADFS answer.
    ///
    /// # Errors
    /// See [`IdpError`].
    async fn finish(
        &self,
        connection: &AdConnection,
        callback: &DirectoryCallback,
        ceremony: &Ceremony,
        endpoints: &DirectoryEndpoints<'_>,
        now: DateTime<Utc>,
    ) -> Result<DirectoryAssertion, IdpError>;
}

/// No ADFS support: turning AD on is refused as unavailable.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDirectories;

#[async_trait]
impl Directories for NoDirectories {
    async fn read_metadata(
        &self,
        _: &AdSettings,
        _: Option<&str>,
    ) -> Result<Option<String>, IdpError> {
        Err(IdpError::NotConfigured)
    }

    async fn authorization_url(
        &self,
        _: &AdConnection,
        _: &Ceremony,
        _: &DirectoryEndpoints<'_>,
        _: DateTime<Utc>,
    ) -> Result<String, IdpError> {
        Err(IdpError::NotConfigured)
    }

    async fn finish(
        &self,
        _: &AdConnection,
        _: &DirectoryCallback,
        _: &Ceremony,
        _: &DirectoryEndpoints<'_>,
        _: DateTime<Utc>,
    ) -> Result<DirectoryAssertion, IdpError> {
        Err(IdpError::NotConfigured)
    }
}
