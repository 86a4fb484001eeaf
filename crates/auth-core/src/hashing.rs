//! Argon2id password hashing (P4).
//!
//! [`Argon2Hasher`] computes on the calling thread. Hosts with an async executor wrap it so
//! that hashing runs on blocking threads with a bound on hashes in flight (the app's
//! `BlockingHasher`); its [`PasswordHasher`] implementation here is for hosts and tests that
//! call it directly.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use thiserror::Error;

use crate::domain::{Password, PasswordCandidate, PasswordHash};
use crate::ports::{HashError, PasswordHasher, SecretSource, Verification};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashParams {
    /// OWASP's recommended minimum for Argon2id: 19 MiB, 2 passes, 1 lane (P4).
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    fn at_least(&self, other: &Self) -> bool {
        self.memory_kib >= other.memory_kib
            && self.iterations >= other.iterations
            && self.parallelism >= other.parallelism
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Parameters below the P4 floor were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("Argon2id parameters must be at least m=19456 KiB, t=2, p=1")]
pub struct WeakParams;

/// Argon2id with fixed parameters and salts from a [`SecretSource`].
pub struct Argon2Hasher {
    argon: Argon2<'static>,
    params: HashParams,
    secrets: Arc<dyn SecretSource>,
    dummy: PasswordHash,
}

impl Argon2Hasher {
    /// A hasher with `params`, which must be at least [`HashParams::OWASP`].
    ///
    /// # Errors
    /// [`WeakParams`] for weaker parameters.
    pub fn new(params: HashParams, secrets: Arc<dyn SecretSource>) -> Result<Self, WeakParams> {
        if !params.at_least(&HashParams::OWASP) {
            return Err(WeakParams);
        }
        Self::build(params, secrets).map_err(|_| WeakParams)
    }

    /// A hasher with any parameters, for tests that need an "older, weaker" hash to upgrade.
    ///
    /// # Errors
    /// [`HashError::Internal`] when Argon2 refuses the parameters.
    #[cfg(any(test, feature = "testing"))]
    pub fn with_any_params(
        params: HashParams,
        secrets: Arc<dyn SecretSource>,
    ) -> Result<Self, HashError> {
        Self::build(params, secrets)
    }

    fn build(params: HashParams, secrets: Arc<dyn SecretSource>) -> Result<Self, HashError> {
        let p = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| HashError::Internal(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        let mut hasher = Self {
            argon,
            params,
            secrets,
            dummy: PasswordHash::from_phc("$argon2id$")
                .map_err(|e| HashError::Internal(e.to_string()))?,
        };
        hasher.dummy = hasher.hash_text("tobira-dummy-password-for-equal-timing")?;
        Ok(hasher)
    }

    /// The parameters new hashes use.
    pub fn params(&self) -> HashParams {
        self.params
    }

    fn hash_text(&self, text: &str) -> Result<PasswordHash, HashError> {
        let mut salt = [0u8; 16];
        self.secrets.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Internal(e.to_string()))?;
        let phc = self
            .argon
            .hash_password(text.as_bytes(), &salt)
            .map_err(|e| HashError::Internal(e.to_string()))?;
        PasswordHash::from_phc(phc.to_string()).map_err(|e| HashError::Internal(e.to_string()))
    }

    /// Hashes a new password on this thread.
    ///
    /// # Errors
    /// [`HashError::Internal`] if Argon2 fails.
    pub fn hash_now(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.hash_text(password.expose())
    }

    /// Verifies on this thread; see [`PasswordHasher::verify`].
    ///
    /// # Errors
    /// [`HashError::UnreadableHash`] for a hash that is not an Argon2 PHC string.
    pub fn verify_now(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        let phc = Phc::new(hash.as_phc()).map_err(|_| HashError::UnreadableHash)?;
        if Algorithm::try_from(phc.algorithm).is_err() || phc.hash.is_none() {
            return Err(HashError::UnreadableHash);
        }
        // Verification uses the parameters stored in the hash itself.
        match self
            .argon
            .verify_password(candidate.expose().as_bytes(), &phc)
        {
            Ok(()) => Ok(Verification::Match {
                needs_rehash: self.needs_rehash(&phc),
            }),
            Err(argon2::password_hash::Error::Password) => Ok(Verification::Mismatch),
            Err(_) => Err(HashError::UnreadableHash),
        }
    }

    /// Costs one verification and matches nothing (L5).
    pub fn verify_dummy_now(&self, candidate: &PasswordCandidate) {
        let _ = self.verify_now(candidate, &self.dummy);
    }

    fn needs_rehash(&self, phc: &Phc<'_>) -> bool {
        if phc.algorithm != Algorithm::Argon2id.ident()
            || phc.version != Some(Version::V0x13.into())
        {
            return true;
        }
        let Ok(stored) = Params::try_from(phc) else {
            return true;
        };
        !HashParams {
            memory_kib: stored.m_cost(),
            iterations: stored.t_cost(),
            parallelism: stored.p_cost(),
        }
        .at_least(&self.params)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.hash_now(password)
    }

    async fn verify(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        self.verify_now(candidate, hash)
    }

    async fn verify_dummy(&self, candidate: &PasswordCandidate) -> Result<(), HashError> {
        self.verify_dummy_now(candidate);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PasswordContext;
    use crate::testing::SeededSecrets;

    fn password(p: &str) -> Password {
        Password::new(p, p, PasswordContext::default()).unwrap()
    }

    #[test]
    fn p4_hashes_are_argon2id_with_owasp_parameters() {
        let hasher = Argon2Hasher::new(HashParams::OWASP, Arc::new(SeededSecrets::new(3))).unwrap();
        let hash = hasher.hash_now(&password("Kumo-2024")).unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_phc()
        );
        assert_eq!(
            hasher
                .verify_now(&PasswordCandidate::new("Kumo-2024"), &hash)
                .unwrap(),
            Verification::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            hasher
                .verify_now(&PasswordCandidate::new("Kumo-2025"), &hash)
                .unwrap(),
            Verification::Mismatch
        );
        // Two hashes of one password differ (fresh salt each time).
        assert_ne!(hasher.hash_now(&password("Kumo-2024")).unwrap(), hash);
    }

    #[test]
    fn p4_parameters_below_the_floor_are_refused() {
        let weak = HashParams {
            memory_kib: 4096,
            iterations: 1,
            parallelism: 1,
        };
        assert!(Argon2Hasher::new(weak, Arc::new(SeededSecrets::new(3))).is_err());
    }

    #[test]
    fn p4_a_hash_with_older_parameters_needs_rehash() {
        let secrets = Arc::new(SeededSecrets::new(3));
        let old = Argon2Hasher::with_any_params(
            HashParams {
                memory_kib: 8192,
                iterations: 1,
                parallelism: 1,
            },
            secrets.clone(),
        )
        .unwrap();
        let current = Argon2Hasher::new(HashParams::OWASP, secrets).unwrap();
        let hash = old.hash_now(&password("Kumo-2024")).unwrap();
        assert_eq!(
            current
                .verify_now(&PasswordCandidate::new("Kumo-2024"), &hash)
                .unwrap(),
            Verification::Match { needs_rehash: true }
        );
    }

    #[test]
    fn an_unreadable_hash_is_an_error_not_a_panic() {
        let hasher = Argon2Hasher::new(HashParams::OWASP, Arc::new(SeededSecrets::new(3))).unwrap();
        let junk = PasswordHash::from_phc("$md5$abcdef").unwrap();
        assert_eq!(
            hasher.verify_now(&PasswordCandidate::new("x"), &junk),
            Err(HashError::UnreadableHash)
        );
    }
}
