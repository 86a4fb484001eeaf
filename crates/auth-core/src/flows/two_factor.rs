//! The second factor (L6, T1–T8): enrolment, challenges, recovery codes, remembered browsers
//! and the contract's policy. Diagram: [`crate::domain::PendingSignIn`]'s module.
//!
//! Every step takes the pending token the browser holds after its password was accepted; the
//! pending state opens nothing until [`Auth::answer_challenge`] or
//! [`Auth::confirm_recovery_code_saved`] turns it into a session (X8). Wrong codes of any
//! kind count toward the account's lock (L2): a second factor guessed ten times locks the
//! account exactly like ten wrong passwords, so the second factor cannot be brute-forced
//! behind a known password.

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::signin::SessionGrant;
use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AuditKind, EnrolledFactor, Enrolment, FailureOutcome, MailKind, NoticeKind, Password,
    PasswordCandidate, PendingEvent, PendingNext, PendingRefusal, PendingSignIn, PendingStage,
    PhoneNumber, PhoneNumberError, REMEMBER_BROWSER_WINDOW, RecoveryCode, RecoveryCodeError,
    RememberedBrowser, SMS_CODE_VALIDITY, SMS_DAILY_CAP, SMS_RESEND_INTERVAL, SecondFactorKind,
    SecretToken, Session, SettingsItem, SignInFailure, SmsChallenge, SmsCheck, SmsCode, TotpOffer,
    TotpSecret, TwoFactorPolicy, Viewer, can_use, matching_totp_step, totp_offer,
};
use crate::ports::{EnrolmentCommit, SignInFinish, SmsMessage, Verification};

/// What the browser must do next after its password was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorStep {
    /// Choose and enrol a factor (SMS offered first, then the app).
    Enrol,
    /// Type the code sent by SMS to the enrolled number.
    Sms {
        /// The number, all but the last four digits hidden.
        masked_phone: String,
        /// Whether a code has been sent for this sign-in.
        code_sent: bool,
    },
    /// Type the authenticator app's current code.
    Totp,
    /// Confirm the recovery code just shown was saved.
    ConfirmRecoveryCode,
    /// Consent to receive the details of this West Japan line, asked once per line (N5).
    LineConsent {
        /// The line.
        line: crate::domain::LineNumber,
    },
}

/// A pending sign-in: the token for the browser, and what it must do next.
#[derive(Debug)]
pub struct PendingGrant {
    /// The pending token (a cookie distinct from the session's).
    pub token: SecretToken,
    /// The next step.
    pub step: SecondFactorStep,
}

/// An SMS code was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsSent {
    /// The number, all but the last four digits hidden.
    pub masked_phone: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// A recovery code to show once (T3, T5), and the pending token that replaces the one the
/// browser presented: the token is replaced at every step, and the old one no longer works.
#[derive(Debug)]
pub struct RecoveryShown {
    /// The recovery code, shown once.
    pub code: RecoveryCode,
    /// The pending sign-in's new token (for the pending cookie).
    pub pending: SecretToken,
}

/// A sign-in completed by its second factor.
#[derive(Debug)]
pub struct Completed {
    /// The new session.
    pub session: SessionGrant,
    /// A device token to keep in the browser, when it asked to be remembered (L6).
    pub remembered_browser: Option<SecretToken>,
}

/// Why a second-factor step failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TwoFactorError {
    /// No such pending sign-in, or it expired (10 minutes), completed or was cancelled: sign
    /// in again.
    #[error("the sign-in has expired; please sign in again")]
    NoPendingSignIn,
    /// This step does not fit where the sign-in stands (e.g. a challenge before enrolment).
    #[error("this step is not available now")]
    WrongStep,
    /// The phone number is not valid.
    #[error(transparent)]
    InvalidPhone(#[from] PhoneNumberError),
    /// The recovery code is not of the right form.
    #[error(transparent)]
    InvalidRecoveryCode(#[from] RecoveryCodeError),
    /// The code is wrong; it counted toward the lock.
    #[error("the code is incorrect")]
    WrongCode,
    /// The SMS code expired or ran out of tries: send a new one.
    #[error("the code has expired or too many wrong codes were entered; please send a new code")]
    CodeSpent,
    /// A code was sent less than a minute ago.
    #[error("please wait a minute before sending another code")]
    ResendTooSoon,
    /// Too many codes were sent to this account or number today (X5).
    #[error("too many codes were sent today; please try again tomorrow or use your recovery code")]
    SmsLimitReached,
    /// The SMS gateway failed.
    #[error("the SMS could not be sent; please try again")]
    SmsUnavailable,
    /// The recovery code must be confirmed as saved before continuing (T3).
    #[error("please confirm that you saved the recovery code")]
    RecoveryCodeNotConfirmed,
    /// Only the owner sets the two-factor policy (T8).
    #[error("only the contract owner may change this setting")]
    NotPermitted,
    /// Turning two-factor off needs the explicit acknowledgement of the risk (T8).
    #[error("turning off two-step verification requires acknowledging the risk")]
    AcknowledgementRequired,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl From<crate::ports::StoreError> for TwoFactorError {
    fn from(e: crate::ports::StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl From<PendingRefusal> for TwoFactorError {
    fn from(e: PendingRefusal) -> Self {
        match e {
            PendingRefusal::Expired => Self::NoPendingSignIn,
            PendingRefusal::WrongStep => Self::WrongStep,
        }
    }
}

impl From<crate::ports::HashError> for TwoFactorError {
    fn from(e: crate::ports::HashError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl Auth {
    /// Starts the second-factor part of a sign-in whose password was right (L6): stores a
    /// pending sign-in and, for an SMS challenge, sends the code.
    pub(crate) async fn begin_second_factor(
        &self,
        account: &Account,
        client: &crate::domain::ClientInfo,
        scope: crate::domain::SessionScope,
    ) -> Result<PendingGrant, Infrastructure> {
        let token = SecretToken::generate(self.ports.secrets.as_ref());
        let enrolment = self.ports.store.enrolment(account.id).await?;
        let stage = match &enrolment {
            None => PendingStage::Enrol {
                totp_secret: None,
                sms: None,
            },
            Some(_) => PendingStage::Challenge { sms: None },
        };
        let pending = PendingSignIn {
            token_hash: token.hash(),
            account: account.id,
            contract: account.contract,
            scope,
            client: client.clone(),
            created_at: self.ports.clock.now(),
            stage,
            remember_browser: false,
        };
        self.ports.store.insert_pending(&pending).await?;
        if let Some(Enrolment {
            factor: EnrolledFactor::Sms { phone },
            ..
        }) = &enrolment
        {
            // Best effort: a failed or limited send leaves the page offering "send again".
            let _ = self.send_sms(pending, account, phone.clone()).await;
        }
        let step = self
            .step_of(&token)
            .await
            .unwrap_or(SecondFactorStep::Enrol);
        Ok(PendingGrant { token, step })
    }

    /// Where a pending sign-in stands, for the page that shows the next step.
    ///
    /// # Errors
    /// [`TwoFactorError::NoPendingSignIn`].
    pub async fn second_factor_step(
        &self,
        pending: &SecretToken,
    ) -> Result<SecondFactorStep, TwoFactorError> {
        self.load_pending(pending).await?;
        self.step_of(pending).await
    }

    async fn step_of(&self, token: &SecretToken) -> Result<SecondFactorStep, TwoFactorError> {
        let (pending, account) = self.load_pending(token).await?;
        Ok(match pending.stage {
            PendingStage::Enrol { .. } => SecondFactorStep::Enrol,
            PendingStage::RecoveryShown { .. } => SecondFactorStep::ConfirmRecoveryCode,
            PendingStage::LineConsent { line } => SecondFactorStep::LineConsent { line },
            PendingStage::Challenge { sms } => match self
                .ports
                .store
                .enrolment(account.id)
                .await?
                .map(|e| e.factor)
            {
                Some(EnrolledFactor::Sms { phone }) => SecondFactorStep::Sms {
                    masked_phone: phone.masked(),
                    code_sent: sms.is_some(),
                },
                Some(EnrolledFactor::Totp { .. }) => SecondFactorStep::Totp,
                None => SecondFactorStep::Enrol,
            },
        })
    }

    /// Enrolment by SMS, first half (T2): sends a code to the number given.
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn enrol_sms(
        &self,
        pending: &SecretToken,
        phone: &str,
    ) -> Result<SmsSent, TwoFactorError> {
        let phone = PhoneNumber::parse(phone)?;
        let (p, account) = self.load_pending(pending).await?;
        if !matches!(p.stage, PendingStage::Enrol { .. }) {
            return Err(TwoFactorError::WrongStep);
        }
        self.send_sms(p, &account, phone).await
    }

    /// Sends (again) the SMS code of the current step (T4, T7).
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn resend_sms(&self, pending: &SecretToken) -> Result<SmsSent, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let phone = match &p.stage {
            PendingStage::Enrol { sms: Some(c), .. } => c.phone.clone(),
            PendingStage::Challenge { .. } => match self
                .ports
                .store
                .enrolment(account.id)
                .await?
                .map(|e| e.factor)
            {
                Some(EnrolledFactor::Sms { phone }) => phone,
                _ => return Err(TwoFactorError::WrongStep),
            },
            _ => return Err(TwoFactorError::WrongStep),
        };
        self.send_sms(p, &account, phone).await
    }

    async fn send_sms(
        &self,
        pending: PendingSignIn,
        account: &Account,
        phone: PhoneNumber,
    ) -> Result<SmsSent, TwoFactorError> {
        let now = self.ports.clock.now();
        let previous = match &pending.stage {
            PendingStage::Enrol { sms, .. } | PendingStage::Challenge { sms } => sms.as_ref(),
            _ => return Err(TwoFactorError::WrongStep),
        };
        if previous.is_some_and(|c| now < c.sent_at + SMS_RESEND_INTERVAL) {
            return Err(TwoFactorError::ResendTooSoon);
        }
        if !self
            .ports
            .store
            .record_sms_send(account.id, &phone, now, SMS_DAILY_CAP)
            .await?
        {
            return Err(TwoFactorError::SmsLimitReached);
        }
        let code = SmsCode::generate(self.ports.secrets.as_ref());
        let mut salt = [0u8; 16];
        self.ports.secrets.fill(&mut salt);
        let challenge = SmsChallenge {
            phone: phone.clone(),
            salt,
            code_hash: code.hash(&salt),
            sent_at: now,
            wrong_tries: 0,
        };
        // Store first (voiding the previous code), then send: a code that was sent is always
        // one the store knows. Choosing SMS abandons an offered authenticator secret.
        let next = pending.advance(PendingEvent::SmsSent(challenge), now)?;
        let PendingNext::Pending(next) = next else {
            return Err(TwoFactorError::WrongStep);
        };
        if !self.ports.store.update_pending(&next).await? {
            return Err(TwoFactorError::NoPendingSignIn);
        }
        let expires_at = now + SMS_CODE_VALIDITY;
        let message = SmsMessage {
            code,
            locale: account.locale,
            expires_at,
        };
        self.ports
            .sms
            .send(&phone, &message)
            .await
            .map_err(|_| TwoFactorError::SmsUnavailable)?;
        Ok(SmsSent {
            masked_phone: phone.masked(),
            expires_at,
        })
    }

    /// Enrolment by authenticator app, first half (T1, T2): a new secret with its `otpauth://`
    /// URI (the app draws the QR code).
    /// Asking again shows the same secret until the enrolment completes.
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn offer_totp(&self, pending: &SecretToken) -> Result<TotpOffer, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let PendingStage::Enrol { totp_secret, sms } = &p.stage else {
            return Err(TwoFactorError::WrongStep);
        };
        // Choosing the app abandons a code sent for SMS enrolment.
        let secret = match totp_secret {
            Some(s) if sms.is_none() => s.clone(),
            _ => {
                let s = TotpSecret::generate(self.ports.secrets.as_ref());
                let next =
                    p.advance(PendingEvent::TotpOffered(s.clone()), self.ports.clock.now())?;
                let PendingNext::Pending(next) = next else {
                    return Err(TwoFactorError::WrongStep);
                };
                if !self.ports.store.update_pending(&next).await? {
                    return Err(TwoFactorError::NoPendingSignIn);
                }
                s
            }
        };
        totp_offer(&secret, &self.settings.totp_issuer, &account.email)
            .map_err(|e| TwoFactorError::Infrastructure(Infrastructure::TotpSetup(e)))
    }

    /// Enrolment, second half (T2, T3): checks the code from the SMS or the app, stores the
    /// enrolment and returns the recovery code to show once.
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn finish_enrolment(
        &self,
        pending: &SecretToken,
        code: &str,
        remember_browser: bool,
    ) -> Result<RecoveryShown, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let now = self.ports.clock.now();
        let PendingStage::Enrol { totp_secret, sms } = &p.stage else {
            return Err(TwoFactorError::WrongStep);
        };
        let (factor, totp_step) = match (sms, totp_secret) {
            (Some(challenge), None) => match if self.spend_sms_try(pending).await? {
                challenge.check(code, now)
            } else {
                SmsCheck::Spent
            } {
                SmsCheck::Right => (
                    EnrolledFactor::Sms {
                        phone: challenge.phone.clone(),
                    },
                    None,
                ),
                SmsCheck::Spent => return Err(TwoFactorError::CodeSpent),
                SmsCheck::Wrong => {
                    return Err(self
                        .wrong_factor(
                            pending,
                            &p,
                            &account,
                            AuditKind::SecondFactorFailed {
                                kind: SecondFactorKind::Sms,
                            },
                        )
                        .await);
                }
            },
            (None, Some(secret)) => match matching_totp_step(secret, code, now) {
                Some(step) => (
                    EnrolledFactor::Totp {
                        secret: secret.clone(),
                    },
                    Some(step),
                ),
                None => {
                    return Err(self
                        .wrong_factor(
                            pending,
                            &p,
                            &account,
                            AuditKind::SecondFactorFailed {
                                kind: SecondFactorKind::Totp,
                            },
                        )
                        .await);
                }
            },
            _ => return Err(TwoFactorError::WrongStep),
        };
        let kind = factor.kind();
        // The transition first: a refused one stores nothing.
        let PendingNext::Pending(shown) =
            p.advance(PendingEvent::Enrolled { remember_browser }, now)?
        else {
            return Err(TwoFactorError::WrongStep);
        };
        let recovery = RecoveryCode::generate(self.ports.secrets.as_ref());
        let recovery_hash = self
            .ports
            .hasher
            .hash(&Password::from_recovery_code(&recovery))
            .await?;
        let notice = self.mail_to(
            &account,
            MailKind::Notice {
                kind: NoticeKind::SecondFactorChanged,
            },
        );
        let next = SecretToken::generate(self.ports.secrets.as_ref());
        let enrolment = Enrolment {
            factor,
            recovery_hash,
            last_totp_step: totp_step,
            enrolled_at: now,
        };
        if !self
            .ports
            .store
            .complete_enrolment(EnrolmentCommit {
                pending: pending.hash(),
                next_token: next.hash(),
                remember_browser,
                enrolment,
                notice,
            })
            .await?
        {
            return Err(TwoFactorError::WrongStep);
        }
        self.audit_account(
            &account,
            AuditKind::SecondFactorEnrolled { kind },
            &p.client,
        )
        .await;
        self.keep_until_confirmed(&next, shown, &recovery).await;
        Ok(RecoveryShown {
            code: recovery,
            pending: next,
        })
    }

    /// Keeps a recovery code just stored with its pending sign-in, so that every visit of the
    /// confirmation step shows it again until "I saved it" (T3, T5). `next` is the pending
    /// token that replaced the one this step took, and `shown` the state the step moved to:
    /// the code is sealed for the browser that now holds `next`. Best effort: the code is
    /// already stored and returned; without this it is shown in this answer only.
    async fn keep_until_confirmed(
        &self,
        next: &SecretToken,
        shown: Box<PendingSignIn>,
        code: &RecoveryCode,
    ) {
        let kept = PendingSignIn {
            stage: PendingStage::RecoveryShown {
                code: Some(code.seal(next)),
            },
            ..*shown
        }
        .with_token(next.hash());
        let _ = self.ports.store.update_pending(&kept).await;
    }

    /// The recovery code a pending sign-in must still confirm it saved (T3, T5): shown again on
    /// every visit of the step until confirmed; `None` at any other step.
    ///
    /// # Errors
    /// [`TwoFactorError::NoPendingSignIn`].
    pub async fn unconfirmed_recovery_code(
        &self,
        pending: &SecretToken,
    ) -> Result<Option<RecoveryCode>, TwoFactorError> {
        let (p, _) = self.load_pending(pending).await?;
        Ok(match p.stage {
            PendingStage::RecoveryShown { code } => code.and_then(|c| c.open(pending)),
            _ => None,
        })
    }

    /// Answers the enrolled factor's challenge (T4, T7) and completes the sign-in.
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn answer_challenge(
        &self,
        pending: &SecretToken,
        code: &str,
        remember_browser: bool,
    ) -> Result<Completed, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let now = self.ports.clock.now();
        let PendingStage::Challenge { sms } = &p.stage else {
            return Err(TwoFactorError::WrongStep);
        };
        let enrolment = self
            .ports
            .store
            .enrolment(account.id)
            .await?
            .ok_or(TwoFactorError::NoPendingSignIn)?;
        let kind = enrolment.factor.kind();
        let right = match &enrolment.factor {
            EnrolledFactor::Sms { .. } => match sms.as_ref().map(|c| c.check(code, now)) {
                Some(_) if !self.spend_sms_try(pending).await? => {
                    return Err(TwoFactorError::CodeSpent);
                }
                None | Some(SmsCheck::Spent) => return Err(TwoFactorError::CodeSpent),
                Some(SmsCheck::Right) => true,
                Some(SmsCheck::Wrong) => false,
            },
            EnrolledFactor::Totp { secret } => match matching_totp_step(secret, code, now) {
                // A step already used (on this or any instance) is a wrong code (T7).
                Some(step) => self.ports.store.spend_totp_step(account.id, step).await?,
                None => false,
            },
        };
        if !right {
            return Err(self
                .wrong_factor(
                    pending,
                    &p,
                    &account,
                    AuditKind::SecondFactorFailed { kind },
                )
                .await);
        }
        self.audit_account(&account, AuditKind::SecondFactorPassed { kind }, &p.client)
            .await;
        let next = p.advance(PendingEvent::ChallengePassed { remember_browser }, now)?;
        self.complete(pending, &p, &account, next, now).await
    }

    /// "Lost my device" (T5): a right recovery code replaces itself with a new one, shown once;
    /// the sign-in completes after [`Auth::confirm_recovery_code_saved`].
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn use_recovery_code(
        &self,
        pending: &SecretToken,
        code: &str,
    ) -> Result<RecoveryShown, TwoFactorError> {
        let typed = RecoveryCode::parse(code)?;
        let (p, account) = self.load_pending(pending).await?;
        // The transition is checked first; it is stored with the new code below.
        let PendingNext::Pending(shown) =
            p.advance(PendingEvent::RecoveryCodeUsed, self.ports.clock.now())?
        else {
            return Err(TwoFactorError::WrongStep);
        };
        let Some(enrolment) = self.ports.store.enrolment(account.id).await? else {
            return Err(TwoFactorError::WrongStep);
        };
        let verdict = self
            .ports
            .hasher
            .verify(&PasswordCandidate::from(&typed), &enrolment.recovery_hash)
            .await?;
        if verdict == Verification::Mismatch {
            return Err(self
                .wrong_factor(pending, &p, &account, AuditKind::RecoveryCodeFailed)
                .await);
        }
        let fresh = RecoveryCode::generate(self.ports.secrets.as_ref());
        let fresh_hash = self
            .ports
            .hasher
            .hash(&Password::from_recovery_code(&fresh))
            .await?;
        let notice = self.mail_to(
            &account,
            MailKind::Notice {
                kind: NoticeKind::SecondFactorChanged,
            },
        );
        let next = SecretToken::generate(self.ports.secrets.as_ref());
        // Conditional on the hash just verified: of concurrent uses, one wins (T5).
        if !self
            .ports
            .store
            .replace_recovery_code(
                account.id,
                enrolment.recovery_hash,
                fresh_hash,
                pending.hash(),
                next.hash(),
                notice,
            )
            .await?
        {
            // The code was right but another request spent it first (a double submit): it no
            // longer works, and this is no guess, so it does not count toward the lock.
            self.audit_account(&account, AuditKind::RecoveryCodeFailed, &p.client)
                .await;
            return Err(TwoFactorError::WrongCode);
        }
        self.audit_account(&account, AuditKind::RecoveryCodeUsed, &p.client)
            .await;
        self.keep_until_confirmed(&next, shown, &fresh).await;
        Ok(RecoveryShown {
            code: fresh,
            pending: next,
        })
    }

    /// "I saved the recovery code" (T3, T5): completes the sign-in.
    ///
    /// # Errors
    /// [`TwoFactorError::RecoveryCodeNotConfirmed`] without the confirmation.
    pub async fn confirm_recovery_code_saved(
        &self,
        pending: &SecretToken,
        saved: bool,
    ) -> Result<Completed, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let now = self.ports.clock.now();
        if !matches!(p.stage, PendingStage::RecoveryShown { .. }) {
            return Err(TwoFactorError::WrongStep);
        }
        if !saved {
            return Err(TwoFactorError::RecoveryCodeNotConfirmed);
        }
        let next = p.advance(PendingEvent::RecoveryCodeSaved, now)?;
        self.complete(pending, &p, &account, next, now).await
    }

    /// Sets the contract's two-factor policy (T8): the owner only; turning it off needs
    /// `acknowledge_risk`.
    ///
    /// # Errors
    /// See [`TwoFactorError`].
    pub async fn set_two_factor_policy(
        &self,
        me: &Session,
        policy: TwoFactorPolicy,
        acknowledge_risk: bool,
        client: &crate::domain::ClientInfo,
    ) -> Result<(), TwoFactorError> {
        let account = self
            .ports
            .store
            .account(me.account)
            .await?
            .ok_or(TwoFactorError::NotPermitted)?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await?
            .ok_or(TwoFactorError::NotPermitted)?;
        let viewer = Viewer {
            role: account.role,
            plan: contract.plan,
            has_password: account.login_method.is_password(),
        };
        if !can_use(
            SettingsItem::TwoFactorPolicy,
            &viewer,
            self.ports.clock.now(),
        ) {
            return Err(TwoFactorError::NotPermitted);
        }
        if policy == TwoFactorPolicy::Disabled && !acknowledge_risk {
            return Err(TwoFactorError::AcknowledgementRequired);
        }
        self.ports
            .store
            .set_two_factor_policy(contract.id, policy)
            .await?;
        self.audit_account(
            &account,
            AuditKind::TwoFactorPolicyChanged { policy },
            client,
        )
        .await;
        Ok(())
    }

    /// Counts one try at the current SMS code before it is compared, in one atomic store step,
    /// so that parallel submissions cannot exceed the allowed tries (T7). Returns whether this
    /// try is still allowed.
    async fn spend_sms_try(&self, pending: &SecretToken) -> Result<bool, TwoFactorError> {
        let tries = self
            .ports
            .store
            .record_sms_wrong_try(pending.hash())
            .await?;
        Ok(tries.is_some_and(|n| n <= crate::domain::SMS_MAX_WRONG_TRIES))
    }

    /// Abandons a pending sign-in (sign-out before its second step): the pending token stops
    /// working at once rather than at its 10-minute expiry.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn cancel_sign_in(&self, pending: &SecretToken) -> Result<(), Infrastructure> {
        self.ports.store.take_pending(pending.hash()).await?;
        Ok(())
    }

    /// Starts the one-time consent step of a West Japan line (N5).
    pub(crate) async fn begin_line_consent(
        &self,
        account: &Account,
        client: &crate::domain::ClientInfo,
        scope: crate::domain::SessionScope,
        line: crate::domain::LineNumber,
    ) -> Result<PendingGrant, Infrastructure> {
        let token = SecretToken::generate(self.ports.secrets.as_ref());
        let pending = PendingSignIn {
            token_hash: token.hash(),
            account: account.id,
            contract: account.contract,
            scope,
            client: client.clone(),
            created_at: self.ports.clock.now(),
            stage: PendingStage::LineConsent { line: line.clone() },
            remember_browser: false,
        };
        self.ports.store.insert_pending(&pending).await?;
        Ok(PendingGrant {
            token,
            step: SecondFactorStep::LineConsent { line },
        })
    }

    /// Gives consent to receive the line's details (N5) and completes the sign-in; the
    /// question is not asked again for this line and contract.
    ///
    /// # Errors
    /// [`TwoFactorError::WrongStep`] unless the sign-in waits for this consent.
    pub async fn give_line_consent(
        &self,
        pending: &SecretToken,
    ) -> Result<Completed, TwoFactorError> {
        let (p, account) = self.load_pending(pending).await?;
        let now = self.ports.clock.now();
        let PendingStage::LineConsent { line } = &p.stage else {
            return Err(TwoFactorError::WrongStep);
        };
        let next = p.advance(PendingEvent::LineConsentGiven, now)?;
        self.ports
            .store
            .record_line_consent(account.contract, line, now)
            .await?;
        self.audit_account(&account, AuditKind::LineConsentGiven, &p.client)
            .await;
        self.complete(pending, &p, &account, next, now).await
    }

    /// Whether a presented device token remembers this browser for `account` (L6), sliding
    /// its 30-day window when it does.
    pub(crate) async fn browser_is_remembered(
        &self,
        token: Option<&SecretToken>,
        account: &Account,
    ) -> Result<bool, Infrastructure> {
        let Some(token) = token else { return Ok(false) };
        Ok(self
            .ports
            .store
            .use_remembered_browser(
                token.hash(),
                account.id,
                self.ports.clock.now(),
                REMEMBER_BROWSER_WINDOW,
            )
            .await?)
    }

    async fn load_pending(
        &self,
        token: &SecretToken,
    ) -> Result<(PendingSignIn, Account), TwoFactorError> {
        let store = &self.ports.store;
        let pending = store
            .pending(token.hash())
            .await?
            .ok_or(TwoFactorError::NoPendingSignIn)?;
        let account = store.account(pending.account).await?;
        match account {
            Some(account)
                if !pending.is_expired(self.ports.clock.now()) && !account.lock.is_locked() =>
            {
                Ok((pending, account))
            }
            _ => {
                store.take_pending(token.hash()).await?;
                Err(TwoFactorError::NoPendingSignIn)
            }
        }
    }

    async fn wrong_factor(
        &self,
        token: &SecretToken,
        pending: &PendingSignIn,
        account: &Account,
        event: AuditKind,
    ) -> TwoFactorError {
        self.audit_account(account, event, &pending.client).await;
        match self
            .count_failure(account, &pending.client, SignInFailure::WrongSecondFactor)
            .await
        {
            Ok(FailureOutcome::Counted { .. }) => TwoFactorError::WrongCode,
            Ok(_) => {
                // Locked: the pending sign-in is over.
                let _ = self.ports.store.take_pending(token.hash()).await;
                TwoFactorError::WrongCode
            }
            Err(e) => TwoFactorError::Infrastructure(e),
        }
    }

    /// Finishes a sign-in whose pending state reached "signed in": takes the pending sign-in,
    /// resets the failure count (L3, only now), remembers the browser (L6) and opens the
    /// session (L11) in one store step, so a second-factor reset or a lock landing between
    /// them leaves nothing behind.
    async fn complete(
        &self,
        token: &SecretToken,
        pending: &PendingSignIn,
        account: &Account,
        next: PendingNext,
        now: DateTime<Utc>,
    ) -> Result<Completed, TwoFactorError> {
        let PendingNext::SignedIn { remember_browser } = next else {
            return Err(TwoFactorError::WrongStep);
        };
        let device = remember_browser.then(|| SecretToken::generate(self.ports.secrets.as_ref()));
        let remembered = device.as_ref().map(|d| RememberedBrowser {
            token_hash: d.hash(),
            account: account.id,
            last_used_at: now,
        });
        let (grant, session) = self.new_session(account, &pending.client, pending.scope, now);
        let applied = self
            .ports
            .store
            .finish_sign_in(SignInFinish {
                pending: token.hash(),
                remembered_browser: remembered,
                session,
            })
            .await?;
        if !applied {
            return Err(TwoFactorError::NoPendingSignIn);
        }
        self.audit_account(
            account,
            AuditKind::SignInSucceeded {
                scope: pending.scope,
            },
            &pending.client,
        )
        .await;
        Ok(Completed {
            session: grant,
            remembered_browser: device,
        })
    }
}
