//! Second factors (T1–T7): authenticator-app secrets, SMS codes, recovery codes, remembered
//! browsers, and the pending sign-in that waits for them.
//!
//! ```text
//!  password ok, L6 says "second factor" ──▶ Pending { stage }
//!      stage Enrol ── choose SMS: phone ─▶ code sent ─▶ code ok ──┐
//!                 └─ choose app: secret+QR ─▶ current code ok ────┤
//!                                                                  ▼
//!                               RecoveryShown { code once } ── "I saved it" ──▶ session
//!      stage Challenge(SMS|App) ── right code ──▶ session
//!                               ├─ wrong code ──▶ counts toward the lock (L2)
//!                               └─ "lost my device": recovery code ──▶ RecoveryShown (new code)
//!  Pending expires after 10 minutes and gives access to nothing (X8).
//! ```
//!
//! The pending sign-in's transitions are [`super::PendingSignIn::advance`]'s, in the
//! `pending` module.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use data_encoding::BASE32_NOPAD;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use super::{AccountId, PasswordHash, PhoneNumber, TokenHash};
use crate::ports::SecretSource;

/// How long an SMS code is valid (T7).
pub const SMS_CODE_VALIDITY: Duration = Duration::minutes(10);
/// Wrong tries an SMS code allows (T7).
pub const SMS_MAX_WRONG_TRIES: u8 = 5;
/// Least time between two SMS sends for one sign-in (T7).
pub const SMS_RESEND_INTERVAL: Duration = Duration::minutes(1);
/// Most SMS sends per account, and per phone number, in 24 hours (X5).
pub const SMS_DAILY_CAP: u32 = 10;
/// A remembered browser is forgotten after this long without a sign-in from it (L6).
pub const REMEMBER_BROWSER_WINDOW: Duration = Duration::days(30);
/// TOTP time step (T1).
pub const TOTP_STEP_SECONDS: u64 = 30;

/// Which second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecondFactorKind {
    /// A code sent by SMS (offered first).
    Sms,
    /// An authenticator app (TOTP).
    Totp,
}

impl SecondFactorKind {
    /// Every kind, in the order enrolment offers them (SMS first, T1).
    pub const ALL: [SecondFactorKind; 2] = [Self::Sms, Self::Totp];

    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Totp => "totp",
        }
    }

    /// The kind named by [`SecondFactorKind::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A TOTP shared secret: 160 random bits (RFC 4226 §4 recommends 160). Never printed.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// Draws a new secret.
    pub fn generate(secrets: &dyn SecretSource) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; 20]);
        secrets.fill(&mut bytes);
        Self(bytes)
    }

    /// Rebuilds a secret read back from a store.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw secret, for storing.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as base32 text without padding, as authenticator apps accept it typed in.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE32_NOPAD.encode(&self.0))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// Characters of a recovery code (without separators): 16 × 5 bits = 80 bits (T3).
pub const RECOVERY_CODE_CHARS: usize = 16;
const RECOVERY_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Why a text is not a recovery code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a recovery code is 16 letters and digits, e.g. ABCD-EFGH-JKLM-NPQR")]
pub struct RecoveryCodeError;

/// A recovery code (T3, T5): 80 random bits shown as `XXXX-XXXX-XXXX-XXXX`, without the easily
/// confused `0 O 1 I`. Stored only as an Argon2id hash. Never printed by `Debug`.
#[derive(Clone)]
pub struct RecoveryCode(Zeroizing<String>);

impl RecoveryCode {
    /// Draws a new code.
    pub fn generate(secrets: &dyn SecretSource) -> Self {
        let mut bytes = Zeroizing::new([0u8; RECOVERY_CODE_CHARS]);
        secrets.fill(bytes.as_mut());
        let code = bytes
            .iter()
            .map(|b| char::from(RECOVERY_ALPHABET[usize::from(b & 31)]))
            .collect();
        Self(Zeroizing::new(code))
    }

    /// Parses a code as typed: spaces and hyphens anywhere, any case, full-width characters.
    ///
    /// # Errors
    /// [`RecoveryCodeError`] unless 16 characters of the code alphabet remain.
    pub fn parse(raw: &str) -> Result<Self, RecoveryCodeError> {
        use unicode_normalization::UnicodeNormalization;
        let code: String = raw
            .nfkc()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == RECOVERY_CODE_CHARS
            && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
        if valid {
            Ok(Self(Zeroizing::new(code)))
        } else {
            Err(RecoveryCodeError)
        }
    }

    /// The code grouped for display: `XXXX-XXXX-XXXX-XXXX`.
    pub fn display(&self) -> Zeroizing<String> {
        let groups: Vec<&str> = (0..RECOVERY_CODE_CHARS / 4)
            .filter_map(|i| self.0.get(i * 4..i * 4 + 4))
            .collect();
        Zeroizing::new(groups.join("-"))
    }

    /// The canonical text (no separators), for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

/// A recovery code kept with its pending sign-in until "I saved it" (T3), sealed with a key only
/// the pending token's holder (the browser) can derive: the store, which keeps only the token's
/// hash, cannot read it. At most one code is sealed under one pending token.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecoveryCode([u8; RECOVERY_CODE_CHARS]);

const SEAL_PURPOSE: &str = "recovery code awaiting confirmation";

impl RecoveryCode {
    /// Seals the code for the holder of `pending`.
    pub fn seal(&self, pending: &super::SecretToken) -> SealedRecoveryCode {
        let key = pending.derive_key(SEAL_PURPOSE);
        let mut sealed = [0u8; RECOVERY_CODE_CHARS];
        for ((out, c), k) in sealed.iter_mut().zip(self.0.bytes()).zip(key.iter()) {
            *out = c ^ k;
        }
        SealedRecoveryCode(sealed)
    }
}

impl SealedRecoveryCode {
    /// The sealed bytes, for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Sealed bytes read back from storage; `None` unless they have the code's length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The code, for the holder of the token it was sealed for; `None` for any other token.
    pub fn open(&self, pending: &super::SecretToken) -> Option<RecoveryCode> {
        let key = pending.derive_key(SEAL_PURPOSE);
        let text: Zeroizing<String> = Zeroizing::new(
            self.0
                .iter()
                .zip(key.iter())
                .map(|(s, k)| char::from(s ^ k))
                .collect(),
        );
        RecoveryCode::parse(&text).ok()
    }
}

impl fmt::Debug for SealedRecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedRecoveryCode(..)")
    }
}

/// Digits of an SMS code.
pub const SMS_CODE_DIGITS: usize = 6;

/// A 6-digit SMS code (T2, T7). Never printed by `Debug`.
#[derive(Clone)]
pub struct SmsCode(Zeroizing<String>);

impl SmsCode {
    /// Draws a uniformly random code.
    pub fn generate(secrets: &dyn SecretSource) -> Self {
        // Rejection sampling keeps the distribution uniform.
        loop {
            let mut b = [0u8; 4];
            secrets.fill(&mut b);
            let n = u32::from_le_bytes(b);
            if n < 4_294_000_000 {
                return Self(Zeroizing::new(format!("{:06}", n % 1_000_000)));
            }
        }
    }

    /// The code, for the message and for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash stored for this code under `salt`.
    pub fn hash(&self, salt: &[u8; 16]) -> TokenHash {
        code_hash(self.expose(), salt)
    }
}

impl fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCode(<redacted>)")
    }
}

fn code_hash(code: &str, salt: &[u8; 16]) -> TokenHash {
    use sha2::{Digest, Sha256};
    TokenHash::from_bytes(
        Sha256::new()
            .chain_update(salt)
            .chain_update(code.as_bytes())
            .finalize()
            .into(),
    )
}

/// A code sent by SMS for one pending sign-in, stored salted and hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsChallenge {
    /// Where it was sent.
    pub phone: PhoneNumber,
    /// Salt of the hash.
    pub salt: [u8; 16],
    /// Salted SHA-256 of the code.
    pub code_hash: TokenHash,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Wrong tries so far.
    pub wrong_tries: u8,
}

/// Result of checking a typed SMS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsCheck {
    /// Right and in time.
    Right,
    /// Wrong; tries remain or not as `wrong_tries` says.
    Wrong,
    /// Expired (10 minutes) or out of tries; a new code is needed.
    Spent,
}

impl SmsChallenge {
    /// Checks a typed code (spaces ignored) at `now`.
    pub fn check(&self, typed: &str, now: DateTime<Utc>) -> SmsCheck {
        if now >= self.sent_at + SMS_CODE_VALIDITY || self.wrong_tries >= SMS_MAX_WRONG_TRIES {
            return SmsCheck::Spent;
        }
        use unicode_normalization::UnicodeNormalization;
        let typed: String = typed.nfkc().filter(|c| !c.is_whitespace()).collect();
        if bool::from(
            code_hash(&typed, &self.salt)
                .as_bytes()
                .ct_eq(self.code_hash.as_bytes()),
        ) {
            SmsCheck::Right
        } else {
            SmsCheck::Wrong
        }
    }
}

/// An account's enrolled second factor.
#[derive(Debug, Clone)]
pub enum EnrolledFactor {
    /// SMS to this number.
    Sms {
        /// The enrolled number.
        phone: PhoneNumber,
    },
    /// An authenticator app with this secret.
    Totp {
        /// The shared secret.
        secret: TotpSecret,
    },
}

impl EnrolledFactor {
    /// Which kind.
    pub fn kind(&self) -> SecondFactorKind {
        match self {
            Self::Sms { .. } => SecondFactorKind::Sms,
            Self::Totp { .. } => SecondFactorKind::Totp,
        }
    }
}

/// An account's second-factor enrolment (T2, T3).
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The method and its secret or number.
    pub factor: EnrolledFactor,
    /// Argon2id hash of the current recovery code.
    pub recovery_hash: PasswordHash,
    /// The last TOTP step accepted, so no step is accepted twice (T7).
    pub last_totp_step: Option<u64>,
    /// When enrolled.
    pub enrolled_at: DateTime<Utc>,
}

/// A browser remembered for an account (L6): only the hash of its device token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedBrowser {
    /// Hash of the device token in the browser's cookie.
    pub token_hash: TokenHash,
    /// Whose.
    pub account: AccountId,
    /// The last sign-in from it; the memory lapses [`REMEMBER_BROWSER_WINDOW`] after.
    pub last_used_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededSecrets;

    #[test]
    fn t5_recovery_codes_are_accepted_with_or_without_separators() {
        let secrets = SeededSecrets::new(5);
        let code = RecoveryCode::generate(&secrets);
        let shown = code.display();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.matches('-').count(), 3);
        for typed in [
            shown.to_string(),
            shown.replace('-', ""),
            shown.replace('-', " "),
            shown.to_lowercase(),
            format!(" {} ", shown.replace('-', " - ")),
        ] {
            assert_eq!(
                RecoveryCode::parse(&typed).unwrap().expose(),
                code.expose(),
                "{typed}"
            );
        }
        assert!(RecoveryCode::parse("ABCD-EFGH-JKLM").is_err());
        assert!(
            RecoveryCode::parse("ABCD-EFGH-JKLM-NPQ0").is_err(),
            "0 is not in the alphabet"
        );
        assert!(!format!("{code:?}").contains(code.expose()));
    }

    #[test]
    fn second_factor_kind_names_are_stable_and_round_trip() {
        let names: Vec<&str> = SecondFactorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["sms", "totp"]);
        for kind in SecondFactorKind::ALL {
            assert_eq!(SecondFactorKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(SecondFactorKind::from_name("TOTP"), None);
    }

    #[test]
    fn t3_recovery_codes_carry_eighty_bits() {
        assert_eq!(RECOVERY_ALPHABET.len(), 32);
        assert_eq!(RECOVERY_CODE_CHARS * 5, 80);
        let secrets = SeededSecrets::new(6);
        let a = RecoveryCode::generate(&secrets);
        let b = RecoveryCode::generate(&secrets);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn t3_a_kept_recovery_code_opens_only_for_its_pending_token() {
        let secrets = SeededSecrets::new(7);
        let code = RecoveryCode::generate(&secrets);
        let token = crate::domain::SecretToken::generate(&secrets);
        let other = crate::domain::SecretToken::generate(&secrets);
        let sealed = code.seal(&token);
        assert!(
            !sealed.as_bytes().windows(4).any(|w| code
                .expose()
                .as_bytes()
                .windows(4)
                .any(|c| c == w)),
            "the stored bytes do not show the code"
        );
        let back = SealedRecoveryCode::from_bytes(sealed.as_bytes()).unwrap();
        assert_eq!(back.open(&token).unwrap().expose(), code.expose());
        assert!(
            other_open_differs(&back, &other, &code),
            "another token does not open it"
        );
        assert!(SealedRecoveryCode::from_bytes(&[1, 2, 3]).is_none());
        assert!(!format!("{sealed:?}").contains(code.expose()));
    }

    fn other_open_differs(
        sealed: &SealedRecoveryCode,
        other: &crate::domain::SecretToken,
        code: &RecoveryCode,
    ) -> bool {
        sealed
            .open(other)
            .is_none_or(|c| c.expose() != code.expose())
    }

    #[test]
    fn t7_an_sms_code_expires_after_ten_minutes_and_five_wrong_tries() {
        let secrets = SeededSecrets::new(7);
        let code = SmsCode::generate(&secrets);
        assert_eq!(code.expose().len(), SMS_CODE_DIGITS);
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let salt = [9u8; 16];
        let mut c = SmsChallenge {
            phone: PhoneNumber::parse("09012345678").unwrap(),
            salt,
            code_hash: code.hash(&salt),
            sent_at: now,
            wrong_tries: 0,
        };
        assert_eq!(
            c.check(code.expose(), now + Duration::minutes(9)),
            SmsCheck::Right
        );
        assert_eq!(
            c.check(code.expose(), now + Duration::minutes(10)),
            SmsCheck::Spent
        );
        assert_eq!(c.check("000000x", now), SmsCheck::Wrong);
        c.wrong_tries = SMS_MAX_WRONG_TRIES;
        assert_eq!(c.check(code.expose(), now), SmsCheck::Spent);
    }
}
