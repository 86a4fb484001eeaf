//! The settings menu (S1, S2): the contract-level settings the owner controls — access route
//! (N3), Active Directory (D1), plan (C2) and cancellation. Password change, e-mail and login
//! method, and the two-factor policy live in their own flows and use the same permission table.

use super::Auth;
use super::manage::ManageError;
use crate::domain::{
    AccessRoute, Account, AuditKind, ClientInfo, ConnectionId, Contract, Locale, Plan, Session,
    SettingsItem, settings_menu,
};

impl Auth {
    /// The items the signed-in account's settings menu shows (S1).
    ///
    /// # Errors
    /// [`ManageError::NotSignedIn`].
    pub async fn settings_menu(&self, me: &Session) -> Result<Vec<SettingsItem>, ManageError> {
        let actor = self.actor(me).await?;
        Ok(settings_menu(&actor.viewer(), self.ports.clock.now()))
    }

    /// The signed-in account with its settings items (S1), in one read.
    ///
    /// # Errors
    /// [`ManageError::NotSignedIn`].
    pub async fn whoami(&self, me: &Session) -> Result<(Account, Vec<SettingsItem>), ManageError> {
        let actor = self.actor(me).await?;
        let items = settings_menu(&actor.viewer(), self.ports.clock.now());
        Ok((actor.account, items))
    }

    /// Sets the signed-in account's language: its later mails and SMS are written in it (I1:
    /// an invited account starts in its invitation's language). Every account may change its
    /// own.
    ///
    /// # Errors
    /// [`ManageError::NotSignedIn`].
    pub async fn set_language(&self, me: &Session, locale: Locale) -> Result<(), ManageError> {
        let actor = self.actor(me).await?;
        if !self
            .ports
            .store
            .set_locale(actor.account.id, locale)
            .await?
        {
            return Err(ManageError::NotSignedIn);
        }
        Ok(())
    }

    /// The signed-in account's contract, for showing its current settings.
    ///
    /// # Errors
    /// [`ManageError::NotSignedIn`].
    pub async fn contract_of(&self, me: &Session) -> Result<Contract, ManageError> {
        Ok(self.actor(me).await?.contract)
    }

    /// Sets the contract's access route (N3): the owner only, after the confirmation step.
    /// It applies to every account of the contract at their next sign-in.
    ///
    /// # Errors
    /// [`ManageError::ConfirmationRequired`] without `confirmed`.
    pub async fn set_access_route(
        &self,
        me: &Session,
        route: AccessRoute,
        confirmed: bool,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let actor = self.actor_for_item(me, SettingsItem::AccessRoute).await?;
        if !confirmed {
            return Err(ManageError::ConfirmationRequired);
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

    /// A fresh connection ID from [`crate::domain::CONNECTION_ID_ALPHABET`] (D1).
    pub(crate) fn new_connection_id(&self) -> Result<ConnectionId, ManageError> {
        let alphabet = crate::domain::CONNECTION_ID_ALPHABET;
        let mut suffix = String::with_capacity(crate::domain::CONNECTION_ID_SUFFIX_LEN);
        while suffix.len() < crate::domain::CONNECTION_ID_SUFFIX_LEN {
            let mut b = [0u8; 1];
            self.ports.secrets.fill(&mut b);
            // 31 × 8 = 248: rejecting 248..=255 keeps the choice uniform.
            if b[0] < 248 {
                suffix.push(char::from(alphabet[usize::from(b[0] % 31)]));
            }
        }
        Ok(ConnectionId::parse(&format!("adfs-{suffix}"))?)
    }

    /// Changes a trial to `Basic` (C2), until 15 days after the trial's end.
    ///
    /// # Errors
    /// [`ManageError::NotPermitted`] past the window, for users, or for `Basic` contracts.
    pub async fn upgrade_to_basic(
        &self,
        me: &Session,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let actor = self.actor_for_item(me, SettingsItem::PlanChange).await?;
        if actor.contract.plan == Plan::Basic {
            return Err(ManageError::NotPermitted);
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
    /// [`ManageError::ConfirmationRequired`] without `confirmed`; [`ManageError::NotPermitted`].
    pub async fn cancel_contract(
        &self,
        me: &Session,
        confirmed: bool,
        client: &ClientInfo,
    ) -> Result<(), ManageError> {
        let actor = self.actor_for_item(me, SettingsItem::Cancellation).await?;
        if !confirmed {
            return Err(ManageError::ConfirmationRequired);
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
