//! English messages.

use auth_core::domain::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordRule};

use super::Msg;

/// The password policy, shown on every password form.
pub(super) const PASSWORD_POLICY: &str = "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols. Common passwords and passwords containing your e-mail address or the contract name are refused.";

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        Msg::BadRequest => "The request is malformed.",
        Msg::NotSignedIn => "Please sign in.",
        Msg::SessionExpired => {
            "You were signed out after a period of inactivity. Please sign in again."
        }
        Msg::SignInExpired => "The sign-in has expired. Please start again.",
        Msg::InvalidEmail => "The e-mail address is not valid.",
        Msg::InvalidCredentials => "The e-mail address or password is incorrect.",
        Msg::ContractEnded => "Your contract's service period has ended.",
        Msg::LineNotRegistered => {
            "Line authentication failed: this line is not registered for your contract."
        }
        Msg::InternetNotAllowed => {
            "Your contract allows sign-in only through its registered lines."
        }
        Msg::UnboundIdentity => {
            "This account of the sign-in service is not linked to any tobira account. Sign in with your e-mail address and password, or ask your administrator for an invitation or a login-method change link."
        }
        Msg::ProviderNotConfigured => "Signing in with this service is not available.",
        Msg::FederationStateInvalid => {
            "This sign-in has expired or was already completed. Please start again from the sign-in page."
        }
        Msg::ProviderDenied => {
            "The sign-in was cancelled at the sign-in service. Nothing was changed; you can try again."
        }
        Msg::ProviderUnavailable => {
            "The sign-in service cannot be reached right now. Please try again later, or sign in with your e-mail address and password."
        }
        Msg::ProviderRejected => {
            "The answer of the sign-in service could not be verified. Nothing was changed; please start again."
        }
        Msg::WrongStep => "This step is not available now.",
        Msg::InvalidPhone => {
            "Enter a Japanese mobile number starting with 070, 080 or 090, or an international number starting with +."
        }
        Msg::InvalidRecoveryCode => {
            "A recovery code is 16 letters and digits (e.g. ABCD-EFGH-JKLM-NPQR)."
        }
        Msg::WrongCode => "The code is incorrect.",
        Msg::CodeSpent => {
            "The code has expired or too many wrong codes were entered. Please send a new code."
        }
        Msg::ResendTooSoon => "Please wait a minute before sending another code.",
        Msg::SmsLimitReached => {
            "Today's limit of text messages is reached. Try again tomorrow or use your recovery code."
        }
        Msg::SmsUnavailable => "The text message could not be sent. Please try again shortly.",
        Msg::RecoveryNotConfirmed => "Please confirm that you saved the recovery code.",
        Msg::NotPermitted => "You are not allowed to do this.",
        Msg::AcknowledgementRequired => {
            "To turn off two-step verification, confirm that you understand the risk."
        }
        Msg::LinkInvalid => "This link is not valid.",
        Msg::LinkExpired => "This link has expired.",
        Msg::LinkUsed => "This link has already been used.",
        Msg::LinkVoided => "This link was replaced by a newer one or cancelled.",
        Msg::PasswordRejected => "The password does not meet the requirements.",
        Msg::WrongCurrentPassword => "The current password is incorrect.",
        Msg::Conflict => "Another change got there first. Please try again.",
        Msg::NotFound => "No such user.",
        Msg::EmailConfirmationMismatch => "The two e-mail addresses differ.",
        Msg::SameEmail => "This is the current e-mail address.",
        Msg::EmailTaken => "This e-mail address is already in use.",
        Msg::InvalidName => "Enter a name of 1 to 100 characters.",
        Msg::DetailRequired => "Please fill in this field.",
        Msg::DetailTooLong => "Enter at most 100 characters.",
        Msg::AddressTooLong => "Enter at most 200 characters.",
        Msg::DetailControlCharacter => "Line breaks and other control characters are not allowed.",
        Msg::InvalidContactPhone => {
            "This is not a phone number: it has 10 or 11 digits and starts with 0."
        }
        Msg::InvalidPostalCode => "This is not a postal code: it has 7 digits.",
        Msg::InvalidLine => {
            "A line number is CAF followed by 10 letters or digits, or COP followed by 8."
        }
        Msg::LineTaken => "This line number is registered to another contract.",
        Msg::ConfirmationRequired => "Please confirm this change.",
        Msg::IdentityTaken => "This sign-in is already linked to another user.",
        Msg::FacebookRebind => {
            "To use a different Facebook account, first change to another sign-in method."
        }
        Msg::OwnerCannotUseAd => "The contract owner cannot sign in with Active Directory.",
        Msg::NoActiveDirectory => "Active Directory is not available for this contract.",
        Msg::AdAlreadyEnabled => "Active Directory is already turned on.",
        Msg::InvalidConnectionId => "A connection ID is adfs- followed by 18 letters or digits.",
        Msg::InvalidMetadataUrl => "Enter the ADFS metadata address as an https:// URL.",
        Msg::AdMetadataSource => {
            "Give either the federation metadata URL or the metadata document, not both."
        }
        Msg::AdMetadataDocument => "Paste the metadata document (at most 512 KiB).",
        Msg::AdClientId => {
            "Enter the client ID that ADFS gave the application (up to 2000 characters)."
        }
        Msg::AdClientSecret => {
            "Enter the client secret that ADFS gave the application (up to 2000 characters)."
        }
        Msg::AdProtocol => "Choose SAML 2.0 or OpenID Connect.",
        Msg::AdSubject => "Choose which value identifies a person: NameID, UPN or object GUID.",
        Msg::AdMetadataUnusable => {
            "The ADFS metadata could not be read or is not an ADFS's. Check the address and that ADFS is reachable from the internet."
        }
        Msg::AdNotOffered => "Active Directory sign-in is not offered by this service.",
        Msg::AdNotOn => "Active Directory is not turned on.",
        Msg::AdChangedMeanwhile => {
            "The Active Directory settings were changed meanwhile. Please look at them again."
        }
        Msg::UnknownConnection => {
            "No Active Directory connection has this ID. Check the connection ID."
        }
        Msg::DirectoryOff => {
            "Sign-in with Active Directory is turned off for your contract. Please ask your administrator."
        }
        Msg::OwnerIsProtected => "This cannot be done to the contract owner.",
        Msg::Busy => "We are busy right now. Please try again shortly.",
        Msg::Unavailable => "The service is unavailable right now. Please try again shortly.",
        Msg::TooManyRequests => "Too many requests in a short time. Please try again shortly.",
        Msg::PayloadTooLarge => "The request is too large.",
        Msg::CrossSiteRequest => "This request cannot be accepted. Reload the page and try again.",
        Msg::ResetMailSent => {
            "If the address is registered, we have sent instructions to reset the password."
        }
        Msg::SettingsSignInRequired => {
            "Please sign in to the settings menu. A service sign-in does not open it."
        }
        Msg::UnsupportedMediaType => {
            "Send the request body as JSON with Content-Type: application/json."
        }
        Msg::MalformedJson => "The request body is not valid JSON.",
        Msg::JsonObjectExpected => "The request body must be a JSON object.",
        Msg::MissingField => "A required field is missing.",
        Msg::InvalidFieldType => "A field has the wrong type or an invalid value.",
        Msg::UnknownValue => "A field has a value that is not one of the allowed values.",
        Msg::InvalidBody => "The request body cannot be accepted.",
        Msg::InvalidPathParameter => "The address contains an invalid value.",
        Msg::InvalidQueryParameter => "A query parameter is invalid or out of range.",
        Msg::HeadersTooLarge => "The request headers are too large.",
        Msg::UnknownRoute => "There is no such API endpoint.",
        Msg::MethodNotAllowed => "This API endpoint does not accept this method.",
        Msg::RequestTimeout => "The request took too long. Please try again.",
    }
}

pub(super) fn rule(rule: PasswordRule) -> String {
    match rule {
        PasswordRule::TooShort => format!("Use at least {MIN_PASSWORD_CHARS} characters."),
        PasswordRule::TooLong => format!("Use at most {MAX_PASSWORD_CHARS} characters."),
        PasswordRule::TooFewClasses { used } => {
            format!("Use at least 3 of upper case, lower case, digits and symbols (now {used}).")
        }
        PasswordRule::ConfirmationMismatch => "The confirmation does not match.".into(),
        PasswordRule::Common => "This password is too common.".into(),
        PasswordRule::ContainsEmail => "The password must not contain your e-mail address.".into(),
        PasswordRule::ContainsContractName => {
            "The password must not contain the contract name.".into()
        }
        PasswordRule::ControlCharacter => "Control characters are not allowed.".into(),
    }
}
