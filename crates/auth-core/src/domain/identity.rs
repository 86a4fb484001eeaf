//! Identities proven elsewhere: by a federated provider (L7) or an Active Directory
//! connection (L8). The protocol work (OpenID Connect, SAML) happens in an adapter; the core
//! receives only the verified `(provider or connection, subject)` pair.

use super::{ConnectionId, LoginMethod, Provider, Subject};

/// A verified external identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExternalIdentity {
    /// Signed in at a federated provider.
    Federated {
        /// Which provider.
        provider: Provider,
        /// Its subject.
        subject: Subject,
    },
    /// Signed in through a contract's AD connection.
    ActiveDirectory {
        /// Which connection.
        connection: ConnectionId,
        /// The directory's subject.
        subject: Subject,
    },
}

impl ExternalIdentity {
    /// The login method that binds this identity.
    pub fn login_method(&self) -> LoginMethod {
        match self {
            Self::Federated { provider, subject } => LoginMethod::Federated {
                provider: *provider,
                subject: subject.clone(),
            },
            Self::ActiveDirectory {
                connection,
                subject,
            } => LoginMethod::ActiveDirectory {
                connection: connection.clone(),
                subject: subject.clone(),
            },
        }
    }

    /// The identity a login method binds, if it binds one.
    pub fn of(method: &LoginMethod) -> Option<Self> {
        match method {
            LoginMethod::Password => None,
            LoginMethod::Federated { provider, subject } => Some(Self::Federated {
                provider: *provider,
                subject: subject.clone(),
            }),
            LoginMethod::ActiveDirectory {
                connection,
                subject,
            } => Some(Self::ActiveDirectory {
                connection: connection.clone(),
                subject: subject.clone(),
            }),
        }
    }
}

/// The login method a person chooses when accepting an invitation or changing method.
/// `Debug` shows no password.
pub enum MethodChoice<'a> {
    /// E-mail and password, with confirmation (P1).
    Password {
        /// The new password.
        password: &'a str,
        /// Its confirmation.
        confirmation: &'a str,
    },
    /// A verified federated or AD identity.
    Identity(ExternalIdentity),
}

impl std::fmt::Debug for MethodChoice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { .. } => f
                .debug_struct("Password")
                .field("password", &"<redacted>")
                .field("confirmation", &"<redacted>")
                .finish(),
            Self::Identity(identity) => f.debug_tuple("Identity").field(identity).finish(),
        }
    }
}
