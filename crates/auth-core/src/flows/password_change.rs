//! Password change by a signed-in password account (P2).

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    AuditKind, ClientInfo, LoginMethod, MailKind, NoticeKind, Password, PasswordCandidate,
    PasswordContext, PasswordRejected, Session, SignInFailure,
};
use crate::ports::{PasswordChange, Verification};

/// Why a password change failed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChangePasswordError {
    /// The account signs in another way (federated, AD); password change is not offered.
    #[error("this account does not sign in with a password")]
    NotAPasswordAccount,
    /// The current password is wrong; this counts as a failure towards the lock (L2).
    #[error("the current password is incorrect")]
    WrongCurrentPassword,
    /// The account is locked.
    #[error("the account is locked")]
    Locked,
    /// The new password breaks rules (P1, X2).
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// The password was changed meanwhile by another request; start again.
    #[error("the password was changed meanwhile; please try again")]
    Conflict,
    /// The session's account no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

/// A password change request. `Debug` shows no password.
pub struct ChangePassword<'a> {
    /// The current password as typed.
    pub current: PasswordCandidate,
    /// The new password.
    pub new_password: &'a str,
    /// Its confirmation.
    pub confirmation: &'a str,
}

impl std::fmt::Debug for ChangePassword<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("current", &self.current)
            .field("new_password", &"<redacted>")
            .field("confirmation", &"<redacted>")
            .finish()
    }
}

impl Auth {
    /// Changes the signed-in account's password and ends its other sessions (P2).
    ///
    /// # Errors
    /// See [`ChangePasswordError`].
    pub async fn change_password(
        &self,
        me: &Session,
        request: ChangePassword<'_>,
        client: &ClientInfo,
    ) -> Result<(), ChangePasswordError> {
        let store = &self.ports.store;
        let account = store
            .account(me.account)
            .await
            .map_err(Infrastructure::from)?
            .ok_or(ChangePasswordError::NotSignedIn)?;
        let (LoginMethod::Password, Some(current_hash)) =
            (&account.login_method, account.password_hash.clone())
        else {
            return Err(ChangePasswordError::NotAPasswordAccount);
        };
        if account.lock.is_locked() {
            return Err(ChangePasswordError::Locked);
        }
        let contract = store
            .contract(account.contract)
            .await
            .map_err(Infrastructure::from)?;
        // Check the new password first: a policy mistake should not cost a hash or a failure.
        let password = Password::new(
            request.new_password,
            request.confirmation,
            PasswordContext {
                email_local_part: Some(account.email.local_part()),
                contract_name: contract.as_ref().map(|c| c.name.as_str()),
            },
        )?;
        match self
            .ports
            .hasher
            .verify(&request.current, &current_hash)
            .await
            .map_err(Infrastructure::from)?
        {
            Verification::Mismatch => {
                self.count_failure(&account, client, SignInFailure::WrongPassword)
                    .await?;
                return Err(ChangePasswordError::WrongCurrentPassword);
            }
            Verification::Match { .. } => {}
        }
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
        let applied = store
            .change_password(PasswordChange {
                account: account.id,
                expected: current_hash,
                new_hash,
                keep_session: me.id,
                notice,
                at: self.ports.clock.now(),
            })
            .await
            .map_err(Infrastructure::from)?;
        if !applied {
            return Err(ChangePasswordError::Conflict);
        }
        self.audit_account(&account, AuditKind::PasswordChanged, client)
            .await;
        Ok(())
    }
}
