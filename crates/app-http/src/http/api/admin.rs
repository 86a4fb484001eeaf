//! The admin console's API (A1, A2, X1, X4): only the owner and admins, only their contract.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{AccountId, AuditEvent, Role, SessionScope};
use auth_core::flows::changes::SentChange;
use auth_core::flows::invitations::Invite;

use super::account::{AccessRouteBody, AccountDto, SessionDto, role_name, session_dto};
use super::session;
use super::tickets::EmailBody;
use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::state::AppState;

fn account_id(raw: &str, ctx: &Ctx) -> Result<AccountId, ApiError> {
    AccountId::parse(raw).map_err(|_| ApiError::bad_request("id", ctx.lang))
}

/// A pending invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSummary {
    /// The reserved account ID.
    pub id: String,
    /// The invitee's address.
    pub email: String,
    /// The invitee's name.
    pub name: String,
    /// The role to be.
    pub role: &'static str,
    /// When last sent.
    pub sent_at: String,
}

/// The users list.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsersDto {
    /// Accounts.
    pub accounts: Vec<AccountDto>,
    /// Invitations not yet accepted.
    pub invitations: Vec<InvitationSummary>,
}

/// List the contract's users and invitations (A1).
#[utoipa::path(get, path = "/api/admin/users", responses((status = 200, body = UsersDto), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<UsersDto>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let list = state
        .auth()
        .list_users(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(UsersDto {
        accounts: list.accounts.iter().map(AccountDto::from).collect(),
        invitations: list
            .invitations
            .iter()
            .map(|i| InvitationSummary {
                id: i.account.to_string(),
                email: i.email.as_str().to_owned(),
                name: i.display_name.as_str().to_owned(),
                role: role_name(i.role),
                sent_at: i.sent_at.to_rfc3339(),
            })
            .collect(),
    }))
}

/// One user with their sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// The account.
    pub account: AccountDto,
    /// Its sessions.
    pub sessions: Vec<SessionDto>,
}

/// Open a user (A1).
#[utoipa::path(get, path = "/api/admin/users/{id}", params(("id" = String, Path)), responses((status = 200, body = UserDto), (status = 404, body = ErrorBody)))]
pub async fn open_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let detail = state
        .auth()
        .open_user(&me, account_id(&id, &ctx)?)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(UserDto {
        account: AccountDto::from(&detail.account),
        sessions: detail
            .sessions
            .iter()
            .map(|s| session_dto(s, None))
            .collect(),
    }))
}

/// An invitation request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// `user` (default) or `admin`.
    #[serde(default)]
    pub admin: bool,
}

/// The invited account's reserved ID.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedDto {
    /// Reserved account ID.
    pub id: String,
}

/// Invite a user (I1).
#[utoipa::path(post, path = "/api/admin/users", request_body = InviteBody, responses((status = 201, body = InvitedDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<InviteBody>,
) -> Result<(StatusCode, Json<InvitedDto>), ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let role = if body.admin { Role::Admin } else { Role::User };
    let id = state
        .auth()
        .invite_user(
            &me,
            Invite {
                name: &body.name,
                email: &body.email,
                role,
            },
            &ctx.client,
        )
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((StatusCode::CREATED, Json(InvitedDto { id: id.to_string() })))
}

/// Resend an invitation (A1, I3).
#[utoipa::path(post, path = "/api/admin/invitations/{id}/resend", params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .resend_invitation(&me, account_id(&id, &ctx)?, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw an invitation.
#[utoipa::path(delete, path = "/api/admin/invitations/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .withdraw_invitation(&me, account_id(&id, &ctx)?)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a "send change" did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentChangeDto {
    /// `login_method_change` (address unchanged) or `email_change`.
    pub sent: &'static str,
}

/// Send a user an e-mail change or a login-method change (E2).
#[utoipa::path(post, path = "/api/admin/users/{id}/change", params(("id" = String, Path)), request_body = EmailBody, responses((status = 202, body = SentChangeDto), (status = 409, body = ErrorBody)))]
pub async fn send_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Json(body): Json<EmailBody>,
) -> Result<(StatusCode, Json<SentChangeDto>), ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let sent = state
        .auth()
        .send_change(&me, account_id(&id, &ctx)?, &body.email, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    let sent = if sent == SentChange::EmailChange {
        "email_change"
    } else {
        "login_method_change"
    };
    Ok((StatusCode::ACCEPTED, Json(SentChangeDto { sent })))
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedDto {
    /// Count.
    pub ended: u64,
}

/// End all sessions of a user (X4).
#[utoipa::path(post, path = "/api/admin/users/{id}/end-sessions", params(("id" = String, Path)), responses((status = 200, body = EndedDto), (status = 404, body = ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<EndedDto>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let ended = state
        .auth()
        .end_user_sessions(&me, account_id(&id, &ctx)?, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(EndedDto { ended }))
}

/// Remove a user; their sessions end at once (X4).
#[utoipa::path(delete, path = "/api/admin/users/{id}", params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .remove_user(&me, account_id(&id, &ctx)?, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The contract's lines (A2).
#[utoipa::path(get, path = "/api/admin/lines", responses((status = 200, body = [String]), (status = 403, body = ErrorBody)))]
pub async fn lines(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<String>>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let lines = state
        .auth()
        .lines(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(lines.iter().map(|l| l.as_str().to_owned()).collect()))
}

/// A line number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LineBody {
    /// `CAF` + 10 or `COP` + 8 letters or digits.
    pub line: String,
}

/// Register a line (A2, N1).
#[utoipa::path(post, path = "/api/admin/lines", request_body = LineBody, responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_line(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<LineBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .add_line(&me, &body.line, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::CREATED)
}

/// Remove a line (A2).
#[utoipa::path(delete, path = "/api/admin/lines/{line}", params(("line" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_line(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(line): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .remove_line(&me, &line, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the access route from the admin console (A2, N3): the owner only.
#[utoipa::path(post, path = "/api/admin/access-route", request_body = AccessRouteBody, responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn set_access_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<AccessRouteBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .set_access_route(&me, body.route.into(), body.confirmed, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// An audit event (X1).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The account concerned.
    pub account: Option<String>,
    /// What happened.
    pub kind: String,
    /// `internet` or `line`.
    pub channel: &'static str,
    /// Client address.
    pub client_address: Option<String>,
}

fn audit_dto(e: &AuditEvent) -> AuditDto {
    AuditDto {
        at: e.at.to_rfc3339(),
        account: e.account.map(|a| a.to_string()),
        kind: format!("{:?}", e.kind),
        channel: e.channel.as_str(),
        client_address: e.client_address.map(|a| a.to_string()),
    }
}

/// How many events.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// The contract's newest audit events (X1).
#[utoipa::path(get, path = "/api/admin/audit", params(AuditQuery), responses((status = 200, body = [AuditDto]), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let events = state
        .auth()
        .audit_events(&me, q.limit.unwrap_or(100))
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(events.iter().map(audit_dto).collect()))
}
