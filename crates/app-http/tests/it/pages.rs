//! The server-rendered pages in-process: both languages, errors beside their fields, the CSRF
//! refusal, the sign-in walk with its second factor, and the settings menu of each plan and
//! role (S1).

use axum::http::StatusCode;
use chrono::Duration;

use auth_core::domain::{
    MailKind, Plan, Role, TicketLink, TotpSecret, TwoFactorPolicy, totp_code_at,
};
use auth_core::flows::invitations::ContractRequest;
use auth_core::ports::AccountStore;

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
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("登録内容の確認"), "a confirmation page");
    assert!(r.body.contains("まだ登録は完了していません"));
    let r = b
        .submit(
            &format!("/invitation/{token}"),
            &[("password", PW), ("confirmation", PW)],
        )
        .await;
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
    let again = b.page("/sign-in/totp").await;
    assert_eq!(
        again.between(r#"id="totp-secret">"#, "<").unwrap(),
        secret_text,
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
    assert!(
        r.body.contains(&secret_text),
        "the same enrolment form again"
    );

    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .submit("/sign-in/enrol", &[("via", "totp"), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let recovery = r.between(r#"id="recovery-code">"#, "<").unwrap();
    assert_eq!(recovery.len(), 19);
    // "I saved it" is required (T3).
    let r = b.submit("/sign-in/recovery/confirm", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.between(r#"id="saved-errors">"#, "</ul>").is_some());
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
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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
    let list = r.between(r#"id="settings-items">"#, "</ul>").unwrap();
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
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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
    let secret_text = r.between(r#"id="totp-secret">"#, "<").unwrap();
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(secret_text.as_bytes())
            .unwrap(),
    );
    let code = totp_code_at(&secret, app.world.clock.now_for_test());
    let r = b
        .submit("/sign-in/enrol", &[("via", "totp"), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let recovery = r.between(r#"id="recovery-code">"#, "<").unwrap();
    assert_ne!(b.cookies["tobira_pending"], before_enrolment);
    let mut thief = replay(before_enrolment);
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
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(b.cookies["tobira_pending"], before_recovery);
    let mut thief = replay(before_recovery);
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
