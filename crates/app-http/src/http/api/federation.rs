//! Federated sign-in over JSON (L7): start a provider round trip for a purpose, and hand the
//! provider's callback parameters back. The same use cases as the pages
//! ([`Auth::start_federation`](auth_core::flows::Auth::start_federation),
//! [`Auth::finish_federation`](auth_core::flows::Auth::finish_federation)).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{PresentedToken, Provider, ProviderCallback, SessionScope};
use auth_core::flows::federation::{FederationError, FederationFor, FederationOutcome};
use auth_core::flows::signin::SignInOutcome;

use super::signin::{ScopeDto, SignInResponse, StepDto, pending, signed_in};
use crate::http::Listener;
use crate::http::context::{CookieKind, Ctx};
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::{ApiJson, ApiPath};
use crate::messages::Msg;
use crate::state::AppState;

/// What a provider sign-in is for.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum FederationStartBody {
    /// Sign in to the service or the settings menu.
    SignIn {
        /// `service` (default) or `settings`.
        #[serde(default)]
        scope: ScopeDto,
    },
    /// Register from an invitation (I2).
    Invitation {
        /// The invitation link's token.
        #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
        token: String,
    },
    /// The owner's own login method (M1); needs the settings session cookie.
    OwnMethod,
    /// A login-method change link (M2).
    MethodChange {
        /// The link's token.
        #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
        token: String,
    },
}

/// Where to send the browser.
#[derive(Serialize, ToSchema)]
pub struct FederationStartResponse {
    /// The provider's authorization URL. The `tobira_federation` cookie is set and must come
    /// back with the callback.
    #[schema(pattern = "^https?://")]
    pub authorization_url: String,
}

/// The parameters the provider put on the redirect URI, as the browser received them.
#[derive(Deserialize, ToSchema, Default)]
pub struct FederationCallbackBody {
    /// The authorization code.
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub code: Option<String>,
    /// The `state` parameter.
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub state: Option<String>,
    /// The RFC 9207 `iss` parameter, when present.
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub iss: Option<String>,
    /// The provider's `error`, when it refused.
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub error: Option<String>,
}

impl From<FederationCallbackBody> for ProviderCallback {
    fn from(b: FederationCallbackBody) -> Self {
        Self {
            code: b.code,
            state: b.state,
            iss: b.iss,
            error: b.error,
        }
    }
}

/// What the provider sign-in did.
#[derive(Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FederationResponse {
    /// Signed in; the session cookie is set.
    SignedIn {
        /// The session's scope.
        scope: ScopeDto,
    },
    /// A further step is needed (line consent, N5); the pending cookie is set.
    Pending {
        /// What to do next.
        step: StepDto,
    },
    /// The invitation was accepted; the account can sign in (I2).
    Registered,
    /// The login method is now the provider (M1, M2).
    MethodChanged,
}

/// The provider named in a path, if it is one tobira knows.
pub(crate) fn provider_of(name: &str, ctx: &Ctx) -> Result<Provider, ApiError> {
    Provider::from_name(name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Msg::ProviderNotConfigured, ctx.lang))
}

/// Finishes a round trip with what the provider sent and this browser's cookies (its browser
/// key, and its settings session for M1): the one place the API's and the page's callbacks
/// share. The jar it returns has dropped the federation cookie, whatever the outcome.
pub(crate) async fn finish(
    state: &AppState,
    listener: Listener,
    ctx: &Ctx,
    jar: CookieJar,
    provider: Provider,
    callback: &ProviderCallback,
) -> (CookieJar, Result<FederationOutcome, FederationError>) {
    let browser_key = ctx.token(CookieKind::Federation).map(|k| k.expose());
    let me = super::session(state, ctx, SessionScope::Settings)
        .await
        .ok();
    let jar = jar.remove(ctx.removal(CookieKind::Federation));
    let outcome = state
        .auth()
        .finish_federation(
            provider,
            callback,
            browser_key.as_deref().map(String::as_str),
            me.as_ref(),
            &state.federation_callback(listener, provider),
            &ctx.client,
        )
        .await;
    (jar, outcome)
}

/// Starts a provider sign-in (L7, I2, M1, M2).
///
/// Answers the provider's authorization URL to send the browser to, and sets the
/// `tobira_federation` cookie that binds the round trip to this browser. The purpose
/// `own_method` needs the settings session cookie.
#[utoipa::path(post, path = "/api/federation/{provider}/start", tag = "sign-in",
    security((), ("tobira_settings" = [])),
    params(("provider" = String, Path, description = "The identity provider.", example = "google")),
    request_body(content = FederationStartBody, example = json!({"purpose": "sign_in", "scope": "service"})),
    responses(
    (status = 200, description = "Send the browser to the authorization URL.", body = FederationStartResponse,
        headers(("Set-Cookie" = String, description = "`tobira_federation` (`HttpOnly; SameSite=Lax; Path=/; Max-Age=600`): must come back with the callback.")),
        example = json!({"authorization_url": "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=tobira&state=Zm9v&nonce=YmFy&code_challenge=YmF6&code_challenge_method=S256"})),
    (status = 401, description = "`own_method` without a settings session.", body = ErrorBody),
    (status = 404, description = "The provider is not configured (`provider_not_configured`), or the link is unknown.", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 410, description = "The link expired (`link_expired`).", body = ErrorBody),
    (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    axum::Extension(listener): axum::Extension<Listener>,
    ctx: Ctx,
    jar: CookieJar,
    ApiPath(provider): ApiPath<String>,
    ApiJson(body): ApiJson<FederationStartBody>,
) -> Result<(CookieJar, Json<FederationStartResponse>), ApiError> {
    let provider = provider_of(&provider, &ctx)?;
    let me;
    let purpose = match &body {
        FederationStartBody::SignIn { scope } => FederationFor::SignIn {
            scope: super::signin::scope_of(*scope),
        },
        FederationStartBody::Invitation { token } => FederationFor::Invitation {
            token: PresentedToken::new(token),
        },
        FederationStartBody::OwnMethod => {
            me = super::session(&state, &ctx, SessionScope::Settings).await?;
            FederationFor::OwnMethod { me: &me }
        }
        FederationStartBody::MethodChange { token } => FederationFor::MethodChange {
            token: PresentedToken::new(token),
        },
    };
    let redirect = state
        .auth()
        .start_federation(
            provider,
            purpose,
            &state.federation_callback(listener, provider),
        )
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(leave_for(&ctx, jar, redirect))
}

/// The API's answer to a started round trip (provider or AD): the browser key in the
/// `tobira_federation` cookie, the address to send the browser to in the body.
pub(crate) fn leave_for(
    ctx: &Ctx,
    jar: CookieJar,
    redirect: auth_core::flows::federation::FederationRedirect,
) -> (CookieJar, Json<FederationStartResponse>) {
    let jar = jar.add(ctx.cookie(
        CookieKind::Federation,
        redirect.browser_key.expose().to_string(),
    ));
    (
        jar,
        Json(FederationStartResponse {
            authorization_url: redirect.authorization_url,
        }),
    )
}

/// Finishes a provider sign-in with the callback's parameters (L7, I2, M1, M2).
///
/// Send the parameters the provider put on the redirect URI, with the `tobira_federation`
/// cookie from the start. The state is taken once; the cookie is removed either way.
#[utoipa::path(post, path = "/api/federation/{provider}/callback", tag = "sign-in",
    security(("tobira_federation" = []), ("tobira_federation" = [], "tobira_settings" = [])),
    params(("provider" = String, Path, description = "The identity provider.", example = "google")),
    request_body(content = FederationCallbackBody, example = json!({"code": "4/0AbCdEf", "state": "Zm9v", "iss": "https://accounts.google.com"})),
    responses(
    (status = 200, description = "What the provider sign-in did.", body = FederationResponse,
        headers(("Set-Cookie" = String, description = "Removes `tobira_federation`; on `signed_in` sets `tobira_session` or `tobira_settings`, on `pending` `tobira_pending`.")),
        example = json!({"status": "signed_in", "scope": "service"})),
    (status = 400, description = "Missing, unknown, expired or replayed state, or no `tobira_federation` cookie (`federation_state_invalid`).", body = ErrorBody),
    (status = 401, description = "The provider's answer could not be verified (`provider_rejected`), or the identity is linked to no account (`unbound_identity`).", body = ErrorBody),
    (status = 403, description = "Cancelled at the provider (`provider_denied`), or the contract or channel refuses the sign-in.", body = ErrorBody),
    (status = 404, description = "The provider is not configured (`provider_not_configured`).", body = ErrorBody),
    (status = 409, body = ErrorBody), (status = 410, description = "The invitation or method-change link expired meanwhile (`link_expired`).", body = ErrorBody),
    (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    axum::Extension(listener): axum::Extension<Listener>,
    ctx: Ctx,
    jar: CookieJar,
    ApiPath(provider): ApiPath<String>,
    ApiJson(body): ApiJson<FederationCallbackBody>,
) -> Result<(CookieJar, Json<FederationResponse>), ApiError> {
    let provider = provider_of(&provider, &ctx)?;
    let (jar, outcome) = finish(&state, listener, &ctx, jar, provider, &body.into()).await;
    let outcome = outcome.map_err(|e| e.to_api(ctx.lang))?;
    outcome_response(&state, &ctx, jar, outcome).await
}

/// The API's answer to a finished round trip (provider or AD): the session or pending cookie
/// of a sign-in, or what the binding did.
pub(crate) async fn outcome_response(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    outcome: FederationOutcome,
) -> Result<(CookieJar, Json<FederationResponse>), ApiError> {
    match outcome {
        FederationOutcome::SignIn(SignInOutcome::SignedIn(grant)) => {
            let (jar, Json(answer)) = signed_in(state, ctx, jar, grant, None).await;
            Ok((jar, Json(answer.into())))
        }
        FederationOutcome::SignIn(SignInOutcome::SecondFactorRequired(grant)) => {
            let (jar, Json(answer)) = pending(ctx, jar, grant);
            Ok((jar, Json(answer.into())))
        }
        FederationOutcome::Registered(_) => Ok((jar, Json(FederationResponse::Registered))),
        FederationOutcome::OwnMethodChanged | FederationOutcome::MethodChanged => {
            Ok((jar, Json(FederationResponse::MethodChanged)))
        }
    }
}

impl From<SignInResponse> for FederationResponse {
    fn from(r: SignInResponse) -> Self {
        match r {
            SignInResponse::SignedIn { scope } => Self::SignedIn { scope },
            SignInResponse::Pending { step } => Self::Pending { step },
        }
    }
}
