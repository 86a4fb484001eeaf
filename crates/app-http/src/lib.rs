//! # app-http
//!
//! tobira's HTTP app: the JSON API (and pages) over the core's use cases, sessions in cookies,
//! the channel rules of carrier lines, and the wiring of the real adapters. The `tobira` binary
//! (`src/main.rs`) runs it.
//!
//! ## Security
//!
//! - Session, pending and device tokens live in `HttpOnly`, `SameSite=Lax` cookies, `Secure`
//!   and `__Host-` prefixed under TLS; only their hashes are stored.
//! - A line number is honoured only on the line listener and only from a configured gateway
//!   address; a client on the internet can never set it.
//! - Cross-site state-changing requests are refused; bodies and headers are size-limited before
//!   parsing; sign-in, reset, unlock and SMS requests are rate-limited per client address.
//! - Logs name the matched route, never the URI (links carry tokens), and never a password,
//!   code, token or session ID.

pub mod audit;
pub mod config;
pub mod hashing;
pub mod http;
pub mod messages;
pub mod pages;
pub mod qr;
pub mod server;
pub mod sms;
pub mod state;
pub mod system;
pub mod wiring;
pub mod worker;
