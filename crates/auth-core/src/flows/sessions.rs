//! Session checks, sign-out and the sessions list (L11, X4).

use thiserror::Error;

use super::{Auth, Infrastructure};
use crate::domain::{
    AccessRoute, AuditKind, ChannelKind, ClientInfo, SecretToken, Session, SessionId, SessionScope,
    SessionStatus,
};

/// Why a request is not signed in.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionError {
    /// No session has this token (never existed, signed out, or for another scope).
    #[error("not signed in")]
    NotSignedIn,
    /// The session timed out (idle or absolute); it has been removed.
    #[error("the session has expired; please sign in again")]
    Expired,
    /// The session was opened over a carrier line and this request came over the internet,
    /// while the contract allows only the line (L10). The session stays usable over the line.
    #[error("this contract allows access only over its registered lines")]
    InternetNotAllowed,
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl Auth {
    /// The live session for a presented token, arriving over `channel`, recording this
    /// request's time (L11). A session stays bound to the channel it was opened on (L10): under
    /// `LineOnly`, a session opened over a line is refused when it arrives over the internet.
    /// (A session opened over the internet under `LineOnly` can only be the owner's settings
    /// session, which L10 and N4 allow.)
    ///
    /// # Errors
    /// [`SessionError::NotSignedIn`], [`SessionError::Expired`] or
    /// [`SessionError::InternetNotAllowed`].
    pub async fn authenticate(
        &self,
        token: &SecretToken,
        scope: SessionScope,
        channel: ChannelKind,
    ) -> Result<Session, SessionError> {
        let hash = token.hash();
        let store = &self.ports.store;
        let session = store
            .session(hash)
            .await
            .map_err(Infrastructure::from)?
            .filter(|s| s.scope == scope)
            .ok_or(SessionError::NotSignedIn)?;
        let now = self.ports.clock.now();
        match session.status(now, &self.settings.sessions) {
            SessionStatus::Active { touch } => {
                if session.channel == ChannelKind::Line && channel == ChannelKind::Internet {
                    // Only a line-opened session crossing to the internet costs a read.
                    let route = store
                        .contract(session.contract)
                        .await
                        .map_err(Infrastructure::from)?
                        .map(|c| c.access_route);
                    if route != Some(AccessRoute::LineAndInternet) {
                        return Err(SessionError::InternetNotAllowed);
                    }
                }
                if touch {
                    store
                        .touch_session(hash, now)
                        .await
                        .map_err(Infrastructure::from)?;
                }
                Ok(Session {
                    last_seen_at: if touch { now } else { session.last_seen_at },
                    ..session
                })
            }
            SessionStatus::IdleExpired | SessionStatus::AbsoluteExpired => {
                store
                    .delete_session(hash)
                    .await
                    .map_err(Infrastructure::from)?;
                Err(SessionError::Expired)
            }
        }
    }

    /// Ends the session holding `token` (sign-out). Ending an unknown session is not an error.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn sign_out(
        &self,
        token: &SecretToken,
        client: &ClientInfo,
    ) -> Result<(), Infrastructure> {
        let hash = token.hash();
        if let Some(session) = self.ports.store.session(hash).await? {
            self.ports.store.delete_session(hash).await?;
            self.audit(
                Some(session.contract),
                Some(session.account),
                AuditKind::SessionEnded,
                client,
            )
            .await;
        }
        Ok(())
    }

    /// The signed-in account's sessions (X4).
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn my_sessions(&self, me: &Session) -> Result<Vec<Session>, Infrastructure> {
        Ok(self.ports.store.sessions_of(me.account).await?)
    }

    /// Ends one of the signed-in account's own sessions (X4); returns whether it existed.
    ///
    /// # Errors
    /// [`Infrastructure`] when the store fails.
    pub async fn end_my_session(
        &self,
        me: &Session,
        id: SessionId,
        client: &ClientInfo,
    ) -> Result<bool, Infrastructure> {
        let ended = self
            .ports
            .store
            .delete_session_by_id(me.account, id)
            .await?;
        if ended {
            self.audit(
                Some(me.contract),
                Some(me.account),
                AuditKind::SessionEnded,
                client,
            )
            .await;
        }
        Ok(ended)
    }
}
