//! Phone numbers for SMS codes.

use std::fmt;

use thiserror::Error;

/// Why a text is not a phone number that can receive SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "a phone number is a Japanese mobile number (070, 080 or 090 and 8 more digits) or an international number starting with + (E.164)"
)]
pub struct PhoneNumberError;

/// A phone number in E.164 form (`+819012345678`). Japanese mobile numbers may be typed in
/// domestic form (`090-1234-5678`); hyphens, spaces and full-width digits are accepted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a phone number as typed.
    ///
    /// # Errors
    /// [`PhoneNumberError`] for anything but the two forms.
    pub fn parse(raw: &str) -> Result<Self, PhoneNumberError> {
        use unicode_normalization::UnicodeNormalization;
        let text: String = raw
            .nfkc()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        if let Some(digits) = text.strip_prefix('+') {
            let ok = (8..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0');
            return if ok {
                Ok(Self(text))
            } else {
                Err(PhoneNumberError)
            };
        }
        let domestic_mobile = text.len() == 11
            && text.bytes().all(|b| b.is_ascii_digit())
            && ["070", "080", "090"].iter().any(|p| text.starts_with(p));
        if domestic_mobile {
            Ok(Self(format!("+81{}", &text[1..])))
        } else {
            Err(PhoneNumberError)
        }
    }

    /// The E.164 form.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The number with all but the last four digits hidden, for pages (`********5678`).
    pub fn masked(&self) -> String {
        let digits = self.0.len().saturating_sub(1);
        let shown = &self.0[self.0.len().saturating_sub(4)..];
        format!("{}{shown}", "*".repeat(digits.saturating_sub(4)))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t2_japanese_mobiles_and_e164_numbers_are_accepted() {
        assert_eq!(
            PhoneNumber::parse("090-1234-5678").unwrap().as_e164(),
            "+819012345678"
        );
        assert_eq!(
            PhoneNumber::parse("０８０ １２３４ ５６７８")
                .unwrap()
                .as_e164(),
            "+818012345678"
        );
        assert_eq!(
            PhoneNumber::parse("+81 70 1234 5678").unwrap().as_e164(),
            "+817012345678"
        );
        assert_eq!(
            PhoneNumber::parse("+14155550100").unwrap().as_e164(),
            "+14155550100"
        );
        for bad in [
            "03-1234-5678",
            "0901234567",
            "+0123456789",
            "+12",
            "abc",
            "",
            "090-1234-5678x",
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(PhoneNumberError), "{bad}");
        }
        assert_eq!(
            PhoneNumber::parse("090-1234-5678").unwrap().masked(),
            "********5678"
        );
    }
}
