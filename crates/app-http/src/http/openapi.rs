//! The OpenAPI 3.1 document of the JSON API, at `/openapi.json`.
//!
//! Operations come from the handlers' `#[utoipa::path]` attributes through the router
//! ([`super::api_router`]), so a route cannot exist without its operation or the other way
//! round. [`finish`] then adds what every operation shares: the cookie security schemes, the
//! shared error responses, and the errors each operation can meet because of its shape (a
//! body, path parameters, a required cookie, an unsafe method).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use serde_json::json;
use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr, Response,
    ResponseBuilder,
};

use super::error::{ErrorBody, ErrorCode, ErrorDetail, RuleCode, RuleDetail};

/// The API description: info, tags and the error schemas. Paths are added by the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tobira",
        description = "Sign-in and account management.\n\n\
Every failure under `/api/` answers one JSON shape, `ErrorBody`: `{\"error\": {\"code\", \"message\", \"field\", \"rules\"}}`. \
`code` is stable (see `ErrorCode`); `message` follows `Accept-Language` (Japanese by default, or English; a `lang` query \
parameter or the `tobira_lang` cookie overrides it). This holds for malformed bodies, wrong content types, oversized \
bodies (413) and headers (431), unknown routes (404) and methods (405) too.\n\n\
Sessions are cookies (`HttpOnly`, `SameSite=Lax`, `Path=/`; over TLS named with the `__Host-` prefix and `Secure`). \
State-changing requests that a browser marks as cross-site, or that carry a foreign `Origin`, are refused with 403 \
`cross_site_request`.",
        version = "1"
    ),
    tags(
        (name = "sign-in", description = "Password and provider sign-in, the second factor, sign-out (L, T, X8)."),
        (name = "links", description = "Links from mails: password reset, unlock, invitation, e-mail and login-method change."),
        (name = "account", description = "The signed-in account and its sessions (X4)."),
        (name = "settings", description = "The settings menu (S1, S2): needs the settings session."),
        (name = "admin", description = "The admin console (A1, A2, X1, X4): the owner and admins, within their contract."),
        (name = "health", description = "Liveness and readiness for load balancers."),
    ),
    components(schemas(ErrorBody, ErrorDetail, RuleDetail, ErrorCode, RuleCode))
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn document(doc: Arc<Document>) -> Json<Document> {
    Json((*doc).clone())
}

/// The cookies that carry sessions, as security schemes: name, description.
const COOKIES: &[(&str, &str)] = &[
    (
        "tobira_session",
        "The service session (L11), set by a completed sign-in with scope `service`. Over TLS its name is `__Host-tobira_session`.",
    ),
    (
        "tobira_settings",
        "The settings-menu session (S2), set by a completed sign-in with scope `settings`. Over TLS `__Host-tobira_settings`.",
    ),
    (
        "tobira_pending",
        "A sign-in waiting for its second factor, set when a sign-in answers `pending`. It opens nothing else. Over TLS `__Host-tobira_pending`.",
    ),
    (
        "tobira_federation",
        "The browser key of a provider sign-in in progress, set by `/api/federation/{provider}/start`; the callback needs it. Over TLS `__Host-tobira_federation`.",
    ),
];

/// The shared error responses: component name, status, description, example code and message.
const SHARED: &[(&str, u16, &str, &str, &str)] = &[
    (
        "BadRequest",
        400,
        "Malformed request: the body is not JSON (`malformed_json`), a path parameter (`invalid_path_parameter`) or query parameter (`invalid_query_parameter`) is invalid, or the provider sign-in's state is missing or spent (`federation_state_invalid`).",
        "malformed_json",
        "The request body is not valid JSON.",
    ),
    (
        "Unauthorized",
        401,
        "No usable session for this operation: `not_signed_in`, `session_expired`, `sign_in_expired` (pending sign-in), or `settings_sign_in_required` (a service session on a settings operation).",
        "not_signed_in",
        "Please sign in.",
    ),
    (
        "Forbidden",
        403,
        "Refused: a cross-site request (`cross_site_request`), or the account may not do this (`not_permitted`, `owner_is_protected`, …).",
        "cross_site_request",
        "This request cannot be accepted. Reload the page and try again.",
    ),
    (
        "NotFound",
        404,
        "Nothing to act on: no such user, session, line or link (`not_found`, `link_invalid`, …).",
        "not_found",
        "No such user.",
    ),
    (
        "Conflict",
        409,
        "The state does not allow this now (`conflict`, `wrong_step`, `email_taken`, …).",
        "conflict",
        "Another change got there first. Please try again.",
    ),
    (
        "PayloadTooLarge",
        413,
        "The body exceeds the configured limit (`payload_too_large`); nothing was parsed.",
        "payload_too_large",
        "The request is too large.",
    ),
    (
        "UnsupportedMediaType",
        415,
        "The body is not sent as `application/json` (`unsupported_media_type`).",
        "unsupported_media_type",
        "Send the request body as JSON with Content-Type: application/json.",
    ),
    (
        "UnprocessableEntity",
        422,
        "The body is JSON but not acceptable: not an object (`json_object_expected`), a field missing (`missing_field`), of the wrong type (`invalid_field_type`) or not an allowed value (`unknown_value`), or a value the rules refuse (`invalid_email`, `password_rejected` with `rules`, …). `field` names the field.",
        "missing_field",
        "A required field is missing.",
    ),
    (
        "TooManyRequests",
        429,
        "Too many requests from this client address (X5), or an SMS limit (`too_many_requests`, `resend_too_soon`, `sms_limit_reached`). `Retry-After` says when to try again.",
        "too_many_requests",
        "Too many requests in a short time. Please try again shortly.",
    ),
    (
        "BadGateway",
        502,
        "The identity provider cannot be reached (`provider_unavailable`).",
        "provider_unavailable",
        "The sign-in service cannot be reached right now. Please try again later, or sign in with your e-mail address and password.",
    ),
    (
        "ServiceUnavailable",
        503,
        "The store or the password hashers are busy or unavailable (`busy`, `unavailable`). `Retry-After` says when to try again.",
        "unavailable",
        "The service is unavailable right now. Please try again shortly.",
    ),
];

fn shared_response(status: u16, description: &str, code: &str, message: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .example(Some(json!({"error": {"code": code, "message": message}})))
        .build();
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if status == 429 || status == 503 {
        builder = builder.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                )
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    builder.build()
}

fn component_of(status: u16) -> Option<&'static str> {
    SHARED
        .iter()
        .find(|(_, s, ..)| *s == status)
        .map(|(name, ..)| *name)
}

/// Adds the security schemes and shared responses, and to every `/api` operation the shared
/// errors it can meet:
///
/// - every operation: 503 (store or hashers unavailable);
/// - `POST`, `PUT`, `PATCH`, `DELETE`: 403 (cross-site refusal);
/// - a request body: 400, 413, 415, 422;
/// - path parameters: 400, 404;
/// - a required cookie (security without an anonymous alternative): 401.
///
/// An operation's own description of a status is kept.
pub fn finish(mut doc: Document) -> Document {
    let mut components = doc.components.take().unwrap_or_default();
    let mut extra = ComponentsBuilder::new();
    for (name, description) in COOKIES {
        extra = extra.security_scheme(
            *name,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                *name,
                *description,
            ))),
        );
    }
    for (name, status, description, code, message) in SHARED {
        extra = extra.response(*name, shared_response(*status, description, code, message));
    }
    let extra = extra.build();
    components.security_schemes.extend(extra.security_schemes);
    components.responses.extend(extra.responses);
    doc.components = Some(components);

    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let path_params = path.contains('{');
        for (method, op) in [
            (HttpMethod::Get, item.get.as_mut()),
            (HttpMethod::Post, item.post.as_mut()),
            (HttpMethod::Put, item.put.as_mut()),
            (HttpMethod::Patch, item.patch.as_mut()),
            (HttpMethod::Delete, item.delete.as_mut()),
        ] {
            if let Some(op) = op {
                add_shared(op, &method, path_params);
            }
        }
    }
    doc
}

fn add_shared(op: &mut Operation, method: &HttpMethod, path_params: bool) {
    let mut statuses = vec![503];
    if !matches!(method, HttpMethod::Get) {
        statuses.push(403);
    }
    if op.request_body.is_some() {
        statuses.extend([400, 413, 415, 422]);
    }
    if path_params {
        statuses.extend([400, 404]);
    }
    let needs_cookie = op
        .security
        .as_ref()
        .is_some_and(|alternatives| !alternatives.is_empty() && !has_anonymous(alternatives));
    if needs_cookie {
        statuses.push(401);
    }
    let responses: &mut BTreeMap<String, RefOr<Response>> = &mut op.responses.responses;
    // Every unsafe method may meet the cross-site refusal, whatever else its 403 says.
    if !matches!(method, HttpMethod::Get)
        && let Some(RefOr::T(forbidden)) = responses.get_mut("403")
        && !forbidden.description.is_empty()
        && !forbidden.description.contains("cross_site_request")
    {
        forbidden
            .description
            .push_str(" Also a cross-site request (`cross_site_request`).");
    }
    // An operation's error without a description of its own is the shared one.
    for (key, response) in responses.iter_mut() {
        let undescribed = matches!(response, RefOr::T(r) if r.description.is_empty());
        let shared = key.parse::<u16>().ok().and_then(component_of);
        if let (true, Some(name)) = (undescribed, shared) {
            *response = RefOr::Ref(Ref::new(format!("#/components/responses/{name}")));
        }
    }
    for status in statuses {
        let key = status.to_string();
        if responses.contains_key(&key) {
            continue;
        }
        if let Some(name) = component_of(status) {
            responses.insert(
                key,
                RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))),
            );
        }
    }
}

/// Whether a security list allows no cookie at all (an empty requirement).
fn has_anonymous(alternatives: &[utoipa::openapi::security::SecurityRequirement]) -> bool {
    let empty = utoipa::openapi::security::SecurityRequirement::default();
    alternatives.contains(&empty)
}

/// The schema of a boolean that must be `true` (a confirmation): `{"type": "boolean",
/// "enum": [true]}`.
pub fn must_be_true() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .description(Some("Must be `true`: the confirmation step."))
        .build()
}
