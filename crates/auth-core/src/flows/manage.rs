//! What the account-management flows share: the checks that every request naming an account
//! or a setting belongs to the actor's own contract (X7), and the small errors of those checks.
//! Each flow module has its own error enum ([`super::admin::AdminError`],
//! [`super::changes::MethodChangeError`], …); the shared errors here convert into each.

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AccountId, AdminAction, Contract, PasswordRejected, Session, SettingsItem, Viewer,
    can_administer, can_use,
};
use crate::ports::StoreError;

/// Why the actor may not act: the first check of every account-management request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's plan or role does not allow this (S1, A1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl From<StoreError> for AccessError {
    fn from(e: StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

/// Why a chosen login method cannot be used (I2, M1, M2, D2): what invitations and method
/// changes share. Each converts it into its own error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MethodRefused {
    /// The password breaks rules (P1, X2).
    Rejected(PasswordRejected),
    /// The owner cannot sign in with Active Directory (D2, M1).
    OwnerCannotUseActiveDirectory,
    /// The contract has no Active Directory connection on, or the identity is of another one.
    NoActiveDirectory,
    /// The identity is bound to another account.
    IdentityTaken,
    /// Try again later (the store, or hashing the password).
    Infrastructure(Infrastructure),
}

impl From<PasswordRejected> for MethodRefused {
    fn from(e: PasswordRejected) -> Self {
        Self::Rejected(e)
    }
}

impl From<StoreError> for MethodRefused {
    fn from(e: StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl From<Infrastructure> for MethodRefused {
    fn from(e: Infrastructure) -> Self {
        Self::Infrastructure(e)
    }
}

/// `From` conversions into a flow's error enum that has an `Infrastructure(Infrastructure)`
/// variant: one impl per source type that converts into [`Infrastructure`].
macro_rules! infrastructure_from {
    ($target:ty: $($source:ty),+) => {
        $(
            impl From<$source> for $target {
                fn from(e: $source) -> Self {
                    Self::Infrastructure(e.into())
                }
            }
        )+
    };
}
pub(crate) use infrastructure_from;

/// `From<AccessError>` for a flow's error enum with `NotSignedIn`, `NotPermitted` and
/// `Infrastructure` variants.
macro_rules! access_from {
    ($target:ty) => {
        impl From<$crate::flows::manage::AccessError> for $target {
            fn from(e: $crate::flows::manage::AccessError) -> Self {
                use $crate::flows::manage::AccessError as A;
                match e {
                    A::NotSignedIn => Self::NotSignedIn,
                    A::NotPermitted => Self::NotPermitted,
                    A::Infrastructure(i) => Self::Infrastructure(i),
                }
            }
        }
    };
}
pub(crate) use access_from;

/// `From<MethodRefused>` and `From<ChangeRefused>` for the error enum of a flow that binds a
/// login method through a ticket or a change (registration, method change): each refusal has
/// its own variant of the same name.
macro_rules! refusals_from {
    ($target:ty) => {
        impl From<$crate::flows::manage::MethodRefused> for $target {
            fn from(e: $crate::flows::manage::MethodRefused) -> Self {
                use $crate::flows::manage::MethodRefused as M;
                match e {
                    M::Rejected(r) => Self::Rejected(r),
                    M::OwnerCannotUseActiveDirectory => Self::OwnerCannotUseActiveDirectory,
                    M::NoActiveDirectory => Self::NoActiveDirectory,
                    M::IdentityTaken => Self::IdentityTaken,
                    M::Infrastructure(i) => Self::Infrastructure(i),
                }
            }
        }
    };
}
pub(crate) use refusals_from;

/// `From<ChangeRefused>` for the error enum of a flow that applies a ticket's change in the
/// store: the ticket's problem, a taken address or identity, or the account removed meanwhile.
macro_rules! change_refused_from {
    ($target:ty) => {
        impl From<$crate::ports::ChangeRefused> for $target {
            fn from(e: $crate::ports::ChangeRefused) -> Self {
                use $crate::ports::ChangeRefused as C;
                match e {
                    C::Ticket(t) => Self::Ticket(t),
                    C::EmailTaken => Self::EmailTaken,
                    C::IdentityTaken => Self::IdentityTaken,
                    C::NoAccount => Self::AccountGone,
                }
            }
        }
    };
}
pub(crate) use change_refused_from;

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
    /// [`AccessError::NotSignedIn`] when it no longer exists.
    pub async fn account_of(&self, me: &Session) -> Result<Account, AccessError> {
        Ok(self.actor(me).await?.account)
    }

    /// The account and contract behind a session.
    pub(crate) async fn actor(&self, me: &Session) -> Result<Actor, AccessError> {
        let account = self
            .ports
            .store
            .account(me.account)
            .await?
            .ok_or(AccessError::NotSignedIn)?;
        let contract = self
            .ports
            .store
            .contract(account.contract)
            .await?
            .ok_or(AccessError::NotSignedIn)?;
        if account.contract != me.contract {
            return Err(AccessError::NotSignedIn);
        }
        Ok(Actor { account, contract })
    }

    /// The actor, if it may use a settings item (S1).
    pub(crate) async fn actor_for_item(
        &self,
        me: &Session,
        item: SettingsItem,
    ) -> Result<Actor, AccessError> {
        let actor = self.actor(me).await?;
        if can_use(item, &actor.viewer(), self.ports.clock.now()) {
            Ok(actor)
        } else {
            Err(AccessError::NotPermitted)
        }
    }

    /// The actor, if it may take an admin action (A1, A2).
    pub(crate) async fn actor_for_action(
        &self,
        me: &Session,
        action: AdminAction,
    ) -> Result<Actor, AccessError> {
        let actor = self.actor(me).await?;
        if can_administer(action, actor.account.role) {
            Ok(actor)
        } else {
            Err(AccessError::NotPermitted)
        }
    }

    /// An account of the actor's contract; `None` for any other, which callers answer as "not
    /// found" (X7).
    pub(crate) async fn member(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self
            .ports
            .store
            .account(id)
            .await?
            .filter(|a| a.contract == actor.contract.id))
    }
}
