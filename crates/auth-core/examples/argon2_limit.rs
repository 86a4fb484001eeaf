//! Measures the raw Argon2id limit of this machine at the production parameters: the time of
//! one hash on one core, and so the most password checks per second all cores can do.
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
        "argon2id m=19456 t=2 p=1: {:.1} ms per verification on one core",
        one * 1000.0
    );
    println!("cores: {cores}");
    println!("limit: {:.1} verifications per second", cores as f64 / one);
}
