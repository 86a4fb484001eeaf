//! Argon2id password hashing (P4).
//!
//! [`Argon2Hasher`] computes on the calling thread. Hosts with an async executor wrap it so
//! that hashing runs on blocking threads with a bound on hashes in flight (the app's
//! `BlockingHasher`); its [`PasswordHasher`] implementation here is for hosts and tests that
//! call it directly.

use std::sync::Arc;

use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// Working memory for Argon2, kept by a hashing thread and reused for every hash it computes.
/// With it, memory use is exactly one buffer per thread (19 MiB at OWASP parameters) however
/// many hashes run, instead of an allocation per hash that the allocator may keep around.
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    /// An empty buffer; it grows on first use to the parameters' size.
    pub fn new() -> Self {
        Self::default()
    }

    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

fn unreadable<E>(_: E) -> HashError {
    HashError::UnreadableHash
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
        hasher.dummy = hasher.hash_text(
            "tobira-dummy-password-for-equal-timing",
            &mut HashMemory::new(),
        )?;
        Ok(hasher)
    }

    /// The parameters new hashes use.
    pub fn params(&self) -> HashParams {
        self.params
    }

    fn hash_text(&self, text: &str, memory: &mut HashMemory) -> Result<PasswordHash, HashError> {
        let internal = |e: &dyn std::fmt::Display| HashError::Internal(e.to_string());
        let mut salt = [0u8; 16];
        self.secrets.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| internal(&e))?;
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt
            .as_salt()
            .decode_b64(&mut salt_bytes)
            .map_err(|e| internal(&e))?;
        let params = self.argon.params().clone();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.argon
            .hash_password_into_with_memory(
                text.as_bytes(),
                salt_raw,
                &mut out,
                memory.blocks(params.block_count()),
            )
            .map_err(|e| internal(&e))?;
        let phc = Phc {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| internal(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|e| internal(&e))?),
        };
        PasswordHash::from_phc(phc.to_string()).map_err(|e| internal(&e))
    }

    /// Hashes a new password on this thread.
    ///
    /// # Errors
    /// [`HashError::Internal`] if Argon2 fails.
    pub fn hash_now(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.hash_text(password.expose(), &mut HashMemory::new())
    }

    /// Hashes a new password on this thread in reused working memory.
    ///
    /// # Errors
    /// [`HashError::Internal`] if Argon2 fails.
    pub fn hash_with(
        &self,
        password: &Password,
        memory: &mut HashMemory,
    ) -> Result<PasswordHash, HashError> {
        self.hash_text(password.expose(), memory)
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
        self.verify_with(candidate, hash, &mut HashMemory::new())
    }

    /// Verifies on this thread in reused working memory. The parameters stored in the hash are
    /// used; the comparison is constant-time.
    ///
    /// # Errors
    /// [`HashError::UnreadableHash`] for a hash that is not an Argon2 PHC string.
    pub fn verify_with(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
        memory: &mut HashMemory,
    ) -> Result<Verification, HashError> {
        let phc = Phc::new(hash.as_phc()).map_err(unreadable)?;
        let algorithm = Algorithm::try_from(phc.algorithm).map_err(unreadable)?;
        let version = phc
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(unreadable)?
            .unwrap_or_default();
        let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
            return Err(HashError::UnreadableHash);
        };
        let params = Params::try_from(&phc).map_err(unreadable)?;
        let params = Params::new(
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            Some(expected.len()),
        )
        .map_err(unreadable)?;
        let mut salt_bytes = [0u8; 64];
        let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(unreadable)?;
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(
                candidate.expose().as_bytes(),
                salt_raw,
                &mut out,
                memory.blocks(params.block_count()),
            )
            .map_err(unreadable)?;
        let computed = Output::new(&out).map_err(unreadable)?;
        if computed == expected {
            Ok(Verification::Match {
                needs_rehash: self.needs_rehash(&phc),
            })
        } else {
            Ok(Verification::Mismatch)
        }
    }

    /// Costs one verification and matches nothing (L5).
    pub fn verify_dummy_now(&self, candidate: &PasswordCandidate) {
        self.verify_dummy_with(candidate, &mut HashMemory::new());
    }

    /// Costs one verification in reused working memory and matches nothing (L5).
    pub fn verify_dummy_with(&self, candidate: &PasswordCandidate, memory: &mut HashMemory) {
        let _ = self.verify_with(candidate, &self.dummy, memory);
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
    fn p4_hashes_made_by_the_argon2_crate_verify_and_ours_verify_there() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = Argon2Hasher::new(HashParams::OWASP, Arc::new(SeededSecrets::new(9))).unwrap();
        let reference = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19_456, 2, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(&[5u8; 16]).unwrap();
        let theirs = PasswordHash::from_phc(
            reference
                .hash_password(b"Kumo-2024", &salt)
                .unwrap()
                .to_string(),
        )
        .unwrap();
        let mut memory = HashMemory::new();
        assert_eq!(
            hasher
                .verify_with(&PasswordCandidate::new("Kumo-2024"), &theirs, &mut memory)
                .unwrap(),
            Verification::Match {
                needs_rehash: false
            }
        );
        let ours = hasher
            .hash_with(&password("Kumo-2024"), &mut memory)
            .unwrap();
        let parsed = Phc::new(ours.as_phc()).unwrap();
        assert!(reference.verify_password(b"Kumo-2024", &parsed).is_ok());
        assert!(reference.verify_password(b"Kumo-2025", &parsed).is_err());
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
