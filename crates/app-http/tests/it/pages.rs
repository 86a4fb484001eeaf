//! The server-rendered pages in-process: both languages, errors beside their fields, the CSRF
//! refusal, the sign-in walk with its second factor, and the settings menu of each plan and
//! role (S1).

use axum::http::StatusCode;
use chrono::Duration;

use auth_core::domain::{
    MailKind, Plan, Role, TicketLink, TotpSecret, TwoFactorPolicy, totp_code_at,
};
use auth_core::flows::invitations::ContractRequest;
use auth_core::ports::{AccountStore, ContractStore};

use crate::support::{Browser, PageReply, TestApp, newest_link};

const PW: &str = "Kumo-2024";

fn unlock_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::AccountLocked { unlock } => Some(unlock),
        _ => None,
    }
}

fn reset_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::PasswordReset { reset } => Some(reset),
        _ => None,
    }
}

fn see_other(r: &PageReply, to: &str) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(to));
}

/// A contract created by an operator; returns the app and the owner's invitation token.
async fn contract(trial: bool) -> (TestApp, String) {
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
    let token = created.invitation.expose().to_string();
    (app, token)
}

/// Registers the owner through the invitation pages (I2).
async fn register(b: &mut Browser, token: &str) {
    let r = b.page(&format!("/invitation/{token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("雲商事"));
    let r = b
        .submit(
            &format!("/invitation/{token}/review"),
            &[("password", PW), ("confirmation", PW)],
        )
        .await;
    see_other(&r, &format!("/invitation/{token}/review"));
    let r = b.page(&format!("/invitation/{token}/review")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("登録内容の確認"), "a confirmation page");
    assert!(r.body.contains("まだ登録は完了していません"));
    let r = b.submit(&format!("/invitation/{token}"), &[]).await;
    see_other(&r, "/invitation-accepted");
}

#[tokio::test]
async fn pages_render_in_japanese_by_default_and_in_english_on_request() {
    let app = TestApp::new();
    let mut b = app.browser();
    let r = b.page("/sign-in").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<html lang="ja">"#));
    assert!(r.body.contains("パスワードをお忘れの方"));
    assert!(r.body.contains(r#"autocomplete="username""#));
    assert!(r.body.contains(r#"autocomplete="current-password""#));
    assert!(r.body.contains(r#"name="csrf""#));
    assert!(b.cookies.contains_key("tobira_csrf"));
    // Identity providers are shown, disabled, with a note (L7, L8).
    assert!(
        r.body
            .contains("<button type=\"button\" disabled>Googleアカウントでログイン</button>")
    );
    assert!(r.body.contains("dアカウントでログイン"));
    assert!(r.body.contains("外部認証サービスが未設定"));
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"));

    let mut en = app.browser().header("accept-language", "en-GB,en;q=0.8");
    let r = en.page("/sign-in").await;
    assert!(r.body.contains(r#"<html lang="en">"#));
    assert!(r.body.contains("Forgot your password?"));
    assert!(r.body.contains("Sign in with Google"));

    // The visible switch remembers the choice.
    let r = b.page("/lang/en?back=/password/forgot").await;
    see_other(&r, "/password/forgot");
    assert_eq!(b.cookies.get("tobira_lang").map(String::as_str), Some("en"));
    let r = b.page("/password/forgot").await;
    assert!(r.body.contains("Forgotten password"));
    // And never leads off the site.
    let r = b.page("/lang/ja?back=//evil.example").await;
    see_other(&r, "/");

    // The assets are same-origin files.
    let css = b.page("/assets/tobira.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let js = b.page("/assets/tobira.js").await;
    assert!(js.body.contains("aria-controls"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_with_a_page() {
    let (app, _) = contract(false).await;
    let mut b = app.browser();
    b.page("/sign-in").await;
    let r = b
        .submit_without_token(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("このフォームは受け付けられませんでした"),
        "{}",
        r.body
    );
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // A token that is not the cookie's is refused the same way.
    let r = b
        .submit_without_token(
            "/sign-in",
            &[
                ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("email", "x@example.co.jp"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Without the cookie, even a well-formed token is refused; the refusal sets a fresh cookie
    // so that reloading the form works.
    let mut fresh = app.browser();
    let r = fresh
        .submit_without_token(
            "/password/forgot",
            &[("csrf", "x"), ("email", "a@example.co.jp")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(fresh.cookies.contains_key("tobira_csrf"));

    // Under `Referrer-Policy: no-referrer` a browser's same-origin form says `Origin: null`;
    // it passes with `Sec-Fetch-Site: same-origin`, and only then.
    let mut same = app
        .browser()
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin");
    same.page("/password/forgot").await;
    let r = same
        .submit("/password/forgot", &[("email", "a@example.co.jp")])
        .await;
    see_other(&r, "/password/forgot/sent");
    let mut opaque = app.browser().header("origin", "null");
    opaque.page("/password/forgot").await;
    let r = opaque
        .submit("/password/forgot", &[("email", "a@example.co.jp")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A cross-site POST is refused before any token is looked at, also with a page.
    let mut evil = app.browser().header("origin", "https://evil.example");
    evil.page("/sign-in").await;
    let r = evil
        .submit("/sign-in", &[("email", "owner@example.co.jp")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("<html"), "{}", r.body);
}

#[tokio::test]
async fn p1_password_errors_sit_beside_their_fields_and_name_the_rule() {
    let (app, token) = contract(false).await;
    let mut b = app.browser();
    b.page(&format!("/invitation/{token}")).await;
    let r = b
        .submit(
            &format!("/invitation/{token}/review"),
            &[("password", "short"), ("confirmation", "shorter")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let password_errors = r.between(r#"id="password-errors">"#, "</ul>").unwrap();
    assert!(password_errors.contains("8文字"), "{password_errors}");
    let confirmation_errors = r.between(r#"id="confirmation-errors">"#, "</ul>").unwrap();
    assert!(!confirmation_errors.is_empty());
    assert!(!password_errors.contains(&confirmation_errors));
    // The rule is shown on the form; passwords are never echoed back.
    assert!(
        r.body
            .contains("英大文字・英小文字・数字・記号のうち3種類以上")
    );
    assert!(!r.body.contains("shorter"));
    assert!(r.body.contains(r#"aria-invalid="true""#));
    assert!(r.body.contains(r#"autocomplete="new-password""#));
}

#[tokio::test]
async fn n1_a_wrong_line_number_is_refused_beside_the_field_with_both_forms() {
    let app = TestApp::new();
    let (_, _) = app.world.basic_owner().await;
    let mut b = app.browser();
    b.page("/sign-in").await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/home");
    let r = b.page("/admin/lines").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.submit("/admin/lines", &[("line", "CAF123")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = r.between(r#"id="line-errors">"#, "</ul>").unwrap();
    assert!(errors.contains("CAF") && errors.contains("COP"), "{errors}");
    assert!(
        r.body.contains(r#"value="CAF123""#),
        "the entered value is kept"
    );
    let r = b.submit("/admin/lines", &[("line", "CAF1234567890")]).await;
    see_other(&r, "/admin/lines?notice=line_added");
    let r = b.follow(&r).await;
    assert!(r.body.contains("CAF1234567890"));
    assert!(r.body.contains("回線を登録しました"));
}

#[tokio::test]
async fn l5_a_wrong_sign_in_keeps_the_address_but_never_the_password() {
    let (app, token) = contract(false).await;
    let mut b = app.browser();
    register(&mut b, &token).await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", "Wrong-2024")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body
            .contains("メールアドレスまたはパスワードが正しくありません")
    );
    assert!(r.body.contains(r#"value="owner@example.co.jp""#));
    assert!(!r.body.contains("Wrong-2024"));
}

#[tokio::test]
async fn x8_the_whole_sign_in_walk_works_on_the_pages() {
    let (app, token) = contract(false).await;
    let mut b = app.browser();
    register(&mut b, &token).await;

    let r = b
        .submit(
            "/sign-in",
            &[("email", " OWNER@example.co.jp "), ("password", PW)],
        )
        .await;
    see_other(&r, "/sign-in/step");
    // A pending sign-in opens nothing.
    see_other(&b.page("/home").await, "/sign-in?notice=sign_in_first");
    let r = b.page("/sign-in/step").await;
    let sms = r.body.find("SMS").unwrap();
    let app_choice = r.body.find("認証アプリ").unwrap();
    assert!(sms < app_choice, "SMS is offered first (T1)");

    let r = b.submit("/sign-in/totp", &[]).await;
    see_other(&r, "/sign-in/totp");
    let r = b.follow(&r).await;
    assert!(r.body.contains(r#"src="data:image/svg+xml;base64,"#));
    let secret_text = r.between(r#"id="totp-secret">"#, "<").unwrap();
    // Shown in groups of four to type by hand.
    let groups: Vec<&str> = secret_text.split(' ').collect();
    assert_eq!(groups.len(), 8, "{secret_text}");
    assert!(groups.iter().all(|g| g.len() == 4), "{secret_text}");
    let shown = secret_text.clone();
    let secret_text = secret_text.replace(' ', "");
    let again = b.page("/sign-in/totp").await;
    assert_eq!(
        again.between(r#"id="totp-secret">"#, "<").unwrap(),
        shown,
        "the same secret until enrolment completes"
    );
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(secret_text.as_bytes())
            .unwrap(),
    );
    let r = b
        .submit("/sign-in/enrol", &[("via", "totp"), ("code", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.between(r#"id="code-errors">"#, "</ul>")
            .unwrap()
            .contains("確認コードが正しくありません")
    );
    assert!(r.body.contains(&shown), "the same enrolment form again");

    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .submit("/sign-in/enrol", &[("via", "totp"), ("code", &code)])
        .await;
    see_other(&r, "/sign-in/step");
    let r = b.follow(&r).await;
    let recovery = r.between(r#"id="recovery-code">"#, "<").unwrap();
    assert_eq!(recovery.len(), 19);
    // "I saved it" is required (T3); the code is shown again until then.
    let r = b.submit("/sign-in/recovery/confirm", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.between(r#"id="saved-errors">"#, "</ul>").is_some());
    assert_eq!(r.between(r#"id="recovery-code">"#, "<").unwrap(), recovery);
    let r = b
        .submit("/sign-in/recovery/confirm", &[("saved", "true")])
        .await;
    see_other(&r, "/home");
    let r = b.follow(&r).await;
    assert!(r.body.contains("山田 太郎"));
    assert!(
        r.body.contains(r#"href="/admin""#),
        "the owner sees the console"
    );

    // Sign out, then "lost my device" with the recovery code (T5).
    let r = b.submit("/sign-out", &[]).await;
    see_other(&r, "/sign-in?notice=signed_out");
    let r = b.follow(&r).await;
    assert!(r.body.contains("ログアウトしました"));
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/sign-in/step");
    let r = b.page("/sign-in/step").await;
    assert!(r.body.contains(r#"autocomplete="one-time-code""#));
    assert!(r.body.contains("このブラウザを30日間記憶する"));
    let r = b.page("/sign-in/recovery").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = b
        .submit(
            "/sign-in/recovery",
            &[("code", &recovery.replace('-', " ").to_lowercase())],
        )
        .await;
    see_other(&r, "/sign-in/step");
    let r = b.follow(&r).await;
    let fresh = r.between(r#"id="recovery-code">"#, "<").unwrap();
    assert_ne!(fresh, recovery);
    let r = b
        .submit("/sign-in/recovery/confirm", &[("saved", "true")])
        .await;
    see_other(&r, "/home");

    // Own sessions (X4).
    let r = b.page("/sessions").await;
    assert!(r.body.contains("このブラウザ"));
}

#[tokio::test]
async fn l4_an_unlock_link_unlocks_only_on_post() {
    let app = TestApp::new();
    let (_, owner) = app.world.basic_owner().await;
    let mut b = app.browser();
    b.page("/sign-in").await;
    for _ in 0..10 {
        let r = b
            .submit(
                "/sign-in",
                &[("email", "owner@example.co.jp"), ("password", "Wrong-2024")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let token = newest_link(&app.world, unlock_link).expect("an unlock mail");
    let r = b.page(&format!("/unlock/{token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!(r#"action="/unlock/{token}""#)));
    let account = app.world.store.account(owner.id).await.unwrap().unwrap();
    assert!(account.lock.is_locked(), "a GET never unlocks");
    let r = b.submit(&format!("/unlock/{token}"), &[]).await;
    see_other(&r, "/sign-in?notice=unlocked");
    // Opened again: the link says it was used and what to do, not the "locked" text.
    for (lang, used, help) in [
        (
            "ja",
            "このリンクはすでに使用されています。",
            "ロックはすでに解除されています",
        ),
        (
            "en",
            "This link has already been used.",
            "already unlocked the account",
        ),
    ] {
        let mut again = app.browser().header("accept-language", lang);
        let r = again.page(&format!("/unlock/{token}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains(used) && r.body.contains(help), "{lang}");
        assert!(!r.body.contains(&format!(r#"action="/unlock/{token}""#)));
        assert!(r.body.contains(r#"href="/password/forgot""#));
    }
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/home");
    // The link works once (I3-like page for a used link).
    let r = b.submit(&format!("/unlock/{token}"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("このリンクはご利用いただけません"));
}

#[tokio::test]
async fn p3_forgot_and_reset_through_the_pages() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser().header("accept-language", "en");
    b.page("/password/forgot").await;
    let unknown = b
        .submit("/password/forgot", &[("email", "nobody@example.co.jp")])
        .await;
    let known = b
        .submit("/password/forgot", &[("email", "owner@example.co.jp")])
        .await;
    see_other(&unknown, "/password/forgot/sent");
    see_other(&known, "/password/forgot/sent");
    // The outbox worker resolves the requests off the response path; this app runs none.
    app.world.auth.process_reset_requests(100).await.unwrap();
    let token = newest_link(&app.world, reset_link).unwrap();
    let r = b.page(&format!("/password/reset/{token}")).await;
    assert!(r.body.contains("owner@example.co.jp"));
    assert!(r.body.contains("at least"), "the rule is shown: {}", r.body);
    let r = b
        .submit(
            &format!("/password/reset/{token}"),
            &[
                ("password", "alllowercase"),
                ("confirmation", "alllowercase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = r.between(r#"id="password-errors">"#, "</ul>").unwrap();
    assert!(errors.contains("3"), "names the classes rule: {errors}");
    let r = b
        .submit(
            &format!("/password/reset/{token}"),
            &[("password", "Hanami-2031"), ("confirmation", "Hanami-2031")],
        )
        .await;
    see_other(&r, "/sign-in?notice=password_reset");
}

/// The items a settings menu page shows, by their links.
fn menu_items(r: &PageReply) -> Vec<String> {
    let list = r.between(r#"id="settings-items">"#, "</div>").unwrap();
    list.split(r#"href=""#)
        .skip(1)
        .map(|s| {
            s.split('"')
                .next()
                .unwrap()
                .trim_start_matches("/settings/")
                .to_owned()
        })
        .collect()
}

async fn settings_menu_of(plan: Plan, role: Role) -> (TestApp, PageReply) {
    let app = TestApp::new();
    let contract = app.world.contract("雲商事", plan).await;
    app.world
        .store
        .set_two_factor_policy(contract.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    if role != Role::Owner {
        app.world
            .account(&contract, "boss@example.co.jp", Role::Owner, Some(PW))
            .await;
    }
    app.world
        .account(&contract, "me@example.co.jp", role, Some(PW))
        .await;
    let mut b = app.browser();
    b.page("/settings/sign-in").await;
    let r = b
        .submit(
            "/settings/sign-in",
            &[("email", "me@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/settings");
    let r = b.follow(&r).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (app, r)
}

#[tokio::test]
async fn s1_the_settings_menu_shows_exactly_the_allowed_items() {
    // Test worlds start their clocks at the same moment; the trial began a day before.
    let started_at = auth_core::testing::ManualClock::default().now_for_test() - Duration::days(1);
    let trial = Plan::FreeTrial { started_at };
    let cases = [
        (
            Plan::Basic,
            Role::Owner,
            vec![
                "login-method",
                "email",
                "password",
                "access-route",
                "two-factor",
                "active-directory",
                "contract",
                "plan",
                "cancel",
            ],
        ),
        (Plan::Basic, Role::User, vec!["password"]),
        (Plan::Basic, Role::Admin, vec!["password"]),
        (
            trial,
            Role::Owner,
            vec![
                "password",
                "access-route",
                "two-factor",
                "active-directory",
                "plan",
            ],
        ),
        (trial, Role::User, vec!["password"]),
    ];
    for (plan, role, expected) in cases {
        let (_, r) = settings_menu_of(plan, role).await;
        assert_eq!(menu_items(&r), expected, "{plan:?} {role:?}");
    }
}

#[tokio::test]
async fn s1_an_item_not_allowed_is_not_served() {
    let (app, _) = settings_menu_of(Plan::Basic, Role::User).await;
    let mut b = app.browser();
    b.page("/settings/sign-in").await;
    let r = b
        .submit(
            "/settings/sign-in",
            &[("email", "me@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/settings");
    for path in [
        "/settings/cancel",
        "/settings/access-route",
        "/settings/email",
    ] {
        let r = b.page(path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = b.submit("/settings/cancel", &[("confirmed", "true")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // And the service session does not open the settings menu (S2).
    let mut s = app.browser();
    s.page("/sign-in").await;
    let r = s
        .submit(
            "/sign-in",
            &[("email", "me@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/home");
    see_other(
        &s.page("/settings").await,
        "/settings/sign-in?notice=sign_in_first",
    );
    // A user has no admin console.
    assert_eq!(s.page("/admin").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn t8_turning_two_factor_off_needs_the_acknowledgement_beside_its_box() {
    let (app, _) = settings_menu_of(Plan::Basic, Role::Owner).await;
    let mut b = app.browser();
    b.page("/settings/sign-in").await;
    b.submit(
        "/settings/sign-in",
        &[("email", "me@example.co.jp"), ("password", PW)],
    )
    .await;
    let r = b
        .submit("/settings/two-factor", &[("policy", "disabled")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.between(r#"id="acknowledge_risk-errors">"#, "</ul>")
            .is_some(),
        "{}",
        r.body
    );
    let r = b
        .submit(
            "/settings/two-factor",
            &[("policy", "disabled"), ("acknowledge_risk", "true")],
        )
        .await;
    see_other(&r, "/settings?notice=policy_changed");

    // The access route has a confirmation step that writes nothing.
    let r = b
        .page("/settings/access-route/confirm?route=line_only")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"name="confirmed" value="true""#));
    let r = b
        .submit("/settings/access-route", &[("route", "line_only")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = b
        .submit(
            "/settings/access-route",
            &[("route", "line_only"), ("confirmed", "true")],
        )
        .await;
    see_other(&r, "/settings?notice=route_changed");
}

#[tokio::test]
async fn a1_the_admin_console_invites_and_resends() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser().header("accept-language", "en");
    b.page("/sign-in").await;
    b.submit(
        "/sign-in",
        &[("email", "owner@example.co.jp"), ("password", PW)],
    )
    .await;
    let r = b
        .submit(
            "/admin/invite",
            &[("name", "佐藤 花子"), ("email", "not-an-address")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.between(r#"id="email-errors">"#, "</ul>").is_some());
    assert!(r.body.contains("佐藤 花子"), "entered values are kept");
    let r = b
        .submit(
            "/admin/invite",
            &[
                ("name", "佐藤 花子"),
                ("email", "hanako@example.co.jp"),
                ("admin", "true"),
            ],
        )
        .await;
    see_other(&r, "/admin?notice=invited");
    let r = b.follow(&r).await;
    assert!(r.body.contains("hanako@example.co.jp"));
    assert!(r.body.contains("The invitation has been sent."));
    let resend = r.between(r#"action="/admin/invitations/"#, r#"""#).unwrap();
    let r = b.submit(&format!("/admin/invitations/{resend}"), &[]).await;
    see_other(&r, "/admin?notice=invitation_resent");
    let r = b.page("/admin/audit").await;
    assert!(r.body.contains("Invitation sent"), "{}", r.body);
}

#[tokio::test]
async fn t2_sms_enrolment_keeps_the_number_on_error_and_remembers_the_browser() {
    let (app, token) = contract(false).await;
    let mut b = app.browser();
    register(&mut b, &token).await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/sign-in/step");
    let r = b.submit("/sign-in/sms", &[("phone", "12345")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.between(r#"id="phone-errors">"#, "</ul>")
            .unwrap()
            .contains("070")
    );
    assert!(r.body.contains(r#"value="12345""#));
    // The error says what is wrong; the hint gives an example, not the same words.
    let error = r.between(r#"id="phone-errors">"#, "</ul>").unwrap();
    let hint = r.between(r#"id="phone-hint">"#, "</p>").unwrap();
    assert!(hint.contains("090-1234-5678"), "{hint}");
    assert!(
        !error.contains(&hint) && !hint.contains("070・080"),
        "{hint} / {error}"
    );
    let r = b
        .submit("/sign-in/sms", &[("phone", "090-1234-5678")])
        .await;
    see_other(&r, "/sign-in/sms/code");
    let r = b.follow(&r).await;
    assert!(r.body.contains(r#"autocomplete="one-time-code""#));
    // A second code within the minute is refused with its reason (T7).
    let r = b.submit("/sign-in/sms/resend", &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("1分以上"));
    let code = app.world.sms.last_code().unwrap();
    let r = b
        .submit(
            "/sign-in/enrol",
            &[
                ("via", "sms"),
                ("code", &code),
                ("remember_browser", "true"),
            ],
        )
        .await;
    see_other(&r, "/sign-in/step");
    let r = b
        .submit("/sign-in/recovery/confirm", &[("saved", "true")])
        .await;
    see_other(&r, "/home");
    assert!(b.cookies.contains_key("tobira_device"), "remembered (L6)");
    // The remembered browser signs in without a second step.
    b.submit("/sign-out", &[]).await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    see_other(&r, "/home");
}

#[tokio::test]
async fn x1_the_audit_log_names_people_labels_everything_filters_and_pages() {
    use auth_core::domain::{AuditEvent, AuditKind, ChannelKind, SignInFailure};
    use auth_core::ports::AuditLog;
    let app = TestApp::new();
    let (contract, owner) = app.world.basic_owner().await;
    let mut b = app.browser();
    b.page("/sign-in").await;
    b.submit(
        "/sign-in",
        &[("email", "owner@example.co.jp"), ("password", PW)],
    )
    .await;
    let r = b
        .submit(
            "/admin/invite",
            &[("name", "佐藤 花子"), ("email", "hanako@example.co.jp")],
        )
        .await;
    see_other(&r, "/admin?notice=invited");
    // Sixty wrong passwords on the line: more than one page.
    for _ in 0..60 {
        app.world
            .audit
            .record(AuditEvent {
                at: app.world.clock.now_for_test(),
                contract: Some(contract.id),
                account: Some(owner.id),
                kind: AuditKind::SignInFailed {
                    reason: SignInFailure::WrongPassword,
                },
                channel: ChannelKind::Line,
                client_address: None,
            })
            .await;
    }
    for (lang, words) in [
        (
            "ja",
            [
                "ログイン失敗 (パスワードの誤り)",
                "回線",
                "佐藤 花子 &lt;hanako@example.co.jp&gt; (招待中)",
            ],
        ),
        (
            "en",
            [
                "Sign-in failed (wrong password)",
                "line",
                "佐藤 花子 &lt;hanako@example.co.jp&gt; (invited)",
            ],
        ),
    ] {
        let mut b = app.browser().header("accept-language", lang);
        b.page("/sign-in").await;
        b.submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
        let r = b.page("/admin/audit").await;
        assert_eq!(r.status, StatusCode::OK);
        for w in words {
            assert!(r.body.contains(w), "{lang}: {w}");
        }
        for internal in [
            "WrongPassword",
            "wrong_password",
            "(service)",
            "internet",
            "Totp",
            &contract.id.to_string(),
        ] {
            if lang == "en" && internal == "internet" {
                continue;
            }
            assert!(!r.body.contains(internal), "{lang}: {internal}");
        }
        assert!(r.body.contains(r#"class="reflow""#), "reflows on a phone");
    }
    // The first page holds fifty rows and links to the older ones.
    let r = b.page("/admin/audit").await;
    assert_eq!(
        r.body.matches("<tr>").count(),
        51,
        "a header and fifty rows"
    );
    let older = r
        .between(r#"id="audit-older" href=""#, r#"""#)
        .unwrap()
        .replace("&amp;", "&");
    let r = b.page(&older).await;
    let rows = r.body.matches("<tr>").count() - 1;
    assert!(rows > 10, "{rows} older rows");
    assert!(r.body.contains("最新のイベントへ"));
    assert!(!r.body.contains(r#"id="audit-older""#), "the last page");
    // Filters: by kind and by account (the invitation's account has its own event).
    let r = b.page("/admin/audit?kind=invitation_sent").await;
    assert_eq!(r.body.matches("<tr>").count(), 2);
    assert!(r.body.contains("招待の送信"));
    assert!(
        r.body
            .contains(r#"<option value="invitation_sent" selected>"#)
    );
    let r = b.page(&format!("/admin/audit?account={}", owner.id)).await;
    let rows = r.between("<tbody>", "</tbody>").unwrap();
    assert!(!rows.contains("招待の送信"), "only the owner's events");
    assert!(rows.contains("ログイン失敗"));
    let r = b.page("/admin/audit?kind=account_locked").await;
    assert!(r.body.contains(r#"id="audit-empty""#));
    // Filters that name nothing are ignored, never an error.
    let r = b
        .page("/admin/audit?account=nobody&kind=Debug&before=x")
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn s1_the_settings_menu_is_grouped_as_the_manual_and_every_page_leads_back() {
    let (app, r) = settings_menu_of(Plan::Basic, Role::Owner).await;
    let group = |id: &str| {
        let section = r
            .between(&format!(r#"id="{id}">"#), "</section>")
            .unwrap_or_default();
        section
            .split(r#"href="/settings/"#)
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        group("settings-change"),
        ["login-method", "email", "password"]
    );
    assert_eq!(
        group("settings-set-up"),
        ["access-route", "two-factor", "active-directory"]
    );
    assert_eq!(group("settings-contract"), ["contract", "plan", "cancel"]);
    for words in [
        "認証情報の変更",
        "認証情報の設定",
        "契約情報の変更",
        "このアカウントで利用できる項目だけを表示しています",
        r#"href="/home""#,
    ] {
        assert!(r.body.contains(words), "{words}");
    }
    // A user sees one group only.
    let (_, user) = settings_menu_of(Plan::Basic, Role::User).await;
    assert!(user.body.contains("認証情報の変更"));
    assert!(!user.body.contains("契約情報の変更"));
    // Every item's page leads back to the menu and to the service's top page.
    drop(app);
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser().header("accept-language", "en");
    b.page("/settings/sign-in").await;
    b.submit(
        "/settings/sign-in",
        &[("email", "owner@example.co.jp"), ("password", PW)],
    )
    .await;
    let menu = b.page("/settings").await;
    assert!(menu.body.contains("Change your credentials"));
    assert!(
        menu.body
            .contains("Only the items this account may use are shown.")
    );
    for item in menu_items(&menu) {
        let r = b.page(&format!("/settings/{item}")).await;
        assert_eq!(r.status, StatusCode::OK, "{item}");
        for back in [r#"href="/settings""#, r#"href="/home""#] {
            assert!(r.body.contains(back), "{item}: {back}");
        }
    }
}

#[tokio::test]
async fn m1_after_the_owners_own_method_change_the_words_match_the_menu_still_shown() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut current = PW.to_owned();
    for (lang, new, words, not) in [
        (
            "ja",
            "Sora-Kumo-2025",
            "次回からは新しい方法でログインしてください。",
            "改めてログインしてください",
        ),
        (
            "en",
            "Umi-Kaze-2026",
            "From your next sign-in on, use the new method.",
            "Please sign in again",
        ),
    ] {
        let mut b = app.browser().header("accept-language", lang);
        b.page("/settings/sign-in").await;
        b.submit(
            "/settings/sign-in",
            &[("email", "owner@example.co.jp"), ("password", &current)],
        )
        .await;
        b.page("/settings/login-method").await;
        let r = b
            .submit(
                "/settings/login-method",
                &[("password", new), ("confirmation", new)],
            )
            .await;
        see_other(&r, "/settings?notice=own_method_changed");
        let r = b.follow(&r).await;
        assert!(r.body.contains(words), "{lang}");
        assert!(!r.body.contains(not), "{lang}");
        assert!(
            r.body.contains(r#"id="settings-items""#),
            "the menu is still there"
        );
        // The session goes on, as the words say.
        assert_eq!(b.page("/settings/password").await.status, StatusCode::OK);
        current = new.to_owned();
    }
}

#[tokio::test]
async fn c2_the_basic_owner_edits_contract_details_with_errors_beside_each_field() {
    let app = TestApp::new();
    let (contract, _) = app.world.basic_owner().await;
    for lang in ["ja", "en"] {
        let mut b = app.browser().header("accept-language", lang);
        b.page("/settings/sign-in").await;
        b.submit(
            "/settings/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
        let r = b.page("/settings/contract").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            !r.body.contains("お問い合わせ窓口"),
            "no help-desk sentence"
        );
        // Every field wrong at once: every error beside its field, the values kept.
        let r = b
            .submit(
                "/settings/contract",
                &[
                    ("company", ""),
                    ("department", "総務部"),
                    ("contact_person", ""),
                    ("phone", "12-34"),
                    ("postal_code", "100-00"),
                    ("address", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let (required, phone, postal) = if lang == "ja" {
            (
                "この項目を入力してください。",
                "電話番号の形式が正しくありません",
                "郵便番号の形式が正しくありません",
            )
        } else {
            (
                "Please fill in this field.",
                "This is not a phone number",
                "This is not a postal code",
            )
        };
        for (field, text) in [
            ("company", required),
            ("contact_person", required),
            ("phone", phone),
            ("postal_code", postal),
            ("address", required),
        ] {
            let errors = r
                .between(&format!(r#"id="{field}-errors">"#), "</ul>")
                .unwrap_or_else(|| panic!("{lang}: no errors beside {field}"));
            assert!(errors.contains(text), "{lang} {field}: {errors}");
        }
        assert!(r.body.contains(r#"value="総務部""#), "values are kept");
        assert!(r.body.contains(r#"value="12-34""#));
        assert_eq!(
            app.world
                .store
                .contract(contract.id)
                .await
                .unwrap()
                .unwrap()
                .name,
            contract.name,
            "nothing changed"
        );
    }
    // Right: saved, audited, the owner notified, the name used from now on.
    let mut b = app.browser();
    b.page("/settings/sign-in").await;
    b.submit(
        "/settings/sign-in",
        &[("email", "owner@example.co.jp"), ("password", PW)],
    )
    .await;
    let mails = app.world.store.queued_mail().len();
    let r = b
        .submit(
            "/settings/contract",
            &[
                ("company", "晴天商事株式会社"),
                ("department", ""),
                ("contact_person", "鈴木 一郎"),
                ("phone", "０３－１２３４－５６７８"),
                ("postal_code", "1000001"),
                ("address", "東京都千代田区千代田1-1"),
            ],
        )
        .await;
    see_other(&r, "/settings?notice=details_changed");
    let r = b.follow(&r).await;
    assert!(r.body.contains("契約情報を変更しました。"));
    let r = b.page("/settings/contract").await;
    assert!(r.body.contains(r#"value="03-1234-5678""#));
    assert!(r.body.contains(r#"value="100-0001""#));
    assert!(r.body.contains(r#"value="晴天商事株式会社""#));
    assert_eq!(app.world.store.queued_mail().len(), mails + 1);
    assert!(
        app.world
            .audit
            .events()
            .iter()
            .any(|e| e.kind == auth_core::domain::AuditKind::ContractDetailsChanged)
    );
    // The Basic plan page says what the plan is and leads to cancellation.
    let r = b.page("/settings/plan").await;
    assert!(r.body.contains("ベーシックプランは有料のプランです"));
    assert!(r.body.contains(r#"href="/settings/cancel""#));
}

#[tokio::test]
async fn p3_forgot_password_carries_the_address_already_typed() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser();
    b.page("/sign-in").await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", "Wrong-2024")],
        )
        .await;
    let href = r.between(r#"id="forgot-link" href=""#, r#"""#).unwrap();
    assert_eq!(href, "/password/forgot?email=owner%40example.co.jp");
    let r = b.page(&href).await;
    assert!(
        r.body.contains(r#"value="owner@example.co.jp""#),
        "{}",
        r.body
    );
    // Markup in the address is shown as text, never as markup.
    let r = b.page("/password/forgot?email=%22%3E%3Cscript%3E").await;
    assert!(!r.body.contains("<script>"));
}

#[tokio::test]
async fn unknown_addresses_get_a_page_in_the_visitors_language_with_a_way_back() {
    let app = TestApp::new();
    for (lang, title) in [("ja", "ページが見つかりません"), ("en", "Page not found")] {
        let mut b = app.browser().header("accept-language", lang);
        let r = b.page("/no/such/page").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains(title), "{lang}");
        assert!(r.body.contains(r#"href="/""#), "a way back");
    }
    // Under /api/ the API's error shape stays.
    let mut api = app.browser();
    let r = api.get("/api/no-such-route").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["error"]["code"], "unknown_route");
}

#[tokio::test]
async fn n4_removing_a_line_is_confirmed_and_warns_under_line_only() {
    let app = TestApp::new();
    let (contract, _) = app.world.basic_owner().await;
    for (lang, warning) in [
        ("ja", "だれもログインできなくなります"),
        ("en", "nobody can"),
    ] {
        let mut b = app.browser().header("accept-language", lang);
        b.page("/sign-in").await;
        b.submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
        let r = b.submit("/admin/lines", &[("line", "CAF1234567890")]).await;
        see_other(&r, "/admin/lines?notice=line_added");
        let r = b.page("/admin/lines").await;
        assert!(
            r.body
                .contains(r#"href="/admin/lines/CAF1234567890/remove""#)
        );
        // A removal without its confirmation only leads to the confirmation.
        let r = b.submit("/admin/lines/CAF1234567890/remove", &[]).await;
        see_other(&r, "/admin/lines/CAF1234567890/remove");
        assert_eq!(
            app.world.store.lines_of(contract.id).await.unwrap().len(),
            1
        );
        let r = b.page("/admin/lines/CAF1234567890/remove").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains(r#"id="line-only-warning""#), "{lang}");
        // Under LineOnly the confirmation warns.
        app.world
            .store
            .set_access_route(contract.id, auth_core::domain::AccessRoute::LineOnly)
            .await
            .unwrap();
        let r = b.page("/admin/lines/CAF1234567890/remove").await;
        let text = r.between(r#"id="line-only-warning">"#, "</p>").unwrap();
        assert!(text.contains(warning), "{lang}: {text}");
        app.world
            .store
            .set_access_route(contract.id, auth_core::domain::AccessRoute::LineAndInternet)
            .await
            .unwrap();
        let r = b
            .submit(
                "/admin/lines/CAF1234567890/remove",
                &[("confirmed", "true")],
            )
            .await;
        see_other(&r, "/admin/lines?notice=line_removed");
        // A line the contract does not have has no confirmation page.
        let r = b.page("/admin/lines/CAF0000000000/remove").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// X8: on the pages too, a copy of the pending cookie taken before enrolment or before a
/// recovery code is refused afterwards and opens no session.
#[tokio::test]
async fn x8_a_copied_earlier_pending_token_is_refused_on_the_pages() {
    let (app, token) = contract(false).await;
    let mut b = app.browser();
    register(&mut b, &token).await;
    let replay = |token: String| {
        let mut thief = app.browser();
        thief.cookies.insert("tobira_pending".into(), token);
        thief
    };
    let sign_in = [("email", "owner@example.co.jp"), ("password", PW)];
    see_other(&b.submit("/sign-in", &sign_in).await, "/sign-in/step");
    let before_enrolment = b.cookies["tobira_pending"].clone();
    let r = b.submit("/sign-in/totp", &[]).await;
    let r = b.follow(&r).await;
    // Shown in groups of four to type by hand.
    let secret_text = r
        .between(r#"id="totp-secret">"#, "<")
        .unwrap()
        .replace(' ', "");
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(secret_text.as_bytes())
            .unwrap(),
    );
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .submit("/sign-in/enrol", &[("via", "totp"), ("code", &code)])
        .await;
    see_other(&r, "/sign-in/step");
    assert_ne!(b.cookies["tobira_pending"], before_enrolment);
    // The step page shows the code under the replaced cookie.
    let r = b.follow(&r).await;
    assert_eq!(r.status, StatusCode::OK);
    let recovery = r.between(r#"id="recovery-code">"#, "<").unwrap();
    let mut thief = replay(before_enrolment);
    assert!(!thief.page("/sign-in/step").await.body.contains(&recovery));
    let r = thief
        .submit("/sign-in/recovery/confirm", &[("saved", "true")])
        .await;
    assert_ne!(r.location(), Some("/home"), "{}", r.body);
    see_other(&thief.page("/home").await, "/sign-in?notice=sign_in_first");
    see_other(
        &b.submit("/sign-in/recovery/confirm", &[("saved", "true")])
            .await,
        "/home",
    );

    see_other(
        &b.submit("/sign-out", &[]).await,
        "/sign-in?notice=signed_out",
    );
    see_other(&b.submit("/sign-in", &sign_in).await, "/sign-in/step");
    let before_recovery = b.cookies["tobira_pending"].clone();
    let r = b.submit("/sign-in/recovery", &[("code", &recovery)]).await;
    see_other(&r, "/sign-in/step");
    assert_ne!(b.cookies["tobira_pending"], before_recovery);
    let r = b.follow(&r).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = r.between(r#"id="recovery-code">"#, "<").unwrap();
    let mut thief = replay(before_recovery);
    assert!(!thief.page("/sign-in/step").await.body.contains(&fresh));
    let r = thief
        .submit("/sign-in/recovery/confirm", &[("saved", "true")])
        .await;
    assert_ne!(r.location(), Some("/home"), "{}", r.body);
    see_other(&thief.page("/home").await, "/sign-in?notice=sign_in_first");
    see_other(
        &b.submit("/sign-in/recovery/confirm", &[("saved", "true")])
            .await,
        "/home",
    );
}
