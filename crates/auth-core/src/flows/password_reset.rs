//! Forgotten passwords (P3), which also unlock (L4).
//!
//! ```text
//!   request(email) ──▶ one write: the request queued ──▶ the same answer, in the same time
//!   worker: claim request ──▶ [password account, under the X5 cap?]
//!        ├─ yes ──▶ one store step: reset ticket + mail queued, older reset tickets voided
//!        └─ no ───▶ nothing
//!        ──▶ request removed
//!   open link ──▶ check ticket ──▶ form ──▶ reset(new, confirmation)
//!        ──▶ one store step: consume ticket, new hash, unlock, void other reset/unlock
//!            tickets, clear second factor, end all sessions, queue notice
//! ```

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AuditKind, ClientInfo, Email, EmailError, MailKind, NoticeKind, Password,
    PasswordContext, PasswordRejected, RESET_LINKS_PER_DAY, ResetRequestId, Ticket, TicketError,
    TicketLink, TicketPurpose,
};
use crate::ports::{PasswordReset, ResetRequest};

/// Why a reset request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
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

/// How long a claimed reset request is reserved for the worker that claimed it.
pub const RESET_REQUEST_LEASE: chrono::Duration = chrono::Duration::minutes(5);

impl Auth {
    /// "Forgot password" (P3): queues the request and answers. The answer, and the work done
    /// before it, are the same whether or not the address is registered: one durable write
    /// that reads nothing (L5: no timing oracle). The outbox worker resolves the request later
    /// ([`Auth::process_reset_requests`]): a reset ticket and its mail for a password account,
    /// nothing otherwise.
    ///
    /// # Errors
    /// [`ResetRequestError::InvalidEmail`] for text that is no address at all.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), ResetRequestError> {
        let email = Email::parse(email).map_err(ResetRequestError::InvalidEmail)?;
        let request = ResetRequest {
            id: ResetRequestId::generate(self.ports.secrets.as_ref()),
            email,
            client: client.clone(),
            requested_at: self.ports.clock.now(),
        };
        self.ports
            .store
            .queue_reset_request(&request)
            .await
            .map_err(Infrastructure::from)?;
        Ok(())
    }

    /// Resolves up to `limit` queued reset requests (the outbox worker calls this off the
    /// request path): for an address of a password account, within the X5 cap, a reset ticket
    /// is stored with its mail, voiding the account's older reset tickets (only the newest is
    /// live); anything else is dropped. Returns how many requests were resolved. A request
    /// whose resolution failed stays queued and is claimed again after its lease.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails; requests resolved before stay resolved.
    pub async fn process_reset_requests(&self, limit: u32) -> Result<u32, Infrastructure> {
        let store = &self.ports.store;
        let claimed = store
            .claim_reset_requests(self.ports.clock.now(), RESET_REQUEST_LEASE, limit)
            .await?;
        let mut resolved = 0;
        for request in claimed {
            self.resolve_reset_request(&request).await?;
            store.finish_reset_request(request.id).await?;
            resolved += 1;
        }
        Ok(resolved)
    }

    /// Issues the reset ticket a request asks for, if its address belongs to a password
    /// account and the account's daily cap allows another link (X5).
    async fn resolve_reset_request(&self, request: &ResetRequest) -> Result<(), Infrastructure> {
        let store = &self.ports.store;
        let Some(account) = store.account_by_email(&request.email).await? else {
            return Ok(());
        };
        if !account.login_method.is_password() {
            return Ok(());
        }
        // X5: a mailbox is not flooded; past the cap no mail (the answer was the same anyway).
        let now = self.ports.clock.now();
        if !store
            .record_link_send(
                account.id,
                TicketPurpose::PasswordReset,
                now,
                RESET_LINKS_PER_DAY,
            )
            .await?
        {
            return Ok(());
        }
        let issued = Ticket::issue(
            TicketPurpose::PasswordReset,
            account.id,
            now,
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
        store.issue_reset_ticket(&issued.ticket, &mail).await?;
        self.audit_account(&account, AuditKind::PasswordResetRequested, &request.client)
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
