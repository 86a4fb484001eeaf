//! L7 against real OpenID providers: node's `oidc-provider` on loopback, one instance per
//! provider profile (`tests/support/oidc.sh` installs it, `tests/support/oidc/provider.mjs`
//! runs it, `adapter_idp::testing` starts it). Each test drives the whole code flow as a
//! browser would, up to the redirect URI, and hands the callback to the adapter. The `adfs`
//! profile the script also starts is not a federated provider of ours (AD connections are L8)
//! and is not used here.

use std::time::Duration;

use adapter_idp::testing::{TestProviders, browser_client, callback_of, sign_in_at_provider};
use adapter_idp::{IdpSettings, OidcProviders};
use auth_core::domain::{Ceremony, ExternalIdentity, Provider, ProviderCallback};
use auth_core::ports::{AccountChoice, IdentityProviders, IdpError};
use auth_core::testing::SeededSecrets;
use chrono::Utc;

/// Where the browser is sent back to; never requested.
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

/// The adapter for one of our providers at `node` (`rs256`: d-account's RS256 client).
fn providers(node: &TestProviders, provider: Provider, rs256: bool) -> OidcProviders {
    let mut settings = node.provider_settings(provider).expect("a profile");
    if rs256 {
        let dacc = &node.profiles.dacc;
        settings.client_id = dacc.rs256_client_id.clone().expect("RS256 client");
        settings.client_secret = dacc
            .rs256_client_secret
            .clone()
            .expect("RS256 secret")
            .into();
    }
    OidcProviders::new(IdpSettings {
        providers: vec![settings],
        insecure_http_hosts: vec!["127.0.0.1".into()],
        timeout: Duration::from_secs(10),
        ..IdpSettings::default()
    })
    .unwrap()
}

/// Follows the code flow as a browser with cookies would, signing in as `login`, until the
/// provider sends it to [`REDIRECT_URI`]; returns what arrived there.
async fn sign_in(
    providers: &OidcProviders,
    provider: Provider,
    ceremony: &Ceremony,
    login: &str,
) -> ProviderCallback {
    let start = providers
        .authorization_url(provider, ceremony, REDIRECT_URI, AccountChoice::Current)
        .await
        .unwrap();
    let back = sign_in_at_provider(&browser_client().unwrap(), &start, login, REDIRECT_URI)
        .await
        .unwrap();
    callback_of(&back)
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
    node: &TestProviders,
    provider: Provider,
    rs256: bool,
    login: &str,
    seed: u64,
) -> Result<ExternalIdentity, IdpError> {
    let providers = providers(node, provider, rs256);
    let ceremony = Ceremony::generate(&SeededSecrets::new(seed));
    let callback = sign_in(&providers, provider, &ceremony, login).await;
    assert_eq!(callback.error, None);
    assert_eq!(callback.state.as_deref(), Some(ceremony.state().as_str()));
    finish(&providers, provider, &callback, &ceremony).await
}

#[tokio::test]
async fn l7_real_google_sign_in_gives_the_subject() {
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::Google, false, "alice", 101).await;
    assert_eq!(subject(result, Provider::Google), "alice");
}

#[tokio::test]
async fn l7_real_microsoft_sign_in_gives_tenant_and_object_id() {
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::Microsoft, false, "alice", 102).await;
    let id = subject(result, Provider::Microsoft);
    let tenant = node.profiles.microsoft.tenant.clone().unwrap();
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
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::Microsoft, false, "foreign-bob", 104).await;
    assert!(
        matches!(result, Err(IdpError::Rejected(_))),
        "expected Rejected, got {result:?}"
    );
}

#[tokio::test]
async fn l7_real_facebook_sign_in_gives_the_subject() {
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::Facebook, false, "alice", 105).await;
    assert_eq!(subject(result, Provider::Facebook), "alice");
}

#[tokio::test]
async fn l7_real_d_account_hs256_sign_in_gives_the_subject() {
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::DAccount, false, "alice", 106).await;
    assert_eq!(subject(result, Provider::DAccount), "alice");
}

#[tokio::test]
async fn l7_real_d_account_rs256_with_kid_less_keys_gives_the_subject() {
    let node = TestProviders::shared().unwrap();
    let result = round_trip(node, Provider::DAccount, true, "alice", 107).await;
    assert_eq!(subject(result, Provider::DAccount), "alice");
}

#[tokio::test]
async fn l7_real_denied_sign_in_gives_no_identity() {
    let node = TestProviders::shared().unwrap();
    let providers = providers(node, Provider::Google, false);
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
    let node = TestProviders::shared().unwrap();
    let providers = providers(node, Provider::Google, false);
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
    let node = TestProviders::shared().unwrap();
    let providers = providers(node, Provider::Google, false);
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
    let mut node = TestProviders::start().unwrap();
    let providers = providers(&node, Provider::Google, false);
    let ceremony = Ceremony::generate(&SeededSecrets::new(112));
    let callback = sign_in(&providers, Provider::Google, &ceremony, "alice").await;
    // The provider goes away after the metadata was read and the code issued.
    node.stop();
    let result = finish(&providers, Provider::Google, &callback, &ceremony).await;
    assert!(
        matches!(result, Err(IdpError::Unavailable(_))),
        "expected Unavailable, got {result:?}"
    );
}
