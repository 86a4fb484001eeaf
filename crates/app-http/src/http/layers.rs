//! Layers around every request.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, State};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::context::Ctx;
use super::error::ApiError;
use crate::messages::Msg;
use crate::state::AppState;

/// Largest total size of request headers accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps a router in request IDs, tracing, the body limit, the header limit and the security
/// headers.
pub fn common(router: axum::Router, max_body: usize, secure: bool) -> axum::Router {
    let csp = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    let hsts = secure.then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        )
    });
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))

        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                // The matched route, never the raw URI: links carry tokens in their path.
                let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "-".into());
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
                tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn(limit_headers))
        .layer(axum::middleware::from_fn(move |req, next| limit_body(req, next, max_body)))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(tower::util::option_layer(hsts));
    // A slow client cannot hold a request (body included) open without end.
    router
        .layer(layers)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(move |req, next| {
            api_json_errors(req, next, secure)
        }))
}

/// The pages' forms that carry an ADFS metadata document, pasted or read from a file (D1):
/// real documents run to around 100 KB, and a form encodes each `<`, `>` and `"` in three
/// bytes.
const METADATA_FORMS: [&str; 2] = [
    "/settings/active-directory",
    "/settings/active-directory/edit",
];

/// The API operation that carries one, in JSON (which escapes little of an XML document).
const METADATA_API: &str = "/api/settings/active-directory";

/// The body limit of the metadata forms: a document of the largest size the core accepts
/// ([`MAX_METADATA_BYTES`](auth_core::domain::MAX_METADATA_BYTES)), form-encoded, with the other
/// fields.
pub const METADATA_FORM_BYTES: usize = auth_core::domain::MAX_METADATA_BYTES * 3 + 16 * 1024;

/// The body limit of the API's metadata operation: the largest document, JSON-escaped.
pub const METADATA_JSON_BYTES: usize = auth_core::domain::MAX_METADATA_BYTES * 2 + 16 * 1024;

/// The body limit of a request: `max_body`, or more for the metadata forms — only for the
/// methods that carry a document and only with a settings session cookie (the owner's), so
/// that nobody without one can make an instance read more than `max_body`. (A forged cookie
/// passes this cheap check; the handler then refuses it, and the connection cap bounds how
/// many such bodies are read at once.)
fn body_limit(req: &Request<Body>, max_body: usize) -> usize {
    let path = req.uri().path();
    let larger = if METADATA_FORMS.contains(&path) {
        METADATA_FORM_BYTES
    } else if path == METADATA_API {
        METADATA_JSON_BYTES
    } else {
        return max_body;
    };
    let carries = req.method() == Method::POST || req.method() == Method::PUT;
    let jar = axum_extra::extract::CookieJar::from_headers(req.headers());
    let owner = [false, true].into_iter().any(|secure| {
        jar.get(&super::context::CookieKind::Settings.name(secure))
            .is_some_and(|c| !c.value().is_empty())
    });
    if carries && owner {
        max_body.max(larger)
    } else {
        max_body
    }
}

/// Refuses a body over the request's limit: at once by its declared length, else when reading
/// goes past it (extractors answer 413).
async fn limit_body(req: Request<Body>, next: Next, max_body: usize) -> Response {
    let limit = body_limit(&req, max_body);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = req.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// Whether a path is the JSON API's.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Under `/api/`, the answers the framework and the outer layers give without a body (unknown
/// route, method not allowed, body or headers too large, timeout) get the API's error shape,
/// with their own codes, in the request's language.
async fn api_json_errors(req: Request<Body>, next: Next, secure: bool) -> Response {
    if !is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let lang = {
        let jar = axum_extra::extract::CookieJar::from_headers(req.headers());
        super::context::request_lang(&jar, req.uri(), req.headers(), secure)
    };
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let msg = match response.status() {
        StatusCode::NOT_FOUND => Msg::UnknownRoute,
        StatusCode::METHOD_NOT_ALLOWED => Msg::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Msg::PayloadTooLarge,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Msg::HeadersTooLarge,
        StatusCode::REQUEST_TIMEOUT => Msg::RequestTimeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Msg::UnsupportedMediaType,
        _ => return response,
    };
    let (parts, _) = response.into_parts();
    let (mut answer, body) = ApiError::new(parts.status, msg, lang)
        .into_response()
        .into_parts();
    // Keep what the layers set (request ID, security headers, `Allow`), not the old body's
    // type and length.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers.append(name.clone(), value.clone());
        }
    }
    Response::from_parts(answer, body)
}

/// Refuses requests whose headers exceed [`MAX_HEADER_BYTES`] (431) before anything else.
async fn limit_headers(req: Request<Body>, next: Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if size > MAX_HEADER_BYTES {
        return StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.into_response();
    }
    next.run(req).await
}

/// CSRF defence: a state-changing request that a browser marks as cross-site
/// (`Sec-Fetch-Site`) or that comes from a foreign `Origin` is refused. Combined with
/// `SameSite=Lax` cookies and JSON bodies, no other site can make a signed-in browser act.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !is_saml_consumer(req.uri().path()) {
        let headers = req.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let cross = matches!(fetch_site, Some(site) if site != "same-origin" && site != "none");
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        // Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even with a
        // same-origin form; such a request passes only when `Sec-Fetch-Site` says it is
        // same-origin.
        // The origins compared with are those of the configured public URLs (the same on
        // every instance of a fleet), not the address this instance listens on.
        let foreign = origin.is_some_and(|o| {
            if o == "null" {
                return fetch_site != Some("same-origin");
            }
            !crate::config::origin_allowed(state.allowed_origins(), o)
        });
        if cross || foreign {
            // The request context (language, cookies) is built only for a refusal: every other
            // request builds it once, in its handler.
            let api = req.uri().path().starts_with("/api/");
            let (mut parts, _) = req.into_parts();
            let Ok(ctx) = Ctx::from_request_parts(&mut parts, &state).await;
            // The API answers in JSON; a page form gets a page saying what to do.
            if !api {
                return crate::pages::csrf::refused(ctx);
            }
            return ApiError::new(StatusCode::FORBIDDEN, Msg::CrossSiteRequest, ctx.lang)
                .into_response();
        }
    }
    next.run(req).await
}

/// Whether `path` is a SAML assertion consumer (`/ad/{connection}/saml`): ADFS's HTTP-POST
/// comes from ADFS's site by design. That handler decides nothing and changes nothing; it only
/// posts the fields on from this origin, where this check applies.
fn is_saml_consumer(path: &str) -> bool {
    path.strip_prefix("/ad/")
        .and_then(|rest| rest.strip_suffix("/saml"))
        .is_some_and(|id| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Rate limit per client address for sign-in, second-factor, reset, unlock, SMS and invitation
/// requests (X5). The answer does not say which limit applied.
pub async fn rate_limited(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request<Body>,
    next: Next,
) -> Response {
    if let Some(address) = ctx.client.address
        && !state.within_rate(address).await
    {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Msg::TooManyRequests,
            ctx.lang,
        )
        .into_response();
    }
    next.run(req).await
}

/// How long a request may run before it is cut.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
