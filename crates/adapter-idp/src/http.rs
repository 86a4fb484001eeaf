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
    /// Set for [`Http::public_only`]: the hosts allowed to be internal addresses.
    internal_hosts: Option<Vec<String>>,
}

impl Http {
    pub(crate) fn new(timeout: Duration, max_bytes: usize) -> Result<Self, HttpError> {
        Self::build(reqwest::Client::builder(), timeout, max_bytes)
    }

    /// A client for addresses that people (not the operator) type — a contract's ADFS: names
    /// that resolve to a loopback, private, link-local or otherwise internal address are
    /// refused unless listed in `internal_hosts`, and so are such literal addresses.
    pub(crate) fn public_only(
        timeout: Duration,
        max_bytes: usize,
        internal_hosts: Vec<String>,
    ) -> Result<Self, HttpError> {
        let resolver = std::sync::Arc::new(PublicResolver {
            internal_hosts: internal_hosts.clone(),
        });
        let mut http = Self::build(
            reqwest::Client::builder().dns_resolver(resolver),
            timeout,
            max_bytes,
        )?;
        http.internal_hosts = Some(internal_hosts);
        Ok(http)
    }

    fn build(
        builder: reqwest::ClientBuilder,
        timeout: Duration,
        max_bytes: usize,
    ) -> Result<Self, HttpError> {
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent("tobira")
            .build()
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        Ok(Self {
            client,
            max_bytes,
            internal_hosts: None,
        })
    }

    /// Sends `request` and reads at most the allowed number of bytes of its answer. A redirect
    /// comes back as it is (3xx), never followed.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let request =
            reqwest::Request::try_from(request).map_err(|e| HttpError::Transport(e.to_string()))?;
        if let Some(allowed) = &self.internal_hosts
            && let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = request.url().host()
        {
            // A literal address is not resolved, so it is checked here.
            let host = request.url().host_str().unwrap_or_default();
            let ip: Option<std::net::IpAddr> = host.trim_matches(['[', ']']).parse().ok();
            if ip.is_some_and(is_internal) && !allowed.iter().any(|h| h == host) {
                return Err(HttpError::NotAllowed(format!(
                    "{host} is an internal address"
                )));
            }
        }
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
        self.get_as(url, "application/json").await
    }

    /// A GET of `url` asking for `accept`, answered 200, as bytes.
    pub(crate) async fn get_as(&self, url: &url::Url, accept: &str) -> Result<Vec<u8>, HttpError> {
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(url.as_str())
            .header(http::header::ACCEPT, accept)
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

/// Whether `ip` is not a public internet address: loopback, private (RFC 1918, unique local),
/// link-local, carrier-grade NAT, unspecified, multicast, documentation or benchmarking.
pub(crate) fn is_internal(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

/// Resolves names as the system does, then refuses the name when any of its addresses is
/// internal (unless the host is listed): the check happens on the addresses actually
/// connected to, so a name cannot be re-pointed at an internal address between check and use.
struct PublicResolver {
    internal_hosts: Vec<String>,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.internal_hosts.contains(&host);
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allowed && addrs.iter().any(|a| is_internal(a.ip())) {
                return Err(format!("{host} resolves to an internal address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
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
