//! The settings menu (S1, S2) and its items: password (P2), e-mail (E1), login method (M1),
//! access route (N3, also from the admin console), two-factor policy (T8), Active Directory
//! (D1), contract details, plan (C2) and cancellation. The menu shows exactly the items the
//! core allows; each item's page refuses an account that may not use it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use auth_core::domain::{
    AccessRoute, AdConnection, AdProtocol, AdSubject, AdminAction, Contract, ContractStatus,
    MethodChoice, PasswordCandidate, Plan, SamlMetadataSource, Session, SessionScope, SettingsItem,
    TwoFactorPolicy, can_administer,
};
use auth_core::domain::{ContractDetails, ContractDetailsInput};
use auth_core::flows::contract_details::ContractDetailsError;
use auth_core::flows::password_change::ChangePassword;

use super::account::when;
use super::csrf::Posted;
use super::layout::{self, Input};
use super::signin::{Empty, NewPasswordForm};
use super::text::T;
use super::{Errors, Page, form_status, see_other, signed_in};
use crate::http::api::account::AdBody;
use crate::http::context::CookieKind;
use crate::http::error::{ApiError, ToApi, details_problem_msg};
use crate::messages::{Lang, Msg};
use crate::state::AppState;
use secrecy::{ExposeSecret, SecretString};

/// The label and page of a menu item.
fn item_link(item: SettingsItem) -> (T, &'static str) {
    match item {
        SettingsItem::LoginMethod => (T::ItemLoginMethod, "/settings/login-method"),
        SettingsItem::EmailChange => (T::ItemEmailChange, "/settings/email"),
        SettingsItem::PasswordChange => (T::ItemPasswordChange, "/settings/password"),
        SettingsItem::AccessRoute => (T::ItemAccessRoute, "/settings/access-route"),
        SettingsItem::TwoFactorPolicy => (T::ItemTwoFactor, "/settings/two-factor"),
        SettingsItem::ActiveDirectory => (T::ItemActiveDirectory, "/settings/active-directory"),
        SettingsItem::ContractDetails => (T::ItemContract, "/settings/contract"),
        SettingsItem::PlanChange => (T::ItemPlan, "/settings/plan"),
        SettingsItem::Cancellation => (T::ItemCancel, "/settings/cancel"),
    }
}

/// The manual's group of a menu item: changing credentials, setting up authentication, or
/// changing the contract.
fn item_group(item: SettingsItem) -> T {
    match item {
        SettingsItem::LoginMethod | SettingsItem::EmailChange | SettingsItem::PasswordChange => {
            T::SettingsGroupChange
        }
        SettingsItem::AccessRoute
        | SettingsItem::TwoFactorPolicy
        | SettingsItem::ActiveDirectory => T::SettingsGroupSetUp,
        _ => T::SettingsGroupContract,
    }
}

/// The settings menu: exactly the allowed items (S1).
pub(crate) async fn menu(State(state): State<AppState>, page: Page) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let items = match state.auth().settings_menu(&me).await {
        Ok(i) => i,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    // Grouped as the manual groups them; a group with no allowed item is left out.
    let groups = [
        (T::SettingsGroupChange, "settings-change"),
        (T::SettingsGroupSetUp, "settings-set-up"),
        (T::SettingsGroupContract, "settings-contract"),
    ];
    let body = html! {
        p { (page.t(T::SettingsIntro)) }
        p.hint { (page.t(T::SettingsOnlyAllowed)) }
        div #settings-items {
            @for (title, id) in groups {
                @let here: Vec<SettingsItem> = items.iter().copied().filter(|i| item_group(*i) == title).collect();
                @if !here.is_empty() {
                    section.menu-group id=(id) {
                        h2 { (page.t(title)) }
                        ul.menu {
                            @for item in here {
                                @let (label, href) = item_link(item);
                                li { a href=(href) { (page.t(label)) } }
                            }
                        }
                    }
                }
            }
        }
        ul.menu {
            li { a href="/sessions" { (page.t(T::SessionsTitle)) } }
            li { a href="/settings/language" { (page.t(T::LanguageLink)) } }
        }
        p { a href="/home" { (page.t(T::ToServiceTop)) } }
        (layout::button_form(&page, "/sign-out", page.t(T::SignOut), "secondary"))
    };
    page.ok(T::SettingsTitle, body)
}

fn language_view(page: &Page, current: Lang, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::LanguageIntro)) }
        (layout::form(page, "/settings/language", html! {
            (layout::general_errors(errors, &["language"]))
            (layout::language_radios("language", page.t(T::LanguageField), current, errors))
            div.actions { button type="submit" { (page.t(T::Save)) } }
        }))
        (back_to_menu(page))
    }
}

/// The account's language (I1): its mails and text messages follow it. Every account may
/// change its own.
pub(crate) async fn language_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.auth().whoami(&me).await {
        Ok((account, _)) => page.ok(
            T::LanguageTitle,
            language_view(&page, Lang::of_locale(account.locale), &Errors::none()),
        ),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The language form.
#[derive(Debug, Deserialize)]
pub(crate) struct LanguageForm {
    language: Lang,
}

/// Set the account's language; the pages switch to it too (the language cookie).
pub(crate) async fn set_language(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<LanguageForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.auth().set_language(&me, form.language.locale()).await {
        Ok(()) => {
            let cookie = page
                .ctx
                .cookie(CookieKind::Lang, form.language.tag().to_owned());
            (
                page.ctx.jar.clone().add(cookie),
                see_other("/settings?notice=language_changed"),
            )
                .into_response()
        }
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                T::LanguageTitle,
                language_view(&page, form.language, &Errors::from_api(&e)),
            )
        }
    }
}

/// The settings session, if it may use `item`; else the sign-in or a refusal.
async fn for_item(state: &AppState, page: &Page, item: SettingsItem) -> Result<Session, Response> {
    let me = signed_in(state, page, SessionScope::Settings).await?;
    match state.auth().settings_menu(&me).await {
        Ok(items) if items.contains(&item) => Ok(me),
        Ok(_) => Err(page.failure(&ApiError::new(
            StatusCode::FORBIDDEN,
            Msg::NotPermitted,
            page.lang(),
        ))),
        Err(e) => Err(page.failure(&e.to_api(page.lang()))),
    }
}

/// The signed-in account's contract, for showing its current settings.
async fn contract_of(state: &AppState, page: &Page, me: &Session) -> Result<Contract, Response> {
    state
        .auth()
        .contract_of(me)
        .await
        .map_err(|e| page.failure(&e.to_api(page.lang())))
}

/// The ways back from a settings page: to the menu and to the service's top page.
fn back_to_menu(page: &Page) -> Markup {
    html! {
        p.pager.back {
            a href="/settings" { (page.t(T::BackToSettings)) }
            a href="/home" { (page.t(T::ToServiceTop)) }
        }
    }
}

// ---- password (P2) ----

fn password_view(page: &Page, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::PasswordChangeIntro)) }
        (layout::form(page, "/settings/password", html! {
            (layout::general_errors(errors, &["current", "password", "confirmation"]))
            (layout::password(page, "current", T::CurrentPassword, "current-password", false, errors))
            (layout::new_password_pair(page, errors))
            div.actions { button type="submit" { (page.t(T::ChangePasswordButton)) } }
        }))
        (back_to_menu(page))
    }
}

/// The password change form.
pub(crate) async fn password_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = for_item(&state, &page, SettingsItem::PasswordChange).await {
        return r;
    }
    page.ok(T::ItemPasswordChange, password_view(&page, &Errors::none()))
}

/// A password change.
#[derive(Debug, Deserialize)]
pub(crate) struct ChangePasswordForm {
    #[serde(default)]
    current: SecretString,
    #[serde(default)]
    password: SecretString,
    #[serde(default)]
    confirmation: SecretString,
}

/// Change the password; other sessions end (P2).
pub(crate) async fn change_password(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<ChangePasswordForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let change = ChangePassword {
        current: PasswordCandidate::new(form.current.expose_secret()),
        new_password: form.password.expose_secret(),
        confirmation: form.confirmation.expose_secret(),
    };
    match state
        .auth()
        .change_password(&me, change, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings?notice=password_changed"),
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                T::ItemPasswordChange,
                password_view(&page, &Errors::from_api(&e)),
            )
        }
    }
}

// ---- e-mail change (E1) ----

fn email_view(
    page: &Page,
    current: &str,
    email: &str,
    confirmation: &str,
    errors: &Errors,
) -> Markup {
    html! {
        p { (page.tf(T::EmailRequestIntro, &[current])) }
        (layout::form(page, "/settings/email", html! {
            (layout::general_errors(errors, &["email", "confirmation"]))
            (Input::new("email", page.t(T::NewEmail)).kind("email").value(email).autocomplete("email").render(errors))
            (Input::new("confirmation", page.t(T::NewEmailAgain)).kind("email").value(confirmation).autocomplete("off").render(errors))
            div.actions { button type="submit" { (page.t(T::SendConfirmation)) } }
        }))
        (back_to_menu(page))
    }
}

async fn my_email(state: &AppState, me: &Session) -> String {
    state
        .auth()
        .account_of(me)
        .await
        .map(|a| a.email.as_str().to_owned())
        .unwrap_or_default()
}

/// The e-mail change request form.
pub(crate) async fn email_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match for_item(&state, &page, SettingsItem::EmailChange).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let current = my_email(&state, &me).await;
    page.ok(
        T::ItemEmailChange,
        email_view(&page, &current, "", "", &Errors::none()),
    )
}

/// A new address, twice.
#[derive(Debug, Deserialize)]
pub(crate) struct EmailRequestForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    confirmation: String,
}

/// Ask to change the owner's own address; a link goes to the new one (E1).
pub(crate) async fn request_email_change(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<EmailRequestForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .auth()
        .request_own_email_change(&me, &form.email, &form.confirmation, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings?notice=email_change_sent"),
        Err(e) => {
            let e = e.to_api(page.lang());
            let current = my_email(&state, &me).await;
            page.render(
                form_status(&e),
                T::ItemEmailChange,
                email_view(
                    &page,
                    &current,
                    &form.email,
                    &form.confirmation,
                    &Errors::from_api(&e),
                ),
            )
        }
    }
}

// ---- login method (M1) ----

fn method_view(page: &Page, errors: &Errors) -> Markup {
    html! {
        p { (page.t(T::OwnMethodIntro)) }
        section.choice {
            h2 { (page.t(T::MethodPassword)) }
            (layout::form(page, "/settings/login-method", html! {
                (layout::general_errors(errors, &["password", "confirmation"]))
                (layout::new_password_pair(page, errors))
                div.actions { button type="submit" { (page.t(T::SetMethodButton)) } }
            }))
        }
        (layout::providers(page, layout::ProviderUse::OwnMethod, None))
        p.hint { (page.t(T::OwnerNoAd)) }
        (back_to_menu(page))
    }
}

/// The owner's login-method form (M1).
pub(crate) async fn method_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = for_item(&state, &page, SettingsItem::LoginMethod).await {
        return r;
    }
    page.ok(T::ItemLoginMethod, method_view(&page, &Errors::none()))
}

/// Set the owner's own login method to a password (M1, T6).
pub(crate) async fn set_login_method(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<NewPasswordForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let choice = MethodChoice::Password {
        password: form.password.expose_secret(),
        confirmation: form.confirmation.expose_secret(),
    };
    match state
        .auth()
        .set_own_login_method(&me, &choice, &page.ctx.client)
        .await
    {
        // The settings session goes on: the new method is for the next sign-in.
        Ok(()) => see_other("/settings?notice=own_method_changed"),
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                T::ItemLoginMethod,
                method_view(&page, &Errors::from_api(&e)),
            )
        }
    }
}

// ---- access route (N3), from the settings menu or the admin console ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Settings,
    Admin,
}

impl Area {
    fn base(self) -> &'static str {
        match self {
            Self::Settings => "/settings/access-route",
            Self::Admin => "/admin/access-route",
        }
    }

    /// The ways back: to the settings menu and the service's top page, or to the console.
    fn back(self, page: &Page) -> Markup {
        match self {
            Self::Settings => back_to_menu(page),
            Self::Admin => html! { p { a href=(self.home()) { (page.t(T::Back)) } } },
        }
    }

    fn home(self) -> &'static str {
        match self {
            Self::Settings => "/settings",
            Self::Admin => "/admin",
        }
    }
}

/// The session allowed to set the access route in `area`.
async fn route_session(state: &AppState, page: &Page, area: Area) -> Result<Session, Response> {
    match area {
        Area::Settings => for_item(state, page, SettingsItem::AccessRoute).await,
        Area::Admin => {
            let me = signed_in(state, page, SessionScope::Service).await?;
            match state.auth().account_of(&me).await {
                Ok(a) if can_administer(AdminAction::SetAccessRoute, a.role) => Ok(me),
                Ok(_) => Err(page.failure(&ApiError::new(
                    StatusCode::FORBIDDEN,
                    Msg::NotPermitted,
                    page.lang(),
                ))),
                Err(e) => Err(page.failure(&e.to_api(page.lang()))),
            }
        }
    }
}

fn route_code(route: AccessRoute) -> &'static str {
    match route {
        AccessRoute::LineOnly => "line_only",
        AccessRoute::LineAndInternet => "line_and_internet",
    }
}

fn route_text(page: &Page, route: AccessRoute) -> &'static str {
    match route {
        AccessRoute::LineOnly => page.t(T::RouteLineOnly),
        AccessRoute::LineAndInternet => page.t(T::RouteLineAndInternet),
    }
}

fn parse_route(raw: &str) -> Option<AccessRoute> {
    match raw {
        "line_only" => Some(AccessRoute::LineOnly),
        "line_and_internet" => Some(AccessRoute::LineAndInternet),
        _ => None,
    }
}

async fn route_form(state: AppState, page: Page, area: Area) -> Response {
    let me = match route_session(&state, &page, area).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let contract = match contract_of(&state, &page, &me).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let current = contract.access_route;
    let body = html! {
        p { (page.t(T::RouteIntro)) }
        (layout::details(&[(page.t(T::CurrentSetting), route_text(&page, current).to_owned())]))
        // A GET form: choosing writes nothing; the confirmation page does.
        form method="get" action={ (area.base()) "/confirm" } {
            (layout::radios("route", page.t(T::ItemAccessRoute), &[
                ("line_and_internet", page.t(T::RouteLineAndInternet)),
                ("line_only", page.t(T::RouteLineOnly)),
            ], route_code(current), &Errors::none()))
            div.actions { button type="submit" { (page.t(T::Next)) } }
        }
        (area.back(&page))
    };
    page.ok(T::ItemAccessRoute, body)
}

/// The chosen route.
#[derive(Debug, Deserialize)]
pub(crate) struct RouteQuery {
    #[serde(default)]
    route: String,
}

async fn route_confirm_page(state: AppState, page: Page, area: Area, route: &str) -> Response {
    if let Err(r) = route_session(&state, &page, area).await {
        return r;
    }
    let Some(route) = parse_route(route) else {
        return see_other(area.base());
    };
    let body = html! {
        p { (page.tf(T::RouteConfirmIntro, &[route_text(&page, route)])) }
        @if route == AccessRoute::LineOnly { p.warning { (page.t(T::RouteLineOnlyWarning)) } }
        (layout::form(&page, area.base(), html! {
            input type="hidden" name="route" value=(route_code(route));
            input type="hidden" name="confirmed" value="true";
            div.actions { button type="submit" { (page.t(T::ConfirmChange)) } }
        }))
        p { a href=(area.base()) { (page.t(T::Back)) } }
    };
    page.ok(T::RouteConfirmTitle, body)
}

/// A route with its confirmation.
#[derive(Debug, Deserialize)]
pub(crate) struct RouteForm {
    #[serde(default)]
    route: String,
    #[serde(default)]
    confirmed: bool,
}

async fn apply_route(state: AppState, page: Page, area: Area, form: RouteForm) -> Response {
    let me = match route_session(&state, &page, area).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(route) = parse_route(&form.route) else {
        return see_other(area.base());
    };
    match state
        .auth()
        .set_access_route(&me, route, form.confirmed, &page.ctx.client)
        .await
    {
        Ok(()) => see_other(&format!("{}?notice=route_changed", area.home())),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The access route (N3) from the settings menu.
pub(crate) async fn route_page(State(state): State<AppState>, page: Page) -> Response {
    route_form(state, page, Area::Settings).await
}

/// Its confirmation step.
pub(crate) async fn route_confirm(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<RouteQuery>,
) -> Response {
    route_confirm_page(state, page, Area::Settings, &q.route).await
}

/// Set it.
pub(crate) async fn set_route(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<RouteForm>,
) -> Response {
    apply_route(state, page, Area::Settings, form).await
}

/// The access route (A2, N3) from the admin console.
pub(crate) async fn admin_route_page(State(state): State<AppState>, page: Page) -> Response {
    route_form(state, page, Area::Admin).await
}

/// Its confirmation step.
pub(crate) async fn admin_route_confirm(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<RouteQuery>,
) -> Response {
    route_confirm_page(state, page, Area::Admin, &q.route).await
}

/// Set it.
pub(crate) async fn admin_set_route(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<RouteForm>,
) -> Response {
    apply_route(state, page, Area::Admin, form).await
}

// ---- two-factor policy (T8) ----

fn policy_text(page: &Page, policy: TwoFactorPolicy) -> &'static str {
    match policy {
        TwoFactorPolicy::Disabled => page.t(T::PolicyDisabled),
        TwoFactorPolicy::Enabled => page.t(T::PolicyEnabled),
    }
}

fn two_factor_view(
    page: &Page,
    current: TwoFactorPolicy,
    selected: &str,
    errors: &Errors,
) -> Markup {
    html! {
        p { (page.t(T::TwoFactorIntro)) }
        (layout::details(&[(page.t(T::CurrentSetting), policy_text(page, current).to_owned())]))
        (layout::form(page, "/settings/two-factor", html! {
            (layout::general_errors(errors, &["policy", "acknowledge_risk"]))
            (layout::radios("policy", page.t(T::ItemTwoFactor), &[
                ("enabled", page.t(T::PolicyEnabled)),
                ("disabled", page.t(T::PolicyDisabled)),
            ], selected, errors))
            p.warning { (page.t(T::TwoFactorRisk)) }
            (layout::checkbox("acknowledge_risk", page.t(T::AcknowledgeRisk), false, errors))
            div.actions { button type="submit" { (page.t(T::Save)) } }
        }))
        (back_to_menu(page))
    }
}

fn policy_code(policy: TwoFactorPolicy) -> &'static str {
    match policy {
        TwoFactorPolicy::Disabled => "disabled",
        TwoFactorPolicy::Enabled => "enabled",
    }
}

/// The two-factor policy form (T8).
pub(crate) async fn two_factor_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match for_item(&state, &page, SettingsItem::TwoFactorPolicy).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let contract = match contract_of(&state, &page, &me).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let current = contract.two_factor;
    page.ok(
        T::ItemTwoFactor,
        two_factor_view(&page, current, policy_code(current), &Errors::none()),
    )
}

/// A policy with the risk acknowledgement.
#[derive(Debug, Deserialize)]
pub(crate) struct PolicyForm {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    acknowledge_risk: bool,
}

/// Set the two-factor policy; turning it off needs the acknowledgement (T8).
pub(crate) async fn set_two_factor(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<PolicyForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let policy = if form.policy == "disabled" {
        TwoFactorPolicy::Disabled
    } else {
        TwoFactorPolicy::Enabled
    };
    match state
        .auth()
        .set_two_factor_policy(&me, policy, form.acknowledge_risk, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings?notice=policy_changed"),
        Err(e) => {
            let e = e.to_api(page.lang());
            let current = match contract_of(&state, &page, &me).await {
                Ok(c) => c.two_factor,
                Err(r) => return r,
            };
            page.render(
                form_status(&e),
                T::ItemTwoFactor,
                two_factor_view(&page, current, policy_code(policy), &Errors::from_api(&e)),
            )
        }
    }
}

// ---- Active Directory (D1) ----

/// The AD settings form: the API's body, typed or filled from the connection (never with its
/// secret, nor a pasted document).
type AdForm = AdBody;

fn form_of(ad: &AdConnection) -> AdForm {
    let dto = crate::http::api::account::AdConnectionDto::of(ad);
    AdForm {
        protocol: dto.protocol,
        metadata_url: dto.metadata_url.unwrap_or_default(),
        client_id: dto.client_id.unwrap_or_default(),
        subject: dto.subject,
        ..AdForm::default()
    }
}

/// The form as typed, for showing again: the secret is never sent back.
fn clone_form(f: &AdForm) -> AdForm {
    AdForm {
        client_secret: String::new(),
        ..f.clone()
    }
}

/// The fields of the AD settings form.
fn ad_fields(page: &Page, form: &AdForm, editing: bool, errors: &Errors) -> Markup {
    let protocol = if form.protocol.is_empty() {
        "saml"
    } else {
        form.protocol.as_str()
    };
    let subject = if form.subject.is_empty() {
        "persistent"
    } else {
        form.subject.as_str()
    };
    let xml_errors = errors.of("metadata_xml");
    html! {
        (layout::general_errors(errors, &["protocol", "metadata_url", "metadata_xml", "client_id", "client_secret", "subject"]))
        (layout::radios("protocol", page.t(T::AdProtocolLegend), &[
            ("saml", page.t(T::AdProtocolSaml)),
            ("oidc", page.t(T::AdProtocolOidc)),
        ], protocol, errors))
        (Input::new("metadata_url", page.t(T::MetadataUrl)).kind("url").value(&form.metadata_url).hint(page.t(T::DiscoveryUrlHint)).render(errors))
        div.field.invalid[!xml_errors.is_empty()] {
            label for="metadata_xml" { (page.t(T::MetadataXml)) }
            p.hint id="metadata_xml-hint" { (page.t(T::MetadataXmlHint)) }
            textarea id="metadata_xml" name="metadata_xml" rows="4" aria-describedby="metadata_xml-hint" { (form.metadata_xml) }
            // Shown by the script, which reads the chosen file into the field above: the form
            // keeps one encoding, and the document is checked as if pasted.
            div.upload hidden {
                label for="metadata_file" { (page.t(T::MetadataFile)) }
                input type="file" id="metadata_file" data-fills="metadata_xml" accept=".xml,application/xml,text/xml,application/samlmetadata+xml";
            }
            @for e in &xml_errors { p.error { (e) } }
        }
        (Input::new("client_id", page.t(T::AdClientId)).value(&form.client_id).render(errors))
        @let secret = Input::new("client_secret", page.t(T::AdClientSecret)).kind("password").autocomplete("off");
        @if editing { (secret.hint(page.t(T::AdClientSecretKeep)).render(errors)) } @else { (secret.render(errors)) }
        (layout::radios("subject", page.t(T::AdSubjectLegend), &[
            ("persistent", page.t(T::AdSubjectPersistent)),
            ("upn", page.t(T::AdSubjectUpn)),
            ("object-guid", page.t(T::AdSubjectGuid)),
        ], subject, errors))
    }
}

fn ad_view(
    page: &Page,
    state: &AppState,
    contract: &Contract,
    form: Option<&AdForm>,
    errors: &Errors,
) -> Markup {
    let Some(ad) = contract.ad.as_ref().filter(|ad| ad.is_on()) else {
        let filled = match (form, &contract.ad) {
            (Some(f), _) => clone_form(f),
            (None, Some(off)) => form_of(off),
            (None, None) => AdForm::default(),
        };
        return html! {
            @if contract.ad.is_some() { p { (page.t(T::AdTurnedOffIntro)) } } @else { p { (page.t(T::AdIntro)) } }
            (layout::form(page, "/settings/active-directory", html! {
                (ad_fields(page, &filled, false, errors))
                div.actions { button type="submit" { (page.t(T::EnableAd)) } }
            }))
            (back_to_menu(page))
        };
    };
    let dto = crate::http::api::account::AdConnectionDto::of(ad);
    let internet = state.directory_endpoints(crate::http::Listener::Internet, ad.id.as_str());
    let line = state.directory_endpoints(crate::http::Listener::Line, ad.id.as_str());
    let subject = match ad.settings.subject {
        AdSubject::Upn => T::AdSubjectUpn,
        AdSubject::ObjectGuid => T::AdSubjectGuid,
        AdSubject::Persistent => T::AdSubjectPersistent,
    };
    let mut rows = vec![
        (page.t(T::ConnectionId), ad.id.as_str().to_owned()),
        (page.t(T::AdStatus), page.t(T::AdStatusOn).to_owned()),
        (
            page.t(T::AdProtocolLegend),
            page.t(if dto.protocol == "oidc" {
                T::AdProtocolOidc
            } else {
                T::AdProtocolSaml
            })
            .to_owned(),
        ),
        (
            page.t(T::MetadataUrl),
            dto.metadata_url.clone().unwrap_or_else(|| "—".into()),
        ),
        (page.t(T::AdSubjectLegend), page.t(subject).to_owned()),
        (page.t(T::AdAddressInternet), internet.entity_id.clone()),
        (
            page.t(T::AdAddressLine),
            format!("{}/ad/{}", state.config().line_public_url(), ad.id.as_str()),
        ),
        (page.t(T::EnabledAt), when(page, ad.enabled_at)),
    ];
    if let Some(client_id) = &dto.client_id {
        rows.push((page.t(T::AdClientId), client_id.clone()));
    }
    if let Some(at) = dto.metadata_read_at {
        rows.push((page.t(T::AdMetadataReadAt), when(page, at)));
    }
    let edit = form.map_or_else(|| form_of(ad), clone_form);
    html! {
        p { (page.t(T::AdEnabledIntro)) }
        (layout::details(&rows))
        section aria-labelledby="ad-rp" {
            h2 id="ad-rp" { (page.t(T::AdRelyingPartyTitle)) }
            p { (page.t(T::AdRelyingPartyIntro)) }
            (layout::details(&[
                (page.t(T::AdEntityId), internet.entity_id.clone()),
                (page.t(T::AdAcsInternet), internet.saml_acs.clone()),
                (page.t(T::AdAcsLine), line.saml_acs.clone()),
                (page.t(T::AdRedirectUris), format!("{} {}", internet.oidc_redirect, line.oidc_redirect)),
                (page.t(T::AdSpMetadata), format!("{}/saml/metadata", internet.entity_id)),
            ]))
        }
        section aria-labelledby="ad-edit" {
            h2 id="ad-edit" { (page.t(T::AdEditTitle)) }
            (layout::form(page, "/settings/active-directory/edit", html! {
                (ad_fields(page, &edit, true, errors))
                div.actions { button type="submit" { (page.t(T::AdSave)) } }
            }))
            @if matches!(ad.settings.protocol, AdProtocol::Saml { metadata: SamlMetadataSource::Url(_) }) {
                p.hint { (page.t(T::AdRereadHint)) }
                (layout::button_form(page, "/settings/active-directory/metadata", page.t(T::AdReread), "secondary"))
            }
        }
        section aria-labelledby="ad-off" {
            h2 id="ad-off" { (page.t(T::AdTurnOffTitle)) }
            (layout::form(page, "/settings/active-directory/off", html! {
                (layout::checkbox("confirmed", page.t(T::AdTurnOffConfirm), false, errors))
                div.actions { button.danger type="submit" { (page.t(T::AdTurnOff)) } }
            }))
        }
        (back_to_menu(page))
    }
}

/// Active Directory: its connection with the edit and turn-off forms, or the form that turns
/// it on (D1).
pub(crate) async fn ad_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match for_item(&state, &page, SettingsItem::ActiveDirectory).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match contract_of(&state, &page, &me).await {
        Ok(c) => page.ok(
            T::ItemActiveDirectory,
            ad_view(&page, &state, &c, None, &Errors::none()),
        ),
        Err(r) => r,
    }
}

/// The AD page again with the refusal of a submitted form.
async fn ad_refused(
    state: &AppState,
    page: &Page,
    me: &Session,
    form: Option<&AdForm>,
    e: &crate::http::error::ApiError,
) -> Response {
    match contract_of(state, page, me).await {
        Ok(c) => page.render(
            form_status(e),
            T::ItemActiveDirectory,
            ad_view(page, state, &c, form, &Errors::from_api(e)),
        ),
        Err(r) => r,
    }
}

/// Turn on Active Directory (D1).
pub(crate) async fn enable_ad(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<AdForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .auth()
        .turn_on_active_directory(&me, &form.input(), &page.ctx.client)
        .await
    {
        Ok(_) => see_other("/settings/active-directory?notice=ad_enabled"),
        Err(e) => ad_refused(&state, &page, &me, Some(&form), &e.to_api(page.lang())).await,
    }
}

/// Change the AD settings (D1).
pub(crate) async fn edit_ad(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<AdForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .auth()
        .edit_active_directory(&me, &form.input(), &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings/active-directory?notice=ad_changed"),
        Err(e) => ad_refused(&state, &page, &me, Some(&form), &e.to_api(page.lang())).await,
    }
}

/// Read the ADFS metadata again now (D1).
pub(crate) async fn reread_ad(
    State(state): State<AppState>,
    page: Page,
    Posted(_): Posted<Empty>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.auth().reread_ad_metadata(&me, &page.ctx.client).await {
        Ok(()) => see_other("/settings/active-directory?notice=ad_reread"),
        Err(e) => ad_refused(&state, &page, &me, None, &e.to_api(page.lang())).await,
    }
}

/// The turn-off form's confirmation.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AdOffForm {
    confirmed: bool,
}

/// Turn Active Directory off (D1), after the owner confirmed.
pub(crate) async fn turn_off_ad(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<AdOffForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !form.confirmed {
        let e = crate::http::error::ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            crate::messages::Msg::ConfirmationRequired,
            page.lang(),
        )
        .field("confirmed");
        return ad_refused(&state, &page, &me, None, &e).await;
    }
    match state
        .auth()
        .turn_off_active_directory(&me, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings/active-directory?notice=ad_off"),
        Err(e) => ad_refused(&state, &page, &me, None, &e.to_api(page.lang())).await,
    }
}

// ---- contract details, plan (C2), cancellation ----

fn plan_text(page: &Page, plan: Plan) -> String {
    match plan.trial_ends_at() {
        None => page.t(T::PlanBasic).to_owned(),
        Some(end) => page.tf(T::PlanTrialUntil, &[&when(page, end)]),
    }
}

/// The contract's details as typed, kept after an error.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DetailsForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    contact_person: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    address: String,
}

impl DetailsForm {
    fn of(d: &ContractDetails) -> Self {
        Self {
            company: d.company.as_str().to_owned(),
            department: d.department.clone(),
            contact_person: d.contact_person.clone(),
            phone: d.phone.clone(),
            postal_code: d.postal_code.clone(),
            address: d.address.clone(),
        }
    }

    fn input(&self) -> ContractDetailsInput<'_> {
        ContractDetailsInput {
            company: &self.company,
            department: &self.department,
            contact_person: &self.contact_person,
            phone: &self.phone,
            postal_code: &self.postal_code,
            address: &self.address,
        }
    }
}

/// Every field's problem, beside its field.
fn details_errors(page: &Page, e: ContractDetailsError) -> Result<Errors, ApiError> {
    match e {
        ContractDetailsError::Invalid(rejected) => {
            let mut errors = Errors::none();
            for (field, problem) in rejected.0 {
                errors.add_field(
                    field.as_str(),
                    crate::messages::text(details_problem_msg(problem), page.lang()),
                );
            }
            Ok(errors)
        }
        other => Err(other.to_api(page.lang())),
    }
}

fn contract_view(page: &Page, c: &Contract, form: &DetailsForm, errors: &Errors) -> Markup {
    let status = match c.status {
        ContractStatus::Active => page.t(T::StatusActive).to_owned(),
        ContractStatus::Cancelled { at } => page.tf(T::StatusCancelled, &[&when(page, at)]),
    };
    html! {
        (layout::details(&[
            (page.t(T::Plan), plan_text(page, c.plan)),
            (page.t(T::Status), status),
            (page.t(T::ItemAccessRoute), route_text(page, c.access_route).to_owned()),
            (page.t(T::ItemTwoFactor), policy_text(page, c.two_factor).to_owned()),
            (page.t(T::ContractSince), when(page, c.created_at)),
        ]))
        p { (page.t(T::DetailsIntro)) }
        (layout::form(page, "/settings/contract", html! {
            (layout::general_errors(errors, &["company", "department", "contact_person", "phone", "postal_code", "address"]))
            (Input::new("company", page.t(T::DetailsCompany)).value(&form.company).autocomplete("organization").hint(page.t(T::DetailsCompanyHint)).render(errors))
            (Input::new("department", page.t(T::DetailsDepartment)).value(&form.department).autocomplete("off").render(errors))
            (Input::new("contact_person", page.t(T::DetailsContactPerson)).value(&form.contact_person).autocomplete("name").render(errors))
            (Input::new("phone", page.t(T::DetailsPhone)).kind("tel").value(&form.phone).autocomplete("tel").hint(page.t(T::DetailsPhoneHint)).render(errors))
            (Input::new("postal_code", page.t(T::DetailsPostalCode)).value(&form.postal_code).autocomplete("postal-code").inputmode("numeric").hint(page.t(T::DetailsPostalCodeHint)).render(errors))
            (Input::new("address", page.t(T::DetailsAddress)).value(&form.address).autocomplete("street-address").render(errors))
            div.actions { button type="submit" { (page.t(T::DetailsSave)) } }
        }))
        (back_to_menu(page))
    }
}

/// Contract details, for the Basic owner to change (S1, C2).
pub(crate) async fn contract_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match for_item(&state, &page, SettingsItem::ContractDetails).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match contract_of(&state, &page, &me).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let details = match state.auth().contract_details(&me).await {
        Ok(d) => d,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    page.ok(
        T::ItemContract,
        contract_view(&page, &c, &DetailsForm::of(&details), &Errors::none()),
    )
}

/// Change the contract's details (C2): every field's problem beside it; audited, with a notice.
pub(crate) async fn change_contract(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<DetailsForm>,
) -> Response {
    let me = match for_item(&state, &page, SettingsItem::ContractDetails).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .auth()
        .change_contract_details(&me, &form.input(), &page.ctx.client)
        .await
    {
        Ok(_) => see_other("/settings?notice=details_changed"),
        Err(e) => match details_errors(&page, e) {
            Ok(errors) => match contract_of(&state, &page, &me).await {
                Ok(c) => page.render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    T::ItemContract,
                    contract_view(&page, &c, &form, &errors),
                ),
                Err(r) => r,
            },
            Err(e) => page.failure(&e),
        },
    }
}

/// The plan, and the change of a trial to Basic (C2).
pub(crate) async fn plan_page(State(state): State<AppState>, page: Page) -> Response {
    let me = match for_item(&state, &page, SettingsItem::PlanChange).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let c = match contract_of(&state, &page, &me).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let trial = c.plan.trial_ends_at().is_some();
    let items = state.auth().settings_menu(&me).await.unwrap_or_default();
    let body = html! {
        (layout::details(&[(page.t(T::Plan), plan_text(&page, c.plan))]))
        @if trial {
            p { (page.t(T::UpgradeIntro)) }
            (layout::button_form(&page, "/settings/plan", page.t(T::UpgradeButton), ""))
        } @else {
            p { (page.t(T::PlanIsBasic)) }
            p { (page.t(T::PlanBasicAbout)) }
            @if items.contains(&SettingsItem::Cancellation) {
                p { a href="/settings/cancel" { (page.t(T::PlanToCancellation)) } }
            }
        }
        (back_to_menu(&page))
    };
    page.ok(T::ItemPlan, body)
}

/// Change the trial to Basic (C2).
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    page: Page,
    Posted(_): Posted<Empty>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.auth().upgrade_to_basic(&me, &page.ctx.client).await {
        Ok(()) => see_other("/settings?notice=plan_upgraded"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

fn cancel_view(page: &Page, errors: &Errors) -> Markup {
    html! {
        p.warning { (page.t(T::CancelWarning)) }
        (layout::form(page, "/settings/cancel", html! {
            (layout::general_errors(errors, &["confirmed"]))
            (layout::checkbox("confirmed", page.t(T::CancelConfirm), false, errors))
            div.actions { button.danger type="submit" { (page.t(T::CancelButton)) } }
        }))
        (back_to_menu(page))
    }
}

/// Cancellation, with its confirmation.
pub(crate) async fn cancel_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(r) = for_item(&state, &page, SettingsItem::Cancellation).await {
        return r;
    }
    page.ok(T::ItemCancel, cancel_view(&page, &Errors::none()))
}

/// A confirmation.
#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    confirmed: bool,
}

/// Cancel the Basic contract.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<ConfirmForm>,
) -> Response {
    let me = match signed_in(&state, &page, SessionScope::Settings).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state
        .auth()
        .cancel_contract(&me, form.confirmed, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/settings?notice=cancelled"),
        Err(e) => {
            let e = e.to_api(page.lang());
            page.render(
                form_status(&e),
                T::ItemCancel,
                cancel_view(&page, &Errors::from_api(&e)),
            )
        }
    }
}
