//! Integration tests of the Diesel store, in one binary: the port conformance suite on SQLite
//! and PostgreSQL, concurrency on PostgreSQL with two pools, and database faults.
//!
//! PostgreSQL tests need a database: `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); `tests/support/postgres.sh` provides one on a
//! fresh machine. They fail, never skip, when none answers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod audit;
mod concurrency;
mod conformance;
mod faults;
mod store;
mod support;
