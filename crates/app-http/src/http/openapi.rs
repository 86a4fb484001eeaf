//! The OpenAPI document of the JSON API, at `/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

use super::api::{account, admin, federation, signin, tickets};
use super::error;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tobira",
        description = "Sign-in and account management. Errors share one shape: `{\"error\": {\"code\", \"message\", \"field\", \"rules\"}}`; messages follow `Accept-Language` (Japanese by default)."
    ),
    paths(
        signin::sign_in,
        signin::step,
        signin::enrol_sms,
        signin::resend_sms,
        signin::offer_totp,
        signin::finish_enrolment,
        signin::answer_challenge,
        signin::use_recovery_code,
        signin::confirm_recovery_code,
        signin::line_consent,
        signin::sign_out,
        federation::start,
        federation::callback,
        tickets::forgot_password,
        tickets::check_reset,
        tickets::reset_password,
        tickets::unlock,
        tickets::open_invitation,
        tickets::review_invitation,
        tickets::accept_invitation,
        tickets::open_email_change,
        tickets::complete_email_change,
        tickets::open_method_change,
        tickets::complete_method_change,
        account::me,
        account::sessions,
        account::end_session,
        account::settings_menu,
        account::change_password,
        account::request_email_change,
        account::set_login_method,
        account::set_two_factor_policy,
        account::set_access_route,
        account::enable_active_directory,
        account::upgrade_plan,
        account::cancel_contract,
        admin::list_users,
        admin::open_user,
        admin::invite,
        admin::resend_invitation,
        admin::withdraw_invitation,
        admin::send_change,
        admin::end_sessions,
        admin::remove_user,
        admin::lines,
        admin::add_line,
        admin::remove_line,
        admin::set_access_route,
        admin::audit,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, error::RuleDetail))
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
