//! The JSON API: every flow of the core, one thin handler each — parse into domain types,
//! call one use case, answer.

pub mod account;
pub mod admin;
pub mod federation;
pub mod signin;
pub mod tickets;

use axum::Router;
use axum::routing::{delete, get, post};

use auth_core::domain::{Session, SessionScope};

use super::context::{CookieKind, Ctx};
use super::error::{ApiError, ToApi};
use super::layers::rate_limited;
use crate::state::AppState;

/// Every API route.
pub fn routes(state: AppState) -> Router<AppState> {
    let limited = Router::new()
        .route("/api/sign-in", post(signin::sign_in))
        .route("/api/sign-in/sms", post(signin::enrol_sms))
        .route("/api/sign-in/sms/resend", post(signin::resend_sms))
        .route("/api/sign-in/enrol", post(signin::finish_enrolment))
        .route("/api/sign-in/challenge", post(signin::answer_challenge))
        .route("/api/sign-in/recovery", post(signin::use_recovery_code))
        .route("/api/password/forgot", post(tickets::forgot_password))
        .route("/api/unlock/{token}", post(tickets::unlock))
        .route("/api/federation/{provider}/start", post(federation::start))
        .route(
            "/api/federation/{provider}/callback",
            post(federation::callback),
        )
        .route_layer(axum::middleware::from_fn_with_state(state, rate_limited));
    Router::new()
        .merge(limited)
        .route("/api/sign-in/step", get(signin::step))
        .route("/api/sign-in/totp", post(signin::offer_totp))
        .route(
            "/api/sign-in/recovery/confirm",
            post(signin::confirm_recovery_code),
        )
        .route("/api/sign-in/line-consent", post(signin::line_consent))
        .route("/api/sign-out", post(signin::sign_out))
        .route(
            "/api/password/reset/{token}",
            get(tickets::check_reset).post(tickets::reset_password),
        )
        .route(
            "/api/invitation/{token}",
            get(tickets::open_invitation).post(tickets::accept_invitation),
        )
        .route(
            "/api/invitation/{token}/review",
            post(tickets::review_invitation),
        )
        .route(
            "/api/email-change/{token}",
            get(tickets::open_email_change).post(tickets::complete_email_change),
        )
        .route(
            "/api/login-method/{token}",
            get(tickets::open_method_change).post(tickets::complete_method_change),
        )
        .route("/api/me", get(account::me))
        .route("/api/session", get(account::session_check))
        .route("/api/sessions", get(account::sessions))
        .route("/api/sessions/{id}", delete(account::end_session))
        .route("/api/settings", get(account::settings_menu))
        .route("/api/settings/password", post(account::change_password))
        .route("/api/settings/email", post(account::request_email_change))
        .route(
            "/api/settings/login-method",
            post(account::set_login_method),
        )
        .route(
            "/api/settings/two-factor",
            post(account::set_two_factor_policy),
        )
        .route(
            "/api/settings/access-route",
            post(account::set_access_route),
        )
        .route(
            "/api/settings/active-directory",
            post(account::enable_active_directory),
        )
        .route("/api/settings/plan", post(account::upgrade_plan))
        .route("/api/settings/cancel", post(account::cancel_contract))
        .route(
            "/api/admin/users",
            get(admin::list_users).post(admin::invite),
        )
        .route(
            "/api/admin/users/{id}",
            get(admin::open_user).delete(admin::remove_user),
        )
        .route("/api/admin/users/{id}/change", post(admin::send_change))
        .route(
            "/api/admin/users/{id}/end-sessions",
            post(admin::end_sessions),
        )
        .route(
            "/api/admin/invitations/{id}/resend",
            post(admin::resend_invitation),
        )
        .route(
            "/api/admin/invitations/{id}",
            delete(admin::withdraw_invitation),
        )
        .route("/api/admin/lines", get(admin::lines).post(admin::add_line))
        .route("/api/admin/lines/{line}", delete(admin::remove_line))
        .route("/api/admin/access-route", post(admin::set_access_route))
        .route("/api/admin/audit", get(admin::audit))
}

/// The live session of `scope` from its cookie.
pub(crate) async fn session(
    state: &AppState,
    ctx: &Ctx,
    scope: SessionScope,
) -> Result<Session, ApiError> {
    let kind = match scope {
        SessionScope::Settings => CookieKind::Settings,
        _ => CookieKind::Session,
    };
    let token = ctx
        .token(kind)
        .ok_or_else(|| ApiError::unauthorized(ctx.lang))?;
    state
        .auth()
        .authenticate(&token, scope, ctx.client.channel.kind())
        .await
        .map_err(|e| e.to_api(ctx.lang))
}

/// The service session, or else the settings session: for reads both open.
pub(crate) async fn any_session(state: &AppState, ctx: &Ctx) -> Result<Session, ApiError> {
    match session(state, ctx, SessionScope::Service).await {
        Ok(s) => Ok(s),
        // A live session refused over this channel (L10) stays refused.
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(e),
        Err(_) => session(state, ctx, SessionScope::Settings).await,
    }
}
