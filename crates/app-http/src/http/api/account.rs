//! The signed-in account: who am I, my sessions (X4), and the settings menu (S1, S2), whose
//! every item is also checked by the core's permission table.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{
    AccessRoute, Account, LoginMethod, PasswordCandidate, Role, Session, SessionId, SessionScope,
    SettingsItem, TwoFactorPolicy,
};
use auth_core::flows::password_change::ChangePassword;

use super::tickets::MethodBody;
use super::{any_session, session};
use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::state::AppState;

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    /// ID.
    pub id: String,
    /// E-mail address (sign-in ID).
    pub email: String,
    /// Name.
    pub name: String,
    /// `owner`, `admin` or `user`.
    pub role: &'static str,
    /// `password`, `google`, `facebook`, `microsoft`, `d-account` or `active_directory`.
    pub login_method: &'static str,
    /// Whether the account is locked (L2).
    pub locked: bool,
    /// When created (UTC, RFC 3339).
    pub created_at: String,
}

/// The name of a role in the API.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        _ => "user",
    }
}

impl From<&Account> for AccountDto {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.to_string(),
            email: a.email.as_str().to_owned(),
            name: a.display_name.as_str().to_owned(),
            role: role_name(a.role),
            login_method: match &a.login_method {
                LoginMethod::Password => "password",
                LoginMethod::Federated { provider, .. } => provider.as_str(),
                _ => "active_directory",
            },
            locked: a.lock.is_locked(),
            created_at: a.created_at.to_rfc3339(),
        }
    }
}

/// A session as the sessions list shows it (X4).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// The session's public ID (not a credential).
    pub id: String,
    /// `service` or `settings`.
    pub scope: &'static str,
    /// When signed in.
    pub created_at: String,
    /// Last request seen.
    pub last_seen_at: String,
    /// `internet` or `line`.
    pub channel: &'static str,
    /// Client address at sign-in.
    pub client_address: Option<String>,
    /// Browser at sign-in.
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// The DTO of a session, marking the caller's own.
pub fn session_dto(s: &Session, me: Option<&Session>) -> SessionDto {
    SessionDto {
        id: s.id.to_string(),
        scope: s.scope.as_str(),
        created_at: s.created_at.to_rfc3339(),
        last_seen_at: s.last_seen_at.to_rfc3339(),
        channel: s.channel.as_str(),
        client_address: s.client_address.clone(),
        user_agent: s.user_agent.clone(),
        current: me.is_some_and(|m| m.id == s.id),
    }
}

/// Who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// The account.
    pub account: AccountDto,
    /// The settings items this account may use (S1).
    pub settings: Vec<&'static str>,
}

fn item_name(item: SettingsItem) -> &'static str {
    match item {
        SettingsItem::LoginMethod => "login_method",
        SettingsItem::EmailChange => "email_change",
        SettingsItem::PasswordChange => "password_change",
        SettingsItem::AccessRoute => "access_route",
        SettingsItem::TwoFactorPolicy => "two_factor_policy",
        SettingsItem::ActiveDirectory => "active_directory",
        SettingsItem::ContractDetails => "contract_details",
        SettingsItem::PlanChange => "plan_change",
        _ => "cancellation",
    }
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<MeDto>, ApiError> {
    let me = any_session(&state, &ctx).await?;
    let (account, items) = state
        .auth()
        .whoami(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(MeDto {
        account: AccountDto::from(&account),
        settings: items.into_iter().map(item_name).collect(),
    }))
}

/// The current session, for services that only need to know who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCheckDto {
    /// The account.
    pub account_id: String,
    /// The contract.
    pub contract_id: String,
    /// `service` or `settings`.
    pub scope: &'static str,
    /// When the session ends if idle (UTC, RFC 3339).
    pub expires_at: String,
}

/// Checks the session cookie and slides its idle timeout (L11): one store read, and a write at
/// most once a minute.
#[utoipa::path(get, path = "/api/session", responses((status = 200, body = SessionCheckDto), (status = 401, body = ErrorBody)))]
pub async fn session_check(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SessionCheckDto>, ApiError> {
    let me = any_session(&state, &ctx).await?;
    let policy = state.auth().settings().sessions;
    Ok(Json(SessionCheckDto {
        account_id: me.account.to_string(),
        contract_id: me.contract.to_string(),
        scope: me.scope.as_str(),
        expires_at: me.expires_at(&policy).to_rfc3339(),
    }))
}

/// The signed-in account's sessions (X4).
#[utoipa::path(get, path = "/api/sessions", responses((status = 200, body = [SessionDto]), (status = 401, body = ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<SessionDto>>, ApiError> {
    let me = any_session(&state, &ctx).await?;
    let list = state
        .auth()
        .my_sessions(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(
        list.iter().map(|s| session_dto(s, Some(&me))).collect(),
    ))
}

/// End one of the signed-in account's sessions (X4).
#[utoipa::path(delete, path = "/api/sessions/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = any_session(&state, &ctx).await?;
    let id = SessionId::parse(&id).map_err(|_| ApiError::bad_request("id", ctx.lang))?;
    if state
        .auth()
        .end_my_session(&me, id, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            crate::messages::Msg::NotFound,
            ctx.lang,
        ))
    }
}

/// The settings menu's items (S1): exactly those the account may use.
#[utoipa::path(get, path = "/api/settings", responses((status = 200, body = [String]), (status = 401, body = ErrorBody)))]
pub async fn settings_menu(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<&'static str>>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let items = state
        .auth()
        .settings_menu(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(items.into_iter().map(item_name).collect()))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    /// The current password.
    pub current: String,
    /// The new password.
    pub password: String,
    /// The same again.
    pub confirmation: String,
}

/// Change the password; other sessions end (P2).
#[utoipa::path(post, path = "/api/settings/password", request_body = ChangePasswordBody, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .change_password(
            &me,
            ChangePassword {
                current: PasswordCandidate::new(&body.current),
                new_password: &body.password,
                confirmation: &body.confirmation,
            },
            &ctx.client,
        )
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new e-mail address, twice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailChangeRequestBody {
    /// The new address.
    pub email: String,
    /// The same again.
    pub confirmation: String,
}

/// Ask to change the owner's own address; a link goes to the new one (E1).
#[utoipa::path(post, path = "/api/settings/email", request_body = EmailChangeRequestBody, responses((status = 202), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<EmailChangeRequestBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .request_own_email_change(&me, &body.email, &body.confirmation, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::ACCEPTED)
}

/// Set the owner's own login method (M1).
#[utoipa::path(post, path = "/api/settings/login-method", request_body = MethodBody, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_login_method(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<MethodBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .set_own_login_method(&me, &body.choice(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The two-factor policy.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TwoFactorBody {
    /// Whether a second factor is required.
    pub enabled: bool,
    /// Required to turn it off: the risk is understood (T8).
    #[serde(default)]
    pub acknowledge_risk: bool,
}

/// Set the contract's two-factor policy (T8).
#[utoipa::path(post, path = "/api/settings/two-factor", request_body = TwoFactorBody, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_two_factor_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<TwoFactorBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let policy = if body.enabled {
        TwoFactorPolicy::Enabled
    } else {
        TwoFactorPolicy::Disabled
    };
    state
        .auth()
        .set_two_factor_policy(&me, policy, body.acknowledge_risk, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The access route, with its confirmation (N3).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccessRouteBody {
    /// `line_and_internet` or `line_only`.
    pub route: RouteDto,
    /// Must be `true`: the confirmation step.
    #[serde(default)]
    pub confirmed: bool,
}

/// An access route.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteDto {
    /// Lines and the internet.
    LineAndInternet,
    /// Lines only (L10).
    LineOnly,
}

impl From<RouteDto> for AccessRoute {
    fn from(r: RouteDto) -> Self {
        match r {
            RouteDto::LineAndInternet => AccessRoute::LineAndInternet,
            RouteDto::LineOnly => AccessRoute::LineOnly,
        }
    }
}

/// Set the access route from the settings menu (N3).
#[utoipa::path(post, path = "/api/settings/access-route", request_body = AccessRouteBody, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_access_route(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<AccessRouteBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .set_access_route(&me, body.route.into(), body.confirmed, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ADFS details.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdBody {
    /// The ADFS federation metadata URL (https).
    pub metadata_url: String,
}

/// The new connection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionDto {
    /// `adfs-` + 18 letters or digits.
    pub connection_id: String,
}

/// Turn on Active Directory (D1).
#[utoipa::path(post, path = "/api/settings/active-directory", request_body = AdBody, responses((status = 201, body = ConnectionDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn enable_active_directory(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<AdBody>,
) -> Result<(StatusCode, Json<ConnectionDto>), ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let id = state
        .auth()
        .enable_active_directory(&me, &body.metadata_url, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectionDto {
            connection_id: id.as_str().to_owned(),
        }),
    ))
}

/// Change a trial to Basic (C2).
#[utoipa::path(post, path = "/api/settings/plan", responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn upgrade_plan(State(state): State<AppState>, ctx: Ctx) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .upgrade_to_basic(&me, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A confirmation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmBody {
    /// Must be `true`.
    #[serde(default)]
    pub confirmed: bool,
}

/// Cancel a Basic contract (C2).
#[utoipa::path(post, path = "/api/settings/cancel", request_body = ConfirmBody, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_contract(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<ConfirmBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .cancel_contract(&me, body.confirmed, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
