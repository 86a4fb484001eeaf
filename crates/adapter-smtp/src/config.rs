//! Typed settings of the mail adapter. Every constructor checks its input, so a mailer can
//! only be built from a configuration that makes sense.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::Address;
use lettre::message::Mailbox;
use thiserror::Error;
use url::Url;

/// Why a mail setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The SMTP host is empty or contains white space or control characters.
    #[error("the SMTP host {0:?} is not a host name or IP address")]
    Host(String),
    /// `Security::None` was asked for a host that is not on this machine.
    #[error(
        "SMTP without TLS is allowed only for a loopback host (localhost, 127.0.0.1, ::1), \
         not for {0:?}; use StartTls or ImplicitTls"
    )]
    PlaintextToRemoteHost(String),
    /// The port is 0.
    #[error("the SMTP port must be between 1 and 65535")]
    Port,
    /// The timeout is zero or longer than [`MAX_TIMEOUT`].
    #[error("the SMTP timeout must be more than 0 and at most {} seconds", MAX_TIMEOUT.as_secs())]
    Timeout,
    /// The sender address is not an e-mail address.
    #[error("the sender address {0:?} is not a valid e-mail address")]
    Sender(String),
    /// The sender's display name contains a line break or another control character.
    #[error("the sender's display name must not contain line breaks or control characters")]
    DisplayName,
    /// The public base URL cannot be parsed or is not a plain http(s) origin with a path.
    #[error("the public base URL {url:?} is not usable: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The TLS client could not be set up.
    #[error("the TLS client could not be set up: {0}")]
    Tls(String),
}

/// Longest timeout allowed. A send may outlast the outbox lease (45 seconds): the worker
/// renews its leases while sends are in progress, so no other worker claims a mail while it
/// is still being sent; the bound keeps a stalled server from holding a mail for long.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(120);

/// The default timeout of one send.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Security {
    /// Plain connection upgraded with `STARTTLS`, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    ImplicitTls,
    /// No TLS at all. Allowed only for a loopback host (a local relay or a test server).
    None,
}

impl Security {
    /// The usual port for this mode: 587, 465 or 25.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::ImplicitTls => 465,
            Self::None => 25,
        }
    }
}

/// The `From` of every mail: an address and a display name.
#[derive(Debug, Clone)]
pub struct Sender {
    mailbox: Mailbox,
}

impl Sender {
    /// Parses the sender address and checks the display name. The name may hold any
    /// printable text, Japanese included; it is encoded (RFC 2047) and quoted in the header,
    /// never copied raw.
    ///
    /// # Errors
    /// [`ConfigError::Sender`] when `address` is not an e-mail address;
    /// [`ConfigError::DisplayName`] when the name has a line break or another control
    /// character (lettre cannot encode those in an address header).
    pub fn new(address: &str, display_name: &str) -> Result<Self, ConfigError> {
        let parsed: Address = address
            .trim()
            .parse()
            .map_err(|_| ConfigError::Sender(address.to_owned()))?;
        let name = display_name.trim();
        if name.chars().any(char::is_control) {
            return Err(ConfigError::DisplayName);
        }
        let name = (!name.is_empty()).then(|| name.to_owned());
        let mailbox = Mailbox::new(name, parsed);
        // Encoding a mailbox can fail, and lettre turns that failure into a panic when it
        // builds a message: make sure this one encodes, once, here.
        let mut encoded = String::new();
        fmt::Write::write_fmt(&mut encoded, format_args!("{mailbox}"))
            .map_err(|_| ConfigError::DisplayName)?;
        Ok(Self { mailbox })
    }

    /// The mailbox for the `From` header.
    pub fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    /// The display name, if any (also used to sign the mails).
    pub fn display_name(&self) -> Option<&str> {
        self.mailbox.name.as_deref()
    }

    /// The domain of the sender address (used in `Message-ID`s).
    pub fn domain(&self) -> &str {
        self.mailbox.email.domain()
    }
}

/// The public address of tobira's pages, under which mail links are built.
///
/// Comes from configuration only, never from a request (a `Host` header is set by the client).
/// Must be `https`, or `http` for a loopback host in development; no query, fragment or
/// user info. A path prefix is kept (`https://example.jp/auth` gives
/// `https://example.jp/auth/unlock/...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicBaseUrl(String);

impl PublicBaseUrl {
    /// Parses and checks a base URL.
    ///
    /// # Errors
    /// [`ConfigError::BaseUrl`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bad = |reason| ConfigError::BaseUrl {
            url: text.to_owned(),
            reason,
        };
        let url = Url::parse(text.trim()).map_err(|_| bad("not an absolute URL"))?;
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => return Err(bad("http is allowed only for a loopback host; use https")),
            _ => return Err(bad("the scheme must be https")),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("no query or fragment allowed"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("no user name or password allowed"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PublicBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicBaseUrl({})", self.0)
    }
}

impl fmt::Display for PublicBaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where and how to reach the SMTP server, and what every mail says about its origin.
#[derive(Clone)]
pub struct SmtpConfig {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) hello_name: Option<String>,
    pub(crate) sender: Sender,
    pub(crate) base_url: PublicBaseUrl,
    pub(crate) line_base_url: PublicBaseUrl,
}

impl SmtpConfig {
    /// Settings for `host:port` with `security`, without credentials, with
    /// [`DEFAULT_TIMEOUT`]. Links are built under `base_url`; the line-channel base starts as
    /// the same URL (see [`SmtpConfig::with_line_base_url`]).
    ///
    /// # Errors
    /// [`ConfigError::Host`] for an empty or malformed host, [`ConfigError::Port`] for port 0,
    /// and [`ConfigError::PlaintextToRemoteHost`] for [`Security::None`] with a host that is
    /// not loopback.
    pub fn new(
        host: &str,
        port: u16,
        security: Security,
        sender: Sender,
        base_url: PublicBaseUrl,
    ) -> Result<Self, ConfigError> {
        let host = host.trim();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.is_empty() || bare.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::Host(host.to_owned()));
        }
        if port == 0 {
            return Err(ConfigError::Port);
        }
        if security == Security::None && !is_loopback(bare) {
            return Err(ConfigError::PlaintextToRemoteHost(host.to_owned()));
        }
        Ok(Self {
            host: bare.to_owned(),
            port,
            security,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            hello_name: None,
            sender,
            line_base_url: base_url.clone(),
            base_url,
        })
    }

    /// Authenticates with `user` and `password` (PLAIN or LOGIN, over the protected
    /// connection).
    #[must_use]
    pub fn with_credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Gives one send at most `timeout`, from connecting to the server's last reply. A
    /// server that accepts the connection and then stalls costs no more than this.
    ///
    /// # Errors
    /// [`ConfigError::Timeout`] for zero or more than [`MAX_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, ConfigError> {
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(ConfigError::Timeout);
        }
        self.timeout = timeout;
        Ok(self)
    }

    /// The base URL under which the service is reached over a carrier line (the line
    /// channel), when it differs from the internet one. Only the Active Directory sign-in
    /// details (D1) use it: they give one sign-in address per channel
    /// ([`ad_sign_in_urls`](crate::ad_sign_in_urls)). Defaults to the base URL given to
    /// [`SmtpConfig::new`].
    #[must_use]
    pub fn with_line_base_url(mut self, line_base_url: PublicBaseUrl) -> Self {
        self.line_base_url = line_base_url;
        self
    }

    /// The name to give in `EHLO` (this machine's public host name). Without it, tobira
    /// greets with its loopback address literal, which some relays refuse.
    ///
    /// # Errors
    /// [`ConfigError::Host`] when the name is empty or contains white space or control
    /// characters.
    pub fn with_hello_name(mut self, name: &str) -> Result<Self, ConfigError> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ConfigError::Host(name.to_owned()));
        }
        self.hello_name = Some(name.to_owned());
        Ok(self)
    }

    /// The host to connect to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection protection.
    pub fn security(&self) -> Security {
        self.security
    }

    /// The longest one send may take, connecting included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The `From` of every mail.
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The base of every link (the internet channel).
    pub fn base_url(&self) -> &PublicBaseUrl {
        &self.base_url
    }

    /// The base of the line channel's sign-in address.
    pub fn line_base_url(&self) -> &PublicBaseUrl {
        &self.line_base_url
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field(
                "user",
                &self.credentials.as_ref().map(|(user, _)| user.as_str()),
            )
            .field("timeout", &self.timeout)
            .field("hello_name", &self.hello_name)
            .field("sender", &self.sender.mailbox.to_string())
            .field("base_url", &self.base_url)
            .field("line_base_url", &self.line_base_url)
            .finish_non_exhaustive()
    }
}

/// Whether `host` names this machine: `localhost` or a loopback IP address.
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender() -> Sender {
        Sender::new("no-reply@example.co.jp", "tobira").unwrap()
    }

    fn base() -> PublicBaseUrl {
        PublicBaseUrl::parse("https://auth.example.co.jp/").unwrap()
    }

    #[test]
    fn plaintext_smtp_is_refused_for_a_remote_host_with_a_clear_error() {
        let err = SmtpConfig::new("smtp.example.co.jp", 25, Security::None, sender(), base())
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::PlaintextToRemoteHost("smtp.example.co.jp".into())
        );
        assert!(err.to_string().contains("loopback"));
        for host in ["localhost", "127.0.0.1", "127.0.0.53", "::1", "[::1]"] {
            assert!(
                SmtpConfig::new(host, 25, Security::None, sender(), base()).is_ok(),
                "{host}"
            );
        }
        assert!(
            SmtpConfig::new(
                "smtp.example.co.jp",
                587,
                Security::StartTls,
                sender(),
                base()
            )
            .is_ok()
        );
    }

    #[test]
    fn bad_hosts_ports_and_timeouts_are_refused() {
        let c =
            |host: &str, port| SmtpConfig::new(host, port, Security::StartTls, sender(), base());
        assert!(matches!(c("", 587), Err(ConfigError::Host(_))));
        assert!(matches!(c("smtp\r\nx", 587), Err(ConfigError::Host(_))));
        assert!(matches!(c("smtp.example.jp", 0), Err(ConfigError::Port)));
        let ok = c("smtp.example.jp", 587).unwrap();
        assert!(matches!(
            ok.clone().with_timeout(Duration::ZERO),
            Err(ConfigError::Timeout)
        ));
        assert!(matches!(
            ok.clone().with_timeout(Duration::from_secs(121)),
            Err(ConfigError::Timeout)
        ));
        assert_eq!(
            ok.with_timeout(Duration::from_secs(3)).unwrap().timeout(),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn the_password_is_never_printed() {
        let c = SmtpConfig::new("smtp.example.jp", 587, Security::StartTls, sender(), base())
            .unwrap()
            .with_credentials("mailer", "s3cret-Passw0rd");
        let printed = format!("{c:?}");
        assert!(printed.contains("mailer"));
        assert!(!printed.contains("s3cret"));
    }

    #[test]
    fn base_urls_must_be_https_or_loopback_http_without_query() {
        assert_eq!(base().as_str(), "https://auth.example.co.jp");
        assert_eq!(
            PublicBaseUrl::parse("https://example.jp/auth/")
                .unwrap()
                .as_str(),
            "https://example.jp/auth"
        );
        assert!(PublicBaseUrl::parse("http://localhost:8080").is_ok());
        assert!(PublicBaseUrl::parse("http://127.0.0.1:8080/").is_ok());
        for bad in [
            "http://auth.example.jp",
            "ftp://auth.example.jp",
            "javascript:alert(1)",
            "https://auth.example.jp/?next=x",
            "https://auth.example.jp/#x",
            "https://user:pw@auth.example.jp",
            "/relative",
            "",
        ] {
            assert!(
                matches!(PublicBaseUrl::parse(bad), Err(ConfigError::BaseUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_display_name_with_a_line_break_is_refused_with_a_clear_error() {
        for name in [
            "tobira\r\nBcc: a@evil.example",
            "to\nbira",
            "to\u{0}bira",
            "x\u{7f}",
        ] {
            let err = Sender::new("no-reply@example.co.jp", name).unwrap_err();
            assert_eq!(err, ConfigError::DisplayName, "{name:?}");
            assert!(err.to_string().contains("line breaks"));
        }
        let ok = Sender::new(
            "no-reply@example.co.jp",
            "雲ストレージ \"サポート\" <窓口>, 本社",
        )
        .unwrap();
        assert_eq!(
            ok.display_name(),
            Some("雲ストレージ \"サポート\" <窓口>, 本社")
        );
    }

    #[test]
    fn d1_the_line_base_url_defaults_to_the_internet_one() {
        let c =
            SmtpConfig::new("smtp.example.jp", 587, Security::StartTls, sender(), base()).unwrap();
        assert_eq!(c.line_base_url(), &base());
        let line = PublicBaseUrl::parse("https://line.example.co.jp/auth").unwrap();
        let c = c.with_line_base_url(line.clone());
        assert_eq!(c.line_base_url(), &line);
        assert_eq!(c.base_url(), &base());
    }

    #[test]
    fn the_sender_must_be_an_address() {
        assert!(matches!(
            Sender::new("not an address", "x"),
            Err(ConfigError::Sender(_))
        ));
        let s = Sender::new(" no-reply@example.co.jp ", " ").unwrap();
        assert_eq!(s.display_name(), None);
        assert_eq!(s.domain(), "example.co.jp");
    }
}
