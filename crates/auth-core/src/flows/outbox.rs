//! Mail delivery from the outbox (X6): claim due mails, send each through the [`Mailer`],
//! record the result; retry with exponential back-off and abandon after
//! [`MAX_DELIVERY_ATTEMPTS`]. Each failed attempt stores its error for operators, without the
//! mail's link token. The claimed mails of a round are sent concurrently (at most
//! [`DELIVERY_CONCURRENCY`] at a time), so one slow recipient does not hold back the others.
//!
//! Leases (X6): a claimed mail is leased to this core's
//! [`LeaseOwner`](crate::ports::LeaseOwner) for [`Auth::delivery_lease`] (default
//! [`DELIVERY_LEASE`]) by the store's clock; the worker renews its leases every
//! [`Auth::lease_renewal`] (a third of the lease) while sends are in progress ([`Auth::renew_mail_leases`]), records results only while it still holds the
//! lease (a result recorded after the lease passed to another worker changes nothing), and on
//! shutdown stops sending ([`Auth::stop_delivery`]) and releases what it did not send
//! ([`Auth::release_mail_leases`]). A crashed worker's mails are claimed again once its
//! leases ran out, within one lease.
//!
//! ```text
//!   queued ──▶ Pending{0} ── claim + send ok ──▶ Sent
//!                 ▲   │
//!                 │   └─ transient failure ──▶ Pending{n+1, now + retry_delay(n)}
//!                 │                              │ n+1 = MAX_DELIVERY_ATTEMPTS
//!   operator resend ◀── Abandoned ◀──────────────┴── or a permanent failure
//! ```

use chrono::Duration;
use futures_util::stream::{self, StreamExt as _};

use super::{Auth, Infrastructure};
use crate::domain::{DeliveryState, MAX_DELIVERY_ATTEMPTS, Mail, MailId, MailKind, retry_delay};
use crate::ports::{MailError, Mailer, QueuedMail};

/// How long a claimed mail is reserved for the worker that claimed it, by the store's clock,
/// unless renewed (the default of [`Auth::with_delivery_lease`]).
pub const DELIVERY_LEASE: Duration = Duration::seconds(45);

/// The shortest lease a core accepts: renewals every third of it stay a few round trips apart.
pub const MIN_DELIVERY_LEASE: Duration = Duration::seconds(3);

/// How often a worker with the default lease renews the leases of the mails it is sending:
/// well within [`DELIVERY_LEASE`], so a slow send keeps its mail.
pub const LEASE_RENEWAL: Duration = Duration::seconds(15);

/// Most mails of one round in flight at once (X6): a stalled recipient takes one slot.
pub const DELIVERY_CONCURRENCY: usize = 8;

/// Longest error text kept for operators, in characters.
pub const MAX_ERROR_CHARS: usize = 500;

/// What a failed attempt records: the error's text without the mail's link token (a
/// server that echoes the message must not leak the link into the store or the operator's
/// listing), at most [`MAX_ERROR_CHARS`] characters.
pub fn error_note(mail: &Mail, error: &str) -> String {
    let link = match &mail.kind {
        MailKind::AccountLocked { unlock: link }
        | MailKind::PasswordReset { reset: link }
        | MailKind::Invitation { link, .. }
        | MailKind::OwnerInvitation { link, .. }
        | MailKind::EmailChange { link }
        | MailKind::LoginMethodChange { link } => Some(link.token.expose()),
        _ => None,
    };
    let text = match link {
        Some(token) if !token.is_empty() => error.replace(token.as_str(), "[link]"),
        _ => error.to_owned(),
    };
    text.chars().take(MAX_ERROR_CHARS).collect()
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Mails the server accepted.
    pub sent: u32,
    /// Mails that failed and will be tried again.
    pub retrying: u32,
    /// Mails given up on.
    pub abandoned: u32,
    /// Mails whose result was not recorded because their lease had passed to another worker
    /// meanwhile (or that were not sent because the worker is stopping).
    pub not_recorded: u32,
}

impl Auth {
    /// Every mail not yet sent, oldest first: pending and abandoned (for operators).
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn unsent_mail(&self) -> Result<Vec<QueuedMail>, Infrastructure> {
        Ok(self.ports.store.unsent_mail().await?)
    }

    /// The newest `limit` mails whatever their state, oldest first (for operators: `mail list
    /// --all`).
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn recent_mail(&self, limit: usize) -> Result<Vec<QueuedMail>, Infrastructure> {
        Ok(self.ports.store.recent_mail(limit).await?)
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
            last_error: None,
        };
        store.record_delivery(id, None, due).await?;
        Ok(true)
    }

    /// Extends the leases of the mails this core's worker is sending, to
    /// [`Auth::delivery_lease`] from now by the store's clock (every [`Auth::lease_renewal`]).
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn renew_mail_leases(&self) -> Result<u64, Infrastructure> {
        Ok(self
            .ports
            .store
            .renew_mail_leases(&self.lease_owner, self.delivery_lease)
            .await?)
    }

    /// Stops sending: a claimed mail not yet handed to the mailer is left unsent (sends in
    /// progress finish). For shutdown, followed by [`Auth::release_mail_leases`]. Clones of
    /// this core share it.
    pub fn stop_delivery(&self) {
        self.draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Releases every lease this core's worker still holds on unsent mail, so another worker
    /// sends it at once (shutdown). Returns how many.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails (the leases then run out by themselves).
    pub async fn release_mail_leases(&self) -> Result<u64, Infrastructure> {
        Ok(self
            .ports
            .store
            .release_mail_leases(&self.lease_owner)
            .await?)
    }

    /// Delivers up to `limit` due mails, at most [`DELIVERY_CONCURRENCY`] at a time: a mail
    /// whose server stalls holds one slot (until the mailer's own timeout), not the round.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails; mails already sent in this round stay sent.
    pub async fn deliver_due_mail(
        &self,
        mailer: &dyn Mailer,
        limit: u32,
    ) -> Result<DeliveryReport, Infrastructure> {
        let claimed = self
            .ports
            .store
            .claim_due_mail(
                self.ports.clock.now(),
                &self.lease_owner,
                self.delivery_lease,
                limit,
            )
            .await?;
        let outcomes: Vec<Result<Outcome, Infrastructure>> = stream::iter(claimed)
            .map(|queued| self.deliver_one(mailer, queued))
            .buffer_unordered(DELIVERY_CONCURRENCY)
            .collect()
            .await;
        let mut report = DeliveryReport::default();
        let mut failure = None;
        for outcome in outcomes {
            match outcome {
                Ok(Outcome::Sent) => report.sent += 1,
                Ok(Outcome::Retrying) => report.retrying += 1,
                Ok(Outcome::Abandoned) => report.abandoned += 1,
                Ok(Outcome::NotRecorded) => report.not_recorded += 1,
                Ok(Outcome::Skipped) => {}
                Err(e) => failure = Some(e),
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Sends one claimed mail and records the result.
    async fn deliver_one(
        &self,
        mailer: &dyn Mailer,
        queued: QueuedMail,
    ) -> Result<Outcome, Infrastructure> {
        let DeliveryState::Pending { attempts, .. } = queued.state else {
            return Ok(Outcome::Skipped);
        };
        if self.draining.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(Outcome::NotRecorded);
        }
        let (state, outcome) = match mailer.send(&queued.mail).await {
            Ok(()) => (
                DeliveryState::Sent {
                    at: self.ports.clock.now(),
                },
                Outcome::Sent,
            ),
            Err(MailError::Transient(e)) if attempts + 1 < MAX_DELIVERY_ATTEMPTS => (
                DeliveryState::Pending {
                    attempts: attempts + 1,
                    next_attempt_at: self.ports.clock.now() + retry_delay(attempts),
                    last_error: Some(error_note(&queued.mail, &e)),
                },
                Outcome::Retrying,
            ),
            Err(MailError::Transient(e) | MailError::Permanent(e)) => (
                DeliveryState::Abandoned {
                    attempts: attempts + 1,
                    last_error: error_note(&queued.mail, &e),
                },
                Outcome::Abandoned,
            ),
        };
        let recorded = self
            .ports
            .store
            .record_delivery(queued.mail.id, Some(&self.lease_owner), state)
            .await?;
        Ok(if recorded {
            outcome
        } else {
            Outcome::NotRecorded
        })
    }
}

/// What became of one claimed mail.
enum Outcome {
    Sent,
    Retrying,
    Abandoned,
    NotRecorded,
    Skipped,
}
