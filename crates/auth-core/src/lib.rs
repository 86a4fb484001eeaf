//! # auth-core
//!
//! The pure domain of tobira, the sign-in and account-management system of a multi-tenant
//! file-storage service: domain types that cannot hold invalid values, the rules of the
//! specification, use cases, and the port traits through which they reach the world.
//!
//! This crate does no I/O: no clock, no random source, no network, no files, no database, no
//! async runtime. Time, randomness, storage, hashing, mail and the audit trail come in through
//! [`ports`]; adapters and the app implement them.
//!
//! ```
//! # use std::sync::Arc;
//! # use auth_core::flows::{Auth, Ports, Settings};
//! # use auth_core::flows::signin::{PasswordSignIn, SignInError};
//! # use auth_core::domain::{ClientInfo, PasswordCandidate, SessionScope};
//! # use auth_core::testing::{FastHasher, ManualClock, MemoryAudit, MemoryStore, RecordingSms, SeededSecrets};
//! # tokio_test_block_on(async {
//! let auth = Auth::new(
//!     Ports {
//!         store: Arc::new(MemoryStore::default()),
//!         hasher: Arc::new(FastHasher::default()),
//!         clock: Arc::new(ManualClock::default()),
//!         secrets: Arc::new(SeededSecrets::new(1)),
//!         audit: Arc::new(MemoryAudit::default()),
//!         sms: Arc::new(RecordingSms::default()),
//!     },
//!     Settings::default(),
//! );
//! let refused = auth
//!     .sign_in_with_password(PasswordSignIn {
//!         email: "nobody@example.co.jp",
//!         password: PasswordCandidate::new("Kumo-2024"),
//!         client: ClientInfo::internet(None, None),
//!         scope: SessionScope::Service,
//!         remembered_browser: None,
//!     })
//!     .await;
//! assert!(matches!(refused, Err(SignInError::InvalidCredentials)));
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```
//!
//! ## Security
//!
//! - Secrets (passwords, tokens) are zeroed on drop and never printed by `Debug`; tokens are
//!   stored only as SHA-256 hashes and compared in constant time.
//! - Passwords are hashed with Argon2id at OWASP's parameters or stronger ([`hashing`]).
//! - Sign-in answers do not reveal whether an address is registered or locked (spec L5).
//! - Every compound change is one atomic store call, so a crash never leaves half a change.

pub mod domain;
pub mod flows;
pub mod hashing;
pub mod ports;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
