//! Sign-in, the second factor, and sign-out (L, T, X8).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use auth_core::domain::{PasswordCandidate, SessionScope};
use auth_core::flows::signin::{PasswordSignIn, SessionGrant, SignInOutcome};
use auth_core::flows::two_factor::{Completed, PendingGrant, SecondFactorStep};

use crate::http::context::{CookieKind, Ctx};
use crate::http::error::{ApiError, ErrorBody, ToApi};
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
    pub email: String,
    /// The password.
    pub password: String,
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
        _ => StepDto::Enrol,
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
    let (kind, scope) = match grant.session.scope {
        SessionScope::Settings => (CookieKind::Settings, ScopeDto::Settings),
        _ => (CookieKind::Session, ScopeDto::Service),
    };
    if let Some(old) = ctx.token(kind) {
        let _ = state.auth().sign_out(&old, &ctx.client).await;
    }
    let mut jar = jar
        .add(ctx.cookie(kind, grant.token.expose().to_string()))
        .remove(ctx.removal(CookieKind::Pending));
    if let Some(device) = device {
        jar = jar.add(ctx.cookie(CookieKind::Device, device.expose().to_string()));
    }
    (jar, Json(SignInResponse::SignedIn { scope }))
}

pub(crate) fn pending(
    ctx: &Ctx,
    jar: CookieJar,
    grant: PendingGrant,
) -> (CookieJar, Json<SignInResponse>) {
    let jar = jar.add(ctx.cookie(CookieKind::Pending, grant.token.expose().to_string()));
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
#[utoipa::path(post, path = "/api/sign-in", request_body = SignInBody, responses(
    (status = 200, body = SignInResponse),
    (status = 401, description = "Unknown e-mail, wrong password or locked: one answer (L5)", body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Json(body): Json<SignInBody>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let outcome = state
        .auth()
        .sign_in_with_password(PasswordSignIn {
            email: &body.email,
            password: PasswordCandidate::new(&body.password),
            client: ctx.client.clone(),
            scope: scope_of(body.scope),
            remembered_browser: ctx.token(CookieKind::Device),
        })
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(match outcome {
        SignInOutcome::SignedIn(grant) => signed_in(&state, &ctx, jar, grant, None).await,
        SignInOutcome::SecondFactorRequired(grant) => pending(&ctx, jar, grant),
        _ => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                crate::messages::Msg::WrongStep,
                ctx.lang,
            ));
        }
    })
}

/// Where the pending sign-in stands.
#[utoipa::path(get, path = "/api/sign-in/step", responses((status = 200, body = StepDto), (status = 401, body = ErrorBody)))]
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
    /// 070/080/090 mobile or +E.164.
    pub phone: String,
}

/// An SMS code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsSentDto {
    /// The number, mostly hidden.
    pub masked_phone: String,
    /// When the code stops working (UTC, RFC 3339).
    pub expires_at: String,
}

/// Enrol SMS: send a code to this number (T2).
#[utoipa::path(post, path = "/api/sign-in/sms", request_body = PhoneBody, responses((status = 200, body = SmsSentDto), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn enrol_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<PhoneBody>,
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
#[utoipa::path(post, path = "/api/sign-in/sms/resend", responses((status = 200, body = SmsSentDto), (status = 429, body = ErrorBody)))]
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

/// An authenticator enrolment offer (T1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpOfferDto {
    /// The secret in base32, to type in by hand.
    pub secret: String,
    /// The `otpauth://` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

/// Enrol an authenticator app: the secret, its URI and QR code (T1, T2).
#[utoipa::path(post, path = "/api/sign-in/totp", responses((status = 200, body = TotpOfferDto), (status = 409, body = ErrorBody)))]
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
    Ok(Json(TotpOfferDto {
        secret: offer.secret_text.to_string(),
        otpauth_uri: offer.otpauth_uri.to_string(),
        qr_svg: offer.qr_svg,
    }))
}

/// A code from the SMS or the app.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeBody {
    /// The code.
    pub code: String,
    /// Remember this browser for 30 days (L6).
    #[serde(default)]
    pub remember_browser: bool,
}

/// A recovery code, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodeDto {
    /// `XXXX-XXXX-XXXX-XXXX`: save it; it is shown only now (T3).
    pub recovery_code: String,
}

/// Finish enrolment with the first code; returns the recovery code (T2, T3).
#[utoipa::path(post, path = "/api/sign-in/enrol", request_body = CodeBody, responses((status = 200, body = RecoveryCodeDto), (status = 401, body = ErrorBody)))]
pub async fn finish_enrolment(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<CodeBody>,
) -> Result<Json<RecoveryCodeDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let code = state
        .auth()
        .finish_enrolment(&token, &body.code, body.remember_browser)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(RecoveryCodeDto {
        recovery_code: code.display().to_string(),
    }))
}

/// Answer the enrolled factor's challenge (T4).
#[utoipa::path(post, path = "/api/sign-in/challenge", request_body = CodeBody, responses((status = 200, body = SignInResponse), (status = 401, body = ErrorBody)))]
pub async fn answer_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Json(body): Json<CodeBody>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let token = pending_token(&ctx)?;
    let done = state
        .auth()
        .answer_challenge(&token, &body.code, body.remember_browser)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(completed(&state, &ctx, jar, done).await)
}

/// A recovery code as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecoveryBody {
    /// With or without spaces and hyphens.
    pub code: String,
}

/// "Lost my device": use the recovery code; returns the new one (T5).
#[utoipa::path(post, path = "/api/sign-in/recovery", request_body = RecoveryBody, responses((status = 200, body = RecoveryCodeDto), (status = 401, body = ErrorBody)))]
pub async fn use_recovery_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Json(body): Json<RecoveryBody>,
) -> Result<Json<RecoveryCodeDto>, ApiError> {
    let token = pending_token(&ctx)?;
    let code = state
        .auth()
        .use_recovery_code(&token, &body.code)
        .await
        .map_err(|e| e.to_api(ctx.lang))?;
    Ok(Json(RecoveryCodeDto {
        recovery_code: code.display().to_string(),
    }))
}

/// The "I saved it" confirmation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SavedBody {
    /// Must be `true`.
    pub saved: bool,
}

/// Confirm the recovery code was saved; completes the sign-in (T3, T5).
#[utoipa::path(post, path = "/api/sign-in/recovery/confirm", request_body = SavedBody, responses((status = 200, body = SignInResponse), (status = 422, body = ErrorBody)))]
pub async fn confirm_recovery_code(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Json(body): Json<SavedBody>,
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
#[utoipa::path(post, path = "/api/sign-in/line-consent", responses((status = 200, body = SignInResponse), (status = 409, body = ErrorBody)))]
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
#[utoipa::path(post, path = "/api/sign-out", responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
) -> Result<(StatusCode, CookieJar), ApiError> {
    if let Some(pending) = ctx.token(CookieKind::Pending) {
        state
            .auth()
            .cancel_sign_in(&pending)
            .await
            .map_err(|e| e.to_api(ctx.lang))?;
    }
    for kind in [CookieKind::Session, CookieKind::Settings] {
        if let Some(token) = ctx.token(kind) {
            state
                .auth()
                .sign_out(&token, &ctx.client)
                .await
                .map_err(|e| e.to_api(ctx.lang))?;
        }
    }
    let jar = jar
        .remove(ctx.removal(CookieKind::Session))
        .remove(ctx.removal(CookieKind::Settings))
        .remove(ctx.removal(CookieKind::Pending));
    Ok((StatusCode::NO_CONTENT, jar))
}
