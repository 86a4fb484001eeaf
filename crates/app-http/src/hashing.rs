//! Password hashing off the async executor with a bound on hashes in flight (P4).
//!
//! Argon2id with OWASP parameters needs 19 MiB and tens of milliseconds per hash. Hashes run
//! on blocking threads; at most `max_in_flight` run at once (so memory is bounded by
//! `max_in_flight × 19 MiB` whatever the load) and at most `max_waiting` wait for a turn.
//! A request beyond that is answered "busy" at once instead of queueing without bound.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Semaphore;

use auth_core::domain::{Password, PasswordCandidate, PasswordHash};
use auth_core::hashing::Argon2Hasher;
use auth_core::ports::{HashError, PasswordHasher, Verification};

/// Runs an [`Argon2Hasher`] on blocking threads, bounded.
pub struct BlockingHasher {
    inner: Arc<Argon2Hasher>,
    running: Arc<Semaphore>,
    waiting: Arc<Semaphore>,
    max_wait: Duration,
}

impl BlockingHasher {
    /// At most `max_in_flight` hashes at once, `max_waiting` waiting, each for at most
    /// `max_wait`.
    pub fn new(
        inner: Argon2Hasher,
        max_in_flight: usize,
        max_waiting: usize,
        max_wait: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(inner),
            running: Arc::new(Semaphore::new(max_in_flight.max(1))),
            waiting: Arc::new(Semaphore::new(max_waiting.max(1))),
            max_wait,
        }
    }

    async fn run<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce(&Argon2Hasher) -> Result<T, HashError> + Send + 'static,
    {
        let _queued = self
            .waiting
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        let permit = tokio::time::timeout(self.max_wait, self.running.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&inner)
        })
        .await
        .map_err(|e| HashError::Internal(e.to_string()))?
    }
}

#[async_trait]
impl PasswordHasher for BlockingHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        // The copy moved to the blocking thread is zeroed on drop like the original.
        let password = password.clone();
        self.run(move |h| h.hash_now(&password)).await
    }

    async fn verify(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        let candidate = candidate.clone();
        let hash = hash.clone();
        self.run(move |h| h.verify_now(&candidate, &hash)).await
    }

    async fn verify_dummy(&self, candidate: &PasswordCandidate) -> Result<(), HashError> {
        let candidate = candidate.clone();
        self.run(move |h| {
            h.verify_dummy_now(&candidate);
            Ok(())
        })
        .await
    }
}
