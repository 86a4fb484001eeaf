//! Contract details (S1, C2): the company name (the contract's name, used in mails and in the
//! X2 password check), department, contact person, phone number, postal code and address. The
//! owner of a `Basic` contract edits them; each field is checked on its own so that every
//! problem can be shown beside its field.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::{ContractName, NameError};

/// The longest department, contact person or address, in characters.
pub const MAX_DETAIL_CHARS: usize = 100;
/// The longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A contract's details beyond its plan and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractDetails {
    /// The company name: the contract's name.
    pub company: ContractName,
    /// The department (may be empty).
    pub department: String,
    /// The contact person.
    pub contact_person: String,
    /// The phone number, digits and hyphens as typed (half-width).
    pub phone: String,
    /// The postal code, `NNN-NNNN`.
    pub postal_code: String,
    /// The address.
    pub address: String,
}

/// The details as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContractDetailsInput<'a> {
    /// Company name.
    pub company: &'a str,
    /// Department.
    pub department: &'a str,
    /// Contact person.
    pub contact_person: &'a str,
    /// Phone number.
    pub phone: &'a str,
    /// Postal code.
    pub postal_code: &'a str,
    /// Address.
    pub address: &'a str,
}

/// A field of the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsField {
    /// Company name.
    Company,
    /// Department.
    Department,
    /// Contact person.
    ContactPerson,
    /// Phone number.
    Phone,
    /// Postal code.
    PostalCode,
    /// Address.
    Address,
}

impl DetailsField {
    /// The field's name in forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Department => "department",
            Self::ContactPerson => "contact_person",
            Self::Phone => "phone",
            Self::PostalCode => "postal_code",
            Self::Address => "address",
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DetailsProblem {
    /// Empty, and it is required.
    #[error("required")]
    Required,
    /// Longer than allowed.
    #[error("longer than {0} characters")]
    TooLong(usize),
    /// A control character (a line break, …).
    #[error("contains a control character")]
    ControlCharacter,
    /// Not a Japanese phone number.
    #[error("not a phone number of 10 or 11 digits starting with 0")]
    Phone,
    /// Not a postal code.
    #[error("not a postal code of 7 digits")]
    PostalCode,
}

/// Every problem of the details as typed, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the contract details are not valid")]
pub struct DetailsRejected(pub Vec<(DetailsField, DetailsProblem)>);

impl ContractDetails {
    /// Checks every field (full-width digits and hyphens are accepted).
    ///
    /// # Errors
    /// [`DetailsRejected`] with every problem found.
    pub fn parse(input: &ContractDetailsInput<'_>) -> Result<Self, DetailsRejected> {
        let mut problems = Vec::new();
        let company = match ContractName::parse(input.company) {
            Ok(c) => Some(c),
            Err(e) => {
                let problem = match e {
                    NameError::Empty => DetailsProblem::Required,
                    NameError::TooLong => DetailsProblem::TooLong(super::MAX_NAME_CHARS),
                    NameError::ControlCharacter => DetailsProblem::ControlCharacter,
                };
                problems.push((DetailsField::Company, problem));
                None
            }
        };
        let mut check = |field, r: Result<String, DetailsProblem>| {
            r.map_err(|p| problems.push((field, p))).unwrap_or_default()
        };
        let department = check(
            DetailsField::Department,
            text(input.department, false, MAX_DETAIL_CHARS),
        );
        let contact_person = check(
            DetailsField::ContactPerson,
            text(input.contact_person, true, MAX_DETAIL_CHARS),
        );
        let phone = check(DetailsField::Phone, phone(input.phone));
        let postal_code = check(DetailsField::PostalCode, postal_code(input.postal_code));
        let address = check(
            DetailsField::Address,
            text(input.address, true, MAX_ADDRESS_CHARS),
        );
        match company {
            Some(company) if problems.is_empty() => Ok(Self {
                company,
                department,
                contact_person,
                phone,
                postal_code,
                address,
            }),
            _ => Err(DetailsRejected(problems)),
        }
    }
}

fn text(raw: &str, required: bool, max: usize) -> Result<String, DetailsProblem> {
    let t = raw.trim();
    if t.is_empty() && required {
        return Err(DetailsProblem::Required);
    }
    if t.chars().count() > max {
        return Err(DetailsProblem::TooLong(max));
    }
    if t.chars().any(char::is_control) {
        return Err(DetailsProblem::ControlCharacter);
    }
    Ok(t.to_owned())
}

/// Half-width digits and hyphens; every other separator people type (spaces, long dashes) is
/// read as a hyphen or dropped.
fn half_width(raw: &str) -> String {
    raw.trim()
        .nfkc()
        .map(|c| match c {
            '‐' | '−' | 'ー' | '–' | '—' | '―' => '-',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn phone(raw: &str) -> Result<String, DetailsProblem> {
    let t = half_width(raw);
    if t.is_empty() {
        return Err(DetailsProblem::Required);
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let valid = t.chars().all(|c| c.is_ascii_digit() || c == '-')
        && t.starts_with('0')
        && (10..=11).contains(&digits)
        && !t.ends_with('-')
        && !t.contains("--");
    if valid {
        Ok(t)
    } else {
        Err(DetailsProblem::Phone)
    }
}

fn postal_code(raw: &str) -> Result<String, DetailsProblem> {
    let t = half_width(raw);
    if t.is_empty() {
        return Err(DetailsProblem::Required);
    }
    let t = t.trim_start_matches('〒');
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let shape = t.chars().all(|c| c.is_ascii_digit() || c == '-')
        && (t.len() == 7 || (t.len() == 8 && t.as_bytes().get(3) == Some(&b'-')));
    if shape && digits.len() == 7 {
        Ok(format!("{}-{}", &digits[..3], &digits[3..]))
    } else {
        Err(DetailsProblem::PostalCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ContractDetailsInput<'static> {
        ContractDetailsInput {
            company: " 雲商事株式会社 ",
            department: "情報システム部",
            contact_person: "山田 太郎",
            phone: "０３－１２３４－５６７８",
            postal_code: "〒１００-０００１",
            address: "東京都千代田区千代田1-1",
        }
    }

    #[test]
    fn c2_contract_details_are_normalised() {
        let d = ContractDetails::parse(&good()).unwrap();
        assert_eq!(d.company.as_str(), "雲商事株式会社");
        assert_eq!(d.phone, "03-1234-5678");
        assert_eq!(d.postal_code, "100-0001");
        let d = ContractDetails::parse(&ContractDetailsInput {
            department: "",
            phone: "09012345678",
            postal_code: "1000001",
            ..good()
        })
        .unwrap();
        assert_eq!(d.department, "");
        assert_eq!(d.postal_code, "100-0001");
    }

    #[test]
    fn c2_every_field_problem_is_reported_beside_its_field() {
        let long = "あ".repeat(201);
        let rejected = ContractDetails::parse(&ContractDetailsInput {
            company: "",
            department: "a\u{7}b",
            contact_person: " ",
            phone: "03-1234",
            postal_code: "100-00001",
            address: &long,
        })
        .unwrap_err();
        assert_eq!(
            rejected.0,
            vec![
                (DetailsField::Company, DetailsProblem::Required),
                (DetailsField::Department, DetailsProblem::ControlCharacter),
                (DetailsField::ContactPerson, DetailsProblem::Required),
                (DetailsField::Phone, DetailsProblem::Phone),
                (DetailsField::PostalCode, DetailsProblem::PostalCode),
                (DetailsField::Address, DetailsProblem::TooLong(200)),
            ]
        );
        for bad in [
            "1234567890",
            "03-1234-56789-0",
            "03--1234-5678",
            "03-1234-567a",
            "-0312345678",
        ] {
            assert_eq!(phone(bad), Err(DetailsProblem::Phone), "{bad}");
        }
        for bad in ["12-34567", "123-456", "abc-defg", "1234-567"] {
            assert_eq!(postal_code(bad), Err(DetailsProblem::PostalCode), "{bad}");
        }
    }
}
