//! The admin console (A1, A2, X1, X4): users, invitations, lines and the audit trail of the
//! actor's own contract. Every target is looked up inside that contract only (X7).

use thiserror::Error;

use super::manage::{access_from, infrastructure_from};
use super::{Auth, Infrastructure};
use crate::domain::{
    Account, AccountId, AdminAction, AuditEvent, AuditKind, ClientInfo, Invitation, LineNumber,
    LineNumberError, Role, Session,
};
use crate::ports::StoreError;

/// Why a request about the contract's users or its audit trail was refused (A1, X1, X4).
/// Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AdminError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's role does not allow this (A1).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// No such account in the actor's contract (also when it exists in another contract: X7).
    #[error("no such user")]
    NotFound,
    /// The owner cannot be removed or signed out by an admin, and nobody removes themselves.
    #[error("this cannot be done to the contract owner")]
    OwnerIsProtected,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(AdminError);
infrastructure_from!(AdminError: StoreError);

/// Why a request about the contract's registered lines was refused (A2, N1, N2). Nothing
/// changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineError {
    /// The session's account or contract no longer exists.
    #[error("not signed in")]
    NotSignedIn,
    /// The actor's role does not allow this (A2).
    #[error("you are not allowed to do this")]
    NotPermitted,
    /// The line number is not valid (N1).
    #[error(transparent)]
    InvalidLine(#[from] LineNumberError),
    /// Another contract registered the line.
    #[error("this line number is registered to another contract")]
    LineTaken,
    /// The contract has no such line.
    #[error("no such line")]
    NotFound,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

access_from!(LineError);
infrastructure_from!(LineError: StoreError);

/// The admin console's user list.
#[derive(Debug, Clone)]
pub struct UserList {
    /// The contract's accounts, oldest first.
    pub accounts: Vec<Account>,
    /// Invitations not yet accepted, oldest first.
    pub invitations: Vec<Invitation>,
}

/// One user, opened in the admin console.
#[derive(Debug, Clone)]
pub struct UserDetail {
    /// The account.
    pub account: Account,
    /// Its active sessions.
    pub sessions: Vec<crate::domain::Session>,
}

impl Auth {
    /// The contract's users and pending invitations (A1).
    ///
    /// # Errors
    /// [`AdminError::NotPermitted`] for users without the admin role.
    pub async fn list_users(&self, me: &Session) -> Result<UserList, AdminError> {
        let actor = self.actor_for_action(me, AdminAction::ViewUsers).await?;
        Ok(UserList {
            accounts: self.ports.store.accounts_of(actor.contract.id).await?,
            invitations: self.ports.store.invitations_of(actor.contract.id).await?,
        })
    }

    /// One user of the contract (A1).
    ///
    /// # Errors
    /// [`AdminError::NotFound`] for an account of another contract (X7).
    pub async fn open_user(&self, me: &Session, user: AccountId) -> Result<UserDetail, AdminError> {
        let actor = self.actor_for_action(me, AdminAction::ViewUsers).await?;
        let account = self
            .member(&actor, user)
            .await?
            .ok_or(AdminError::NotFound)?;
        let sessions = self.ports.store.sessions_of(account.id).await?;
        Ok(UserDetail { account, sessions })
    }

    /// Ends every session of a user of the contract (X4); returns how many.
    ///
    /// # Errors
    /// See [`AdminError`].
    pub async fn end_user_sessions(
        &self,
        me: &Session,
        user: AccountId,
        client: &ClientInfo,
    ) -> Result<u64, AdminError> {
        let actor = self
            .actor_for_action(me, AdminAction::ManageSessions)
            .await?;
        let account = self
            .member(&actor, user)
            .await?
            .ok_or(AdminError::NotFound)?;
        // An admin may not keep signing the owner out (X4 is about users).
        if account.role == Role::Owner && actor.account.role != Role::Owner {
            return Err(AdminError::OwnerIsProtected);
        }
        let ended = self
            .ports
            .store
            .delete_sessions_of(account.id, None)
            .await?;
        self.audit(
            Some(actor.contract.id),
            Some(account.id),
            AuditKind::SessionsEnded,
            client,
        )
        .await;
        Ok(ended)
    }

    /// Removes a user of the contract; their sessions end at once (X4). The owner cannot be
    /// removed, and nobody removes themselves here.
    ///
    /// # Errors
    /// See [`AdminError`].
    pub async fn remove_user(
        &self,
        me: &Session,
        user: AccountId,
        client: &ClientInfo,
    ) -> Result<(), AdminError> {
        let actor = self
            .actor_for_action(me, AdminAction::ManageSessions)
            .await?;
        let account = self
            .member(&actor, user)
            .await?
            .ok_or(AdminError::NotFound)?;
        if account.role == Role::Owner || account.id == actor.account.id {
            return Err(AdminError::OwnerIsProtected);
        }
        self.ports
            .store
            .remove_account(account.id, self.ports.clock.now())
            .await?;
        self.audit(
            Some(actor.contract.id),
            Some(account.id),
            AuditKind::AccountRemoved,
            client,
        )
        .await;
        Ok(())
    }

    /// The contract's registered lines (A2, N2).
    ///
    /// # Errors
    /// See [`LineError`].
    pub async fn lines(&self, me: &Session) -> Result<Vec<LineNumber>, LineError> {
        let actor = self.actor_for_action(me, AdminAction::ManageLines).await?;
        Ok(self.ports.store.lines_of(actor.contract.id).await?)
    }

    /// Registers a line (A2, N1, N2).
    ///
    /// # Errors
    /// [`LineError::InvalidLine`] naming the two forms; [`LineError::LineTaken`].
    pub async fn add_line(
        &self,
        me: &Session,
        line: &str,
        client: &ClientInfo,
    ) -> Result<LineNumber, LineError> {
        let line = LineNumber::parse(line)?;
        let actor = self.actor_for_action(me, AdminAction::ManageLines).await?;
        if !self.ports.store.add_line(actor.contract.id, &line).await? {
            return Err(LineError::LineTaken);
        }
        self.audit(
            Some(actor.contract.id),
            None,
            AuditKind::LineRegistered,
            client,
        )
        .await;
        Ok(line)
    }

    /// Removes a line of the contract (A2).
    ///
    /// # Errors
    /// [`LineError::NotFound`] when the contract has no such line.
    pub async fn remove_line(
        &self,
        me: &Session,
        line: &str,
        client: &ClientInfo,
    ) -> Result<(), LineError> {
        let line = LineNumber::parse(line)?;
        let actor = self.actor_for_action(me, AdminAction::ManageLines).await?;
        if !self
            .ports
            .store
            .remove_line(actor.contract.id, &line)
            .await?
        {
            return Err(LineError::NotFound);
        }
        self.audit(
            Some(actor.contract.id),
            None,
            AuditKind::LineRemoved,
            client,
        )
        .await;
        Ok(())
    }

    /// The contract's newest audit events (X1).
    ///
    /// # Errors
    /// See [`AdminError`].
    pub async fn audit_events(
        &self,
        me: &Session,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, AdminError> {
        let actor = self.actor_for_action(me, AdminAction::ReadAudit).await?;
        Ok(self
            .ports
            .audit
            .events_of(actor.contract.id, limit.min(1000))
            .await)
    }

    /// One page of the contract's audit events for its owner and admins (X1): newest first,
    /// filtered by account and kind, older than `before`; at most 200 a page.
    ///
    /// # Errors
    /// [`AdminError::NotPermitted`] when the caller may not read the trail.
    pub async fn audit_page(
        &self,
        me: &Session,
        account: Option<AccountId>,
        kind: Option<AuditKind>,
        before: Option<crate::ports::AuditCursor>,
        limit: usize,
    ) -> Result<crate::ports::AuditPage, AdminError> {
        let actor = self.actor_for_action(me, AdminAction::ReadAudit).await?;
        Ok(self
            .ports
            .audit
            .events_page(&crate::ports::AuditQuery {
                contract: actor.contract.id,
                account,
                kind,
                before,
                limit: limit.min(200),
            })
            .await)
    }
}
