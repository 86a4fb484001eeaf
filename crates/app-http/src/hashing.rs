//! Password hashing off the async executor with a bound on hashes in flight (P4).
//!
//! Argon2id with OWASP parameters needs 19 MiB and tens of milliseconds per hash. Hashes run on
//! a small set of dedicated threads (one per core by default), each reusing one working buffer:
//! at most that many run at once, and Argon2's memory is exactly `threads × 19 MiB` whatever the
//! load (a fresh 19 MiB allocation per hash would be kept by the allocator's arenas, which
//! multiply under contention). At most
//! `max_waiting` jobs wait in the queue; a request beyond that is answered "busy" at once
//! instead of queueing without bound.

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use async_trait::async_trait;
use tokio::sync::oneshot;

use auth_core::domain::{Password, PasswordCandidate, PasswordHash};
use auth_core::hashing::{Argon2Hasher, HashMemory};
use auth_core::ports::{HashError, PasswordHasher, Verification};

type Job = Box<dyn FnOnce(&Argon2Hasher, &mut HashMemory) + Send>;

/// Runs an [`Argon2Hasher`] on dedicated threads with a bounded queue.
pub struct BlockingHasher {
    jobs: mpsc::SyncSender<Job>,
}

impl BlockingHasher {
    /// `threads` hashing threads and room for `max_waiting` queued jobs.
    ///
    /// # Errors
    /// [`HashError::Internal`] when a thread cannot be started.
    pub fn new(inner: Argon2Hasher, threads: usize, max_waiting: usize) -> Result<Self, HashError> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(max_waiting.max(1));
        let queue = Arc::new(Mutex::new(queue));
        let inner = Arc::new(inner);
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            let inner = inner.clone();
            thread::Builder::new()
                .name(format!("tobira-hash-{n}"))
                .spawn(move || {
                    // Each thread reuses one Argon2 working buffer for all its hashes.
                    let mut memory = HashMemory::new();
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(&inner, &mut memory),
                            Err(_) => break, // the hasher was dropped
                        }
                    }
                })
                .map_err(|e| HashError::Internal(e.to_string()))?;
        }
        Ok(Self { jobs })
    }

    async fn run<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce(&Argon2Hasher, &mut HashMemory) -> Result<T, HashError> + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |hasher, memory| {
            let _ = done.send(work(hasher, memory));
        });
        self.jobs.try_send(job).map_err(|_| HashError::Busy)?;
        result
            .await
            .map_err(|_| HashError::Internal("hashing thread stopped".into()))?
    }
}

#[async_trait]
impl PasswordHasher for BlockingHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        // The copy moved to the hashing thread is zeroed on drop like the original.
        let password = password.clone();
        self.run(move |h, m| h.hash_with(&password, m)).await
    }

    async fn verify(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        let candidate = candidate.clone();
        let hash = hash.clone();
        self.run(move |h, m| h.verify_with(&candidate, &hash, m))
            .await
    }

    async fn verify_dummy(&self, candidate: &PasswordCandidate) -> Result<(), HashError> {
        let candidate = candidate.clone();
        self.run(move |h, m| {
            h.verify_dummy_with(&candidate, m);
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::domain::PasswordContext;
    use auth_core::hashing::HashParams;

    fn hasher(threads: usize, queue: usize) -> Arc<BlockingHasher> {
        let inner =
            Argon2Hasher::new(HashParams::OWASP, Arc::new(crate::system::OsSecrets)).unwrap();
        Arc::new(BlockingHasher::new(inner, threads, queue).unwrap())
    }

    #[tokio::test]
    async fn p4_hashes_and_verifies_off_the_executor() {
        let h = hasher(1, 4);
        let p = Password::new("Kumo-2024x", "Kumo-2024x", PasswordContext::default()).unwrap();
        let hash = h.hash(&p).await.unwrap();
        assert_eq!(
            h.verify(&PasswordCandidate::new("Kumo-2024x"), &hash)
                .await
                .unwrap(),
            Verification::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            h.verify(&PasswordCandidate::new("other"), &hash)
                .await
                .unwrap(),
            Verification::Mismatch
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn p4_a_burst_beyond_the_queue_is_answered_busy_not_queued() {
        let h = hasher(1, 2);
        let p = Password::new("Kumo-2024x", "Kumo-2024x", PasswordContext::default()).unwrap();
        let hash = h.hash(&p).await.unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let h = h.clone();
                let hash = hash.clone();
                tokio::spawn(
                    async move { h.verify(&PasswordCandidate::new("Kumo-2024x"), &hash).await },
                )
            })
            .collect();
        let mut busy = 0;
        let mut done = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => done += 1,
                Err(HashError::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(busy > 0, "the queue bound applied");
        assert!(done >= 2, "queued and running jobs completed");
        assert_eq!(busy + done, 40);
    }
}
