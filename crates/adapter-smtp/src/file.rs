//! The development outbox: every mail as an `.eml` file in a directory, instead of SMTP.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use auth_core::domain::{Mail, MailId};
use auth_core::ports::{MailError, Mailer};

use crate::config::{PublicBaseUrl, Sender};
use crate::message::Composer;

/// Writes each mail as a complete RFC 5322 message (`{mail id}.eml`) into a directory: the
/// zero-configuration mailer for development. Open the files with any mail program.
///
/// The bytes are exactly what [`SmtpMailer`](crate::SmtpMailer) would send. Files are named by
/// the mail ID alone, so a retried mail replaces its file instead of adding one, and are
/// written atomically (a temporary file renamed into place), so a reader never sees half a
/// mail. The work runs on a blocking thread, never on the async executor.
#[derive(Debug)]
pub struct FileMailer {
    dir: PathBuf,
    composer: Composer,
    temp_counter: AtomicU64,
}

impl FileMailer {
    /// A mailer writing into `dir` (created on the first send if missing).
    pub fn new(dir: impl Into<PathBuf>, sender: Sender, base_url: PublicBaseUrl) -> Self {
        Self {
            dir: dir.into(),
            composer: Composer::new(sender, base_url),
            temp_counter: AtomicU64::new(0),
        }
    }

    /// Uses `line_base_url` for the line channel's Active Directory sign-in address (D1);
    /// without it, the line address is built under the base URL given to [`FileMailer::new`].
    #[must_use]
    pub fn with_line_base_url(mut self, line_base_url: PublicBaseUrl) -> Self {
        self.composer = self.composer.with_line_base_url(line_base_url);
        self
    }

    /// The directory the mails go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a mail is written to.
    pub fn path_of(&self, id: MailId) -> PathBuf {
        self.dir.join(format!("{id}.eml"))
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let bytes = self.composer.compose(mail)?.formatted();
        let dir = self.dir.clone();
        let target = self.path_of(mail.id);
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{}.{}.{n}.tmp", mail.id, std::process::id()));
        tokio::task::spawn_blocking(move || write_atomically(&dir, &temp, &target, &bytes))
            .await
            .map_err(|e| MailError::Transient(format!("the file writer stopped: {e}")))?
            .map_err(|e| MailError::Transient(format!("the mail file cannot be written: {e}")))
    }
}

fn write_atomically(dir: &Path, temp: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let result = (|| {
        let mut file = std::fs::File::create(temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(temp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    result
}
