//! Links from mails: forgotten password, unlock, invitation, e-mail change, login-method
//! change (L4, P3, I, E, M). A GET checks a link; the POST acts on it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::MethodChoice;

use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::messages::{self, Msg};
use crate::state::AppState;

/// An e-mail address.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailBody {
    /// The address.
    pub email: String,
}

/// A plain acknowledgement with a message for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    /// Stable code.
    pub code: &'static str,
    /// Message in the request's language.
    pub message: String,
}

/// "Forgot password": the same answer whether or not the address is registered (P3).
#[utoipa::path(post, path = "/api/password/forgot", request_body = EmailBody, responses((status = 202, body = MessageDto), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<EmailBody>,
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
#[utoipa::path(get, path = "/api/password/reset/{token}", params(("token" = String, Path)), responses((status = 200, body = ResetFormDto), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn check_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
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
    /// The new password.
    pub password: String,
    /// The same again.
    pub confirmation: String,
}

/// Set a new password through a reset link: unlocks, clears the second factor, ends all
/// sessions (P3, L4, T6).
#[utoipa::path(post, path = "/api/password/reset/{token}", params(("token" = String, Path)), request_body = NewPasswordBody, responses((status = 204), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Json(body): Json<NewPasswordBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .reset_password(&token, &body.password, &body.confirmation, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open an unlock link (L4).
#[utoipa::path(post, path = "/api/unlock/{token}", params(("token" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
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
        /// The password.
        password: String,
        /// The same again.
        confirmation: String,
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
                password,
                confirmation,
            },
        }
    }
}

/// What an invitation page shows (I2).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// The sign-in ID to be.
    pub email: String,
    /// The invitee's name.
    pub name: String,
    /// The contract.
    pub contract_name: String,
    /// The AD connection ID to confirm, when AD may be chosen.
    pub connection_id: Option<String>,
    /// The password rule (P1).
    pub password_policy: &'static str,
}

fn invitation_dto(view: auth_core::flows::invitations::InvitationView, ctx: &Ctx) -> InvitationDto {
    InvitationDto {
        email: view.email.as_str().to_owned(),
        name: view.name.as_str().to_owned(),
        contract_name: view.contract_name.as_str().to_owned(),
        connection_id: view.connection.map(|c| c.as_str().to_owned()),
        password_policy: messages::password_policy(ctx.lang),
    }
}

/// Open an invitation link (I2, I3).
#[utoipa::path(get, path = "/api/invitation/{token}", params(("token" = String, Path)), responses((status = 200, body = InvitationDto), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn open_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Json<InvitationDto>, ApiError> {
    let view = state
        .auth()
        .open_invitation(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(invitation_dto(view, &ctx)))
}

/// Review the chosen method; writes nothing (I2).
#[utoipa::path(post, path = "/api/invitation/{token}/review", params(("token" = String, Path)), request_body = MethodBody, responses((status = 200, body = InvitationDto), (status = 422, body = ErrorBody)))]
pub async fn review_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Json(body): Json<MethodBody>,
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
    pub account_id: String,
}

/// Complete the registration (I2).
#[utoipa::path(post, path = "/api/invitation/{token}", params(("token" = String, Path)), request_body = MethodBody, responses((status = 201, body = AccountIdDto), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Json(body): Json<MethodBody>,
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
    pub new_email: String,
    /// Whether a new password must be given (password accounts, E1).
    pub needs_password: bool,
    /// The password rule (P1).
    pub password_policy: &'static str,
}

/// Open an e-mail change link (E1, E2).
#[utoipa::path(get, path = "/api/email-change/{token}", params(("token" = String, Path)), responses((status = 200, body = EmailChangeDto), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn open_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
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
    pub password: Option<String>,
    /// Its confirmation.
    pub confirmation: Option<String>,
}

/// Complete an e-mail change (E1, E2, T6, X3).
#[utoipa::path(post, path = "/api/email-change/{token}", params(("token" = String, Path)), request_body = EmailChangeBody, responses((status = 204), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn complete_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Json(body): Json<EmailChangeBody>,
) -> Result<StatusCode, ApiError> {
    let password = body
        .password
        .as_deref()
        .map(|p| (p, body.confirmation.as_deref().unwrap_or("")));
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
#[utoipa::path(get, path = "/api/login-method/{token}", params(("token" = String, Path)), responses((status = 200, body = MethodChangeDto), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn open_method_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
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
#[utoipa::path(post, path = "/api/login-method/{token}", params(("token" = String, Path)), request_body = MethodBody, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn complete_method_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Json(body): Json<MethodBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .complete_method_change(&token, &body.choice(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
