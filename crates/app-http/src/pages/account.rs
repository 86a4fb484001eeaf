//! The signed-in account's own pages: the start page and the sessions list (X4).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use auth_core::domain::{Role, Session, SessionId, SessionScope};

use super::csrf::Posted;
use super::layout;
use super::signin::Empty;
use super::text::T;
use super::{Page, see_other, signed_in};
use crate::http::error::{ApiError, ToApi};
use crate::messages::Msg;
use crate::state::AppState;

/// A time as the pages show it: Japan time (no daylight saving: UTC+9) in Japanese, UTC in
/// English.
pub(crate) fn when(page: &Page, at: DateTime<Utc>) -> String {
    match page.lang() {
        crate::messages::Lang::Ja => (at + chrono::Duration::hours(9))
            .format("%Y-%m-%d %H:%M JST")
            .to_string(),
        crate::messages::Lang::En => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// `/`: the start page when signed in, else the sign-in page.
pub(crate) async fn root(State(state): State<AppState>, page: Page) -> Response {
    match crate::http::api::session(&state, &page.ctx, SessionScope::Service).await {
        Ok(_) => see_other("/home"),
        Err(_) => see_other("/sign-in"),
    }
}

/// The name of a role.
pub(crate) fn role_text(page: &Page, role: Role) -> &'static str {
    match role {
        Role::Owner => page.t(T::RoleOwner),
        Role::Admin => page.t(T::RoleAdmin),
        Role::User => page.t(T::RoleUser),
    }
}

/// The start page after sign-in.
pub(crate) async fn home(State(state): State<AppState>, page: Page) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Service).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let account = match state.auth().account_of(&me).await {
        Ok(a) => a,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let body = html! {
        p { (page.tf(T::HomeIntro, &[account.display_name.as_str()])) }
        (layout::details(&[
            (page.t(T::SignInId), account.email.as_str().to_owned()),
            (page.t(T::Role), role_text(&page, account.role).to_owned()),
        ]))
        ul.menu {
            li { a href="/sessions" { (page.t(T::SessionsTitle)) } }
            @if account.role.is_administrator() {
                li { a href="/admin" { (page.t(T::AdminTitle)) } }
            }
            li { a href="/settings/sign-in" { (page.t(T::SettingsMenuLink)) } }
        }
        (layout::button_form(&page, "/sign-out", page.t(T::SignOut), "secondary"))
    };
    page.ok(T::HomeTitle, body)
}

/// A table of sessions; with `end`, a button to end each (but the current one).
pub(crate) fn sessions_table(
    page: &Page,
    list: &[Session],
    me: Option<&Session>,
    end: bool,
) -> Markup {
    html! {
        div.table {
            table {
                thead { tr {
                    th { (page.t(T::SessionStarted)) }
                    th { (page.t(T::SessionLastSeen)) }
                    th { (page.t(T::SessionWhere)) }
                    th { (page.t(T::SessionBrowser)) }
                    @if end { th { span.visually-hidden { (page.t(T::EndSession)) } } }
                } }
                tbody {
                    @for s in list {
                        @let current = me.is_some_and(|m| m.id == s.id);
                        tr {
                            td {
                                (when(page, s.created_at))
                                @if s.scope == SessionScope::Settings { br; small { (page.t(T::SettingsScope)) } }
                                @if current { br; strong { (page.t(T::ThisSession)) } }
                            }
                            td { (when(page, s.last_seen_at)) }
                            td { (s.channel.as_str()) " " (s.client_address.as_deref().unwrap_or("-")) }
                            td { (s.user_agent.as_deref().unwrap_or("-")) }
                            @if end {
                                td {
                                    @if !current {
                                        (layout::button_form(page, &format!("/sessions/{}/end", s.id), page.t(T::EndSession), "secondary"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn own_session(state: &AppState, page: &Page) -> Result<Session, Response> {
    match crate::http::api::any_session(state, &page.ctx).await {
        Ok(s) => Ok(s),
        Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => Err(page.failure(&e)),
        Err(_) => Err(see_other("/sign-in?notice=sign_in_first")),
    }
}

/// The signed-in account's sessions (X4).
pub(crate) async fn sessions(State(state): State<AppState>, page: Page) -> Response {
    let me = match own_session(&state, &page).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let list = match state.auth().my_sessions(&me).await {
        Ok(l) => l,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let back = if me.scope == SessionScope::Settings {
        "/settings"
    } else {
        "/home"
    };
    let body = html! {
        p { (page.t(T::SessionsIntro)) }
        (sessions_table(&page, &list, Some(&me), true))
        p { a href=(back) { (page.t(T::Back)) } }
    };
    page.ok(T::SessionsTitle, body)
}

/// End one of the signed-in account's sessions (X4).
pub(crate) async fn end_session(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let me = match own_session(&state, &page).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, Msg::NotFound, page.lang());
    let Ok(id) = SessionId::parse(&id) else {
        return page.failure(&not_found());
    };
    match state.auth().end_my_session(&me, id, &page.ctx.client).await {
        Ok(true) => see_other("/sessions?notice=session_ended"),
        Ok(false) => page.failure(&not_found()),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}
