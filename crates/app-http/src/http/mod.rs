//! The HTTP surface: the JSON API under `/api`, health checks, the OpenAPI document, and the
//! layers every request passes (request ID, tracing without secrets, body and header limits,
//! security headers, cross-site request refusal, rate limits).

pub mod api;
pub mod context;
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

/// Readiness: the store answers.
///
/// `ready` when a store read succeeds; `503` with `store unavailable` otherwise, so a load
/// balancer can take the instance out of rotation.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "The store answers.", content_type = "text/plain", body = String, example = "ready"),
    (status = 503, description = "The store does not answer.", content_type = "text/plain", body = String, example = "store unavailable")))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state
        .store()
        .contract(ContractId::from_uuid(uuid::Uuid::nil()))
        .await
    {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}
