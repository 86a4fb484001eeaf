//! The signed-in account: who am I, my sessions (X4), and the settings menu (S1, S2), whose
//! every item is also checked by the core's permission table.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{
    AccessRoute, Account, AdConnection, AdProtocol, AdSettingsInput, LoginMethod,
    PasswordCandidate, Role, SamlMetadataSource, Session, SessionId, SessionScope, SettingsItem,
    TwoFactorPolicy,
};
use auth_core::flows::password_change::ChangePassword;

use super::tickets::MethodBody;
use super::{any_session, session};
use crate::http::context::Ctx;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::{ApiJson, ApiPath};
use crate::messages::Lang;
use crate::state::AppState;

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    /// ID.
    #[schema(format = Uuid)]
    pub id: String,
    /// E-mail address (sign-in ID).
    #[schema(format = Email)]
    pub email: String,
    /// Name.
    pub name: String,
    /// `owner`, `admin` or `user`.
    #[schema(value_type = String, examples("owner", "admin", "user"))]
    pub role: &'static str,
    /// `password`, `google`, `facebook`, `microsoft`, `d-account` or `active_directory`.
    #[schema(value_type = String, examples("password", "google", "active_directory"))]
    pub login_method: &'static str,
    /// Whether the account is locked (L2).
    pub locked: bool,
    /// When created (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The name of a role in the API.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::User => "user",
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
                LoginMethod::ActiveDirectory { .. } => "active_directory",
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
    #[schema(format = Uuid)]
    pub id: String,
    /// `service` or `settings`.
    pub scope: &'static str,
    /// When signed in (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last request seen (UTC, RFC 3339).
    #[schema(format = DateTime)]
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
        SettingsItem::Cancellation => "cancellation",
    }
}

/// The signed-in account.
///
/// With the service or the settings session: the account and the settings items it may use.
#[utoipa::path(get, path = "/api/me", tag = "account", security(("tobira_session" = []), ("tobira_settings" = [])),
    responses((status = 200, description = "The account.", body = MeDto, example = json!({"account": {"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64", "email": "owner@example.co.jp", "name": "山田 太郎", "role": "owner", "login_method": "password", "locked": false, "created_at": "2026-04-01T09:00:00+00:00"}, "settings": ["login_method", "email_change", "password_change"]}))))]
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
    #[schema(format = Uuid)]
    pub account_id: String,
    /// The contract.
    #[schema(format = Uuid)]
    pub contract_id: String,
    /// `service` or `settings`.
    pub scope: &'static str,
    /// When the session ends if idle (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Checks the session cookie and slides its idle timeout (L11).
///
/// For services that only need to know who is signed in: one store read, and a write at most
/// once a minute.
#[utoipa::path(get, path = "/api/session", tag = "account", security(("tobira_session" = []), ("tobira_settings" = [])),
    responses((status = 200, description = "The session is live.", body = SessionCheckDto, example = json!({"account_id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b64", "contract_id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b00", "scope": "service", "expires_at": "2026-04-01T21:00:00+00:00"}))))]
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
///
/// Every open session of the account, the caller's own marked `current`.
#[utoipa::path(get, path = "/api/sessions", tag = "account", security(("tobira_session" = []), ("tobira_settings" = [])),
    responses((status = 200, description = "The sessions.", body = [SessionDto], example = json!([{"id": "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b11", "scope": "service", "created_at": "2026-04-01T09:00:00+00:00", "last_seen_at": "2026-04-01T09:10:00+00:00", "channel": "internet", "client_address": "203.0.113.7", "user_agent": "Mozilla/5.0", "current": true}]))))]
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
///
/// Only the account's own sessions; any other ID is "not found".
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "account", security(("tobira_session" = []), ("tobira_settings" = [])),
    params(("id" = uuid::Uuid, Path, description = "The session's public ID.", example = "0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b11")),
    responses((status = 204, description = "The session ended."),
    (status = 404, description = "No such session of this account (`not_found`).", body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = SessionId::parse(&id).map_err(|_| ApiError::invalid_path("id", ctx.lang))?;
    let me = any_session(&state, &ctx).await?;
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
///
/// Needs the settings session; a service session gets `settings_sign_in_required`.
#[utoipa::path(get, path = "/api/settings", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 200, description = "The items.", body = [String], example = json!(["login_method", "email_change", "password_change", "access_route", "two_factor_policy"]))))]
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

/// The account's language.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LanguageBody {
    /// `ja` or `en`: the language of the account's mails and text messages (I1: an invited
    /// account starts in its invitation's language).
    pub language: Lang,
}

/// The account's language (I1).
///
/// The language the account's mails and text messages are written in.
#[utoipa::path(get, path = "/api/settings/language", tag = "settings", security(("tobira_settings" = [])), operation_id = "own_language",
    responses((status = 200, description = "The language.", body = LanguageBody, example = json!({"language": "en"}))))]
pub async fn language(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<LanguageBody>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let (account, _) = state
        .auth()
        .whoami(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(LanguageBody {
        language: Lang::of_locale(account.locale),
    }))
}

/// Set the account's language (I1).
///
/// Its later mails and text messages are written in it; every account may change its own.
#[utoipa::path(post, path = "/api/settings/language", tag = "settings", security(("tobira_settings" = [])), operation_id = "set_own_language",
    request_body(content = LanguageBody, example = json!({"language": "en"})),
    responses((status = 204, description = "The language is set.")))]
pub async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<LanguageBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .set_language(&me, body.language.locale())
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    /// The current password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128)]
    pub current: SecretString,
    /// The new password (P1: 8 to 128 characters, 3 of 4 character classes).
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub password: SecretString,
    /// The same again.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 128)]
    pub confirmation: SecretString,
}

/// Change the password; other sessions end (P2).
///
/// The current password is checked (a wrong one counts towards the lock, L2).
#[utoipa::path(post, path = "/api/settings/password", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = ChangePasswordBody, example = json!({"current": "Kumo-2024", "password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 204, description = "Changed; the account's other sessions ended."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .change_password(
            &me,
            ChangePassword {
                current: PasswordCandidate::new(body.current.expose_secret()),
                new_password: body.password.expose_secret(),
                confirmation: body.confirmation.expose_secret(),
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
    #[schema(format = Email, min_length = 3, max_length = 254)]
    pub email: String,
    /// The same again.
    #[schema(format = Email, min_length = 3, max_length = 254)]
    pub confirmation: String,
}

/// Ask to change the owner's own address; a link goes to the new one (E1).
///
/// Nothing changes until the link is opened.
#[utoipa::path(post, path = "/api/settings/email", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = EmailChangeRequestBody, example = json!({"email": "new@example.co.jp", "confirmation": "new@example.co.jp"})),
    responses((status = 202, description = "A link was mailed to the new address."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, description = "The address is in use (`email_taken`).", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_email_change(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<EmailChangeRequestBody>,
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
///
/// Over the API the method is a password; providers go through
/// `/api/federation/{provider}/start` with the purpose `own_method`.
#[utoipa::path(post, path = "/api/settings/login-method", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = MethodBody, example = json!({"method": "password", "password": "Hanami-2031", "confirmation": "Hanami-2031"})),
    responses((status = 204, description = "The login method is set."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_login_method(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<MethodBody>,
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
///
/// Turning it off needs `acknowledge_risk: true`.
#[utoipa::path(post, path = "/api/settings/two-factor", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = TwoFactorBody, example = json!({"enabled": false, "acknowledge_risk": true})),
    responses((status = 204, description = "The policy is set."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_two_factor_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<TwoFactorBody>,
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
    #[schema(schema_with = crate::http::openapi::must_be_true, required = true)]
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
///
/// `confirmed` must be `true`: the confirmation step.
#[utoipa::path(post, path = "/api/settings/access-route", tag = "settings", security(("tobira_settings" = [])), operation_id = "set_own_access_route",
    request_body(content = AccessRouteBody, example = json!({"route": "line_only", "confirmed": true})),
    responses((status = 204, description = "The access route is set."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_access_route(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<AccessRouteBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .set_access_route(&me, body.route.into(), body.confirmed, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ADFS details (D1): SAML 2.0 with the federation metadata URL or document, or OpenID
/// Connect with the discovery URL and the client ADFS issued.
#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(default)]
pub struct AdBody {
    /// `saml` (default) or `oidc`.
    #[schema(example = "saml")]
    pub protocol: String,
    /// SAML: the federation metadata URL; OpenID Connect: the discovery URL (https).
    #[schema(max_length = 2000)]
    pub metadata_url: String,
    /// SAML: the metadata document itself, instead of a URL.
    #[schema(max_length = 524288)]
    pub metadata_xml: String,
    /// OpenID Connect: the client ID.
    #[schema(max_length = 2000)]
    pub client_id: String,
    /// OpenID Connect: the client secret; empty when editing keeps the stored one.
    #[schema(max_length = 2000)]
    pub client_secret: String,
    /// Which value names a person: `persistent` (NameID / `sub`, default), `upn` or
    /// `object-guid`.
    pub subject: String,
}

impl std::fmt::Debug for AdBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdBody")
            .field("protocol", &self.protocol)
            .field("metadata_url", &self.metadata_url)
            .field("metadata_xml_bytes", &self.metadata_xml.len())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("subject", &self.subject)
            .finish()
    }
}

impl AdBody {
    /// The core's form input.
    pub fn input(&self) -> AdSettingsInput<'_> {
        AdSettingsInput {
            protocol: &self.protocol,
            metadata_url: &self.metadata_url,
            metadata_xml: &self.metadata_xml,
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            subject: &self.subject,
        }
    }
}

/// The new connection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionDto {
    /// `adfs-` + 18 lower-case letters or digits.
    #[schema(pattern = "^adfs-[0-9a-z]{18}$")]
    pub connection_id: String,
}

/// The contract's AD connection as the owner sees it (the client secret is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdConnectionDto {
    /// `adfs-` + 18 lower-case letters or digits.
    #[schema(pattern = "^adfs-[0-9a-z]{18}$")]
    pub connection_id: String,
    /// `saml` or `oidc`.
    pub protocol: String,
    /// The metadata or discovery URL; absent for pasted metadata.
    pub metadata_url: Option<String>,
    /// OpenID Connect: the client ID.
    pub client_id: Option<String>,
    /// `persistent`, `upn` or `object-guid`.
    pub subject: String,
    /// Whether people may sign in through it.
    pub on: bool,
    /// When it was first turned on.
    pub enabled_at: chrono::DateTime<chrono::Utc>,
    /// When it was turned off.
    pub turned_off_at: Option<chrono::DateTime<chrono::Utc>>,
    /// SAML: when the metadata was last read.
    pub metadata_read_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl AdConnectionDto {
    /// The view of `ad`.
    pub fn of(ad: &AdConnection) -> Self {
        let (url, client_id) = match &ad.settings.protocol {
            AdProtocol::Saml {
                metadata: SamlMetadataSource::Url(u),
            } => (Some(u.as_str().to_owned()), None),
            AdProtocol::Saml { .. } => (None, None),
            AdProtocol::Oidc {
                discovery_url,
                client_id,
                ..
            } => (
                Some(discovery_url.as_str().to_owned()),
                Some(client_id.clone()),
            ),
        };
        Self {
            connection_id: ad.id.as_str().to_owned(),
            protocol: ad.settings.protocol.kind_name().to_owned(),
            metadata_url: url,
            client_id,
            subject: ad.settings.subject.as_str().to_owned(),
            on: ad.is_on(),
            enabled_at: ad.enabled_at,
            turned_off_at: ad.turned_off_at,
            metadata_read_at: ad.metadata.as_ref().map(|m| m.read_at),
        }
    }
}

/// The Active Directory connection (D1).
///
/// The contract's connection, on or off, as its owner sees it; the client secret is never
/// shown.
#[utoipa::path(get, path = "/api/settings/active-directory", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 200, description = "The connection, on or off.", body = AdConnectionDto,
        example = json!({"connection_id": "adfs-23456789abcdefghjk", "protocol": "saml", "metadata_url": "https://adfs.example.co.jp/FederationMetadata/2007-06/FederationMetadata.xml", "client_id": null, "subject": "persistent", "on": true, "enabled_at": "2026-11-27T09:00:00Z", "turned_off_at": null, "metadata_read_at": "2026-11-27T09:00:00Z"})),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody),
    (status = 409, description = "No connection (`active_directory_not_on`).", body = ErrorBody)))]
pub async fn active_directory(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<AdConnectionDto>, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let ad = state
        .auth()
        .active_directory(&me)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(AdConnectionDto::of(&ad)))
}

/// Turn on Active Directory (D1).
///
/// Reads the ADFS metadata, answers the connection ID, and mails the owner the AD sign-in
/// addresses. A turned-off connection is turned on again with its ID.
#[utoipa::path(post, path = "/api/settings/active-directory", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = AdBody, example = json!({"protocol": "saml", "metadata_url": "https://adfs.example.co.jp/FederationMetadata/2007-06/FederationMetadata.xml"})),
    responses((status = 201, description = "Active Directory is on.", body = ConnectionDto, example = json!({"connection_id": "adfs-23456789abcdefghjk"})),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, description = "Already on (`active_directory_enabled`).", body = ErrorBody),
    (status = 422, description = "A field breaks its rule, or the metadata cannot be used (`ad_metadata_unusable`).", body = ErrorBody)))]
pub async fn enable_active_directory(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<AdBody>,
) -> Result<(StatusCode, Json<ConnectionDto>), ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    let id = state
        .auth()
        .turn_on_active_directory(&me, &body.input(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectionDto {
            connection_id: id.as_str().to_owned(),
        }),
    ))
}

/// Change the Active Directory settings (D1).
///
/// The connection ID stays; the metadata is read again. An empty `client_secret` keeps the
/// stored one.
#[utoipa::path(put, path = "/api/settings/active-directory", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = AdBody, example = json!({"protocol": "oidc", "metadata_url": "https://adfs.example.co.jp/adfs/.well-known/openid-configuration", "client_id": "3f5c8a1e-tobira", "client_secret": "", "subject": "upn"})),
    responses((status = 204, description = "Saved; the metadata was read again."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, description = "Not on (`active_directory_not_on`).", body = ErrorBody),
    (status = 422, description = "A field breaks its rule, or the metadata cannot be used.", body = ErrorBody)))]
pub async fn edit_active_directory(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<AdBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .edit_active_directory(&me, &body.input(), &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Read the ADFS metadata again now (D1).
///
/// For right after ADFS's token-signing certificate changed; the metadata is also read again
/// every day.
#[utoipa::path(post, path = "/api/settings/active-directory/metadata", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 204, description = "Read and saved."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, description = "Not on (`active_directory_not_on`).", body = ErrorBody),
    (status = 422, description = "The metadata cannot be used (`ad_metadata_unusable`).", body = ErrorBody)))]
pub async fn reread_ad_metadata(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .reread_ad_metadata(&me, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn Active Directory off (D1).
///
/// Nobody signs in through the connection until it is turned on again (with the same ID).
#[utoipa::path(delete, path = "/api/settings/active-directory", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 204, description = "Turned off."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, description = "Not on (`active_directory_not_on`).", body = ErrorBody)))]
pub async fn turn_off_active_directory(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .turn_off_active_directory(&me, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a trial to Basic (C2).
///
/// Only the owner, only from a trial.
#[utoipa::path(post, path = "/api/settings/plan", tag = "settings", security(("tobira_settings" = [])),
    responses((status = 204, description = "The contract is on Basic."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
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
    #[schema(schema_with = crate::http::openapi::must_be_true, required = true)]
    pub confirmed: bool,
}

/// Cancel a Basic contract (C2).
///
/// `confirmed` must be `true`. Only the owner.
#[utoipa::path(post, path = "/api/settings/cancel", tag = "settings", security(("tobira_settings" = [])),
    request_body(content = ConfirmBody, example = json!({"confirmed": true})),
    responses((status = 204, description = "The contract is cancelled."),
    (status = 403, description = "Not allowed for this account (S1 permission table: `not_permitted`).", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_contract(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<StatusCode, ApiError> {
    let me = session(&state, &ctx, SessionScope::Settings).await?;
    state
        .auth()
        .cancel_contract(&me, body.confirmed, &ctx.client)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
