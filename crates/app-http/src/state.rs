//! What every request handler shares.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use auth_core::flows::Auth;
use auth_core::ports::Store;

use crate::config::Config;

/// The app's shared state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    store: Arc<dyn Store>,
    config: Config,
    allowed_origins: Vec<String>,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Whether the store is shared by several instances, so that it counts rate limits too.
    shared_rate_limits: bool,
    outbox_wakeup: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State around a core, its store and the configuration.
    pub fn new(auth: Auth, store: Arc<dyn Store>, config: Config) -> Self {
        let per_minute = NonZeroU32::new(config.rate_limit_per_minute).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute));
        let shared_rate_limits = config.shared_store();
        Self {
            inner: Arc::new(Inner {
                auth,
                store,
                allowed_origins: config.allowed_origins(),
                config,
                limiter,
                shared_rate_limits,
                outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
            }),
        }
    }

    /// The core.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The store (for readiness checks).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The origins a state-changing request may come from ([`Config::allowed_origins`]).
    pub fn allowed_origins(&self) -> &[String] {
        &self.inner.allowed_origins
    }

    /// The redirect URI registered at providers for the listener a browser uses (L7, L9):
    /// built from the configured public URLs, never from a request's Host header.
    pub fn federation_callback(
        &self,
        listener: crate::http::Listener,
        provider: auth_core::domain::Provider,
    ) -> String {
        let base = match listener {
            crate::http::Listener::Line => self.inner.config.line_public_url(),
            crate::http::Listener::Internet => self.inner.config.public_url(),
        };
        format!("{base}/federation/{}/callback", provider.as_str())
    }

    /// tobira's addresses for a contract's ADFS on a listener's channel (L8): the SAML entity
    /// ID is the internet sign-in address on every channel (one relying party per contract at
    /// ADFS); the assertion consumer and the OpenID redirect URI are the channel's own.
    pub fn directory_endpoints(
        &self,
        listener: crate::http::Listener,
        connection: &str,
    ) -> DirectoryAddresses {
        // The addresses name the connection as stored (lower case), however it was typed.
        let canonical = auth_core::domain::ConnectionId::parse(connection);
        let connection = canonical
            .as_ref()
            .map_or(connection, auth_core::domain::ConnectionId::as_str);
        let base = match listener {
            crate::http::Listener::Line => self.inner.config.line_public_url(),
            crate::http::Listener::Internet => self.inner.config.public_url(),
        };
        let entity_id = format!("{}/ad/{connection}", self.inner.config.public_url());
        DirectoryAddresses {
            saml_acs: format!("{base}/ad/{connection}/saml"),
            oidc_redirect: format!("{base}/ad/{connection}/callback"),
            line_saml_acs: format!(
                "{}/ad/{connection}/saml",
                self.inner.config.line_public_url()
            ),
            internet_saml_acs: format!("{entity_id}/saml"),
            entity_id,
        }
    }

    /// What wakes the outbox worker before its next tick ([`crate::worker::run`]).
    pub fn outbox_wakeup(&self) -> Arc<tokio::sync::Notify> {
        self.inner.outbox_wakeup.clone()
    }

    /// Asks the outbox worker to start a round now: a request queued work for it (a reset
    /// request) after answering. Costs the same whatever the work turns out to be.
    pub fn wake_outbox(&self) {
        self.inner.outbox_wakeup.notify_one();
    }

    /// Whether a sensitive request from `address` is within its rate (X5): the one place both
    /// routers ask. IPv6 clients are counted per /64, the block one subscriber usually holds.
    ///
    /// The in-process limiter answers first (a flood costs no store call). On a store shared
    /// by several instances ([`Config::shared_store`]) the store then counts the hit against
    /// the one allowance of all instances, in a window timed by the database's clock. Should
    /// the store fail, the local answer stands: the request then meets the same store failure
    /// in its handler.
    pub async fn within_rate(&self, address: IpAddr) -> bool {
        let key = rate_key(address);
        if self.inner.limiter.check_key(&key).is_err() {
            return false;
        }
        if !self.inner.shared_rate_limits {
            return true;
        }
        let limit = self.inner.config.rate_limit_per_minute;
        match self
            .inner
            .store
            .count_hit(&format!("client:{key}"), RATE_WINDOW, limit)
            .await
        {
            Ok(allowed) => allowed,
            Err(e) => {
                tracing::warn!(error = %e, "shared rate limit unavailable; the local limit applies");
                true
            }
        }
    }

    /// Forgets the rate state of addresses not seen recently, so its memory (and the shared
    /// counters) stay bounded.
    pub async fn prune_rate_limits(&self) {
        self.inner.limiter.retain_recent();
        self.inner.limiter.shrink_to_fit();
        if self.inner.shared_rate_limits
            && let Err(e) = self.inner.store.forget_rate_hits(RATE_WINDOW).await
        {
            tracing::warn!(error = %e, "forgetting old rate-limit counters failed");
        }
    }
}

/// The window of the per-address limits: `rate_limit_per_minute` hits per minute.
pub const RATE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

fn rate_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// tobira's addresses for one contract's ADFS ([`AppState::directory_endpoints`]).
#[derive(Debug, Clone)]
pub struct DirectoryAddresses {
    /// The SAML entity ID (relying party identifier): the internet sign-in address.
    pub entity_id: String,
    /// The assertion consumer address on the request's channel.
    pub saml_acs: String,
    /// The OpenID Connect redirect URI on the request's channel.
    pub oidc_redirect: String,
    /// The assertion consumer address on the internet channel (for the SP metadata).
    pub internet_saml_acs: String,
    /// The assertion consumer address on the line channel (for the SP metadata).
    pub line_saml_acs: String,
}

impl DirectoryAddresses {
    /// The core's view of them.
    pub fn endpoints(&self) -> auth_core::domain::DirectoryEndpoints<'_> {
        auth_core::domain::DirectoryEndpoints {
            entity_id: &self.entity_id,
            saml_acs: &self.saml_acs,
            oidc_redirect: &self.oidc_redirect,
        }
    }
}
