//! Passwords: the P1 policy and the X2 refusals for new passwords, and what a user types at
//! sign-in.
//!
//! New passwords are normalised to Unicode NFKC before any rule is checked and before hashing,
//! so the full-width `Ｐａｓｓ１` typed on a Japanese keyboard and the half-width `Pass1` are the
//! same password.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// Fewest characters (code points after NFKC) in a password.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters (code points after NFKC) in a password.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Fewest character classes (of upper, lower, digit, symbol) a password must use.
pub const MIN_PASSWORD_CLASSES: usize = 3;
/// Most bytes accepted from a sign-in form before hashing; longer input cannot be a password.
pub const MAX_CANDIDATE_BYTES: usize = 1024;

/// One rule a new password can break. Every failed rule is reported, not only the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordRule {
    /// P1: fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// P1: more than [`MAX_PASSWORD_CHARS`] characters.
    TooLong,
    /// P1: fewer than [`MIN_PASSWORD_CLASSES`] of upper, lower, digit and symbol.
    TooFewClasses {
        /// How many classes the password does use.
        used: u8,
    },
    /// P1: the confirmation differs from the password.
    ConfirmationMismatch,
    /// X2: among the 10,000 most common passwords.
    Common,
    /// X2: contains the local part of the account's e-mail address.
    ContainsEmail,
    /// X2: contains the contract's name.
    ContainsContractName,
    /// A control character (other than none) is not allowed in a password.
    ControlCharacter,
}

impl fmt::Display for PasswordRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => write!(f, "at least {MIN_PASSWORD_CHARS} characters"),
            Self::TooLong => write!(f, "at most {MAX_PASSWORD_CHARS} characters"),
            Self::TooFewClasses { used } => write!(
                f,
                "at least {MIN_PASSWORD_CLASSES} of upper case, lower case, digits and symbols (has {used})"
            ),
            Self::ConfirmationMismatch => f.write_str("the confirmation must match"),
            Self::Common => f.write_str("not one of the most common passwords"),
            Self::ContainsEmail => f.write_str("must not contain the e-mail address"),
            Self::ContainsContractName => f.write_str("must not contain the contract name"),
            Self::ControlCharacter => f.write_str("no control characters"),
        }
    }
}

/// A new password was refused; `rules` lists every rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the password breaks these rules: {}", list(.rules))]
pub struct PasswordRejected {
    /// The rules broken, in the order the policy checks them.
    pub rules: Vec<PasswordRule>,
}

fn list(rules: &[PasswordRule]) -> String {
    rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a new password must not contain besides the fixed policy (X2).
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    /// The account's e-mail local part.
    pub email_local_part: Option<&'a str>,
    /// The contract's name.
    pub contract_name: Option<&'a str>,
}

/// A new password that satisfies P1 and X2, NFKC-normalised. Zeroed on drop, never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Checks a new password and its confirmation.
    ///
    /// # Errors
    /// [`PasswordRejected`] listing every rule the password breaks.
    pub fn new(
        password: &str,
        confirmation: &str,
        context: PasswordContext<'_>,
    ) -> Result<Self, PasswordRejected> {
        let normalised = Zeroizing::new(password.nfkc().collect::<String>());
        let confirmation = Zeroizing::new(confirmation.nfkc().collect::<String>());
        let mut rules = policy_failures(&normalised);
        if normalised.as_str() != confirmation.as_str() {
            rules.push(PasswordRule::ConfirmationMismatch);
        }
        let folded = Zeroizing::new(normalised.to_lowercase());
        if is_common(&folded) {
            rules.push(PasswordRule::Common);
        }
        if contains_folded(&folded, context.email_local_part, 3) {
            rules.push(PasswordRule::ContainsEmail);
        }
        if contains_folded(&folded, context.contract_name, 3) {
            rules.push(PasswordRule::ContainsContractName);
        }
        if rules.is_empty() {
            Ok(Self(normalised))
        } else {
            Err(PasswordRejected { rules })
        }
    }

    /// The normalised password, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A password that was just verified against its stored hash, to re-hash it with current
    /// parameters (P4). It may predate the policy, so no rule is checked.
    pub(crate) fn from_verified(candidate: &PasswordCandidate) -> Self {
        Self(Zeroizing::new(candidate.expose().to_owned()))
    }

    /// A recovery code to hash like a password (T3): high-entropy, so no policy applies.
    pub(crate) fn from_recovery_code(code: &super::RecoveryCode) -> Self {
        Self(Zeroizing::new(code.expose().to_owned()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The P1 rules alone, on an already normalised password.
fn policy_failures(password: &str) -> Vec<PasswordRule> {
    let mut rules = Vec::new();
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        rules.push(PasswordRule::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        rules.push(PasswordRule::TooLong);
    }
    if password.chars().any(char::is_control) {
        rules.push(PasswordRule::ControlCharacter);
    }
    let classes = [
        password.chars().any(char::is_uppercase),
        password.chars().any(char::is_lowercase),
        password.chars().any(|c| c.is_numeric()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_control()),
    ];
    let used = classes.iter().filter(|&&c| c).count();
    if used < MIN_PASSWORD_CLASSES {
        rules.push(PasswordRule::TooFewClasses {
            used: u8::try_from(used).unwrap_or(u8::MAX),
        });
    }
    rules
}

fn contains_folded(folded_password: &str, needle: Option<&str>, min_len: usize) -> bool {
    let Some(needle) = needle else { return false };
    let needle: String = needle.nfkc().collect::<String>().to_lowercase();
    let needle = needle.trim();
    needle.chars().count() >= min_len && folded_password.contains(needle)
}

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

fn is_common(folded: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).collect())
        .contains(folded)
}

/// What a user typed into a password field at sign-in: any text, never checked against the
/// policy (an old password may predate it), NFKC-normalised like new passwords, zeroed on drop.
#[derive(Clone)]
pub struct PasswordCandidate(Zeroizing<String>);

impl PasswordCandidate {
    /// Wraps typed text. Input longer than [`MAX_CANDIDATE_BYTES`] is kept only up to a cut-off
    /// that can never match a stored password, so it still costs one hash and simply fails.
    pub fn new(typed: &str) -> Self {
        if typed.len() > MAX_CANDIDATE_BYTES {
            return Self(Zeroizing::new(String::from("\u{0}too-long")));
        }
        Self(Zeroizing::new(typed.nfkc().collect()))
    }

    /// The normalised text, for verification only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&super::RecoveryCode> for PasswordCandidate {
    fn from(code: &super::RecoveryCode) -> Self {
        Self(Zeroizing::new(code.expose().to_owned()))
    }
}

impl From<&Password> for PasswordCandidate {
    fn from(p: &Password) -> Self {
        Self(Zeroizing::new(p.expose().to_owned()))
    }
}

impl fmt::Debug for PasswordCandidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordCandidate(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules(p: &str) -> Vec<PasswordRule> {
        Password::new(p, p, PasswordContext::default())
            .err()
            .map(|e| e.rules)
            .unwrap_or_default()
    }

    #[test]
    fn p1_accepts_eight_characters_of_three_classes() {
        assert!(rules("Kumo-2024").is_empty());
        assert!(rules("kumo-2024").is_empty());
        assert!(rules("KUMO2024x").is_empty());
    }

    #[test]
    fn p1_names_every_rule_that_fails() {
        assert_eq!(
            rules("abc"),
            vec![
                PasswordRule::TooShort,
                PasswordRule::TooFewClasses { used: 1 }
            ]
        );
        assert_eq!(
            rules("abcdefghijk"),
            vec![PasswordRule::TooFewClasses { used: 1 }]
        );
        assert_eq!(rules("Ab1-Ab1"), vec![PasswordRule::TooShort]);
        let long = format!("Aa1-{}", "x".repeat(125));
        assert_eq!(rules(&long), vec![PasswordRule::TooLong]);
    }

    #[test]
    fn p1_length_counts_code_points_after_nfkc() {
        // Eight full-width characters are eight characters, and normalise to ASCII.
        let p = Password::new(
            "Ｋｕｍｏ－２０２",
            "Ｋｕｍｏ－２０２",
            PasswordContext::default(),
        )
        .unwrap();
        assert_eq!(p.expose(), "Kumo-202");
        // Japanese characters count one each (not per byte) but belong to no class.
        assert!(rules("雲の上のクラ1Aa").is_empty());
        assert_eq!(rules("雲の上1Aa"), vec![PasswordRule::TooShort]);
        assert_eq!(
            rules("雲の上のクラウド1A"),
            vec![PasswordRule::TooFewClasses { used: 2 }]
        );
    }

    #[test]
    fn p1_confirmation_must_match() {
        let err = Password::new("Kumo-2024", "Kumo-2025", PasswordContext::default()).unwrap_err();
        assert_eq!(err.rules, vec![PasswordRule::ConfirmationMismatch]);
        // Confirmation compares after normalisation.
        assert!(
            Password::new(
                "Kumo-2024",
                "Ｋｕｍｏ－２０２４",
                PasswordContext::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn x2_refuses_common_passwords_whatever_their_case() {
        // "password1" is on the list; "Password1" passes P1 but not X2.
        assert_eq!(rules("Password1"), vec![PasswordRule::Common]);
        assert_eq!(rules("Qwerty123"), vec![PasswordRule::Common]);
        assert!(is_common("123456"));
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
    }

    #[test]
    fn x2_refuses_the_email_local_part_and_the_contract_name() {
        let ctx = PasswordContext {
            email_local_part: Some("Yamada.Taro"),
            contract_name: Some("Kumo Shoji"),
        };
        let err = Password::new("xYAMADA.taro9", "xYAMADA.taro9", ctx).unwrap_err();
        assert_eq!(err.rules, vec![PasswordRule::ContainsEmail]);
        let err = Password::new("kumo shoji-1A", "kumo shoji-1A", ctx).unwrap_err();
        assert_eq!(err.rules, vec![PasswordRule::ContainsContractName]);
        assert!(Password::new("Hanami-2031", "Hanami-2031", ctx).is_ok());
        assert!(err.to_string().contains("contract name"));
    }

    #[test]
    fn p1_control_characters_are_refused() {
        assert!(rules("Kumo\n2024x").contains(&PasswordRule::ControlCharacter));
    }

    #[test]
    fn secrets_never_print() {
        let p = Password::new("Kumo-2024", "Kumo-2024", PasswordContext::default()).unwrap();
        assert!(!format!("{p:?}").contains("Kumo"));
        assert!(!format!("{:?}", PasswordCandidate::new("Kumo-2024")).contains("Kumo"));
    }

    proptest! {
        #[test]
        fn p1_an_accepted_password_satisfies_every_rule(p in "\\PC{0,140}") {
            if let Ok(ok) = Password::new(&p, &p, PasswordContext::default()) {
                let n = ok.expose().chars().count();
                prop_assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n));
                prop_assert!(policy_failures(ok.expose()).is_empty());
            }
        }
    }
}
