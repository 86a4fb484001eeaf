//! Sign-in, the second factor, and sign-out (L, T, X8).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{PasswordCandidate, SessionScope};
use auth_core::flows::signin::{PasswordSignIn, SessionGrant, SignInOutcome};
use auth_core::flows::two_factor::{Completed, PendingGrant, RecoveryShown, SecondFactorStep};

use crate::http::context::{CookieKind, Ctx};
use crate::http::cookies;
use crate::http::error::{ApiError, ErrorBody, ToApi};
use crate::http::extract::ApiJson;
use crate::state::AppState;

/// Where the sign-in menu leads.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScopeDto {
    /// The service and admin console.
    #[default]
    Service,
    /// The settings menu (S2).
    Settings,
}

/// A password sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    /// The e-mail address (case and surrounding spaces ignored).
    #[schema(format = Email, min_length = 3, max_length = 254, examples("owner@example.co.jp"))]
    pub email: String,
    /// The password.
    #[schema(value_type = String, format = Password, min_length = 1, max_length = 128, examples("Kumo-2024"))]
    pub password: SecretString,
    /// `service` (default) or `settings`.
    #[serde(default)]
    pub scope: ScopeDto,
}

/// The next second-factor step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepDto {
    /// Choose SMS (offered first) or an authenticator app, and enrol.
    Enrol,
    /// Type the SMS code.
    Sms {
        /// The number, mostly hidden.
        #[schema(examples("090-****-5678"))]
        masked_phone: String,
        /// Whether a code was sent.
        code_sent: bool,
    },
    /// Type the authenticator's code.
    Totp,
    /// Confirm the recovery code was saved.
    ConfirmRecoveryCode,
    /// Consent to receive the West Japan line's details (N5).
    LineConsent {
        /// The line.
        #[schema(
            pattern = "^(CAF[0-9A-Za-z]{10}|COP[0-9A-Za-z]{8})$",
            examples("CAF1234567890")
        )]
        line: String,
    },
}

/// The answer to a sign-in step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignInResponse {
    /// Signed in; the session cookie is set.
    SignedIn {
        /// The session's scope.
        scope: ScopeDto,
    },
    /// A second step is needed; the pending cookie is set. Nothing is open yet.
    Pending {
        /// What to do next.
        step: StepDto,
    },
}

fn step_dto(step: SecondFactorStep) -> StepDto {
    match step {
        SecondFactorStep::Sms {
            masked_phone,
            code_sent,
        } => StepDto::Sms {
            masked_phone,
            code_sent,
        },
        SecondFactorStep::Totp => StepDto::Totp,
        SecondFactorStep::ConfirmRecoveryCode => StepDto::ConfirmRecoveryCode,
        SecondFactorStep::LineConsent { line } => StepDto::LineConsent {
            line: line.as_str().to_owned(),
        },
        SecondFactorStep::Enrol => StepDto::Enrol,
    }
}

pub(crate) fn scope_of(dto: ScopeDto) -> SessionScope {
    match dto {
        ScopeDto::Service => SessionScope::Service,
        ScopeDto::Settings => SessionScope::Settings,
    }
}

/// Sets the session cookie of a completed sign-in, drops the pending one, and ends a session
/// the browser held before (the ID rotates at sign-in).
pub(crate) async fn signed_in(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    grant: SessionGrant,
    device: Option<auth_core::domain::SecretToken>,
) -> (CookieJar, Json<SignInResponse>) {
    let scope = match grant.session.scope {
        SessionScope::Settings => ScopeDto::Settings,
        SessionScope::Service => ScopeDto::Service,
    };
    let jar = cookies::issue_session(state, ctx, jar, &grant, device.as_ref()).await;
    (jar, Json(SignInResponse::SignedIn { scope }))
}

pub(crate) fn pending(
    ctx: &Ctx,
    jar: CookieJar,
    grant: PendingGrant,
) -> (CookieJar, Json<SignInResponse>) {
    let jar = cookies::issue_pending(ctx, jar, &grant.token);
    (
        jar,
        Json(SignInResponse::Pending {
            step: step_dto(grant.step),
        }),
    )
}

async fn completed(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    done: Completed,
) -> (CookieJar, Json<SignInResponse>) {
    signed_in(state, ctx, jar, done.session, done.remembered_browser).await
}

fn pending_token(ctx: &Ctx) -> Result<auth_core::domain::SecretToken, ApiError> {
    ctx.token(CookieKind::Pending).ok_or_else(|| {
        auth_core::flows::two_factor::TwoFactorError::NoPendingSignIn.to_api(ctx.lang)
    })
}

/// Password sign-in (L1–L6, L9, L10, S2).
///
/// Checks the e-mail address and password. Unknown address, wrong password and a locked account
/// get one answer (L5). On success either a session opens (`signed_in`) or a second factor is
/// needed (`pending`, with the `tobira_pending` cookie). A `tobira_device` cookie from "remember
/// this browser" skips the second factor (L6).
#[utoipa::path(post, path = "/api/sign-in", tag = "sign-in",
    request_body(content = SignInBody, example = json!({"email": "owner@example.co.jp", "password": "Kumo-2024", "scope": "service"})),
    responses(
    (status = 200, description = "Signed in, or a second factor is needed.", body = SignInResponse, headers(("Set-Cookie" = String, description = "On `signed_in`: `tobira_session` or `tobira_settings` (by scope) with `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `tobira_pending` removed; with `remember_browser` also `tobira_device` (30 days). On `pending`: `tobira_pending` (10 minutes).")),
        example = json!({"status": "pending", "step": {"kind": "totp"}})),
    (status = 401, description = "Unknown e-mail, wrong password or locked: one answer (`invalid_credentials`, L5); or a provider-only account.", body = ErrorBody),
    (status = 403, description = "The contract ended (`contract_ended`), the line is not registered (`line_not_registered`), or the contract allows lines only (`internet_not_allowed`).", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 429, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let outcome = state
        .auth()
        .sign_in_with_password(PasswordSignIn {
            email: &body.email,
            password: PasswordCandidate::new(body.password.expose_secret()),
            client: ctx.client.clone(),
            scope: scope_of(body.scope),
            remembered_browser: ctx.token(CookieKind::Device),
        })
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(match outcome {
        SignInOutcome::SignedIn(grant) => signed_in(&state, &ctx, jar, grant, None).await,
        SignInOutcome::SecondFactorRequired(grant) => pending(&ctx, jar, grant),
    })
}

/// Where the pending sign-in stands.
///
/// The second-factor step the `tobira_pending` cookie's sign-in waits for.
#[utoipa::path(get, path = "/api/sign-in/step", tag = "sign-in", security(("tobira_pending" = [])),
    responses((status = 200, description = "The next step.", body = StepDto, example = json!({"kind": "sms", "masked_phone": "090-****-5678", "code_sent": true}))))]
pub async fn step(State(state): State<AppState>, ctx: Ctx) -> Result<Json<StepDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let step = state
        .auth()
        .second_factor_step(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(step_dto(step)))
}

/// A phone number for SMS enrolment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PhoneBody {
    /// A Japanese mobile number starting with 070, 080 or 090 (hyphens and spaces allowed), or an
    /// international number in E.164 form starting with `+`.
    #[schema(
        min_length = 1,
        max_length = 32,
        examples("090-1234-5678", "+819012345678")
    )]
    pub phone: String,
}

/// An SMS code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsSentDto {
    /// The number, mostly hidden.
    pub masked_phone: String,
    /// When the code stops working (UTC, RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Enrol SMS: send a code to this number (T2).
///
/// Sends a six-digit code to the number; the enrolment finishes with `/api/sign-in/enrol`.
#[utoipa::path(post, path = "/api/sign-in/sms", tag = "sign-in", security(("tobira_pending" = [])),
    request_body(content = PhoneBody, example = json!({"phone": "090-1234-5678"})),
    responses((status = 200, description = "A code was sent.", body = SmsSentDto, example = json!({"masked_phone": "090-****-5678", "expires_at": "2026-04-01T09:05:00+00:00"})),
    (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn enrol_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<PhoneBody>,
) -> Result<Json<SmsSentDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let sent = state
        .auth()
        .enrol_sms(&token, &body.phone)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(SmsSentDto {
        masked_phone: sent.masked_phone,
        expires_at: sent.expires_at.to_rfc3339(),
    }))
}

/// Send the SMS code again (T7: at most once a minute).
///
/// A new code replaces the old one; at most once a minute and within the daily cap.
#[utoipa::path(post, path = "/api/sign-in/sms/resend", tag = "sign-in", security(("tobira_pending" = [])),
    responses((status = 200, description = "A new code was sent.", body = SmsSentDto, example = json!({"masked_phone": "090-****-5678", "expires_at": "2026-04-01T09:05:00+00:00"})),
    (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend_sms(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SmsSentDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let sent = state
        .auth()
        .resend_sms(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(SmsSentDto {
        masked_phone: sent.masked_phone,
        expires_at: sent.expires_at.to_rfc3339(),
    }))
}

/// An authenticator enrolment offer (T1). Every field carries the secret: `Debug` shows none.
#[derive(Serialize, ToSchema)]
pub struct TotpOfferDto {
    /// The secret in base32, to type in by hand.
    pub secret: String,
    /// The `otpauth://` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpOfferDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpOfferDto(<redacted>)")
    }
}

/// Enrol an authenticator app: the secret, its URI and QR code (T1, T2).
///
/// The enrolment finishes with the app's first code at `/api/sign-in/enrol`.
#[utoipa::path(post, path = "/api/sign-in/totp", tag = "sign-in", security(("tobira_pending" = [])),
    responses((status = 200, description = "The secret to enrol.", body = TotpOfferDto, example = json!({"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://totp/tobira:owner%40example.co.jp?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=tobira", "qr_svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"})),
    (status = 409, body = ErrorBody)))]
pub async fn offer_totp(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<TotpOfferDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let offer = state
        .auth()
        .offer_totp(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    let qr_svg = crate::qr::totp_svg(&offer, ctx.lang)?;
    Ok(Json(TotpOfferDto {
        secret: offer.secret_text.to_string(),
        otpauth_uri: offer.otpauth_uri.to_string(),
        qr_svg,
    }))
}

/// A code from the SMS or the app.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeBody {
    /// The six-digit code.
    #[schema(value_type = String, pattern = "^[0-9]{6}$", examples("123456"))]
    pub code: SecretString,
    /// Remember this browser for 30 days (L6).
    #[serde(default)]
    pub remember_browser: bool,
}

/// A recovery code, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodeDto {
    /// `XXXX-XXXX-XXXX-XXXX`: save it; it is shown only now (T3).
    #[schema(
        pattern = "^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$",
        examples("ABCD-EFGH-JKLM-NPQR")
    )]
    pub recovery_code: String,
}

/// Finish enrolment with the first code; returns the recovery code (T2, T3).
///
/// The recovery code is shown only now; the sign-in completes once `/api/sign-in/recovery/confirm`
/// confirms it was saved.
#[utoipa::path(post, path = "/api/sign-in/enrol", tag = "sign-in", security(("tobira_pending" = [])),
    request_body(content = CodeBody, example = json!({"code": "123456", "remember_browser": false})),
    responses((status = 200, description = "Enrolled; save the recovery code.", body = RecoveryCodeDto, headers(("Set-Cookie" = String, description = "`tobira_pending` replaced by a new value (10 minutes); the earlier value no longer works.")), example = json!({"recovery_code": "ABCD-EFGH-JKLM-NPQR"})),
    (status = 401, description = "Wrong code (`wrong_code`), or no pending sign-in.", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 410, description = "The SMS code expired or too many wrong codes (`code_spent`).", body = ErrorBody),
    (status = 429, body = ErrorBody)))]
pub async fn finish_enrolment(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<(CookieJar, Json<RecoveryCodeDto>), ApiError> {
    let token = pending_token(&ctx)?;
    let shown = state
        .auth()
        .finish_enrolment(&token, body.code.expose_secret(), body.remember_browser)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(recovery_shown(&ctx, jar, shown))
}

/// Shows a recovery code and replaces the pending cookie with the sign-in's new token.
fn recovery_shown(
    ctx: &Ctx,
    jar: CookieJar,
    shown: RecoveryShown,
) -> (CookieJar, Json<RecoveryCodeDto>) {
    (
        cookies::issue_pending(ctx, jar, &shown.pending),
        Json(RecoveryCodeDto {
            recovery_code: shown.code.display().to_string(),
        }),
    )
}

/// Answer the enrolled factor's challenge (T4).
///
/// A correct code completes the sign-in and opens the session.
#[utoipa::path(post, path = "/api/sign-in/challenge", tag = "sign-in", security(("tobira_pending" = [])),
    request_body(content = CodeBody, example = json!({"code": "123456", "remember_browser": true})),
    responses((status = 200, description = "Signed in (or a further step, line consent, is needed).", body = SignInResponse, headers(("Set-Cookie" = String, description = "On `signed_in`: `tobira_session` or `tobira_settings` (by scope) with `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `tobira_pending` removed; with `remember_browser` also `tobira_device` (30 days). On `pending`: `tobira_pending` (10 minutes).")), example = json!({"status": "signed_in", "scope": "service"})),
    (status = 401, description = "Wrong code (`wrong_code`), or no pending sign-in.", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 410, description = "The SMS code expired or too many wrong codes (`code_spent`).", body = ErrorBody),
    (status = 429, body = ErrorBody)))]
pub async fn answer_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let token = pending_token(&ctx)?;
    let done = state
        .auth()
        .answer_challenge(&token, body.code.expose_secret(), body.remember_browser)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(completed(&state, &ctx, jar, done).await)
}

/// A recovery code as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecoveryBody {
    /// 16 letters and digits, with or without spaces and hyphens.
    #[schema(value_type = String, min_length = 16, max_length = 64, examples("ABCD-EFGH-JKLM-NPQR"))]
    pub code: SecretString,
}

/// "Lost my device": use the recovery code; returns the new one (T5).
///
/// The second factor is cleared; the new recovery code must be confirmed as saved.
#[utoipa::path(post, path = "/api/sign-in/recovery", tag = "sign-in", security(("tobira_pending" = [])),
    request_body(content = RecoveryBody, example = json!({"code": "ABCD-EFGH-JKLM-NPQR"})),
    responses((status = 200, description = "Accepted; save the new recovery code.", body = RecoveryCodeDto, headers(("Set-Cookie" = String, description = "`tobira_pending` replaced by a new value (10 minutes); the earlier value no longer works.")), example = json!({"recovery_code": "WXYZ-2345-6789-ABCD"})),
    (status = 401, description = "Wrong recovery code, or no pending sign-in.", body = ErrorBody),
    (status = 409, body = ErrorBody),
    (status = 429, body = ErrorBody)))]
pub async fn use_recovery_code(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<RecoveryBody>,
) -> Result<(CookieJar, Json<RecoveryCodeDto>), ApiError> {
    let token = pending_token(&ctx)?;
    let shown = state
        .auth()
        .use_recovery_code(&token, body.code.expose_secret())
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(recovery_shown(&ctx, jar, shown))
}

/// The "I saved it" confirmation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SavedBody {
    /// Must be `true`.
    #[schema(schema_with = crate::http::openapi::must_be_true)]
    pub saved: bool,
}

/// Confirm the recovery code was saved; completes the sign-in (T3, T5).
///
/// `saved` must be `true`.
#[utoipa::path(post, path = "/api/sign-in/recovery/confirm", tag = "sign-in", security(("tobira_pending" = [])),
    request_body(content = SavedBody, example = json!({"saved": true})),
    responses((status = 200, description = "Signed in (or line consent is needed).", body = SignInResponse, headers(("Set-Cookie" = String, description = "On `signed_in`: `tobira_session` or `tobira_settings` (by scope) with `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `tobira_pending` removed; with `remember_browser` also `tobira_device` (30 days). On `pending`: `tobira_pending` (10 minutes).")), example = json!({"status": "signed_in", "scope": "service"})),
    (status = 409, body = ErrorBody)))]
pub async fn confirm_recovery_code(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<SavedBody>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let token = pending_token(&ctx)?;
    let done = state
        .auth()
        .confirm_recovery_code_saved(&token, body.saved)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(completed(&state, &ctx, jar, done).await)
}

/// Consent to receive the line's details; completes the sign-in (N5).
///
/// Only when the pending step is `line_consent`.
#[utoipa::path(post, path = "/api/sign-in/line-consent", tag = "sign-in", security(("tobira_pending" = [])),
    responses((status = 200, description = "Signed in.", body = SignInResponse, headers(("Set-Cookie" = String, description = "On `signed_in`: `tobira_session` or `tobira_settings` (by scope) with `HttpOnly; SameSite=Lax; Path=/; Max-Age=43200`, and `tobira_pending` removed; with `remember_browser` also `tobira_device` (30 days). On `pending`: `tobira_pending` (10 minutes).")), example = json!({"status": "signed_in", "scope": "service"})),
    (status = 409, body = ErrorBody)))]
pub async fn line_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let token = pending_token(&ctx)?;
    let done = state
        .auth()
        .give_line_consent(&token)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(completed(&state, &ctx, jar, done).await)
}

/// Sign out of the service and the settings menu (L11).
///
/// Ends the sessions of the cookies sent and cancels a pending sign-in. Works without any
/// cookie too.
#[utoipa::path(post, path = "/api/sign-out", tag = "sign-in",
    security((), ("tobira_session" = []), ("tobira_settings" = []), ("tobira_pending" = [])),
    responses((status = 204, description = "Signed out.",
        headers(("Set-Cookie" = String, description = "Removes `tobira_session`, `tobira_settings` and `tobira_pending` (`Max-Age=0`).")))))]
pub async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<(StatusCode, CookieJar), ApiError> {
    let jar = cookies::sign_out(&state, &ctx, jar)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok((StatusCode::NO_CONTENT, jar))
}
