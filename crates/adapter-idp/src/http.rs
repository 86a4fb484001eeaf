//! Outbound HTTP to providers: no redirects followed, one timeout per request, a cap on the
//! body read, and only addresses the settings allow.

use std::time::Duration;

use openidconnect::{HttpRequest, HttpResponse};
use thiserror::Error;

/// Why a request to a provider gave no usable answer.
#[derive(Debug, Error)]
pub(crate) enum HttpError {
    /// Connecting, sending or reading failed or timed out.
    #[error("request failed: {0}")]
    Transport(String),
    /// The body was larger than allowed.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
    /// The address is not one the settings allow.
    #[error("address not allowed: {0}")]
    NotAllowed(String),
}

/// A bounded HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    max_bytes: usize,
}

impl Http {
    pub(crate) fn new(timeout: Duration, max_bytes: usize) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent("tobira")
            .build()
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        Ok(Self { client, max_bytes })
    }

    /// Sends `request` and reads at most the allowed number of bytes of its answer. A redirect
    /// comes back as it is (3xx), never followed.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let request =
            reqwest::Request::try_from(request).map_err(|e| HttpError::Transport(e.to_string()))?;
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| HttpError::Transport(without_url(&e)))?;
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(HttpError::TooLarge(self.max_bytes));
        }
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError::Transport(without_url(&e)))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(HttpError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body)
            .map_err(|e| HttpError::Transport(e.to_string()))
    }

    /// A GET of `url` answered 200, as bytes.
    pub(crate) async fn get(&self, url: &url::Url) -> Result<Vec<u8>, HttpError> {
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(url.as_str())
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|_| HttpError::NotAllowed(url.to_string()))?;
        let response = self.send(request).await?;
        if response.status() != http::StatusCode::OK {
            return Err(HttpError::Transport(format!(
                "{} answered {}",
                url,
                response.status()
            )));
        }
        Ok(response.into_body())
    }
}

/// A transport error's text without the request URL (it may carry a code in its query).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<provider>");
    }
    if e.is_timeout() {
        format!("timed out: {text}")
    } else {
        text
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
