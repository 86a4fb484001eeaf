//! The admin console (A1, A2, X1, X4): the owner and admin-role users manage their own
//! contract's users, invitations, lines and read its audit events.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use auth_core::domain::{
    AccountId, AdminAction, AuditEvent, AuditKind, LoginMethod, Role, Session, SessionScope,
    admin_actions,
};
use auth_core::flows::changes::SentChange;
use auth_core::flows::invitations::Invite;

use super::account::{role_text, sessions_table, when};
use super::csrf::Posted;
use super::layout::{self, Input};
use super::signin::Empty;
use super::text::T;
use super::{Errors, Page, form_status, see_other, signed_in};
use crate::http::error::{ApiError, ToApi};
use crate::messages::{Lang, Msg};
use crate::state::AppState;

/// The console's session with the actions its role may take; a refusal page for others.
async fn console(state: &AppState, page: &Page) -> Result<(Session, Vec<AdminAction>), Response> {
    let me = signed_in(state, page, SessionScope::Service).await?;
    let account = state
        .auth()
        .account_of(&me)
        .await
        .map_err(|e| page.failure(&e.to_api(page.lang())))?;
    let actions = admin_actions(account.role);
    if actions.is_empty() {
        return Err(page.failure(&ApiError::new(
            StatusCode::FORBIDDEN,
            Msg::NotPermitted,
            page.lang(),
        )));
    }
    Ok((me, actions))
}

fn nav(page: &Page, actions: &[AdminAction]) -> Markup {
    html! {
        nav.actions aria-label=(page.t(T::AdminTitle)) {
            a href="/admin" { (page.t(T::UsersTitle)) }
            @if actions.contains(&AdminAction::Invite) { a href="/admin/invite" { (page.t(T::InviteTitle)) } }
            @if actions.contains(&AdminAction::ManageLines) { a href="/admin/lines" { (page.t(T::LinesTitle)) } }
            @if actions.contains(&AdminAction::SetAccessRoute) { a href="/admin/access-route" { (page.t(T::ItemAccessRoute)) } }
            @if actions.contains(&AdminAction::ReadAudit) { a href="/admin/audit" { (page.t(T::AuditTitle)) } }
            a href="/home" { (page.t(T::HomeTitle)) }
        }
    }
}

fn method_text(page: &Page, method: &LoginMethod) -> String {
    match method {
        LoginMethod::Password => page.t(T::MethodPassword).to_owned(),
        LoginMethod::Federated { provider, .. } => {
            super::layout::provider_name(*provider, page.lang()).to_owned()
        }
        LoginMethod::ActiveDirectory { .. } => page.t(T::ActiveDirectory).to_owned(),
    }
}

fn account_id(page: &Page, raw: &str) -> Result<AccountId, Response> {
    AccountId::parse(raw).map_err(|_| {
        page.failure(&ApiError::new(
            StatusCode::NOT_FOUND,
            Msg::NotFound,
            page.lang(),
        ))
    })
}

/// The users list with the pending invitations (A1).
pub(crate) async fn users(State(state): State<AppState>, page: Page) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let list = match state.auth().list_users(&me).await {
        Ok(l) => l,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let body = html! {
        (nav(&page, &actions))
        h2 { (page.t(T::UsersTitle)) }
        div.table { table {
            thead { tr {
                th { (page.t(T::Name)) } th { (page.t(T::SignInId)) } th { (page.t(T::Role)) }
                th { (page.t(T::LoginMethod)) } th { (page.t(T::Status)) }
            } }
            tbody {
                @for a in &list.accounts {
                    tr {
                        td { a href={ "/admin/users/" (a.id) } { (a.display_name.as_str()) } }
                        td { (a.email.as_str()) }
                        td { (role_text(&page, a.role)) }
                        td { (method_text(&page, &a.login_method)) }
                        td { @if a.lock.is_locked() { (page.t(T::Locked)) } @else { (page.t(T::StatusActive)) } }
                    }
                }
            }
        } }
        h2 { (page.t(T::InvitationsTitle)) }
        @if list.invitations.is_empty() {
            p { (page.t(T::NoInvitations)) }
        } @else {
            div.table { table {
                thead { tr {
                    th { (page.t(T::Name)) } th { (page.t(T::SignInId)) } th { (page.t(T::Role)) }
                    th { (page.t(T::SentAt)) } th { span { (page.t(T::Actions)) } }
                } }
                tbody {
                    @for i in &list.invitations {
                        tr {
                            td { (i.display_name.as_str()) }
                            td { (i.email.as_str()) }
                            td { (role_text(&page, i.role)) }
                            td { (when(&page, i.sent_at)) }
                            td.actions {
                                (layout::button_form(&page, &format!("/admin/invitations/{}/resend", i.account), page.t(T::Resend), "secondary"))
                                (layout::button_form(&page, &format!("/admin/invitations/{}/withdraw", i.account), page.t(T::Withdraw), "secondary"))
                            }
                        }
                    }
                }
            } }
        }
    };
    page.ok(T::AdminTitle, body)
}

/// The invitee's language the form offers first: the inviter's own (the account's language),
/// the same default the core applies when none is chosen.
async fn inviter_language(state: &AppState, page: &Page, me: &Session) -> Result<Lang, Response> {
    match state.auth().whoami(me).await {
        Ok((account, _)) => Ok(Lang::of_locale(account.locale)),
        Err(e) => Err(page.failure(&e.to_api(page.lang()))),
    }
}

fn invite_view(
    page: &Page,
    actions: &[AdminAction],
    form: &InviteForm,
    inviter: Lang,
    errors: &Errors,
) -> Markup {
    html! {
        (nav(page, actions))
        p { (page.t(T::InviteIntro)) }
        (layout::form(page, "/admin/invite", html! {
            (layout::general_errors(errors, &["name", "email", "admin", "language"]))
            (Input::new("name", page.t(T::Name)).value(&form.name).autocomplete("off").render(errors))
            (Input::new("email", page.t(T::Email)).kind("email").value(&form.email).autocomplete("off").render(errors))
            (layout::checkbox("admin", page.t(T::GrantAdmin), form.admin, errors))
            (layout::language_radios("language", page.t(T::InviteLanguage), form.language.unwrap_or(inviter), errors))
            p.hint { (page.t(T::InviteLanguageHint)) }
            div.actions { button type="submit" { (page.t(T::SendInvitation)) } }
        }))
    }
}

/// The invitation form (I1). The invitee's language defaults to the inviter's own (the
/// account's language), as over the API.
pub(crate) async fn invite_page(State(state): State<AppState>, page: Page) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inviter = match inviter_language(&state, &page, &me).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    page.ok(
        T::InviteTitle,
        invite_view(
            &page,
            &actions,
            &InviteForm::default(),
            inviter,
            &Errors::none(),
        ),
    )
}

/// An invitation.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    admin: bool,
    /// The invitee's language; absent: the inviter's own (the core's default).
    #[serde(default)]
    language: Option<Lang>,
}

/// Invite a user (I1).
pub(crate) async fn invite(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<InviteForm>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let role = if form.admin { Role::Admin } else { Role::User };
    let invite = Invite {
        name: &form.name,
        email: &form.email,
        role,
        locale: form.language.map(Lang::locale),
    };
    match state
        .auth()
        .invite_user(&me, invite, &page.ctx.client)
        .await
    {
        Ok(_) => see_other("/admin?notice=invited"),
        Err(e) => {
            let e = e.to_api(page.lang());
            let inviter = match inviter_language(&state, &page, &me).await {
                Ok(l) => l,
                Err(r) => return r,
            };
            page.render(
                form_status(&e),
                T::InviteTitle,
                invite_view(&page, &actions, &form, inviter, &Errors::from_api(&e)),
            )
        }
    }
}

/// Resend an invitation (A1, I3).
pub(crate) async fn resend_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let (me, _) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state
        .auth()
        .resend_invitation(&me, id, &page.ctx.client)
        .await
    {
        Ok(()) => see_other("/admin?notice=invitation_resent"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// Withdraw an invitation.
pub(crate) async fn withdraw_invitation(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let (me, _) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.auth().withdraw_invitation(&me, id).await {
        Ok(()) => see_other("/admin?notice=invitation_withdrawn"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

async fn user_view(
    state: &AppState,
    page: &Page,
    me: &Session,
    actions: &[AdminAction],
    id: AccountId,
    email: Option<&str>,
    errors: &Errors,
) -> Result<Markup, Response> {
    let detail = state
        .auth()
        .open_user(me, id)
        .await
        .map_err(|e| page.failure(&e.to_api(page.lang())))?;
    let a = &detail.account;
    let base = format!("/admin/users/{}", a.id);
    let is_owner = a.role == Role::Owner;
    Ok(html! {
        (nav(page, actions))
        (layout::details(&[
            (page.t(T::Name), a.display_name.as_str().to_owned()),
            (page.t(T::SignInId), a.email.as_str().to_owned()),
            (page.t(T::Role), role_text(page, a.role).to_owned()),
            (page.t(T::LoginMethod), method_text(page, &a.login_method)),
            (page.t(T::Status), if a.lock.is_locked() { page.t(T::Locked) } else { page.t(T::StatusActive) }.to_owned()),
            (page.t(T::RegisteredAt), when(page, a.created_at)),
        ]))
        @if !is_owner && actions.contains(&AdminAction::SendChange) {
            h2 { (page.t(T::SendChangeTitle)) }
            p { (page.t(T::SendChangeIntro)) }
            (layout::form(page, &format!("{base}/change"), html! {
                (layout::general_errors(errors, &["email"]))
                (Input::new("email", page.t(T::Email)).kind("email").value(email.unwrap_or(a.email.as_str())).autocomplete("off").render(errors))
                div.actions { button type="submit" { (page.t(T::SendChangeButton)) } }
            }))
        }
        h2 { (page.t(T::SessionsTitle)) }
        @if detail.sessions.is_empty() {
            p { (page.t(T::NoSessions)) }
        } @else {
            (sessions_table(page, &detail.sessions, None, false))
        }
        @if actions.contains(&AdminAction::ManageSessions) {
            div.actions {
                (layout::button_form(page, &format!("{base}/end-sessions"), page.t(T::EndAllSessions), "secondary"))
                @if !is_owner {
                    a.button.secondary href={ (base) "/remove" } { (page.t(T::RemoveUser)) }
                }
            }
        }
    })
}

/// One user (A1, X4).
pub(crate) async fn user(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match user_view(&state, &page, &me, &actions, id, None, &Errors::none()).await {
        Ok(body) => page.ok(T::UserTitle, body),
        Err(r) => r,
    }
}

/// An address for "send change".
#[derive(Debug, Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    email: String,
}

/// Send the user an e-mail change (address changed) or a login-method change (unchanged) (E2).
pub(crate) async fn send_change(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(form): Posted<ChangeForm>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state
        .auth()
        .send_change(&me, id, &form.email, &page.ctx.client)
        .await
    {
        Ok(sent) => {
            let notice = if sent == SentChange::EmailChange {
                "email_change_mailed"
            } else {
                "method_change_mailed"
            };
            see_other(&format!("/admin/users/{id}?notice={notice}"))
        }
        Err(e) => {
            let e = e.to_api(page.lang());
            if e.field.is_none() {
                return page.failure(&e);
            }
            let errors = Errors::from_api(&e);
            match user_view(&state, &page, &me, &actions, id, Some(&form.email), &errors).await {
                Ok(body) => page.render(form_status(&e), T::UserTitle, body),
                Err(r) => r,
            }
        }
    }
}

/// End all sessions of a user (X4).
pub(crate) async fn end_sessions(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let (me, _) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state
        .auth()
        .end_user_sessions(&me, id, &page.ctx.client)
        .await
    {
        Ok(_) => see_other(&format!("/admin/users/{id}?notice=sessions_ended")),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The confirmation before removing a user.
pub(crate) async fn remove_page(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let detail = match state.auth().open_user(&me, id).await {
        Ok(d) => d,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let body = html! {
        (nav(&page, &actions))
        p.warning { (page.tf(T::RemoveWarning, &[detail.account.display_name.as_str(), detail.account.email.as_str()])) }
        div.actions {
            (layout::button_form(&page, &format!("/admin/users/{id}/remove"), page.t(T::RemoveUser), "danger"))
            a href={ "/admin/users/" (id) } { (page.t(T::Cancel)) }
        }
    };
    page.ok(T::RemoveUser, body)
}

/// Remove a user; their sessions end at once (X4).
pub(crate) async fn remove(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let (me, _) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let id = match account_id(&page, &id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.auth().remove_user(&me, id, &page.ctx.client).await {
        Ok(()) => see_other("/admin?notice=user_removed"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

async fn lines_view(
    state: &AppState,
    page: &Page,
    me: &Session,
    actions: &[AdminAction],
    line: &str,
    errors: &Errors,
) -> Result<Markup, Response> {
    let lines = state
        .auth()
        .lines(me)
        .await
        .map_err(|e| page.failure(&e.to_api(page.lang())))?;
    Ok(html! {
        (nav(page, actions))
        p { (page.t(T::LinesIntro)) }
        @if lines.is_empty() {
            p { (page.t(T::NoLines)) }
        } @else {
            ul.menu {
                @for l in &lines {
                    li.actions {
                        span.secret { (l.as_str()) }
                        a.button.secondary href=(format!("/admin/lines/{}/remove", l.as_str())) { (page.t(T::Remove)) }
                    }
                }
            }
        }
        h2 { (page.t(T::AddLine)) }
        (layout::form(page, "/admin/lines", html! {
            (layout::general_errors(errors, &["line"]))
            (Input::new("line", page.t(T::LineNumber)).value(line).hint(page.t(T::LineHint)).render(errors))
            div.actions { button type="submit" { (page.t(T::AddLine)) } }
        }))
    })
}

/// The contract's lines (A2).
pub(crate) async fn lines(State(state): State<AppState>, page: Page) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match lines_view(&state, &page, &me, &actions, "", &Errors::none()).await {
        Ok(body) => page.ok(T::LinesTitle, body),
        Err(r) => r,
    }
}

/// A line number.
#[derive(Debug, Deserialize)]
pub(crate) struct LineForm {
    #[serde(default)]
    line: String,
}

/// Register a line (A2, N1).
pub(crate) async fn add_line(
    State(state): State<AppState>,
    page: Page,
    Posted(form): Posted<LineForm>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state
        .auth()
        .add_line(&me, &form.line, &page.ctx.client)
        .await
    {
        Ok(_) => see_other("/admin/lines?notice=line_added"),
        Err(e) => {
            let e = e.to_api(page.lang());
            match lines_view(
                &state,
                &page,
                &me,
                &actions,
                &form.line,
                &Errors::from_api(&e),
            )
            .await
            {
                Ok(body) => page.render(form_status(&e), T::LinesTitle, body),
                Err(r) => r,
            }
        }
    }
}

/// The confirmation before removing a line (A2), warning when the access route is
/// `LineOnly` (a removed line can lock people out, N4).
pub(crate) async fn remove_line_confirm(
    State(state): State<AppState>,
    page: Page,
    Path(line): Path<String>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lines = match state.auth().lines(&me).await {
        Ok(l) => l,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let Some(found) = lines.iter().find(|l| l.as_str() == line) else {
        return page.failure(&ApiError::new(
            StatusCode::NOT_FOUND,
            Msg::NotFound,
            page.lang(),
        ));
    };
    let line_only = state
        .auth()
        .contract_of(&me)
        .await
        .is_ok_and(|c| c.access_route == auth_core::domain::AccessRoute::LineOnly);
    let action = format!("/admin/lines/{}/remove", found.as_str());
    let body = html! {
        (nav(&page, &actions))
        p { (page.tf(T::LineRemoveIntro, &[found.as_str()])) }
        @if line_only { p.warning #line-only-warning { (page.t(T::LineRemoveLineOnlyWarning)) } }
        (layout::form(&page, &action, html! {
            input type="hidden" name="confirmed" value="true";
            div.actions { button type="submit" { (page.t(T::Remove)) } }
        }))
        p { a href="/admin/lines" { (page.t(T::Back)) } }
    };
    page.ok(T::LineRemoveTitle, body)
}

/// A removal, confirmed on its page.
#[derive(Debug, Deserialize)]
pub(crate) struct RemoveLineForm {
    #[serde(default)]
    confirmed: bool,
}

/// Remove a line (A2), once confirmed.
pub(crate) async fn remove_line(
    State(state): State<AppState>,
    page: Page,
    Path(line): Path<String>,
    Posted(form): Posted<RemoveLineForm>,
) -> Response {
    let (me, _) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !form.confirmed {
        return see_other(&format!(
            "/admin/lines/{}/remove",
            line.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        ));
    }
    match state.auth().remove_line(&me, &line, &page.ctx.client).await {
        Ok(()) => see_other("/admin/lines?notice=line_removed"),
        Err(e) => page.failure(&e.to_api(page.lang())),
    }
}

/// The label of an event's kind (without its details), in the page's language.
fn kind_label(page: &Page, kind: &AuditKind) -> &'static str {
    use AuditKind as K;
    let key = match kind {
        K::SignInSucceeded { .. } => T::AuditSignInSucceeded,
        K::SignInFailed { .. } => T::AuditSignInFailed,
        K::AccountLocked => T::AuditAccountLocked,
        K::AccountUnlocked => T::AuditAccountUnlocked,
        K::PasswordResetRequested => T::AuditResetRequested,
        K::PasswordReset => T::AuditPasswordReset,
        K::PasswordChanged => T::AuditPasswordChanged,
        K::PasswordRehashed => T::AuditPasswordRehashed,
        K::SessionEnded => T::AuditSessionEnded,
        K::SecondFactorEnrolled { .. } => T::AuditFactorEnrolled,
        K::SecondFactorPassed { .. } => T::AuditFactorPassed,
        K::SecondFactorFailed { .. } => T::AuditFactorFailed,
        K::RecoveryCodeUsed => T::AuditRecoveryUsed,
        K::RecoveryCodeFailed => T::AuditRecoveryFailed,
        K::InvitationSent => T::AuditInvitationSent,
        K::InvitationAccepted => T::AuditInvitationAccepted,
        K::EmailChangeRequested => T::AuditEmailChangeRequested,
        K::EmailChanged => T::AuditEmailChanged,
        K::LoginMethodChangeRequested => T::AuditMethodChangeRequested,
        K::LoginMethodChanged => T::AuditMethodChanged,
        K::AccountRemoved => T::AuditAccountRemoved,
        K::SessionsEnded => T::AuditSessionsEnded,
        K::LineRegistered => T::AuditLineRegistered,
        K::LineRemoved => T::AuditLineRemoved,
        K::LineConsentGiven => T::AuditLineConsent,
        K::AccessRouteChanged { .. } => T::AuditRouteChanged,
        K::ActiveDirectoryEnabled => T::AuditAdEnabled,
        K::ActiveDirectoryChanged => T::AuditAdChanged,
        K::ActiveDirectoryTurnedOff => T::AuditAdTurnedOff,
        K::DirectorySignIn { .. } => T::AuditDirectorySignIn,
        K::PlanChanged => T::AuditPlanChanged,
        K::ContractCancelled => T::AuditContractCancelled,
        K::ContractDetailsChanged => T::AuditContractDetailsChanged,
        K::TwoFactorPolicyChanged { .. } => T::AuditPolicyChanged,
        K::ProviderSignIn { .. } => T::AuditProviderSignIn,
    };
    page.t(key)
}

/// What an audit event says, in the page's language.
fn audit_text(page: &Page, kind: &AuditKind) -> String {
    // The variant's details (the failure reason, the factor, the route, …), labelled in the
    // page's language.
    let names = crate::audit::names(kind);
    let provider = match kind {
        AuditKind::ProviderSignIn { provider, .. } => {
            Some(layout::provider_name(*provider, page.lang()))
        }
        _ => None,
    };
    let mut labels: Vec<&str> = provider.into_iter().collect();
    labels.extend(
        [names.reason, names.detail]
            .into_iter()
            .flatten()
            .map(|n| crate::audit::label(n, page.lang())),
    );
    let detail = (!labels.is_empty()).then(|| labels.join(": "));
    match detail {
        Some(d) => format!("{} ({d})", kind_label(page, kind)),
        None => kind_label(page, kind).to_owned(),
    }
}

fn audit_row(page: &Page, e: &AuditEvent, people: &[(AccountId, String)]) -> Markup {
    let who = e
        .account
        .map(|id| {
            people
                .iter()
                .find(|(a, _)| *a == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| page.t(T::AuditOther).to_owned())
        })
        .unwrap_or_else(|| "-".to_owned());
    let channel = crate::audit::channel_label(e.channel.as_str(), page.lang());
    let address = e
        .client_address
        .map(|a| a.to_string())
        .unwrap_or_else(|| "-".into());
    html! {
        tr {
            td data-label=(page.t(T::When)) { (when(page, e.at)) }
            td data-label=(page.t(T::Account)) { (who) }
            td data-label=(page.t(T::Event)) { (audit_text(page, &e.kind)) }
            td data-label=(page.t(T::SessionWhere)) { (channel) " " (address) }
        }
    }
}

/// The audit log's filter and position, from the address.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditParams {
    #[serde(default)]
    account: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    before: String,
}

/// Events a page of the audit log shows.
const AUDIT_PAGE: usize = 50;

/// The contract's audit events, newest first, filtered by account and kind, a page at a time
/// (X1).
pub(crate) async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(params): Query<AuditParams>,
) -> Response {
    let (me, actions) = match console(&state, &page).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Accounts and pending invitations, "name <e-mail>".
    let people: Vec<(AccountId, String)> = match state.auth().list_users(&me).await {
        Ok(l) => l
            .accounts
            .iter()
            .map(|a| {
                (
                    a.id,
                    format!("{} <{}>", a.display_name.as_str(), a.email.as_str()),
                )
            })
            .chain(l.invitations.iter().map(|i| {
                (
                    i.account,
                    format!(
                        "{} <{}> ({})",
                        i.display_name.as_str(),
                        i.email.as_str(),
                        page.t(T::AuditInvited)
                    ),
                )
            }))
            .collect(),
        Err(_) => Vec::new(),
    };
    // Unknown filters are ignored rather than refused: the page is a view.
    let account = uuid::Uuid::parse_str(params.account.trim())
        .ok()
        .map(AccountId::from_uuid)
        .filter(|id| people.iter().any(|(a, _)| a == id));
    let kind = crate::audit::kind_named(params.kind.trim());
    let kind_name = kind.as_ref().map(|k| crate::audit::names(k).kind);
    let before = auth_core::ports::AuditCursor::parse(&params.before);
    let events = match state
        .auth()
        .audit_page(&me, account, kind.clone(), before, AUDIT_PAGE)
        .await
    {
        Ok(e) => e,
        Err(e) => return page.failure(&e.to_api(page.lang())),
    };
    let filter_query = |before: Option<&str>| {
        let account = account.map(|a| a.to_string());
        let pairs: Vec<(&str, &str)> = [
            ("account", account.as_deref()),
            ("kind", kind_name),
            ("before", before),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if q.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{q}")
        }
    };
    let mut kinds: Vec<(&str, &str)> = crate::audit::KINDS
        .iter()
        .filter_map(|n| crate::audit::kind_named(n).map(|k| (*n, kind_label(&page, &k))))
        .collect();
    kinds.sort_by(|a, b| a.1.cmp(b.1));
    let body = html! {
        (nav(&page, &actions))
        p { (page.t(T::AuditIntro)) }
        form.filters method="get" action="/admin/audit" id="audit-filter" {
            div.field {
                label for="account" { (page.t(T::Account)) }
                select id="account" name="account" {
                    option value="" { (page.t(T::AuditAll)) }
                    @for (id, label) in &people {
                        option value=(id.to_string()) selected[account == Some(*id)] { (label) }
                    }
                }
            }
            div.field {
                label for="kind" { (page.t(T::Event)) }
                select id="kind" name="kind" {
                    option value="" { (page.t(T::AuditAll)) }
                    @for (name, label) in &kinds {
                        option value=(name) selected[kind_name == Some(*name)] { (label) }
                    }
                }
            }
            div.actions { button type="submit" { (page.t(T::AuditFilter)) } }
        }
        @if events.events.is_empty() {
            p #audit-empty { (page.t(T::AuditNoEvents)) }
        } @else {
            div.table { table.reflow #audit-events {
                thead { tr {
                    th { (page.t(T::When)) } th { (page.t(T::Account)) } th { (page.t(T::Event)) } th { (page.t(T::SessionWhere)) }
                } }
                tbody { @for e in &events.events { (audit_row(&page, e, &people)) } }
            } }
        }
        p.pager {
            @if before.is_some() {
                a #audit-newest href=(filter_query(None)) { (page.t(T::AuditNewest)) }
                " "
            }
            @if let Some(older) = events.older {
                a #audit-older href=(filter_query(Some(&older.to_text()))) { (page.t(T::AuditOlder)) }
            }
        }
    };
    page.ok(T::AuditTitle, body)
}
