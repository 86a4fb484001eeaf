//! Pages of the links in mails: invitation (I2, I3), e-mail change (E1, E2) and login-method
//! change (M2). A GET checks the link and shows its form; nothing is written before the POST.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use auth_core::domain::MethodChoice;
use auth_core::flows::invitations::InvitationView;
use auth_core::flows::invitations::RegistrationError;

use super::csrf::Posted;
use super::layout;
use super::signin::{Empty, NewPasswordForm};
use super::text::T;
use super::{Errors, Page, form_status, see_other};
use crate::http::context::CookieKind;
use crate::http::error::ToApi;
use crate::messages::Lang;
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
            @if view.password_kept && errors.is_empty() {
                p.notice role="status" { (page.t(T::PasswordKeptNote)) }
                p { a.button href={ "/invitation/" (token) "/review" } { (page.t(T::BackToReview)) } }
            }
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

/// The registration pages follow the invitation's language unless the visitor chose one (I1).
fn follow_invitation(page: &mut Page, view: &InvitationView) {
    page.prefer(Lang::of_locale(view.locale));
}

/// An invitation link: the invitee chooses a login method (I2), or the link's problem (I3).
/// The page is in the invitation's language (I1). When a password was kept at the review
/// step, the page says so and leads back to the review; a new password replaces it.
pub(crate) async fn invitation_page(
    State(state): State<AppState>,
    mut page: Page,
    Path(token): Path<String>,
) -> Response {
    match state.auth().open_invitation(&token).await {
        Ok(view) => {
            follow_invitation(&mut page, &view);
            page.ok(
                T::InvitationTitle,
                invitation_view(&page, &token, &view, &Errors::none()),
            )
        }
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The review step's form (I2): the password is checked and its hash kept with the pending
/// invitation ([`auth_core::domain::Invitation::reviewed_password`]), never sent back to the
/// browser; then the confirmation page is shown by a GET (so reloading it is harmless).
pub(crate) async fn review_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    match state
        .auth()
        .keep_reviewed_password(
            &token,
            form.password.expose_secret(),
            form.confirmation.expose_secret(),
        )
        .await
    {
        Ok(_) => see_other(&format!("/invitation/{token}/review")),
        Err(e) => refused_invitation(&state, page, &token, e).await,
    }
}

/// The confirmation page (I2): what will be registered, with no password in it — the one
/// chosen is kept server-side. "Back to change" returns to the form, which says that the
/// password is kept. Without a kept password, the form is shown instead.
pub(crate) async fn review_page(
    State(state): State<AppState>,
    mut page: Page,
    Path(token): Path<String>,
) -> Response {
    let view = match state.auth().open_invitation(&token).await {
        Ok(view) => view,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    if !view.password_kept {
        return see_other(&format!("/invitation/{token}"));
    }
    follow_invitation(&mut page, &view);
    let body = html! {
        p { (page.t(T::ReviewIntro)) }
        (layout::details(&[
            (page.t(T::Contract), view.contract_name.as_str().to_owned()),
            (page.t(T::Name), view.name.as_str().to_owned()),
            (page.t(T::SignInId), view.email.as_str().to_owned()),
            (page.t(T::LoginMethod), page.t(T::MethodPassword).to_owned()),
        ]))
        p { (page.t(T::ReviewPasswordNote)) }
        (layout::form(&page, &format!("/invitation/{token}"), html! {
            div.actions { button type="submit" { (page.t(T::RegisterButton)) } }
        }))
        p { a href={ "/invitation/" (token) } { (page.t(T::BackToEdit)) } }
    };
    page.ok(T::ReviewTitle, body)
}

async fn refused_invitation(
    state: &AppState,
    mut page: Page,
    token: &str,
    e: RegistrationError,
) -> Response {
    match state.auth().open_invitation(token).await {
        Ok(view) => {
            follow_invitation(&mut page, &view);
            let e = e.to_api(page.lang());
            if e.status != StatusCode::NOT_FOUND && e.status != StatusCode::GONE {
                page.render(
                    form_status(&e),
                    T::InvitationTitle,
                    invitation_view(&page, token, &view, &Errors::from_api(&e)),
                )
            } else {
                page.failure(&e)
            }
        }
        Err(_) => page.failure(&e.to_api(page.lang())),
    }
}

/// Complete the registration (I2) with the password kept at the review step. Without one
/// (e.g. the invitation was resent meanwhile), back to the form. The browser remembers the
/// invitation's language (unless the visitor chose one), so that the next pages — and the
/// sign-in — stay in it.
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    mut page: Page,
    Path(token): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let view = match state.auth().open_invitation(&token).await {
        Ok(view) => view,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    follow_invitation(&mut page, &view);
    match state
        .auth()
        .accept_reviewed_invitation(&token, &page.ctx.client)
        .await
    {
        Ok(_) => {
            let done = see_other("/invitation-accepted");
            if page.chose_lang() {
                done
            } else {
                let cookie = page
                    .ctx
                    .cookie(CookieKind::Lang, page.lang().tag().to_owned());
                (page.ctx.jar.clone().add(cookie), done).into_response()
            }
        }
        Err(RegistrationError::ReviewRequired) => see_other(&format!("/invitation/{token}")),
        Err(e) => refused_invitation(&state, page, &token, e).await,
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
