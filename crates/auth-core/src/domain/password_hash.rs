//! Stored password hashes.

use std::fmt;

use thiserror::Error;

/// Why a stored text is not a password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the stored password hash is not a PHC string")]
pub struct PasswordHashError;

/// A password hash in PHC string form (`$argon2id$v=19$m=...`). Not secret like a password,
/// but still never printed whole.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string read back from a store or produced by a hasher.
    ///
    /// # Errors
    /// [`PasswordHashError`] when the text does not start with `$` or has a control character.
    pub fn from_phc(phc: impl Into<String>) -> Result<Self, PasswordHashError> {
        let phc = phc.into();
        if !phc.starts_with('$') || phc.len() > 512 || phc.chars().any(char::is_control) {
            return Err(PasswordHashError);
        }
        Ok(Self(phc))
    }

    /// The PHC string, for storing and verifying.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let algorithm = self.0.split('$').nth(1).unwrap_or("?");
        write!(f, "PasswordHash(${algorithm}$…)")
    }
}
