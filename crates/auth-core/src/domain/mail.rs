//! Mails the core asks to send. They are queued in the store's outbox in the same step as the
//! change they report, and delivered by [`crate::flows::outbox`] through the
//! [`Mailer`](crate::ports::Mailer) port, which renders them in the recipient's language.

use chrono::{DateTime, Duration, Utc};

use super::{ConnectionId, Email, Locale, MailId, SecretToken, TicketPurpose};

/// A link carrying a ticket's secret token.
#[derive(Debug, Clone)]
pub struct TicketLink {
    /// What the ticket is for (chooses the page the link opens).
    pub purpose: TicketPurpose,
    /// The secret to put in the link.
    pub token: SecretToken,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What changed, for an X3 notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The password was changed or reset.
    PasswordChanged,
    /// The e-mail address was changed (sent to the old address).
    EmailChanged,
    /// The login method was changed.
    LoginMethodChanged,
    /// The second factor was enrolled, replaced or cleared.
    SecondFactorChanged,
    /// The contract's details were changed (sent to the owner).
    ContractDetailsChanged,
}

/// The content of a mail, without its wording: the renderer writes it per language.
#[derive(Debug, Clone)]
pub enum MailKind {
    /// L2: the account was locked; the link unlocks it.
    AccountLocked {
        /// The unlock ticket.
        unlock: TicketLink,
    },
    /// P3: the link sets a new password.
    PasswordReset {
        /// The reset ticket.
        reset: TicketLink,
    },
    /// I1: an invitation to register.
    Invitation {
        /// The invitation ticket.
        link: TicketLink,
        /// The inviting contract's name.
        contract_name: String,
        /// The invitee's name.
        invitee_name: String,
    },
    /// I1: the first mail of a new contract's owner, who is invited by nobody: the contract is
    /// theirs.
    OwnerInvitation {
        /// The invitation ticket.
        link: TicketLink,
        /// The new contract's name.
        contract_name: String,
        /// The owner's name.
        owner_name: String,
    },
    /// E1, E2: confirm a new e-mail address (sent to the new address).
    EmailChange {
        /// The e-mail change ticket.
        link: TicketLink,
    },
    /// M2: choose a new login method.
    LoginMethodChange {
        /// The login-method change ticket.
        link: TicketLink,
    },
    /// D1: Active Directory is on; the sign-in addresses and the connection ID. The renderer
    /// builds the internet and line sign-in addresses from its configuration.
    AdSignIn {
        /// The connection ID.
        connection: ConnectionId,
    },
    /// X3: a notice that something about the account changed.
    Notice {
        /// What changed.
        kind: NoticeKind,
    },
}

/// One mail to one recipient.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Outbox ID; also the idempotency key towards the mail server.
    pub id: MailId,
    /// The recipient.
    pub to: Email,
    /// The recipient's language.
    pub locale: Locale,
    /// What the mail says.
    pub kind: MailKind,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// Where a queued mail is in its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending {
        /// Attempts made so far.
        attempts: u32,
        /// Not to be tried before this time.
        next_attempt_at: DateTime<Utc>,
        /// Why the last attempt failed, for operators (no secrets: the outbox removes the
        /// mail's link token from it); `None` before the first failure.
        last_error: Option<String>,
    },
    /// Accepted by the mail server.
    Sent {
        /// When.
        at: DateTime<Utc>,
    },
    /// Failed too often; shown to operators, who may resend it.
    Abandoned {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last_error: String,
    },
}

/// Most delivery attempts before a mail is abandoned (X6).
pub const MAX_DELIVERY_ATTEMPTS: u32 = 8;

/// The wait before attempt `attempts + 1`: 1 minute doubled per failure, at most 2 hours.
pub fn retry_delay(attempts: u32) -> Duration {
    let minutes = 1_i64 << attempts.min(7);
    Duration::minutes(minutes.min(120))
}
