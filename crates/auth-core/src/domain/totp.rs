//! Authenticator-app codes: TOTP per RFC 6238 with 6 digits, 30-second steps and HMAC-SHA-1,
//! as Google Authenticator and Microsoft Authenticator expect (T1).

use chrono::{DateTime, Utc};
use thiserror::Error;
use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use super::{Email, TOTP_STEP_SECONDS, TotpSecret};

/// The TOTP machinery refused the secret or label.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cannot build the authenticator code generator: {0}")]
pub struct TotpSetupError(String);

/// What the enrolment page shows: the `otpauth://` URI (which the app draws as a QR code) and
/// the secret as text. Both carry the secret: `Debug` shows neither.
#[derive(Clone)]
pub struct TotpOffer {
    /// The secret in base32, for typing into the app by hand.
    pub secret_text: Zeroizing<String>,
    /// The `otpauth://totp/...` URI, for the QR code.
    pub otpauth_uri: Zeroizing<String>,
}

impl std::fmt::Debug for TotpOffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpOffer(<redacted>)")
    }
}

fn generator(secret: &TotpSecret, issuer: &str, account: &Email) -> Result<Totp, TotpSetupError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_secret(secret.as_bytes().to_vec())
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.as_str().replace(':', " "))
        .build()
        .map_err(|e| TotpSetupError(e.to_string()))
}

/// Builds the enrolment offer for `secret`, labelled `issuer:account`.
///
/// # Errors
/// [`TotpSetupError`] if the secret is shorter than 128 bits.
pub fn totp_offer(
    secret: &TotpSecret,
    issuer: &str,
    account: &Email,
) -> Result<TotpOffer, TotpSetupError> {
    let totp = generator(secret, issuer, account)?;
    let uri = Zeroizing::new(totp.to_url().map_err(|e| TotpSetupError(e.to_string()))?);
    Ok(TotpOffer {
        secret_text: secret.to_base32(),
        otpauth_uri: uri,
    })
}

fn unix_seconds(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// The step (30-second window number) a typed code matches at `now`, accepting the previous,
/// current and next step (±1, T7). Spaces in the typed code are ignored. The caller must still
/// refuse a step already used.
pub fn matching_totp_step(secret: &TotpSecret, typed: &str, now: DateTime<Utc>) -> Option<u64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_secret(secret.as_bytes().to_vec())
        .build_noncompliant();
    totp.check(&typed, unix_seconds(now))
}

/// The code an authenticator shows at `at` (for tests and for users' clocks checks).
pub fn totp_code_at(secret: &TotpSecret, at: DateTime<Utc>) -> String {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_secret(secret.as_bytes().to_vec())
        .build_noncompliant();
    totp.generate(unix_seconds(at)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890")
    }

    /// RFC 6238 Appendix B, SHA-1 column; 6-digit codes are the last six digits of the 8-digit
    /// values (the truncation is modulo 10^digits).
    #[test]
    fn t1_rfc6238_test_vectors() {
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, eight) in vectors {
            let at = Utc.timestamp_opt(t, 0).unwrap();
            assert_eq!(totp_code_at(&rfc_secret(), at), eight[2..], "t={t}");
        }
    }

    #[test]
    fn t7_codes_match_within_one_step_either_side() {
        let secret = rfc_secret();
        let now = Utc.timestamp_opt(1_111_111_109, 0).unwrap();
        let step = 1_111_111_109 / 30;
        let code = totp_code_at(&secret, now);
        assert_eq!(matching_totp_step(&secret, &code, now), Some(step));
        assert_eq!(
            matching_totp_step(&secret, &code, now + chrono::Duration::seconds(30)),
            Some(step)
        );
        assert_eq!(
            matching_totp_step(&secret, &code, now - chrono::Duration::seconds(30)),
            Some(step)
        );
        assert_eq!(
            matching_totp_step(&secret, &code, now + chrono::Duration::seconds(90)),
            None
        );
        assert_eq!(matching_totp_step(&secret, "12345", now), None);
        assert_eq!(matching_totp_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn t1_the_offer_has_an_otpauth_uri_and_the_secret_as_text() {
        let secret = TotpSecret::from_bytes(&[7u8; 20]);
        let email = Email::parse("taro@example.co.jp").unwrap();
        let offer = totp_offer(&secret, "tobira", &email).unwrap();
        assert!(
            offer
                .otpauth_uri
                .starts_with("otpauth://totp/tobira:taro%40example.co.jp?secret=")
        );
        assert!(offer.otpauth_uri.contains(offer.secret_text.as_str()));
        assert!(offer.otpauth_uri.contains("issuer=tobira"));
        let debug = format!("{offer:?}");
        assert!(!debug.contains(offer.secret_text.as_str()));
        assert!(!debug.contains("otpauth"));
        assert_eq!(offer.secret_text.len(), 32);
    }
}
