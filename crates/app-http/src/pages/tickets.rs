//! Pages of the links in mails: invitation (I2, I3), e-mail change (E1, E2) and login-method
//! change (M2). A GET checks the link and shows its form; nothing is written before the POST.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use auth_core::domain::MethodChoice;
use auth_core::flows::invitations::InvitationView;

use super::csrf::Posted;
use super::layout;
use super::signin::NewPasswordForm;
use super::text::T;
use super::{Errors, Page, form_status, see_other};
use crate::http::error::ToApi;
use crate::state::AppState;
use secrecy::{ExposeSecret, SecretString};

fn choice(form: &NewPasswordForm) -> MethodChoice<'_> {
    MethodChoice::Password {
        password: form.password.expose_secret(),
        confirmation: form.confirmation.expose_secret(),
    }
}

fn invitation_view(page: &Page, token: &str, view: &InvitationView, errors: &Errors) -> Markup {
    let connection = view.connection.as_ref().map(|c| c.as_str());
    html! {
        p { (page.tf(T::InvitationIntro, &[view.contract_name.as_str()])) }
        (layout::details(&[
            (page.t(T::Name), view.name.as_str().to_owned()),
            (page.t(T::SignInId), view.email.as_str().to_owned()),
        ]))
        h2 { (page.t(T::ChooseMethodTitle)) }
        section.choice {
            h2 { (page.t(T::MethodPassword)) }
            (layout::form(page, &format!("/invitation/{token}/review"), html! {
                (layout::general_errors(errors, &["password", "confirmation"]))
                input type="hidden" name="username" autocomplete="username" value=(view.email.as_str());
                (layout::new_password_pair(page, errors))
                div.actions { button type="submit" { (page.t(T::ReviewButton)) } }
            }))
        }
        (layout::providers(page, layout::ProviderUse::Invitation(token), connection))
    }
}

/// An invitation link: the invitee chooses a login method (I2), or the link's problem (I3).
pub(crate) async fn invitation_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().open_invitation(&token).await {
        Ok(view) => page.ok(
            T::InvitationTitle,
            invitation_view(&page, &token, &view, &Errors::none()),
        ),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The confirmation page (I2): the chosen method is checked, nothing is written. The password
/// travels on in hidden fields of this answer only (never stored, never in a URL), so that
/// "Register" sends it again.
pub(crate) async fn review_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    match state.auth().review_invitation(&token, &choice(&form)).await {
        Ok(view) => {
            let body = html! {
                p { (page.t(T::ReviewIntro)) }
                (layout::details(&[
                    (page.t(T::Contract), view.contract_name.as_str().to_owned()),
                    (page.t(T::Name), view.name.as_str().to_owned()),
                    (page.t(T::SignInId), view.email.as_str().to_owned()),
                    (page.t(T::LoginMethod), page.t(T::MethodPassword).to_owned()),
                ]))
                (layout::form(&page, &format!("/invitation/{token}"), html! {
                    input type="hidden" name="password" value=(form.password.expose_secret());
                    input type="hidden" name="confirmation" value=(form.confirmation.expose_secret());
                    div.actions { button type="submit" { (page.t(T::RegisterButton)) } }
                }))
                p { a href={ "/invitation/" (token) } { (page.t(T::BackToEdit)) } }
            };
            page.ok(T::ReviewTitle, body)
        }
        Err(e) => refused_invitation(&state, &page, &token, e).await,
    }
}

async fn refused_invitation(
    state: &AppState,
    page: &Page,
    token: &str,
    e: auth_core::flows::invitations::RegistrationError,
) -> Response {
    let e = e.to_api(page.lang());
    match state.auth().open_invitation(token).await {
        Ok(view) if e.status != StatusCode::NOT_FOUND && e.status != StatusCode::GONE => page
            .render(
                form_status(&e),
                T::InvitationTitle,
                invitation_view(page, token, &view, &Errors::from_api(&e)),
            ),
        _ => page.failure(&e),
    }
}

/// Complete the registration (I2).
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    match state
        .auth()
        .accept_invitation(&token, &choice(&form), &page.ctx.client)
        .await
    {
        Ok(_) => see_other("/invitation-accepted"),
        Err(e) => refused_invitation(&state, &page, &token, e).await,
    }
}

/// Registration is complete.
pub(crate) async fn invitation_done(page: Page) -> Response {
    let body = html! {
        p { (page.t(T::RegisteredBody)) }
        p { a.button href="/sign-in" { (page.t(T::SignInButton)) } }
    };
    page.ok(T::RegisteredTitle, body)
}

fn email_change_view(
    page: &Page,
    token: &str,
    new_email: &str,
    needs_password: bool,
    errors: &Errors,
) -> Markup {
    html! {
        p { (page.tf(T::EmailChangeIntro, &[new_email])) }
        (layout::form(page, &format!("/email-change/{token}"), html! {
            (layout::general_errors(errors, &["password", "confirmation"]))
            @if needs_password {
                p { (page.t(T::EmailChangeNeedsPassword)) }
                input type="hidden" name="username" autocomplete="username" value=(new_email);
                (layout::new_password_pair(page, errors))
            }
            div.actions { button type="submit" { (page.t(T::CompleteChange)) } }
        }))
    }
}

/// An e-mail change link (E1, E2): the new address, and for password accounts the new
/// password.
pub(crate) async fn email_change_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().open_email_change(&token).await {
        Ok(view) => page.ok(
            T::EmailChangeTitle,
            email_change_view(
                &page,
                &token,
                view.new_email.as_str(),
                view.needs_password,
                &Errors::none(),
            ),
        ),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The optional new password of an e-mail change.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct EmailChangeForm {
    password: Option<SecretString>,
    confirmation: Option<SecretString>,
}

/// Complete the e-mail change (E1, E2, T6).
pub(crate) async fn complete_email_change(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<EmailChangeForm>,
) -> Response {
    let password = form.password.as_ref().map(|p| p.expose_secret()).map(|p| {
        (
            p,
            form.confirmation.as_ref().map_or("", |c| c.expose_secret()),
        )
    });
    match state
        .auth()
        .complete_email_change(&token, password, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/sign-in?notice=email_changed"),
        Err(e) => {
            let e = e.to_api(page.lang());
            match state.auth().open_email_change(&token).await {
                Ok(view) if !e.rules.is_empty() || e.field.is_some() => page.render(
                    form_status(&e),
                    T::EmailChangeTitle,
                    email_change_view(
                        &page,
                        &token,
                        view.new_email.as_str(),
                        view.needs_password,
                        &Errors::from_api(&e),
                    ),
                ),
                _ => page.failure(&e),
            }
        }
    }
}

fn method_change_view(
    page: &Page,
    token: &str,
    email: &str,
    connection: Option<&str>,
    errors: &Errors,
) -> Markup {
    html! {
        p { (page.tf(T::MethodChangeIntro, &[email])) }
        section.choice {
            h2 { (page.t(T::MethodPassword)) }
            (layout::form(page, &format!("/login-method/{token}"), html! {
                (layout::general_errors(errors, &["password", "confirmation"]))
                input type="hidden" name="username" autocomplete="username" value=(email);
                (layout::new_password_pair(page, errors))
                div.actions { button type="submit" { (page.t(T::SetMethodButton)) } }
            }))
        }
        (layout::providers(page, layout::ProviderUse::MethodChange(token), connection))
    }
}

/// A login-method change link (M2).
pub(crate) async fn method_change_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().open_method_change(&token).await {
        Ok(view) => page.ok(
            T::MethodChangeTitle,
            method_change_view(
                &page,
                &token,
                view.email.as_str(),
                view.connection.as_ref().map(|c| c.as_str()),
                &Errors::none(),
            ),
        ),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// Complete the login-method change (M2, M3, T6).
pub(crate) async fn complete_method_change(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    match state
        .auth()
        .complete_method_change(&token, &choice(&form), &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/sign-in?notice=method_changed"),
        Err(e) => {
            let e = e.to_api(page.lang());
            match state.auth().open_method_change(&token).await {
                Ok(view) if e.status != StatusCode::NOT_FOUND && e.status != StatusCode::GONE => {
                    page.render(
                        form_status(&e),
                        T::MethodChangeTitle,
                        method_change_view(
                            &page,
                            &token,
                            view.email.as_str(),
                            view.connection.as_ref().map(|c| c.as_str()),
                            &Errors::from_api(&e),
                        ),
                    )
                }
                _ => page.failure(&e),
            }
        }
    }
}
