//! Integration tests of the HTTP app: the router in-process (`router`), and the real binary
//! end to end (`e2e`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub,
    dead_code
)]

mod browser;
mod browser_ad;
mod browser_federation;
mod browser_pages;
mod contract;
mod directory;
mod e2e;
mod federation;
mod fleet;
mod invitations;
mod pages;
mod recovery;
mod router;
mod support;
