//! Measures the raw Argon2id limit of this machine at the production parameters: the time of
//! one verification on one core alone, and the verifications per second when every core
//! verifies at once (cores ÷ the time of one verification under that load, which includes the
//! cores' contention for memory bandwidth: 19 MiB per hash does not fit in cache).
//!
//! `cargo run --release -p auth-core --example argon2_limit`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    missing_docs
)]

use std::sync::Arc;
use std::time::Instant;

use auth_core::domain::{Password, PasswordCandidate, PasswordContext};
use auth_core::hashing::{Argon2Hasher, HashParams};
use auth_core::ports::SecretSource;

struct Os;
impl SecretSource for Os {
    fn fill(&self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(7);
        }
    }
}

fn main() {
    let hasher = Argon2Hasher::new(HashParams::OWASP, Arc::new(Os)).unwrap();
    let password = Password::new("Kumo-2024x", "Kumo-2024x", PasswordContext::default()).unwrap();
    let hash = hasher.hash_now(&password).unwrap();
    let candidate = PasswordCandidate::new("Kumo-2024x");
    let rounds = 60;
    let start = Instant::now();
    for _ in 0..rounds {
        hasher.verify_now(&candidate, &hash).unwrap();
    }
    let one = start.elapsed().as_secs_f64() / f64::from(rounds);
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1);
    println!(
        "argon2id m=19456 t=2 p=1: {:.1} ms per verification on one core alone",
        one * 1000.0
    );
    println!("cores: {cores}");
    println!(
        "single-core extrapolation: {:.1} verifications per second",
        cores as f64 / one
    );

    let hasher = Arc::new(hasher);
    let start = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let hasher = hasher.clone();
            let hash = hash.clone();
            std::thread::spawn(move || {
                let candidate = PasswordCandidate::new("Kumo-2024x");
                for _ in 0..rounds {
                    hasher.verify_now(&candidate, &hash).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let per_hash = start.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "{:.1} ms per verification with all {cores} cores verifying",
        per_hash * 1000.0
    );
    println!(
        "limit: {:.1} verifications per second",
        cores as f64 / per_hash
    );
}
