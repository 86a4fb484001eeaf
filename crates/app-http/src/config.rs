//! One typed configuration, from defaults, an optional TOML file, `TOBIRA_*` environment
//! variables and command-line flags, in that order of precedence. The defaults need no setup:
//! an embedded SQLite store and file outboxes for mail and SMS in the data directory, served at
//! `http://127.0.0.1:8080`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The configuration could not be read or is invalid.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A source could not be read or a value has the wrong type.
    #[error("configuration: {0}")]
    Read(String),
    /// A value is out of its allowed range.
    #[error("configuration: {field}: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// STARTTLS on a plain connection (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: loopback relays only.
    None,
}

/// SMTP settings; without them mail goes to `.eml` files in the data directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Server host.
    pub host: String,
    /// Server port.
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// Transport security.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// User name, if the server needs one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password, if the server needs one.
    #[serde(default)]
    pub password: Option<String>,
    /// The From address.
    pub from_address: String,
    /// The From display name.
    #[serde(default = "default_from_name")]
    pub from_name: String,
    /// Seconds a whole send may take.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
}

fn default_smtp_port() -> u16 {
    587
}
fn default_from_name() -> String {
    "tobira".into()
}
fn default_smtp_timeout() -> u64 {
    30
}

/// One federated provider (L7). The client secret comes from `client_secret` (e.g. the
/// environment: `TOBIRA_PROVIDERS__GOOGLE__CLIENT_SECRET`) or a file, and is never logged.
#[derive(Clone, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// The client ID registered at the provider.
    pub client_id: String,
    /// The client secret.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// A file holding the client secret (its surrounding white space is ignored).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Where to read the provider's metadata, for tests and private deployments.
    #[serde(default)]
    pub discovery_url: Option<String>,
    /// The issuer the provider's metadata and tokens name, when not the public one.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Microsoft only: the tenant IDs allowed to sign in (empty: any).
    #[serde(default)]
    pub tenants: Vec<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("client_secret_file", &self.client_secret_file)
            .field("discovery_url", &self.discovery_url)
            .field("issuer", &self.issuer)
            .field("tenants", &self.tenants)
            .finish()
    }
}

/// The federated providers; a provider not given keeps its button disabled.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProvidersConfig {
    /// Google.
    #[serde(default)]
    pub google: Option<ProviderConfig>,
    /// Facebook.
    #[serde(default)]
    pub facebook: Option<ProviderConfig>,
    /// Microsoft (work, school and personal accounts).
    #[serde(default)]
    pub microsoft: Option<ProviderConfig>,
    /// docomo d-account.
    #[serde(default)]
    pub d_account: Option<ProviderConfig>,
    /// Hosts reached over plain `http` (tests, private networks); all others need `https`.
    #[serde(default)]
    pub insecure_http_hosts: Vec<String>,
    /// Hosts of contracts' ADFS (addresses owners type) that may resolve to loopback or private
    /// addresses (tests, private networks); every other such address is refused.
    #[serde(default)]
    pub internal_hosts: Vec<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Address of the internet listener.
    pub listen: SocketAddr,
    /// Address of the line-channel listener, reached only through the carrier gateway (L9).
    pub line_listen: Option<SocketAddr>,
    /// Where the embedded store and the outboxes live.
    pub data_dir: PathBuf,
    /// `postgres://...` or `sqlite://...`; default: SQLite in the data directory.
    pub database_url: Option<String>,
    /// The public base URL of the internet channel (links in mails are built from it, never
    /// from a request's Host header).
    pub public_url: Option<String>,
    /// The public base URL of the line channel.
    pub line_public_url: Option<String>,
    /// Header in which the carrier gateway passes the line number.
    pub line_header: String,
    /// Addresses of the reverse proxies / carrier gateways whose forwarding headers are
    /// trusted. Requests from anywhere else never set a line number or a client address.
    /// From the environment either as a list (`TOBIRA_TRUSTED_PROXIES="[10.0.0.5, ::1]"`) or
    /// as addresses separated by commas or spaces (`TOBIRA_TRUSTED_PROXIES="10.0.0.5,::1"`).
    #[serde(deserialize_with = "addresses")]
    pub trusted_proxies: Vec<IpAddr>,
    /// Whether a TLS-terminating proxy is in front (cookies get `Secure` and `__Host-`).
    pub behind_tls_proxy: bool,
    /// Log format.
    pub log_format: LogFormat,
    /// The SMTP server; none means the file outbox.
    pub smtp: Option<SmtpSettings>,
    /// Password hashes computed at once (0: one per core).
    pub hash_concurrency: usize,
    /// Password hashes that may wait for a turn before requests are answered "busy".
    pub hash_queue: usize,
    /// Name shown by authenticator apps.
    pub totp_issuer: String,
    /// Sign-in, reset, unlock and SMS requests allowed per client address per minute (X5).
    pub rate_limit_per_minute: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a client may take to send a request's complete headers, and to start its next
    /// request on a kept-alive connection; then the connection is closed.
    pub header_read_timeout_seconds: u64,
    /// Connections each listener keeps open at most; more wait until one closes.
    pub max_connections: usize,
    /// Store connections this instance opens at most. With N instances on one PostgreSQL,
    /// N × this (plus operators' tools) must stay below the server's `max_connections`.
    pub database_pool_size: usize,
    /// Federated sign-in providers (L7).
    #[serde(default)]
    pub providers: ProvidersConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            line_listen: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            line_public_url: None,
            line_header: "X-Line-Number".into(),
            trusted_proxies: Vec::new(),
            behind_tls_proxy: false,
            log_format: LogFormat::Text,
            smtp: None,
            hash_concurrency: 0,
            hash_queue: 256,
            totp_issuer: "tobira".into(),
            rate_limit_per_minute: 30,
            max_body_bytes: 64 * 1024,
            header_read_timeout_seconds: 10,
            max_connections: 1024,
            database_pool_size: 10,
            providers: ProvidersConfig::default(),
        }
    }
}

/// Command-line overrides that every command honours.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads defaults ← `file` (if any) ← `TOBIRA_*` variables ← `overrides`.
    /// Nested settings use `__` in variables: `TOBIRA_SMTP__HOST`.
    ///
    /// # Errors
    /// [`ConfigError`] for unreadable sources or invalid values.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(Env::prefixed("TOBIRA_").split("__").ignore(&["config"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError::Read(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid {
                field: "max_body_bytes",
                reason: "at least 1024".into(),
            });
        }
        if self.rate_limit_per_minute == 0 {
            return Err(ConfigError::Invalid {
                field: "rate_limit_per_minute",
                reason: "at least 1".into(),
            });
        }
        if !(1..=300).contains(&self.header_read_timeout_seconds) {
            return Err(ConfigError::Invalid {
                field: "header_read_timeout_seconds",
                reason: "from 1 to 300".into(),
            });
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Invalid {
                field: "max_connections",
                reason: "at least 1".into(),
            });
        }
        if !(1..=1000).contains(&self.database_pool_size) {
            return Err(ConfigError::Invalid {
                field: "database_pool_size",
                reason: "from 1 to 1000".into(),
            });
        }
        for (field, url) in [
            ("public_url", &self.public_url),
            ("line_public_url", &self.line_public_url),
        ] {
            if let Some(url) = url
                && origin_of(url).is_none()
            {
                return Err(ConfigError::Invalid {
                    field,
                    reason: "an absolute http:// or https:// URL".into(),
                });
            }
        }
        if self.line_header.is_empty()
            || !self
                .line_header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ConfigError::Invalid {
                field: "line_header",
                reason: "an HTTP header name".into(),
            });
        }
        Ok(())
    }

    /// The store URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("tobira.db").display()))
    }

    /// Whether the store is one several instances share (PostgreSQL): then per-address rate
    /// limits are counted in the store, not only in each process. An embedded SQLite file
    /// belongs to one instance.
    pub fn shared_store(&self) -> bool {
        let url = self.database_url();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    /// The public base URL of the internet channel in force.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Whether cookies must be `Secure` (served over TLS).
    pub fn secure_cookies(&self) -> bool {
        self.behind_tls_proxy || self.public_url().starts_with("https://")
    }

    /// The public base URL of the line channel in force.
    pub fn line_public_url(&self) -> String {
        self.line_public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| self.public_url())
    }

    /// The origins (`scheme://host[:port]`, no path) that browsers name in `Origin` for this
    /// service: those of the public URLs in force. Every instance of a fleet configured with
    /// the same public URLs accepts the same origins, whatever address it listens on.
    pub fn allowed_origins(&self) -> Vec<String> {
        let mut origins = Vec::new();
        for url in [self.public_url(), self.line_public_url()] {
            if let Some(origin) = origin_of(&url)
                && !origins.contains(&origin)
            {
                origins.push(origin);
            }
        }
        origins
    }

    /// The connection limits of each listener.
    pub fn serve_settings(&self) -> crate::server::ServeSettings {
        crate::server::ServeSettings {
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout_seconds),
            max_connections: self.max_connections,
        }
    }

    /// Directory of the development mail outbox.
    pub fn mail_outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox").join("mail")
    }

    /// Directory of the development SMS outbox.
    pub fn sms_outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox").join("sms")
    }
}

/// The origin of an absolute `http`/`https` URL: scheme and authority, lower-cased, without
/// path, query or a default port.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|a| !a.is_empty() && !a.contains('@'))?
        .to_ascii_lowercase();
    let authority = authority
        .strip_suffix(default_port)
        .map_or(authority.clone(), str::to_owned);
    Some(format!("{scheme}://{authority}"))
}

/// Whether `origin` (a request's `Origin` header) is one of `allowed` ([`Config::allowed_origins`]).
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    origin_of(origin).is_some_and(|o| allowed.contains(&o))
}

/// A list of addresses from a sequence, or from one string of addresses separated by commas or
/// white space (how environment variables usually carry lists).
fn addresses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<IpAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Addresses {
        List(Vec<IpAddr>),
        One(IpAddr),
        Text(String),
    }
    match Addresses::deserialize(d)? {
        Addresses::List(list) => Ok(list),
        Addresses::One(address) => Ok(vec![address]),
        Addresses::Text(text) => text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpAddr>().map_err(|_| {
                    serde::de::Error::custom(format!("trusted_proxies: not an IP address: {s}"))
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_setup() {
        // Inside the jail: other tests set variables of this process.
        jailed(|| {
            let c = Config::load(None, &Overrides::default()).unwrap();
            assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(c.public_url(), "http://127.0.0.1:8080");
            assert!(c.database_url().starts_with("sqlite://"));
            assert!(!c.secure_cookies());
        });
    }

    #[test]
    fn flags_override_the_file() {
        // Inside the jail: other tests set variables of this process.
        jailed(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("tobira.toml");
            std::fs::write(&file, "listen = \"127.0.0.1:9000\"\npublic_url = \"https://files.example.jp/\"\n[smtp]\nhost = \"mail.example.jp\"\nfrom_address = \"no-reply@example.jp\"\n").unwrap();
            let c = Config::load(
                Some(&file),
                &Overrides {
                    listen: Some("127.0.0.1:9100".parse().unwrap()),
                    data_dir: None,
                },
            )
            .unwrap();
            assert_eq!(c.listen.port(), 9100);
            assert_eq!(c.public_url(), "https://files.example.jp");
            assert!(c.secure_cookies());
            assert_eq!(c.smtp.unwrap().port, 587);
        });
    }

    #[test]
    fn invalid_values_name_the_setting() {
        // Inside the jail: other tests set variables of this process.
        jailed(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("bad.toml");
            std::fs::write(&file, "rate_limit_per_minute = 0\n").unwrap();
            let err = Config::load(Some(&file), &Overrides::default()).unwrap_err();
            assert!(err.to_string().contains("rate_limit_per_minute"));
        });
    }

    /// Runs `f` with no variables of tobira's in the environment, one test at a time.
    #[allow(clippy::result_large_err)] // figment's own error type, in a test
    fn jailed(f: impl FnOnce()) {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            f();
            Ok(())
        });
    }

    /// Runs `check` with `vars` set in the environment (and nothing else of tobira's).
    #[allow(clippy::result_large_err)] // figment's own error type, in a test
    fn with_env(vars: &[(&str, &str)], check: impl FnOnce(Result<Config, ConfigError>)) {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            for (k, v) in vars {
                jail.set_env(k, v);
            }
            check(Config::load(None, &Overrides::default()));
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_come_from_the_environment_as_a_list_or_separated() {
        let expected: Vec<IpAddr> = vec![
            "10.0.0.5".parse().unwrap(),
            "10.0.0.6".parse().unwrap(),
            "::1".parse().unwrap(),
        ];
        for value in [
            "[10.0.0.5, 10.0.0.6, \"::1\"]",
            "10.0.0.5,10.0.0.6,::1",
            "10.0.0.5, 10.0.0.6 ::1",
        ] {
            with_env(&[("TOBIRA_TRUSTED_PROXIES", value)], |c| {
                assert_eq!(c.unwrap().trusted_proxies, expected, "{value}");
            });
        }
        with_env(&[("TOBIRA_TRUSTED_PROXIES", "10.0.0.5")], |c| {
            assert_eq!(c.unwrap().trusted_proxies, expected[..1]);
        });
        with_env(&[("TOBIRA_TRUSTED_PROXIES", "10.0.0.5,proxy")], |c| {
            assert!(
                c.unwrap_err()
                    .to_string()
                    .contains("not an IP address: proxy")
            );
        });
    }

    #[test]
    fn the_pool_size_comes_from_the_environment_and_is_bounded() {
        with_env(&[], |c| assert_eq!(c.unwrap().database_pool_size, 10));
        with_env(&[("TOBIRA_DATABASE_POOL_SIZE", "24")], |c| {
            assert_eq!(c.unwrap().database_pool_size, 24);
        });
        with_env(&[("TOBIRA_DATABASE_POOL_SIZE", "0")], |c| {
            assert!(c.unwrap_err().to_string().contains("database_pool_size"));
        });
    }

    #[test]
    fn allowed_origins_are_those_of_the_public_urls_not_the_listen_address() {
        with_env(
            &[
                ("TOBIRA_LISTEN", "10.1.2.3:8080"),
                ("TOBIRA_PUBLIC_URL", "https://Files.Example.jp:443/tobira/"),
                ("TOBIRA_LINE_PUBLIC_URL", "https://line.example.jp:8443"),
            ],
            |c| {
                let c = c.unwrap();
                assert_eq!(
                    c.allowed_origins(),
                    ["https://files.example.jp", "https://line.example.jp:8443"]
                );
                let allowed = c.allowed_origins();
                assert!(origin_allowed(&allowed, "https://files.example.jp"));
                assert!(origin_allowed(&allowed, "https://line.example.jp:8443"));
                assert!(!origin_allowed(&allowed, "http://10.1.2.3:8080"));
                assert!(!origin_allowed(&allowed, "https://files.example.jp.evil"));
            },
        );
        with_env(&[("TOBIRA_PUBLIC_URL", "files.example.jp")], |c| {
            assert!(c.unwrap_err().to_string().contains("public_url"));
        });
    }
}
