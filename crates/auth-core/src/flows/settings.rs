//! The settings menu (S1, S2): the contract-level settings the owner controls — access route
//! (N3), Active Directory (D1), plan (C2) and cancellation. Password change, e-mail and login
//! method, and the two-factor policy live in their own flows and use the same permission table.

use thiserror::Error;

use super::manage::{AccessError, access_from, infrastructure_from};
use super::{Auth, Infrastructure};
use crate::domain::{
    AccessRoute, Account, AuditKind, ClientInfo, Contract, Locale, Plan, Session, SettingsItem,
    settings_menu,
};
use crate::ports::StoreError;

/// Why a contract-level setting (access route, plan, cancellation) was not changed. Nothing
/// changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's plan or role does not allow this (S1, C1, C2).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// The change needs its explicit confirmation step (N3, cancellation).
    #[error("please confirm this change")]
    ConfirmationRequired,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(SettingsError);
infrastructure_from!(SettingsError: StoreError);

impl Auth {
    /// The items the signed-in account's settings menu shows (S1).
    ///
    /// # Errors
    /// [`AccessError::NotSignedIn`].
    pub async fn settings_menu(&self, me: &Session) -> Result<Vec<SettingsItem>, AccessError> {
        let actor = self.actor(me).await?;
        Ok(settings_menu(&actor.viewer(), self.ports.clock.now()))
    }

    /// The signed-in account with its settings items (S1), in one read.
    ///
    /// # Errors
    /// [`AccessError::NotSignedIn`].
    pub async fn whoami(&self, me: &Session) -> Result<(Account, Vec<SettingsItem>), AccessError> {
        let actor = self.actor(me).await?;
        let items = settings_menu(&actor.viewer(), self.ports.clock.now());
        Ok((actor.account, items))
    }

    /// Sets the signed-in account's language: its later mails and SMS are written in it (I1:
    /// an invited account starts in its invitation's language). Every account may change its
    /// own.
    ///
    /// # Errors
    /// [`AccessError::NotSignedIn`].
    pub async fn set_language(&self, me: &Session, locale: Locale) -> Result<(), AccessError> {
        let actor = self.actor(me).await?;
        if !self
            .ports
            .store
            .set_locale(actor.account.id, locale)
            .await?
        {
            return Err(AccessError::NotSignedIn);
        }
        Ok(())
    }

    /// The signed-in account's contract, for showing its current settings.
    ///
    /// # Errors
    /// [`AccessError::NotSignedIn`].
    pub async fn contract_of(&self, me: &Session) -> Result<Contract, AccessError> {
        Ok(self.actor(me).await?.contract)
    }

    /// Sets the contract's access route (N3): the owner only, after the confirmation step.
    /// It applies to every account of the contract at their next sign-in.
    ///
    /// # Errors
    /// [`SettingsError::ConfirmationRequired`] without `confirmed`.
    pub async fn set_access_route(
        &self,
        me: &Session,
        route: AccessRoute,
        confirmed: bool,
        client: &ClientInfo,
    ) -> Result<(), SettingsError> {
        let actor = self.actor_for_item(me, SettingsItem::AccessRoute).await?;
        if !confirmed {
            return Err(SettingsError::ConfirmationRequired);
        }
        self.ports
            .store
            .set_access_route(actor.contract.id, route)
            .await?;
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::AccessRouteChanged { route },
            client,
        )
        .await;
        Ok(())
    }

    /// Changes a trial to `Basic` (C2), until 15 days after the trial's end.
    ///
    /// # Errors
    /// [`SettingsError::NotPermitted`] past the window, for users, or for `Basic` contracts.
    pub async fn upgrade_to_basic(
        &self,
        me: &Session,
        client: &ClientInfo,
    ) -> Result<(), SettingsError> {
        let actor = self.actor_for_item(me, SettingsItem::PlanChange).await?;
        if actor.contract.plan == Plan::Basic {
            return Err(SettingsError::NotPermitted);
        }
        self.ports
            .store
            .set_plan(actor.contract.id, Plan::Basic)
            .await?;
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::PlanChanged,
            client,
        )
        .await;
        Ok(())
    }

    /// Cancels a `Basic` contract (C1 forbids cancelling a trial by hand); every session of the
    /// contract ends.
    ///
    /// # Errors
    /// [`SettingsError::ConfirmationRequired`] without `confirmed`; [`SettingsError::NotPermitted`].
    pub async fn cancel_contract(
        &self,
        me: &Session,
        confirmed: bool,
        client: &ClientInfo,
    ) -> Result<(), SettingsError> {
        let actor = self.actor_for_item(me, SettingsItem::Cancellation).await?;
        if !confirmed {
            return Err(SettingsError::ConfirmationRequired);
        }
        self.ports
            .store
            .cancel_contract(actor.contract.id, self.ports.clock.now())
            .await?;
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ContractCancelled,
            client,
        )
        .await;
        Ok(())
    }
}
