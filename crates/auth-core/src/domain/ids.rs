//! Identifiers of contracts, accounts, sessions and mails.

use std::fmt;

use uuid::Uuid;

use crate::ports::SecretSource;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random (version 4) identifier.
            pub fn generate(secrets: &dyn SecretSource) -> Self {
                let mut bytes = [0u8; 16];
                secrets.fill(&mut bytes);
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            /// Wraps an identifier read back from a store or a request.
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The identifier as a UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Parses the hyphenated text form.
            ///
            /// # Errors
            /// [`IdError`] when the text is not a UUID.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Uuid::parse_str(text.trim()).map(Self).map_err(|_| IdError)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

/// A text that is not an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct IdError;

uuid_id!(
    /// Identifies a contract (tenant).
    ContractId
);
uuid_id!(
    /// Identifies an account (owner or user).
    AccountId
);
uuid_id!(
    /// Identifies a session in listings; not a credential (the token is).
    SessionId
);
uuid_id!(
    /// Identifies a queued mail in the outbox.
    MailId
);
uuid_id!(
    /// Identifies a queued "forgot password" request (P3).
    ResetRequestId
);
