//! Forgotten passwords (P3), which also unlock (L4).
//!
//! ```text
//!   request(email) ──▶ [password account?] ── yes ──▶ reset ticket + mail queued,
//!        │                                 │            older reset tickets voided
//!        │                                 └─ no ───▶ nothing
//!        └──▶ the same answer either way
//!   open link ──▶ check ticket ──▶ form ──▶ reset(new, confirmation)
//!        ──▶ one store step: consume ticket, new hash, unlock, void other reset/unlock
//!            tickets, clear second factor, end all sessions, queue notice
//! ```

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AuditKind, ClientInfo, Email, EmailError, MailKind, NoticeKind, Password,
    PasswordContext, PasswordRejected, RESET_LINKS_PER_DAY, Ticket, TicketError, TicketLink,
    TicketPurpose,
};
use crate::ports::PasswordReset;

/// Why a reset request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResetRequestError {
    /// The text is not an e-mail address (says nothing about registration).
    #[error("the e-mail address is not valid: {0}")]
    InvalidEmail(EmailError),
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

/// Why a reset could not complete.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResetError {
    /// The link is unknown, expired, used or voided.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The new password breaks rules (P1, X2); the ticket stays valid.
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

/// What the reset form shows once its link checks out.
#[derive(Debug, Clone)]
pub struct ResetForm {
    /// The account whose password is being reset.
    pub email: Email,
}

impl Auth {
    /// "Forgot password": mails a reset ticket if the address belongs to a password account.
    /// The answer is the same whether or not it does (P3).
    ///
    /// # Errors
    /// [`ResetRequestError::InvalidEmail`] for text that is no address at all.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), ResetRequestError> {
        let email = Email::parse(email).map_err(ResetRequestError::InvalidEmail)?;
        let Some(account) = self
            .ports
            .store
            .account_by_email(&email)
            .await
            .map_err(Infrastructure::from)?
        else {
            return Ok(());
        };
        if !account.login_method.is_password() {
            return Ok(());
        }
        // X5: a mailbox is not flooded; past the cap the answer stays the same, with no mail.
        let now = self.ports.clock.now();
        if !self
            .ports
            .store
            .record_link_send(
                account.id,
                TicketPurpose::PasswordReset,
                now,
                RESET_LINKS_PER_DAY,
            )
            .await
            .map_err(Infrastructure::from)?
        {
            return Ok(());
        }
        let issued = Ticket::issue(
            TicketPurpose::PasswordReset,
            account.id,
            self.ports.clock.now(),
            self.ports.secrets.as_ref(),
        );
        let mail = self.mail_to(
            &account,
            MailKind::PasswordReset {
                reset: TicketLink {
                    purpose: TicketPurpose::PasswordReset,
                    token: issued.token,
                    expires_at: issued.ticket.expires_at,
                },
            },
        );
        self.ports
            .store
            .issue_reset_ticket(&issued.ticket, &mail)
            .await
            .map_err(Infrastructure::from)?;
        self.audit_account(&account, AuditKind::PasswordResetRequested, client)
            .await;
        Ok(())
    }

    /// Checks a reset link before showing the form.
    ///
    /// # Errors
    /// [`ResetError::Ticket`] with the link's problem.
    pub async fn check_reset_link(&self, token: &str) -> Result<ResetForm, ResetError> {
        let (_, account) = self.reset_ticket(token).await?;
        Ok(ResetForm {
            email: account.email,
        })
    }

    /// Sets a new password through a reset link (P3).
    ///
    /// # Errors
    /// See [`ResetError`]; on any error nothing changed and a valid link stays valid.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
        confirmation: &str,
        client: &ClientInfo,
    ) -> Result<(), ResetError> {
        let (ticket, account) = self.reset_ticket(token).await?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await
            .map_err(Infrastructure::from)?;
        let password = Password::new(
            new_password,
            confirmation,
            PasswordContext {
                email_local_part: Some(account.email.local_part()),
                contract_name: contract.as_ref().map(|c| c.name.as_str()),
            },
        )?;
        let new_hash = self
            .ports
            .hasher
            .hash(&password)
            .await
            .map_err(Infrastructure::from)?;
        let notice = self.mail_to(
            &account,
            MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
        );
        let was_locked = account.lock.is_locked();
        self.ports
            .store
            .complete_password_reset(PasswordReset {
                ticket: ticket.hash,
                new_hash,
                notice,
                at: self.ports.clock.now(),
            })
            .await
            .map_err(Infrastructure::from)??;
        self.audit_account(&account, AuditKind::PasswordReset, client)
            .await;
        if was_locked {
            self.audit_account(&account, AuditKind::AccountUnlocked, client)
                .await;
        }
        Ok(())
    }

    async fn reset_ticket(&self, token: &str) -> Result<(Ticket, Account), ResetError> {
        let ticket = self
            .live_ticket::<ResetError>(token, TicketPurpose::PasswordReset)
            .await?;
        let account = self
            .ports
            .store
            .account(ticket.account)
            .await
            .map_err(Infrastructure::from)?
            .filter(|a| a.login_method.is_password())
            .ok_or(TicketError::Voided)?;
        Ok((ticket, account))
    }
}
