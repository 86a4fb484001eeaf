//! The pages' CSRF defence, on top of the Origin / `Sec-Fetch-Site` check every request
//! passes: a random token in a cookie, repeated in a hidden field of every form
//! (double-submit), compared in constant time. A form POST without a matching pair is refused
//! with a page saying what to do.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use auth_core::ports::SecretSource;

use super::Page;
use super::text::T;
use crate::http::context::Ctx;
use crate::state::AppState;
use crate::system::OsSecrets;

/// The hidden form field carrying the token.
pub const FIELD: &str = "csrf";

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// The cookie's name: `__Host-` prefixed when served over TLS, like tobira's other cookies.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-tobira_csrf"
    } else {
        "tobira_csrf"
    }
}

/// The browser's token, if its cookie holds a well-formed one.
pub fn token_of(ctx: &Ctx) -> Option<String> {
    let value = ctx.jar.get(cookie_name(ctx.secure))?.value();
    let well_formed = value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| value.to_owned())
}

/// A fresh token.
pub fn generate() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsSecrets.fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The cookie carrying `token`: `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` over TLS; it
/// lasts as long as the browser session.
pub fn cookie(ctx: &Ctx, token: String) -> Cookie<'static> {
    let mut c = Cookie::new(cookie_name(ctx.secure), token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(ctx.secure);
    c
}

/// Whether the token sent with a form is the cookie's, in constant time.
pub fn matches(cookie: &str, sent: &str) -> bool {
    cookie.len() == sent.len() && bool::from(cookie.as_bytes().ct_eq(sent.as_bytes()))
}

/// A posted form whose CSRF token matched its cookie.
#[derive(Debug)]
pub struct Posted<F>(pub F);

impl<S, F> FromRequest<S> for Posted<F>
where
    S: Send + Sync,
    AppState: FromRef<S>,
    F: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = match Ctx::from_request_parts(&mut parts, state).await {
            Ok(ctx) => ctx,
            Err(never) => match never {},
        };
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.as_str());
        let accepted = match (token_of(&ctx), sent) {
            (Some(cookie), Some(sent)) => matches(&cookie, sent),
            _ => false,
        };
        if !accepted {
            return Err(refused(ctx));
        }
        serde_urlencoded::from_bytes::<F>(&bytes)
            .map(Posted)
            .map_err(|_| {
                Page::from_ctx(ctx).message(
                    StatusCode::BAD_REQUEST,
                    T::BadFormTitle,
                    T::BadFormBody,
                )
            })
    }
}

/// The page of a form refused for its missing or wrong token. It sets a fresh token so that
/// reloading the form and sending it again works.
pub fn refused(ctx: Ctx) -> Response {
    Page::from_ctx(ctx).message(StatusCode::FORBIDDEN, T::CsrfTitle, T::CsrfBody)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_exactly() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, &b));
        assert!(!matches(&a, &a[..42]));
        assert!(!matches(&a, ""));
    }
}
