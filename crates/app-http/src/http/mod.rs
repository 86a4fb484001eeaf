//! The HTTP surface: the JSON API under `/api`, health checks, the OpenAPI document, and the
//! layers every request passes (request ID, tracing without secrets, body and header limits,
//! security headers, cross-site request refusal, rate limits).

pub mod api;
pub mod context;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod layers;
pub mod openapi;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use auth_core::domain::ContractId;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
pub use context::Listener;

/// The app for one listener.
pub fn router(state: AppState, listener: Listener) -> Router {
    let max_body = state.config().max_body_bytes;
    let secure = state.config().secure_cookies();
    let (api, doc) = api_router(state.clone()).split_for_parts();
    let doc = Arc::new(openapi::finish(doc));
    let app = Router::new()
        .merge(api)
        .merge(crate::pages::routes(state.clone()))
        .route(
            "/openapi.json",
            get(move || openapi::document(Arc::clone(&doc))),
        )
        .fallback(crate::pages::not_found)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            layers::refuse_cross_site,
        ));
    layers::common(app, max_body, secure).layer(axum::Extension(listener))
}

/// The JSON API and the health checks with their OpenAPI document.
pub fn api_router(state: AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(api::routes(state))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The OpenAPI document of the API, as `/openapi.json` serves it.
pub fn document(state: AppState) -> utoipa::openapi::OpenApi {
    openapi::finish(api_router(state).into_openapi())
}

/// Liveness: the process answers.
///
/// Always `ok` while the process serves requests; it checks nothing else.
#[utoipa::path(get, path = "/healthz", tag = "health", responses(
    (status = 200, description = "The process is alive.", content_type = "text/plain", body = String, example = "ok")))]
async fn healthz() -> &'static str {
    "ok"
}

/// One readiness check.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CheckDto {
    /// `ok` or `failing`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// How long the check took, in milliseconds.
    pub millis: u64,
}

/// The readiness answer: every named check and the overall verdict.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReadyDto {
    /// `ready` when every check is `ok`, else `unavailable`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The checks by name: `store` (a read from the store).
    pub checks: std::collections::BTreeMap<&'static str, CheckDto>,
}

/// Readiness: every check the instance needs to serve passes.
///
/// `200` with `status: ready` when the store answers a read; `503` with `status: unavailable`
/// otherwise, so a load balancer can take the instance out of rotation. Each check is named
/// with its result and duration.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "Every check passes.", body = ReadyDto,
        example = json!({"status": "ready", "checks": {"store": {"status": "ok", "millis": 1}}})),
    (status = 503, description = "A check fails.", body = ReadyDto,
        example = json!({"status": "unavailable", "checks": {"store": {"status": "failing", "millis": 5000}}}))))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, axum::Json<ReadyDto>) {
    let started = std::time::Instant::now();
    let store = state
        .store()
        .contract(ContractId::from_uuid(uuid::Uuid::nil()))
        .await;
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let ok = match store {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            false
        }
    };
    let mut checks = std::collections::BTreeMap::new();
    checks.insert(
        "store",
        CheckDto {
            status: if ok { "ok" } else { "failing" },
            millis,
        },
    );
    let (status, text) = if ok {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        status,
        axum::Json(ReadyDto {
            status: text,
            checks,
        }),
    )
}
