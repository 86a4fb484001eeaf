use async_trait::async_trait;
use thiserror::Error;

use crate::domain::Mail;

/// Why a mail was not accepted by the mail server.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MailError {
    /// Worth trying again later (connection refused, timeout, 4xx).
    #[error("temporary mail failure: {0}")]
    Transient(String),
    /// Will never succeed as it is (5xx, invalid recipient).
    #[error("permanent mail failure: {0}")]
    Permanent(String),
}

/// Renders a [`Mail`] in its recipient's language and hands it to a mail server.
///
/// Called only by the outbox delivery ([`crate::flows::outbox`]), never from a request.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one mail. [`Mail::id`] is stable across retries so the implementation can make
    /// delivery idempotent (e.g. as the `Message-ID`).
    ///
    /// # Errors
    /// [`MailError::Transient`] when a retry may succeed, [`MailError::Permanent`] otherwise.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}
