//! Extractors for the JSON API whose every rejection is an [`ApiError`]: the one error shape,
//! a stable code per kind of problem, a message in the request's language, and never a Rust
//! type name or the offending input echoed back.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::context::request_lang;
use super::error::ApiError;
use crate::messages::{Lang, Msg};
use crate::state::AppState;

fn lang_of(parts: &Parts, state: &AppState) -> Lang {
    let jar = CookieJar::from_headers(&parts.headers);
    request_lang(
        &jar,
        &parts.uri,
        &parts.headers,
        state.config().secure_cookies(),
    )
}

/// A JSON request body. Rejections: 415 `unsupported_media_type` (no JSON content type),
/// 413 `payload_too_large`, 400 `malformed_json`, 422 `json_object_expected` (not an object),
/// 422 `missing_field`, `invalid_field_type` or `unknown_value` with the field concerned.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = lang_of(&parts, &AppState::from_ref(state));
        if !is_json(&parts.headers) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Msg::UnsupportedMediaType,
                lang,
            ));
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::PayloadTooLarge, lang)
                } else {
                    ApiError::new(StatusCode::BAD_REQUEST, Msg::MalformedJson, lang)
                }
            })?;
        parse_json(&bytes, lang).map(ApiJson)
    }
}

/// Whether the content type is JSON: `application/json` or `application/…+json`, any
/// parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// Parses a JSON body into `T`, classifying what is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], lang: Lang) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, Msg::MalformedJson, lang))?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::JsonObjectExpected,
            lang,
        ));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let detail = e.into_inner().to_string();
        let (msg, field) = classify(&detail, &path);
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg, lang);
        match field {
            Some(f) => error.at_path(f),
            None => error,
        }
    })
}

/// The code and field of a deserialization error. Only field names from the target type (never
/// input values) make it into the field.
fn classify(detail: &str, path: &str) -> (Msg, Option<String>) {
    let at = (path != "." && !path.is_empty()).then(|| path.to_owned());
    if let Some(rest) = detail.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let field = match (at, name_ok) {
            (Some(p), true) => Some(format!("{p}.{name}")),
            (None, true) => Some(name.to_owned()),
            (p, false) => p,
        };
        return (Msg::MissingField, field);
    }
    if detail.starts_with("unknown variant") {
        return (Msg::UnknownValue, at);
    }
    if detail.starts_with("invalid type")
        || detail.starts_with("invalid length")
        || detail.starts_with("invalid value")
    {
        return (Msg::InvalidFieldType, at);
    }
    (Msg::InvalidBody, at)
}

/// Path parameters. A rejection (e.g. bytes that are not UTF-8) is 400
/// `invalid_path_parameter`.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(ApiPath(t)),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                Msg::InvalidPathParameter,
                lang_of(parts, &AppState::from_ref(state)),
            )),
        }
    }
}

/// Query parameters. A rejection is 400 `invalid_query_parameter`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        serde_urlencoded::from_str::<T>(parts.uri.query().unwrap_or_default())
            .map(ApiQuery)
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    Msg::InvalidQueryParameter,
                    lang_of(parts, &AppState::from_ref(state)),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        scope: Option<Scope>,
        n: Option<u8>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Scope {
        Service,
    }

    fn code(bytes: &str) -> (StatusCode, &'static str, Option<String>) {
        match parse_json::<Body>(bytes.as_bytes(), Lang::En) {
            Ok(_) => (StatusCode::OK, "ok", None),
            Err(e) => (e.status, e.msg.code(), e.path),
        }
    }

    #[test]
    fn each_kind_of_bad_body_has_its_own_code_and_never_a_type_name() {
        assert_eq!(code("{").1, "malformed_json");
        assert_eq!(code("{").0, StatusCode::BAD_REQUEST);
        assert_eq!(code("[]").1, "json_object_expected");
        assert_eq!(code("\"x\"").1, "json_object_expected");
        assert_eq!(
            code("{}"),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_field",
                Some("email".into())
            )
        );
        assert_eq!(
            code(r#"{"email": 1}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field_type",
                Some("email".into())
            )
        );
        assert_eq!(
            code(r#"{"email": "a", "scope": "Body"}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_value",
                Some("scope".into())
            )
        );
        assert_eq!(
            code(r#"{"email": "a", "n": 300}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field_type",
                Some("n".into())
            )
        );
        assert_eq!(code(r#"{"email": "a"}"#).1, "ok");
    }
}
