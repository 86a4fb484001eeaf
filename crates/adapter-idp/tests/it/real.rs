//! L7 against real OpenID providers: node's `oidc-provider` on loopback, one instance per
//! provider profile (`tests/support/oidc.sh` installs it, `tests/support/oidc/provider.mjs`
//! runs it). Each test drives the whole code flow as a browser would, up to the redirect URI,
//! and hands the callback to the adapter. The `adfs` profile the script also starts is not a
//! federated provider of ours (AD connections are L8) and is not used here.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use adapter_idp::{IdpSettings, OidcProviders, ProviderSettings};
use auth_core::domain::{Ceremony, ExternalIdentity, Provider, ProviderCallback};
use auth_core::ports::{IdentityProviders, IdpError};
use auth_core::testing::SeededSecrets;
use chrono::Utc;
use serde_json::Value;

/// Where the browser is sent back to; never requested.
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

/// The node executable and the provider script, from `tests/support/oidc.sh` (run once).
fn installed() -> &'static (String, String) {
    static PATHS: OnceLock<(String, String)> = OnceLock::new();
    PATHS.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/support/oidc.sh");
        let out = Command::new("bash")
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
        assert!(
            out.status.success(),
            "{script} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let mut lines = stdout.lines();
        let node = lines
            .next()
            .expect("oidc.sh printed no node path")
            .to_owned();
        let provider = lines
            .next()
            .expect("oidc.sh printed no provider path")
            .to_owned();
        (node, provider)
    })
}

/// A running `node provider.mjs`: killed on drop (it also exits when its stdin closes).
struct Node {
    child: Child,
    _stdin: ChildStdin,
    info: Value,
}

impl Node {
    fn start() -> Self {
        let (node, script) = installed();
        let mut child = Command::new(node)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {node} {script}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Bounded: a provider that never prints fails the test instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the OpenID test providers did not start: {other:?}");
            }
        };
        let info: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the providers' line is not JSON ({e}): {line}"));
        Self {
            child,
            _stdin: stdin,
            info,
        }
    }

    /// One process for every test that does not stop it; it ends with the test binary, when
    /// its stdin closes.
    fn shared() -> &'static Node {
        static NODE: OnceLock<Node> = OnceLock::new();
        NODE.get_or_init(Node::start)
    }

    fn profile(&self, name: &str) -> &Value {
        self.info
            .get(name)
            .unwrap_or_else(|| panic!("no profile {name} in {}", self.info))
    }

    fn text(&self, profile: &str, field: &str) -> String {
        self.profile(profile)
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {field} in profile {profile}"))
            .to_owned()
    }

    /// The adapter settings for one of our providers at this process.
    fn settings(&self, provider: Provider, rs256: bool) -> ProviderSettings {
        let (profile, issuer_field) = match provider {
            Provider::Google => ("google", "issuer"),
            Provider::Facebook => ("facebook", "issuer"),
            Provider::Microsoft => ("microsoft", "issuer_template"),
            Provider::DAccount => ("dacc", "issuer"),
            _ => unreachable!(),
        };
        let (id_field, secret_field) = if rs256 {
            ("rs256_client_id", "rs256_client_secret")
        } else {
            ("client_id", "client_secret")
        };
        ProviderSettings {
            provider,
            client_id: self.text(profile, id_field),
            client_secret: self.text(profile, secret_field).into(),
            discovery_url: Some(self.text(profile, "discovery")),
            issuer: Some(self.text(profile, issuer_field)),
            tenants: Vec::new(),
        }
    }

    fn providers(&self, provider: Provider, rs256: bool) -> OidcProviders {
        OidcProviders::new(IdpSettings {
            providers: vec![self.settings(provider, rs256)],
            insecure_http_hosts: vec!["127.0.0.1".into()],
            timeout: Duration::from_secs(10),
            ..IdpSettings::default()
        })
        .unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Follows the code flow as a browser with cookies would, signing in as `login` through
/// `login_hint`, until the provider sends it to [`REDIRECT_URI`]; returns what arrived there.
async fn sign_in(
    providers: &OidcProviders,
    provider: Provider,
    ceremony: &Ceremony,
    login: &str,
) -> ProviderCallback {
    let start = providers
        .authorization_url(provider, ceremony, REDIRECT_URI)
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut url = url::Url::parse(&start).unwrap();
    url.query_pairs_mut().append_pair("login_hint", login);
    let redirect = url::Url::parse(REDIRECT_URI).unwrap();
    for _ in 0..20 {
        assert_eq!(url.host_str(), Some("127.0.0.1"), "left loopback: {url}");
        let response = browser.get(url.clone()).send().await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            let body = response.text().await.unwrap_or_default();
            panic!("{url} answered {status} without a redirect:\n{body}");
        };
        let next = url.join(&location).unwrap();
        if next.origin() == redirect.origin() && next.path() == redirect.path() {
            let get = |name: &str| {
                next.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            return ProviderCallback {
                code: get("code"),
                state: get("state"),
                iss: get("iss"),
                error: get("error"),
            };
        }
        url = next;
    }
    panic!("the provider never sent the browser back");
}

// The real provider stamps its tokens with the real clock; the operation's time must be it.
#[allow(clippy::disallowed_methods)]
async fn finish(
    providers: &OidcProviders,
    provider: Provider,
    callback: &ProviderCallback,
    ceremony: &Ceremony,
) -> Result<ExternalIdentity, IdpError> {
    tokio::time::timeout(
        Duration::from_secs(60),
        providers.finish(provider, callback, ceremony, REDIRECT_URI, Utc::now()),
    )
    .await
    .expect("finish did not end")
}

#[track_caller]
fn subject(result: Result<ExternalIdentity, IdpError>, provider: Provider) -> String {
    match result {
        Ok(ExternalIdentity::Federated {
            provider: p,
            subject,
        }) => {
            assert_eq!(p, provider);
            subject.as_str().to_owned()
        }
        other => panic!("expected a federated identity, got {other:?}"),
    }
}

/// A full sign-in as `login` at `provider`: the callback (checked) and the adapter's answer.
async fn round_trip(
    node: &Node,
    provider: Provider,
    rs256: bool,
    login: &str,
    seed: u64,
) -> Result<ExternalIdentity, IdpError> {
    let providers = node.providers(provider, rs256);
    let ceremony = Ceremony::generate(&SeededSecrets::new(seed));
    let callback = sign_in(&providers, provider, &ceremony, login).await;
    assert_eq!(callback.error, None);
    assert_eq!(callback.state.as_deref(), Some(ceremony.state().as_str()));
    finish(&providers, provider, &callback, &ceremony).await
}

#[tokio::test]
async fn l7_real_google_sign_in_gives_the_subject() {
    let node = Node::shared();
    let result = round_trip(node, Provider::Google, false, "alice", 101).await;
    assert_eq!(subject(result, Provider::Google), "alice");
}

#[tokio::test]
async fn l7_real_microsoft_sign_in_gives_tenant_and_object_id() {
    let node = Node::shared();
    let result = round_trip(node, Provider::Microsoft, false, "alice", 102).await;
    let id = subject(result, Provider::Microsoft);
    let tenant = node.text("microsoft", "tenant");
    let (tid, oid) = id.split_once('/').expect("tid/oid");
    assert_eq!(tid, tenant);
    // The object ID, never the e-mail, user name or pairwise sub.
    assert_eq!(oid.len(), 36, "{oid}");
    assert!(
        oid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
        "{oid}"
    );
    assert!(!id.contains('@') && !id.contains("alice"));
    // Stable for the same person.
    let again = round_trip(node, Provider::Microsoft, false, "alice", 103).await;
    assert_eq!(subject(again, Provider::Microsoft), id);
}

#[tokio::test]
async fn l7_real_microsoft_foreign_tenant_mismatch_is_refused() {
    let node = Node::shared();
    let result = round_trip(node, Provider::Microsoft, false, "foreign-bob", 104).await;
    assert!(
        matches!(result, Err(IdpError::Rejected(_))),
        "expected Rejected, got {result:?}"
    );
}

#[tokio::test]
async fn l7_real_facebook_sign_in_gives_the_subject() {
    let node = Node::shared();
    let result = round_trip(node, Provider::Facebook, false, "alice", 105).await;
    assert_eq!(subject(result, Provider::Facebook), "alice");
}

#[tokio::test]
async fn l7_real_d_account_hs256_sign_in_gives_the_subject() {
    let node = Node::shared();
    let result = round_trip(node, Provider::DAccount, false, "alice", 106).await;
    assert_eq!(subject(result, Provider::DAccount), "alice");
}

#[tokio::test]
async fn l7_real_d_account_rs256_with_kid_less_keys_gives_the_subject() {
    let node = Node::shared();
    let result = round_trip(node, Provider::DAccount, true, "alice", 107).await;
    assert_eq!(subject(result, Provider::DAccount), "alice");
}

#[tokio::test]
async fn l7_real_denied_sign_in_gives_no_identity() {
    let node = Node::shared();
    let providers = node.providers(Provider::Google, false);
    let ceremony = Ceremony::generate(&SeededSecrets::new(108));
    let callback = sign_in(&providers, Provider::Google, &ceremony, "deny").await;
    assert_eq!(callback.error.as_deref(), Some("access_denied"));
    assert_eq!(callback.code, None);
    let result = finish(&providers, Provider::Google, &callback, &ceremony).await;
    assert!(
        matches!(result, Err(IdpError::Rejected(_))),
        "expected Rejected, got {result:?}"
    );
}

#[tokio::test]
async fn l7_real_replayed_code_is_refused() {
    let node = Node::shared();
    let providers = node.providers(Provider::Google, false);
    let ceremony = Ceremony::generate(&SeededSecrets::new(109));
    let callback = sign_in(&providers, Provider::Google, &ceremony, "alice").await;
    let first = finish(&providers, Provider::Google, &callback, &ceremony).await;
    assert_eq!(subject(first, Provider::Google), "alice");
    let replay = finish(&providers, Provider::Google, &callback, &ceremony).await;
    assert!(
        matches!(replay, Err(IdpError::Rejected(_))),
        "expected Rejected, got {replay:?}"
    );
}

#[tokio::test]
async fn l7_real_code_with_another_ceremonys_verifier_is_refused() {
    let node = Node::shared();
    let providers = node.providers(Provider::Google, false);
    let ceremony = Ceremony::generate(&SeededSecrets::new(110));
    let callback = sign_in(&providers, Provider::Google, &ceremony, "alice").await;
    let other = Ceremony::generate(&SeededSecrets::new(111));
    let result = finish(&providers, Provider::Google, &callback, &other).await;
    match result {
        // Refused by the token endpoint (PKCE), before any token is read.
        Err(IdpError::Rejected(detail)) => assert!(detail.contains("invalid_grant"), "{detail}"),
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn l7_real_provider_down_after_discovery_is_unavailable() {
    let mut node = Some(Node::start());
    let providers = node.as_ref().unwrap().providers(Provider::Google, false);
    let ceremony = Ceremony::generate(&SeededSecrets::new(112));
    let callback = sign_in(&providers, Provider::Google, &ceremony, "alice").await;
    // The provider goes away after the metadata was read and the code issued.
    drop(node.take());
    let result = finish(&providers, Provider::Google, &callback, &ceremony).await;
    assert!(
        matches!(result, Err(IdpError::Unavailable(_))),
        "expected Unavailable, got {result:?}"
    );
}
