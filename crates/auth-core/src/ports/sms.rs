use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{Locale, PhoneNumber, SmsCode};

/// Why an SMS was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SmsError {
    /// The gateway is unreachable or refused for now.
    #[error("the SMS gateway is unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused this number.
    #[error("the SMS gateway refused the number")]
    Rejected,
}

/// A second-factor code to text.
#[derive(Debug, Clone)]
pub struct SmsMessage {
    /// The code.
    pub code: SmsCode,
    /// The recipient's language.
    pub locale: Locale,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// Sends SMS (T2, T4). Implementations word the message per [`SmsMessage::locale`] and never
/// log the code.
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends one code.
    ///
    /// # Errors
    /// [`SmsError`].
    async fn send(&self, to: &PhoneNumber, message: &SmsMessage) -> Result<(), SmsError>;
}
