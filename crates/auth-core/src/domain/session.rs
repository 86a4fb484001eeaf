//! Sessions (L11): an opaque random token held by the browser, stored only as its hash, with an
//! idle and an absolute timeout.
//!
//! ```text
//!   create ──▶ Active ── request within idle timeout ──▶ Active (last_seen slides)
//!                │
//!                ├── no request for `idle` ──▶ IdleExpired
//!                ├── `absolute` since creation ──▶ AbsoluteExpired
//!                └── sign-out / password change / reset / removal ──▶ (deleted)
//! ```

use chrono::{DateTime, Duration, Utc};

use super::{AccountId, ChannelKind, ContractId, SessionId, TokenHash};

/// What a session opens: the service, or the separately signed-in settings menu (S2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionScope {
    /// The file-storage service and the admin console.
    Service,
    /// The authentication & contract settings menu.
    Settings,
}

impl SessionScope {
    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Settings => "settings",
        }
    }

    /// The scope named by [`SessionScope::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "service" => Some(Self::Service),
            "settings" => Some(Self::Settings),
            _ => None,
        }
    }
}

/// Timeouts of sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session with no request for this long has ended.
    pub idle: Duration,
    /// A session this old has ended, however busy.
    pub absolute: Duration,
    /// `last_seen_at` is written at most this often (it only needs to be precise to the idle
    /// timeout; writing it on every request would cost a store write per request).
    pub touch_interval: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            touch_interval: Duration::seconds(60),
        }
    }
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Public ID for listings (X4); not a credential.
    pub id: SessionId,
    /// Hash of the bearer token.
    pub token_hash: TokenHash,
    /// Whose session.
    pub account: AccountId,
    /// The account's contract.
    pub contract: ContractId,
    /// Service or settings menu.
    pub scope: SessionScope,
    /// When signed in.
    pub created_at: DateTime<Utc>,
    /// Last request seen (precise to [`SessionPolicy::touch_interval`]).
    pub last_seen_at: DateTime<Utc>,
    /// The channel it was opened over.
    pub channel: ChannelKind,
    /// The client address at sign-in, as text.
    pub client_address: Option<String>,
    /// The user agent at sign-in.
    pub user_agent: Option<String>,
}

/// Whether a session is still usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Usable; `touch` says whether `last_seen_at` is due to be written.
    Active {
        /// Whether to record this request's time.
        touch: bool,
    },
    /// No request within the idle timeout.
    IdleExpired,
    /// Older than the absolute timeout.
    AbsoluteExpired,
}

impl Session {
    /// The session's status at `now`.
    pub fn status(&self, now: DateTime<Utc>, policy: &SessionPolicy) -> SessionStatus {
        if now >= self.created_at + policy.absolute {
            SessionStatus::AbsoluteExpired
        } else if now >= self.last_seen_at + policy.idle {
            SessionStatus::IdleExpired
        } else {
            SessionStatus::Active {
                touch: now >= self.last_seen_at + policy.touch_interval,
            }
        }
    }

    /// When the session ends if no further request comes.
    pub fn expires_at(&self, policy: &SessionPolicy) -> DateTime<Utc> {
        (self.last_seen_at + policy.idle).min(self.created_at + policy.absolute)
    }
}
