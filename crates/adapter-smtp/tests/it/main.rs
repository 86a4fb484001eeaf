//! adapter-smtp's integration tests: one binary, against a real SMTP server on loopback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod support;

mod file_outbox;
mod headers;
mod outbox;
mod templates;
