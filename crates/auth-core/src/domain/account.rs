//! Accounts: who they are, what role they hold and how they sign in.

use std::fmt;

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::{AccountId, ContractId, DisplayName, Email, LockState, PasswordHash};

/// An account's role within its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The person who signed the contract; exactly one per contract.
    Owner,
    /// A user holding the admin role (管理者権限).
    Admin,
    /// Any other user.
    User,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Self::Owner, Self::Admin, Self::User];

    /// Whether the role may use the admin console.
    pub fn is_administrator(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }

    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::User => "user",
        }
    }

    /// The role named by [`Role::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The language of an account's pages and mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// Japanese (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 2] = [Self::Ja, Self::En];

    /// A stable lower-case name (the BCP 47 language tag) for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// The locale named by [`Locale::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

/// A federated identity provider (L7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Google.
    Google,
    /// Facebook.
    Facebook,
    /// Microsoft.
    Microsoft,
    /// NTT docomo's d-account.
    DAccount,
}

impl Provider {
    /// Every provider, in the order the sign-in page shows them.
    pub const ALL: [Provider; 4] = [
        Self::Google,
        Self::Facebook,
        Self::Microsoft,
        Self::DAccount,
    ];

    /// A stable lower-case name for stores and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Facebook => "facebook",
            Self::Microsoft => "microsoft",
            Self::DAccount => "d-account",
        }
    }

    /// The provider with the given [`Provider::as_str`] name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// Why a text is not an identity subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("an identity subject must be 1 to 255 printable characters")]
pub struct SubjectError;

/// The stable user identifier an identity provider or AD connection returns (`sub`, NameID).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// Parses a subject as the provider returned it.
    ///
    /// # Errors
    /// [`SubjectError`] when empty, longer than 255 bytes, or holding a control character.
    pub fn parse(raw: &str) -> Result<Self, SubjectError> {
        if raw.is_empty() || raw.len() > 255 || raw.chars().any(char::is_control) {
            return Err(SubjectError);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The subject.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subject({:?})", self.0)
    }
}

/// Why a text is not an AD connection ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a connection ID is 'adfs-' followed by 18 letters or digits")]
pub struct ConnectionIdError;

/// Number of letters or digits after the `adfs-` prefix of a [`ConnectionId`].
pub const CONNECTION_ID_SUFFIX_LEN: usize = 18;

/// The characters a new connection ID is drawn from: lower-case letters and digits without
/// the look-alikes `0`/`o` and `1`/`l`/`i`, so that an ID read aloud or from paper is typed
/// right (31 characters, about 89 bits in 18).
pub const CONNECTION_ID_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A contract's Active Directory connection ID: `adfs-` followed by 18 letters or digits (D1),
/// kept in lower case. New IDs use only [`CONNECTION_ID_ALPHABET`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// A fresh connection ID: `adfs-` and [`CONNECTION_ID_SUFFIX_LEN`] characters drawn
    /// uniformly from [`CONNECTION_ID_ALPHABET`] (D1).
    pub fn generate(secrets: &dyn crate::ports::SecretSource) -> Self {
        let alphabet = CONNECTION_ID_ALPHABET;
        let mut text = String::with_capacity(5 + CONNECTION_ID_SUFFIX_LEN);
        text.push_str("adfs-");
        let mut drawn = 0;
        while drawn < CONNECTION_ID_SUFFIX_LEN {
            let mut b = [0u8; 1];
            secrets.fill(&mut b);
            // 31 × 8 = 248: rejecting 248..=255 keeps the choice uniform.
            if b[0] < 248 {
                text.push(char::from(alphabet[usize::from(b[0] % 31)]));
                drawn += 1;
            }
        }
        Self(text)
    }

    /// Parses a connection ID as typed: surrounding white space ignored, any case (the ID is
    /// kept in lower case).
    ///
    /// # Errors
    /// [`ConnectionIdError`] for anything but the one form.
    pub fn parse(raw: &str) -> Result<Self, ConnectionIdError> {
        let text = raw.trim().to_ascii_lowercase();
        let suffix = text.strip_prefix("adfs-").ok_or(ConnectionIdError)?;
        if suffix.len() != CONNECTION_ID_SUFFIX_LEN
            || !suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(ConnectionIdError);
        }
        Ok(Self(text))
    }

    /// The connection ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionId({})", self.0)
    }
}

/// How an account signs in: exactly one method at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginMethod {
    /// E-mail and password; the hash lives on the [`Account`].
    Password,
    /// A federated provider's subject.
    Federated {
        /// Which provider.
        provider: Provider,
        /// The provider's subject for this person.
        subject: Subject,
    },
    /// The contract's Active Directory connection.
    ActiveDirectory {
        /// The contract's connection.
        connection: ConnectionId,
        /// The directory's subject for this person.
        subject: Subject,
    },
}

impl LoginMethod {
    /// Whether the method is e-mail and password.
    pub fn is_password(&self) -> bool {
        matches!(self, Self::Password)
    }
}

/// An owner or user of a contract.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account's ID.
    pub id: AccountId,
    /// The contract it belongs to; never changes.
    pub contract: ContractId,
    /// The e-mail address, which is the sign-in ID.
    pub email: Email,
    /// The person's name.
    pub display_name: DisplayName,
    /// Owner, admin or user.
    pub role: Role,
    /// Language of pages and mails.
    pub locale: Locale,
    /// How the account signs in.
    pub login_method: LoginMethod,
    /// The password hash, present exactly when the login method is `Password` and a password
    /// has been set.
    pub password_hash: Option<PasswordHash>,
    /// Failure count and lock (L2).
    pub lock: LockState,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_stable_and_round_trip() {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["owner", "admin", "user"]);
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.as_str()), Some(role));
        }
        assert_eq!(Role::from_name("Owner"), None);
        assert_eq!(Role::from_name(""), None);
    }

    #[test]
    fn locale_names_are_stable_and_round_trip() {
        let names: Vec<&str> = Locale::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(names, ["ja", "en"]);
        for locale in Locale::ALL {
            assert_eq!(Locale::from_name(locale.as_str()), Some(locale));
        }
        assert_eq!(Locale::from_name("ja-JP"), None);
    }
}
