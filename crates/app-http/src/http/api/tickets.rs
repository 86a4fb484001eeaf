//! Links from mails: forgotten password, unlock, invitation, e-mail change, login-method
//! change (L4, P3, I, E, M). A GET checks a link; the POST acts on it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::MethodChoice;

use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::{ApiJson, ApiPath};
use crate::messages::{self, Lang, Msg};
use crate::state::AppState;

/// An e-mail address.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailBody {
    /// The address.
    #[schema(format = Email, min_length = 3, max_length = 254, examples("user@example.co.jp"))]
    pub email: String,
}

/// A plain acknowledgement with a message for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    /// Stable code.
    #[schema(examples("reset_mail_sent"))]
    pub code: &'static str,
    /// Message in the request's language.
    pub message: String,
}

/// "Forgot password": the same answer whether or not the address is registered (P3).
///
/// A reset link is mailed when the address is registered; the answer never says whether it is.
#[utoipa::path(post, path = "/api/password/forgot", tag = "links",
    request_body(content = EmailBody, example = json!({"email": "user@example.co.jp"})),
    responses((status = 202, description = "Accepted; a mail went out if the address is registered.", body = MessageDto,
        example = json!({"code": "reset_mail_sent", "message": "If the address is registered, we have sent instructions to reset the password."})),
    (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<EmailBody>,
) -> Result<(StatusCode, Json<MessageDto>), ApiError> {
    state
        .auth()
        .request_password_reset(&body.email, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    // The worker resolves the queued request off the response path (L5, P3).
    state.wake_outbox();
    Ok((
        StatusCode::ACCEPTED,
        Json(MessageDto {
            code: Msg::ResetMailSent.code(),
            message: messages::text(Msg::ResetMailSent, ctx.lang),
        }),
    ))
}

/// What a reset link is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetFormDto {
    /// The account's address.
    pub email: String,
    /// The password rule, in the request's language (P1).
    pub password_policy: &'static str,
}

/// Check a reset link (P3).
///
/// Says whose password the link resets, and the password rule to show.
#[utoipa::path(get, path = "/api/password/reset/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    responses((status = 200, description = "The link is valid.", body = ResetFormDto,
        example = json!({"email": "user@example.co.jp", "password_policy": "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols."})),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn check_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<ResetFormDto>, ApiError> {
    let form = state
        .auth()
        .check_reset_link(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(ResetFormDto {
        email: form.email.as_str().to_owned(),
        password_policy: messages::password_policy(ctx.lang),
    }))
}

/// A new password with its confirmation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPasswordBody {
    /// The new password (P1: 8 to 128 characters, 3 of 4 character classes).
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub password: SecretString,
    /// The same again.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub confirmation: SecretString,
}

/// Set a new password through a reset link (P3, L4, T6).
///
/// Unlocks the account, clears the second factor and ends all sessions.
#[utoipa::path(post, path = "/api/password/reset/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    request_body(content = NewPasswordBody, example = json!({"password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 204, description = "The password is set."),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<NewPasswordBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .reset_password(
            &token,
            body.password.expose_secret(),
            body.confirmation.expose_secret(),
            &ctx.client,
        )
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open an unlock link (L4).
///
/// Unlocks the account the link was mailed for.
#[utoipa::path(post, path = "/api/unlock/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    responses((status = 204, description = "The account is unlocked."),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .unlock(&token, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A login method chosen over the API. Federated providers and Active Directory are chosen
/// through their sign-in redirect, which binds the verified identity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum MethodBody {
    /// E-mail and password (P1 with confirmation).
    Password {
        /// The password (P1: 8 to 128 characters, 3 of 4 character classes).
        #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
        password: SecretString,
        /// The same again.
        #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
        confirmation: SecretString,
    },
}

impl MethodBody {
    /// The core's choice.
    pub fn choice(&self) -> MethodChoice<'_> {
        match self {
            Self::Password {
                password,
                confirmation,
            } => MethodChoice::Password {
                password: password.expose_secret(),
                confirmation: confirmation.expose_secret(),
            },
        }
    }
}

/// What an invitation page shows (I2).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// The sign-in ID to be.
    #[schema(format = Email)]
    pub email: String,
    /// The invitee's name.
    pub name: String,
    /// The contract.
    pub contract_name: String,
    /// The AD connection ID to confirm, when AD may be chosen.
    pub connection_id: Option<String>,
    /// The password rule (P1).
    pub password_policy: &'static str,
    /// The invitation's language (`ja` or `en`), chosen by the inviter: the registration is
    /// shown in it, and the account keeps it (I1).
    pub language: Lang,
}

fn invitation_dto(view: auth_core::flows::invitations::InvitationView, ctx: &Ctx) -> InvitationDto {
    InvitationDto {
        email: view.email.as_str().to_owned(),
        name: view.name.as_str().to_owned(),
        contract_name: view.contract_name.as_str().to_owned(),
        connection_id: view.connection.map(|c| c.as_str().to_owned()),
        password_policy: messages::password_policy(ctx.lang),
        language: Lang::of_locale(view.locale),
    }
}

/// Open an invitation link (I2, I3).
///
/// What the registration page shows: the address, name, contract and password rule.
#[utoipa::path(get, path = "/api/invitation/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    responses((status = 200, description = "The invitation.", body = InvitationDto,
        example = json!({"email": "user@example.co.jp", "name": "佐藤 花子", "contract_name": "雲商事", "connection_id": null, "password_policy": "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols.", "language": "en"})),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn open_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<InvitationDto>, ApiError> {
    let view = state
        .auth()
        .open_invitation(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(invitation_dto(view, &ctx)))
}

/// Review the chosen method; writes nothing (I2).
///
/// Checks the choice (e.g. the password against P1) before the registration is completed.
#[utoipa::path(post, path = "/api/invitation/{token}/review", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    request_body(content = MethodBody, example = json!({"method": "password", "password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 200, description = "The choice is acceptable.", body = InvitationDto,
        example = json!({"email": "user@example.co.jp", "name": "佐藤 花子", "contract_name": "雲商事", "connection_id": null, "password_policy": "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols.", "language": "en"})),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn review_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> Result<Json<InvitationDto>, ApiError> {
    let view = state
        .auth()
        .review_invitation(&token, &body.choice())
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(invitation_dto(view, &ctx)))
}

/// The new account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountIdDto {
    /// Its ID.
    #[schema(format = Uuid)]
    pub account_id: String,
}

/// Complete the registration (I2).
///
/// Creates the account with the chosen login method; it can sign in at once.
#[utoipa::path(post, path = "/api/invitation/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    request_body(content = MethodBody, example = json!({"method": "password", "password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 201, description = "The account exists.", body = AccountIdDto, example = json!({"account_id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64"})),
    (status = 409, body = ErrorBody),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> Result<(StatusCode, Json<AccountIdDto>), ApiError> {
    let id = state
        .auth()
        .accept_invitation(&token, &body.choice(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(AccountIdDto {
            account_id: id.to_string(),
        }),
    ))
}

/// What an e-mail change page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailChangeDto {
    /// The new address.
    #[schema(format = Email)]
    pub new_email: String,
    /// Whether a new password must be given (password accounts, E1).
    pub needs_password: bool,
    /// The password rule (P1).
    pub password_policy: &'static str,
}

/// Open an e-mail change link (E1, E2).
///
/// Shows the new address and whether a new password is needed.
#[utoipa::path(get, path = "/api/email-change/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    responses((status = 200, description = "The change the link makes.", body = EmailChangeDto,
        example = json!({"new_email": "new@example.co.jp", "needs_password": true, "password_policy": "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols."})),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn open_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<EmailChangeDto>, ApiError> {
    let view = state
        .auth()
        .open_email_change(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(EmailChangeDto {
        new_email: view.new_email.as_str().to_owned(),
        needs_password: view.needs_password,
        password_policy: messages::password_policy(ctx.lang),
    }))
}

/// The optional new password of an e-mail change.
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct EmailChangeBody {
    /// For password accounts: the new password.
    #[schema(value_type = Option<String>, format = Password, min_length = 8, max_length = 128)]
    pub password: Option<SecretString>,
    /// Its confirmation.
    #[schema(value_type = Option<String>, format = Password, min_length = 8, max_length = 128)]
    pub confirmation: Option<SecretString>,
}

/// Complete an e-mail change (E1, E2, T6, X3).
///
/// Password accounts give a new password with it; the second factor is cleared and sessions end.
#[utoipa::path(post, path = "/api/email-change/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    request_body(content = EmailChangeBody, example = json!({"password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 204, description = "The address is changed."),
    (status = 409, body = ErrorBody),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn complete_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<EmailChangeBody>,
) -> Result<StatusCode, ApiError> {
    let password = body.password.as_ref().map(|p| p.expose_secret()).map(|p| {
        (
            p,
            body.confirmation.as_ref().map_or("", |c| c.expose_secret()),
        )
    });
    state
        .auth()
        .complete_email_change(&token, password, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a login-method change page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodChangeDto {
    /// The account's address.
    pub email: String,
    /// The AD connection ID, when AD may be chosen.
    pub connection_id: Option<String>,
    /// The password rule (P1).
    pub password_policy: &'static str,
}

/// Open a login-method change link (M2).
///
/// Shows the account and, when Active Directory may be chosen, its connection ID.
#[utoipa::path(get, path = "/api/login-method/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    responses((status = 200, description = "The change the link offers.", body = MethodChangeDto,
        example = json!({"email": "user@example.co.jp", "connection_id": null, "password_policy": "8 to 128 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols."})),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn open_method_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<MethodChangeDto>, ApiError> {
    let view = state
        .auth()
        .open_method_change(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(MethodChangeDto {
        email: view.email.as_str().to_owned(),
        connection_id: view.connection.map(|c| c.as_str().to_owned()),
        password_policy: messages::password_policy(ctx.lang),
    }))
}

/// Complete a login-method change (M2, M3, T6).
///
/// Over the API the new method is a password; providers are chosen through
/// `/api/federation/{provider}/start` with the purpose `method_change`.
#[utoipa::path(post, path = "/api/login-method/{token}", tag = "links", params(("token" = String, Path, description = "The token from the mail's link (43 characters, base64url).", pattern = "^[A-Za-z0-9_-]{43}$", example = "q0o2V5n6r8f3JbZ1u4cXyW7tLkQmA9sEhGdNpRvT0aY")),
    request_body(content = MethodBody, example = json!({"method": "password", "password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 204, description = "The login method is changed."),
    (status = 409, body = ErrorBody),
    (status = 404, description = "Unknown, used or replaced link (`link_invalid`, `link_used`, `link_voided`).", body = ErrorBody), (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody)))]
pub async fn complete_method_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .complete_method_change(&token, &body.choice(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
