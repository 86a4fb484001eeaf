//! Unlocking by the ticket mailed at the lock (L4).

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{AuditKind, ClientInfo, SecretToken, TicketError};

/// Why an unlock failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnlockError {
    /// The link is unknown, expired, used or voided. An expired link: use "forgot password".
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl Auth {
    /// Checks an unlock link before showing its button, so that a link already used (or
    /// expired, or voided) says so instead of offering to unlock again (L4).
    ///
    /// # Errors
    /// See [`UnlockError`].
    pub async fn check_unlock_link(&self, token: &str) -> Result<(), UnlockError> {
        self.live_ticket::<UnlockError>(token, crate::domain::TicketPurpose::Unlock)
            .await
            .map(drop)
    }

    /// Opens an unlock link: clears the lock and the failure count (L4).
    ///
    /// # Errors
    /// See [`UnlockError`].
    pub async fn unlock(&self, token: &str, client: &ClientInfo) -> Result<(), UnlockError> {
        let token = SecretToken::parse(token).map_err(|_| TicketError::Unknown)?;
        let now = self.ports.clock.now();
        let account = self
            .ports
            .store
            .unlock_with_ticket(token.hash(), now)
            .await
            .map_err(Infrastructure::from)??;
        let contract = self
            .ports
            .store
            .account(account)
            .await
            .map_err(Infrastructure::from)?
            .map(|a| a.contract);
        self.audit(contract, Some(account), AuditKind::AccountUnlocked, client)
            .await;
        Ok(())
    }
}
