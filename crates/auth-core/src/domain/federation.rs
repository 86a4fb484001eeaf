//! A federated sign-in in progress (L7): the browser went to a provider and has not come back.
//!
//! ```text
//!   start ──▶ Requested ──callback (same browser, same provider, in time)──▶ taken ──▶ purpose
//!                 │
//!                 └── expired, replayed, other browser, other provider ──▶ refused (nothing changes)
//! ```
//!
//! The request is stored server-side under the hash of its `state` parameter and bound to the
//! browser that started it by the hash of a browser key kept in an `HttpOnly` cookie. The
//! values the provider sees besides `state` — the OpenID `nonce` and the PKCE verifier — are
//! derived from that browser key, so the store keeps only hashes and a stolen row is useless.
//! Taking a request deletes it: a `state` works once.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{ConnectionId, Provider, SecretToken, SessionId, SessionScope, TokenHash};
use crate::ports::SecretSource;

/// How long a browser may stay at the provider before the request lapses.
pub const FEDERATION_REQUEST_VALIDITY: Duration = Duration::minutes(10);

/// What a provider sign-in is for. Decided when it starts and never taken from the callback, so
/// an identity is bound only by the flow that started it (L7, I2, M1, M2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FederationPurpose {
    /// Sign in to the service or the settings menu (L7, S2).
    SignIn {
        /// Which area the session opens.
        scope: SessionScope,
    },
    /// Register from the invitation whose ticket has this hash (I2).
    Invitation {
        /// The invitation ticket.
        ticket: TokenHash,
    },
    /// The owner sets their own login method from the settings session with this ID (M1).
    OwnMethod {
        /// The settings session that started it; the callback must carry the same one.
        session: SessionId,
    },
    /// A user changes method through the ticket with this hash (M2).
    MethodChange {
        /// The login-method-change ticket.
        ticket: TokenHash,
    },
}

/// Who the browser was sent to: a federated provider (L7) or a contract's ADFS (L8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A federated provider.
    Provider(Provider),
    /// The ADFS behind a contract's AD connection.
    Directory(ConnectionId),
}

impl Issuer {
    /// Stable text for storage: the provider's name, or `ad:` and the connection ID.
    pub fn key(&self) -> String {
        match self {
            Self::Provider(p) => p.as_str().to_owned(),
            Self::Directory(c) => format!("ad:{}", c.as_str()),
        }
    }

    /// The issuer stored as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        match key.strip_prefix("ad:") {
            Some(id) => ConnectionId::parse(id).ok().map(Self::Directory),
            None => Provider::from_name(key).map(Self::Provider),
        }
    }
}

/// A stored provider sign-in awaiting its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationRequest {
    /// Hash of the `state` parameter: the key the callback finds the request by.
    pub state: TokenHash,
    /// Hash of the browser key: only the browser that started may finish.
    pub browser: TokenHash,
    /// Where the browser was sent.
    pub issuer: Issuer,
    /// What the verified identity will be used for.
    pub purpose: FederationPurpose,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
}

impl FederationRequest {
    /// Whether the callback may still use it at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The secrets of one provider round trip, held by the browser (`browser_key`) and sent to
/// the provider (`state`, and the `nonce` and PKCE verifier derived from the browser key).
pub struct Ceremony {
    browser_key: SecretToken,
    state: SecretToken,
}

impl Ceremony {
    /// Draws a fresh browser key and `state`.
    pub fn generate(secrets: &dyn SecretSource) -> Self {
        Self {
            browser_key: SecretToken::generate(secrets),
            state: SecretToken::generate(secrets),
        }
    }

    /// The ceremony a callback continues: the browser key from the cookie and the `state`
    /// the provider returned.
    pub fn resume(browser_key: SecretToken, state: SecretToken) -> Self {
        Self { browser_key, state }
    }

    /// The browser key for the cookie.
    pub fn browser_key(&self) -> &SecretToken {
        &self.browser_key
    }

    /// The `state` parameter's text.
    pub fn state(&self) -> Zeroizing<String> {
        self.state.expose()
    }

    /// The OpenID Connect `nonce`: bound to this browser, never stored.
    pub fn nonce(&self) -> Zeroizing<String> {
        self.derive(b"tobira federation nonce")
    }

    /// The PKCE code verifier (RFC 7636: 43 unreserved characters), never stored.
    pub fn pkce_verifier(&self) -> Zeroizing<String> {
        self.derive(b"tobira federation pkce")
    }

    /// The SAML `AuthnRequest` ID, which the answer's `InResponseTo` must repeat: bound to
    /// this browser, never stored (an XML NCName: `_` and 43 URL-safe base64 characters).
    pub fn saml_request_id(&self) -> String {
        format!("_{}", self.derive(b"tobira saml request id").as_str())
    }

    /// The stored request for this ceremony.
    pub fn request(
        &self,
        issuer: Issuer,
        purpose: FederationPurpose,
        now: DateTime<Utc>,
    ) -> FederationRequest {
        FederationRequest {
            state: self.state.hash(),
            browser: self.browser_key.hash(),
            issuer,
            purpose,
            created_at: now,
            expires_at: now + FEDERATION_REQUEST_VALIDITY,
        }
    }

    fn derive(&self, label: &[u8]) -> Zeroizing<String> {
        use base64::Engine as _;
        let key = self.browser_key.expose();
        let digest = Sha256::new()
            .chain_update(label)
            .chain_update([0u8])
            .chain_update(key.as_bytes())
            .finalize();
        Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
    }
}

impl std::fmt::Debug for Ceremony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ceremony(<redacted>)")
    }
}

/// What came back from the provider on the redirect URI, as the browser delivered it.
#[derive(Clone, Default)]
pub struct ProviderCallback {
    /// The authorization code (a one-time secret).
    pub code: Option<String>,
    /// The `state` parameter.
    pub state: Option<String>,
    /// The RFC 9207 `iss` parameter, when the provider sends one.
    pub iss: Option<String>,
    /// The OAuth `error` code, when the provider refused (`access_denied`, ...).
    pub error: Option<String>,
}

impl std::fmt::Debug for ProviderCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderCallback")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededSecrets;

    #[test]
    fn l7_nonce_and_verifier_are_bound_to_the_browser_key() {
        let secrets = SeededSecrets::new(7);
        let a = Ceremony::generate(&secrets);
        let b = Ceremony::generate(&secrets);
        assert_ne!(*a.nonce(), *b.nonce());
        assert_ne!(*a.pkce_verifier(), *a.nonce());
        let resumed = Ceremony::resume(a.browser_key().clone(), SecretToken::generate(&secrets));
        assert_eq!(*resumed.nonce(), *a.nonce());
        assert_eq!(*resumed.pkce_verifier(), *a.pkce_verifier());
        // RFC 7636: 43 to 128 unreserved characters.
        let verifier = a.pkce_verifier();
        assert_eq!(verifier.len(), 43);
        assert!(
            verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn l8_issuer_keys_round_trip_and_the_saml_request_id_is_per_browser() {
        let ad = Issuer::Directory(ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap());
        assert_eq!(ad.key(), "ad:adfs-abcdefghjkmnpqrstu");
        assert_eq!(Issuer::from_key(&ad.key()), Some(ad));
        let google = Issuer::Provider(Provider::Google);
        assert_eq!(Issuer::from_key(&google.key()), Some(google));
        assert_eq!(Issuer::from_key("ad:nope"), None);
        let secrets = SeededSecrets::new(9);
        let a = Ceremony::generate(&secrets);
        let b = Ceremony::generate(&secrets);
        assert_ne!(a.saml_request_id(), b.saml_request_id());
        let id = a.saml_request_id();
        assert!(id.starts_with('_') && id.len() == 44);
        let resumed = Ceremony::resume(a.browser_key().clone(), SecretToken::generate(&secrets));
        assert_eq!(resumed.saml_request_id(), id);
    }

    #[test]
    fn l7_request_lapses_after_ten_minutes() {
        let secrets = SeededSecrets::new(1);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let request = Ceremony::generate(&secrets).request(
            Issuer::Provider(Provider::Google),
            FederationPurpose::SignIn {
                scope: SessionScope::Service,
            },
            now,
        );
        assert!(request.is_live(now + Duration::minutes(10) - Duration::seconds(1)));
        assert!(!request.is_live(now + Duration::minutes(10)));
    }

    #[test]
    fn l7_debug_shows_no_secret() {
        let secrets = SeededSecrets::new(3);
        let ceremony = Ceremony::generate(&secrets);
        let text = format!("{ceremony:?}");
        assert!(!text.contains(ceremony.state().as_str()));
        let callback = ProviderCallback {
            code: Some("the-code".into()),
            state: Some("the-state".into()),
            iss: None,
            error: None,
        };
        let text = format!("{callback:?}");
        assert!(!text.contains("the-code") && !text.contains("the-state"));
    }
}
