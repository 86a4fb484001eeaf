//! Contract details (S1, C2): the `Basic` owner reads and changes the company name, department,
//! contact person, phone number, postal code and address. A change is audited and the owner
//! gets an X3-style notice.

use thiserror::Error;

use super::manage::{access_from, infrastructure_from};
use super::{Auth, Infrastructure};
use crate::domain::{
    AuditKind, ClientInfo, ContractDetails, ContractDetailsInput, DetailsRejected, MailKind,
    NoticeKind, Session, SettingsItem,
};
use crate::ports::StoreError;

/// Why the details could not be read or changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContractDetailsError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// Only the `Basic` owner reads and changes the details (S1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// Fields that are not valid, each with its problem.
    #[error(transparent)]
    Invalid(#[from] DetailsRejected),
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(ContractDetailsError);
infrastructure_from!(ContractDetailsError: StoreError);

impl Auth {
    /// The contract's details, for the owner allowed to change them (S1).
    ///
    /// # Errors
    /// See [`ContractDetailsError`].
    pub async fn contract_details(
        &self,
        me: &Session,
    ) -> Result<ContractDetails, ContractDetailsError> {
        let actor = self
            .actor_for_item(me, SettingsItem::ContractDetails)
            .await?;
        self.ports
            .store
            .contract_details(actor.contract.id)
            .await?
            .ok_or(ContractDetailsError::NotPermitted)
    }

    /// Changes the contract's details (S1, C2): every field is checked first and every problem
    /// reported; the company name becomes the contract's name (used in mails and in the X2
    /// password check). Audited; the owner gets a notice (X3's kind).
    ///
    /// # Errors
    /// See [`ContractDetailsError`].
    pub async fn change_contract_details(
        &self,
        me: &Session,
        input: &ContractDetailsInput<'_>,
        client: &ClientInfo,
    ) -> Result<ContractDetails, ContractDetailsError> {
        let actor = self
            .actor_for_item(me, SettingsItem::ContractDetails)
            .await?;
        let details = ContractDetails::parse(input)?;
        let notice = self.mail_to(
            &actor.account,
            MailKind::Notice {
                kind: NoticeKind::ContractDetailsChanged,
            },
        );
        let applied = self
            .ports
            .store
            .set_contract_details(actor.contract.id, &details, notice, self.ports.clock.now())
            .await?;
        if !applied {
            return Err(ContractDetailsError::NotPermitted);
        }
        self.audit(
            Some(actor.contract.id),
            Some(actor.account.id),
            AuditKind::ContractDetailsChanged,
            client,
        )
        .await;
        Ok(details)
    }
}
