//! What the account-management flows share: their error, and the checks that every request
//! naming an account or a setting belongs to the actor's own contract (X7).

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AccountId, AdminAction, ConnectionIdError, Contract, EmailError, LineNumberError,
    NameError, PasswordRejected, Session, SettingsItem, TicketError, Viewer, can_administer,
    can_use,
};
use crate::ports::{ChangeRefused, HashError, StoreError};

/// Why an account-management request was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ManageError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's plan or role does not allow this (S1, A1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// No such account or invitation in the actor's contract (also when it exists in another
    /// contract: X7).
    #[error("no such user")]
    NotFound,
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
    /// The name is not valid.
    #[error("name: {0}")]
    InvalidName(NameError),
    /// The line number is not valid (N1).
    #[error(transparent)]
    InvalidLine(#[from] LineNumberError),
    /// Another contract registered the line.
    #[error("this line number is registered to another contract")]
    LineTaken,
    /// The password breaks rules (P1, X2).
    #[error(transparent)]
    Rejected(#[from] PasswordRejected),
    /// The link is unknown, expired, used or voided (I3).
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The change needs its explicit confirmation step (N3, cancellation).
    #[error("please confirm this change")]
    ConfirmationRequired,
    /// The identity is bound to another account.
    #[error("this sign-in identity is already used by another account")]
    IdentityTaken,
    /// A Facebook-bound account cannot move to another Facebook account directly (M3).
    #[error("to use a different Facebook account, first change to another sign-in method")]
    FacebookRebind,
    /// The owner cannot sign in with Active Directory (D2, M1).
    #[error("the contract owner cannot use Active Directory to sign in")]
    OwnerCannotUseActiveDirectory,
    /// The contract has no Active Directory connection, or the identity is of another one.
    #[error("Active Directory is not available for this contract")]
    NoActiveDirectory,
    /// Active Directory is already on.
    #[error("Active Directory is already turned on")]
    ActiveDirectoryEnabled,
    /// The connection ID is malformed.
    #[error(transparent)]
    InvalidConnectionId(#[from] ConnectionIdError),
    /// The ADFS metadata address is not an https URL.
    #[error("the ADFS metadata address must be an https:// URL")]
    InvalidMetadataUrl,
    /// The owner's own account cannot be the target (remove, e-mail or method change by an
    /// admin).
    #[error("this cannot be done to the contract owner")]
    OwnerIsProtected,
    /// Too many links were mailed for this account today (X5).
    #[error("too many requests; please try again later")]
    RateLimited,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl From<StoreError> for ManageError {
    fn from(e: StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl From<HashError> for ManageError {
    fn from(e: HashError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl From<ChangeRefused> for ManageError {
    fn from(e: ChangeRefused) -> Self {
        match e {
            ChangeRefused::Ticket(t) => Self::Ticket(t),
            ChangeRefused::EmailTaken => Self::EmailTaken,
            ChangeRefused::IdentityTaken => Self::IdentityTaken,
            _ => Self::NotFound,
        }
    }
}

/// The signed-in account with its contract.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account.
    pub account: Account,
    /// Its contract.
    pub contract: Contract,
}

impl Actor {
    /// The viewer for the permission table.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.account.role,
            plan: self.contract.plan,
            has_password: self.account.login_method.is_password(),
        }
    }
}

impl Auth {
    /// The signed-in account.
    ///
    /// # Errors
    /// [`ManageError::NotSignedIn`] when it no longer exists.
    pub async fn account_of(&self, me: &Session) -> Result<Account, ManageError> {
        Ok(self.actor(me).await?.account)
    }

    /// The account and contract behind a session.
    pub(crate) async fn actor(&self, me: &Session) -> Result<Actor, ManageError> {
        let account = self
            .ports
            .store
            .account(me.account)
            .await?
            .ok_or(ManageError::NotSignedIn)?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await?
            .ok_or(ManageError::NotSignedIn)?;
        if account.contract != me.contract {
            return Err(ManageError::NotSignedIn);
        }
        Ok(Actor { account, contract })
    }

    /// The actor, if it may use a settings item (S1).
    pub(crate) async fn actor_for_item(
        &self,
        me: &Session,
        item: SettingsItem,
    ) -> Result<Actor, ManageError> {
        let actor = self.actor(me).await?;
        if can_use(item, &actor.viewer(), self.ports.clock.now()) {
            Ok(actor)
        } else {
            Err(ManageError::NotPermitted)
        }
    }

    /// The actor, if it may take an admin action (A1, A2).
    pub(crate) async fn actor_for_action(
        &self,
        me: &Session,
        action: AdminAction,
    ) -> Result<Actor, ManageError> {
        let actor = self.actor(me).await?;
        if can_administer(action, actor.account.role) {
            Ok(actor)
        } else {
            Err(ManageError::NotPermitted)
        }
    }

    /// An account of the actor's contract; any other is "not found" (X7).
    pub(crate) async fn member(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<Account, ManageError> {
        self.ports
            .store
            .account(id)
            .await?
            .filter(|a| a.contract == actor.contract.id)
            .ok_or(ManageError::NotFound)
    }
}
