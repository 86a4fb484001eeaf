//! Server-rendered pages for every flow, in Japanese and English, on the same use cases as the
//! JSON API.

use axum::Router;

use crate::state::AppState;

/// Every page route.
pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
}
