//! Mail delivery from the outbox (X6): claim due mails, send each through the [`Mailer`],
//! record the result; retry with exponential back-off and abandon after
//! [`MAX_DELIVERY_ATTEMPTS`].
//!
//! ```text
//!   queued ──▶ Pending{0} ── claim + send ok ──▶ Sent
//!                 ▲   │
//!                 │   └─ transient failure ──▶ Pending{n+1, now + retry_delay(n)}
//!                 │                              │ n+1 = MAX_DELIVERY_ATTEMPTS
//!   operator resend ◀── Abandoned ◀──────────────┴── or a permanent failure
//! ```

use chrono::Duration;

use super::{Auth, Infrastructure};
use crate::domain::{DeliveryState, MAX_DELIVERY_ATTEMPTS, MailId, retry_delay};
use crate::ports::{MailError, Mailer, QueuedMail};

/// How long a claimed mail is reserved for the worker that claimed it.
pub const DELIVERY_LEASE: Duration = Duration::minutes(5);

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Mails the server accepted.
    pub sent: u32,
    /// Mails that failed and will be tried again.
    pub retrying: u32,
    /// Mails given up on.
    pub abandoned: u32,
}

impl Auth {
    /// Every mail not yet sent, oldest first: pending and abandoned (for operators).
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn unsent_mail(&self) -> Result<Vec<QueuedMail>, Infrastructure> {
        Ok(self.ports.store.unsent_mail().await?)
    }

    /// Queues an unsent mail again from its first attempt, due now (an operator's resend of an
    /// abandoned mail). Returns whether such a mail exists.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn requeue_mail(&self, id: MailId) -> Result<bool, Infrastructure> {
        let store = &self.ports.store;
        if !store.unsent_mail().await?.iter().any(|q| q.mail.id == id) {
            return Ok(false);
        }
        let due = DeliveryState::Pending {
            attempts: 0,
            next_attempt_at: self.ports.clock.now(),
        };
        store.record_delivery(id, due).await?;
        Ok(true)
    }

    /// Delivers up to `limit` due mails.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails; mails already sent in this round stay sent.
    pub async fn deliver_due_mail(
        &self,
        mailer: &dyn Mailer,
        limit: u32,
    ) -> Result<DeliveryReport, Infrastructure> {
        let store = &self.ports.store;
        let claimed = store
            .claim_due_mail(self.ports.clock.now(), DELIVERY_LEASE, limit)
            .await?;
        let mut report = DeliveryReport::default();
        for queued in claimed {
            let attempts = match queued.state {
                DeliveryState::Pending { attempts, .. } => attempts,
                _ => continue,
            };
            let state = match mailer.send(&queued.mail).await {
                Ok(()) => {
                    report.sent += 1;
                    DeliveryState::Sent {
                        at: self.ports.clock.now(),
                    }
                }
                Err(MailError::Transient(_)) if attempts + 1 < MAX_DELIVERY_ATTEMPTS => {
                    report.retrying += 1;
                    DeliveryState::Pending {
                        attempts: attempts + 1,
                        next_attempt_at: self.ports.clock.now() + retry_delay(attempts),
                    }
                }
                Err(MailError::Transient(e) | MailError::Permanent(e)) => {
                    report.abandoned += 1;
                    DeliveryState::Abandoned {
                        attempts: attempts + 1,
                        last_error: e,
                    }
                }
            };
            store.record_delivery(queued.mail.id, state).await?;
        }
        Ok(report)
    }
}
