//! The one stylesheet and the one script, served from the binary (same origin, so the
//! Content-Security-Policy allows them). The script only adds the show/hide toggle of password
//! fields; every page works without it.

use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = include_str!("assets/tobira.css");
const JS: &str = include_str!("assets/tobira.js");

/// The stylesheet.
pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// The script.
pub(crate) async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}
