//! Active Directory sign-in over JSON (L8, I2, M2): start a round trip to a contract's ADFS
//! for a purpose, and hand back what ADFS answered (the SAML `SAMLResponse` and `RelayState`
//! of its HTTP-POST binding, or the OpenID Connect redirect's parameters). The same use cases
//! as the pages ([`Auth::start_directory`](auth_core::flows::Auth::start_directory),
//! [`Auth::finish_directory`](auth_core::flows::Auth::finish_directory)), finished through
//! [`finish`], which the pages share.

use axum::Json;
use axum::extract::State;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use utoipa::ToSchema;

use auth_core::domain::{DirectoryCallback, PresentedToken, ProviderCallback};
use auth_core::flows::directory::DirectoryFor;
use auth_core::flows::federation::{FederationError, FederationOutcome};

use super::federation::{FederationResponse, FederationStartResponse, leave_for, outcome_response};
use crate::http::Listener;
use crate::http::context::{CookieKind, Ctx};
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// What an AD round trip is for.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum DirectoryStartBody {
    /// Sign in to the service or the settings menu (S2).
    SignIn {
        /// `service` (default) or `settings`.
        #[serde(default)]
        scope: super::signin::ScopeDto,
    },
    /// Register from an invitation (I2).
    Invitation {
        /// The invitation link's token.
        #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
        token: String,
    },
    /// A login-method change link (M2).
    MethodChange {
        /// The link's token.
        #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
        token: String,
    },
}

impl DirectoryStartBody {
    /// The core's purpose.
    pub(crate) fn purpose(&self) -> DirectoryFor<'_> {
        match self {
            Self::SignIn { scope } => DirectoryFor::SignIn {
                scope: super::signin::scope_of(*scope),
            },
            Self::Invitation { token } => DirectoryFor::Invitation {
                token: PresentedToken::new(token),
            },
            Self::MethodChange { token } => DirectoryFor::MethodChange {
                token: PresentedToken::new(token),
            },
        }
    }
}

/// What ADFS answered, as the browser received it: `saml_response` and `relay_state` for
/// SAML, or the OpenID Connect redirect's `code`, `state`, `iss`, `error`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DirectoryCallbackBody {
    /// SAML: the `SAMLResponse` form field (base64).
    #[schema(max_length = 262144)]
    #[serde(alias = "SAMLResponse")]
    pub saml_response: Option<String>,
    /// SAML: the `RelayState` form field.
    #[schema(max_length = 4096)]
    #[serde(alias = "RelayState")]
    pub relay_state: Option<String>,
    /// OpenID Connect: the authorization code.
    #[schema(max_length = 4096)]
    pub code: Option<String>,
    /// OpenID Connect: the `state` parameter.
    #[schema(max_length = 4096)]
    pub state: Option<String>,
    /// OpenID Connect: the RFC 9207 `iss` parameter, when present.
    #[schema(max_length = 4096)]
    pub iss: Option<String>,
    /// OpenID Connect: ADFS's `error`, when it refused.
    #[schema(max_length = 4096)]
    pub error: Option<String>,
}

impl std::fmt::Debug for DirectoryCallbackBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryCallbackBody")
            .field(
                "saml_response",
                &self.saml_response.as_ref().map(String::len),
            )
            .field(
                "relay_state",
                &self.relay_state.as_ref().map(|_| "<redacted>"),
            )
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish()
    }
}

impl DirectoryCallbackBody {
    /// The answer and its `state`: SAML when a `SAMLResponse` is present.
    pub(crate) fn into_callback(self) -> (DirectoryCallback, Option<String>) {
        match self.saml_response {
            Some(response) => (DirectoryCallback::Saml { response }, self.relay_state),
            None => {
                let state = self.state.clone();
                (
                    DirectoryCallback::Oidc(ProviderCallback {
                        code: self.code,
                        state: self.state,
                        iss: self.iss,
                        error: self.error,
                    }),
                    state,
                )
            }
        }
    }
}

/// Finishes an AD round trip with what ADFS sent and this browser's key: the one place the
/// API's and the pages' AD callbacks share. The jar it returns has dropped the federation
/// cookie, whatever the outcome.
pub(crate) async fn finish(
    state: &AppState,
    listener: Listener,
    ctx: &Ctx,
    jar: CookieJar,
    connection: &str,
    body: DirectoryCallbackBody,
) -> (CookieJar, Result<FederationOutcome, FederationError>) {
    let browser_key = ctx.token(CookieKind::Federation).map(|k| k.expose());
    let jar = jar.remove(ctx.removal(CookieKind::Federation));
    let addresses = state.directory_endpoints(listener, connection);
    let (callback, relay) = body.into_callback();
    let outcome = state
        .auth()
        .finish_directory(
            connection,
            &callback,
            relay.as_deref(),
            browser_key.as_deref().map(String::as_str),
            &addresses.endpoints(),
            &ctx.client,
        )
        .await;
    (jar, outcome)
}

/// Starts an Active Directory sign-in (L8, I2, M2).
///
/// Answers the contract's ADFS address to send the browser to, and sets the
/// `tobira_federation` cookie that binds the round trip to this browser.
#[utoipa::path(post, path = "/api/ad/{connection}/start", tag = "sign-in", operation_id = "ad_start",
    params(("connection" = String, Path, description = "The contract's connection ID.", example = "adfs-23456789abcdefghjk")),
    request_body(content = DirectoryStartBody, example = json!({"purpose": "sign_in"})),
    responses(
    (status = 200, description = "Send the browser to the ADFS address.", body = FederationStartResponse,
        headers(("Set-Cookie" = String, description = "`tobira_federation` (`HttpOnly; SameSite=Lax; Path=/; Max-Age=600`): must come back with ADFS's answer.")),
        example = json!({"authorization_url": "https://adfs.example.co.jp/adfs/ls/?SAMLRequest=fZFBT8MwDIXvSPyHKvc2aRljjdZJk3ZBAg6AuHBzUneNlDglcSd%2B%2FlrtBhyQ%2BPH9vmc7H&RelayState=Zm9v"})),
    (status = 403, description = "Active Directory is turned off for the contract (`active_directory_off`).", body = ErrorBody),
    (status = 404, description = "No connection has this ID (`unknown_connection`), or the link is unknown.", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody),
    (status = 422, description = "The link belongs to another contract (`no_active_directory`).", body = ErrorBody),
    (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    axum::Extension(listener): axum::Extension<Listener>,
    ctx: Ctx,
    jar: CookieJar,
    ApiPath(connection): ApiPath<String>,
    ApiJson(body): ApiJson<DirectoryStartBody>,
) -> Result<(CookieJar, Json<FederationStartResponse>), ApiError> {
    let addresses = state.directory_endpoints(listener, &connection);
    let redirect = state
        .auth()
        .start_directory(&connection, body.purpose(), &addresses.endpoints())
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(leave_for(&ctx, jar, redirect))
}

/// Finishes an Active Directory sign-in with ADFS's answer (L8, I2, M2).
///
/// Send what ADFS posted (`SAMLResponse`, `RelayState`) or put on the redirect URI (`code`,
/// `state`, `iss`, `error`), with the `tobira_federation` cookie from the start. The round
/// trip is taken once; the cookie is removed either way.
#[utoipa::path(post, path = "/api/ad/{connection}/callback", tag = "sign-in", operation_id = "ad_callback",
    security(("tobira_federation" = [])),
    params(("connection" = String, Path, description = "The contract's connection ID.", example = "adfs-23456789abcdefghjk")),
    request_body(content = DirectoryCallbackBody, example = json!({"saml_response": "PHNhbWxwOlJlc3BvbnNlIC4uLg==", "relay_state": "Zm9v"})),
    responses(
    (status = 200, description = "What the sign-in did.", body = FederationResponse,
        headers(("Set-Cookie" = String, description = "Removes `tobira_federation`; on `signed_in` sets `tobira_session`, on `pending` `tobira_pending`.")),
        example = json!({"status": "signed_in", "scope": "service"})),
    (status = 400, description = "Missing, unknown, expired or replayed round trip, or no `tobira_federation` cookie (`federation_state_invalid`).", body = ErrorBody),
    (status = 401, description = "ADFS's answer could not be verified or was used before (`provider_rejected`), or the identity is linked to no account (`unbound_identity`).", body = ErrorBody),
    (status = 403, description = "Cancelled at ADFS (`provider_denied`), AD turned off (`active_directory_off`), or the contract or channel refuses the sign-in.", body = ErrorBody),
    (status = 404, description = "No connection has this ID (`unknown_connection`).", body = ErrorBody),
    (status = 409, body = ErrorBody), (status = 410, description = "The link expired meanwhile (`link_expired`).", body = ErrorBody),
    (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    axum::Extension(listener): axum::Extension<Listener>,
    ctx: Ctx,
    jar: CookieJar,
    ApiPath(connection): ApiPath<String>,
    ApiJson(body): ApiJson<DirectoryCallbackBody>,
) -> Result<(CookieJar, Json<FederationResponse>), ApiError> {
    let (jar, outcome) = finish(&state, listener, &ctx, jar, &connection, body).await;
    let outcome = outcome.map_err(|e| e.to_api(ctx.lang))?;
    outcome_response(&state, &ctx, jar, outcome).await
}
