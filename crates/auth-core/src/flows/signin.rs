//! Password sign-in (L1–L5, L11).
//!
//! An unknown e-mail, a wrong password, a locked account and an account without a password all
//! give [`SignInError::InvalidCredentials`], and each costs exactly one password verification,
//! so neither the answer nor its timing tells them apart (L5).

use thiserror::Error;

use super::two_factor::PendingGrant;
use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AuditKind, Channel, ClientInfo, Email, EmailError, FailureOutcome, LoginMethod,
    MailKind, Password, PasswordCandidate, SecretToken, Session, SessionId, SessionScope,
    SettingsItem, SignInFailure, Ticket, TicketLink, TicketPurpose, TwoFactorPolicy, Viewer,
    can_use,
};
use crate::ports::{LockArtifacts, Rehash, Verification};

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
#[non_exhaustive]
pub enum SignInOutcome {
    /// Signed in: a session exists.
    SignedIn(SessionGrant),
    /// The password was right; a second factor is needed first (L6). No session exists.
    SecondFactorRequired(PendingGrant),
}

/// Why a sign-in failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The e-mail is not an address at all (says nothing about registration).
    #[error("the e-mail address is not valid: {0}")]
    InvalidEmail(EmailError),
    /// Unknown e-mail, wrong password, or locked account: one answer for all (L5).
    #[error("the e-mail address or password is incorrect")]
    InvalidCredentials,
    /// The password was right but the contract's service has ended (C1).
    #[error("the contract's service period has ended")]
    ContractEnded,
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
                self.count_failure(&account, &request.client).await?;
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
        if contract.plan.has_ended(now) && !upgrade_open {
            self.audit_account(
                &account,
                failed(SignInFailure::ContractEnded),
                &request.client,
            )
            .await;
            return Err(SignInError::ContractEnded);
        }

        let rehash = if needs_rehash {
            self.rehash(&request.password, hash).await
        } else {
            None
        };
        let rehashed = rehash.is_some();
        if self
            .ports
            .store
            .record_success(account.id, rehash)
            .await
            .map_err(Infrastructure::from)?
            .is_err()
        {
            // Locked by a concurrent failure between our read and now (L4).
            self.audit_account(&account, failed(SignInFailure::Locked), &request.client)
                .await;
            return Err(SignInError::InvalidCredentials);
        }
        if rehashed {
            self.audit_account(&account, AuditKind::PasswordRehashed, &request.client)
                .await;
        }
        let second_factor = contract.two_factor == TwoFactorPolicy::Enabled
            && request.client.channel == Channel::Internet
            && !self
                .browser_is_remembered(request.remembered_browser.as_ref(), &account)
                .await?;
        if second_factor {
            let pending = self
                .begin_second_factor(&account, &request.client, request.scope)
                .await?;
            return Ok(SignInOutcome::SecondFactorRequired(pending));
        }
        let grant = self
            .open_session(&account, &request.client, request.scope)
            .await?;
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
    async fn rehash(
        &self,
        candidate: &PasswordCandidate,
        old: crate::domain::PasswordHash,
    ) -> Option<Rehash> {
        let password = Password::from_verified(candidate);
        let new = self.ports.hasher.hash(&password).await.ok()?;
        Some(Rehash { old, new })
    }

    /// Counts one wrong password or second factor (L2); at the 10th, locks and queues one
    /// unlock mail in the same store step.
    pub(crate) async fn count_failure(
        &self,
        account: &Account,
        client: &ClientInfo,
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
            SignInFailure::WrongPassword
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
        let now = self.ports.clock.now();
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
        self.ports.store.insert_session(&session).await?;
        self.audit_account(account, AuditKind::SignInSucceeded { scope }, client)
            .await;
        Ok(SessionGrant { token, session })
    }
}

fn failed(reason: SignInFailure) -> AuditKind {
    AuditKind::SignInFailed { reason }
}
