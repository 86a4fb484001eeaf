use async_trait::async_trait;
use thiserror::Error;

use crate::domain::{Password, PasswordCandidate, PasswordHash};

/// The result of checking a candidate against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password is right.
    Match {
        /// The hash was made with older parameters and should be replaced (P4).
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

/// Why hashing could not be done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HashError {
    /// Too many hashes are in flight; the caller should answer "try again" (P4).
    #[error("the password hasher is busy")]
    Busy,
    /// The stored hash cannot be read.
    #[error("the stored password hash is unreadable")]
    UnreadableHash,
    /// The hashing machinery failed.
    #[error("password hashing failed: {0}")]
    Internal(String),
}

/// Password hashing (P4). The core's [`Argon2Hasher`](crate::hashing::Argon2Hasher) computes;
/// the app wraps it to run off the async executor with a bound on hashes in flight.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password with the current parameters and a fresh salt.
    ///
    /// # Errors
    /// [`HashError::Busy`] when the bound on hashes in flight is reached.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Checks a candidate against a stored hash, in time independent of where they differ.
    ///
    /// # Errors
    /// [`HashError::Busy`]; [`HashError::UnreadableHash`] for a hash it cannot parse.
    async fn verify(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError>;

    /// Costs exactly what [`PasswordHasher::verify`] costs and matches nothing: used when there
    /// is no hash to check against, so that an unknown e-mail takes as long as a wrong password
    /// (L5).
    ///
    /// # Errors
    /// [`HashError::Busy`].
    async fn verify_dummy(&self, candidate: &PasswordCandidate) -> Result<(), HashError>;
}
