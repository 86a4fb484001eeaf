//! E-mail addresses: an account's ID.
//!
//! **One rule for the parser and the sender.** An address is accepted only if it can also be
//! mailed. The local part (before `@`) is RFC 5322 `atext` — letters and digits (any script),
//! `` ! # $ % & ' * + - / = ? ^ _ ` { | } ~ `` — and dots. Quoted local parts and the characters
//! only they allow (`"`, `<`, `>`, `,`, `(`, `)`, `:`, `;`, `[`, `]`, `\`, `@`) are refused:
//! the SMTP adapter could not send to them, and no mailbox a customer uses needs them. The one
//! deviation from RFC 5322 is deliberate: dots may lead, trail or repeat
//! (`foo.@docomo.ne.jp`, `a..b@docomo.ne.jp`), because Japanese carriers issued such
//! addresses for years and their servers deliver to them; the SMTP adapter sends exactly these
//! addresses with [`check_local_part`] as its rule. See `docs/mail.md`.

use std::fmt;

use thiserror::Error;

/// Longest address accepted, in bytes (RFC 5321 path limit less the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest local part accepted, in bytes (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART_BYTES: usize = 64;

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("the e-mail address is empty")]
    Empty,
    /// Longer than [`MAX_EMAIL_BYTES`].
    #[error("the e-mail address is longer than {MAX_EMAIL_BYTES} bytes")]
    TooLong,
    /// No `@`, or more than one.
    #[error("the e-mail address must contain exactly one '@'")]
    AtSign,
    /// Nothing before the `@`, or more than [`MAX_LOCAL_PART_BYTES`].
    #[error("the part before '@' must be 1 to {MAX_LOCAL_PART_BYTES} bytes")]
    LocalPart,
    /// A control character (CR, LF, tab, ...) or white space inside the address.
    #[error("the e-mail address contains a control character or a space")]
    ForbiddenCharacter,
    /// A character the part before `@` may not hold (a quote, `<`, `,`, ...): mail could not
    /// be sent to such an address.
    #[error("the part before '@' may not contain '{0}'")]
    LocalPartCharacter(char),
    /// The part after the `@` is not a valid internationalised domain name.
    #[error("the domain after '@' is not a valid domain name")]
    Domain,
}

/// A syntactically valid e-mail address, trimmed, with a case-insensitive lookup key.
///
/// The address keeps the spelling the user gave (for display and for sending); equality,
/// hashing and lookups use [`Email::key`], which is the whole address in lower case with the
/// domain in its ASCII (punycode) form.
#[derive(Clone)]
pub struct Email {
    display: String,
    key: String,
}

impl Email {
    /// Parses an address as typed: surrounding white space is ignored.
    ///
    /// # Errors
    /// The [`EmailError`] naming the first rule the text breaks.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > MAX_EMAIL_BYTES {
            return Err(EmailError::TooLong);
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(EmailError::ForbiddenCharacter);
        }
        let mut parts = text.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::AtSign);
        };
        check_local_part(local)?;
        let ascii_domain = idna::domain_to_ascii_strict(domain).map_err(|_| EmailError::Domain)?;
        if ascii_domain.is_empty() || !ascii_domain.contains('.') || ascii_domain.ends_with('.') {
            return Err(EmailError::Domain);
        }
        let key = format!("{}@{}", local.to_lowercase(), ascii_domain);
        if key.len() > MAX_EMAIL_BYTES {
            return Err(EmailError::TooLong);
        }
        Ok(Self {
            display: text.to_owned(),
            key,
        })
    }

    /// The address as the user spelled it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The case-insensitive lookup key: unique per account across the whole service.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The part before the `@`, as the user spelled it.
    pub fn local_part(&self) -> &str {
        self.display.split('@').next().unwrap_or_default()
    }
}

/// The local-part rule shared by [`Email::parse`] and the mail sender: 1 to
/// [`MAX_LOCAL_PART_BYTES`] bytes of RFC 5322 `atext` and dots, the dots anywhere (see the
/// module documentation for why).
///
/// # Errors
/// [`EmailError::LocalPart`] for an empty or too long part, [`EmailError::ForbiddenCharacter`]
/// for control characters and white space, [`EmailError::LocalPartCharacter`] with the first
/// character outside the rule.
pub fn check_local_part(local: &str) -> Result<(), EmailError> {
    if local.is_empty() || local.len() > MAX_LOCAL_PART_BYTES {
        return Err(EmailError::LocalPart);
    }
    match local.chars().find(|c| !is_local_part_char(*c)) {
        None => Ok(()),
        Some(c) if c.is_control() || c.is_whitespace() => Err(EmailError::ForbiddenCharacter),
        Some(c) => Err(EmailError::LocalPartCharacter(c)),
    }
}

/// RFC 5322 `atext` (with RFC 6532's non-ASCII characters) or a dot.
fn is_local_part_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
    } else {
        !c.is_control() && !c.is_whitespace()
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.display
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.display)
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Email {}

impl std::hash::Hash for Email {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl std::str::FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn l1_lookup_key_ignores_case_and_surrounding_space() {
        let a = Email::parse("  Taro.Yamada@Example.CO.JP \n").unwrap();
        let b = Email::parse("taro.yamada@example.co.jp").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key(), "taro.yamada@example.co.jp");
        assert_eq!(a.as_str(), "Taro.Yamada@Example.CO.JP");
        assert_eq!(a.local_part(), "Taro.Yamada");
    }

    #[test]
    fn internationalised_domains_get_an_ascii_key() {
        let e = Email::parse("user@例え.jp").unwrap();
        assert_eq!(e.key(), "user@xn--r8jz45g.jp");
        assert_eq!(e.as_str(), "user@例え.jp");
    }

    #[test]
    fn each_broken_rule_has_its_own_error() {
        assert_eq!(Email::parse("   ").unwrap_err(), EmailError::Empty);
        assert_eq!(
            Email::parse("no-at.example.com").unwrap_err(),
            EmailError::AtSign
        );
        assert_eq!(
            Email::parse("a@b@example.com").unwrap_err(),
            EmailError::AtSign
        );
        assert_eq!(
            Email::parse("@example.com").unwrap_err(),
            EmailError::LocalPart
        );
        assert_eq!(
            Email::parse(&format!("{}@example.com", "a".repeat(65))).unwrap_err(),
            EmailError::LocalPart
        );
        assert_eq!(
            Email::parse(&format!("a@{}.com", "b".repeat(260))).unwrap_err(),
            EmailError::TooLong
        );
        assert_eq!(
            Email::parse("a@exam\r\nple.com").unwrap_err(),
            EmailError::ForbiddenCharacter
        );
        assert_eq!(
            Email::parse("a b@example.com").unwrap_err(),
            EmailError::ForbiddenCharacter
        );
        assert_eq!(Email::parse("a@localhost").unwrap_err(), EmailError::Domain);
        assert_eq!(
            Email::parse("a@exa_mple.com").unwrap_err(),
            EmailError::Domain
        );
        assert_eq!(Email::parse("a@-bad-.com").unwrap_err(), EmailError::Domain);
    }

    #[test]
    fn x6_local_parts_the_mailer_refuses_are_refused() {
        for (text, bad) in [
            ("\"quoted\"@example.co.jp", '"'),
            ("a<b@example.co.jp", '<'),
            ("a>b@example.co.jp", '>'),
            ("a,b@example.co.jp", ','),
            ("a(b)@example.co.jp", '('),
            ("a:b@example.co.jp", ':'),
            ("a;b@example.co.jp", ';'),
            ("a[b]@example.co.jp", '['),
            ("a\\b@example.co.jp", '\\'),
        ] {
            assert_eq!(
                Email::parse(text).unwrap_err(),
                EmailError::LocalPartCharacter(bad),
                "{text}"
            );
        }
        assert_eq!(
            EmailError::LocalPartCharacter('"').to_string(),
            "the part before '@' may not contain '\"'"
        );
    }

    #[test]
    fn x6_docomo_style_local_parts_stay_accepted() {
        for text in [
            "foo.@docomo.ne.jp",
            "a..b@docomo.ne.jp",
            ".dot@ezweb.ne.jp",
            "o'brien+tag@example.co.jp",
            "!#$%&'*+-/=?^_`{|}~@example.co.jp",
            "山田@example.co.jp",
        ] {
            let e = Email::parse(text).unwrap();
            assert_eq!(e.as_str(), text);
            assert_eq!(check_local_part(e.local_part()), Ok(()));
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_valid_addresses_hold_no_control_chars(s in "\\PC{0,300}|[\\x00-\\x7f]{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(e.as_str().len() <= MAX_EMAIL_BYTES);
                prop_assert!(!e.as_str().chars().any(char::is_control));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }

        #[test]
        fn l1_case_variants_share_one_key(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-zA-Z]{1,10}\\.(com|jp|co\\.jp)") {
            let lower = Email::parse(&format!("{}@{}", local.to_lowercase(), domain.to_lowercase())).unwrap();
            let upper = Email::parse(&format!(" {}@{} ", local.to_uppercase(), domain.to_uppercase())).unwrap();
            prop_assert_eq!(lower.key(), upper.key());
        }
    }
}
