//! The development SMS outbox: with no SMS gateway configured, each message is written to a
//! file in the data directory where the developer can read the code.

use std::path::PathBuf;

use async_trait::async_trait;

use auth_core::domain::{Locale, PhoneNumber};
use auth_core::ports::{SmsError, SmsMessage, SmsSender};

/// Writes each SMS as a text file into a directory.
#[derive(Debug, Clone)]
pub struct FileSmsSender {
    dir: PathBuf,
}

impl FileSmsSender {
    /// Messages go to `dir` (created on first use).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The text of a message, in the recipient's language.
    pub fn text(message: &SmsMessage) -> String {
        // Japan has no daylight saving time: JST is always UTC+9.
        let until = (message.expires_at + chrono::Duration::hours(9)).format("%H:%M");
        match message.locale {
            Locale::En => format!(
                "tobira verification code: {} (valid until {} JST). Never share this code.",
                message.code.expose(),
                until
            ),
            Locale::Ja => format!(
                "tobira 確認コード: {}（{}まで有効）。このコードは他人に教えないでください。",
                message.code.expose(),
                until
            ),
        }
    }
}

#[async_trait]
impl SmsSender for FileSmsSender {
    async fn send(&self, to: &PhoneNumber, message: &SmsMessage) -> Result<(), SmsError> {
        let body = format!("To: {}\n\n{}\n", to.as_e164(), Self::text(message));
        let name = format!(
            "{}-{}.txt",
            message.expires_at.format("%Y%m%dT%H%M%S%.3f"),
            to.as_e164().trim_start_matches('+')
        );
        let path = self.dir.join(name);
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        tokio::fs::write(&path, body)
            .await
            .map_err(|e| SmsError::Unavailable(e.to_string()))?;
        tracing::info!(file = %path.display(), to = %to.masked(), "SMS written to the development outbox");
        Ok(())
    }
}
