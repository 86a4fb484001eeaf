//! The invitee's language (I1) and the review step that keeps the password server-side (I2),
//! on the pages in Japanese and English and over the API, and one walk in headless Chromium:
//! an owner invites in English and the invitee registers in English.

use axum::http::StatusCode;
use serde_json::json;

use auth_core::domain::{Locale, MailKind, TicketLink};
use auth_core::ports::{AccountStore, InvitationStore};

use crate::support::{Browser, PageReply, TestApp, newest_link};

const PW: &str = "Kumo-2024";
const NEW: &str = "Sakura-7730";

fn invitation_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::Invitation { link, .. } => Some(link),
        _ => None,
    }
}

fn see_other(r: &PageReply, to: &str) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(to));
}

/// The owner signed in on the pages (two-factor off), in a browser asking for `accept`.
async fn owner_on_pages(app: &TestApp, accept: &str) -> Browser {
    app.world.basic_owner().await;
    let mut b = app.browser().header("accept-language", accept);
    b.page("/sign-in").await;
    let r = b
        .submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", PW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

/// Invites Emma through the admin console with `fields` added; returns her invitation token.
async fn invite_emma(app: &TestApp, b: &mut Browser, extra: &[(&str, &str)]) -> String {
    let mut fields = vec![("name", "Emma Brown"), ("email", "emma@example.co.jp")];
    fields.extend_from_slice(extra);
    let r = b.submit("/admin/invite", &fields).await;
    see_other(&r, "/admin?notice=invited");
    newest_link(&app.world, invitation_link).expect("an invitation mail")
}

fn no_password_in(r: &PageReply, password: &str) {
    assert!(!r.body.contains(password), "the password is in the page");
    assert!(
        !r.body.contains(r#"type="hidden" name="password""#)
            && !r.body.contains(r#"name="confirmation" value"#),
        "no password field carries a value: {}",
        r.body
    );
}

#[tokio::test]
async fn i1_the_invite_form_offers_the_language_defaulting_to_the_inviters_own() {
    let app = TestApp::new();
    let mut b = owner_on_pages(&app, "ja").await;
    let r = b.page("/admin/invite").await;
    assert!(r.body.contains("招待する方の言語"), "{}", r.body);
    assert!(r.body.contains(r#"value="ja" checked"#), "{}", r.body);
    assert!(
        r.body
            .contains("招待メールと登録画面がこの言語で表示されます")
    );
    // The page in English still offers the inviter's own language (Japanese) first.
    let r = b.page("/admin/invite?lang=en").await;
    assert!(r.body.contains("Language of the person invited"));
    assert!(r.body.contains(r#"value="ja" checked"#), "{}", r.body);
    // Once the inviter's account is in English, English comes first, and an invitation sent
    // without a choice is in English: the same default as the API's.
    let owner = app
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("owner@example.co.jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.world
            .store
            .set_locale(owner.id, Locale::En)
            .await
            .unwrap()
    );
    let r = b.page("/admin/invite").await;
    assert!(r.body.contains(r#"value="en" checked"#), "{}", r.body);
    let token = invite_emma(&app, &mut b, &[]).await;
    let mail = app.world.store.queued_mail().pop().unwrap();
    assert_eq!(mail.locale, Locale::En);
    assert!(!token.is_empty());
}

#[tokio::test]
async fn i1_an_english_invitation_from_a_japanese_page_opens_in_english_and_the_account_keeps_it() {
    let app = TestApp::new();
    let mut owner = owner_on_pages(&app, "ja").await;
    let token = invite_emma(&app, &mut owner, &[("language", "en")]).await;
    let mail = app.world.store.queued_mail().pop().unwrap();
    assert_eq!(mail.locale, Locale::En, "the invitation mail is in English");

    // The resend keeps it.
    let r = owner.page("/admin").await;
    let resend = r.between(r#"action="/admin/invitations/"#, r#"""#).unwrap();
    let r = owner
        .submit(&format!("/admin/invitations/{resend}"), &[])
        .await;
    see_other(&r, "/admin?notice=invitation_resent");
    assert_eq!(
        app.world.store.queued_mail().pop().unwrap().locale,
        Locale::En
    );
    let old = token;
    let token = newest_link(&app.world, invitation_link).unwrap();
    assert_ne!(old, token);

    // A browser asking for Japanese still gets the registration in English...
    let mut emma = app.browser().header("accept-language", "ja");
    let r = emma.page(&format!("/invitation/{token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"<html lang="en">"#), "{}", r.body);
    assert!(r.body.contains("Choose how to sign in") || r.body.contains("sign in"));
    // ...unless the person picks Japanese with the switch.
    let r = emma
        .page(&format!("/lang/ja?back=/invitation/{token}"))
        .await;
    let r = emma.follow(&r).await;
    assert!(r.body.contains(r#"<html lang="ja">"#));
    let r = emma
        .page(&format!("/lang/en?back=/invitation/{token}"))
        .await;
    emma.follow(&r).await;

    let r = emma
        .submit(
            &format!("/invitation/{token}/review"),
            &[("password", NEW), ("confirmation", NEW)],
        )
        .await;
    see_other(&r, &format!("/invitation/{token}/review"));
    let r = emma.follow(&r).await;
    assert!(r.body.contains(r#"<html lang="en">"#));
    assert!(r.body.contains("Nothing has been registered yet."));
    let r = emma.submit(&format!("/invitation/{token}"), &[]).await;
    see_other(&r, "/invitation-accepted");
    let r = emma.follow(&r).await;
    assert!(r.body.contains(r#"<html lang="en">"#));

    let account = app
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("emma@example.co.jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.locale, Locale::En, "the account keeps the language");
}

#[tokio::test]
async fn i1_a_japanese_invitation_opens_in_japanese_for_an_english_browser() {
    let app = TestApp::new();
    let mut owner = owner_on_pages(&app, "en").await;
    let token = invite_emma(&app, &mut owner, &[("language", "ja")]).await;
    let mut emma = app.browser().header("accept-language", "en-GB,en;q=0.9");
    let r = emma.page(&format!("/invitation/{token}")).await;
    assert!(r.body.contains(r#"<html lang="ja">"#), "{}", r.body);
    // A `lang` in the address is the visitor's own choice.
    let r = emma.page(&format!("/invitation/{token}?lang=en")).await;
    assert!(r.body.contains(r#"<html lang="en">"#));
}

/// The review page holds no password; "Back to change" returns to the form, which says the
/// password is kept and leads back to the review; the kept password registers the account.
async fn review_keeps_the_password(lang: &str, kept_note: &str, back: &str, review_note: &str) {
    let app = TestApp::new();
    let mut owner = owner_on_pages(&app, lang).await;
    let token = invite_emma(&app, &mut owner, &[("language", lang)]).await;
    let mut emma = app.browser();
    let r = emma.page(&format!("/invitation/{token}")).await;
    assert!(!r.body.contains(kept_note), "nothing kept yet");
    let r = emma
        .submit(
            &format!("/invitation/{token}/review"),
            &[("password", NEW), ("confirmation", NEW)],
        )
        .await;
    see_other(&r, &format!("/invitation/{token}/review"));
    let review = emma.follow(&r).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    no_password_in(&review, NEW);
    assert!(
        !review.body.contains(r#"type="password""#),
        "{}",
        review.body
    );
    assert!(review.body.contains(review_note), "{}", review.body);
    // Kept server-side, as a hash.
    let invited = app
        .world
        .store
        .invitations_of(
            app.world
                .store
                .account_by_email(&auth_core::domain::Email::parse("owner@example.co.jp").unwrap())
                .await
                .unwrap()
                .unwrap()
                .contract,
        )
        .await
        .unwrap()
        .pop()
        .unwrap();
    let hash = invited.reviewed_password.expect("kept with the invitation");
    assert!(
        !hash.hash.as_phc().contains(NEW),
        "a hash, never the password"
    );

    // Back to change: the form says the password is kept, and shows none.
    let edit = review.between(r#"<a href="/invitation/"#, "</a>").unwrap();
    assert!(edit.ends_with(back), "{edit}");
    let r = emma.page(&format!("/invitation/{token}")).await;
    assert!(r.body.contains(kept_note), "{}", r.body);
    no_password_in(&r, NEW);
    assert!(
        r.body
            .contains(&format!(r#"href="/invitation/{token}/review""#))
    );
    // Reloading the review shows it again; confirming registers with the kept password.
    let r = emma.page(&format!("/invitation/{token}/review")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = emma.submit(&format!("/invitation/{token}"), &[]).await;
    see_other(&r, "/invitation-accepted");
    let mut signed = app.browser();
    signed.page("/sign-in").await;
    let r = signed
        .submit(
            "/sign-in",
            &[("email", "emma@example.co.jp"), ("password", NEW)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(r.location(), Some("/sign-in"));
}

#[tokio::test]
async fn i2_the_review_page_holds_no_password_and_back_to_change_keeps_it_in_japanese() {
    review_keeps_the_password(
        "ja",
        "入力いただいたパスワードは保持しています",
        "修正する",
        "この画面には表示しません",
    )
    .await;
}

#[tokio::test]
async fn i2_the_review_page_holds_no_password_and_back_to_change_keeps_it_in_english() {
    review_keeps_the_password(
        "en",
        "The password you entered is kept",
        "Back to change",
        "it is not shown on this page",
    )
    .await;
}

#[tokio::test]
async fn i2_confirming_without_the_review_step_returns_to_the_form() {
    let app = TestApp::new();
    let mut owner = owner_on_pages(&app, "ja").await;
    let token = invite_emma(&app, &mut owner, &[]).await;
    let mut emma = app.browser();
    emma.page(&format!("/invitation/{token}")).await;
    let r = emma.page(&format!("/invitation/{token}/review")).await;
    see_other(&r, &format!("/invitation/{token}"));
    // Passwords posted to the confirmation are not used: only the reviewed one is.
    let r = emma
        .submit(
            &format!("/invitation/{token}"),
            &[("password", NEW), ("confirmation", NEW)],
        )
        .await;
    see_other(&r, &format!("/invitation/{token}"));
    assert!(
        app.world
            .store
            .account_by_email(&auth_core::domain::Email::parse("emma@example.co.jp").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // A refused password is shown beside its field and nothing is kept.
    let r = emma
        .submit(
            &format!("/invitation/{token}/review"),
            &[("password", "short"), ("confirmation", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.between(r#"id="password-errors">"#, "</ul>").is_some());
}

#[tokio::test]
async fn i1_the_account_changes_its_language_in_the_settings_on_the_page() {
    for (accept, title, changed) in [
        ("ja", "言語の設定", "The language has been changed."),
        ("en", "Language", "言語を変更しました。"),
    ] {
        let app = TestApp::new();
        app.world.basic_owner().await;
        let mut b = app.browser().header("accept-language", accept);
        b.page("/settings/sign-in").await;
        let r = b
            .submit(
                "/settings/sign-in",
                &[("email", "owner@example.co.jp"), ("password", PW)],
            )
            .await;
        see_other(&r, "/settings");
        let menu = b.follow(&r).await;
        assert!(menu.body.contains(r#"href="/settings/language""#));
        let r = b.page("/settings/language").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(title), "{}", r.body);
        assert!(
            r.body.contains(r#"value="ja" checked"#),
            "the account's own"
        );
        assert!(r.body.contains(r#"href="/settings""#), "a way back");
        let to = if accept == "ja" { "en" } else { "ja" };
        let r = b.submit("/settings/language", &[("language", to)]).await;
        see_other(&r, "/settings?notice=language_changed");
        assert_eq!(b.cookies.get("tobira_lang").map(String::as_str), Some(to));
        let r = b.follow(&r).await;
        assert!(r.body.contains(&format!(r#"<html lang="{to}">"#)));
        assert!(r.body.contains(changed), "{}", r.body);
        let owner = app
            .world
            .store
            .account_by_email(&auth_core::domain::Email::parse("owner@example.co.jp").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(owner.locale.as_str(), to);
    }
}

#[tokio::test]
async fn i1_the_api_invites_in_a_language_and_the_account_sets_its_own() {
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
    let r = b
        .post(
            "/api/admin/users",
            json!({"name": "Emma Brown", "email": "emma@example.co.jp", "language": "en"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(
        app.world.store.queued_mail().pop().unwrap().locale,
        Locale::En
    );
    let users = b.get("/api/admin/users").await;
    assert_eq!(users.json["invitations"][0]["language"], "en");
    // Without `language`: the inviter's own (their account's).
    let r = b
        .post(
            "/api/admin/users",
            json!({"name": "佐藤 花子", "email": "hanako@example.co.jp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(
        app.world.store.queued_mail().pop().unwrap().locale,
        Locale::Ja
    );
    let r = b
        .post(
            "/api/admin/users",
            json!({"name": "X", "email": "x@example.co.jp", "language": "fr"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.json);

    // The invitation tells its language.
    let token = newest_link(&app.world, invitation_link).unwrap();
    let r = b.get(&format!("/api/invitation/{token}")).await;
    assert_eq!(r.json["language"], "ja");

    // The settings session reads and sets the account's language.
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = b.get("/api/settings/language").await;
    assert_eq!(r.json, json!({"language": "ja"}));
    let r = b
        .post("/api/settings/language", json!({"language": "en"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = b.get("/api/settings/language").await;
    assert_eq!(r.json, json!({"language": "en"}));
    // The inviter's default follows.
    let r = b
        .post(
            "/api/admin/users",
            json!({"name": "Ken", "email": "ken@example.co.jp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(
        app.world.store.queued_mail().pop().unwrap().locale,
        Locale::En
    );
}

/// Headless Chromium, the real binary: the owner invites in English from the admin console;
/// the mail in the file outbox is English; the invitee registers in English (the review page
/// holds no password; "Back to change" keeps it), and the account's language is English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i1_browser_an_owner_invites_in_english_and_the_invitee_registers_in_english() {
    use super::browser::{Browser, Driver, Tobira, browser_tools};
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start_with(None).await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "invite-english").await;
    let base = server.base.clone();

    let link = server.create_contract("owner@example.co.jp", "basic").await;
    b.register(&link).await;
    b.goto(&format!("{base}/sign-in")).await;
    b.sign_in("/sign-in", "owner@example.co.jp", super::browser::PW)
        .await;
    b.enrol_totp().await;
    b.goto(&format!("{base}/admin/invite")).await;
    b.shot("invite-form").await;
    b.fill("#name", "Emma Brown").await;
    b.fill("#email", "emma@example.co.jp").await;
    b.check("#language-en").await;
    b.click("form[action='/admin/invite'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/admin");

    // The mail in the outbox is English.
    let text = server.mail_text_with("emma@example.co.jp").await;
    assert!(text.contains("You are invited to register"), "{text}");
    assert!(text.contains("Hello Emma Brown,"), "{text}");
    let invitation = text
        .split_whitespace()
        .find(|w| w.contains("/invitation/"))
        .map(|w| w.trim_matches(|c: char| c == '<' || c == '>').to_owned())
        .expect("the link");

    // The registration is in English (a fresh visitor), with no password on the review page.
    b.client.delete_all_cookies().await.unwrap();
    b.goto(&invitation).await;
    b.shot("invitation-english").await;
    let text = b.text().await;
    assert!(
        text.contains("Choose") || text.contains("sign in"),
        "{text}"
    );
    assert_eq!(
        b.client
            .find(fantoccini::Locator::Css("html"))
            .await
            .unwrap()
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("en")
    );
    b.fill("#password", NEW).await;
    b.fill("#confirmation", NEW).await;
    b.click("form[action$='/review'] button[type=submit]").await;
    assert!(b.path().await.ends_with("/review"));
    b.shot("invitation-review-english").await;
    let text = b.text().await;
    assert!(text.contains("Nothing has been registered yet."), "{text}");
    let html = b.client.source().await.unwrap();
    assert!(!html.contains(NEW), "the review page holds no password");
    assert!(!html.contains(r#"type="password""#));
    b.click("main p > a[href^='/invitation/']").await;
    let text = b.text().await;
    assert!(text.contains("The password you entered is kept"), "{text}");
    b.click("a.button[href$='/review']").await;
    b.click("form:not([action$='/review']) button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/invitation-accepted");
    let text = b.text().await;
    assert!(text.contains("Sign in"), "{text}");
    b.shot("invitation-done-english").await;
    // The new account signs in; its pages stay in English.
    b.goto(&format!("{base}/sign-in")).await;
    let text = b.text().await;
    assert!(text.contains("Forgot your password?"), "{text}");
}
