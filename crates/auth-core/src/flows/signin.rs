//! Password sign-in (L1–L5, L11).
//!
//! An unknown e-mail, a wrong password, a locked account and an account without a password all
//! give [`SignInError::InvalidCredentials`], and each costs exactly one password verification,
//! so neither the answer nor its timing tells them apart (L5).

use thiserror::Error;

use super::two_factor::PendingGrant;
use super::{Auth, Infrastructure};
use crate::domain::{
    AccessRoute, Account, AuditKind, Channel, ClientInfo, ContractStatus, Email, EmailError,
    ExternalIdentity, FailureOutcome, LineArea, LoginMethod, MailKind, Password, PasswordCandidate,
    Role, SecretToken, Session, SessionId, SessionScope, SettingsItem, SignInFailure, Ticket,
    TicketLink, TicketPurpose, TwoFactorPolicy, Viewer, can_use,
};
use crate::ports::{LockArtifacts, Success, SuccessRefused, Verification};

/// A password sign-in request.
#[derive(Debug)]
pub struct PasswordSignIn<'a> {
    /// The e-mail as typed.
    pub email: &'a str,
    /// The password as typed.
    pub password: PasswordCandidate,
    /// Who is asking.
    pub client: ClientInfo,
    /// The service, or the settings menu (S2).
    pub scope: SessionScope,
    /// The device token of a remembered browser, if the browser presented one (L6).
    pub remembered_browser: Option<SecretToken>,
}

/// A new session: the token goes to the browser once, the record is stored.
#[derive(Debug)]
pub struct SessionGrant {
    /// The bearer token for the cookie.
    pub token: SecretToken,
    /// The stored session.
    pub session: Session,
}

/// Where a successful sign-in stands.
#[derive(Debug)]
pub enum SignInOutcome {
    /// Signed in: a session exists.
    SignedIn(SessionGrant),
    /// The password was right; a second factor is needed first (L6). No session exists.
    SecondFactorRequired(PendingGrant),
}

/// Why a sign-in failed.
#[derive(Debug, Error)]
pub enum SignInError {
    /// The e-mail is not an address at all (says nothing about registration).
    #[error("the e-mail address is not valid: {0}")]
    InvalidEmail(EmailError),
    /// Unknown e-mail, wrong password, or locked account: one answer for all (L5).
    #[error("the e-mail address or password is incorrect")]
    InvalidCredentials,
    /// The password was right but the contract's service has ended (C1) or was cancelled.
    #[error("the contract's service period has ended")]
    ContractEnded,
    /// Over a carrier line not registered to the account's contract (L9).
    #[error("line authentication failed: this line is not registered for your contract")]
    LineNotRegistered,
    /// Over the internet while the contract allows carrier lines only (L10).
    #[error("your contract allows sign-in only through its registered lines")]
    InternetNotAllowed,
    /// A federated or AD identity bound to no account (L7).
    #[error("this sign-in is not linked to any account")]
    UnboundIdentity,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl Auth {
    /// Signs in with e-mail and password.
    ///
    /// # Errors
    /// See [`SignInError`].
    pub async fn sign_in_with_password(
        &self,
        request: PasswordSignIn<'_>,
    ) -> Result<SignInOutcome, SignInError> {
        let email = Email::parse(request.email).map_err(SignInError::InvalidEmail)?;
        let found = self
            .ports
            .store
            .account_by_email(&email)
            .await
            .map_err(Infrastructure::from)?;
        let (account, hash) = match found {
            Some(account) => match (&account.login_method, account.password_hash.clone()) {
                (LoginMethod::Password, Some(hash)) => (account, hash),
                _ => {
                    self.refuse_without_hash(
                        &request,
                        Some(&account),
                        SignInFailure::NotAPasswordAccount,
                    )
                    .await?;
                    return Err(SignInError::InvalidCredentials);
                }
            },
            None => {
                self.refuse_without_hash(&request, None, SignInFailure::UnknownEmail)
                    .await?;
                return Err(SignInError::InvalidCredentials);
            }
        };

        let verification = self
            .ports
            .hasher
            .verify(&request.password, &hash)
            .await
            .map_err(Infrastructure::from)?;
        if account.lock.is_locked() {
            self.audit_account(&account, failed(SignInFailure::Locked), &request.client)
                .await;
            return Err(SignInError::InvalidCredentials);
        }
        let needs_rehash = match verification {
            Verification::Mismatch => {
                self.count_failure(&account, &request.client, SignInFailure::WrongPassword)
                    .await?;
                return Err(SignInError::InvalidCredentials);
            }
            Verification::Match { needs_rehash } => needs_rehash,
        };

        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await
            .map_err(Infrastructure::from)?;
        let now = self.ports.clock.now();
        let Some(contract) = contract else {
            return Err(SignInError::InvalidCredentials);
        };
        // A trial owner may still reach the settings menu to upgrade (C2).
        let upgrade_open = request.scope == SessionScope::Settings
            && can_use(
                SettingsItem::PlanChange,
                &Viewer {
                    role: account.role,
                    plan: contract.plan,
                    has_password: true,
                },
                now,
            );
        if contract.has_ended(now) && !(upgrade_open && contract.status == ContractStatus::Active) {
            self.audit_account(
                &account,
                failed(SignInFailure::ContractEnded),
                &request.client,
            )
            .await;
            return Err(SignInError::ContractEnded);
        }

        let route = self
            .channel_route(&account, &contract, &request.client, request.scope)
            .await?;

        let second_factor = route == ChannelRoute::Internet
            && contract.two_factor == TwoFactorPolicy::Enabled
            && !self
                .browser_is_remembered(request.remembered_browser.as_ref(), &account)
                .await?;
        let rehash = if needs_rehash {
            self.rehash(&request.password).await
        } else {
            None
        };
        let rehashed = rehash.is_some();
        // The count is reset only when the sign-in completes: between the password and the
        // second factor it keeps counting, so a known password gives no fresh guesses (L2).
        let completes_now = !second_factor && !matches!(route, ChannelRoute::LineNeedsConsent(_));
        let success = Success {
            verified: Some(hash),
            reset_failures: completes_now,
            rehash,
        };
        match self
            .ports
            .store
            .record_success(account.id, success)
            .await
            .map_err(Infrastructure::from)?
        {
            Ok(()) => {}
            Err(SuccessRefused::Stale) => {
                // The password was replaced (a reset) while this one was being checked.
                self.audit_account(
                    &account,
                    failed(SignInFailure::WrongPassword),
                    &request.client,
                )
                .await;
                return Err(SignInError::InvalidCredentials);
            }
            Err(_) => {
                // Locked by a concurrent failure between our read and now (L4).
                self.audit_account(&account, failed(SignInFailure::Locked), &request.client)
                    .await;
                return Err(SignInError::InvalidCredentials);
            }
        }
        if rehashed {
            self.audit_account(&account, AuditKind::PasswordRehashed, &request.client)
                .await;
        }
        if second_factor {
            let pending = self
                .begin_second_factor(&account, &request.client, request.scope)
                .await?;
            return Ok(SignInOutcome::SecondFactorRequired(pending));
        }
        self.finish_first_factor(&account, &request.client, request.scope, route)
            .await
    }

    /// Signs in with an identity a federated provider or the contract's AD connection has
    /// verified (L7, L8). The provider's own multi-factor applies: tobira asks for no second
    /// factor. Line rules (L9, L10, N5) apply as for passwords.
    ///
    /// # Errors
    /// [`SignInError::UnboundIdentity`] for an identity bound to no account; see
    /// [`SignInError`].
    pub async fn sign_in_with_identity(
        &self,
        request: IdentitySignIn,
    ) -> Result<SignInOutcome, SignInError> {
        let store = &self.ports.store;
        let Some(account) = store
            .account_by_identity(&request.identity)
            .await
            .map_err(Infrastructure::from)?
        else {
            self.audit(
                None,
                None,
                failed(SignInFailure::UnboundIdentity),
                &request.client,
            )
            .await;
            return Err(SignInError::UnboundIdentity);
        };
        if account.lock.is_locked() {
            self.audit_account(&account, failed(SignInFailure::Locked), &request.client)
                .await;
            return Err(SignInError::InvalidCredentials);
        }
        let contract = store
            .contract(account.contract)
            .await
            .map_err(Infrastructure::from)?
            .ok_or(SignInError::UnboundIdentity)?;
        if let ExternalIdentity::ActiveDirectory { connection, .. } = &request.identity
            && contract
                .ad
                .as_ref()
                .filter(|ad| ad.is_on())
                .map(|ad| &ad.id)
                != Some(connection)
        {
            return Err(SignInError::UnboundIdentity);
        }
        let now = self.ports.clock.now();
        if contract.has_ended(now) {
            self.audit_account(
                &account,
                failed(SignInFailure::ContractEnded),
                &request.client,
            )
            .await;
            return Err(SignInError::ContractEnded);
        }
        let route = self
            .channel_route(&account, &contract, &request.client, request.scope)
            .await?;
        self.finish_first_factor(&account, &request.client, request.scope, route)
            .await
    }

    /// Applies the channel rules (L9, L10) after the credentials were right.
    async fn channel_route(
        &self,
        account: &Account,
        contract: &crate::domain::Contract,
        client: &ClientInfo,
        scope: SessionScope,
    ) -> Result<ChannelRoute, SignInError> {
        match &client.channel {
            Channel::Line(line) => {
                let lines = self
                    .ports
                    .store
                    .lines_of(contract.id)
                    .await
                    .map_err(Infrastructure::from)?;
                if !lines.contains(line) {
                    self.audit_account(account, failed(SignInFailure::LineNotRegistered), client)
                        .await;
                    return Err(SignInError::LineNotRegistered);
                }
                let consented = line.area() != LineArea::West
                    || self
                        .ports
                        .store
                        .line_consented(contract.id, line)
                        .await
                        .map_err(Infrastructure::from)?;
                Ok(if consented {
                    ChannelRoute::Line
                } else {
                    ChannelRoute::LineNeedsConsent(line.clone())
                })
            }
            Channel::Internet => {
                // N4: the owner may still reach the settings menu to switch back.
                let owner_settings = account.role == Role::Owner && scope == SessionScope::Settings;
                if contract.access_route == AccessRoute::LineOnly && !owner_settings {
                    self.audit_account(account, failed(SignInFailure::InternetNotAllowed), client)
                        .await;
                    return Err(SignInError::InternetNotAllowed);
                }
                Ok(ChannelRoute::Internet)
            }
        }
    }

    /// Opens the session, or first asks the West Japan line consent (N5).
    async fn finish_first_factor(
        &self,
        account: &Account,
        client: &ClientInfo,
        scope: SessionScope,
        route: ChannelRoute,
    ) -> Result<SignInOutcome, SignInError> {
        if let ChannelRoute::LineNeedsConsent(line) = route {
            let pending = self
                .begin_line_consent(account, client, scope, line)
                .await?;
            return Ok(SignInOutcome::SecondFactorRequired(pending));
        }
        let grant = self.open_session(account, client, scope).await?;
        Ok(SignInOutcome::SignedIn(grant))
    }

    /// Spends one dummy verification and records the refusal.
    async fn refuse_without_hash(
        &self,
        request: &PasswordSignIn<'_>,
        account: Option<&Account>,
        reason: SignInFailure,
    ) -> Result<(), Infrastructure> {
        self.ports.hasher.verify_dummy(&request.password).await?;
        self.audit(
            account.map(|a| a.contract),
            account.map(|a| a.id),
            failed(reason),
            &request.client,
        )
        .await;
        Ok(())
    }

    /// A fresh hash of a verified password with current parameters; `None` if hashing is busy
    /// (the upgrade waits for the next sign-in rather than failing this one).
    async fn rehash(&self, candidate: &PasswordCandidate) -> Option<crate::domain::PasswordHash> {
        let password = Password::from_verified(candidate);
        self.ports.hasher.hash(&password).await.ok()
    }

    /// Counts one wrong password or second factor (L2); at the 10th, locks and queues one
    /// unlock mail in the same store step.
    pub(crate) async fn count_failure(
        &self,
        account: &Account,
        client: &ClientInfo,
        wrong: SignInFailure,
    ) -> Result<FailureOutcome, Infrastructure> {
        let now = self.ports.clock.now();
        let issued = Ticket::issue(
            TicketPurpose::Unlock,
            account.id,
            now,
            self.ports.secrets.as_ref(),
        );
        let mail = self.mail_to(
            account,
            MailKind::AccountLocked {
                unlock: TicketLink {
                    purpose: TicketPurpose::Unlock,
                    token: issued.token,
                    expires_at: issued.ticket.expires_at,
                },
            },
        );
        let outcome = self
            .ports
            .store
            .record_failure(
                account.id,
                now,
                LockArtifacts {
                    ticket: issued.ticket,
                    mail,
                },
            )
            .await?;
        let reason = if outcome == FailureOutcome::AlreadyLocked {
            SignInFailure::Locked
        } else {
            wrong
        };
        self.audit_account(account, failed(reason), client).await;
        if outcome == FailureOutcome::LockedNow {
            self.audit_account(account, AuditKind::AccountLocked, client)
                .await;
        }
        Ok(outcome)
    }

    /// Opens a session for an account whose sign-in is complete (L11).
    pub(crate) async fn open_session(
        &self,
        account: &Account,
        client: &ClientInfo,
        scope: SessionScope,
    ) -> Result<SessionGrant, Infrastructure> {
        let (grant, session) = self.new_session(account, client, scope, self.ports.clock.now());
        self.ports.store.insert_session(&session).await?;
        self.audit_account(account, AuditKind::SignInSucceeded { scope }, client)
            .await;
        Ok(grant)
    }

    /// A new session for `account` opened at `now` (L11): the grant for the browser and the
    /// record to store.
    pub(crate) fn new_session(
        &self,
        account: &Account,
        client: &ClientInfo,
        scope: SessionScope,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (SessionGrant, Session) {
        let token = SecretToken::generate(self.ports.secrets.as_ref());
        let session = Session {
            id: SessionId::generate(self.ports.secrets.as_ref()),
            token_hash: token.hash(),
            account: account.id,
            contract: account.contract,
            scope,
            created_at: now,
            last_seen_at: now,
            channel: client.channel.kind(),
            client_address: client.address.map(|a| a.to_string()),
            user_agent: client.user_agent.clone(),
        };
        (
            SessionGrant {
                token,
                session: session.clone(),
            },
            session,
        )
    }
}

/// How the request's channel lets the sign-in proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ChannelRoute {
    /// Over the internet: the two-factor policy applies.
    Internet,
    /// Over a registered line: line authentication replaces the second factor (L9).
    Line,
    /// Over a registered West Japan line used for the first time: consent first (N5).
    LineNeedsConsent(crate::domain::LineNumber),
}

/// A sign-in with a verified external identity.
#[derive(Debug)]
pub struct IdentitySignIn {
    /// The identity the provider or AD connection verified.
    pub identity: ExternalIdentity,
    /// Who is asking.
    pub client: ClientInfo,
    /// The service, or the settings menu (S2).
    pub scope: SessionScope,
}

fn failed(reason: SignInFailure) -> AuditKind {
    AuditKind::SignInFailed { reason }
}
