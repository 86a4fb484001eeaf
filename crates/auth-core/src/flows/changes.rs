//! E-mail changes (E1–E3) and login-method changes (M1–M3).
//!
//! ```text
//!  E1 owner (Basic): new address twice ──▶ ticket to the NEW address
//!      open ──▶ federated/AD: done │ password account: new password + confirmation ──▶ done,
//!                                    second factor cleared (T6)
//!  E2 owner/admin on a user: address unchanged ──▶ login-method ticket to the user (M2)
//!                            address changed   ──▶ e-mail ticket to the new address
//!  M1 owner (Basic): Password or a provider (never AD) ──▶ done, second factor cleared
//!  M2 user via ticket: Password, provider, or AD when the contract has it ──▶ done, cleared
//!  M3 Facebook → another Facebook account: refused; change to another method first
//! ```

use super::Auth;
use super::manage::{Actor, ManageError};
use crate::domain::{
    AccountId, AdminAction, AuditKind, ClientInfo, ConnectionId, Email, LoginMethod, MailKind,
    MethodChoice, NoticeKind, Password, PasswordContext, Role, Session, SettingsItem, Ticket,
    TicketError, TicketLink, TicketPurpose,
};
use crate::ports::{EmailChange, MethodChange};

/// What an administrator's "send change" did (E2): exactly one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SentChange {
    /// The address was unchanged: a login-method change ticket went to the user.
    LoginMethodChange,
    /// The address was changed: an e-mail change ticket went to the new address.
    EmailChange,
}

/// What the e-mail change page shows once its link checks out.
#[derive(Debug, Clone)]
pub struct EmailChangeView {
    /// The address being moved to.
    pub new_email: Email,
    /// Whether the page must ask for a new password (password accounts, E1).
    pub needs_password: bool,
}

/// What the login-method change page shows once its link checks out.
#[derive(Debug, Clone)]
pub struct MethodChangeView {
    /// The account's address.
    pub email: Email,
    /// The contract's AD connection, when AD may be chosen (M2).
    pub connection: Option<ConnectionId>,
}

impl Auth {
    /// The owner asks to change their own address (E1): a ticket goes to the new address.
    ///
    /// # Errors
    /// See [`ManageError`].
    pub async fn request_own_email_change(
        &self,
        me: &Session,
        new: &str,
        confirmation: &str,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let actor = self.actor_for_item(me, SettingsItem::EmailChange).await?;
        let email = Email::parse(new).map_err(ManageError::InvalidEmail)?;
        let again = Email::parse(confirmation).map_err(ManageError::InvalidEmail)?;
        if email != again {
            return Err(ManageError::EmailConfirmationMismatch);
        }
        self.send_email_change(&actor, actor.account.id, email, client)
            .await
    }

    /// An owner or admin sends a user an e-mail change or a login-method change (E2): one
    /// request never does both.
    ///
    /// # Errors
    /// See [`ManageError`].
    pub async fn send_change(
        &self,
        me: &Session,
        user: AccountId,
        address: &str,
        client: &ClientInfo,
    ) -> Result<SentChange, ManageError> {
        let actor = self.actor_for_action(me, AdminAction::SendChange).await?;
        let target = self.member(&actor, user).await?;
        if target.role == Role::Owner {
            return Err(ManageError::OwnerIsProtected);
        }
        let email = Email::parse(address).map_err(ManageError::InvalidEmail)?;
        if email == target.email {
            let issued = Ticket::issue(
                TicketPurpose::LoginMethodChange,
                target.id,
                self.ports.clock.now(),
                self.ports.secrets.as_ref(),
            );
            let mail = self.mail_to(
                &target,
                MailKind::LoginMethodChange {
                    link: link(&issued),
                },
            );
            self.ports.store.issue_ticket(&issued.ticket, &mail).await?;
            self.audit(
                Some(actor.contract.id),
                Some(target.id),
                AuditKind::LoginMethodChangeRequested,
                client,
            )
            .await;
            Ok(SentChange::LoginMethodChange)
        } else {
            self.send_email_change(&actor, target.id, email, client)
                .await?;
            Ok(SentChange::EmailChange)
        }
    }

    async fn send_email_change(
        &self,
        actor: &Actor,
        account: AccountId,
        email: Email,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let target = self.member(actor, account).await?;
        if email == target.email {
            return Err(ManageError::SameEmail);
        }
        self.ensure_address_free(&email, None).await?;
        let mut issued = Ticket::issue(
            TicketPurpose::EmailChange,
            target.id,
            self.ports.clock.now(),
            self.ports.secrets.as_ref(),
        );
        issued.ticket.new_email = Some(email.clone());
        let mut mail = self.mail_to(
            &target,
            MailKind::EmailChange {
                link: link(&issued),
            },
        );
        mail.to = email;
        self.ports.store.issue_ticket(&issued.ticket, &mail).await?;
        self.audit(
            Some(actor.contract.id),
            Some(target.id),
            AuditKind::EmailChangeRequested,
            client,
        )
        .await;
        Ok(())
    }

    /// Checks an e-mail change link.
    ///
    /// # Errors
    /// [`ManageError::Ticket`] with the link's problem.
    pub async fn open_email_change(&self, token: &str) -> Result<EmailChangeView, ManageError> {
        let (ticket, new_email) = self.email_ticket(token).await?;
        let account = self
            .ports
            .store
            .account(ticket.account)
            .await?
            .ok_or(TicketError::Voided)?;
        Ok(EmailChangeView {
            new_email,
            needs_password: account.login_method.is_password(),
        })
    }

    /// Completes an e-mail change (E1, E2). A password account gives a new password with its
    /// confirmation; its second factor is cleared (T6). A notice goes to the old address (X3).
    ///
    /// # Errors
    /// See [`ManageError`].
    pub async fn complete_email_change(
        &self,
        token: &str,
        password: Option<(&str, &str)>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let (ticket, new_email) = self.email_ticket(token).await?;
        let account = self
            .ports
            .store
            .account(ticket.account)
            .await?
            .ok_or(TicketError::Voided)?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await?
            .ok_or(TicketError::Voided)?;
        let new_password_hash = if account.login_method.is_password() {
            let (pw, confirmation) = password.unwrap_or(("", ""));
            let password = Password::new(
                pw,
                confirmation,
                PasswordContext {
                    email_local_part: Some(new_email.local_part()),
                    contract_name: Some(contract.name.as_str()),
                },
            )?;
            Some(self.ports.hasher.hash(&password).await?)
        } else {
            None
        };
        let notice = self.mail_to(
            &account,
            MailKind::Notice {
                kind: NoticeKind::EmailChanged,
            },
        );
        let at = self.ports.clock.now();
        self.ports
            .store
            .apply_email_change(EmailChange {
                ticket: ticket.hash,
                new_email,
                new_password_hash,
                notice,
                at,
            })
            .await??;
        self.audit(
            Some(contract.id),
            Some(account.id),
            AuditKind::EmailChanged,
            client,
        )
        .await;
        Ok(())
    }

    /// The owner sets their own login method (M1): a password or a federated provider, never
    /// Active Directory (D2). The second factor is cleared (T6).
    ///
    /// # Errors
    /// See [`ManageError`].
    pub async fn set_own_login_method(
        &self,
        me: &Session,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let actor = self.actor_for_item(me, SettingsItem::LoginMethod).await?;
        let account = &actor.account;
        let (method, password_hash) = self
            .method_for(
                &actor.contract,
                &account.email,
                account.role,
                choice,
                Some(&account.login_method),
            )
            .await?;
        self.apply_method(&actor, account.id, None, method, password_hash, client)
            .await
    }

    /// Checks a login-method change link (M2).
    ///
    /// # Errors
    /// [`ManageError::Ticket`] with the link's problem.
    pub async fn open_method_change(&self, token: &str) -> Result<MethodChangeView, ManageError> {
        let (_, actor) = self.method_ticket(token).await?;
        Ok(MethodChangeView {
            email: actor.account.email.clone(),
            connection: actor
                .contract
                .ad
                .filter(crate::domain::AdConnection::is_on)
                .map(|ad| ad.id),
        })
    }

    /// Completes a login-method change sent by an owner or admin (M2).
    ///
    /// # Errors
    /// See [`ManageError`].
    pub async fn complete_method_change(
        &self,
        token: &str,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let (ticket, actor) = self.method_ticket(token).await?;
        self.complete_resolved_method_change(ticket, actor, choice, client)
            .await
    }

    /// [`Auth::complete_method_change`] for the ticket with `hash` (a change that went through
    /// a provider round trip).
    pub(crate) async fn complete_method_change_by_hash(
        &self,
        hash: crate::domain::TokenHash,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let ticket = self
            .live_ticket_by_hash::<ManageError>(hash, TicketPurpose::LoginMethodChange)
            .await?;
        let actor = self.method_ticket_actor(&ticket).await?;
        self.complete_resolved_method_change(ticket, actor, choice, client)
            .await
    }

    async fn complete_resolved_method_change(
        &self,
        ticket: Ticket,
        actor: Actor,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let account = &actor.account;
        let (method, password_hash) = self
            .method_for(
                &actor.contract,
                &account.email,
                account.role,
                choice,
                Some(&account.login_method),
            )
            .await?;
        self.apply_method(
            &actor,
            account.id,
            Some(ticket.hash),
            method,
            password_hash,
            client,
        )
        .await
    }

    async fn apply_method(
        &self,
        actor: &Actor,
        account: AccountId,
        ticket: Option<crate::domain::TokenHash>,
        method: LoginMethod,
        password_hash: Option<crate::domain::PasswordHash>,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let notice = self.mail_to(
            &actor.account,
            MailKind::Notice {
                kind: NoticeKind::LoginMethodChanged,
            },
        );
        let at = self.ports.clock.now();
        self.ports
            .store
            .apply_method_change(MethodChange {
                account,
                ticket,
                method,
                password_hash,
                notice,
                at,
            })
            .await??;
        self.audit(
            Some(actor.contract.id),
            Some(account),
            AuditKind::LoginMethodChanged,
            client,
        )
        .await;
        Ok(())
    }

    async fn email_ticket(&self, token: &str) -> Result<(Ticket, Email), ManageError> {
        let ticket = self
            .live_ticket::<ManageError>(token, TicketPurpose::EmailChange)
            .await?;
        let email = ticket.new_email.clone().ok_or(TicketError::Unknown)?;
        Ok((ticket, email))
    }

    pub(crate) async fn method_ticket(&self, token: &str) -> Result<(Ticket, Actor), ManageError> {
        let ticket = self
            .live_ticket::<ManageError>(token, TicketPurpose::LoginMethodChange)
            .await?;
        let actor = self.method_ticket_actor(&ticket).await?;
        Ok((ticket, actor))
    }

    async fn method_ticket_actor(&self, ticket: &Ticket) -> Result<Actor, ManageError> {
        let account = self
            .ports
            .store
            .account(ticket.account)
            .await?
            .ok_or(TicketError::Voided)?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await?
            .ok_or(TicketError::Voided)?;
        Ok(Actor { account, contract })
    }
}

fn link(issued: &crate::domain::IssuedTicket) -> TicketLink {
    TicketLink {
        purpose: issued.ticket.purpose,
        token: issued.token.clone(),
        expires_at: issued.ticket.expires_at,
    }
}
