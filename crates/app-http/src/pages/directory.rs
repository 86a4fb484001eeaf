//! Active Directory sign-in pages (L8, I2, M2): the connection-ID entry page, the contract's
//! AD sign-in address (which sends the browser to the contract's ADFS), the confirmation of
//! the connection ID before a registration or method change, and the two ways ADFS answers —
//! a SAML HTTP-POST to the assertion consumer, or an OpenID Connect redirect. Every answer is
//! finished through the API's [`finish`], so pages and API share one path.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use maud::html;
use serde::Deserialize;

use auth_core::domain::{ConnectionId, PresentedToken, SessionScope};
use auth_core::flows::changes::MethodChangeError;
use auth_core::flows::directory::DirectoryFor;
use auth_core::flows::invitations::RegistrationError;

use super::csrf::Posted;
use super::federation::{continue_after, failed, onward};
use super::layout::{self, Input};
use super::signin::Empty;
use super::text::T;
use super::{Errors, Page};
use crate::http::Listener;
use crate::http::api::directory::{DirectoryCallbackBody, finish};
use crate::http::context::CookieKind;
use crate::http::error::{ApiError, ToApi};
use crate::state::AppState;

/// Which area an AD sign-in opens: `?scope=settings` for the settings menu (S2).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ScopeQuery {
    scope: String,
}

impl ScopeQuery {
    fn scope(&self) -> SessionScope {
        if self.scope == "settings" {
            SessionScope::Settings
        } else {
            SessionScope::Service
        }
    }
}

/// The connection-ID entry page (the manual's 接続ID入力画面).
pub(crate) async fn entry_page(page: Page, Query(q): Query<ScopeQuery>) -> Response {
    page.ok(
        T::AdSignInTitle,
        entry_view(&page, "", q.scope(), &Errors::none()),
    )
}

fn entry_view(page: &Page, typed: &str, scope: SessionScope, errors: &Errors) -> maud::Markup {
    html! {
        p { (page.t(T::AdConnectionPrompt)) }
        (layout::form(page, "/ad", html! {
            @if scope == SessionScope::Settings { input type="hidden" name="scope" value="settings"; }
            (layout::general_errors(errors, &["connection"]))
            (Input::new("connection", page.t(T::ConnectionId)).value(typed).autocomplete("off").hint(page.t(T::AdConnectionHint)).render(errors))
            div.actions { button type="submit" { (page.t(T::AdContinue)) } }
        }))
        @let back = if scope == SessionScope::Settings { "/settings/sign-in" } else { "/sign-in" };
        p { a href=(back) { (page.t(T::BackToSignIn)) } }
    }
}

/// The typed connection ID.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct EntryForm {
    connection: String,
    scope: String,
}

/// Checks the typed connection ID and goes on to that contract's ADFS.
pub(crate) async fn enter(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Posted(form): Posted<EntryForm>,
) -> Response {
    let scope = ScopeQuery { scope: form.scope }.scope();
    match state.auth().directory(&form.connection).await {
        Ok(view) => {
            let id = view.connection.as_str();
            let purpose = DirectoryFor::SignIn { scope };
            start(&state, listener, &page, jar, id, purpose).await
        }
        Err(e) => {
            let e = e.to_api(page.lang()).field("connection");
            page.render(
                super::form_status(&e),
                T::AdSignInTitle,
                entry_view(&page, &form.connection, scope, &Errors::from_api(&e)),
            )
        }
    }
}

/// A contract's AD sign-in address (the one the owner was mailed, for each channel): says whose
/// AD it is and where the browser will go, with the button that goes there. Nothing starts on
/// a GET, so no other site can send a browser through a round trip it did not ask for.
pub(crate) async fn sign_in_page(
    State(state): State<AppState>,
    page: Page,
    Path(connection): Path<String>,
    Query(q): Query<ScopeQuery>,
) -> Response {
    let view = match state.auth().directory(&connection).await {
        Ok(view) => view,
        Err(e) => return failed(&page, &e.to_api(page.lang())),
    };
    let id = view.connection.as_str().to_owned();
    let body = html! {
        p { (page.t(T::AdSignInIntro)) }
        (layout::details(&[
            (page.t(T::Contract), view.contract_name.as_str().to_owned()),
            (page.t(T::ConnectionId), id.clone()),
        ]))
        (layout::form(&page, &format!("/ad/{id}"), html! {
            @if q.scope() == SessionScope::Settings { input type="hidden" name="scope" value="settings"; }
            div.actions { button type="submit" id="continue" { (page.t(T::AdContinue)) } }
        }))
        p { a href="/sign-in" { (page.t(T::BackToSignIn)) } }
    };
    page.ok(T::AdSignInTitle, body)
}

/// The sign-in address's button: starts the round trip and sends the browser to the
/// contract's ADFS.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(connection): Path<String>,
    Posted(q): Posted<ScopeQuery>,
) -> Response {
    let purpose = DirectoryFor::SignIn { scope: q.scope() };
    start(&state, listener, &page, jar, &connection, purpose).await
}

async fn start(
    state: &AppState,
    listener: Listener,
    page: &Page,
    jar: CookieJar,
    connection: &str,
    purpose: DirectoryFor<'_>,
) -> Response {
    let addresses = state.directory_endpoints(listener, connection);
    match state
        .auth()
        .start_directory(connection, purpose, &addresses.endpoints())
        .await
    {
        Ok(redirect) => {
            let jar = jar.add(page.ctx.cookie(
                CookieKind::Federation,
                redirect.browser_key.expose().to_string(),
            ));
            // A form's answer may not redirect to another origin (`form-action 'self'`).
            (jar, onward(page, &redirect.authorization_url)).into_response()
        }
        Err(e) => failed(page, &e.to_api(page.lang())),
    }
}

/// A binding link (an invitation, I2, or a method change, M2) as the AD pages need it.
#[derive(Clone, Copy)]
enum Binding<'a> {
    Invitation(&'a str),
    MethodChange(&'a str),
}

impl<'a> Binding<'a> {
    /// The link's page.
    fn page(self) -> String {
        match self {
            Self::Invitation(token) => format!("/invitation/{token}"),
            Self::MethodChange(token) => format!("/login-method/{token}"),
        }
    }

    fn purpose(self) -> DirectoryFor<'a> {
        match self {
            Self::Invitation(token) => DirectoryFor::Invitation {
                token: PresentedToken::new(token),
            },
            Self::MethodChange(token) => DirectoryFor::MethodChange {
                token: PresentedToken::new(token),
            },
        }
    }

    /// The rows the confirmation shows, and the contract's connection ID when it has AD on.
    async fn open(
        self,
        state: &AppState,
        page: &Page,
    ) -> Result<(Vec<(&'static str, String)>, ConnectionId), ApiError> {
        let (mut rows, connection) = match self {
            Self::Invitation(token) => {
                let view = state
                    .auth()
                    .open_invitation(token)
                    .await
                    .map_err(|e| e.to_api(page.lang()))?;
                let rows = vec![
                    (page.t(T::Contract), view.contract_name.as_str().to_owned()),
                    (page.t(T::Name), view.name.as_str().to_owned()),
                    (page.t(T::SignInId), view.email.as_str().to_owned()),
                ];
                let connection = view
                    .connection
                    .ok_or_else(|| RegistrationError::NoActiveDirectory.to_api(page.lang()))?;
                (rows, connection)
            }
            Self::MethodChange(token) => {
                let view = state
                    .auth()
                    .open_method_change(token)
                    .await
                    .map_err(|e| e.to_api(page.lang()))?;
                let connection = view
                    .connection
                    .ok_or_else(|| MethodChangeError::NoActiveDirectory.to_api(page.lang()))?;
                (
                    vec![(page.t(T::SignInId), view.email.as_str().to_owned())],
                    connection,
                )
            }
        };
        rows.push((page.t(T::ConnectionId), connection.as_str().to_owned()));
        Ok((rows, connection))
    }
}

/// The connection-ID confirmation before binding AD (the manual's 接続ID確認画面).
async fn confirm(state: &AppState, page: &Page, binding: Binding<'_>) -> Response {
    let rows = match binding.open(state, page).await {
        Ok((rows, _)) => rows,
        Err(e) => return page.failure(&e),
    };
    let back = binding.page();
    let body = html! {
        p { (page.t(T::AdConfirmIntro)) }
        (layout::details(&rows))
        (layout::form(page, &format!("{back}/ad"), html! {
            div.actions { button type="submit" id="continue" { (page.t(T::AdContinue)) } }
        }))
        p { a href=(back) { (page.t(T::BackToEdit)) } }
    };
    page.ok(T::AdConfirmTitle, body)
}

/// Binds AD through the link: goes to the contract's ADFS.
async fn bind(
    state: &AppState,
    listener: Listener,
    page: &Page,
    jar: CookieJar,
    binding: Binding<'_>,
) -> Response {
    match binding.open(state, page).await {
        Ok((_, connection)) => {
            let purpose = binding.purpose();
            start(state, listener, page, jar, connection.as_str(), purpose).await
        }
        Err(e) => failed(page, &e),
    }
}

/// The connection-ID confirmation before registering with AD (I2).
pub(crate) async fn confirm_invitation(
    State(state): State<AppState>,
    mut page: Page,
    Path(token): Path<String>,
) -> Response {
    // I1: in the invitation's language, unless the visitor chose one.
    if let Ok(view) = state.auth().open_invitation(&token).await {
        page.prefer(crate::messages::Lang::of_locale(view.locale));
    }
    confirm(&state, &page, Binding::Invitation(&token)).await
}

/// Registers with AD from an invitation: goes to the contract's ADFS.
pub(crate) async fn start_invitation(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(token): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    bind(&state, listener, &page, jar, Binding::Invitation(&token)).await
}

/// The connection-ID confirmation before switching to AD (M2).
pub(crate) async fn confirm_method_change(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Response {
    confirm(&state, &page, Binding::MethodChange(&token)).await
}

/// Switches to AD through a method-change link: goes to the contract's ADFS.
pub(crate) async fn start_method_change(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(token): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    bind(&state, listener, &page, jar, Binding::MethodChange(&token)).await
}

/// SAML's assertion consumer: ADFS's HTTP-POST arrives from ADFS's site, so the browser sends
/// no `SameSite=Lax` cookie with it and nothing is decided here. The page posts the same
/// fields on to [`saml_finish`] from this origin (by itself, or with one press without
/// script), where the browser key comes along. Nothing is stored and nothing changes.
pub(crate) async fn saml_consumer(
    page: Page,
    Path(connection): Path<String>,
    axum::Form(body): axum::Form<DirectoryCallbackBody>,
) -> Response {
    let response = body.saml_response.unwrap_or_default();
    let relay = body.relay_state.unwrap_or_default();
    let action = format!("/ad/{}/saml/finish", urlencoding_path(&connection));
    let markup = html! {
        p { (page.t(T::AdRepostIntro)) }
        form method="post" action=(action) data-autosubmit="true" {
            input type="hidden" name="SAMLResponse" value=(response);
            input type="hidden" name="RelayState" value=(relay);
            div.actions { button type="submit" id="continue" { (page.t(T::AdRepostContinue)) } }
        }
    };
    let mut answer = page.ok(T::AdRepostTitle, markup);
    // The page holds a one-time answer: never cached, never sent on as a referrer.
    answer.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    answer
}

/// A connection ID as a path segment: only the characters a connection ID has survive.
fn urlencoding_path(connection: &str) -> String {
    connection
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The SAML answer posted on from this origin with the browser key: finishes the round trip.
/// No CSRF token: the answer is bound to this browser by the request ID derived from its key
/// and by the stored round trip its `RelayState` names, both single use; the origin check of
/// every POST still applies.
pub(crate) async fn saml_finish(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(connection): Path<String>,
    axum::Form(body): axum::Form<DirectoryCallbackBody>,
) -> Response {
    let body = DirectoryCallbackBody {
        saml_response: Some(body.saml_response.unwrap_or_default()),
        ..body
    };
    let (jar, outcome) = finish(&state, listener, &page.ctx, jar, &connection, body).await;
    continue_after(&state, &page, jar, outcome).await
}

/// OpenID Connect's redirect URI: finishes the round trip.
pub(crate) async fn oidc_callback(
    State(state): State<AppState>,
    Extension(listener): Extension<Listener>,
    page: Page,
    jar: CookieJar,
    Path(connection): Path<String>,
    Query(query): Query<DirectoryCallbackBody>,
) -> Response {
    let body = DirectoryCallbackBody {
        saml_response: None,
        relay_state: None,
        ..query
    };
    let (jar, outcome) = finish(&state, listener, &page.ctx, jar, &connection, body).await;
    continue_after(&state, &page, jar, outcome).await
}

/// tobira's SAML service-provider metadata for a contract, for its ADFS administrator
/// (entity ID and both assertion consumers; no keys: requests are not signed and assertions
/// are not encrypted).
pub(crate) async fn sp_metadata(
    State(state): State<AppState>,
    page: Page,
    Path(connection): Path<String>,
) -> Response {
    let view = match state.auth().directory(&connection).await {
        Ok(view) => view,
        Err(e) => return failed(&page, &e.to_api(page.lang())),
    };
    let internet = state.directory_endpoints(Listener::Internet, view.connection.as_str());
    let xml = adapter_idp::saml::sp_metadata_xml(
        &internet.entity_id,
        &[&internet.internet_saml_acs, &internet.line_saml_acs],
    );
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response()
}
