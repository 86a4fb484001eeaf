//! Tickets: single-use secret links sent by e-mail.
//!
//! ```text
//!   issue ──▶ Unused ── consume (right purpose, before expiry) ──▶ Used
//!               │
//!               ├── a newer ticket replaces it / the flow completes elsewhere ──▶ Voided
//!               └── expires_at passes ──▶ (still Unused, but refused as Expired)
//! ```
//!
//! A ticket is consumed at most once, never after expiry, and only for its own purpose and
//! account: stores consume with one conditional update.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use super::{AccountId, Email, SecretToken, TokenHash};
use crate::ports::SecretSource;

/// How long a ticket is valid unless a rule says otherwise.
pub const TICKET_VALIDITY: Duration = Duration::days(14);
/// Most password-reset links mailed to one account in 24 hours (X5); further requests get the
/// same answer but no mail.
pub const RESET_LINKS_PER_DAY: u32 = 5;
/// Most invitation links (first send and resends) mailed for one invitation in 24 hours (X5).
pub const INVITATIONS_PER_DAY: u32 = 5;

/// What a ticket is for. A ticket of one purpose is no ticket at all for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketPurpose {
    /// Unlocks a locked account (L2, L4).
    Unlock,
    /// Sets a new password (P3).
    PasswordReset,
    /// Completes a user's registration (I1, I2).
    Invitation,
    /// Moves an account to a new e-mail address (E1, E2).
    EmailChange,
    /// Lets a user choose a new login method (M2).
    LoginMethodChange,
}

impl TicketPurpose {
    /// A stable lower-case name for stores and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unlock => "unlock",
            Self::PasswordReset => "password-reset",
            Self::Invitation => "invitation",
            Self::EmailChange => "email-change",
            Self::LoginMethodChange => "login-method-change",
        }
    }

    /// Every purpose.
    pub const ALL: [TicketPurpose; 5] = [
        Self::Unlock,
        Self::PasswordReset,
        Self::Invitation,
        Self::EmailChange,
        Self::LoginMethodChange,
    ];

    /// The purpose named by [`TicketPurpose::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The path of the page a ticket's link opens, before `/{token}`: the one table of ticket
    /// paths, which the mails' links, the page router and the command line all use.
    pub fn page_path(self) -> &'static str {
        match self {
            Self::Unlock => "/unlock",
            Self::PasswordReset => "/password/reset",
            Self::Invitation => "/invitation",
            Self::EmailChange => "/email-change",
            Self::LoginMethodChange => "/login-method",
        }
    }

    /// The page's route pattern, `{path}/{token}`.
    pub fn page_route(self) -> String {
        format!("{}/{{token}}", self.page_path())
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketState {
    /// Not consumed yet.
    Unused,
    /// Consumed at this time.
    Used {
        /// When.
        at: DateTime<Utc>,
    },
    /// Made void (replaced by a newer ticket, or its flow completed another way).
    Voided {
        /// When.
        at: DateTime<Utc>,
    },
}

/// Why a ticket cannot be used. Each has its own page: a user must know whether to ask for
/// a new link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TicketError {
    /// No ticket of this purpose has this token (or the link is malformed).
    #[error("this link is not valid")]
    Unknown,
    /// Past its expiry.
    #[error("this link has expired")]
    Expired,
    /// Already used.
    #[error("this link has already been used")]
    Used,
    /// Replaced by a newer link or otherwise cancelled.
    #[error("this link has been replaced by a newer one or cancelled")]
    Voided,
}

/// A stored ticket (the token itself is only in the mail).
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Hash of the secret token.
    pub hash: TokenHash,
    /// What it is for.
    pub purpose: TicketPurpose,
    /// Whose it is.
    pub account: AccountId,
    /// For e-mail change tickets: the address to move to.
    pub new_email: Option<Email>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// First instant at which it is no longer valid.
    pub expires_at: DateTime<Utc>,
    /// Unused, used or voided.
    pub state: TicketState,
}

/// A freshly issued ticket: the token for the mail, and the record for the store.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    /// The secret to put in the link.
    pub token: SecretToken,
    /// The record to store.
    pub ticket: Ticket,
}

impl Ticket {
    /// Issues a ticket valid for [`TICKET_VALIDITY`].
    pub fn issue(
        purpose: TicketPurpose,
        account: AccountId,
        now: DateTime<Utc>,
        secrets: &dyn SecretSource,
    ) -> IssuedTicket {
        let token = SecretToken::generate(secrets);
        let ticket = Ticket {
            hash: token.hash(),
            purpose,
            account,
            new_email: None,
            issued_at: now,
            expires_at: now + TICKET_VALIDITY,
            state: TicketState::Unused,
        };
        IssuedTicket { token, ticket }
    }

    /// Whether the ticket may be consumed now for `purpose`.
    ///
    /// # Errors
    /// The [`TicketError`] that applies; a wrong purpose is [`TicketError::Unknown`].
    pub fn check(&self, purpose: TicketPurpose, now: DateTime<Utc>) -> Result<(), TicketError> {
        if self.purpose != purpose {
            return Err(TicketError::Unknown);
        }
        match self.state {
            TicketState::Used { .. } => Err(TicketError::Used),
            TicketState::Voided { .. } => Err(TicketError::Voided),
            TicketState::Unused if now >= self.expires_at => Err(TicketError::Expired),
            TicketState::Unused => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededSecrets;
    use chrono::TimeZone;

    #[test]
    fn a_ticket_is_valid_for_fourteen_days_for_its_own_purpose_only() {
        let now = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let secrets = SeededSecrets::new(1);
        let account = AccountId::generate(&secrets);
        let issued = Ticket::issue(TicketPurpose::Unlock, account, now, &secrets);
        let t = issued.ticket;
        assert_eq!(t.hash, issued.token.hash());
        assert_eq!(
            t.check(
                TicketPurpose::Unlock,
                now + Duration::days(14) - Duration::seconds(1)
            ),
            Ok(())
        );
        assert_eq!(
            t.check(TicketPurpose::Unlock, now + Duration::days(14)),
            Err(TicketError::Expired)
        );
        assert_eq!(
            t.check(TicketPurpose::PasswordReset, now),
            Err(TicketError::Unknown)
        );
        let used = Ticket {
            state: TicketState::Used { at: now },
            ..t.clone()
        };
        assert_eq!(
            used.check(TicketPurpose::Unlock, now),
            Err(TicketError::Used)
        );
        let void = Ticket {
            state: TicketState::Voided { at: now },
            ..t
        };
        assert_eq!(
            void.check(TicketPurpose::Unlock, now),
            Err(TicketError::Voided)
        );
    }
}
