//! Browser test of federated sign-in (L7, I2, M1, M2): headless Chromium against the real
//! `tobira` binary, configured (TOML file, `--config`) with the loopback test provider (node
//! `oidc-provider`, `tests/support/oidc.sh`) playing Google, Microsoft, Facebook and d-account.
//! The browser really goes to the provider's sign-in page and back.
//!
//! Each page visited is saved as a PNG under `<target>/screenshots/` (prefix `fed-`).

use std::time::Duration;

use fantoccini::Locator;

use adapter_idp::testing::{Profile, TestProviders};

use crate::browser::{Browser, Driver, PW, Tobira, browser_tools, next_code};

const OWNER: &str = "owner@example.co.jp";
const HANAKO: &str = "hanako@example.co.jp";
const TARO: &str = "taro@example.co.jp";

/// One `[providers.<name>]` table for a profile of the test provider.
fn provider_table(name: &str, profile: &Profile) -> String {
    let issuer = profile
        .issuer
        .clone()
        .or_else(|| profile.issuer_template.clone())
        .expect("an issuer or its template");
    format!(
        "[providers.{name}]\nclient_id = {:?}\nclient_secret = {:?}\ndiscovery_url = {:?}\nissuer = {:?}\n\n",
        profile.client_id, profile.client_secret, profile.discovery, issuer
    )
}

/// `tobira serve` on a free port with the test provider configured in a TOML file.
async fn start_with_providers(idp: &TestProviders) -> Tobira {
    let p = &idp.profiles;
    let toml = format!(
        "[providers]\ninsecure_http_hosts = [\"127.0.0.1\"]\n\n{}{}{}{}",
        provider_table("google", &p.google),
        provider_table("microsoft", &p.microsoft),
        provider_table("facebook", &p.facebook),
        provider_table("d_account", &p.dacc),
    );
    Tobira::start_with(Some(&toml)).await
}

/// The newest link with `marker` in the outbox that is none of `seen` (a mail just sent).
async fn new_link(server: &Tobira, marker: &str, seen: &[&str]) -> String {
    for _ in 0..60 {
        let link = server.link_in_outbox(marker).await;
        if !seen.contains(&link.as_str()) {
            return link;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no new mail with {marker}");
}

/// Where a click that may leave tobira arrived.
#[derive(Debug, PartialEq, Eq)]
enum Landed {
    /// A page of tobira.
    Tobira,
    /// The provider's sign-in page.
    Provider,
}

/// Clicks and waits for the next page: tobira's (its footer) or the provider's sign-in form,
/// passing over the page of tobira that sends the browser on to the provider.
async fn click_away(b: &Browser, css: &str) -> Landed {
    let old = b.client.find(Locator::Css("html")).await.unwrap();
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if old.tag_name().await.is_ok() {
            continue;
        }
        if b.client.find(Locator::Css("input#login")).await.is_ok() {
            return Landed::Provider;
        }
        let onward = b.path().await.ends_with("/start");
        if !onward && b.client.find(Locator::Css("footer")).await.is_ok() {
            return Landed::Tobira;
        }
    }
    panic!(
        "no page loaded after clicking {css}: at {} {}",
        b.path().await,
        b.text().await
    );
}

/// Signs in at the provider's own page as `login` and waits for tobira's next page.
async fn at_provider(b: &mut Browser, provider: &str, login: &str) {
    assert_eq!(
        b.client.title().await.unwrap(),
        format!("Test provider {provider}")
    );
    b.shot(&format!("provider-{provider}")).await;
    b.fill("input#login", login).await;
    b.click("button#submit").await;
}

/// Presses `provider`'s button (a form starting the round trip) and, when the provider asks,
/// signs in there as `login`; waits for tobira's page after the round trip.
async fn through_provider(b: &mut Browser, provider: &str, login: &str) {
    let button = format!("form[action='/federation/{provider}/start'] button.provider");
    if click_away(b, &button).await == Landed::Provider {
        at_provider(b, provider, login).await;
    }
}

/// Signs in on `/sign-in` with `provider`'s button: lands on the home page with no
/// second-factor step (L7).
async fn sign_in_with(b: &mut Browser, base: &str, provider: &str, label: &str, login: &str) {
    b.goto(&format!("{base}/sign-in")).await;
    assert!(b.text().await.contains(label), "{}", b.text().await);
    through_provider(b, provider, login).await;
    assert_eq!(
        b.path().await,
        "/home",
        "no second factor after a provider: {}",
        b.text().await
    );
}

/// Scrolls the provider buttons into view, for the screenshot.
async fn show_providers(b: &Browser) {
    b.client
        .execute(
            "document.querySelector('section.providers').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
}

async fn sign_out(b: &Browser) {
    b.click("form[action='/sign-out'] button").await;
    assert_eq!(b.path().await, "/sign-in");
    assert!(b.text().await.contains("ログアウトしました"));
}

/// The admin console's link to the user with `email`.
async fn user_page(b: &Browser, base: &str, email: &str) -> String {
    b.goto(&format!("{base}/admin")).await;
    let link = b
        .client
        .find(Locator::XPath(&format!(
            "//tr[td[normalize-space()='{email}']]//a"
        )))
        .await
        .unwrap_or_else(|_| panic!("{email} is not in the users list"));
    let href = link.attr("href").await.unwrap().unwrap();
    format!("{base}{href}")
}

/// The method shown for `email` in the admin console's users list.
async fn method_in_list(b: &Browser, email: &str) -> String {
    b.client
        .find(Locator::XPath(&format!(
            "//tr[td[normalize-space()='{email}']]/td[4]"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l7_browser_walk_with_providers() {
    let (chromium, driver_path) = browser_tools();
    let idp = tokio::task::spawn_blocking(TestProviders::shared)
        .await
        .unwrap()
        .expect("test provider");
    let server = start_with_providers(idp).await;
    let driver = Driver::start(&driver_path).await;
    let base = server.base.clone();

    // 1. The operator creates a contract; the owner registers with a password and signs in,
    //    enrolling the authenticator app the Basic plan asks for.
    let owner_link = server.create_contract(OWNER, "basic").await;
    let mut o = Browser::open(&driver, &chromium, "fed-owner").await;
    o.register(&owner_link).await;
    o.click("a.button[href='/sign-in']").await;
    o.sign_in("/sign-in", OWNER, PW).await;
    let (secret, used) = o.enrol_totp().await;
    assert_eq!(o.path().await, "/home");

    // 2. The owner invites a user, who registers with Google through the mailed link (I2).
    o.goto(&format!("{base}/admin/invite")).await;
    o.fill("#name", "招待 花子").await;
    o.fill("#email", HANAKO).await;
    o.shot("invite").await;
    o.click("form[action='/admin/invite'] button[type=submit]")
        .await;
    assert_eq!(o.path().await, "/admin");
    let text = o.text().await;
    assert!(text.contains("招待メールを送信しました"), "{text}");
    assert!(text.contains(HANAKO), "{text}");
    o.shot("invited").await;
    let hanako_link = new_link(&server, "/invitation/", &[&owner_link]).await;
    assert!(hanako_link.starts_with(&base), "{hanako_link}");

    let mut u = Browser::open(&driver, &chromium, "fed-user").await;
    u.goto(&hanako_link).await;
    let text = u.text().await;
    for label in [
        "Googleアカウントで登録",
        "Microsoftアカウントで登録",
        "Facebookアカウントで登録",
        "dアカウントで登録",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    assert!(
        !text.contains("灰色のボタン"),
        "every provider is configured: {text}"
    );
    show_providers(&u).await;
    u.shot("invitation").await;
    u.click("a.provider[data-provider='google']").await;
    assert!(
        u.path().await.ends_with("/provider/google"),
        "{}",
        u.path().await
    );
    let text = u.text().await;
    for shown in [
        "登録内容の確認",
        "雲商事",
        "招待 花子",
        HANAKO,
        "Googleアカウント",
    ] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    u.shot("invitation-review-google").await;
    assert_eq!(click_away(&u, "button#continue").await, Landed::Provider);
    at_provider(&mut u, "google", "hanako").await;
    assert_eq!(u.path().await, "/invitation-accepted");
    assert!(u.text().await.contains("登録が完了しました"));
    u.shot("invitation-done").await;

    // 3. She signs in with Google, signs out, and signs in again (L7).
    u.click("a.button[href='/sign-in']").await;
    let text = u.text().await;
    for label in [
        "Googleアカウントでログイン",
        "Microsoftアカウントでログイン",
        "Facebookアカウントでログイン",
        "dアカウントでログイン",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    show_providers(&u).await;
    u.shot("sign-in").await;
    sign_in_with(
        &mut u,
        &base,
        "google",
        "Googleアカウントでログイン",
        "hanako",
    )
    .await;
    let text = u.text().await;
    assert!(
        text.contains("招待 花子 様") && text.contains(HANAKO),
        "{text}"
    );
    u.shot("home").await;
    sign_out(&u).await;
    u.shot("signed-out").await;
    sign_in_with(
        &mut u,
        &base,
        "google",
        "Googleアカウントでログイン",
        "hanako",
    )
    .await;
    assert!(u.text().await.contains(HANAKO));
    u.shot("home-again").await;
    sign_out(&u).await;
    let _ = u.client.close().await;

    // 4. The owner switches their own method to Microsoft in the settings menu (M1), then
    //    signs in with it; the password no longer works.
    o.goto(&format!("{base}/settings/sign-in")).await;
    o.sign_in("/settings/sign-in", OWNER, PW).await;
    assert_eq!(o.path().await, "/sign-in/step");
    o.fill("#code", &next_code(&secret, used).await).await;
    o.click("form[action='/sign-in/challenge'] button[type=submit]")
        .await;
    assert_eq!(o.path().await, "/settings");
    o.goto(&format!("{base}/settings/login-method")).await;
    let text = o.text().await;
    assert!(text.contains("Microsoftアカウントに切り替える"), "{text}");
    assert!(text.contains("Googleアカウントに切り替える"), "{text}");
    show_providers(&o).await;
    o.shot("settings-login-method").await;
    assert_eq!(
        click_away(
            &o,
            "form[action='/federation/microsoft/start'] button.provider"
        )
        .await,
        Landed::Provider
    );
    at_provider(&mut o, "microsoft", "owner-ms").await;
    assert_eq!(o.path().await, "/settings");
    let text = o.text().await;
    assert!(text.contains("ログイン方法を変更しました"), "{text}");
    // Still signed in to the menu: the words speak of the next sign-in, not of this one.
    assert!(
        text.contains("次回からは新しい方法でログインしてください"),
        "{text}"
    );
    assert!(!text.contains("改めてログインしてください"), "{text}");
    o.shot("method-changed").await;

    o.goto(&format!("{base}/sign-in")).await;
    o.sign_in("/sign-in", OWNER, PW).await;
    assert_eq!(
        o.path().await,
        "/sign-in",
        "the password is no longer the method"
    );
    assert!(
        o.text()
            .await
            .contains("メールアドレスまたはパスワードが正しくありません")
    );
    o.shot("password-refused").await;
    sign_in_with(
        &mut o,
        &base,
        "microsoft",
        "Microsoftアカウントでログイン",
        "owner-ms",
    )
    .await;
    assert!(o.text().await.contains(OWNER));
    o.shot("home-microsoft").await;

    // 5. A password user gets a login-method change from the owner and switches to
    //    Facebook (M2).
    o.goto(&format!("{base}/admin/invite")).await;
    o.fill("#name", "招待 太郎").await;
    o.fill("#email", TARO).await;
    o.click("form[action='/admin/invite'] button[type=submit]")
        .await;
    assert_eq!(o.path().await, "/admin");
    let taro_link = new_link(&server, "/invitation/", &[&owner_link, &hanako_link]).await;
    let mut t = Browser::open(&driver, &chromium, "fed-taro").await;
    t.register(&taro_link).await;

    let page = user_page(&o, &base, TARO).await;
    o.goto(&page).await;
    let text = o.text().await;
    assert!(text.contains("メールアドレスとパスワード"), "{text}");
    o.shot("user").await;
    o.click("form[action$='/change'] button[type=submit]").await;
    assert!(
        o.text()
            .await
            .contains("ユーザーへログイン方法変更のリンクをお送りしました"),
        "{}",
        o.text().await
    );
    o.shot("method-change-sent").await;

    let method_link = server.link_in_outbox("/login-method/").await;
    assert!(method_link.starts_with(&base), "{method_link}");
    t.goto(&method_link).await;
    let text = t.text().await;
    assert!(
        text.contains("ログイン方法の変更") && text.contains(TARO),
        "{text}"
    );
    assert!(text.contains("Facebookアカウントに切り替える"), "{text}");
    show_providers(&t).await;
    t.shot("method-change").await;
    assert_eq!(
        click_away(
            &t,
            "form[action='/federation/facebook/start'] button.provider"
        )
        .await,
        Landed::Provider
    );
    at_provider(&mut t, "facebook", "fb-taro").await;
    let text = t.text().await;
    assert!(text.contains("ログイン方法を変更しました"), "{text}");
    t.shot("method-changed").await;
    t.click("a.button[href='/sign-in']").await;
    sign_in_with(
        &mut t,
        &base,
        "facebook",
        "Facebookアカウントでログイン",
        "fb-taro",
    )
    .await;
    assert!(t.text().await.contains(TARO));
    t.shot("home-facebook").await;
    let _ = t.client.close().await;

    // The admin console lists each user's method.
    o.goto(&format!("{base}/admin")).await;
    for (email, provider) in [(HANAKO, "google"), (OWNER, "microsoft"), (TARO, "facebook")] {
        let shown = method_in_list(&o, email).await;
        assert!(shown.to_lowercase().contains(provider), "{email}: {shown}");
    }
    o.shot("admin-users").await;

    let _ = o.client.close().await;
}
