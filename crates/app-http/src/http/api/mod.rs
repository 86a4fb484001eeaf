//! The JSON API: every flow of the core, one thin handler each — parse into domain types,
//! call one use case, answer.

pub mod account;
pub mod admin;
pub mod details;
pub mod directory;
pub mod federation;
pub mod signin;
pub mod tickets;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::StatusCode;

use auth_core::domain::{Session, SessionScope};

use super::context::{CookieKind, Ctx};
use super::error::{ApiError, ToApi};
use super::layers::rate_limited;
use crate::messages::Msg;
use crate::state::AppState;

/// Every API route, with its OpenAPI operation: routes and document come from the same
/// `#[utoipa::path]` attributes, so neither can drift from the other.
pub fn routes(state: AppState) -> OpenApiRouter<AppState> {
    // Rate-limited per client address (X5): every step that checks a password or a code, and
    // every request that sends a reset, unlock, SMS or invitation.
    let limited = OpenApiRouter::new()
        .routes(routes!(signin::sign_in))
        .routes(routes!(signin::enrol_sms))
        .routes(routes!(signin::resend_sms))
        .routes(routes!(signin::finish_enrolment))
        .routes(routes!(signin::answer_challenge))
        .routes(routes!(signin::use_recovery_code))
        .routes(routes!(tickets::forgot_password))
        .routes(routes!(tickets::unlock))
        .routes(routes!(federation::start))
        .routes(routes!(federation::callback))
        .routes(routes!(directory::start))
        .routes(routes!(directory::callback))
        .routes(routes!(admin::invite))
        .routes(routes!(admin::resend_invitation))
        .route_layer(axum::middleware::from_fn_with_state(state, rate_limited));
    OpenApiRouter::new()
        .merge(limited)
        .routes(routes!(signin::step))
        .routes(routes!(signin::offer_totp))
        .routes(routes!(signin::confirm_recovery_code))
        .routes(routes!(signin::line_consent))
        .routes(routes!(signin::sign_out))
        .routes(routes!(tickets::check_reset, tickets::reset_password))
        .routes(routes!(
            tickets::open_invitation,
            tickets::accept_invitation
        ))
        .routes(routes!(tickets::review_invitation))
        .routes(routes!(
            tickets::open_email_change,
            tickets::complete_email_change
        ))
        .routes(routes!(
            tickets::open_method_change,
            tickets::complete_method_change
        ))
        .routes(routes!(account::me))
        .routes(routes!(account::session_check))
        .routes(routes!(account::sessions))
        .routes(routes!(account::end_session))
        .routes(routes!(account::settings_menu))
        .routes(routes!(account::language, account::set_language))
        .routes(routes!(account::change_password))
        .routes(routes!(account::request_email_change))
        .routes(routes!(account::set_login_method))
        .routes(routes!(account::set_two_factor_policy))
        .routes(routes!(account::set_access_route))
        .routes(routes!(
            account::active_directory,
            account::enable_active_directory,
            account::edit_active_directory,
            account::turn_off_active_directory
        ))
        .routes(routes!(account::reread_ad_metadata))
        .routes(routes!(account::upgrade_plan))
        .routes(routes!(account::cancel_contract))
        .routes(routes!(
            details::contract_details,
            details::change_contract_details
        ))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::open_user, admin::remove_user))
        .routes(routes!(admin::send_change))
        .routes(routes!(admin::end_sessions))
        .routes(routes!(admin::withdraw_invitation))
        .routes(routes!(admin::lines, admin::add_line))
        .routes(routes!(admin::remove_line))
        .routes(routes!(admin::set_access_route))
        .routes(routes!(admin::audit))
}

/// The live session of `scope` from its cookie.
pub(crate) async fn session(
    state: &AppState,
    ctx: &Ctx,
    scope: SessionScope,
) -> Result<Session, ApiError> {
    let kind = match scope {
        SessionScope::Settings => CookieKind::Settings,
        SessionScope::Service => CookieKind::Session,
    };
    let result = match ctx.token(kind) {
        Some(token) => state
            .auth()
            .authenticate(&token, scope, ctx.client.channel.kind())
            .await
            .map_err(|e| e.to_api(ctx.lang)),
        None => Err(ApiError::unauthorized(ctx.lang)),
    };
    match result {
        Err(e) if scope == SessionScope::Settings && e.status == StatusCode::UNAUTHORIZED => {
            // A live service session does not open the settings menu (S2): say so, rather than
            // "not signed in".
            match wrong_scope(state, ctx).await? {
                true => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    Msg::SettingsSignInRequired,
                    ctx.lang,
                )),
                false => Err(e),
            }
        }
        other => other,
    }
}

/// Whether the browser holds a live service session (checked when the settings one is missing).
/// A store that cannot answer is an error, never "no session".
async fn wrong_scope(state: &AppState, ctx: &Ctx) -> Result<bool, ApiError> {
    let Some(token) = ctx.token(CookieKind::Session) else {
        return Ok(false);
    };
    match state
        .auth()
        .authenticate(&token, SessionScope::Service, ctx.client.channel.kind())
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => {
            let e = e.to_api(ctx.lang);
            if e.status == StatusCode::UNAUTHORIZED {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

/// The service session, or else the settings session: for reads both open.
pub(crate) async fn any_session(state: &AppState, ctx: &Ctx) -> Result<Session, ApiError> {
    match session(state, ctx, SessionScope::Service).await {
        Ok(s) => Ok(s),
        // Only "no service session" tries the settings one: a session refused over this
        // channel (L10) stays refused, and a store that cannot answer is 503, never a
        // sign-out.
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            session(state, ctx, SessionScope::Settings).await
        }
        Err(e) => Err(e),
    }
}
