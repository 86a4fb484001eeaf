//! # adapter-smtp
//!
//! tobira's mail adapter: implementations of the core's
//! [`Mailer`](auth_core::ports::Mailer) port, and the texts of every mail.
//!
//! - [`SmtpMailer`] sends through an SMTP server (lettre, tokio, TLS by rustls).
//! - [`FileMailer`] writes each mail as an `.eml` file: the zero-configuration outbox for
//!   development.
//! - [`templates`] holds one message catalogue per language (Japanese, the default, and
//!   English); every mail has a plain-text and an HTML part.
//! - [`ticket_url`] is the one mapping from a ticket to its page, and [`ad_sign_in_urls`] the
//!   one from an Active Directory connection to its two sign-in addresses (internet and
//!   line); the HTTP app routes the same paths.
//!
//! The core queues mails in its outbox; `Auth::deliver_due_mail` hands them to a mailer and
//! retries transient failures with back-off (spec X6).
//!
//! ```
//! use std::time::Duration;
//! use adapter_smtp::{ConfigError, PublicBaseUrl, Security, Sender, SmtpConfig, SmtpMailer};
//!
//! let sender = Sender::new("no-reply@example.co.jp", "雲ストレージ")?;
//! let links = PublicBaseUrl::parse("https://auth.example.co.jp")?;
//! let config = SmtpConfig::new("smtp.example.co.jp", 587, Security::StartTls, sender.clone(), links.clone())?
//!     .with_credentials("tobira", "app-password")
//!     .with_timeout(Duration::from_secs(10))?;
//! let mailer = SmtpMailer::new(config)?;
//! // A worker then calls `auth.deliver_due_mail(&mailer, 50)` every few seconds.
//!
//! // Plain SMTP is for a relay on this machine only.
//! let refused = SmtpConfig::new("smtp.example.co.jp", 25, Security::None, sender, links);
//! assert!(matches!(refused, Err(ConfigError::PlaintextToRemoteHost(_))));
//! # Ok::<(), ConfigError>(())
//! ```
//!
//! ## Security
//!
//! - **Links carry secrets.** A ticket link lets its holder unlock an account or set a
//!   password. Links are built only in the rendered mail; this crate logs nothing, its errors
//!   hold the server's reply and never the message, and lettre's `tracing` feature (which
//!   would log the message on the wire) stays off. [`templates::Rendered`] does not print its
//!   bodies.
//! - **Links point where configuration says.** [`PublicBaseUrl`] comes from configuration,
//!   never from a request, and must be `https` (plain `http` only for a loopback host).
//! - **No header injection.** Every header is built with lettre's typed headers, which encode
//!   any text that is not printable ASCII; a CR or LF in a name or subject cannot start a new
//!   header.
//! - **No markup injection.** The HTML part escapes every value that comes from data (address,
//!   names, links); the catalogues write words only.
//! - **TLS by default.** [`Security::None`] is refused for any host but loopback; STARTTLS is
//!   required, not opportunistic, and certificates are checked against the Mozilla roots.
//! - **Retries are recognisable.** The `Message-ID` is derived from the outbox ID, so a mail
//!   sent again after an unclear failure carries the same ID.

mod config;
mod file;
mod links;
mod message;
mod smtp;
pub mod templates;

pub use config::{
    ConfigError, DEFAULT_TIMEOUT, MAX_TIMEOUT, PublicBaseUrl, Security, Sender, SmtpConfig,
};
pub use file::FileMailer;
pub use links::{AD_SIGN_IN_PATH, AdSignInUrls, ad_sign_in_urls, ticket_path, ticket_url};
pub use message::Composer;
pub use smtp::SmtpMailer;
