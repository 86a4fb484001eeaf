//! The app's texts, one catalogue per language (`ja.rs`, `en.rs`). Handlers name a [`Msg`];
//! they never hold text themselves.

mod en;
mod ja;

use auth_core::domain::PasswordRule;

/// A language of pages, API messages and mails: `ja` (Japanese) or `en` (English).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    serde::Serialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[schema(example = "en")]
pub enum Lang {
    /// Japanese (the default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language a request asks for: the `lang` cookie or query first, then the first
    /// `Accept-Language` entry that is Japanese or English; Japanese otherwise.
    pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(l) = explicit.and_then(Self::from_tag) {
            return l;
        }
        let Some(header) = accept_language else {
            return Self::Ja;
        };
        let mut tags: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.iter()
            .find_map(|(_, t)| Self::from_tag(t))
            .unwrap_or(Self::Ja)
    }

    fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ja" => Some(Self::Ja),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// The language of a core locale.
    pub fn of_locale(locale: auth_core::domain::Locale) -> Self {
        match locale {
            auth_core::domain::Locale::En => Self::En,
            // Japanese is the default, also for any language added to the core later.
            auth_core::domain::Locale::Ja => Self::Ja,
        }
    }

    /// The core's locale for the same language.
    pub fn locale(self) -> auth_core::domain::Locale {
        match self {
            Self::Ja => auth_core::domain::Locale::Ja,
            Self::En => auth_core::domain::Locale::En,
        }
    }
}

macro_rules! messages {
    ($($variant:ident => $code:literal,)*) => {
        /// Every message of the API, with its stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Msg {
            $(
                #[doc = concat!("`", $code, "`")]
                $variant,
            )*
        }

        impl Msg {
            /// The stable machine-readable code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// Every message, for catalogue completeness tests.
            pub const ALL: &'static [Msg] = &[$(Self::$variant,)*];
        }
    };
}

messages! {
    BadRequest => "bad_request",
    NotSignedIn => "not_signed_in",
    SessionExpired => "session_expired",
    SignInExpired => "sign_in_expired",
    InvalidEmail => "invalid_email",
    InvalidCredentials => "invalid_credentials",
    ContractEnded => "contract_ended",
    LineNotRegistered => "line_not_registered",
    InternetNotAllowed => "internet_not_allowed",
    UnboundIdentity => "unbound_identity",
    ProviderNotConfigured => "provider_not_configured",
    FederationStateInvalid => "federation_state_invalid",
    ProviderDenied => "provider_denied",
    ProviderUnavailable => "provider_unavailable",
    ProviderRejected => "provider_rejected",
    WrongStep => "wrong_step",
    InvalidPhone => "invalid_phone",
    InvalidRecoveryCode => "invalid_recovery_code",
    WrongCode => "wrong_code",
    CodeSpent => "code_spent",
    ResendTooSoon => "resend_too_soon",
    SmsLimitReached => "sms_limit_reached",
    SmsUnavailable => "sms_unavailable",
    RecoveryNotConfirmed => "recovery_code_not_confirmed",
    NotPermitted => "not_permitted",
    AcknowledgementRequired => "acknowledgement_required",
    LinkInvalid => "link_invalid",
    LinkExpired => "link_expired",
    LinkUsed => "link_used",
    LinkVoided => "link_voided",
    PasswordRejected => "password_rejected",
    WrongCurrentPassword => "wrong_current_password",
    Conflict => "conflict",
    NotFound => "not_found",
    EmailConfirmationMismatch => "email_confirmation_mismatch",
    SameEmail => "same_email",
    EmailTaken => "email_taken",
    InvalidName => "invalid_name",
    DetailRequired => "detail_required",
    DetailTooLong => "detail_too_long",
    AddressTooLong => "address_too_long",
    DetailControlCharacter => "detail_control_character",
    InvalidContactPhone => "invalid_contact_phone",
    InvalidPostalCode => "invalid_postal_code",
    InvalidLine => "invalid_line_number",
    LineTaken => "line_taken",
    ConfirmationRequired => "confirmation_required",
    IdentityTaken => "identity_taken",
    FacebookRebind => "facebook_rebind",
    OwnerCannotUseAd => "owner_cannot_use_active_directory",
    NoActiveDirectory => "no_active_directory",
    AdAlreadyEnabled => "active_directory_enabled",
    InvalidConnectionId => "invalid_connection_id",
    InvalidMetadataUrl => "invalid_metadata_url",
    AdMetadataSource => "ad_metadata_source",
    AdMetadataDocument => "ad_metadata_document",
    AdClientId => "ad_client_id",
    AdClientSecret => "ad_client_secret",
    AdProtocol => "ad_protocol",
    AdSubject => "ad_subject",
    AdMetadataUnusable => "ad_metadata_unusable",
    AdNotOffered => "active_directory_not_offered",
    AdNotOn => "active_directory_not_on",
    AdChangedMeanwhile => "active_directory_changed_meanwhile",
    UnknownConnection => "unknown_connection",
    DirectoryOff => "active_directory_off",
    OwnerIsProtected => "owner_is_protected",
    Busy => "busy",
    Unavailable => "unavailable",
    TooManyRequests => "too_many_requests",
    PayloadTooLarge => "payload_too_large",
    CrossSiteRequest => "cross_site_request",
    ResetMailSent => "reset_mail_sent",
    SettingsSignInRequired => "settings_sign_in_required",
    UnsupportedMediaType => "unsupported_media_type",
    MalformedJson => "malformed_json",
    JsonObjectExpected => "json_object_expected",
    MissingField => "missing_field",
    InvalidFieldType => "invalid_field_type",
    UnknownValue => "unknown_value",
    InvalidBody => "invalid_body",
    InvalidPathParameter => "invalid_path_parameter",
    InvalidQueryParameter => "invalid_query_parameter",
    HeadersTooLarge => "headers_too_large",
    UnknownRoute => "unknown_route",
    MethodNotAllowed => "method_not_allowed",
    RequestTimeout => "request_timeout",
}

/// The text of a message.
pub fn text(msg: Msg, lang: Lang) -> String {
    match lang {
        Lang::Ja => ja::text(msg),
        Lang::En => en::text(msg),
    }
    .to_owned()
}

/// Every stable code [`rule_code`] gives.
pub const RULE_CODES: &[&str] = &[
    "too_short",
    "too_long",
    "too_few_classes",
    "confirmation_mismatch",
    "common_password",
    "contains_email",
    "contains_contract_name",
    "control_character",
    "rejected",
];

/// The stable code of a password rule.
pub fn rule_code(rule: PasswordRule) -> &'static str {
    match rule {
        PasswordRule::TooShort => "too_short",
        PasswordRule::TooLong => "too_long",
        PasswordRule::TooFewClasses { .. } => "too_few_classes",
        PasswordRule::ConfirmationMismatch => "confirmation_mismatch",
        PasswordRule::Common => "common_password",
        PasswordRule::ContainsEmail => "contains_email",
        PasswordRule::ContainsContractName => "contains_contract_name",
        PasswordRule::ControlCharacter => "control_character",
    }
}

/// The text of a password rule.
pub fn rule_text(rule: PasswordRule, lang: Lang) -> String {
    match lang {
        Lang::Ja => ja::rule(rule),
        Lang::En => en::rule(rule),
    }
}

/// The password policy, as shown on every password form (P1).
pub fn password_policy(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => ja::PASSWORD_POLICY,
        Lang::En => en::PASSWORD_POLICY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t8_messages_say_nidankai_ninsho_as_the_pages_do() {
        for msg in Msg::ALL {
            assert!(!text(*msg, Lang::Ja).contains("2段階認証"), "{msg:?}");
        }
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        for msg in Msg::ALL {
            assert!(!text(*msg, Lang::Ja).is_empty(), "{msg:?}");
            assert!(!text(*msg, Lang::En).is_empty(), "{msg:?}");
            assert_ne!(text(*msg, Lang::Ja), text(*msg, Lang::En), "{msg:?}");
        }
    }

    #[test]
    fn language_negotiation_prefers_explicit_then_accept_language_then_japanese() {
        assert_eq!(Lang::negotiate(None, None), Lang::Ja);
        assert_eq!(Lang::negotiate(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::negotiate(None, Some("fr-FR, en;q=0.5, ja;q=0.8")),
            Lang::Ja
        );
        assert_eq!(Lang::negotiate(None, Some("de")), Lang::Ja);
        assert_eq!(Lang::negotiate(Some("en"), Some("ja")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), Some("en")), Lang::En);
    }

    #[test]
    fn hostile_quality_values_never_panic() {
        let header: String = (0..60)
            .map(|i| if i % 2 == 0 { "x;q=NaN" } else { "y;q=0.1" })
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(Lang::negotiate(None, Some(&header)), Lang::Ja);
        assert_eq!(
            Lang::negotiate(None, Some("en;q=inf, ja;q=-1, en-GB;q=0.5")),
            Lang::En
        );
    }
}
