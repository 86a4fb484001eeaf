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

use thiserror::Error;

use super::manage::{Actor, access_from, change_refused_from, infrastructure_from, refusals_from};
use super::{Auth, Infrastructure};
use crate::domain::{
    AccountId, AdminAction, AuditKind, ClientInfo, ConnectionId, Email, EmailError,
    ExternalIdentity, LoginMethod, MailKind, MethodChoice, NoticeKind, Password, PasswordContext,
    PasswordRejected, Provider, Role, Session, SettingsItem, Ticket, TicketError, TicketLink,
    TicketPurpose,
};
use crate::ports::{EmailChange, HashError, MethodChange, StoreError};

/// Why an e-mail change (E1) or an administrator's change (E2) was not sent. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChangeRequestError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's plan or role does not allow this (S1, A1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// No such account in the actor's contract (also when it exists in another contract: X7).
    #[error("no such user")]
    NotFound,
    /// The owner's own account cannot be the target of an administrator's change.
    #[error("this cannot be done to the contract owner")]
    OwnerIsProtected,
    /// The e-mail address is not valid.
    #[error("e-mail address: {0}")]
    InvalidEmail(EmailError),
    /// The two e-mail fields differ.
    #[error("the e-mail address and its confirmation differ")]
    EmailConfirmationMismatch,
    /// The new address is the current one.
    #[error("the new e-mail address is the current one")]
    SameEmail,
    /// Another account uses the address (E3).
    #[error("this e-mail address is already in use")]
    EmailTaken,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(ChangeRequestError);
infrastructure_from!(ChangeRequestError: StoreError);

/// Why an e-mail change link could not be opened or the change completed (E1, E2, E3, I3).
/// Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailChangeError {
    /// The link is unknown, expired, used or voided (I3).
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The new password breaks rules (P1, X2).
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// Another account took the address meanwhile (E3).
    #[error("this e-mail address is already in use")]
    EmailTaken,
    /// The store found the account bound to an identity another account uses.
    #[error("this sign-in identity is already used by another account")]
    IdentityTaken,
    /// The account was removed meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

change_refused_from!(EmailChangeError);
infrastructure_from!(EmailChangeError: StoreError, HashError);

/// Why a login method could not be set (M1), or a method-change link opened or completed (M2,
/// M3, D2). Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MethodChangeError {
    /// The session's account or contract no longer exists (M1).
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's plan or role does not allow this (S1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// The link is unknown, expired, used or voided (I3).
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The password breaks rules (P1, X2).
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// The owner cannot sign in with Active Directory (D2, M1).
    #[error("the contract owner cannot use Active Directory to sign in")]
    OwnerCannotUseActiveDirectory,
    /// The contract has no Active Directory connection on, or the identity is of another one.
    #[error("Active Directory is not available for this contract")]
    NoActiveDirectory,
    /// A Facebook-bound account cannot move to another Facebook account directly (M3).
    #[error("to use a different Facebook account, first change to another sign-in method")]
    FacebookRebind,
    /// The identity is bound to another account.
    #[error("this sign-in identity is already used by another account")]
    IdentityTaken,
    /// The store found the address taken by another account (E3).
    #[error("this e-mail address is already in use")]
    EmailTaken,
    /// The account was removed meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(MethodChangeError);
refusals_from!(MethodChangeError);
change_refused_from!(MethodChangeError);
infrastructure_from!(MethodChangeError: StoreError, HashError);

/// M3: a Facebook-bound account may not move to another Facebook account directly.
fn check_facebook_rebind(
    current: &LoginMethod,
    choice: &MethodChoice<'_>,
) -> Result<(), MethodChangeError> {
    let MethodChoice::Identity(identity @ ExternalIdentity::Federated { .. }) = choice else {
        return Ok(());
    };
    if let (
        LoginMethod::Federated {
            provider: Provider::Facebook,
            subject: old,
        },
        LoginMethod::Federated {
            provider: Provider::Facebook,
            subject: new,
        },
    ) = (current, &identity.login_method())
        && old != new
    {
        return Err(MethodChangeError::FacebookRebind);
    }
    Ok(())
}

/// What an administrator's "send change" did (E2): exactly one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// See [`ChangeRequestError`].
    pub async fn request_own_email_change(
        &self,
        me: &Session,
        new: &str,
        confirmation: &str,
        client: &ClientInfo,
    ) -> Result<(), ChangeRequestError> {
        let actor = self.actor_for_item(me, SettingsItem::EmailChange).await?;
        let email = Email::parse(new).map_err(ChangeRequestError::InvalidEmail)?;
        let again = Email::parse(confirmation).map_err(ChangeRequestError::InvalidEmail)?;
        if email != again {
            return Err(ChangeRequestError::EmailConfirmationMismatch);
        }
        self.send_email_change(&actor, actor.account.id, email, client)
            .await
    }

    /// An owner or admin sends a user an e-mail change or a login-method change (E2): one
    /// request never does both.
    ///
    /// # Errors
    /// See [`ChangeRequestError`].
    pub async fn send_change(
        &self,
        me: &Session,
        user: AccountId,
        address: &str,
        client: &ClientInfo,
    ) -> Result<SentChange, ChangeRequestError> {
        let actor = self.actor_for_action(me, AdminAction::SendChange).await?;
        let target = self
            .member(&actor, user)
            .await?
            .ok_or(ChangeRequestError::NotFound)?;
        if target.role == Role::Owner {
            return Err(ChangeRequestError::OwnerIsProtected);
        }
        let email = Email::parse(address).map_err(ChangeRequestError::InvalidEmail)?;
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
    ) -> Result<(), ChangeRequestError> {
        let target = self
            .member(actor, account)
            .await?
            .ok_or(ChangeRequestError::NotFound)?;
        if email == target.email {
            return Err(ChangeRequestError::SameEmail);
        }
        if self.address_taken(&email, None).await? {
            return Err(ChangeRequestError::EmailTaken);
        }
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
    /// [`EmailChangeError::Ticket`] with the link's problem.
    pub async fn open_email_change(
        &self,
        token: &str,
    ) -> Result<EmailChangeView, EmailChangeError> {
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
    /// See [`EmailChangeError`].
    pub async fn complete_email_change(
        &self,
        token: &str,
        password: Option<(&str, &str)>,
        client: &ClientInfo,
    ) -> Result<(), EmailChangeError> {
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
    /// See [`MethodChangeError`].
    pub async fn set_own_login_method(
        &self,
        me: &Session,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), MethodChangeError> {
        let actor = self.actor_for_item(me, SettingsItem::LoginMethod).await?;
        let account = &actor.account;
        check_facebook_rebind(&account.login_method, choice)?;
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
    /// [`MethodChangeError::Ticket`] with the link's problem.
    pub async fn open_method_change(
        &self,
        token: &str,
    ) -> Result<MethodChangeView, MethodChangeError> {
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
    /// See [`MethodChangeError`].
    pub async fn complete_method_change(
        &self,
        token: &str,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<(), MethodChangeError> {
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
    ) -> Result<(), MethodChangeError> {
        let ticket = self
            .live_ticket_by_hash::<MethodChangeError>(hash, TicketPurpose::LoginMethodChange)
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
    ) -> Result<(), MethodChangeError> {
        let account = &actor.account;
        check_facebook_rebind(&account.login_method, choice)?;
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
    ) -> Result<(), MethodChangeError> {
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

    async fn email_ticket(&self, token: &str) -> Result<(Ticket, Email), EmailChangeError> {
        let ticket = self
            .live_ticket::<EmailChangeError>(token, TicketPurpose::EmailChange)
            .await?;
        let email = ticket.new_email.clone().ok_or(TicketError::Unknown)?;
        Ok((ticket, email))
    }

    pub(crate) async fn method_ticket(
        &self,
        token: &str,
    ) -> Result<(Ticket, Actor), MethodChangeError> {
        let ticket = self
            .live_ticket::<MethodChangeError>(token, TicketPurpose::LoginMethodChange)
            .await?;
        let actor = self.method_ticket_actor(&ticket).await?;
        Ok((ticket, actor))
    }

    async fn method_ticket_actor(&self, ticket: &Ticket) -> Result<Actor, MethodChangeError> {
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
