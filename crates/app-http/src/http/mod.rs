//! The HTTP surface: the JSON API under `/api`, health checks, the OpenAPI document, and the
//! layers every request passes (request ID, tracing without secrets, body and header limits,
//! security headers, cross-site request refusal, rate limits).

pub mod api;
pub mod context;
pub mod error;
pub mod layers;
pub mod openapi;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use auth_core::domain::ContractId;

use crate::state::AppState;
pub use context::Listener;

/// The app for one listener.
pub fn router(state: AppState, listener: Listener) -> Router {
    let max_body = state.config().max_body_bytes;
    let secure = state.config().secure_cookies();
    let app = Router::new()
        .merge(api::routes(state.clone()))
        .merge(crate::pages::routes(state.clone()))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi::document))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            layers::refuse_cross_site,
        ));
    layers::common(app, max_body, secure).layer(axum::Extension(listener))
}

/// Ready when the store answers.
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
