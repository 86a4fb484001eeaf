//! Federated sign-in pages (L7): a button's form starts the provider round trip, the
//! provider sends the browser back to the callback, which finishes it with the same use case
//! as the API and continues as the purpose demands. An invitation goes through its
//! confirmation page first (I2).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use maud::html;
use serde::Deserialize;

use auth_core::domain::{PresentedToken, SessionScope};
use auth_core::flows::federation::{FederationFor, FederationOutcome};
use auth_core::flows::signin::SignInOutcome;

use super::csrf::Posted;
use super::layout;
use super::text::T;
use super::{Page, see_other};
use crate::http::Listener;
use crate::http::api::federation::{FederationCallbackBody, finish, provider_of};
use crate::http::context::CookieKind;
use crate::http::error::{ApiError, ToApi};
use crate::state::AppState;

/// A provider button's form.
#[derive(Deserialize)]
pub(crate) struct StartForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    token: String,
}

/// Starts a provider round trip: the browser key goes into a cookie, the browser to the
/// provider.
pub(crate) async fn start(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(provider): Path<String>,
    Posted(form): Posted<StartForm>,
) -> Response {
    let ctx = &page.ctx;
    let provider = match provider_of(&provider, ctx) {
        Ok(p) => p,
        Err(e) => return page.failure(&e),
    };
    let me;
    let purpose = match form.purpose.as_str() {
        "sign_in" => FederationFor::SignIn {
            scope: SessionScope::Service,
        },
        "settings_sign_in" => FederationFor::SignIn {
            scope: SessionScope::Settings,
        },
        "invitation" => FederationFor::Invitation {
            token: PresentedToken::new(&form.token),
        },
        "own_method" => {
            me = match super::signed_in(&state, &page, SessionScope::Settings).await {
                Ok(s) => s,
                Err(r) => return r,
            };
            FederationFor::OwnMethod { me: &me }
        }
        "method_change" => FederationFor::MethodChange {
            token: PresentedToken::new(&form.token),
        },
        _ => return page.failure(&ApiError::bad_request("purpose", page.lang())),
    };
    match state
        .auth()
        .start_federation(
            provider,
            purpose,
            &state.federation_callback(listener, provider),
        )
        .await
    {
        Ok(redirect) => {
            let jar = jar.add(ctx.cookie(
                CookieKind::Federation,
                redirect.browser_key.expose().to_string(),
            ));
            (jar, onward(&page, &redirect.authorization_url)).into_response()
        }
        Err(e) => failed(&page, &e.to_api(page.lang())),
    }
}

/// The provider's answer: finishes the round trip and continues with its purpose.
pub(crate) async fn callback(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(provider): Path<String>,
    Query(query): Query<FederationCallbackBody>,
) -> Response {
    let ctx = &page.ctx;
    let provider = match provider_of(&provider, ctx) {
        Ok(p) => p,
        Err(e) => return page.failure(&e),
    };
    let (jar, outcome) = finish(&state, listener, ctx, jar, provider, &query.into()).await;
    continue_after(&state, &page, jar, outcome).await
}

/// Where a finished round trip (provider or AD) takes the browser: the session of a sign-in,
/// the step it still needs, or what the binding did; a refusal's page otherwise.
pub(crate) async fn continue_after(
    state: &AppState,
    page: &Page,
    jar: CookieJar,
    outcome: Result<FederationOutcome, auth_core::flows::federation::FederationError>,
) -> Response {
    let ctx = &page.ctx;
    match outcome {
        Ok(FederationOutcome::SignIn(SignInOutcome::SignedIn(grant))) => {
            super::signin::finish(state, ctx, jar, grant, None).await
        }
        Ok(FederationOutcome::SignIn(SignInOutcome::SecondFactorRequired(grant))) => {
            let jar = crate::http::cookies::issue_pending(ctx, jar, &grant.token);
            (jar, see_other("/sign-in/step")).into_response()
        }
        Ok(FederationOutcome::Registered(_)) => {
            (jar, see_other("/invitation-accepted")).into_response()
        }
        Ok(FederationOutcome::OwnMethodChanged) => {
            (jar, see_other("/settings?notice=own_method_changed")).into_response()
        }
        Ok(FederationOutcome::MethodChanged) => {
            let body = html! {
                p { (page.t(T::MethodChangedBody)) }
                p { a.button href="/sign-in" { (page.t(T::SignInButton)) } }
            };
            (jar, page.ok(T::MethodChangedTitle, body)).into_response()
        }
        Err(e) => (jar, failed(page, &e.to_api(page.lang()))).into_response(),
    }
}

/// The confirmation page of a registration with a provider (I2): what will be registered,
/// and the button that goes to the provider.
pub(crate) async fn review_invitation(
    State(state): State<AppState>,
    mut page: Page,
    Path((token, provider)): Path<(String, String)>,
) -> Response {
    let provider = match provider_of(&provider, &page.ctx) {
        Ok(p) if page.providers.contains(&p) => p,
        Ok(_) => {
            return page.failure(
                &auth_core::flows::federation::FederationError::NotConfigured.to_api(page.lang()),
            );
        }
        Err(e) => return page.failure(&e),
    };
    let view = match state.auth().open_invitation(&token).await {
        Ok(view) => view,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    // I1: in the invitation's language, unless the visitor chose one.
    page.prefer(crate::messages::Lang::of_locale(view.locale));
    let name = layout::provider_name(provider, page.lang());
    let button = page.t(T::ContinueToProvider);
    let body = html! {
        p { (page.tf(T::ProviderReviewIntro, &[button])) }
        (layout::details(&[
            (page.t(T::Contract), view.contract_name.as_str().to_owned()),
            (page.t(T::Name), view.name.as_str().to_owned()),
            (page.t(T::SignInId), view.email.as_str().to_owned()),
            (page.t(T::LoginMethod), name.to_owned()),
        ]))
        (layout::form(&page, &format!("/federation/{}/start", provider.as_str()), html! {
            input type="hidden" name="purpose" value="invitation";
            input type="hidden" name="token" value=(token);
            div.actions { button type="submit" id="continue" { (button) } }
        }))
        p { a href={ "/invitation/" (token) } { (page.t(T::BackToEdit)) } }
    };
    page.ok(T::ReviewTitle, body)
}

/// The page that sends the browser on to the provider. A form's answer may not redirect to
/// another origin (the pages' `form-action 'self'` policy also governs redirects), so the
/// answer is a page that navigates there itself — the `Refresh` header and its `<meta>` twin,
/// which need no script — with a link for anyone whose browser does neither.
pub(crate) fn onward(page: &Page, to: &str) -> Response {
    let body = html! {
        meta http-equiv="refresh" content={ "0;url=" (to) };
        p { a.button href=(to) rel="noreferrer" { (page.t(T::ContinueToProviderLink)) } }
    };
    let mut response = page.ok(T::ContinueToProviderTitle, body);
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("0;url={to}")) {
        response
            .headers_mut()
            .insert(axum::http::header::REFRESH, value);
    }
    response
}

/// A refused round trip: what went wrong, and the way back to sign in. Password sign-in is
/// untouched.
pub(crate) fn failed(page: &Page, e: &ApiError) -> Response {
    if e.status == StatusCode::SERVICE_UNAVAILABLE {
        return page.failure(e);
    }
    let body = html! {
        div.errors role="alert" { p { (crate::messages::text(e.msg, page.lang())) } }
        p { a.button href="/sign-in" { (page.t(T::BackToSignIn)) } }
    };
    page.render(e.status, T::FederationFailedTitle, body)
}
