//! Per-request context: language, the client (channel and address, established only from
//! trusted sources), and the cookies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use auth_core::domain::{Channel, ClientInfo, LineNumber, SecretToken, SessionPolicy};

pub use super::cookies::CookieKind;
use crate::messages::Lang;
use crate::state::AppState;

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The internet listener.
    Internet,
    /// The line-channel listener behind the carrier gateway (L9).
    Line,
}

/// The request's context.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The language to answer in.
    pub lang: Lang,
    /// The client, as established by the app (L9).
    pub client: ClientInfo,
    /// The cookies sent.
    pub jar: CookieJar,
    /// Whether cookies must be `Secure`.
    pub secure: bool,
    /// The core's session policy, which sets the session cookies' lifetime.
    pub sessions: SessionPolicy,
}

impl Ctx {
    /// A secret token from a cookie, if present and well-formed.
    pub fn token(&self, kind: CookieKind) -> Option<SecretToken> {
        self.jar
            .get(&kind.name(self.secure))
            .and_then(|c| SecretToken::parse(c.value()).ok())
    }
}

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let config = state.config();
        let secure = config.secure_cookies();
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = request_lang(&jar, &parts.uri, &parts.headers, secure);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let listener = parts
            .extensions
            .get::<Listener>()
            .copied()
            .unwrap_or(Listener::Internet);
        let client = client_info(
            &parts.headers,
            peer,
            listener,
            &config.trusted_proxies,
            &config.line_header,
        );
        Ok(Ctx {
            lang,
            client,
            jar,
            secure,
            sessions: state.auth().settings().sessions,
        })
    }
}

/// The language of a request: the `lang` query parameter, else the language cookie, else
/// `Accept-Language` (see [`Lang::negotiate`]).
pub fn request_lang(
    jar: &CookieJar,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    secure: bool,
) -> Lang {
    let lang_cookie = jar
        .get(&CookieKind::Lang.name(secure))
        .map(|c| c.value().to_owned());
    let query_lang = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .map(str::to_owned)
    });
    Lang::negotiate(
        query_lang.as_deref().or(lang_cookie.as_deref()),
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Establishes the client: the address is the peer's, or — only when the peer is a trusted
/// proxy — the last address it appended to `X-Forwarded-For`; the line number is read only on
/// the line listener and only from a trusted gateway (L9). A client on the internet can never
/// set either.
pub fn client_info(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    listener: Listener,
    trusted: &[IpAddr],
    line_header: &str,
) -> ClientInfo {
    let from_trusted = peer.is_some_and(|p| trusted.contains(&p));
    let address = if from_trusted {
        // Only the last entry is the proxy's own; anything before it the client may have
        // written. If that entry is not an address, fall back to the peer.
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|a| forwarded_address(a.trim()))
            .or(peer)
    } else {
        peer
    };
    // More than one line header means something in front appended rather than replaced: trust
    // none of them.
    let mut lines = headers.get_all(line_header).iter();
    let line = match (lines.next(), lines.next()) {
        (Some(value), None) if listener == Listener::Line && from_trusted => {
            value.to_str().ok().and_then(|v| LineNumber::parse(v).ok())
        }
        _ => None,
    };
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let mut client = ClientInfo::internet(address, user_agent);
    if let Some(line) = line {
        client.channel = Channel::Line(line);
    }
    client
}

/// An address as proxies write it: `ip`, `ip:port` or `[v6]:port`.
fn forwarded_address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    text.parse::<SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn l9_an_internet_client_cannot_claim_a_line_or_an_address() {
        let gateway: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "203.0.113.7".parse().unwrap();
        let h = headers(&[
            ("x-line-number", "CAF1234567890"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        // A stranger on the line listener: no line, its own address.
        let c = client_info(
            &h,
            Some(stranger),
            Listener::Line,
            &[gateway],
            "x-line-number",
        );
        assert_eq!(c.channel, Channel::Internet);
        assert_eq!(c.address, Some(stranger));
        // The trusted gateway on the internet listener: never a line.
        let c = client_info(
            &h,
            Some(gateway),
            Listener::Internet,
            &[gateway],
            "x-line-number",
        );
        assert_eq!(c.channel, Channel::Internet);
        assert_eq!(c.address, Some("198.51.100.1".parse().unwrap()));
        // The trusted gateway on the line listener: the line and the forwarded address.
        let c = client_info(
            &h,
            Some(gateway),
            Listener::Line,
            &[gateway],
            "x-line-number",
        );
        assert_eq!(
            c.channel,
            Channel::Line(LineNumber::parse("CAF1234567890").unwrap())
        );
    }

    #[test]
    fn x5_a_client_cannot_slip_an_address_past_a_proxy_that_writes_ports() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "9.9.9.9, 203.0.113.5:41000")]);
        let c = client_info(
            &h,
            Some(proxy),
            Listener::Internet,
            &[proxy],
            "x-line-number",
        );
        assert_eq!(c.address, Some("203.0.113.5".parse().unwrap()));
        let h = headers(&[("x-forwarded-for", "9.9.9.9, unknown")]);
        let c = client_info(
            &h,
            Some(proxy),
            Listener::Internet,
            &[proxy],
            "x-line-number",
        );
        assert_eq!(
            c.address,
            Some(proxy),
            "an unreadable last entry falls back to the peer"
        );
    }

    #[test]
    fn l9_two_line_headers_are_trusted_as_none() {
        let gateway: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[
            ("x-line-number", "CAF1234567890"),
            ("x-line-number", "CAF0000000000"),
        ]);
        let c = client_info(
            &h,
            Some(gateway),
            Listener::Line,
            &[gateway],
            "x-line-number",
        );
        assert_eq!(c.channel, Channel::Internet);
    }

    #[test]
    fn the_last_forwarded_address_is_the_one_the_trusted_proxy_saw() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1, 2.2.2.2"),
            ("x-forwarded-for", "3.3.3.3"),
        ]);
        let c = client_info(
            &h,
            Some(proxy),
            Listener::Internet,
            &[proxy],
            "x-line-number",
        );
        assert_eq!(c.address, Some("3.3.3.3".parse().unwrap()));
    }
}
