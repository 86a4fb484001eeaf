//! Sign-in pages (L, S2), the second factor (T), sign-out, forgotten password (P3) and the
//! unlock link (L4).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{Markup, html};
use serde::Deserialize;

use auth_core::domain::{PasswordCandidate, SecretToken, SessionScope};
use auth_core::flows::signin::{PasswordSignIn, SessionGrant, SignInOutcome};
use auth_core::flows::two_factor::{Completed, RecoveryShown, SecondFactorStep, TwoFactorError};

use super::csrf::Posted;
use super::layout::{self, Input};
use super::text::T;
use super::{Errors, Page, form_status, see_other};
use crate::http::context::{CookieKind, Ctx};
use crate::http::cookies;
use crate::http::error::ToApi;
use crate::messages::Msg;
use crate::state::AppState;
use secrecy::{ExposeSecret, SecretString};

/// The sign-in form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: SecretString,
}

/// The "forgot password" link, carrying an address already typed.
fn forgot_href(email: &str) -> String {
    let email = email.trim();
    if email.is_empty() {
        "/password/forgot".to_owned()
    } else {
        let q = serde_urlencoded::to_string([("email", email)]).unwrap_or_default();
        format!("/password/forgot?{q}")
    }
}

fn sign_in_view(page: &Page, scope: SessionScope, email: &str, errors: &Errors) -> Markup {
    let (action, other, other_text) = match scope {
        SessionScope::Settings => ("/settings/sign-in", "/sign-in", T::ToServiceSignIn),
        SessionScope::Service => ("/sign-in", "/settings/sign-in", T::ToSettingsSignIn),
    };
    html! {
        @if scope == SessionScope::Settings { p { (page.t(T::SettingsSignInIntro)) } }
        (layout::form(page, action, html! {
            (layout::general_errors(errors, &["email", "password"]))
            (Input::new("email", page.t(T::Email)).kind("email").value(email).autocomplete("username").render(errors))
            (layout::password(page, "password", T::Password, "current-password", false, errors))
            div.actions { button type="submit" { (page.t(T::SignInButton)) } }
        }))
        // The address already typed goes along (the script keeps the link up to date).
        p { a #forgot-link href=(forgot_href(email)) { (page.t(T::ForgotPasswordLink)) } }
        p { a href=(other) { (page.t(other_text)) } }
        (layout::providers(page, layout::ProviderUse::SignIn(scope), None))
    }
}

fn title_of(scope: SessionScope) -> T {
    match scope {
        SessionScope::Settings => T::SettingsSignInTitle,
        SessionScope::Service => T::SignInTitle,
    }
}

/// The sign-in page.
pub(crate) async fn sign_in_page(page: Page) -> Response {
    page.ok(
        T::SignInTitle,
        sign_in_view(&page, SessionScope::Service, "", &Errors::none()),
    )
}

/// The settings menu's own sign-in page (S2).
pub(crate) async fn settings_sign_in_page(page: Page) -> Response {
    page.ok(
        T::SettingsSignInTitle,
        sign_in_view(&page, SessionScope::Settings, "", &Errors::none()),
    )
}

/// Password sign-in (L1–L6, L9, L10).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<SignInForm>,
) -> Response {
    password_sign_in(state, page, jar, form, SessionScope::Service).await
}

/// Password sign-in to the settings menu (S2).
pub(crate) async fn settings_sign_in(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<SignInForm>,
) -> Response {
    password_sign_in(state, page, jar, form, SessionScope::Settings).await
}

async fn password_sign_in(
    state: AppState,
    page: Page,
    jar: CookieJar,
    form: SignInForm,
    scope: SessionScope,
) -> Response {
    let ctx = &page.ctx;
    let outcome = state
        .auth()
        .sign_in_with_password(PasswordSignIn {
            email: &form.email,
            password: PasswordCandidate::new(form.password.expose_secret()),
            client: ctx.client.clone(),
            scope,
            remembered_browser: ctx.token(CookieKind::Device),
        })
        .await;
    match outcome {
        Ok(SignInOutcome::SignedIn(grant)) => finish(&state, ctx, jar, grant, None).await,
        Ok(SignInOutcome::SecondFactorRequired(grant)) => {
            let jar = cookies::issue_pending(ctx, jar, &grant.token);
            (jar, see_other("/sign-in/step")).into_response()
        }
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                title_of(scope),
                sign_in_view(&page, scope, &form.email, &Errors::from_api(&e)),
            )
        }
    }
}

/// Sets the session cookie of a completed sign-in, drops the pending one, ends a session the
/// browser held before (the ID rotates at sign-in), and goes to the service or the settings
/// menu.
pub(crate) async fn finish(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    grant: SessionGrant,
    device: Option<SecretToken>,
) -> Response {
    let to = match grant.session.scope {
        SessionScope::Settings => "/settings",
        SessionScope::Service => "/home",
    };
    let jar = cookies::issue_session(state, ctx, jar, &grant, device.as_ref()).await;
    (jar, see_other(to)).into_response()
}

async fn completed(state: &AppState, page: &Page, jar: CookieJar, done: Completed) -> Response {
    finish(state, &page.ctx, jar, done.session, done.remembered_browser).await
}

/// The pending sign-in's token, or the page that says it expired.
fn pending(page: &Page) -> Result<SecretToken, Response> {
    page.ctx.token(CookieKind::Pending).ok_or_else(expired)
}

fn expired() -> Response {
    see_other("/sign-in?notice=sign_in_expired")
}

/// Where a refused second-factor step leads: an expired sign-in starts again; anything else
/// shows `form` again with the error.
fn step_error(
    page: &Page,
    e: TwoFactorError,
    form: impl FnOnce(&Errors) -> Markup,
    title: T,
) -> Response {
    match e {
        TwoFactorError::NoPendingSignIn => expired(),
        TwoFactorError::WrongStep => see_other("/sign-in/step"),
        e => {
            let e = e.to_api(page.lang());
            page.render(form_status(&e), title, form(&Errors::from_api(&e)))
        }
    }
}

/// The page of the current second-factor step.
pub(crate) async fn step(State(state): State<AppState>, page: Page) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.auth().second_factor_step(&token).await {
        Ok(SecondFactorStep::Sms { masked_phone, .. }) => page.ok(
            T::SmsCodeTitle,
            challenge_view(&page, Some(&masked_phone), &Errors::none()),
        ),
        Ok(SecondFactorStep::Totp) => page.ok(
            T::TotpCodeTitle,
            challenge_view(&page, None, &Errors::none()),
        ),
        Ok(SecondFactorStep::ConfirmRecoveryCode) => {
            let code = state.auth().unconfirmed_recovery_code(&token).await;
            let code = code.ok().flatten();
            page.ok(
                T::RecoveryCodeTitle,
                recovery_confirm_view(
                    &page,
                    code.as_ref()
                        .map(|c| c.display())
                        .as_deref()
                        .map(|s| s.as_str()),
                    &Errors::none(),
                ),
            )
        }
        Ok(SecondFactorStep::LineConsent { line }) => {
            page.ok(T::LineConsentTitle, line_consent_view(&page, line.as_str()))
        }
        Ok(_) => page.ok(
            T::ChooseFactorTitle,
            choose_view(&page, "", &Errors::none()),
        ),
        Err(TwoFactorError::NoPendingSignIn) => expired(),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// Enrolment: SMS first, the authenticator app second (T1, T2).
fn choose_view(page: &Page, phone: &str, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::ChooseFactorIntro)) }
        div.choices {
            section.choice {
                h2 { "1. " (page.t(T::SmsOption)) }
                p { (page.t(T::SmsOptionHelp)) }
                (layout::form(page, "/sign-in/sms", html! {
                    (layout::general_errors(errors, &["phone"]))
                    (Input::new("phone", page.t(T::PhoneNumber)).kind("tel").value(phone).autocomplete("tel").hint(page.t(T::PhoneHint)).render(errors))
                    button type="submit" { (page.t(T::SendCode)) }
                }))
            }
            section.choice {
                h2 { "2. " (page.t(T::TotpOption)) }
                p { (page.t(T::TotpOptionHelp)) }
                (layout::button_form(page, "/sign-in/totp", page.t(T::UseTotp), "secondary"))
            }
        }
    }
}

/// A phone number for SMS enrolment.
#[derive(Debug, Deserialize)]
pub(crate) struct PhoneForm {
    #[serde(default)]
    phone: String,
}

/// Enrol SMS: send a code to this number (T2).
pub(crate) async fn enrol_sms(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<PhoneForm>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.auth().enrol_sms(&token, &form.phone).await {
        Ok(_) => see_other("/sign-in/sms/code"),
        Err(e) => step_error(
            &page,
            e,
            |errors| choose_view(&page, &form.phone, errors),
            T::ChooseFactorTitle,
        ),
    }
}

/// Send the SMS code again (T7).
pub(crate) async fn resend_sms(
    State(state): State<AppState>,
    page: Page,
    Posted(_): Posted<Empty>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let enrolling = matches!(
        state.auth().second_factor_step(&token).await,
        Ok(SecondFactorStep::Enrol)
    );
    let back = if enrolling {
        "/sign-in/sms/code"
    } else {
        "/sign-in/step"
    };
    match state.auth().resend_sms(&token).await {
        Ok(_) => see_other(&format!("{back}?notice=code_sent")),
        Err(TwoFactorError::NoPendingSignIn) => expired(),
        Err(e) => {
            let e = e.to_api(page.lang());
            let errors = Errors::from_api(&e);
            if enrolling {
                page.render(
                    form_status(&e),
                    T::SmsCodeTitle,
                    enrol_code_view(&page, &errors),
                )
            } else {
                page.render(
                    form_status(&e),
                    T::SmsCodeTitle,
                    challenge_view(&page, Some(""), &errors),
                )
            }
        }
    }
}

/// A form with no fields but its token.
#[derive(Debug, Deserialize)]
pub(crate) struct Empty {}

/// The code field with "remember this browser" (L6).
fn code_fields(page: &Page, via: &str, errors: &Errors) -> Markup {
    html! {
        input type="hidden" name="via" value=(via);
        (Input::new("code", page.t(T::Code)).autocomplete("one-time-code").inputmode("numeric").render(errors))
        (layout::checkbox("remember_browser", page.t(T::RememberBrowser), false, errors))
    }
}

/// The SMS code of an enrolment.
fn enrol_code_view(page: &Page, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::SmsEnrolCodeIntro)) }
        (layout::form(page, "/sign-in/enrol", html! {
            (layout::general_errors(errors, &["code", "remember_browser"]))
            (code_fields(page, "sms", errors))
            div.actions { button type="submit" { (page.t(T::Confirm)) } }
        }))
        div.actions {
            (layout::button_form(page, "/sign-in/sms/resend", page.t(T::ResendCode), "secondary"))
            a href="/sign-in/step" { (page.t(T::UseAnotherNumber)) }
        }
    }
}

/// The page where the SMS code of an enrolment is typed.
pub(crate) async fn sms_code_page(page: Page) -> Response {
    if pending(&page).is_err() {
        return expired();
    }
    page.ok(T::SmsCodeTitle, enrol_code_view(&page, &Errors::none()))
}

/// Choose the authenticator app (T1).
pub(crate) async fn choose_totp(page: Page, Posted(_): Posted<Empty>) -> Response {
    if pending(&page).is_err() {
        return expired();
    }
    see_other("/sign-in/totp")
}

/// A secret to type by hand, in groups of four characters (authenticator apps ignore spaces).
fn in_groups_of_four(secret: &str) -> String {
    secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The enrolment page's body: `qr_svg` is the offer's URI drawn by [`crate::qr::totp_svg`].
fn totp_view(
    page: &Page,
    offer: &auth_core::domain::TotpOffer,
    qr_svg: &str,
    errors: &Errors,
) -> Markup {
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(qr_svg.as_bytes())
    );
    let secret = in_groups_of_four(&offer.secret_text);
    html! {
        ol {
            li { (page.t(T::TotpStepInstall)) }
            li {
                (page.t(T::TotpStepScan))
                img.qr src=(qr) alt=(page.t(T::QrAlt)) width="200" height="200";
                p { (page.t(T::TotpSecretIntro)) }
                p.secret id="totp-secret" { (secret) }
            }
            li { (page.t(T::TotpStepCode)) }
        }
        (layout::form(page, "/sign-in/enrol", html! {
            (layout::general_errors(errors, &["code", "remember_browser"]))
            (code_fields(page, "totp", errors))
            div.actions { button type="submit" { (page.t(T::Confirm)) } }
        }))
        p { a href="/sign-in/step" { (page.t(T::BackToChoice)) } }
    }
}

/// Authenticator enrolment: the QR code and the secret as text (T1, T2). Asking again shows
/// the same secret until the enrolment completes.
pub(crate) async fn totp_page(State(state): State<AppState>, page: Page) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.auth().offer_totp(&token).await {
        Ok(offer) => match crate::qr::totp_svg(&offer, page.lang()) {
            Ok(qr) => page.ok(
                T::TotpEnrolTitle,
                totp_view(&page, &offer, &qr, &Errors::none()),
            ),
            Err(e) => page.failure(&e),
        },
        Err(TwoFactorError::NoPendingSignIn) => expired(),
        Err(TwoFactorError::WrongStep) => see_other("/sign-in/step"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// A code typed.
#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: SecretString,
    /// Which enrolment form the code came from: `totp` or `sms`.
    #[serde(default)]
    via: String,
    #[serde(default)]
    remember_browser: bool,
}

/// Finish enrolment (T2, T3); the step page then shows the recovery code, again on every visit
/// until it is confirmed. A redirect, so that going back never asks to post the code again.
pub(crate) async fn finish_enrolment(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<CodeForm>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state
        .auth()
        .finish_enrolment(&token, form.code.expose_secret(), form.remember_browser)
        .await
    {
        Ok(shown) => recovery_shown(&state, &page, jar, shown).await,
        Err(TwoFactorError::NoPendingSignIn) => expired(),
        Err(e) => {
            // Show the form the code came from again; asking for the app's offer again shows
            // the same secret.
            let offer = if form.via == "totp" {
                state.auth().offer_totp(&token).await.ok()
            } else {
                None
            };
            match offer {
                Some(offer) => match crate::qr::totp_svg(&offer, page.lang()) {
                    Ok(qr) => step_error(
                        &page,
                        e,
                        |errors| totp_view(&page, &offer, &qr, errors),
                        T::TotpEnrolTitle,
                    ),
                    Err(failure) => page.failure(&failure),
                },
                None => step_error(
                    &page,
                    e,
                    |errors| enrol_code_view(&page, errors),
                    T::SmsCodeTitle,
                ),
            }
        }
    }
}

/// The code of an enrolled factor (T4), with "lost my device" (T5).
fn challenge_view(page: &Page, sms_to: Option<&str>, errors: &Errors) -> Markup {
    html! {
        @match sms_to {
            Some(to) if !to.is_empty() => p { (page.tf(T::SmsChallengeIntro, &[to])) },
            Some(_) => p { (page.t(T::SmsChallengeIntroPlain)) },
            None => p { (page.t(T::TotpChallengeIntro)) },
        }
        (layout::form(page, "/sign-in/challenge", html! {
            (layout::general_errors(errors, &["code", "remember_browser"]))
            (code_fields(page, "", errors))
            div.actions { button type="submit" { (page.t(T::Confirm)) } }
        }))
        @if sms_to.is_some() {
            (layout::button_form(page, "/sign-in/sms/resend", page.t(T::ResendCode), "secondary"))
        }
        p { a href="/sign-in/recovery" { (page.t(T::LostDeviceLink)) } }
    }
}

/// Answer the enrolled factor's challenge (T4).
pub(crate) async fn answer_challenge(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<CodeForm>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state
        .auth()
        .answer_challenge(&token, form.code.expose_secret(), form.remember_browser)
        .await
    {
        Ok(done) => completed(&state, &page, jar, done).await,
        Err(e) => {
            let sms_to = match state.auth().second_factor_step(&token).await {
                Ok(SecondFactorStep::Sms { masked_phone, .. }) => Some(masked_phone),
                _ => None,
            };
            let title = if sms_to.is_some() {
                T::SmsCodeTitle
            } else {
                T::TotpCodeTitle
            };
            step_error(
                &page,
                e,
                |errors| challenge_view(&page, sms_to.as_deref(), errors),
                title,
            )
        }
    }
}

/// The recovery code, shown until confirmed, and the "I saved it" confirmation (T3, T5).
fn recovery_confirm_view(page: &Page, code: Option<&str>, errors: &Errors) -> Markup {
    html! {
        @if let Some(code) = code {
            p { (page.t(T::RecoveryCodeIntro)) }
            p.code id="recovery-code" { (code) }
            p.warning { (page.t(T::RecoveryCodeWarning)) }
        } @else {
            p { (page.t(T::RecoveryCodeShownBefore)) }
        }
        (layout::form(page, "/sign-in/recovery/confirm", html! {
            (layout::general_errors(errors, &["saved"]))
            (layout::checkbox("saved", page.t(T::RecoverySaved), false, errors))
            div.actions { button type="submit" { (page.t(T::Continue)) } }
        }))
    }
}

/// The "I saved it" confirmation.
#[derive(Debug, Deserialize)]
pub(crate) struct SavedForm {
    #[serde(default)]
    saved: bool,
}

/// Confirm the recovery code was saved; completes the sign-in (T3, T5).
pub(crate) async fn confirm_recovery(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<SavedForm>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state
        .auth()
        .confirm_recovery_code_saved(&token, form.saved)
        .await
    {
        Ok(done) => completed(&state, &page, jar, done).await,
        Err(e) => {
            // The code is shown again with the error on the checkbox (T3).
            let code = state.auth().unconfirmed_recovery_code(&token).await;
            let code = code.ok().flatten();
            let shown = code.as_ref().map(|c| c.display());
            step_error(
                &page,
                e,
                |errors| recovery_confirm_view(&page, shown.as_deref().map(|s| s.as_str()), errors),
                T::RecoveryCodeTitle,
            )
        }
    }
}

fn recovery_view(page: &Page, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::LostDeviceIntro)) }
        (layout::form(page, "/sign-in/recovery", html! {
            (layout::general_errors(errors, &["code"]))
            (Input::new("code", page.t(T::RecoveryCode)).autocomplete("off").hint(page.t(T::RecoveryCodeHint)).render(errors))
            div.actions { button type="submit" { (page.t(T::Confirm)) } }
        }))
        p { a href="/sign-in/step" { (page.t(T::BackToCode)) } }
    }
}

/// "Lost my device": the recovery-code form (T5).
pub(crate) async fn recovery_page(page: Page) -> Response {
    if pending(&page).is_err() {
        return expired();
    }
    page.ok(T::LostDeviceTitle, recovery_view(&page, &Errors::none()))
}

/// After a new recovery code: replaces the pending cookie with the sign-in's new token, then
/// sends the browser to the step page that shows the code again (sealed for that new token)
/// when the pending sign-in keeps it (the usual case); else shows it in this answer, since it
/// exists nowhere else.
async fn recovery_shown(
    state: &AppState,
    page: &Page,
    jar: CookieJar,
    shown: RecoveryShown,
) -> Response {
    let jar = cookies::issue_pending(&page.ctx, jar, &shown.pending);
    let body = match state.auth().unconfirmed_recovery_code(&shown.pending).await {
        Ok(Some(_)) => see_other("/sign-in/step"),
        _ => page.ok(
            T::RecoveryCodeTitle,
            recovery_confirm_view(page, Some(shown.code.display().as_ref()), &Errors::none()),
        ),
    };
    (jar, body).into_response()
}

/// A recovery code as typed.
#[derive(Debug, Deserialize)]
pub(crate) struct RecoveryForm {
    #[serde(default)]
    code: SecretString,
}

/// Use the recovery code; shows the new one once (T5).
pub(crate) async fn use_recovery_code(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<RecoveryForm>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state
        .auth()
        .use_recovery_code(&token, form.code.expose_secret())
        .await
    {
        Ok(shown) => recovery_shown(&state, &page, jar, shown).await,
        Err(e) => step_error(
            &page,
            e,
            |errors| recovery_view(&page, errors),
            T::LostDeviceTitle,
        ),
    }
}

fn line_consent_view(page: &Page, line: &str) -> Markup {
    html! {
        p { (page.tf(T::LineConsentIntro, &[line])) }
        p { (page.t(T::LineConsentDetail)) }
        div.actions {
            (layout::button_form(page, "/sign-in/line-consent", page.t(T::LineConsentAgree), ""))
            (layout::button_form(page, "/sign-out", page.t(T::Cancel), "secondary"))
        }
    }
}

/// Consent to receive the West Japan line's details; completes the sign-in (N5).
pub(crate) async fn line_consent(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(_): Posted<Empty>,
) -> Response {
    let token = match pending(&page) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.auth().give_line_consent(&token).await {
        Ok(done) => completed(&state, &page, jar, done).await,
        Err(TwoFactorError::NoPendingSignIn) => expired(),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// Sign out of the service and the settings menu, and drop a pending sign-in (L11).
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Posted(_): Posted<Empty>,
) -> Response {
    match cookies::sign_out(&state, &page.ctx, jar).await {
        Ok(jar) => (jar, see_other("/sign-in?notice=signed_out")).into_response(),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// An address.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    email: String,
}

fn forgot_view(page: &Page, email: &str, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::ForgotIntro)) }
        (layout::form(page, "/password/forgot", html! {
            (layout::general_errors(errors, &["email"]))
            (Input::new("email", page.t(T::Email)).kind("email").value(email).autocomplete("username").render(errors))
            div.actions { button type="submit" { (page.t(T::SendResetLink)) } }
        }))
        p { a href="/sign-in" { (page.t(T::BackToSignIn)) } }
    }
}

/// An address carried over from the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ForgotQuery {
    #[serde(default)]
    email: String,
}

/// "Forgot password", with the address typed on the sign-in page if any.
pub(crate) async fn forgot_page(
    page: Page,
    axum::extract::Query(query): axum::extract::Query<ForgotQuery>,
) -> Response {
    // Only a plausible address is carried (it is shown back in the field, escaped).
    let email: String = query.email.trim().chars().take(254).collect();
    page.ok(T::ForgotTitle, forgot_view(&page, &email, &Errors::none()))
}

/// Ask for a reset link: the same answer whether or not the address is registered (P3).
pub(crate) async fn forgot(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<EmailForm>,
) -> Response {
    match state
        .auth()
        .request_password_reset(&form.email, &page.ctx.client)
        .await
    {
        Ok(()) => {
            // The worker resolves the queued request off the response path (L5, P3).
            state.wake_outbox();
            see_other("/password/forgot/sent")
        }
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                T::ForgotTitle,
                forgot_view(&page, &form.email, &Errors::from_api(&e)),
            )
        }
    }
}

/// The answer to "forgot password".
pub(crate) async fn forgot_sent(page: Page) -> Response {
    page.message(StatusCode::OK, T::ForgotSentTitle, T::ForgotSentBody)
}

fn reset_view(page: &Page, token: &str, email: &str, errors: &Errors) -> Markup {
    html! {
        p { (page.tf(T::ResetIntro, &[email])) }
        (layout::form(page, &format!("/password/reset/{token}"), html! {
            (layout::general_errors(errors, &["password", "confirmation"]))
            input type="hidden" name="username" autocomplete="username" value=(email);
            (layout::new_password_pair(page, errors))
            div.actions { button type="submit" { (page.t(T::SetPassword)) } }
        }))
    }
}

/// A reset link: the new-password form, or the link's problem (P3, I3).
pub(crate) async fn reset_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().check_reset_link(&token).await {
        Ok(form) => page.ok(
            T::ResetTitle,
            reset_view(&page, &token, form.email.as_str(), &Errors::none()),
        ),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// A new password with its confirmation.
#[derive(Debug, Deserialize)]
pub(crate) struct NewPasswordForm {
    #[serde(default)]
    pub(super) password: SecretString,
    #[serde(default)]
    pub(super) confirmation: SecretString,
}

/// Set the new password: unlocks, clears the second factor, ends all sessions (P3, L4, T6).
pub(crate) async fn reset(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    match state
        .auth()
        .reset_password(
            &token,
            form.password.expose_secret(),
            form.confirmation.expose_secret(),
            &page.ctx.client,
        )
        .await
    {
        Ok(()) => see_other("/sign-in?notice=password_reset"),
        Err(e) => {
            let e = e.to_api(page.lang());
            if e.rules.is_empty() {
                return page.failure(&e);
            }
            let email = state
                .auth()
                .check_reset_link(&token)
                .await
                .map(|f| f.email.as_str().to_owned())
                .unwrap_or_default();
            page.render(
                form_status(&e),
                T::ResetTitle,
                reset_view(&page, &token, &email, &Errors::from_api(&e)),
            )
        }
    }
}

/// The unlock link's landing page: a button that POSTs; a GET never unlocks (L4).
pub(crate) async fn unlock_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().check_unlock_link(&token).await {
        Ok(()) => {}
        // Used already: say so, and what to do now (never the "locked" text again).
        Err(auth_core::flows::unlock::UnlockError::Ticket(
            auth_core::domain::TicketError::Used,
        )) => {
            let body = html! {
                p.error role="alert" { (crate::messages::text(Msg::LinkUsed, page.lang())) }
                p { (page.t(T::UnlockUsedHelp)) }
                p { a.button href="/sign-in" { (page.t(T::SignInButton)) } }
                p { a href="/password/forgot" { (page.t(T::ForgotPasswordLink)) } }
            };
            return page.render(StatusCode::NOT_FOUND, T::LinkProblemTitle, body);
        }
        Err(e) => return page.failure(&e.to_api(page.lang())),
    }
    let body = html! {
        p { (page.t(T::UnlockIntro)) }
        (layout::button_form(&page, &format!("/unlock/{token}"), page.t(T::UnlockButton), ""))
    };
    page.ok(T::UnlockTitle, body)
}

/// Unlock the account (L4).
pub(crate) async fn unlock(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    match state.auth().unlock(&token, &page.ctx.client).await {
        Ok(()) => see_other("/sign-in?notice=unlocked"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}
