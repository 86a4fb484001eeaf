//! The one JSON error shape of the API: a stable machine code, a human message in Japanese or
//! English, and where it applies the field and the rules broken. Internal error text never
//! reaches a response; it is logged instead.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use auth_core::domain::{AdFieldError, AdSettingsError};
use auth_core::domain::{PasswordRejected, PasswordRule, TicketError};
use auth_core::flows::Infrastructure;
use auth_core::flows::admin::{AdminError, LineError};
use auth_core::flows::changes::{ChangeRequestError, EmailChangeError, MethodChangeError};
use auth_core::flows::directory::AdSetupError;
use auth_core::flows::federation::FederationError;
use auth_core::flows::invitations::{InviteError, RegistrationError};
use auth_core::flows::manage::AccessError;
use auth_core::flows::password_change::ChangePasswordError;
use auth_core::flows::password_reset::{ResetError, ResetRequestError};
use auth_core::flows::sessions::SessionError;
use auth_core::flows::settings::SettingsError;
use auth_core::flows::signin::SignInError;
use auth_core::flows::two_factor::TwoFactorError;
use auth_core::flows::unlock::UnlockError;

use crate::messages::{self, Lang, Msg};

/// An API error, rendered in the request's language.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong.
    pub msg: Msg,
    /// The request field it concerns.
    pub field: Option<&'static str>,
    /// For rejected bodies: the JSON path of the field concerned (e.g. `route` or `a.b`), when
    /// it is not one of the fields named in code.
    pub path: Option<String>,
    /// For password rejections: every rule broken.
    pub rules: Vec<PasswordRule>,
    /// The request's language.
    pub lang: Lang,
}

/// The JSON body of every error under `/api/`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": {"code": "invalid_credentials", "message": "The e-mail address or password is incorrect."}}))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Details of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_credentials`.
    #[schema(value_type = ErrorCode)]
    pub code: &'static str,
    /// Message for people, in the request's language (`Accept-Language`: Japanese by default,
    /// or English).
    #[schema(min_length = 1)]
    pub message: String,
    /// The request field concerned, if any: a field name, or a path such as `route` or `0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1)]
    pub field: Option<Cow<'static, str>>,
    /// For password rejections: the rules broken, each with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleDetail>,
}

/// One broken password rule.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleDetail {
    /// Stable code, e.g. `too_short`.
    #[schema(value_type = RuleCode)]
    pub code: &'static str,
    /// Message for people.
    pub message: String,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, msg: Msg, lang: Lang) -> Self {
        Self {
            status,
            msg,
            field: None,
            path: None,
            rules: Vec::new(),
            lang,
        }
    }

    /// The same error, concerning `field`.
    pub fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// The same error, concerning the field at a JSON `path`.
    pub fn at_path(mut self, path: String) -> Self {
        self.path = Some(path);
        self
    }

    /// A password rejection listing its rules (P1, X2).
    pub fn password(rejected: &PasswordRejected, field: &'static str, lang: Lang) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            msg: Msg::PasswordRejected,
            field: Some(field),
            path: None,
            rules: rejected.rules.clone(),
            lang,
        }
    }

    /// Not signed in (no or expired session).
    pub fn unauthorized(lang: Lang) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Msg::NotSignedIn, lang)
    }

    /// A malformed request body or parameter.
    pub fn bad_request(field: &'static str, lang: Lang) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Msg::BadRequest, lang).field(field)
    }

    /// A path parameter that is not what it must be (e.g. an ID that is not a UUID).
    pub fn invalid_path(field: &'static str, lang: Lang) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Msg::InvalidPathParameter, lang).field(field)
    }

    /// The body of this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.msg.code(),
                message: messages::text(self.msg, self.lang),
                field: self
                    .field
                    .map(Cow::Borrowed)
                    .or_else(|| self.path.clone().map(Cow::Owned)),
                rules: self
                    .rules
                    .iter()
                    .map(|r| RuleDetail {
                        code: messages::rule_code(*r),
                        message: messages::rule_text(*r, self.lang),
                    })
                    .collect(),
            },
        }
    }
}

/// Every stable error code of the API, as a schema (`ErrorCode`): the codes of
/// [`Msg::ALL`].
pub struct ErrorCode;

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Stable machine-readable error code. Clients branch on it; the message is for people.",
            ))
            .enum_values(Some(Msg::ALL.iter().map(|m| m.code())))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

/// The stable codes of broken password rules, as a schema (`RuleCode`).
pub struct RuleCode;

impl utoipa::PartialSchema for RuleCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Stable code of a broken password rule (P1, X2)."))
            .enum_values(Some(messages::RULE_CODES.iter().copied()))
            .into()
    }
}

impl utoipa::ToSchema for RuleCode {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE
            || self.status == StatusCode::TOO_MANY_REQUESTS
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

/// Maps a core error into the API's, in a language.
pub trait ToApi {
    /// The API error.
    fn to_api(self, lang: Lang) -> ApiError;
}

impl ToApi for Infrastructure {
    fn to_api(self, lang: Lang) -> ApiError {
        match &self {
            Infrastructure::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::Busy, lang),
            Infrastructure::Store(_)
            | Infrastructure::Hashing(_)
            | Infrastructure::TotpSetup(_) => {
                tracing::error!(error = %self, "infrastructure failure");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::Unavailable, lang)
            }
        }
    }
}

impl ToApi for AdSetupError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            AdSetupError::Field(AdFieldError { field, rule }) => {
                let msg = match rule {
                    AdSettingsError::MetadataUrl => Msg::InvalidMetadataUrl,
                    AdSettingsError::MetadataSource => Msg::AdMetadataSource,
                    AdSettingsError::MetadataDocument => Msg::AdMetadataDocument,
                    AdSettingsError::ClientId => Msg::AdClientId,
                    AdSettingsError::ClientSecret => Msg::AdClientSecret,
                    AdSettingsError::Protocol => Msg::AdProtocol,
                    AdSettingsError::Subject => Msg::AdSubject,
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg, lang).field(field)
            }
            AdSetupError::Metadata(detail) => {
                tracing::info!(%detail, "AD metadata refused");
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Msg::AdMetadataUnusable,
                    lang,
                )
                .field("metadata_url")
            }
            AdSetupError::NotAvailable => {
                ApiError::new(StatusCode::NOT_FOUND, Msg::AdNotOffered, lang)
            }
            AdSetupError::AlreadyOn => {
                ApiError::new(StatusCode::CONFLICT, Msg::AdAlreadyEnabled, lang)
            }
            AdSetupError::NotOn => ApiError::new(StatusCode::CONFLICT, Msg::AdNotOn, lang),
            AdSetupError::ChangedMeanwhile => {
                ApiError::new(StatusCode::CONFLICT, Msg::AdChangedMeanwhile, lang)
            }
            AdSetupError::NotSignedIn => ApiError::unauthorized(lang),
            AdSetupError::NotPermitted => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::NotPermitted, lang)
            }
            AdSetupError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

/// The API error of a ticket problem: each has its own message (I3).
pub fn ticket_error(e: TicketError, lang: Lang) -> ApiError {
    let (status, msg) = match e {
        TicketError::Unknown => (StatusCode::NOT_FOUND, Msg::LinkInvalid),
        TicketError::Expired => (StatusCode::GONE, Msg::LinkExpired),
        TicketError::Used => (StatusCode::NOT_FOUND, Msg::LinkUsed),
        TicketError::Voided => (StatusCode::NOT_FOUND, Msg::LinkVoided),
    };
    ApiError::new(status, msg, lang)
}

impl ToApi for FederationError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            FederationError::NotConfigured => {
                ApiError::new(StatusCode::NOT_FOUND, Msg::ProviderNotConfigured, lang)
            }
            FederationError::BadState => {
                ApiError::new(StatusCode::BAD_REQUEST, Msg::FederationStateInvalid, lang)
            }
            FederationError::Denied => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::ProviderDenied, lang)
            }
            FederationError::Unavailable(detail) => {
                tracing::warn!(%detail, "identity provider unavailable");
                ApiError::new(StatusCode::BAD_GATEWAY, Msg::ProviderUnavailable, lang)
            }
            FederationError::Rejected(detail) => {
                tracing::warn!(%detail, "identity provider answer refused");
                ApiError::new(StatusCode::UNAUTHORIZED, Msg::ProviderRejected, lang)
            }
            FederationError::UnknownConnection => {
                ApiError::new(StatusCode::NOT_FOUND, Msg::UnknownConnection, lang)
                    .field("connection")
            }
            FederationError::DirectoryOff => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::DirectoryOff, lang)
            }
            FederationError::SignIn(e) => e.to_api(lang),
            FederationError::Registration(e) => e.to_api(lang),
            FederationError::MethodChange(e) => e.to_api(lang),
            FederationError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for SignInError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            SignInError::InvalidEmail(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidEmail, lang)
                    .field("email")
            }
            SignInError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, Msg::InvalidCredentials, lang)
            }
            SignInError::ContractEnded => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::ContractEnded, lang)
            }
            SignInError::LineNotRegistered => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::LineNotRegistered, lang)
            }
            SignInError::InternetNotAllowed => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::InternetNotAllowed, lang)
            }
            SignInError::UnboundIdentity => {
                ApiError::new(StatusCode::UNAUTHORIZED, Msg::UnboundIdentity, lang)
            }
            SignInError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for SessionError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            SessionError::Infrastructure(e) => e.to_api(lang),
            SessionError::Expired => {
                ApiError::new(StatusCode::UNAUTHORIZED, Msg::SessionExpired, lang)
            }
            SessionError::InternetNotAllowed => {
                ApiError::new(StatusCode::FORBIDDEN, Msg::InternetNotAllowed, lang)
            }
            SessionError::NotSignedIn => ApiError::unauthorized(lang),
        }
    }
}

impl ToApi for TwoFactorError {
    fn to_api(self, lang: Lang) -> ApiError {
        use TwoFactorError as E;
        let (status, msg, field) = match self {
            E::NoPendingSignIn => (StatusCode::UNAUTHORIZED, Msg::SignInExpired, None),
            E::WrongStep => (StatusCode::CONFLICT, Msg::WrongStep, None),
            E::InvalidPhone(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::InvalidPhone,
                Some("phone"),
            ),
            E::InvalidRecoveryCode(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::InvalidRecoveryCode,
                Some("code"),
            ),
            E::WrongCode => (StatusCode::UNAUTHORIZED, Msg::WrongCode, Some("code")),
            E::CodeSpent => (StatusCode::GONE, Msg::CodeSpent, Some("code")),
            E::ResendTooSoon => (StatusCode::TOO_MANY_REQUESTS, Msg::ResendTooSoon, None),
            E::SmsLimitReached => (StatusCode::TOO_MANY_REQUESTS, Msg::SmsLimitReached, None),
            E::SmsUnavailable => (StatusCode::SERVICE_UNAVAILABLE, Msg::SmsUnavailable, None),
            E::RecoveryCodeNotConfirmed => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::RecoveryNotConfirmed,
                Some("saved"),
            ),
            E::NotPermitted => (StatusCode::FORBIDDEN, Msg::NotPermitted, None),
            E::AcknowledgementRequired => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::AcknowledgementRequired,
                Some("acknowledge_risk"),
            ),
            E::Infrastructure(e) => return e.to_api(lang),
        };
        let e = ApiError::new(status, msg, lang);
        match field {
            Some(f) => e.field(f),
            None => e,
        }
    }
}

impl ToApi for UnlockError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            UnlockError::Ticket(t) => ticket_error(t, lang),
            UnlockError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for ResetRequestError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            ResetRequestError::InvalidEmail(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidEmail, lang)
                    .field("email")
            }
            ResetRequestError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for ResetError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            ResetError::Ticket(t) => ticket_error(t, lang),
            ResetError::Rejected(r) => ApiError::password(&r, "password", lang),
            ResetError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for ChangePasswordError {
    fn to_api(self, lang: Lang) -> ApiError {
        use ChangePasswordError as E;
        match self {
            E::NotAPasswordAccount => ApiError::new(StatusCode::FORBIDDEN, Msg::NotPermitted, lang),
            E::WrongCurrentPassword => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::WrongCurrentPassword,
                lang,
            )
            .field("current"),
            E::Locked => ApiError::new(StatusCode::FORBIDDEN, Msg::InvalidCredentials, lang),
            E::Rejected(r) => ApiError::password(&r, "password", lang),
            E::Conflict => ApiError::new(StatusCode::CONFLICT, Msg::Conflict, lang),
            E::NotSignedIn => ApiError::unauthorized(lang),
            E::Infrastructure(e) => e.to_api(lang),
        }
    }
}

/// The message of a contract-details field's problem; a problem this app does not know yet
/// is logged and shown as an internal failure, never as another problem.
pub fn details_problem_msg(problem: auth_core::domain::DetailsProblem) -> Msg {
    use auth_core::domain::DetailsProblem as P;
    match problem {
        P::Required => Msg::DetailRequired,
        P::TooLong(n) if n > auth_core::domain::MAX_DETAIL_CHARS => Msg::AddressTooLong,
        P::TooLong(_) => Msg::DetailTooLong,
        P::ControlCharacter => Msg::DetailControlCharacter,
        P::Phone => Msg::InvalidContactPhone,
        P::PostalCode => Msg::InvalidPostalCode,
    }
}

/// The API answers with the first field's problem; the page shows every one.
impl ToApi for auth_core::flows::contract_details::ContractDetailsError {
    fn to_api(self, lang: Lang) -> ApiError {
        use auth_core::flows::contract_details::ContractDetailsError as E;
        match self {
            E::Invalid(rejected) => match rejected.0.first() {
                Some((field, problem)) => ApiError {
                    field: Some(field.as_str()),
                    ..ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        details_problem_msg(*problem),
                        lang,
                    )
                },
                None => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Msg::InvalidBody, lang),
            },
            E::NotSignedIn => ApiError::unauthorized(lang),
            E::NotPermitted => ApiError::new(StatusCode::FORBIDDEN, Msg::NotPermitted, lang),
            E::Infrastructure(e) => e.to_api(lang),
        }
    }
}

/// An API error from its status, message and the request field it concerns.
fn api(status: StatusCode, msg: Msg, field: Option<&'static str>, lang: Lang) -> ApiError {
    let e = ApiError::new(status, msg, lang);
    match field {
        Some(f) => e.field(f),
        None => e,
    }
}

/// Not signed in (401) or not allowed (403): the first check of every account-management
/// request.
fn not_signed_in(lang: Lang) -> ApiError {
    api(StatusCode::UNAUTHORIZED, Msg::NotSignedIn, None, lang)
}

fn not_permitted(lang: Lang) -> ApiError {
    api(StatusCode::FORBIDDEN, Msg::NotPermitted, None, lang)
}

fn not_found(lang: Lang) -> ApiError {
    api(StatusCode::NOT_FOUND, Msg::NotFound, None, lang)
}

fn invalid_email(lang: Lang) -> ApiError {
    api(
        StatusCode::UNPROCESSABLE_ENTITY,
        Msg::InvalidEmail,
        Some("email"),
        lang,
    )
}

fn email_taken(lang: Lang) -> ApiError {
    api(StatusCode::CONFLICT, Msg::EmailTaken, Some("email"), lang)
}

fn identity_taken(lang: Lang) -> ApiError {
    api(StatusCode::CONFLICT, Msg::IdentityTaken, None, lang)
}

fn owner_is_protected(lang: Lang) -> ApiError {
    api(StatusCode::FORBIDDEN, Msg::OwnerIsProtected, None, lang)
}

fn owner_cannot_use_ad(lang: Lang) -> ApiError {
    api(
        StatusCode::UNPROCESSABLE_ENTITY,
        Msg::OwnerCannotUseAd,
        Some("method"),
        lang,
    )
}

fn no_active_directory(lang: Lang) -> ApiError {
    api(
        StatusCode::UNPROCESSABLE_ENTITY,
        Msg::NoActiveDirectory,
        Some("method"),
        lang,
    )
}

fn confirmation_required(lang: Lang) -> ApiError {
    api(
        StatusCode::UNPROCESSABLE_ENTITY,
        Msg::ConfirmationRequired,
        Some("confirmed"),
        lang,
    )
}

impl ToApi for AccessError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            AccessError::NotSignedIn => not_signed_in(lang),
            AccessError::NotPermitted => not_permitted(lang),
            AccessError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for AdminError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            AdminError::NotSignedIn => not_signed_in(lang),
            AdminError::NotPermitted => not_permitted(lang),
            AdminError::NotFound => not_found(lang),
            AdminError::OwnerIsProtected => owner_is_protected(lang),
            AdminError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for LineError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            LineError::NotSignedIn => not_signed_in(lang),
            LineError::NotPermitted => not_permitted(lang),
            LineError::InvalidLine(_) => api(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::InvalidLine,
                Some("line"),
                lang,
            ),
            LineError::LineTaken => api(StatusCode::CONFLICT, Msg::LineTaken, Some("line"), lang),
            LineError::NotFound => not_found(lang),
            LineError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for SettingsError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            SettingsError::NotSignedIn => not_signed_in(lang),
            SettingsError::NotPermitted => not_permitted(lang),
            SettingsError::ConfirmationRequired => confirmation_required(lang),
            SettingsError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for InviteError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            InviteError::NotSignedIn => not_signed_in(lang),
            InviteError::NotPermitted => not_permitted(lang),
            InviteError::NotFound => not_found(lang),
            InviteError::InvalidEmail(_) => invalid_email(lang),
            InviteError::InvalidName(_) => api(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::InvalidName,
                Some("name"),
                lang,
            ),
            InviteError::EmailTaken => email_taken(lang),
            InviteError::RateLimited => api(
                StatusCode::TOO_MANY_REQUESTS,
                Msg::TooManyRequests,
                None,
                lang,
            ),
            InviteError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for RegistrationError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            RegistrationError::Ticket(t) => ticket_error(t, lang),
            RegistrationError::Rejected(r) => ApiError::password(&r, "password", lang),
            RegistrationError::OwnerCannotUseActiveDirectory => owner_cannot_use_ad(lang),
            RegistrationError::NoActiveDirectory => no_active_directory(lang),
            RegistrationError::IdentityTaken => identity_taken(lang),
            RegistrationError::EmailTaken => email_taken(lang),
            RegistrationError::AccountGone => not_found(lang),
            RegistrationError::ReviewRequired => confirmation_required(lang),
            RegistrationError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for ChangeRequestError {
    fn to_api(self, lang: Lang) -> ApiError {
        use ChangeRequestError as E;
        match self {
            E::NotSignedIn => not_signed_in(lang),
            E::NotPermitted => not_permitted(lang),
            E::NotFound => not_found(lang),
            E::OwnerIsProtected => owner_is_protected(lang),
            E::InvalidEmail(_) => invalid_email(lang),
            E::EmailConfirmationMismatch => api(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::EmailConfirmationMismatch,
                Some("confirmation"),
                lang,
            ),
            E::SameEmail => api(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::SameEmail,
                Some("email"),
                lang,
            ),
            E::EmailTaken => email_taken(lang),
            E::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for EmailChangeError {
    fn to_api(self, lang: Lang) -> ApiError {
        match self {
            EmailChangeError::Ticket(t) => ticket_error(t, lang),
            EmailChangeError::Rejected(r) => ApiError::password(&r, "password", lang),
            EmailChangeError::EmailTaken => email_taken(lang),
            EmailChangeError::IdentityTaken => identity_taken(lang),
            EmailChangeError::AccountGone => not_found(lang),
            EmailChangeError::Infrastructure(e) => e.to_api(lang),
        }
    }
}

impl ToApi for MethodChangeError {
    fn to_api(self, lang: Lang) -> ApiError {
        use MethodChangeError as E;
        match self {
            E::NotSignedIn => not_signed_in(lang),
            E::NotPermitted => not_permitted(lang),
            E::Ticket(t) => ticket_error(t, lang),
            E::Rejected(r) => ApiError::password(&r, "password", lang),
            E::OwnerCannotUseActiveDirectory => owner_cannot_use_ad(lang),
            E::NoActiveDirectory => no_active_directory(lang),
            E::FacebookRebind => api(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::FacebookRebind,
                None,
                lang,
            ),
            E::IdentityTaken => identity_taken(lang),
            E::EmailTaken => email_taken(lang),
            E::AccountGone => not_found(lang),
            E::Infrastructure(e) => e.to_api(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::domain::TicketError;

    fn seen(e: ApiError) -> (u16, &'static str, Option<&'static str>) {
        (e.status.as_u16(), e.msg.code(), e.field)
    }

    /// The flow modules' error enums answer with the statuses, codes and fields clients saw
    /// before they were split (the contract tests and the OpenAPI document list them).
    #[test]
    fn the_split_account_management_errors_keep_their_codes() {
        let l = Lang::En;
        let cases = [
            (
                seen(AccessError::NotSignedIn.to_api(l)),
                (401, "not_signed_in", None),
            ),
            (
                seen(AdminError::NotPermitted.to_api(l)),
                (403, "not_permitted", None),
            ),
            (
                seen(AdminError::NotFound.to_api(l)),
                (404, "not_found", None),
            ),
            (
                seen(AdminError::OwnerIsProtected.to_api(l)),
                (403, "owner_is_protected", None),
            ),
            (
                seen(LineError::LineTaken.to_api(l)),
                (409, "line_taken", Some("line")),
            ),
            (
                seen(SettingsError::ConfirmationRequired.to_api(l)),
                (422, "confirmation_required", Some("confirmed")),
            ),
            (
                seen(InviteError::EmailTaken.to_api(l)),
                (409, "email_taken", Some("email")),
            ),
            (
                seen(InviteError::RateLimited.to_api(l)),
                (429, "too_many_requests", None),
            ),
            (
                seen(RegistrationError::Ticket(TicketError::Expired).to_api(l)),
                (410, "link_expired", None),
            ),
            (
                seen(RegistrationError::NoActiveDirectory.to_api(l)),
                (422, "no_active_directory", Some("method")),
            ),
            (
                seen(RegistrationError::AccountGone.to_api(l)),
                (404, "not_found", None),
            ),
            (
                seen(ChangeRequestError::EmailConfirmationMismatch.to_api(l)),
                (422, "email_confirmation_mismatch", Some("confirmation")),
            ),
            (
                seen(ChangeRequestError::SameEmail.to_api(l)),
                (422, "same_email", Some("email")),
            ),
            (
                seen(EmailChangeError::Ticket(TicketError::Used).to_api(l)),
                (404, "link_used", None),
            ),
            (
                seen(MethodChangeError::FacebookRebind.to_api(l)),
                (422, "facebook_rebind", None),
            ),
            (
                seen(MethodChangeError::OwnerCannotUseActiveDirectory.to_api(l)),
                (422, "owner_cannot_use_active_directory", Some("method")),
            ),
            (
                seen(MethodChangeError::IdentityTaken.to_api(l)),
                (409, "identity_taken", None),
            ),
            (
                seen(FederationError::MethodChange(MethodChangeError::NotSignedIn).to_api(l)),
                (401, "not_signed_in", None),
            ),
            (
                seen(AdSetupError::NotPermitted.to_api(l)),
                (403, "not_permitted", None),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn every_ticket_problem_has_its_own_status_and_code() {
        let l = Lang::En;
        assert_eq!(
            seen(ticket_error(TicketError::Unknown, l)),
            (404, "link_invalid", None)
        );
        assert_eq!(
            seen(ticket_error(TicketError::Expired, l)),
            (410, "link_expired", None)
        );
        assert_eq!(
            seen(ticket_error(TicketError::Used, l)),
            (404, "link_used", None)
        );
        assert_eq!(
            seen(ticket_error(TicketError::Voided, l)),
            (404, "link_voided", None)
        );
    }
}
