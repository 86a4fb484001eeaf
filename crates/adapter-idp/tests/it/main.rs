//! adapter-idp's integration tests, in one binary: every token and transport attack against a
//! hostile provider stand-in on loopback (`attacks`, with the stand-in in `hostile`), and full
//! code flows against real OpenID providers on loopback (`real`, node's `oidc-provider`
//! through `tests/support/oidc.sh`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod attacks;
mod hostile;
mod real;
mod saml;
