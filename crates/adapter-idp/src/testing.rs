//! Test support (feature `testing`): the real OpenID provider tobira's tests sign in at —
//! node's `oidc-provider`, installed by `tests/support/oidc.sh` and started on loopback as
//! several providers with each one's quirks — and a client that walks its sign-in like a
//! browser that needs no page.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use auth_core::domain::Provider;
use serde::Deserialize;

use crate::{IdpSettings, ProviderSettings};

/// One profile as the provider process reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    /// Its issuer (absent for Microsoft, whose issuer is a template).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Microsoft: the issuer template with `{tenantid}`.
    #[serde(default)]
    pub issuer_template: Option<String>,
    /// Microsoft: the tenant its tokens are issued for.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Its metadata address.
    pub discovery: String,
    /// The client registered for tobira.
    pub client_id: String,
    /// That client's secret.
    pub client_secret: String,
    /// d-account: a second client whose ID tokens are RS256 (the first's are HS256).
    #[serde(default)]
    pub rs256_client_id: Option<String>,
    /// Its secret.
    #[serde(default)]
    pub rs256_client_secret: Option<String>,
}

/// Every profile the process serves.
#[derive(Debug, Clone, Deserialize)]
pub struct Profiles {
    /// Google-like: RS256, plain issuer.
    pub google: Profile,
    /// Microsoft-like: multi-tenant template issuer, `tid` and `oid`.
    pub microsoft: Profile,
    /// Facebook's OpenID Connect flow.
    pub facebook: Profile,
    /// d-account-like: issuer with a trailing slash, HS256, keys without `kid`.
    pub dacc: Profile,
    /// ADFS-like OpenID Connect (`/adfs` issuer, `upn`).
    pub adfs: Profile,
}

/// Why the test provider could not be had.
#[derive(Debug, thiserror::Error)]
#[error("test identity provider: {0}")]
pub struct TestProviderError(String);

/// A running test provider process; killed when dropped (it also exits when its standard
/// input closes, so a test that dies leaves nothing running). It does not depend on an async
/// runtime, so one process may serve every test of a binary ([`TestProviders::shared`]).
#[derive(Debug)]
pub struct TestProviders {
    child: std::process::Child,
    /// What it serves.
    pub profiles: Profiles,
}

impl TestProviders {
    /// Installs (once) and starts the provider, waiting until it reports its addresses.
    ///
    /// # Errors
    /// When the install script or the process fails.
    pub fn start() -> Result<Self, TestProviderError> {
        let (node, script) = installed()?;
        let mut child = std::process::Command::new(node)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| TestProviderError(format!("cannot start node: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| TestProviderError("no standard output".into()))?;
        // Bounded: a provider that never prints fails the caller instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(read.map(|_| line));
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TestProviderError(format!("did not start: {other:?}")));
            }
        };
        let profiles = serde_json::from_str(&line)
            .map_err(|e| TestProviderError(format!("unreadable profiles {line:?}: {e}")))?;
        Ok(Self { child, profiles })
    }

    /// One process for every caller in this test binary that does not stop it.
    ///
    /// # Errors
    /// When it could not be started.
    pub fn shared() -> Result<&'static Self, TestProviderError> {
        static SHARED: std::sync::OnceLock<Result<TestProviders, String>> =
            std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| Self::start().map_err(|e| e.0))
            .as_ref()
            .map_err(|e| TestProviderError(e.clone()))
    }

    /// Stops the process now (to test a provider that is down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The adapter's settings for `providers` at this process, plain `http` allowed on
    /// loopback.
    pub fn settings(&self, providers: &[Provider]) -> IdpSettings {
        IdpSettings {
            providers: providers
                .iter()
                .filter_map(|p| self.provider_settings(*p))
                .collect(),
            insecure_http_hosts: vec!["127.0.0.1".into()],
            ..IdpSettings::default()
        }
    }

    /// The settings of one provider at this process.
    pub fn provider_settings(&self, provider: Provider) -> Option<ProviderSettings> {
        let profile = self.profile(provider)?;
        Some(ProviderSettings {
            provider,
            client_id: profile.client_id.clone(),
            client_secret: profile.client_secret.clone().into(),
            discovery_url: Some(profile.discovery.clone()),
            issuer: profile
                .issuer
                .clone()
                .or_else(|| profile.issuer_template.clone()),
            tenants: Vec::new(),
        })
    }

    /// The profile that plays `provider`.
    pub fn profile(&self, provider: Provider) -> Option<&Profile> {
        Some(match provider {
            Provider::Google => &self.profiles.google,
            Provider::Microsoft => &self.profiles.microsoft,
            Provider::Facebook => &self.profiles.facebook,
            Provider::DAccount => &self.profiles.dacc,
        })
    }
}

impl Drop for TestProviders {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `tests/support/oidc.sh` once per process: the node executable and the provider script.
fn installed() -> Result<(PathBuf, PathBuf), TestProviderError> {
    static INSTALLED: std::sync::OnceLock<Result<(PathBuf, PathBuf), String>> =
        std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/oidc.sh");
            let out = std::process::Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("{}: {e}", script.display()))?;
            if !out.status.success() {
                return Err(format!("{} failed ({})", script.display(), out.status));
            }
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut lines = text.lines();
            match (lines.next(), lines.next()) {
                (Some(node), Some(script)) => {
                    Ok((PathBuf::from(node.trim()), PathBuf::from(script.trim())))
                }
                _ => Err(format!("unexpected output {text:?}")),
            }
        })
        .clone()
        .map_err(TestProviderError)
}

/// Walks a provider's sign-in as `login` (sent as `login_hint`, so no page is shown) with a
/// cookie-keeping client that follows no redirect by itself, and returns the URL the provider
/// finally sends the browser to (the redirect URI with `code`, `state`, `iss` or `error`).
///
/// # Errors
/// When the provider answers anything but redirects and ends elsewhere.
pub async fn sign_in_at_provider(
    client: &reqwest::Client,
    authorization_url: &str,
    login: &str,
    redirect_prefix: &str,
) -> Result<url::Url, TestProviderError> {
    let mut url = url::Url::parse(authorization_url)
        .map_err(|e| TestProviderError(format!("authorization URL: {e}")))?;
    url.query_pairs_mut().append_pair("login_hint", login);
    for _ in 0..20 {
        if url.as_str().starts_with(redirect_prefix) {
            return Ok(url);
        }
        let response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| TestProviderError(format!("{url}: {e}")))?;
        let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
            return Err(TestProviderError(format!(
                "{} answered {} without a redirect",
                url,
                response.status()
            )));
        };
        let location = location
            .to_str()
            .map_err(|e| TestProviderError(e.to_string()))?;
        url = url
            .join(location)
            .map_err(|e| TestProviderError(format!("redirect {location:?}: {e}")))?;
    }
    Err(TestProviderError("too many redirects".into()))
}

/// The provider's answer as the browser brought it to the redirect URI.
pub fn callback_of(url: &url::Url) -> auth_core::domain::ProviderCallback {
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    auth_core::domain::ProviderCallback {
        code: get("code"),
        state: get("state"),
        iss: get("iss"),
        error: get("error"),
    }
}

/// A client for [`sign_in_at_provider`]: keeps cookies, follows no redirect.
///
/// # Errors
/// When the client cannot be built.
pub fn browser_client() -> Result<reqwest::Client, TestProviderError> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| TestProviderError(e.to_string()))
}
