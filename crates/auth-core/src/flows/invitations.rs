//! Invitations (I1–I3) and the creation of a contract with its owner's invitation.
//! Diagram: [`crate::domain::Invitation`]'s module.

use thiserror::Error;

use super::manage::{
    Actor, MethodRefused, access_from, change_refused_from, infrastructure_from, refusals_from,
};
use super::{Auth, Infrastructure};
use crate::domain::{
    AccessRoute, Account, AccountId, AdConnection, AdminAction, AuditKind, ClientInfo,
    ConnectionId, Contract, ContractId, ContractName, ContractStatus, DisplayName, Email,
    EmailError, ExternalIdentity, Invitation, Locale, LockState, LoginMethod, MailKind,
    MethodChoice, NameError, Password, PasswordContext, PasswordHash, PasswordRejected, Plan,
    ReviewedPassword, Role, SecretToken, Session, Ticket, TicketError, TicketLink, TicketPurpose,
    TokenHash, TwoFactorPolicy, can_administer,
};
use crate::ports::{HashError, StoreError};

/// Why an invitation (or a new contract with its owner's invitation) was not sent, resent or
/// withdrawn (I1, I3, X5). Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InviteError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's role does not allow this, or the invitation is for an owner (A1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// No pending invitation with this ID in the actor's contract (X7).
    #[error("no such invitation")]
    NotFound,
    /// The e-mail address is not valid.
    #[error("e-mail address: {0}")]
    InvalidEmail(EmailError),
    /// A name (the invitee's, the owner's or the contract's) is not valid.
    #[error("name: {0}")]
    InvalidName(NameError),
    /// Another account uses the address (E3).
    #[error("this e-mail address is already in use")]
    EmailTaken,
    /// Too many invitations were mailed for this account today (X5).
    #[error("too many requests; please try again later")]
    RateLimited,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(InviteError);
infrastructure_from!(InviteError: StoreError);

/// Why an invitation link could not be opened or the registration completed (I2, I3, M1, D2).
/// Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistrationError {
    /// The link is unknown, expired, used or voided (I3).
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The password breaks rules (P1, X2).
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// The owner cannot sign in with Active Directory (D2).
    #[error("the contract owner cannot use Active Directory to sign in")]
    OwnerCannotUseActiveDirectory,
    /// The contract has no Active Directory connection on, or the identity is of another one.
    #[error("Active Directory is not available for this contract")]
    NoActiveDirectory,
    /// The identity is bound to another account.
    #[error("this sign-in identity is already used by another account")]
    IdentityTaken,
    /// Another account took the address meanwhile (E3).
    #[error("this e-mail address is already in use")]
    EmailTaken,
    /// The invited account was removed meanwhile.
    #[error("the account no longer exists")]
    AccountGone,
    /// The pages' confirmation came without a password kept from the review step
    /// ([`Auth::keep_reviewed_password`] must come first).
    #[error("please review your registration first")]
    ReviewRequired,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

refusals_from!(RegistrationError);
change_refused_from!(RegistrationError);
infrastructure_from!(RegistrationError: StoreError, HashError);

/// An invitation request (I1).
#[derive(Debug, Clone, Copy)]
pub struct Invite<'a> {
    /// The invitee's name.
    pub name: &'a str,
    /// The invitee's address.
    pub email: &'a str,
    /// `Admin` or `User`.
    pub role: Role,
    /// The invitee's language (I1); `None`: the inviter's own.
    pub locale: Option<Locale>,
}

/// What the invitation page shows once its link checks out (I2).
#[derive(Debug, Clone)]
pub struct InvitationView {
    /// The invitee's address (the sign-in ID to be).
    pub email: Email,
    /// The invitee's name.
    pub name: DisplayName,
    /// The inviting contract's name.
    pub contract_name: ContractName,
    /// The contract's AD connection ID, shown to confirm, when AD is available (I2).
    pub connection: Option<ConnectionId>,
    /// The invitation's language, which the registration pages open in (I1).
    pub locale: Locale,
    /// Whether a password chosen at the review step is kept for the confirmation (I2).
    pub password_kept: bool,
}

/// A new contract with its owner's invitation.
#[derive(Debug)]
pub struct NewContract {
    /// The contract.
    pub contract: ContractId,
    /// The owner's reserved account ID.
    pub owner: AccountId,
    /// The owner's invitation token (also mailed), for the operator who created it.
    pub invitation: SecretToken,
}

/// What an operator gives to create a contract.
#[derive(Debug, Clone, Copy)]
pub struct ContractRequest<'a> {
    /// The customer's name.
    pub name: &'a str,
    /// The owner's address.
    pub owner_email: &'a str,
    /// The owner's name.
    pub owner_name: &'a str,
    /// `Basic`, or a trial starting now.
    pub trial: bool,
    /// The owner's language: of the invitation mail, the registration pages and the account.
    pub locale: Locale,
}

impl Auth {
    /// Creates a contract and invites its owner (operators only; the app's CLI).
    ///
    /// # Errors
    /// [`InviteError::InvalidEmail`], [`InviteError::InvalidName`],
    /// [`InviteError::EmailTaken`].
    pub async fn create_contract(
        &self,
        request: ContractRequest<'_>,
    ) -> Result<NewContract, InviteError> {
        let email = Email::parse(request.owner_email).map_err(InviteError::InvalidEmail)?;
        let owner_name =
            DisplayName::parse(request.owner_name).map_err(InviteError::InvalidName)?;
        let name = ContractName::parse(request.name).map_err(InviteError::InvalidName)?;
        if self.ports.store.account_by_email(&email).await?.is_some() {
            return Err(InviteError::EmailTaken);
        }
        let now = self.ports.clock.now();
        let contract = Contract {
            id: ContractId::generate(self.ports.secrets.as_ref()),
            name,
            plan: if request.trial {
                Plan::FreeTrial { started_at: now }
            } else {
                Plan::Basic
            },
            two_factor: TwoFactorPolicy::Enabled,
            access_route: AccessRoute::LineAndInternet,
            ad: None,
            status: ContractStatus::Active,
            created_at: now,
        };
        self.ports.store.insert_contract(&contract).await?;
        let invitation = Invitation {
            account: AccountId::generate(self.ports.secrets.as_ref()),
            contract: contract.id,
            email,
            display_name: owner_name,
            role: Role::Owner,
            invited_by: None,
            sent_at: now,
            locale: request.locale,
            reviewed_password: None,
        };
        let token = self.send_invitation(&contract, &invitation).await?;
        Ok(NewContract {
            contract: contract.id,
            owner: invitation.account,
            invitation: token,
        })
    }

    /// Invites a user (I1): an invitation ticket (14 days) is mailed.
    ///
    /// # Errors
    /// See [`InviteError`].
    pub async fn invite_user(
        &self,
        me: &Session,
        invite: Invite<'_>,
        client: &ClientInfo,
    ) -> Result<AccountId, InviteError> {
        let actor = self.actor_for_action(me, AdminAction::Invite).await?;
        if invite.role == Role::Owner {
            return Err(InviteError::NotPermitted);
        }
        let email = Email::parse(invite.email).map_err(InviteError::InvalidEmail)?;
        let name = DisplayName::parse(invite.name).map_err(InviteError::InvalidName)?;
        if self.address_taken(&email, None).await? {
            return Err(InviteError::EmailTaken);
        }
        let invitation = Invitation {
            account: AccountId::generate(self.ports.secrets.as_ref()),
            contract: actor.contract.id,
            email,
            display_name: name,
            role: invite.role,
            invited_by: Some(actor.account.id),
            sent_at: self.ports.clock.now(),
            // I1: the inviter's own language unless they chose the invitee's.
            locale: invite.locale.unwrap_or(actor.account.locale),
            reviewed_password: None,
        };
        self.send_invitation(&actor.contract, &invitation).await?;
        self.audit(
            Some(actor.contract.id),
            Some(invitation.account),
            AuditKind::InvitationSent,
            client,
        )
        .await;
        Ok(invitation.account)
    }

    /// Sends an invitation again (A1, I3): the previous link stops working. The invitation
    /// keeps its language; a password kept from the old link's review step is dropped.
    ///
    /// # Errors
    /// [`InviteError::NotFound`] when there is no pending invitation in the actor's contract.
    pub async fn resend_invitation(
        &self,
        me: &Session,
        invited: AccountId,
        client: &ClientInfo,
    ) -> Result<(), InviteError> {
        let actor = self.actor_for_action(me, AdminAction::Invite).await?;
        let mut invitation = self.own_invitation(&actor, invited).await?;
        invitation.sent_at = self.ports.clock.now();
        invitation.reviewed_password = None;
        self.send_invitation(&actor.contract, &invitation).await?;
        self.audit(
            Some(actor.contract.id),
            Some(invited),
            AuditKind::InvitationSent,
            client,
        )
        .await;
        Ok(())
    }

    /// Withdraws a pending invitation; its link stops working.
    ///
    /// # Errors
    /// [`InviteError::NotFound`].
    pub async fn withdraw_invitation(
        &self,
        me: &Session,
        invited: AccountId,
    ) -> Result<(), InviteError> {
        let actor = self.actor_for_action(me, AdminAction::Invite).await?;
        self.own_invitation(&actor, invited).await?;
        self.ports
            .store
            .withdraw_invitation(invited, self.ports.clock.now())
            .await?;
        Ok(())
    }

    /// Checks an invitation link and returns what its page shows (I2, I3).
    ///
    /// # Errors
    /// [`RegistrationError::Ticket`] with the link's problem: its own page for expired, used and
    /// voided links.
    pub async fn open_invitation(&self, token: &str) -> Result<InvitationView, RegistrationError> {
        let (ticket, invitation, contract) = self.invitation_ticket(token).await?;
        Ok(InvitationView {
            email: invitation.email,
            name: invitation.display_name,
            contract_name: contract.name,
            connection: contract
                .ad
                .filter(AdConnection::is_on)
                .map(|ad| ad.id)
                .filter(|_| invitation.role != Role::Owner),
            locale: invitation.locale,
            password_kept: invitation
                .reviewed_password
                .as_ref()
                .and_then(|r| r.for_link(&ticket.hash))
                .is_some(),
        })
    }

    /// The confirmation step (I2) of the API: checks the chosen method without writing
    /// anything; the client sends the choice again with [`Auth::accept_invitation`].
    ///
    /// # Errors
    /// See [`RegistrationError`].
    pub async fn review_invitation(
        &self,
        token: &str,
        choice: &MethodChoice<'_>,
    ) -> Result<InvitationView, RegistrationError> {
        let (_, invitation, contract) = self.invitation_ticket(token).await?;
        self.method_for(&contract, &invitation.email, invitation.role, choice, None)
            .await?;
        self.open_invitation(token).await
    }

    /// The confirmation step (I2) of the registration pages: checks the password like
    /// [`Auth::review_invitation`] and keeps its hash with the pending invitation
    /// ([`Invitation::reviewed_password`] says why a hash), so that the review page carries no
    /// password and [`Auth::accept_reviewed_invitation`] completes the registration with it.
    /// A later review replaces it.
    ///
    /// # Errors
    /// See [`RegistrationError`]; a refused password keeps nothing (and forgets an earlier
    /// one).
    pub async fn keep_reviewed_password(
        &self,
        token: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<InvitationView, RegistrationError> {
        let (ticket, invitation, contract) = self.invitation_ticket(token).await?;
        let choice = MethodChoice::Password {
            password,
            confirmation,
        };
        let hash = match self
            .method_for(&contract, &invitation.email, invitation.role, &choice, None)
            .await
        {
            Ok((_, hash)) => hash,
            Err(e) => {
                self.ports
                    .store
                    .set_reviewed_password(invitation.account, None)
                    .await?;
                return Err(e.into());
            }
        };
        // Kept with the link it was reviewed under: should a resend replace the link while
        // this review runs, the hash is never used with the new link.
        let kept = hash.map(|hash| ReviewedPassword {
            hash,
            link: ticket.hash,
        });
        if !self
            .ports
            .store
            .set_reviewed_password(invitation.account, kept.as_ref())
            .await?
        {
            return Err(TicketError::Voided.into());
        }
        self.open_invitation(token).await
    }

    /// Completes the registration (I2) with the password kept at the review step
    /// ([`Auth::keep_reviewed_password`]).
    ///
    /// # Errors
    /// [`RegistrationError::ReviewRequired`] when no password is kept for this link (the review
    /// step must come first); otherwise as [`Auth::accept_invitation`].
    pub async fn accept_reviewed_invitation(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<AccountId, RegistrationError> {
        let (ticket, invitation, contract) = self.invitation_ticket(token).await?;
        let hash = invitation
            .reviewed_password
            .as_ref()
            .and_then(|r| r.for_link(&ticket.hash))
            .cloned()
            .ok_or(RegistrationError::ReviewRequired)?;
        self.create_invited_account(
            (ticket, invitation, contract),
            LoginMethod::Password,
            Some(hash),
            client,
        )
        .await
    }

    /// Completes the registration (I2): the account exists from now on and can sign in.
    ///
    /// # Errors
    /// See [`RegistrationError`]; nothing is written unless everything holds.
    pub async fn accept_invitation(
        &self,
        token: &str,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<AccountId, RegistrationError> {
        let resolved = self.invitation_ticket(token).await?;
        self.accept_resolved_invitation(resolved, choice, client)
            .await
    }

    /// [`Auth::accept_invitation`] for the invitation whose ticket has `hash` (a registration
    /// that went through a provider round trip).
    pub(crate) async fn accept_invitation_by_hash(
        &self,
        hash: TokenHash,
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<AccountId, RegistrationError> {
        let ticket = self
            .live_ticket_by_hash::<RegistrationError>(hash, TicketPurpose::Invitation)
            .await?;
        let resolved = self.invitation_of(ticket).await?;
        self.accept_resolved_invitation(resolved, choice, client)
            .await
    }

    async fn accept_resolved_invitation(
        &self,
        (ticket, invitation, contract): (Ticket, Invitation, Contract),
        choice: &MethodChoice<'_>,
        client: &ClientInfo,
    ) -> Result<AccountId, RegistrationError> {
        let (method, hash) = self
            .method_for(&contract, &invitation.email, invitation.role, choice, None)
            .await?;
        self.create_invited_account((ticket, invitation, contract), method, hash, client)
            .await
    }

    /// The account of an accepted invitation, in the invitation's language (I1, I2).
    async fn create_invited_account(
        &self,
        (ticket, invitation, contract): (Ticket, Invitation, Contract),
        method: LoginMethod,
        hash: Option<PasswordHash>,
        client: &ClientInfo,
    ) -> Result<AccountId, RegistrationError> {
        let now = self.ports.clock.now();
        let account = Account {
            id: invitation.account,
            contract: contract.id,
            email: invitation.email,
            display_name: invitation.display_name,
            role: invitation.role,
            locale: invitation.locale,
            login_method: method,
            password_hash: hash,
            lock: LockState::default(),
            created_at: now,
        };
        self.ports
            .store
            .accept_invitation(ticket.hash, &account, now)
            .await??;
        self.audit(
            Some(contract.id),
            Some(account.id),
            AuditKind::InvitationAccepted,
            client,
        )
        .await;
        Ok(account.id)
    }

    /// The login method a choice makes for an account of `contract` (I2, M1, M2), hashing a
    /// chosen password. `current` is the method being replaced: an identity
    /// already bound to this account is not "taken". M3 is the method change's own check.
    pub(crate) async fn method_for(
        &self,
        contract: &Contract,
        email: &Email,
        role: Role,
        choice: &MethodChoice<'_>,
        current: Option<&LoginMethod>,
    ) -> Result<(LoginMethod, Option<PasswordHash>), MethodRefused> {
        match choice {
            MethodChoice::Password {
                password,
                confirmation,
            } => {
                let password = Password::new(
                    password,
                    confirmation,
                    PasswordContext {
                        email_local_part: Some(email.local_part()),
                        contract_name: Some(contract.name.as_str()),
                    },
                )?;
                let hash = self
                    .ports
                    .hasher
                    .hash(&password)
                    .await
                    .map_err(Infrastructure::from)?;
                Ok((LoginMethod::Password, Some(hash)))
            }
            MethodChoice::Identity(identity) => {
                if let ExternalIdentity::ActiveDirectory { connection, .. } = identity {
                    if role == Role::Owner {
                        return Err(MethodRefused::OwnerCannotUseActiveDirectory);
                    }
                    if contract
                        .ad
                        .as_ref()
                        .filter(|ad| ad.is_on())
                        .map(|ad| &ad.id)
                        != Some(connection)
                    {
                        return Err(MethodRefused::NoActiveDirectory);
                    }
                }
                if self
                    .ports
                    .store
                    .account_by_identity(identity)
                    .await?
                    .is_some_and(|a| current.is_none() || Some(&a.login_method) != current)
                {
                    return Err(MethodRefused::IdentityTaken);
                }
                Ok((identity.login_method(), None))
            }
        }
    }

    pub(crate) async fn invitation_ticket(
        &self,
        token: &str,
    ) -> Result<(Ticket, Invitation, Contract), RegistrationError> {
        let ticket = self
            .live_ticket::<RegistrationError>(token, TicketPurpose::Invitation)
            .await?;
        self.invitation_of(ticket).await
    }

    /// An invitation ticket's invitation and contract.
    async fn invitation_of(
        &self,
        ticket: Ticket,
    ) -> Result<(Ticket, Invitation, Contract), RegistrationError> {
        let invitation = self
            .ports
            .store
            .invitation(ticket.account)
            .await?
            .ok_or(TicketError::Voided)?;
        let contract = self
            .ports
            .store
            .contract(invitation.contract)
            .await?
            .ok_or(TicketError::Voided)?;
        self.ensure_invitation_stands(&invitation, &contract)
            .await?;
        Ok((ticket, invitation, contract))
    }

    /// I1: the invitation's role is checked against the contract as it is now. An owner's
    /// invitation stands while the contract has no owner; any other needs its issuer to be an
    /// account of this contract that may still invite (a removed issuer's invitations are
    /// withdrawn by the store; one that lost the admin role no longer vouches for them). A
    /// failed check reads as a voided link (I3).
    async fn ensure_invitation_stands(
        &self,
        invitation: &Invitation,
        contract: &Contract,
    ) -> Result<(), RegistrationError> {
        let stands = match invitation.role {
            Role::Owner => !self
                .ports
                .store
                .accounts_of(contract.id)
                .await?
                .iter()
                .any(|a| a.role == Role::Owner),
            _ => match invitation.invited_by {
                Some(issuer) => self.ports.store.account(issuer).await?.is_some_and(|a| {
                    a.contract == contract.id && can_administer(AdminAction::Invite, a.role)
                }),
                None => false,
            },
        };
        if stands {
            Ok(())
        } else {
            Err(TicketError::Voided.into())
        }
    }

    async fn own_invitation(
        &self,
        actor: &Actor,
        invited: AccountId,
    ) -> Result<Invitation, InviteError> {
        self.ports
            .store
            .invitation(invited)
            .await?
            .filter(|i| i.contract == actor.contract.id)
            .ok_or(InviteError::NotFound)
    }

    /// Whether an account (other than `except`) uses an address; callers refuse it as taken.
    pub(crate) async fn address_taken(
        &self,
        email: &Email,
        except: Option<AccountId>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .ports
            .store
            .account_by_email(email)
            .await?
            .is_some_and(|a| Some(a.id) != except))
    }

    async fn send_invitation(
        &self,
        contract: &Contract,
        invitation: &Invitation,
    ) -> Result<SecretToken, InviteError> {
        // X5: an address is not flooded with invitations (first send and resends).
        if !self
            .ports
            .store
            .record_link_send(
                invitation.account,
                TicketPurpose::Invitation,
                invitation.sent_at,
                crate::domain::INVITATIONS_PER_DAY,
            )
            .await?
        {
            return Err(InviteError::RateLimited);
        }
        let issued = Ticket::issue(
            TicketPurpose::Invitation,
            invitation.account,
            invitation.sent_at,
            self.ports.secrets.as_ref(),
        );
        let mail = crate::domain::Mail {
            id: crate::domain::MailId::generate(self.ports.secrets.as_ref()),
            to: invitation.email.clone(),
            locale: invitation.locale,
            kind: {
                let link = TicketLink {
                    purpose: TicketPurpose::Invitation,
                    token: issued.token.clone(),
                    expires_at: issued.ticket.expires_at,
                };
                let contract_name = contract.name.as_str().to_owned();
                let name = invitation.display_name.as_str().to_owned();
                // The owner is invited by nobody: their first mail is worded for them.
                if invitation.role == crate::domain::Role::Owner {
                    MailKind::OwnerInvitation {
                        link,
                        contract_name,
                        owner_name: name,
                    }
                } else {
                    MailKind::Invitation {
                        link,
                        contract_name,
                        invitee_name: name,
                    }
                }
            },
            created_at: invitation.sent_at,
        };
        self.ports
            .store
            .save_invitation(invitation, &issued.ticket, &mail)
            .await?;
        Ok(issued.token)
    }
}
