//! The router in-process: every layer and handler, on the in-memory store.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use auth_core::domain::{TotpSecret, totp_code_at};
use auth_core::flows::invitations::ContractRequest;

use crate::support::TestApp;

const PW: &str = "Kumo-2024";
const NEW: &str = "Hanami-2031";

/// A contract whose owner registered through the API with a password; returns the app.
async fn app_with_owner(trial: bool) -> TestApp {
    let app = TestApp::new();
    let created = app
        .world
        .auth
        .create_contract(ContractRequest {
            name: "雲商事",
            owner_email: "owner@example.co.jp",
            owner_name: "山田 太郎",
            trial,
            locale: auth_core::domain::Locale::Ja,
        })
        .await
        .unwrap();
    let mut b = app.browser();
    let token = created.invitation.expose().to_string();
    let r = b.get(&format!("/api/invitation/{token}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["contract_name"], "雲商事");
    let r = b
        .post(
            &format!("/api/invitation/{token}"),
            json!({"method": "password", "password": PW, "confirmation": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    app
}

fn secret_of(offer: &serde_json::Value) -> TotpSecret {
    let text = offer["secret"].as_str().unwrap();
    TotpSecret::from_bytes(&data_encoding::BASE32_NOPAD.decode(text.as_bytes()).unwrap())
}

#[tokio::test]
async fn l5_unknown_email_and_wrong_password_get_the_same_answer() {
    let app = app_with_owner(false).await;
    let mut b = app.browser();
    let unknown = b
        .post(
            "/api/sign-in",
            json!({"email": "nobody@example.co.jp", "password": PW}),
        )
        .await;
    let wrong = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": "Wrong-2024"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.json, wrong.json);
    assert_eq!(unknown.json["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn x8_a_pending_sign_in_opens_nothing_and_the_full_walk_works_over_the_api() {
    let app = app_with_owner(false).await;
    let mut b = app.browser();
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": " OWNER@example.co.jp ", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json,
        json!({"status": "pending", "step": {"kind": "enrol"}})
    );
    assert!(b.cookies.contains_key("tobira_pending"));
    assert_eq!(
        b.get("/api/me").await.status,
        StatusCode::UNAUTHORIZED,
        "pending gives access to nothing"
    );
    let offer = b.post("/api/sign-in/totp", json!({})).await;
    assert_eq!(offer.status, StatusCode::OK);
    assert!(
        offer.json["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(offer.json["qr_svg"].as_str().unwrap().contains("<svg"));
    let secret = secret_of(&offer.json);
    let wrong = b
        .post("/api/sign-in/enrol", json!({"code": "000000"}))
        .await;
    assert_eq!(wrong.json["error"]["code"], "wrong_code");
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b.post("/api/sign-in/enrol", json!({"code": code})).await;
    let recovery = r.json["recovery_code"].as_str().unwrap().to_owned();
    assert_eq!(recovery.len(), 19);
    let r = b
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.json, json!({"status": "signed_in", "scope": "service"}));
    assert!(!b.cookies.contains_key("tobira_pending"));
    let me = b.get("/api/me").await;
    assert_eq!(me.json["account"]["email"], "owner@example.co.jp");
    assert_eq!(me.json["account"]["role"], "owner");

    // The settings menu has its own sign-in (S2) with the same second factor.
    app.world.clock.advance(Duration::seconds(30));
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
        )
        .await;
    assert_eq!(r.json["step"]["kind"], "totp");
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .post("/api/sign-in/challenge", json!({"code": code}))
        .await;
    assert_eq!(r.json, json!({"status": "signed_in", "scope": "settings"}));
    let items = b.get("/api/settings").await;
    assert_eq!(items.json.as_array().unwrap().len(), 9);

    let r = b
        .post(
            "/api/settings/password",
            json!({"current": PW, "password": "short", "confirmation": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["field"], "password");
    assert!(
        r.json["error"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "too_short")
    );
    let r = b
        .post(
            "/api/settings/password",
            json!({"current": PW, "password": NEW, "confirmation": NEW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let r = b.post("/api/sign-out", json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    // With the recovery code, a new code; the old one then fails.
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": NEW}),
        )
        .await;
    assert_eq!(r.json["step"]["kind"], "totp");
    let r = b
        .post(
            "/api/sign-in/recovery",
            json!({"code": recovery.replace('-', " ")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_ne!(r.json["recovery_code"], recovery.as_str());
}

#[tokio::test]
async fn l11_session_cookies_are_http_only_and_lax_and_host_prefixed_under_tls() {
    let app = TestApp::with_config(app_http::config::Config {
        public_url: Some("https://files.example.jp".into()),
        ..Default::default()
    });
    app.world.basic_owner().await;
    let mut b = app.browser().header("origin", "https://files.example.jp");
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.starts_with("__Host-tobira_session="), "{set}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(set.contains(attr), "{attr} missing in {set}");
    }
    assert!(r.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn security_headers_and_request_ids_are_on_every_response() {
    let app = TestApp::new();
    let mut b = app.browser();
    let r = b.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-request-id",
        "x-frame-options",
    ] {
        assert!(r.headers.get(h).is_some(), "{h}");
    }
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.headers["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut evil = app.browser().header("origin", "https://evil.example");
    let r = evil
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json["error"]["code"], "cross_site_request");
    let mut fetch = app.browser().header("sec-fetch-site", "cross-site");
    assert_eq!(
        fetch.post("/api/sign-out", json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let mut same = app
        .browser()
        .header("sec-fetch-site", "same-origin")
        .header("origin", "http://127.0.0.1:8080");
    assert_eq!(
        same.post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW})
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_parsing() {
    let app = TestApp::new();
    let mut b = app.browser();
    let big = "x".repeat(200 * 1024);
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "a@example.co.jp", "password": big}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.world.hasher.verifications(), 0, "no hashing happened");
}

#[tokio::test]
async fn errors_follow_accept_language() {
    let app = TestApp::new();
    let mut ja = app.browser();
    let mut en = app.browser().header("accept-language", "en-GB,en;q=0.9");
    let a = ja
        .post(
            "/api/sign-in",
            json!({"email": "x@example.co.jp", "password": "y"}),
        )
        .await;
    let b = en
        .post(
            "/api/sign-in",
            json!({"email": "x@example.co.jp", "password": "y"}),
        )
        .await;
    assert_eq!(a.json["error"]["code"], b.json["error"]["code"]);
    assert_eq!(
        a.json["error"]["message"],
        "メールアドレスまたはパスワードが正しくありません。"
    );
    assert_eq!(
        b.json["error"]["message"],
        "The e-mail address or password is incorrect."
    );
}

#[tokio::test]
async fn x5_sign_in_attempts_are_rate_limited_per_client_address() {
    let app = TestApp::with_config(app_http::config::Config {
        rate_limit_per_minute: 3,
        ..Default::default()
    });
    let mut b = app.browser().at_address("198.51.100.7:50000");
    for _ in 0..3 {
        assert_eq!(
            b.post(
                "/api/sign-in",
                json!({"email": "x@example.co.jp", "password": "y"})
            )
            .await
            .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = b
        .post(
            "/api/sign-in",
            json!({"email": "x@example.co.jp", "password": "y"}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json["error"]["code"], "too_many_requests");
    assert_eq!(
        app.world.hasher.verifications(),
        3,
        "a limited request costs no hash"
    );
    // Forgot-password shares the limit; another address is unaffected.
    assert_eq!(
        b.post("/api/password/forgot", json!({"email": "x@example.co.jp"}))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut other = app.browser().at_address("198.51.100.8:50000");
    assert_eq!(
        other
            .post(
                "/api/sign-in",
                json!({"email": "x@example.co.jp", "password": "y"})
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A forged forwarding header from an untrusted peer changes nothing.
    let mut forged = app
        .browser()
        .at_address("198.51.100.7:50001")
        .header("x-forwarded-for", "203.0.113.99");
    assert_eq!(
        forged
            .post(
                "/api/sign-in",
                json!({"email": "x@example.co.jp", "password": "y"})
            )
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn p3_forgot_password_answers_the_same_for_unknown_addresses() {
    let app = app_with_owner(false).await;
    let mut b = app.browser();
    let known = b
        .post(
            "/api/password/forgot",
            json!({"email": "owner@example.co.jp"}),
        )
        .await;
    let unknown = b
        .post(
            "/api/password/forgot",
            json!({"email": "nobody@example.co.jp"}),
        )
        .await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!(known.json, unknown.json);
    let bad = b
        .post("/api/password/forgot", json!({"email": "not-an-address"}))
        .await;
    assert_eq!(bad.json["error"]["field"], "email");
}

#[tokio::test]
async fn i3_expired_and_used_links_have_their_own_codes() {
    let app = TestApp::new();
    let created = app
        .world
        .auth
        .create_contract(ContractRequest {
            name: "雲商事",
            owner_email: "o@example.co.jp",
            owner_name: "O",
            trial: false,
            locale: auth_core::domain::Locale::Ja,
        })
        .await
        .unwrap();
    let token = created.invitation.expose().to_string();
    let mut b = app.browser();
    assert_eq!(
        b.get("/api/invitation/not-a-token").await.json["error"]["code"],
        "link_invalid"
    );
    b.post(
        &format!("/api/invitation/{token}"),
        json!({"method": "password", "password": PW, "confirmation": PW}),
    )
    .await;
    let used = b.get(&format!("/api/invitation/{token}")).await;
    assert_eq!(used.json["error"]["code"], "link_used");
}

#[tokio::test]
async fn s1_a_user_gets_neither_admin_nor_owner_settings() {
    let app = TestApp::new();
    let (contract, _) = app.world.basic_owner().await;
    app.world
        .account(
            &contract,
            "user@example.co.jp",
            auth_core::domain::Role::User,
            Some(PW),
        )
        .await;
    let mut b = app.browser();
    b.post(
        "/api/sign-in",
        json!({"email": "user@example.co.jp", "password": PW, "scope": "settings"}),
    )
    .await;
    assert_eq!(
        b.get("/api/settings").await.json,
        json!(["password_change"])
    );
    let r = b
        .post(
            "/api/settings/two-factor",
            json!({"enabled": false, "acknowledge_risk": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    b.post(
        "/api/sign-in",
        json!({"email": "user@example.co.jp", "password": PW}),
    )
    .await;
    assert_eq!(
        b.get("/api/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::new();
    let doc = app.browser().get("/openapi.json").await.json;
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/sign-in",
        "/api/sign-in/challenge",
        "/api/password/reset/{token}",
        "/api/invitation/{token}",
        "/api/admin/users",
        "/api/admin/audit",
        "/api/settings/two-factor",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(paths.len() >= 35, "{}", paths.len());
}

#[tokio::test]
async fn l11_a_store_outage_is_503_never_a_sign_out() {
    // basic_owner: two-factor off, so the sign-in opens a session at once.
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser();
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let settings_check = b.get("/api/settings").await.status;
    app.world.store.set_unavailable(true);
    for path in ["/api/session", "/api/me", "/api/sessions", "/api/settings"] {
        let r = b.get(path).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            r.json
        );
        assert_eq!(r.json["error"]["code"], "unavailable", "{path}");
        assert!(r.headers.contains_key("retry-after"), "{path}");
    }
    let ready = b.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json["status"], "unavailable");
    assert_eq!(ready.json["checks"]["store"]["status"], "failing");
    app.world.store.set_unavailable(false);
    let ready = b.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json["checks"]["store"]["status"], "ok");
    // The session survived the outage.
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(b.get("/api/settings").await.status, settings_check);
}

/// X5, X8: every step the API limits per client address is limited on its page twin by the
/// same limiter, so an address over the limit on one face is over it on the other.
#[tokio::test]
async fn x8_pages_and_api_share_the_rate_limit_of_every_sensitive_step() {
    let app = TestApp::with_config(app_http::config::Config {
        rate_limit_per_minute: 2,
        ..Default::default()
    });
    let mut b = app.browser().at_address("198.51.100.9:50000");
    for _ in 0..2 {
        b.post(
            "/api/sign-in",
            json!({"email": "x@example.co.jp", "password": "y"}),
        )
        .await;
    }
    let api = [
        "/api/sign-in",
        "/api/sign-in/sms",
        "/api/sign-in/sms/resend",
        "/api/sign-in/enrol",
        "/api/sign-in/challenge",
        "/api/sign-in/recovery",
        "/api/password/forgot",
        "/api/unlock/x",
        "/api/federation/google/start",
        "/api/federation/google/callback",
    ];
    for path in api {
        let r = b.post(path, json!({})).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    let pages = [
        (axum::http::Method::POST, "/sign-in"),
        (axum::http::Method::POST, "/settings/sign-in"),
        (axum::http::Method::POST, "/sign-in/sms"),
        (axum::http::Method::POST, "/sign-in/sms/resend"),
        (axum::http::Method::POST, "/sign-in/enrol"),
        (axum::http::Method::POST, "/sign-in/challenge"),
        (axum::http::Method::POST, "/sign-in/recovery"),
        (axum::http::Method::POST, "/password/forgot"),
        (axum::http::Method::POST, "/unlock/x"),
        (axum::http::Method::POST, "/federation/google/start"),
        (axum::http::Method::GET, "/federation/google/callback"),
    ];
    for (method, path) in pages {
        let r = b.raw(method, path, Some(String::new())).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    // The pages that only show a step are not limited.
    assert_eq!(
        b.raw(axum::http::Method::GET, "/sign-in/recovery", None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn c2_the_api_reads_and_changes_contract_details_for_the_basic_owner_only() {
    let app = TestApp::new();
    let (contract, _) = app.world.basic_owner().await;
    app.world
        .account(
            &contract,
            "user@example.co.jp",
            auth_core::domain::Role::User,
            Some(PW),
        )
        .await;
    let mut b = app.browser();
    b.post(
        "/api/sign-in",
        json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
    )
    .await;
    let r = b.get("/api/settings/contract").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["company"], contract.name.as_str());
    assert_eq!(r.json["address"], "");
    let good = json!({
        "company": "晴天商事株式会社", "department": "", "contact_person": "鈴木 一郎",
        "phone": "0312345678", "postal_code": "１００-０００１", "address": "東京都千代田区千代田1-1"
    });
    let mut bad = good.clone();
    bad["postal_code"] = json!("12");
    let r = b
        .send(axum::http::Method::PUT, "/api/settings/contract", Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["code"], "invalid_postal_code");
    assert_eq!(r.json["error"]["field"], "postal_code");
    let r = b
        .send(
            axum::http::Method::PUT,
            "/api/settings/contract",
            Some(good.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["postal_code"], "100-0001");
    assert_eq!(b.get("/api/settings/contract").await.json, r.json);

    let mut user = app.browser();
    user.post(
        "/api/sign-in",
        json!({"email": "user@example.co.jp", "password": PW, "scope": "settings"}),
    )
    .await;
    assert_eq!(
        user.get("/api/settings/contract").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        user.send(
            axum::http::Method::PUT,
            "/api/settings/contract",
            Some(good)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

/// X8: the pending token is replaced at every step. A copy of the pending cookie taken before
/// any completed step (password, enrolment, challenge, recovery code, confirmation) is refused
/// afterwards and opens no session, over the API.
#[tokio::test]
async fn x8_a_copied_earlier_pending_token_is_refused_over_the_api() {
    let app = app_with_owner(false).await;
    let mut b = app.browser();
    let copied = |b: &crate::support::Browser| b.cookies["tobira_pending"].clone();
    let replay = |token: String| {
        let mut thief = app.browser();
        thief.cookies.insert("tobira_pending".into(), token);
        thief
    };
    let sign_in = json!({"email": "owner@example.co.jp", "password": PW});
    b.post("/api/sign-in", sign_in.clone()).await;
    let before_enrolment = copied(&b);
    let offer = b.post("/api/sign-in/totp", json!({})).await;
    let secret = secret_of(&offer.json);
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b.post("/api/sign-in/enrol", json!({"code": code})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let recovery = r.json["recovery_code"].as_str().unwrap().to_owned();
    let after_enrolment = copied(&b);
    assert_ne!(after_enrolment, before_enrolment, "enrolment replaces it");
    let mut thief = replay(before_enrolment);
    let r = thief
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(r.json["error"]["code"], "sign_in_expired");
    assert_eq!(thief.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let r = b
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.json["status"], "signed_in");
    let mut thief = replay(after_enrolment);
    let r = thief
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);

    // The challenge: a copy taken before it is refused once it was answered.
    b.post("/api/sign-out", json!({})).await;
    app.world.clock.advance(Duration::seconds(30));
    b.post("/api/sign-in", sign_in.clone()).await;
    let before_challenge = copied(&b);
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .post("/api/sign-in/challenge", json!({"code": code}))
        .await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
    let mut thief = replay(before_challenge);
    app.world.clock.advance(Duration::seconds(30));
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = thief
        .post("/api/sign-in/challenge", json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(thief.get("/api/me").await.status, StatusCode::UNAUTHORIZED);

    // The recovery code: a copy taken before it is refused at the confirmation.
    b.post("/api/sign-out", json!({})).await;
    b.post("/api/sign-in", sign_in).await;
    let before_recovery = copied(&b);
    let r = b
        .post("/api/sign-in/recovery", json!({"code": recovery}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_ne!(copied(&b), before_recovery, "the recovery code replaces it");
    let mut thief = replay(before_recovery);
    let r = thief
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(thief.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let r = b
        .post("/api/sign-in/recovery/confirm", json!({"saved": true}))
        .await;
    assert_eq!(r.json["status"], "signed_in");
}

/// I2, P3, L4, E1, M2: the link every ticket mail carries opens a page of the app. The mailer's
/// links, the page router and the command line take the path from one table
/// ([`auth_core::domain::TicketPurpose::page_path`]).
#[tokio::test]
async fn i2_every_ticket_link_a_mail_carries_opens_a_page_of_the_app() {
    use auth_core::domain::{SecretToken, TicketLink, TicketPurpose};
    let app = TestApp::new();
    let base = adapter_smtp::PublicBaseUrl::parse("https://files.example.jp").unwrap();
    let mut b = app.browser();
    let token = SecretToken::generate(app.world.secrets.as_ref());
    let unrouted = b
        .page(&format!("/no-such-link/{}", token.expose().as_str()))
        .await;
    for purpose in TicketPurpose::ALL {
        let link = TicketLink {
            purpose,
            token: SecretToken::parse(token.expose().as_str()).unwrap(),
            expires_at: app.world.clock.now_for_test() + Duration::days(1),
        };
        let url = adapter_smtp::ticket_url(&base, &link).expect("every purpose has a page");
        let path = url.strip_prefix("https://files.example.jp").unwrap();
        assert!(path.starts_with(purpose.page_path()), "{path}");
        let r = b.page(path).await;
        assert!(
            r.status != unrouted.status || r.body != unrouted.body,
            "{purpose:?}: {path} is not routed"
        );
    }
}
