//! Federated sign-in through the app (L7, I2, M1–M3, L10, X1, X8) against the real test
//! provider (node `oidc-provider` on loopback, `tests/support/oidc.sh`): the JSON API and the
//! pages, on the in-memory store. The provider's answer is delivered to the app as the browser
//! would, from the redirect URI it ends at.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};

use adapter_idp::OidcProviders;
use adapter_idp::testing::{TestProviders, browser_client, sign_in_at_provider};
use app_http::http::Listener;
use auth_core::domain::{
    AccessRoute, AuditKind, LoginMethod, MailKind, Provider, ProviderResult, Role, Subject,
    TicketLink, TwoFactorPolicy,
};
use auth_core::ports::{AccountStore, ContractStore};

use crate::support::{Browser, Reply, TestApp, newest_link};

const PW: &str = "Kumo-2024";
const REDIRECT: &str = "http://127.0.0.1:8080/federation/";

struct Fed {
    /// A provider process of this test's own (to stop it), or the binary's shared one.
    own: Option<TestProviders>,
    app: TestApp,
    walker: reqwest::Client,
}

async fn fed() -> Fed {
    fed_on(Listener::Internet, false).await
}

async fn fed_on(listener: Listener, own: bool) -> Fed {
    let own = own.then(|| TestProviders::start().expect("test provider"));
    let idp = match &own {
        Some(idp) => idp,
        None => TestProviders::shared().expect("test provider"),
    };
    let adapter = OidcProviders::new(idp.settings(&Provider::ALL)).expect("adapter");
    let app = TestApp::with_providers(Arc::new(adapter), listener);
    Fed {
        own,
        app,
        walker: browser_client().expect("client"),
    }
}

fn invitation_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::Invitation { link, .. } | MailKind::OwnerInvitation { link, .. } => Some(link),
        _ => None,
    }
}

fn method_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::LoginMethodChange { link } => Some(link),
        _ => None,
    }
}

impl Fed {
    fn idp(&self) -> &TestProviders {
        match &self.own {
            Some(idp) => idp,
            None => TestProviders::shared().expect("test provider"),
        }
    }

    /// A Basic contract (two-factor off) with its password owner signed in over the API.
    async fn owner(&self) -> Browser {
        self.app.world.basic_owner().await;
        let mut b = self.app.browser();
        let r = b
            .post(
                "/api/sign-in",
                json!({"email": "owner@example.co.jp", "password": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        b
    }

    /// The owner invites `email` as a user; the invitation token.
    async fn invite(&self, owner: &mut Browser, email: &str) -> String {
        let r = owner
            .post(
                "/api/admin/users",
                json!({"name": "招待 花子", "email": email, "admin": false}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.json);
        newest_link(&self.app.world, invitation_link).expect("invitation mail")
    }

    /// Starts a round trip over the API; the provider's authorization URL.
    async fn start(&self, b: &mut Browser, provider: Provider, body: Value) -> String {
        let r = self.try_start(b, provider, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["authorization_url"].as_str().unwrap().to_owned()
    }

    async fn try_start(&self, b: &mut Browser, provider: Provider, body: Value) -> Reply {
        b.post(
            &format!("/api/federation/{}/start", provider.as_str()),
            body,
        )
        .await
    }

    /// Signs in at the provider as `login`; the URL the provider sends the browser back to.
    async fn at_provider(&self, authorization_url: &str, login: &str) -> url::Url {
        sign_in_at_provider(&self.walker, authorization_url, login, REDIRECT)
            .await
            .expect("provider round trip")
    }

    /// Delivers the provider's answer to the API callback of `provider`.
    async fn callback(&self, b: &mut Browser, provider: Provider, answer: &url::Url) -> Reply {
        let body: serde_json::Map<String, Value> = answer
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        b.post(
            &format!("/api/federation/{}/callback", provider.as_str()),
            Value::Object(body),
        )
        .await
    }

    /// A Basic contract (two-factor off) with a user bound to Google subject `email`.
    async fn google_user(&self, email: &str) -> auth_core::domain::Contract {
        let (contract, _) = self.app.world.basic_owner().await;
        self.app
            .world
            .account(&contract, email, Role::User, None)
            .await;
        contract
    }

    /// Starts a sign-in over the API and signs in at the provider as `login`; the answer.
    async fn answered(&self, b: &mut Browser, provider: Provider, login: &str) -> url::Url {
        let url = self.start(b, provider, json!({"purpose": "sign_in"})).await;
        self.at_provider(&url, login).await
    }

    /// A whole provider sign-in over the API.
    async fn sign_in(&self, b: &mut Browser, provider: Provider, login: &str) -> Reply {
        let url = self.start(b, provider, json!({"purpose": "sign_in"})).await;
        let answer = self.at_provider(&url, login).await;
        self.callback(b, provider, &answer).await
    }
}

fn code(r: &Reply) -> &str {
    r.json["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn i2_invited_user_registers_with_a_provider_then_signs_in_and_out() {
    let f = fed().await;
    let mut owner = f.owner().await;
    let token = f.invite(&mut owner, "hanako@example.co.jp").await;

    let mut b = f.app.browser();
    let url = f
        .start(
            &mut b,
            Provider::Google,
            json!({"purpose": "invitation", "token": token}),
        )
        .await;
    assert!(b.cookies.contains_key("tobira_federation"));
    let answer = f.at_provider(&url, "hanako").await;
    let r = f.callback(&mut b, Provider::Google, &answer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "registered");
    assert!(!b.cookies.contains_key("tobira_federation"));
    let account = f
        .app
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("hanako@example.co.jp").unwrap())
        .await
        .unwrap()
        .expect("registered");
    assert_eq!(
        account.login_method,
        LoginMethod::Federated {
            provider: Provider::Google,
            subject: Subject::parse("hanako").unwrap()
        }
    );
    // The invitation link is spent.
    let again = f
        .try_start(
            &mut b,
            Provider::Google,
            json!({"purpose": "invitation", "token": token}),
        )
        .await;
    assert_ne!(again.status, StatusCode::OK);

    let r = f.sign_in(&mut b, Provider::Google, "hanako").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(
        b.post("/api/sign-out", json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let r = f.sign_in(&mut b, Provider::Google, "hanako").await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
}

#[tokio::test]
async fn l7_no_second_factor_after_a_provider_sign_in_for_each_provider() {
    let f = fed().await;
    let w = &f.app.world;
    let contract = w.contract("雲商事", auth_core::domain::Plan::Basic).await;
    assert_eq!(contract.two_factor, TwoFactorPolicy::Enabled);
    let tenant = f.idp().profiles.microsoft.tenant.clone().unwrap();
    let mut bound = Vec::new();
    for (i, provider) in [Provider::Google, Provider::Facebook, Provider::DAccount]
        .into_iter()
        .enumerate()
    {
        let login = format!("user{i}");
        w.account_with(
            &contract,
            &format!("user{i}@example.co.jp"),
            Role::User,
            LoginMethod::Federated {
                provider,
                subject: Subject::parse(&login).unwrap(),
            },
            None,
        )
        .await;
        bound.push((provider, login));
    }
    for (provider, login) in bound {
        let mut b = f.app.browser();
        let r = f.sign_in(&mut b, provider, &login).await;
        assert_eq!(r.status, StatusCode::OK, "{provider:?}: {}", r.json);
        assert_eq!(r.json["status"], "signed_in", "{provider:?}");
    }
    // Microsoft binds tenant and object IDs: find the subject the provider gives, bind it,
    // sign in.
    let mut b = f.app.browser();
    let r = f.sign_in(&mut b, Provider::Microsoft, "mika").await;
    assert_eq!(code(&r), "unbound_identity");
    let verified = f
        .app
        .world
        .audit
        .events()
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                AuditKind::ProviderSignIn {
                    provider: Provider::Microsoft,
                    result: ProviderResult::Verified
                }
            )
        })
        .count();
    assert_eq!(verified, 1);
    let _ = tenant;
}

#[tokio::test]
async fn l7_unbound_subject_is_refused_and_nothing_is_created_not_even_by_email() {
    let f = fed().await;
    let mut owner = f.owner().await;
    // A password account already uses the provider's e-mail for this login.
    let (contract, _) = (
        f.app
            .world
            .contract("別会社", auth_core::domain::Plan::Basic)
            .await,
        (),
    );
    f.app
        .world
        .account(&contract, "alice@example.test", Role::User, Some(PW))
        .await;
    let before = f
        .app
        .world
        .store
        .accounts_of(contract.id)
        .await
        .unwrap()
        .len();
    let mut b = f.app.browser();
    let r = f.sign_in(&mut b, Provider::Google, "alice").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(code(&r), "unbound_identity");
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let after = f.app.world.store.accounts_of(contract.id).await.unwrap();
    assert_eq!(after.len(), before);
    assert!(
        after
            .iter()
            .all(|a| a.login_method == LoginMethod::Password)
    );
    // Password sign-in of others is untouched.
    assert_eq!(owner.get("/api/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn l7_missing_wrong_or_replayed_state_is_refused() {
    let f = fed().await;
    f.google_user("bob@example.co.jp").await;
    let mut b = f.app.browser();
    let answer = f
        .answered(&mut b, Provider::Google, "bob@example.co.jp")
        .await;

    // Missing state.
    let mut missing = answer.clone();
    let pairs: Vec<(String, String)> = answer
        .query_pairs()
        .filter(|(k, _)| k != "state")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    missing.query_pairs_mut().clear().extend_pairs(pairs);
    let r = f.callback(&mut b, Provider::Google, &missing).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "federation_state_invalid");

    // A state nobody issued.
    let mut wrong = answer.clone();
    let pairs: Vec<(String, String)> = answer
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "A".repeat(43)
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    wrong.query_pairs_mut().clear().extend_pairs(pairs);
    let r = f.callback(&mut b, Provider::Google, &wrong).await;
    assert_eq!(code(&r), "federation_state_invalid");

    // The real answer works once, then is a replay.
    let r = f.callback(&mut b, Provider::Google, &answer).await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
    let r = f.callback(&mut b, Provider::Google, &answer).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "federation_state_invalid");
}

#[tokio::test]
async fn l7_an_answer_delivered_to_another_browser_or_provider_is_refused() {
    let f = fed().await;
    f.google_user("carol@example.co.jp").await;
    // Another browser (no federation cookie of this round trip).
    let mut started = f.app.browser();
    let url = f
        .start(
            &mut started,
            Provider::Google,
            json!({"purpose": "sign_in"}),
        )
        .await;
    let answer = f.at_provider(&url, "carol@example.co.jp").await;
    let mut other = f.app.browser();
    let r = f.callback(&mut other, Provider::Google, &answer).await;
    assert_eq!(code(&r), "federation_state_invalid");
    assert_eq!(other.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    // The state is spent by that attempt: the right browser cannot use it afterwards.
    let r = f.callback(&mut started, Provider::Google, &answer).await;
    assert_eq!(code(&r), "federation_state_invalid");

    // Provider A's answer at provider B's callback.
    let mut b = f.app.browser();
    let answer = f
        .answered(&mut b, Provider::Google, "carol@example.co.jp")
        .await;
    let r = f.callback(&mut b, Provider::Facebook, &answer).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&r), "federation_state_invalid");
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn l7_a_replayed_code_is_refused() {
    let f = fed().await;
    f.google_user("dave@example.co.jp").await;
    let mut b = f.app.browser();
    let first = f
        .answered(&mut b, Provider::Google, "dave@example.co.jp")
        .await;
    let r = f.callback(&mut b, Provider::Google, &first).await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
    // A fresh round trip in the same browser, answered with the spent code.
    let second = f
        .answered(&mut b, Provider::Google, "dave@example.co.jp")
        .await;
    let old_code = first
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let pairs: Vec<(String, String)> = second
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "code" {
                old_code.clone()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut replay = second.clone();
    replay.query_pairs_mut().clear().extend_pairs(pairs);
    let r = f.callback(&mut b, Provider::Google, &replay).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(code(&r), "provider_rejected");
}

#[tokio::test]
async fn l7_denial_at_the_provider_changes_nothing() {
    let f = fed().await;
    let mut b = f.app.browser();
    let answer = f.answered(&mut b, Provider::Facebook, "deny").await;
    assert!(
        answer
            .query_pairs()
            .any(|(k, v)| k == "error" && v == "access_denied")
    );
    let r = f.callback(&mut b, Provider::Facebook, &answer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(code(&r), "provider_denied");
    assert!(f.app.world.audit.events().iter().any(|e| matches!(
        e.kind,
        AuditKind::ProviderSignIn {
            provider: Provider::Facebook,
            result: ProviderResult::Denied
        }
    )));
}

#[tokio::test]
async fn l7_provider_down_gives_a_clear_error_and_password_sign_in_still_works() {
    let mut f = fed_on(Listener::Internet, true).await;
    f.app.world.basic_owner().await;
    f.own.as_mut().unwrap().stop();
    let mut b = f.app.browser();
    let r = f
        .try_start(&mut b, Provider::Google, json!({"purpose": "sign_in"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.json);
    assert_eq!(code(&r), "provider_unavailable");
    let r = b
        .header("accept-language", "en")
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
}

#[tokio::test]
async fn l7_microsoft_token_of_a_foreign_tenant_is_refused() {
    let f = fed().await;
    let mut b = f.app.browser();
    let r = f.sign_in(&mut b, Provider::Microsoft, "foreign-eve").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(code(&r), "provider_rejected");
}

#[tokio::test]
async fn m1_owner_switches_own_method_to_a_provider() {
    let f = fed().await;
    f.app.world.basic_owner().await;
    let mut b = f.app.browser();
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    // Without the settings session, no own-method round trip starts.
    let mut stranger = f.app.browser();
    let r = f
        .try_start(
            &mut stranger,
            Provider::Microsoft,
            json!({"purpose": "own_method"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let url = f
        .start(
            &mut b,
            Provider::Microsoft,
            json!({"purpose": "own_method"}),
        )
        .await;
    let answer = f.at_provider(&url, "owner-ms").await;
    let r = f.callback(&mut b, Provider::Microsoft, &answer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "method_changed");
    let owner = f
        .app
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("owner@example.co.jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    let tenant = f.idp().profiles.microsoft.tenant.clone().unwrap();
    match &owner.login_method {
        LoginMethod::Federated {
            provider: Provider::Microsoft,
            subject,
        } => assert!(subject.as_str().starts_with(&format!("{tenant}/"))),
        other => panic!("{other:?}"),
    }
    // The password no longer signs in; Microsoft does.
    let mut c = f.app.browser();
    let r = c
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f.sign_in(&mut c, Provider::Microsoft, "owner-ms").await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
}

/// The owner sends a login-method change to `email`'s account; its token.
async fn method_change_link(f: &Fed, owner: &mut Browser, email: &str) -> String {
    let users = owner.get("/api/admin/users").await;
    let id = users.json["accounts"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", users.json))
        .iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("{} has no {email}", users.json))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = owner
        .post(
            &format!("/api/admin/users/{id}/change"),
            json!({"email": email}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.json);
    newest_link(&f.app.world, method_link).expect("method change mail")
}

#[tokio::test]
async fn m2_user_binds_a_provider_through_a_method_change_link_and_m3_facebook_rebind_is_refused() {
    let f = fed().await;
    let mut owner = f.owner().await;
    let contract = f
        .app
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("owner@example.co.jp").unwrap())
        .await
        .unwrap()
        .unwrap()
        .contract;
    let contract = f.app.world.store.contract(contract).await.unwrap().unwrap();
    f.app
        .world
        .account(&contract, "frank@example.co.jp", Role::User, Some(PW))
        .await;
    let token = method_change_link(&f, &mut owner, "frank@example.co.jp").await;
    let mut b = f.app.browser();
    let url = f
        .start(
            &mut b,
            Provider::Facebook,
            json!({"purpose": "method_change", "token": token}),
        )
        .await;
    let answer = f.at_provider(&url, "fb-frank").await;
    let r = f.callback(&mut b, Provider::Facebook, &answer).await;
    assert_eq!(r.json["status"], "method_changed", "{}", r.json);
    let r = f.sign_in(&mut b, Provider::Facebook, "fb-frank").await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);

    // M3: the same account cannot go straight to another Facebook account.
    let token = method_change_link(&f, &mut owner, "frank@example.co.jp").await;
    let mut b = f.app.browser();
    let url = f
        .start(
            &mut b,
            Provider::Facebook,
            json!({"purpose": "method_change", "token": token}),
        )
        .await;
    let answer = f.at_provider(&url, "fb-other").await;
    let r = f.callback(&mut b, Provider::Facebook, &answer).await;
    assert_eq!(code(&r), "facebook_rebind", "{}", r.json);
}

#[tokio::test]
async fn i2_an_identity_bound_to_another_account_is_refused() {
    let f = fed().await;
    let mut owner = f.owner().await;
    let first = f.invite(&mut owner, "gina@example.co.jp").await;
    let second = f.invite(&mut owner, "gina2@example.co.jp").await;
    for (token, expect) in [(first, "registered"), (second, "")] {
        let mut b = f.app.browser();
        let url = f
            .start(
                &mut b,
                Provider::DAccount,
                json!({"purpose": "invitation", "token": token}),
            )
            .await;
        let answer = f.at_provider(&url, "gina").await;
        let r = f.callback(&mut b, Provider::DAccount, &answer).await;
        if expect.is_empty() {
            assert_eq!(code(&r), "identity_taken", "{}", r.json);
        } else {
            assert_eq!(r.json["status"], expect, "{}", r.json);
        }
    }
}

#[tokio::test]
async fn l10_line_only_contract_refuses_provider_sign_in_over_the_internet() {
    let f = fed().await;
    let contract = f.google_user("hiro@example.co.jp").await;
    f.app
        .world
        .store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    let mut b = f.app.browser();
    let r = f
        .sign_in(&mut b, Provider::Google, "hiro@example.co.jp")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    assert_eq!(code(&r), "internet_not_allowed");
}

#[tokio::test]
async fn l4_a_locked_account_cannot_sign_in_with_a_provider() {
    let f = fed().await;
    let (contract, _) = f.app.world.basic_owner().await;
    let account = f
        .app
        .world
        .account(&contract, "ivy@example.co.jp", Role::User, None)
        .await;
    for _ in 0..auth_core::domain::LOCK_THRESHOLD {
        let issued = auth_core::domain::Ticket::issue(
            auth_core::domain::TicketPurpose::Unlock,
            account.id,
            f.app.world.clock.now_for_test(),
            f.app.world.secrets.as_ref(),
        );
        let mail = auth_core::domain::Mail {
            id: auth_core::domain::MailId::generate(f.app.world.secrets.as_ref()),
            to: account.email.clone(),
            locale: auth_core::domain::Locale::Ja,
            kind: MailKind::Notice {
                kind: auth_core::domain::NoticeKind::PasswordChanged,
            },
            created_at: f.app.world.clock.now_for_test(),
        };
        f.app
            .world
            .store
            .record_failure(
                account.id,
                f.app.world.clock.now_for_test(),
                auth_core::ports::LockArtifacts {
                    ticket: issued.ticket,
                    mail,
                },
            )
            .await
            .unwrap();
    }
    let mut b = f.app.browser();
    let r = f
        .sign_in(&mut b, Provider::Google, "ivy@example.co.jp")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn x1_round_trips_are_audited_with_the_provider_and_no_secret() {
    let f = fed().await;
    f.google_user("jun@example.co.jp").await;
    let mut b = f.app.browser();
    let answer = f
        .answered(&mut b, Provider::Google, "jun@example.co.jp")
        .await;
    assert_eq!(
        f.callback(&mut b, Provider::Google, &answer).await.json["status"],
        "signed_in"
    );
    assert_eq!(
        code(&f.callback(&mut b, Provider::Google, &answer).await),
        "federation_state_invalid"
    );
    let events = f.app.world.audit.events();
    let results: Vec<ProviderResult> = events
        .iter()
        .filter_map(|e| match e.kind {
            AuditKind::ProviderSignIn {
                provider: Provider::Google,
                result,
            } => Some(result),
            _ => None,
        })
        .collect();
    assert_eq!(
        results,
        vec![ProviderResult::Verified, ProviderResult::BadState]
    );
    let text = format!("{events:?}");
    for (k, v) in answer.query_pairs() {
        if k == "code" || k == "state" {
            assert!(
                !text.contains(v.as_ref()),
                "{k} leaked into the audit trail"
            );
        }
    }
}

#[tokio::test]
async fn l9_the_line_listener_sends_providers_back_to_the_line_address() {
    let f = fed_on(Listener::Line, false).await;
    let mut b = f.app.browser();
    let url = f
        .start(&mut b, Provider::Google, json!({"purpose": "sign_in"}))
        .await;
    let redirect = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(redirect, "http://127.0.0.1:8080/federation/google/callback");
}

#[tokio::test]
async fn x8_pages_start_and_finish_the_same_round_trip() {
    let f = fed().await;
    f.google_user("kai@example.co.jp").await;
    let mut b = f.app.browser();
    let page = b.page("/sign-in").await;
    assert!(
        page.body.contains("/federation/google/start"),
        "{}",
        page.body
    );
    let r = b
        .submit("/federation/google/start", &[("purpose", "sign_in")])
        .await;
    // A page that moves on by itself (a form's answer may not redirect off-site under the
    // pages' form-action policy).
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refresh = r.headers["refresh"].to_str().unwrap().to_owned();
    let to = refresh.strip_prefix("0;url=").unwrap().to_owned();
    assert!(r.body.contains("http-equiv=\"refresh\""), "{}", r.body);
    let answer = f.at_provider(&to, "kai@example.co.jp").await;
    let path = format!("{}?{}", answer.path(), answer.query().unwrap());
    let r = b.page(&path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/home"));
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
    // The same answer again: a clear page, in Japanese by default.
    let r = b.page(&path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("ログイン画面からもう一度お試しください"),
        "{}",
        r.body
    );
}
