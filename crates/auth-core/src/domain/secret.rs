//! High-entropy secret tokens (ticket links, sessions, remembered browsers) and their hashes.
//!
//! A token is 256 bits from the [`SecretSource`](crate::ports::SecretSource), shown to its
//! holder once as unpadded base64url, and stored only as its SHA-256 [`TokenHash`]. A fast hash
//! is right here: the token is random, so there is nothing to brute-force.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::ports::SecretSource;

/// Bytes of entropy in a token.
pub const TOKEN_BYTES: usize = 32;
/// Length of a token's text form.
pub const TOKEN_TEXT_LEN: usize = 43;

/// Why a text is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Not 43 base64url characters encoding 32 bytes.
    #[error("the link or token is malformed")]
    Malformed,
}

/// A secret bearer token. Never printed, never compared except through its hash.
pub struct SecretToken(Zeroizing<[u8; TOKEN_BYTES]>);

impl SecretToken {
    /// Draws a new token from the secret source.
    pub fn generate(secrets: &dyn SecretSource) -> Self {
        let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
        secrets.fill(bytes.as_mut());
        Self(bytes)
    }

    /// Parses the text form a holder presents (from a link or a cookie).
    ///
    /// # Errors
    /// [`TokenError::Malformed`] for anything but 43 base64url characters.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let text = text.trim();
        if text.len() != TOKEN_TEXT_LEN {
            return Err(TokenError::Malformed);
        }
        let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
        let decoded = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| TokenError::Malformed)?,
        );
        if decoded.len() != TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        bytes.copy_from_slice(&decoded);
        Ok(Self(bytes))
    }

    /// The text form to hand to the holder (link parameter or cookie value).
    pub fn expose(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE_NO_PAD.encode(self.0.as_ref()))
    }

    /// A key derived from the token for sealing what is stored alongside its hash and must be
    /// readable only by the token's holder (domain-separated: never equal to the hash, and one
    /// key per `purpose`).
    pub(crate) fn derive_key(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"tobira token-derived key\0");
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(self.0.as_ref());
        Zeroizing::new(h.finalize().into())
    }

    /// The hash under which the token is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_ref()).into())
    }
}

impl Clone for SecretToken {
    fn clone(&self) -> Self {
        Self(Zeroizing::new(*self.0))
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// A token's text as its holder presented it (a link's parameter, a form field), not yet
/// parsed: what use cases take as input. Never printed.
#[derive(Clone, Copy)]
pub struct PresentedToken<'a>(&'a str);

impl<'a> PresentedToken<'a> {
    /// Wraps the presented text.
    pub fn new(text: &'a str) -> Self {
        Self(text)
    }

    /// The text, for parsing.
    pub fn text(self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for PresentedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresentedToken(<redacted>)")
    }
}

/// SHA-256 of a [`SecretToken`]: what stores keep. Compared in constant time.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The SHA-256 of an identifier that is not a token of ours (a SAML assertion ID), for
    /// single-use records that need not keep the text.
    pub fn of_text(text: &str) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(text.as_bytes()).into())
    }

    /// Rebuilds a hash read back from a store.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw hash bytes, for storing.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short, non-reversible prefix for logs and audit records (never the whole hash).
    pub fn fingerprint(&self) -> String {
        self.0[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", self.fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededSecrets;
    use proptest::prelude::*;

    #[test]
    fn a_token_round_trips_through_its_text_and_never_prints() {
        let secrets = SeededSecrets::new(7);
        let token = SecretToken::generate(&secrets);
        let text = token.expose();
        assert_eq!(text.len(), TOKEN_TEXT_LEN);
        let back = SecretToken::parse(&text).unwrap();
        assert_eq!(back.hash(), token.hash());
        assert_eq!(format!("{token:?}"), "SecretToken(<redacted>)");
        assert!(!format!("{:?}", token.hash()).contains(text.as_str()));
    }

    #[test]
    fn two_tokens_differ() {
        let secrets = SeededSecrets::new(7);
        let a = SecretToken::generate(&secrets);
        let b = SecretToken::generate(&secrets);
        assert_ne!(a.hash(), b.hash());
    }

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,60}") {
            let _ = SecretToken::parse(&s);
        }
    }
}
