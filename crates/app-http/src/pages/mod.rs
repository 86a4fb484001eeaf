//! Server-rendered pages for every flow, in Japanese and English, on the same use cases as the
//! JSON API (X8): one thin handler per step — parse the form, call one use case, redirect on
//! success (POST, then redirect, then GET) or show the form again with each error beside its
//! field.
//!
//! Pages work without JavaScript; a small same-origin script only adds the show/hide toggle of
//! password fields. Every form carries a CSRF token bound to a cookie ([`csrf`]). Texts live in
//! one catalogue per language ([`text`]); handlers hold none.

// Helpers return the page to show instead (a redirect or an error page) as their error: a
// whole response is what a handler answers with, and these paths are not hot.
#![allow(clippy::result_large_err)]

mod account;
mod admin;
mod assets;
pub mod csrf;
mod directory;
mod federation;
mod layout;
#[cfg(test)]
mod redaction_tests;
mod settings;
mod signin;
pub mod text;
mod tickets;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maud::{Markup, html};
use serde::Deserialize;

use auth_core::domain::{PasswordRule, Session, SessionScope};

use crate::http::context::{CookieKind, Ctx};
use crate::http::error::ApiError;
use crate::messages::{self, Lang, Msg};
use crate::state::AppState;
use auth_core::domain::TicketPurpose;
use text::T;

/// Every page route.
pub fn routes(state: AppState) -> Router<AppState> {
    let limited = Router::new()
        .route("/sign-in", post(signin::sign_in))
        .route("/settings/sign-in", post(signin::settings_sign_in))
        .route("/sign-in/sms", post(signin::enrol_sms))
        .route("/sign-in/sms/resend", post(signin::resend_sms))
        .route("/sign-in/enrol", post(signin::finish_enrolment))
        .route("/sign-in/challenge", post(signin::answer_challenge))
        .route("/sign-in/recovery", post(signin::use_recovery_code))
        .route("/password/forgot", post(signin::forgot))
        .route(&TicketPurpose::Unlock.page_route(), post(signin::unlock))
        .route("/federation/{provider}/start", post(federation::start))
        .route("/federation/{provider}/callback", get(federation::callback))
        .route("/ad", post(directory::enter))
        .route("/ad/{connection}", post(directory::sign_in))
        .route("/ad/{connection}/saml/finish", post(directory::saml_finish))
        .route("/ad/{connection}/callback", get(directory::oidc_callback))
        .route("/invitation/{token}/ad", post(directory::start_invitation))
        .route(
            "/login-method/{token}/ad",
            post(directory::start_method_change),
        )
        .route("/admin/invite", post(admin::invite))
        .route(
            "/admin/invitations/{id}/resend",
            post(admin::resend_invitation),
        )
        .route_layer(axum::middleware::from_fn_with_state(state, rate_limited));
    Router::new()
        .merge(limited)
        .route("/", get(account::root))
        .route("/assets/tobira.css", get(assets::css))
        .route("/assets/tobira.js", get(assets::js))
        .route("/ad", get(directory::entry_page))
        .route("/ad/{connection}", get(directory::sign_in_page))
        .route("/ad/{connection}/saml", post(directory::saml_consumer))
        .route(
            "/ad/{connection}/saml/metadata",
            get(directory::sp_metadata),
        )
        .route("/invitation/{token}/ad", get(directory::confirm_invitation))
        .route(
            "/login-method/{token}/ad",
            get(directory::confirm_method_change),
        )
        .route("/lang/{tag}", get(switch_language))
        .route("/sign-in", get(signin::sign_in_page))
        .route("/settings/sign-in", get(signin::settings_sign_in_page))
        .route("/sign-in/step", get(signin::step))
        .route("/sign-in/sms/code", get(signin::sms_code_page))
        .route(
            "/sign-in/totp",
            get(signin::totp_page).post(signin::choose_totp),
        )
        .route("/sign-in/recovery", get(signin::recovery_page))
        .route("/sign-in/recovery/confirm", post(signin::confirm_recovery))
        .route("/sign-in/line-consent", post(signin::line_consent))
        .route("/sign-out", post(signin::sign_out))
        .route("/password/forgot", get(signin::forgot_page))
        .route("/password/forgot/sent", get(signin::forgot_sent))
        .route(
            &TicketPurpose::PasswordReset.page_route(),
            get(signin::reset_page).post(signin::reset),
        )
        .route(
            &TicketPurpose::Unlock.page_route(),
            get(signin::unlock_page),
        )
        .route(
            &TicketPurpose::Invitation.page_route(),
            get(tickets::invitation_page).post(tickets::accept_invitation),
        )
        .route(
            "/invitation/{token}/review",
            get(tickets::review_page).post(tickets::review_invitation),
        )
        .route("/invitation-accepted", get(tickets::invitation_done))
        .route(
            "/invitation/{token}/provider/{provider}",
            get(federation::review_invitation),
        )
        .route(
            &TicketPurpose::EmailChange.page_route(),
            get(tickets::email_change_page).post(tickets::complete_email_change),
        )
        .route(
            &TicketPurpose::LoginMethodChange.page_route(),
            get(tickets::method_change_page).post(tickets::complete_method_change),
        )
        .route("/home", get(account::home))
        .route("/sessions", get(account::sessions))
        .route("/sessions/{id}/end", post(account::end_session))
        .route("/settings", get(settings::menu))
        .route(
            "/settings/language",
            get(settings::language_page).post(settings::set_language),
        )
        .route(
            "/settings/password",
            get(settings::password_page).post(settings::change_password),
        )
        .route(
            "/settings/email",
            get(settings::email_page).post(settings::request_email_change),
        )
        .route(
            "/settings/login-method",
            get(settings::method_page).post(settings::set_login_method),
        )
        .route(
            "/settings/access-route",
            get(settings::route_page).post(settings::set_route),
        )
        .route(
            "/settings/access-route/confirm",
            get(settings::route_confirm),
        )
        .route(
            "/settings/two-factor",
            get(settings::two_factor_page).post(settings::set_two_factor),
        )
        .route(
            "/settings/active-directory",
            get(settings::ad_page).post(settings::enable_ad),
        )
        .route("/settings/active-directory/edit", post(settings::edit_ad))
        .route(
            "/settings/active-directory/metadata",
            post(settings::reread_ad),
        )
        .route(
            "/settings/active-directory/off",
            post(settings::turn_off_ad),
        )
        .route(
            "/settings/contract",
            get(settings::contract_page).post(settings::change_contract),
        )
        .route(
            "/settings/plan",
            get(settings::plan_page).post(settings::upgrade),
        )
        .route(
            "/settings/cancel",
            get(settings::cancel_page).post(settings::cancel),
        )
        .route("/admin", get(admin::users))
        .route("/admin/invite", get(admin::invite_page))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/change", post(admin::send_change))
        .route("/admin/users/{id}/end-sessions", post(admin::end_sessions))
        .route(
            "/admin/users/{id}/remove",
            get(admin::remove_page).post(admin::remove),
        )
        .route(
            "/admin/invitations/{id}/withdraw",
            post(admin::withdraw_invitation),
        )
        .route("/admin/lines", get(admin::lines).post(admin::add_line))
        .route(
            "/admin/lines/{line}/remove",
            get(admin::remove_line_confirm).post(admin::remove_line),
        )
        .route(
            "/admin/access-route",
            get(settings::admin_route_page).post(settings::admin_set_route),
        )
        .route(
            "/admin/access-route/confirm",
            get(settings::admin_route_confirm),
        )
        .route("/admin/audit", get(admin::audit))
}

/// What every page handler has: the request's context, its CSRF token (from the cookie, or
/// fresh and then set with the page), the path shown and a notice to show.
pub struct Page {
    /// The request's context.
    pub ctx: Ctx,
    /// The CSRF token forms carry.
    pub csrf: String,
    new_csrf: bool,
    /// The path of this page (for the language switch).
    path: String,
    /// A notice named by the `notice` query parameter.
    notice: Option<T>,
    /// The federated providers this deployment offers (L7).
    pub providers: Vec<auth_core::domain::Provider>,
    /// Whether the visitor chose the language (the `lang` query parameter, or the language
    /// cookie the visible switch sets) rather than the browser's `Accept-Language`.
    chosen_lang: bool,
}

impl<S> FromRequestParts<S> for Page
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let mut page = Page::from_ctx(ctx);
        page.providers = AppState::from_ref(state).auth().identity_providers();
        page.path = parts.uri.path().to_owned();
        page.chosen_lang = parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("lang=")))
            || page
                .ctx
                .jar
                .get(&CookieKind::Lang.name(page.ctx.secure))
                .is_some();
        page.notice = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("notice="))
                .and_then(text::notice)
        });
        Ok(page)
    }
}

impl Page {
    /// The page context of a request context.
    pub fn from_ctx(ctx: Ctx) -> Self {
        let (csrf, new_csrf) = match csrf::token_of(&ctx) {
            Some(token) => (token, false),
            None => (csrf::generate(), true),
        };
        Self {
            ctx,
            csrf,
            new_csrf,
            path: "/".into(),
            notice: None,
            providers: Vec::new(),
            chosen_lang: false,
        }
    }

    /// Shows the page in `lang` unless the visitor chose a language (I1: the registration
    /// pages of an invitation open in the invitation's language; the visible switch still
    /// changes it).
    pub fn prefer(&mut self, lang: Lang) {
        if !self.chosen_lang {
            self.ctx.lang = lang;
        }
    }

    /// Whether the visitor chose the language (query or the switch's cookie).
    pub fn chose_lang(&self) -> bool {
        self.chosen_lang
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.ctx.lang
    }

    /// A text in the page's language.
    pub fn t(&self, key: T) -> &'static str {
        text::t(key, self.ctx.lang)
    }

    /// A text with its `{}` placeholders filled in order.
    pub fn tf(&self, key: T, args: &[&str]) -> String {
        text::fill(self.t(key), args)
    }

    /// A whole page: the layout around `body`, with the CSRF cookie when it is new.
    pub fn render(&self, status: StatusCode, title: T, body: Markup) -> Response {
        let markup = layout::shell(self, title, body);
        let mut response = (status, Html(markup.into_string())).into_response();
        if self.new_csrf {
            let cookie = csrf::cookie(&self.ctx, self.csrf.clone());
            if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }

    /// A page of 200.
    pub fn ok(&self, title: T, body: Markup) -> Response {
        self.render(StatusCode::OK, title, body)
    }

    /// A page that only says something, with a way home.
    pub fn message(&self, status: StatusCode, title: T, body: T) -> Response {
        self.render(
            status,
            title,
            html! {
                p { (self.t(body)) }
                p { a href="/" { (self.t(T::BackToStart)) } }
            },
        )
    }

    /// The page of an error that concerns no form: its message, and where to go.
    pub fn failure(&self, e: &ApiError) -> Response {
        let link_problem = matches!(
            e.msg,
            Msg::LinkExpired | Msg::LinkUsed | Msg::LinkVoided | Msg::LinkInvalid
        );
        let title = if link_problem {
            T::LinkProblemTitle
        } else {
            T::ErrorTitle
        };
        self.render(
            e.status,
            title,
            html! {
                p.error role="alert" { (messages::text(e.msg, self.lang())) }
                @if link_problem { p { (self.t(T::LinkProblemHelp)) } }
                p { a href="/" { (self.t(T::BackToStart)) } }
            },
        )
    }
}

/// Any address that names no page: a page in the visitor's language with a way back (under
/// `/api/`, the API's own error shape replaces it).
pub(crate) async fn not_found(page: Page) -> Response {
    page.message(StatusCode::NOT_FOUND, T::NotFoundTitle, T::NotFoundBody)
}

/// A redirect to `to` (303 See Other: the browser GETs the next page).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Errors of a form: a general list and one list per field.
#[derive(Debug, Default)]
pub struct Errors {
    general: Vec<String>,
    fields: Vec<(&'static str, String)>,
}

impl Errors {
    /// Adds an error beside `field`.
    pub(crate) fn add_field(&mut self, field: &'static str, text: String) {
        self.fields.push((field, text));
    }

    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// The errors of a refused request, each placed beside its field; a rejected password
    /// lists every rule it broke, a mismatched confirmation beside the confirmation.
    pub fn from_api(e: &ApiError) -> Self {
        let mut errors = Self::default();
        let lang = e.lang;
        if e.rules.is_empty() {
            let text = messages::text(e.msg, lang);
            match e.field {
                Some(f) => errors.fields.push((f, text)),
                None => errors.general.push(text),
            }
            return errors;
        }
        let field = e.field.unwrap_or("password");
        for rule in &e.rules {
            let at = if *rule == PasswordRule::ConfirmationMismatch {
                "confirmation"
            } else {
                field
            };
            errors.fields.push((at, messages::rule_text(*rule, lang)));
        }
        errors
    }

    /// An error beside `field`.
    pub fn at(mut self, field: &'static str, text: String) -> Self {
        self.fields.push((field, text));
        self
    }

    /// The errors beside `field`.
    pub fn of(&self, field: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// Errors of no shown field (including fields the form does not have).
    pub fn general(&self, shown: &[&str]) -> Vec<&str> {
        self.general
            .iter()
            .map(String::as_str)
            .chain(
                self.fields
                    .iter()
                    .filter(|(f, _)| !shown.contains(f))
                    .map(|(_, t)| t.as_str()),
            )
            .collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.general.is_empty() && self.fields.is_empty()
    }
}

/// The status of a form shown again with its errors.
pub fn form_status(e: &ApiError) -> StatusCode {
    if e.status.is_client_error() {
        e.status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The live session of `scope`, or a redirect to its sign-in page.
pub async fn signed_in(
    state: &AppState,
    page: &Page,
    scope: SessionScope,
) -> Result<Session, Response> {
    match crate::http::api::session(state, &page.ctx, scope).await {
        Ok(s) => Ok(s),
        Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => Err(page.failure(&e)),
        Err(_) => Err(see_other(match scope {
            SessionScope::Settings => "/settings/sign-in?notice=sign_in_first",
            SessionScope::Service => "/sign-in?notice=sign_in_first",
        })),
    }
}

/// A path inside this site, safe to redirect to.
fn local_path(raw: Option<&str>) -> &str {
    match raw {
        // A path on this site only: no scheme-relative `//`, no backslash, and no control or
        // white-space character (browsers drop a tab from `/\t/evil.example`, leaving `//`).
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            p
        }
        _ => "/",
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::local_path;

    #[test]
    fn the_language_switch_never_redirects_off_site() {
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/ /x",
            "/\n/x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(Some("/settings")), "/settings");
    }
}

#[derive(Debug, Deserialize)]
struct Back {
    back: Option<String>,
}

/// The visible language switch: remembers the choice in the language cookie and goes back.
async fn switch_language(
    ctx: Ctx,
    jar: CookieJar,
    Path(tag): Path<String>,
    Query(back): Query<Back>,
) -> Response {
    let lang = Lang::negotiate(Some(&tag), None);
    let jar = jar.add(ctx.cookie(CookieKind::Lang, lang.tag().to_owned()));
    (jar, see_other(local_path(back.back.as_deref()))).into_response()
}

/// Rate limit of the sensitive form posts (X5), as a page.
async fn rate_limited(
    State(state): State<AppState>,
    ctx: Ctx,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(address) = ctx.client.address
        && !state.within_rate(address).await
    {
        let mut response = Page::from_ctx(ctx).message(
            StatusCode::TOO_MANY_REQUESTS,
            T::ErrorTitle,
            T::TooManyRequests,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return response;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path(Some("/settings")), "/settings");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
