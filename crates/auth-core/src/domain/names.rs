//! Human names: of people and of contracts.

use std::fmt;

use thiserror::Error;

/// Most characters in a display or contract name.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a text is not a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NameError {
    /// Nothing but white space was given.
    #[error("the name is empty")]
    Empty,
    /// Longer than [`MAX_NAME_CHARS`] characters.
    #[error("the name is longer than {MAX_NAME_CHARS} characters")]
    TooLong,
    /// Holds a control character (CR, LF, tab, ...).
    #[error("the name contains a control character")]
    ControlCharacter,
}

fn parse_name(raw: &str) -> Result<String, NameError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    Ok(text.to_owned())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Parses a name as typed; surrounding white space is dropped.
            ///
            /// # Errors
            /// [`NameError`] naming the rule the text breaks.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                parse_name(raw).map(Self)
            }

            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

name_type!(
    /// A person's name as shown in the admin console and in mails.
    DisplayName
);
name_type!(
    /// A contract's (customer company's) name.
    ContractName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  山田 太郎 ").unwrap().as_str(),
            "山田 太郎"
        );
        assert_eq!(DisplayName::parse(" ").unwrap_err(), NameError::Empty);
        assert_eq!(
            DisplayName::parse(&"あ".repeat(101)).unwrap_err(),
            NameError::TooLong
        );
        assert!(DisplayName::parse(&"あ".repeat(100)).is_ok());
        assert_eq!(
            ContractName::parse("A\r\nBcc: x").unwrap_err(),
            NameError::ControlCharacter
        );
    }
}
