//! L7 against the hostile stand-in: a correctly signed token is accepted, and every forged,
//! misdirected, stale or malformed answer is refused, as is every misbehaving transport.

use std::time::Duration;

use adapter_idp::{IdpSettings, OidcProviders, ProviderSettings};
use auth_core::domain::{Ceremony, ExternalIdentity, Provider, ProviderCallback};
use auth_core::ports::{AccountChoice, IdentityProviders, IdpError};
use auth_core::testing::SeededSecrets;
use chrono::{DateTime, Utc};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::hostile::{
    self, Answer, CLIENT_ID, CLIENT_SECRET, Hostile, KID, Raw, SUBJECT, claims, hs256, jwk,
    other_key, rs256, signing_key, unsigned,
};

const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const MS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const MS_OTHER_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const MS_OID: &str = "00000000-0000-0000-66f3-3332eca7ea81";

/// The operation's time: fixed, so nothing depends on the clock.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).unwrap()
}

struct Fixture {
    idp: Hostile,
    providers: OidcProviders,
    ceremony: Ceremony,
    provider: Provider,
    /// The issuer tokens name (Microsoft: filled with [`MS_TENANT`]).
    issuer: String,
}

impl Fixture {
    async fn new(provider: Provider) -> Self {
        Self::with(provider, |_| {}).await
    }

    /// A stand-in configured as `provider`, the settings adjusted by `adjust`.
    async fn with(provider: Provider, adjust: impl FnOnce(&mut IdpSettings)) -> Self {
        let idp = Hostile::start().await;
        let (configured_issuer, issuer) = if provider == Provider::Microsoft {
            let template = format!("{}/{{tenantid}}/v2.0", idp.base);
            idp.set_metadata_issuer(&template);
            let issuer = template.replace("{tenantid}", MS_TENANT);
            (template, issuer)
        } else {
            (idp.base.clone(), idp.base.clone())
        };
        let mut settings = IdpSettings {
            providers: vec![ProviderSettings {
                provider,
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                discovery_url: Some(idp.discovery_url()),
                issuer: Some(configured_issuer),
                tenants: Vec::new(),
            }],
            insecure_http_hosts: vec!["127.0.0.1".into()],
            jwks_refetch_interval: Duration::from_secs(3600),
            ..IdpSettings::default()
        };
        adjust(&mut settings);
        let providers = OidcProviders::new(settings).unwrap();
        let ceremony = Ceremony::generate(&SeededSecrets::new(7));
        Self {
            idp,
            providers,
            ceremony,
            provider,
            issuer,
        }
    }

    fn nonce(&self) -> String {
        self.ceremony.nonce().to_string()
    }

    /// The claims of a valid token for this fixture.
    fn claims(&self) -> Value {
        let mut claims = claims(&self.issuer, &self.nonce(), now());
        if self.provider == Provider::Microsoft {
            claims["tid"] = json!(MS_TENANT);
            claims["oid"] = json!(MS_OID);
            claims["preferred_username"] = json!("alice@contoso.example");
        }
        claims
    }

    /// A valid token, signed RS256 by the published key.
    fn valid(&self) -> String {
        rs256(signing_key(), Some(KID), &self.claims())
    }

    /// A token with the valid claims changed by `change`, signed RS256 by the published key.
    fn signed(&self, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
        let mut claims = self.claims();
        change(claims.as_object_mut().unwrap());
        rs256(signing_key(), Some(KID), &claims)
    }

    fn callback(&self, iss: Option<&str>) -> ProviderCallback {
        ProviderCallback {
            code: Some("the-code".into()),
            state: Some(self.ceremony.state().to_string()),
            iss: iss.map(str::to_owned),
            error: None,
        }
    }

    /// The token endpoint answers `id_token`; finish the callback without `iss`.
    async fn finish(&self, id_token: &str) -> Result<ExternalIdentity, IdpError> {
        self.idp.answer_id_token(id_token);
        self.finish_with(&self.callback(None)).await
    }

    async fn finish_with(&self, callback: &ProviderCallback) -> Result<ExternalIdentity, IdpError> {
        // A bound, so that a hanging adapter fails the test instead of blocking the suite.
        tokio::time::timeout(
            Duration::from_secs(60),
            self.providers
                .finish(self.provider, callback, &self.ceremony, REDIRECT_URI, now()),
        )
        .await
        .expect("finish did not end")
    }
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

#[track_caller]
fn rejected(result: Result<ExternalIdentity, IdpError>) {
    assert!(
        matches!(result, Err(IdpError::Rejected(_))),
        "expected Rejected, got {result:?}"
    );
}

/// Refused in some way: no identity, and not for want of configuration. Used where the
/// library refuses while reading the token answer (see
/// `l7_a_malformed_id_token_is_rejected_not_unavailable` for the category).
#[track_caller]
fn refused(result: Result<ExternalIdentity, IdpError>) {
    assert!(
        matches!(
            result,
            Err(IdpError::Rejected(_) | IdpError::Unavailable(_))
        ),
        "expected a refusal, got {result:?}"
    );
}

#[track_caller]
fn unavailable(result: Result<ExternalIdentity, IdpError>) {
    assert!(
        matches!(result, Err(IdpError::Unavailable(_))),
        "expected Unavailable, got {result:?}"
    );
}

fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

// --- the happy path -------------------------------------------------------------------------

#[tokio::test]
async fn l7_a_correctly_signed_token_gives_the_federated_subject() {
    let f = Fixture::new(Provider::Google).await;
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );

    // The code went to the token endpoint with the ceremony's PKCE verifier and redirect URI,
    // authenticated with the client secret.
    let requests = f.idp.token_requests();
    assert_eq!(requests.len(), 1);
    let (authorization, body) = &requests[0];
    let form = form(body);
    assert_eq!(field(&form, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&form, "code"), Some("the-code"));
    assert_eq!(
        field(&form, "code_verifier"),
        Some(f.ceremony.pkce_verifier().as_str())
    );
    assert_eq!(field(&form, "redirect_uri"), Some(REDIRECT_URI));
    assert!(
        authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
            || field(&form, "client_secret") == Some(CLIENT_SECRET),
        "the client did not authenticate"
    );

    // Metadata and keys are cached: a second sign-in reads neither again.
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );
    assert_eq!(f.idp.discovery_reads(), 1);
    assert_eq!(f.idp.jwks_reads(), 1);
}

#[tokio::test]
async fn l7_authorization_url_carries_state_nonce_pkce_s256_and_scopes() {
    let f = Fixture::new(Provider::Google).await;
    let url = f
        .providers
        .authorization_url(
            Provider::Google,
            &f.ceremony,
            REDIRECT_URI,
            AccountChoice::Current,
        )
        .await
        .unwrap();
    let url = url::Url::parse(&url).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!("{}/authorize", f.idp.base)
    );
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let one = |name: &str| {
        let values: Vec<&str> = query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(values.len(), 1, "{name} appears {} times", values.len());
        values[0].to_owned()
    };
    assert_eq!(one("response_type"), "code");
    assert_eq!(one("client_id"), CLIENT_ID);
    assert_eq!(one("redirect_uri"), REDIRECT_URI);
    assert_eq!(one("state"), f.ceremony.state().as_str());
    assert_eq!(one("nonce"), f.ceremony.nonce().as_str());
    let challenge = hostile::b64(sha2::Sha256::digest(f.ceremony.pkce_verifier().as_bytes()));
    assert_eq!(one("code_challenge"), challenge);
    assert_eq!(one("code_challenge_method"), "S256");
    let scope = one("scope");
    let scopes: Vec<&str> = scope.split(' ').collect();
    // Only what is used: the subject.
    assert_eq!(scopes, vec!["openid"], "{scope}");
    assert!(!url.query_pairs().any(|(k, _)| k == "prompt"));
    // Nothing secret leaves in the URL.
    assert!(!url.as_str().contains(CLIENT_SECRET));
    assert!(!url.as_str().contains(f.ceremony.pkce_verifier().as_str()));
}

#[tokio::test]
async fn l7_only_configured_providers_are_offered() {
    let f = Fixture::new(Provider::Google).await;
    assert_eq!(f.providers.configured(), vec![Provider::Google]);
    let result = f
        .providers
        .finish(
            Provider::Facebook,
            &f.callback(None),
            &f.ceremony,
            REDIRECT_URI,
            now(),
        )
        .await;
    assert_eq!(result, Err(IdpError::NotConfigured));
    assert_eq!(
        f.providers
            .authorization_url(
                Provider::Microsoft,
                &f.ceremony,
                REDIRECT_URI,
                AccountChoice::Current
            )
            .await,
        Err(IdpError::NotConfigured)
    );
}

// --- signatures -------------------------------------------------------------------------------

#[tokio::test]
async fn l7_unsigned_tokens_are_refused() {
    let f = Fixture::new(Provider::Google).await;
    rejected(f.finish(&unsigned("none", &f.claims())).await);
    for alg in ["None", "NONE", "nOnE"] {
        refused(f.finish(&unsigned(alg, &f.claims())).await);
    }
    // Also with a signature part that is not empty, and for d-account.
    let token = unsigned("none", &f.claims()) + "c2lnbmF0dXJl";
    rejected(f.finish(&token).await);
    let d = Fixture::new(Provider::DAccount).await;
    rejected(d.finish(&unsigned("none", &d.claims())).await);
}

/// The public key in every form an algorithm-confusion attacker might use as an HMAC key.
fn public_key_encodings() -> Vec<Vec<u8>> {
    let public = signing_key().to_public_key();
    vec![
        public
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .into_bytes(),
        public
            .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .into_bytes(),
        public.to_public_key_der().unwrap().as_bytes().to_vec(),
        public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
        serde_json::to_vec(&jwk(&public, Some(KID))).unwrap(),
    ]
}

#[tokio::test]
async fn l7_hs256_keyed_with_the_public_key_is_refused_for_google() {
    let f = Fixture::new(Provider::Google).await;
    for key in public_key_encodings() {
        rejected(f.finish(&hs256(&key, Some(KID), &f.claims())).await);
        rejected(f.finish(&hs256(&key, None, &f.claims())).await);
    }
    // RS256-only: even the client secret does not make an HS256 token acceptable.
    rejected(
        f.finish(&hs256(CLIENT_SECRET.as_bytes(), None, &f.claims()))
            .await,
    );
}

#[tokio::test]
async fn l7_hs256_keyed_with_the_public_key_is_refused_for_d_account() {
    let f = Fixture::new(Provider::DAccount).await;
    for key in public_key_encodings() {
        rejected(f.finish(&hs256(&key, Some(KID), &f.claims())).await);
        rejected(f.finish(&hs256(&key, None, &f.claims())).await);
    }
}

#[tokio::test]
async fn l7_a_token_signed_by_another_key_with_the_same_kid_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    rejected(f.finish(&rs256(other_key(), Some(KID), &f.claims())).await);
    rejected(f.finish(&rs256(other_key(), None, &f.claims())).await);
}

#[tokio::test]
async fn l7_a_changed_payload_byte_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    let token = f.valid();
    let parts: Vec<&str> = token.split('.').collect();
    // The payload's JSON with another subject, re-encoded, the signature kept.
    let forged_claims = {
        let mut c = f.claims();
        c["sub"] = json!("mallory-00000000001");
        c
    };
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        hostile::b64(serde_json::to_vec(&forged_claims).unwrap()),
        parts[2]
    );
    rejected(f.finish(&forged).await);
    // One character of the encoded payload flipped (still decodable base64url).
    let mut payload = parts[1].as_bytes().to_vec();
    let i = payload.len() / 2;
    payload[i] = if payload[i] == b'A' { b'B' } else { b'A' };
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        String::from_utf8(payload).unwrap(),
        parts[2]
    );
    refused(f.finish(&flipped).await);
    // The genuine token still passes: the refusals were about the changes.
    assert_eq!(subject(f.finish(&token).await, Provider::Google), SUBJECT);
}

// --- claims -------------------------------------------------------------------------------------

#[tokio::test]
async fn l7_wrong_issuer_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    let base = f.idp.base.clone();
    for iss in [
        "https://accounts.google.com".to_owned(),
        format!("{base}/"),
        format!("{base}/other"),
        base.replace("127.0.0.1", "localhost"),
    ] {
        rejected(
            f.finish(&f.signed(|c| {
                c.insert("iss".into(), json!(iss));
            }))
            .await,
        );
    }
    for change in [json!(""), Value::Null] {
        refused(
            f.finish(&f.signed(|c| {
                if change.is_null() {
                    c.remove("iss");
                } else {
                    c.insert("iss".into(), change);
                }
            }))
            .await,
        );
    }
}

#[tokio::test]
async fn l7_wrong_audience_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    for aud in [
        json!("another-client"),
        json!(["another-client"]),
        json!([]),
        json!(format!("{CLIENT_ID}x")),
    ] {
        rejected(
            f.finish(&f.signed(|c| {
                c.insert("aud".into(), aud);
            }))
            .await,
        );
    }
    rejected(
        f.finish(&f.signed(|c| {
            c.remove("aud");
        }))
        .await,
    );
}

#[tokio::test]
async fn l7_several_audiences_need_azp_naming_us() {
    let f = Fixture::new(Provider::Google).await;
    // Several audiences without azp.
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
        }))
        .await,
    );
    // Several audiences, azp another client.
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
            c.insert("azp".into(), json!("another-client"));
        }))
        .await,
    );
    // Several audiences with azp = us: the other audience is still not trusted.
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("aud".into(), json!([CLIENT_ID, "another-client"]));
            c.insert("azp".into(), json!(CLIENT_ID));
        }))
        .await,
    );
    // One audience, azp = us, and the audience as a one-element array: accepted.
    let ok = f.signed(|c| {
        c.insert("aud".into(), json!([CLIENT_ID]));
        c.insert("azp".into(), json!(CLIENT_ID));
    });
    assert_eq!(subject(f.finish(&ok).await, Provider::Google), SUBJECT);
}

/// OpenID Connect Core §3.1.3.7 step 5, and the crate's own promise ("`azp` equal to the
/// client ID when present"): a token issued to another party is not ours.
#[tokio::test]
async fn l7_azp_naming_another_client_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("azp".into(), json!("another-client"));
        }))
        .await,
    );
}

#[tokio::test]
async fn l7_expired_token_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    let t = now().timestamp();
    for exp in [t - 1, t - 600, t - 3600 * 24] {
        rejected(
            f.finish(&f.signed(|c| {
                c.insert("iat".into(), json!(exp - 600));
                c.insert("exp".into(), json!(exp));
            }))
            .await,
        );
    }
    refused(
        f.finish(&f.signed(|c| {
            c.remove("exp");
        }))
        .await,
    );
}

#[tokio::test]
async fn l7_iat_in_the_future_beyond_the_skew_is_refused() {
    let f = Fixture::with(Provider::Google, |s| {
        s.clock_skew = Duration::from_secs(60);
    })
    .await;
    let t = now().timestamp();
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("iat".into(), json!(t + 61));
            c.insert("exp".into(), json!(t + 3600));
        }))
        .await,
    );
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("iat".into(), json!(t + 3000));
            c.insert("exp".into(), json!(t + 3600));
        }))
        .await,
    );
    // Within the skew: accepted.
    let ok = f.signed(|c| {
        c.insert("iat".into(), json!(t + 30));
    });
    assert_eq!(subject(f.finish(&ok).await, Provider::Google), SUBJECT);
}

#[tokio::test]
async fn l7_nbf_in_the_future_beyond_the_skew_is_refused() {
    let f = Fixture::with(Provider::Google, |s| {
        s.clock_skew = Duration::from_secs(60);
    })
    .await;
    let t = now().timestamp();
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("nbf".into(), json!(t + 61));
        }))
        .await,
    );
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("nbf".into(), json!(t + 500));
        }))
        .await,
    );
    // Within the skew, or in the past: accepted.
    for nbf in [t + 30, t - 30] {
        let ok = f.signed(|c| {
            c.insert("nbf".into(), json!(nbf));
        });
        assert_eq!(subject(f.finish(&ok).await, Provider::Google), SUBJECT);
    }
}

#[tokio::test]
async fn l7_wrong_or_missing_nonce_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    let other = Ceremony::generate(&SeededSecrets::new(8));
    for nonce in [
        json!(other.nonce().as_str()),
        json!(""),
        json!(format!("{}x", f.nonce())),
        json!(f.ceremony.state().as_str()),
        json!(f.ceremony.pkce_verifier().as_str()),
    ] {
        rejected(
            f.finish(&f.signed(|c| {
                c.insert("nonce".into(), nonce);
            }))
            .await,
        );
    }
    rejected(
        f.finish(&f.signed(|c| {
            c.remove("nonce");
        }))
        .await,
    );
}

#[tokio::test]
async fn l7_an_empty_subject_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("sub".into(), json!(""));
        }))
        .await,
    );
}

/// A well-formed token answer whose ID token is malformed (not a JWT, an unknown `alg`, a
/// payload that no longer decodes, a claim missing or not a URL) failed verification: that is
/// `Rejected`, not `Unavailable` (the provider is up and answered; its token is bad).
#[tokio::test]
async fn l7_a_malformed_id_token_is_rejected_not_unavailable() {
    let f = Fixture::new(Provider::Google).await;
    let valid = f.valid();
    let parts: Vec<&str> = valid.split('.').collect();
    let mut payload = parts[1].as_bytes().to_vec();
    let i = payload.len() / 2;
    payload[i] = if payload[i] == b'A' { b'B' } else { b'A' };
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        String::from_utf8(payload).unwrap(),
        parts[2]
    );
    let cases = [
        ("not a JWT", "not-a-jwt".to_owned()),
        ("alg None", unsigned("None", &f.claims())),
        ("payload byte flipped", flipped),
        (
            "iss empty",
            f.signed(|c| {
                c.insert("iss".into(), json!(""));
            }),
        ),
        (
            "iss missing",
            f.signed(|c| {
                c.remove("iss");
            }),
        ),
        (
            "exp missing",
            f.signed(|c| {
                c.remove("exp");
            }),
        ),
    ];
    let mut wrong = Vec::new();
    for (name, token) in cases {
        let result = f.finish(&token).await;
        if !matches!(result, Err(IdpError::Rejected(_))) {
            wrong.push(format!("{name}: {result:?}"));
        }
    }
    assert!(wrong.is_empty(), "not Rejected:\n{}", wrong.join("\n"));
}

// --- keys -------------------------------------------------------------------------------------

#[tokio::test]
async fn l7_unknown_kid_costs_one_refetch_per_interval() {
    let f = Fixture::with(Provider::Google, |s| {
        s.jwks_refetch_interval = Duration::from_secs(3600);
    })
    .await;
    // The initial read.
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );
    assert_eq!(f.idp.jwks_reads(), 1);
    // An unknown kid: refused after one more read.
    rejected(
        f.finish(&rs256(other_key(), Some("unknown-1"), &f.claims()))
            .await,
    );
    assert_eq!(f.idp.jwks_reads(), 2);
    // Right after, another unknown kid: the interval has not elapsed, no further read.
    rejected(
        f.finish(&rs256(other_key(), Some("unknown-2"), &f.claims()))
            .await,
    );
    assert_eq!(f.idp.jwks_reads(), 2);
    // Even a kid signed by the real key but not published is refused without a read.
    rejected(
        f.finish(&rs256(signing_key(), Some("unknown-3"), &f.claims()))
            .await,
    );
    assert_eq!(f.idp.jwks_reads(), 2);
}

#[tokio::test]
async fn l7_a_rotated_key_is_found_by_the_refetch() {
    let f = Fixture::new(Provider::Google).await;
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );
    // The provider rotates to a new key under a new kid.
    f.idp.set_jwks(vec![
        jwk(&signing_key().to_public_key(), Some(KID)),
        jwk(&other_key().to_public_key(), Some("key-2")),
    ]);
    let rotated = rs256(other_key(), Some("key-2"), &f.claims());
    assert_eq!(subject(f.finish(&rotated).await, Provider::Google), SUBJECT);
    assert_eq!(f.idp.jwks_reads(), 2);
}

#[tokio::test]
async fn l7_d_account_key_without_kid_verifies_a_token_with_kid() {
    let f = Fixture::new(Provider::DAccount).await;
    f.idp
        .set_jwks(vec![jwk(&signing_key().to_public_key(), None)]);
    let token = rs256(signing_key(), Some("whatever-kid"), &f.claims());
    assert_eq!(subject(f.finish(&token).await, Provider::DAccount), SUBJECT);
    let token = rs256(signing_key(), None, &f.claims());
    assert_eq!(subject(f.finish(&token).await, Provider::DAccount), SUBJECT);
    // The kid-less key is no licence for another key.
    rejected(
        f.finish(&rs256(other_key(), Some("whatever-kid"), &f.claims()))
            .await,
    );
}

#[tokio::test]
async fn l7_binding_flows_let_the_person_choose_the_provider_account() {
    let f = Fixture::new(Provider::Google).await;
    let url = f
        .providers
        .authorization_url(
            Provider::Google,
            &f.ceremony,
            REDIRECT_URI,
            AccountChoice::Select,
        )
        .await
        .unwrap();
    let url = url::Url::parse(&url).unwrap();
    let prompt: Vec<_> = url.query_pairs().filter(|(k, _)| k == "prompt").collect();
    assert_eq!(prompt.len(), 1);
    assert_eq!(prompt[0].1, "select_account");
}

#[tokio::test]
async fn l7_d_account_rotation_with_two_kid_less_keys_tries_each() {
    let f = Fixture::new(Provider::DAccount).await;
    // During a rotation both keys are published, neither with a `kid`.
    f.idp.set_jwks(vec![
        jwk(&other_key().to_public_key(), None),
        jwk(&signing_key().to_public_key(), None),
    ]);
    let token = rs256(signing_key(), Some("new-key"), &f.claims());
    assert_eq!(subject(f.finish(&token).await, Provider::DAccount), SUBJECT);
    let token = rs256(other_key(), None, &f.claims());
    assert_eq!(subject(f.finish(&token).await, Provider::DAccount), SUBJECT);
}

#[tokio::test]
async fn l7_keys_held_keep_serving_when_a_refresh_fails() {
    let f = Fixture::with(Provider::Google, |s| {
        s.jwks_refetch_interval = std::time::Duration::ZERO;
    })
    .await;
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );
    // The key set goes bad; a token naming an unknown key causes a re-read that fails, and
    // the keys held still verify the next valid token.
    f.idp.set_jwks_answer(Answer::Garbage);
    rejected(
        f.finish(&rs256(signing_key(), Some("unknown-kid"), &f.claims()))
            .await,
    );
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Google),
        SUBJECT
    );
}

#[tokio::test]
async fn l7_d_account_hs256_with_the_client_secret_is_accepted() {
    let f = Fixture::new(Provider::DAccount).await;
    let token = hs256(CLIENT_SECRET.as_bytes(), None, &f.claims());
    assert_eq!(subject(f.finish(&token).await, Provider::DAccount), SUBJECT);
    // A wrong secret, or the right token with changed claims, is refused.
    rejected(
        f.finish(&hs256(
            b"another-secret-0123456789abcdef-0123456789",
            None,
            &f.claims(),
        ))
        .await,
    );
    let mut wrong_nonce = f.claims();
    wrong_nonce["nonce"] = json!("another-nonce");
    rejected(
        f.finish(&hs256(CLIENT_SECRET.as_bytes(), None, &wrong_nonce))
            .await,
    );
}

// --- Microsoft ------------------------------------------------------------------------------

#[tokio::test]
async fn l7_microsoft_subject_is_tenant_and_object_id() {
    let f = Fixture::new(Provider::Microsoft).await;
    assert_eq!(
        subject(f.finish(&f.valid()).await, Provider::Microsoft),
        format!("{MS_TENANT}/{MS_OID}")
    );
    // Any tenant when no allow-list is set, with the issuer filled with that tenant.
    let other = f.signed(|c| {
        c.insert("tid".into(), json!(MS_OTHER_TENANT));
        c.insert(
            "iss".into(),
            json!(format!("{}/{MS_OTHER_TENANT}/v2.0", f.idp.base)),
        );
    });
    assert_eq!(
        subject(f.finish(&other).await, Provider::Microsoft),
        format!("{MS_OTHER_TENANT}/{MS_OID}")
    );
}

#[tokio::test]
async fn l7_microsoft_tid_must_match_the_issuer_tenant() {
    let f = Fixture::new(Provider::Microsoft).await;
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("tid".into(), json!(MS_OTHER_TENANT));
        }))
        .await,
    );
    rejected(
        f.finish(&f.signed(|c| {
            c.remove("tid");
        }))
        .await,
    );
    // The unfilled template is no issuer.
    rejected(
        f.finish(&f.signed(|c| {
            c.insert(
                "iss".into(),
                json!(format!("{}/{{tenantid}}/v2.0", f.idp.base)),
            );
            c.insert("tid".into(), json!("{tenantid}"));
        }))
        .await,
    );
    // A tenant that would change the issuer's path.
    rejected(
        f.finish(&f.signed(|c| {
            c.insert(
                "iss".into(),
                json!(format!("{}/x/../{MS_TENANT}/v2.0", f.idp.base)),
            );
            c.insert("tid".into(), json!(format!("x/../{MS_TENANT}")));
        }))
        .await,
    );
}

#[tokio::test]
async fn l7_microsoft_tenant_outside_the_allow_list_is_refused() {
    let f = Fixture::with(Provider::Microsoft, |s| {
        s.providers[0].tenants = vec![MS_OTHER_TENANT.into()];
    })
    .await;
    rejected(f.finish(&f.valid()).await);
    let listed = f.signed(|c| {
        c.insert("tid".into(), json!(MS_OTHER_TENANT));
        c.insert(
            "iss".into(),
            json!(format!("{}/{MS_OTHER_TENANT}/v2.0", f.idp.base)),
        );
    });
    assert_eq!(
        subject(f.finish(&listed).await, Provider::Microsoft),
        format!("{MS_OTHER_TENANT}/{MS_OID}")
    );
}

#[tokio::test]
async fn l7_microsoft_subject_never_comes_from_email_or_user_name() {
    let f = Fixture::new(Provider::Microsoft).await;
    // Without oid, neither sub, email nor preferred_username stands in.
    rejected(
        f.finish(&f.signed(|c| {
            c.remove("oid");
            c.insert("email".into(), json!("ceo@contoso.example"));
            c.insert("preferred_username".into(), json!("ceo@contoso.example"));
        }))
        .await,
    );
    rejected(
        f.finish(&f.signed(|c| {
            c.insert("oid".into(), json!("ceo@contoso.example"));
        }))
        .await,
    );
    // With oid, a different e-mail and user name change nothing.
    let token = f.signed(|c| {
        c.insert("email".into(), json!("ceo@contoso.example"));
        c.insert("preferred_username".into(), json!("ceo@contoso.example"));
        c.insert("sub".into(), json!("ceo@contoso.example"));
    });
    let subject = subject(f.finish(&token).await, Provider::Microsoft);
    assert_eq!(subject, format!("{MS_TENANT}/{MS_OID}"));
    assert!(!subject.contains('@'));
}

// --- RFC 9207 ---------------------------------------------------------------------------------

#[tokio::test]
async fn l7_rfc9207_iss_is_required_when_advertised() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_iss_parameter(true);
    f.idp.answer_id_token(&f.valid());
    rejected(f.finish_with(&f.callback(None)).await);
    // The code was not spent on a response that is already refused.
    assert_eq!(f.idp.token_request_count(), 0);
    // With the provider's issuer: accepted.
    let issuer = f.issuer.clone();
    assert_eq!(
        subject(
            f.finish_with(&f.callback(Some(&issuer))).await,
            Provider::Google
        ),
        SUBJECT
    );
}

#[tokio::test]
async fn l7_rfc9207_iss_must_be_the_token_issuer() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.answer_id_token(&f.valid());
    let base = f.idp.base.clone();
    for iss in [
        "https://accounts.google.com".to_owned(),
        format!("{base}/"),
        "https://attacker.example".to_owned(),
    ] {
        rejected(f.finish_with(&f.callback(Some(&iss))).await);
    }
    let g = Fixture::new(Provider::Google).await;
    g.idp.set_iss_parameter(true);
    g.idp.answer_id_token(&g.valid());
    rejected(
        g.finish_with(&g.callback(Some("https://attacker.example")))
            .await,
    );
}

/// RFC 9207 §2.4: a response whose `iss` is not the expected issuer must be refused before
/// the code is used ("MUST NOT proceed with the authorization grant").
#[tokio::test]
async fn l7_rfc9207_mismatched_iss_is_refused_before_the_code_is_sent() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_iss_parameter(true);
    f.idp.answer_id_token(&f.valid());
    rejected(
        f.finish_with(&f.callback(Some("https://attacker.example")))
            .await,
    );
    assert_eq!(
        f.idp.token_request_count(),
        0,
        "the code was sent to the token endpoint despite a foreign iss"
    );
}

// --- metadata -----------------------------------------------------------------------------------

#[tokio::test]
async fn l7_metadata_naming_another_issuer_is_refused() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_metadata_issuer("https://accounts.google.com");
    f.idp.answer_id_token(&f.valid());
    rejected(f.finish_with(&f.callback(None)).await);
    assert!(matches!(
        f.providers
            .authorization_url(
                Provider::Google,
                &f.ceremony,
                REDIRECT_URI,
                AccountChoice::Current
            )
            .await,
        Err(IdpError::Rejected(_))
    ));
    assert_eq!(f.idp.token_request_count(), 0);

    // Microsoft: the metadata must carry the configured template, not one tenant's issuer.
    let m = Fixture::new(Provider::Microsoft).await;
    m.idp
        .set_metadata_issuer(&format!("{}/{MS_TENANT}/v2.0", m.idp.base));
    rejected(m.finish(&m.valid()).await);
}

#[tokio::test]
async fn l7_metadata_endpoints_must_be_allowed_addresses() {
    let f = Fixture::new(Provider::Google).await;
    let elsewhere = Hostile::start().await;
    // Plain http to a host that is not listed as insecure.
    f.idp.set_token_endpoint("http://localhost:1/token");
    f.idp.answer_id_token(&f.valid());
    rejected(f.finish_with(&f.callback(None)).await);
    let g = Fixture::new(Provider::Google).await;
    g.idp
        .set_token_endpoint(&format!("{}/token", elsewhere.base).replace("http:", "ftp:"));
    rejected(g.finish(&g.valid()).await);
    assert_eq!(elsewhere.requests(), 0);
}

// --- transport ----------------------------------------------------------------------------------

#[tokio::test]
async fn l7_provider_down_is_unavailable() {
    let closed = hostile::closed_port().await;
    let f = Fixture::with(Provider::Google, |s| {
        s.providers[0].discovery_url = Some(format!("{closed}/.well-known/openid-configuration"));
    })
    .await;
    unavailable(f.finish(&f.valid()).await);
    assert!(matches!(
        f.providers
            .authorization_url(
                Provider::Google,
                &f.ceremony,
                REDIRECT_URI,
                AccountChoice::Current
            )
            .await,
        Err(IdpError::Unavailable(_))
    ));
    // Metadata read, then the token endpoint is down.
    let g = Fixture::new(Provider::Google).await;
    g.idp.set_token_endpoint(&format!("{closed}/token"));
    unavailable(g.finish(&g.valid()).await);
}

#[tokio::test]
async fn l7_token_endpoint_garbage_is_unavailable() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_token(Answer::Garbage);
    unavailable(f.finish_with(&f.callback(None)).await);
    // A 200 that is JSON but no token answer.
    f.idp.set_token(Answer::Json(json!({"hello": "world"})));
    unavailable(f.finish_with(&f.callback(None)).await);
    // A token answer without an ID token gives no identity.
    f.idp.set_token(Answer::Json(
        json!({"access_token": "x", "token_type": "Bearer"}),
    ));
    refused(f.finish_with(&f.callback(None)).await);
    // An ID token that is not a JWT.
    f.idp.answer_id_token("not-a-jwt");
    refused(f.finish_with(&f.callback(None)).await);
}

#[tokio::test]
async fn l7_token_endpoint_refusal_is_rejected() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_token(Answer::Status(
        400,
        json!({"error": "invalid_grant", "error_description": "code already used"}),
    ));
    rejected(f.finish_with(&f.callback(None)).await);
}

#[tokio::test]
async fn l7_key_set_garbage_is_unavailable() {
    let f = Fixture::new(Provider::Google).await;
    f.idp.set_jwks_answer(Answer::Garbage);
    unavailable(f.finish(&f.valid()).await);
    f.idp.set_jwks_answer(Answer::Json(json!({"not": "keys"})));
    unavailable(f.finish(&f.valid()).await);
}

#[tokio::test]
async fn l7_bodies_larger_than_the_cap_are_refused() {
    let cap = 16 * 1024;
    let small = |s: &mut IdpSettings| s.max_response_bytes = 16 * 1024;
    // Token endpoint, length announced.
    let f = Fixture::with(Provider::Google, small).await;
    f.idp.set_token(Answer::Huge(cap * 64));
    unavailable(f.finish_with(&f.callback(None)).await);
    // Discovery, length announced.
    let g = Fixture::with(Provider::Google, small).await;
    g.idp.set_discovery(Answer::Huge(cap + 1));
    unavailable(g.finish(&g.valid()).await);
    // Key set, length announced.
    let h = Fixture::with(Provider::Google, small).await;
    h.idp.set_jwks_answer(Answer::Huge(cap * 4));
    unavailable(h.finish(&h.valid()).await);
    // Token endpoint, chunked without a length: the read stops at the cap.
    let raw = Raw::chunked(1024 * 1024).await;
    let k = Fixture::with(Provider::Google, small).await;
    k.idp.set_token_endpoint(&format!("{}/token", raw.base));
    unavailable(k.finish_with(&k.callback(None)).await);
    assert_eq!(raw.connections(), 1);
}

#[tokio::test]
async fn l7_discovery_redirect_is_not_followed() {
    let f = Fixture::new(Provider::Google).await;
    let elsewhere = Hostile::start().await;
    f.idp
        .set_discovery(Answer::Redirect(elsewhere.discovery_url()));
    let result = f.finish(&f.valid()).await;
    assert!(
        matches!(
            result,
            Err(IdpError::Unavailable(_) | IdpError::Rejected(_))
        ),
        "{result:?}"
    );
    assert!(
        f.providers
            .authorization_url(
                Provider::Google,
                &f.ceremony,
                REDIRECT_URI,
                AccountChoice::Current
            )
            .await
            .is_err()
    );
    assert_eq!(elsewhere.requests(), 0);
    assert_eq!(f.idp.token_request_count(), 0);
}

#[tokio::test]
async fn l7_token_and_key_redirects_are_not_followed() {
    // The token endpoint redirects: following it would hand the code and the client secret
    // to another host.
    let elsewhere = Hostile::start().await;
    let f = Fixture::new(Provider::Google).await;
    f.idp
        .set_token(Answer::Redirect(format!("{}/token", elsewhere.base)));
    unavailable(f.finish_with(&f.callback(None)).await);
    // The key set redirects.
    let g = Fixture::new(Provider::Google).await;
    g.idp
        .set_jwks_answer(Answer::Redirect(format!("{}/jwks", elsewhere.base)));
    elsewhere.set_jwks(vec![jwk(&signing_key().to_public_key(), Some(KID))]);
    unavailable(g.finish(&g.valid()).await);
    assert_eq!(elsewhere.requests(), 0);
}

#[tokio::test]
async fn l7_a_stalled_provider_ends_within_the_timeout() {
    let quick = |s: &mut IdpSettings| s.timeout = Duration::from_secs(1);
    // The token endpoint never answers.
    let f = Fixture::with(Provider::Google, quick).await;
    f.idp.set_token(Answer::Stall);
    unavailable(f.finish_with(&f.callback(None)).await);
    // Discovery never answers.
    let g = Fixture::with(Provider::Google, quick).await;
    g.idp.set_discovery(Answer::Stall);
    unavailable(g.finish(&g.valid()).await);
    // The token endpoint sends its head, then stops in the middle of the body.
    let raw = Raw::stalled_body().await;
    let h = Fixture::with(Provider::Google, quick).await;
    h.idp.set_token_endpoint(&format!("{}/token", raw.base));
    unavailable(h.finish_with(&h.callback(None)).await);
}
