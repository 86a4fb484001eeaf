//! The admin console's API (A1, A2, X1, X4): only the owner and admins, only their contract.

use axum::Json;
use axum::extract::State;
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
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::messages::Lang;
use crate::state::AppState;

fn account_id(raw: &str, ctx: &Ctx) -> Result<AccountId, ApiError> {
    AccountId::parse(raw).map_err(|_| ApiError::invalid_path("id", ctx.lang))
}

/// A pending invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSummary {
    /// The reserved account ID.
    #[schema(format = Uuid)]
    pub id: String,
    /// The invitee's address.
    #[schema(format = Email)]
    pub email: String,
    /// The invitee's name.
    pub name: String,
    /// The role to be: `admin` or `user`.
    #[schema(value_type = String, examples("user"))]
    pub role: &'static str,
    /// When last sent (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub sent_at: String,
    /// The invitee's language (`ja` or `en`), kept by a resend.
    pub language: Lang,
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
///
/// Accounts and pending invitations of the caller's contract only.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("tobira_session" = [])),
    responses((status = 200, description = "The users.", body = UsersDto, example = json!({"accounts": [{"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64", "email": "owner@example.co.jp", "name": "山田 太郎", "role": "owner", "login_method": "password", "locked": false, "created_at": "2026-04-01T09:00:00+00:00"}], "invitations": [{"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b65", "email": "user@example.co.jp", "name": "佐藤 花子", "role": "user", "sent_at": "2026-04-01T09:30:00+00:00", "language": "ja"}]})),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody)))]
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
                language: Lang::of_locale(i.locale),
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
///
/// The account and its open sessions.
#[utoipa::path(get, path = "/api/admin/users/{id}", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The account's ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    responses((status = 200, description = "The user.", body = UserDto, example = json!({"account": {"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64", "email": "user@example.co.jp", "name": "佐藤 花子", "role": "user", "login_method": "password", "locked": false, "created_at": "2026-04-01T09:00:00+00:00"}, "sessions": []})),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "No such user in this contract (`not_found`, X7).", body = ErrorBody)))]
pub async fn open_user(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserDto>, ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let detail = state
        .auth()
        .open_user(&me, id)
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
    /// Name (1 to 100 characters).
    #[schema(min_length = 1, max_length = 100, examples("佐藤 花子"))]
    pub name: String,
    /// E-mail address.
    #[schema(format = Email, min_length = 3, max_length = 254, examples("user@example.co.jp"))]
    pub email: String,
    /// Whether the invitee becomes an admin (`true`) or a user (`false`, the default).
    #[serde(default)]
    pub admin: bool,
    /// The invitee's language (`ja` or `en`): the invitation mail, the registration pages and
    /// the account's later mails use it. Absent: the inviter's own (their account's language).
    #[serde(default)]
    pub language: Option<Lang>,
}

/// The invited account's reserved ID.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedDto {
    /// Reserved account ID.
    #[schema(format = Uuid)]
    pub id: String,
}

/// Invite a user (I1).
///
/// Reserves the account and mails the invitation link, written in the invitee's language
/// (`language`; by default the inviter's own).
#[utoipa::path(post, path = "/api/admin/users", tag = "admin", security(("tobira_session" = [])),
    request_body(content = InviteBody, example = json!({"name": "Emma Brown", "email": "user@example.co.jp", "admin": false, "language": "en"})),
    responses((status = 201, description = "Invited.", body = InvitedDto, example = json!({"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b65"})),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 409, description = "The address is in use (`email_taken`).", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<InviteBody>,
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
                locale: body.language.map(Lang::locale),
            },
            &ctx.client,
        )
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((StatusCode::CREATED, Json(InvitedDto { id: id.to_string() })))
}

/// Resend an invitation (A1, I3).
///
/// A new link replaces the old one.
#[utoipa::path(post, path = "/api/admin/invitations/{id}/resend", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The invited account's reserved ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    responses((status = 204, description = "Sent again."),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "No such invitation in this contract (`not_found`).", body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .resend_invitation(&me, id, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw an invitation.
///
/// Its link stops working.
#[utoipa::path(delete, path = "/api/admin/invitations/{id}", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The invited account's reserved ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    responses((status = 204, description = "Withdrawn."),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "No such invitation in this contract (`not_found`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .withdraw_invitation(&me, id)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a "send change" did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentChangeDto {
    /// `login_method_change` (address unchanged) or `email_change`.
    #[schema(value_type = String, examples("email_change", "login_method_change"))]
    pub sent: &'static str,
}

/// Send a user an e-mail change or a login-method change (E2).
///
/// The same address sends a login-method change link; a new one an e-mail change link.
#[utoipa::path(post, path = "/api/admin/users/{id}/change", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The account's ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    request_body(content = EmailBody, example = json!({"email": "new@example.co.jp"})),
    responses((status = 202, description = "A link was mailed.", body = SentChangeDto, example = json!({"sent": "email_change"})),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "No such user in this contract (`not_found`, X7).", body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<EmailBody>,
) -> Result<(StatusCode, Json<SentChangeDto>), ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let sent = state
        .auth()
        .send_change(&me, id, &body.email, &ctx.client)
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
///
/// Answers how many ended.
#[utoipa::path(post, path = "/api/admin/users/{id}/end-sessions", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The account's ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    responses((status = 200, description = "The sessions ended.", body = EndedDto, example = json!({"ended": 2})),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "No such user in this contract (`not_found`, X7).", body = ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EndedDto>, ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let ended = state
        .auth()
        .end_user_sessions(&me, id, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(EndedDto { ended }))
}

/// Remove a user; their sessions end at once (X4).
///
/// The owner cannot be removed.
#[utoipa::path(delete, path = "/api/admin/users/{id}", tag = "admin", security(("tobira_session" = [])), params(("id" = uuid::Uuid, Path, description = "The account's ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64")),
    responses((status = 204, description = "Removed."),
    (status = 403, description = "Not permitted, or the owner (`owner_is_protected`).", body = ErrorBody), (status = 404, description = "No such user in this contract (`not_found`, X7).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_user(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = account_id(&id, &ctx)?;
    let me = session(&state, &ctx, SessionScope::Service).await?;
    state
        .auth()
        .remove_user(&me, id, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The contract's lines (A2).
///
/// Registered line numbers.
#[utoipa::path(get, path = "/api/admin/lines", tag = "admin", security(("tobira_session" = [])),
    responses((status = 200, description = "The lines.", body = [String], example = json!(["CAF1234567890", "COP12345678"])),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody)))]
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
    #[schema(
        pattern = "^(CAF[0-9A-Za-z]{10}|COP[0-9A-Za-z]{8})$",
        examples("CAF1234567890")
    )]
    pub line: String,
}

/// Register a line (A2, N1).
///
/// A line belongs to one contract only.
#[utoipa::path(post, path = "/api/admin/lines", tag = "admin", security(("tobira_session" = [])),
    request_body(content = LineBody, example = json!({"line": "CAF1234567890"})),
    responses((status = 201, description = "Registered."),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 409, description = "Registered to another contract (`line_taken`).", body = ErrorBody)))]
pub async fn add_line(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<LineBody>,
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
///
/// Sign-ins from it stop at once.
#[utoipa::path(delete, path = "/api/admin/lines/{line}", tag = "admin", security(("tobira_session" = [])),
    params(("line" = String, Path, description = "The line number.", pattern = "^(CAF[0-9A-Za-z]{10}|COP[0-9A-Za-z]{8})$", example = "CAF1234567890")),
    responses((status = 204, description = "Removed."),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody), (status = 404, description = "Not a line of this contract (`not_found`).", body = ErrorBody), (status = 409, body = ErrorBody),
    (status = 422, description = "Not a line number (`invalid_line_number`).", body = ErrorBody)))]
pub async fn remove_line(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(line): ApiPath<String>,
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
///
/// `confirmed` must be `true`: the confirmation step.
#[utoipa::path(post, path = "/api/admin/access-route", tag = "admin", security(("tobira_session" = [])), operation_id = "set_contract_access_route",
    request_body(content = AccessRouteBody, example = json!({"route": "line_and_internet", "confirmed": true})),
    responses((status = 204, description = "The access route is set."),
    (status = 403, description = "Not the owner (`not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_access_route(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<AccessRouteBody>,
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
    #[schema(format = DateTime)]
    pub at: String,
    /// The account concerned.
    #[schema(format = Uuid)]
    pub account: Option<String>,
    /// What happened: a stable snake_case name.
    #[schema(schema_with = audit_kind_schema)]
    pub kind: &'static str,
    /// Why: for `sign_in_failed` the failure (e.g. `wrong_password`, `wrong_second_factor`),
    /// for `provider_sign_in` how the round trip ended (e.g. `verified`, `denied`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = audit_reason_schema)]
    pub reason: Option<&'static str>,
    /// What it concerns: the factor (`sms`, `totp`) of `second_factor_*`, the scope
    /// (`service`, `settings`) of `sign_in_succeeded`, the route of `access_route_changed`, the
    /// policy (`enabled`, `disabled`) of `two_factor_policy_changed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = audit_detail_schema)]
    pub detail: Option<&'static str>,
    /// The provider of `provider_sign_in`: `google`, `facebook`, `microsoft` or `d-account`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub provider: Option<&'static str>,
    /// `internet` or `line`.
    #[schema(value_type = String, examples("internet", "line"))]
    pub channel: &'static str,
    /// Client address.
    #[schema(examples("203.0.113.7"))]
    pub client_address: Option<String>,
}

fn names_schema(names: &[&str], description: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(names.iter().copied()))
        .description(Some(description))
        .build()
}

fn audit_kind_schema() -> utoipa::openapi::Object {
    names_schema(
        crate::audit::KINDS,
        "What happened: a stable snake_case name.",
    )
}

fn audit_reason_schema() -> utoipa::openapi::Object {
    names_schema(
        crate::audit::REASONS,
        "Why (sign_in_failed, provider_sign_in); absent otherwise.",
    )
}

fn audit_detail_schema() -> utoipa::openapi::Object {
    names_schema(
        crate::audit::DETAILS,
        "What it concerns (factor, scope, route or policy); absent otherwise.",
    )
}

fn audit_dto(e: &AuditEvent) -> AuditDto {
    let names = crate::audit::names(&e.kind);
    AuditDto {
        at: e.at.to_rfc3339(),
        account: e.account.map(|a| a.to_string()),
        kind: names.kind,
        reason: names.reason,
        detail: names.detail,
        provider: names.provider,
        channel: e.channel.as_str(),
        client_address: e.client_address.map(|a| a.to_string()),
    }
}

/// The largest `limit` of the audit API.
pub const MAX_AUDIT_LIMIT: u32 = 1000;

/// How many events.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// At most this many events, newest first (default 100).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<u32>,
}

/// The contract's newest audit events (X1).
///
/// Newest first; `limit` events (default 100, at most 1000). Each `kind` is a stable
/// snake_case name, with a `reason` where one applies.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("tobira_session" = [])), params(AuditQuery),
    responses((status = 200, description = "The events.", body = [AuditDto], example = json!([{"at": "2026-04-01T09:00:00+00:00", "account": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64", "kind": "sign_in_failed", "reason": "wrong_password", "channel": "internet", "client_address": "203.0.113.7"}])),
    (status = 400, description = "`limit` is not a whole number from 1 to 1000 (`invalid_query_parameter`).", body = ErrorBody),
    (status = 403, description = "Not the owner or an admin (`not_permitted`).", body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditDto>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_AUDIT_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            crate::messages::Msg::InvalidQueryParameter,
            ctx.lang,
        )
        .field("limit"));
    }
    let me = session(&state, &ctx, SessionScope::Service).await?;
    let events = state
        .auth()
        .audit_events(&me, limit as usize)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(events.iter().map(audit_dto).collect()))
}
