//! Browser tests of the pages as a Japanese business user meets them (headless Chromium, the
//! real binary): the recovery code until it is confirmed, the audit log, the settings menu and
//! the contract details, in Japanese and in English, at desktop and phone width.

use fantoccini::Locator;

use auth_core::domain::{TotpSecret, totp_code_at};

use super::browser::{Browser, Driver, PW, Tobira, browser_tools};

#[allow(clippy::disallowed_methods)] // The real binary reads the real clock; so must its user.
fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Signs in with a password and enrols the authenticator app, up to the recovery-code step.
async fn up_to_the_recovery_code(b: &mut Browser, action: &str, email: &str) {
    b.sign_in(action, email, PW).await;
    assert_eq!(b.path().await, "/sign-in/step");
    b.click("form[action='/sign-in/totp'] button").await;
    let text = b.inner("#totp-secret").await;
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(text.replace(' ', "").trim().as_bytes())
            .unwrap(),
    );
    b.fill("#code", &totp_code_at(&secret, wall_clock())).await;
    b.click("form[action='/sign-in/enrol'] button[type=submit]")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t3_the_recovery_code_is_shown_again_until_it_is_confirmed() {
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start_with(None).await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "recovery").await;
    let base = server.base.clone();

    let link = server.create_contract("owner@example.co.jp", "basic").await;
    b.register(&link).await;
    b.goto(&format!("{base}/sign-in")).await;
    up_to_the_recovery_code(&mut b, "/sign-in", "owner@example.co.jp").await;

    // The step page shows the code (after a redirect: going back never re-posts a form).
    assert_eq!(b.path().await, "/sign-in/step");
    let code = b.inner("#recovery-code").await;
    assert_eq!(code.len(), 19, "{code}");

    // Visiting the step again shows the same code.
    b.goto(&format!("{base}/sign-in/step")).await;
    assert_eq!(b.inner("#recovery-code").await, code);

    // Continuing without the tick: the code again, with the error on the checkbox.
    b.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
        .await;
    b.shot("recovery-not-confirmed").await;
    assert_eq!(b.inner("#recovery-code").await, code);
    let text = b.text().await;
    assert!(
        text.contains("リカバリーコードを保存したことを確認してください"),
        "{text}"
    );
    assert!(!text.contains("前の画面"), "{text}");
    assert!(
        b.inner("#saved-errors").await.contains("リカバリーコード"),
        "the error is on the checkbox: {text}"
    );

    // Going back in history reaches a page loaded by GET: no form is posted again.
    b.client.back().await.unwrap();
    assert_eq!(b.inner("#recovery-code").await, code);

    // In English too.
    b.goto(&format!("{base}/lang/en?back=/sign-in/step")).await;
    assert_eq!(b.inner("#recovery-code").await, code);
    b.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
        .await;
    let text = b.text().await;
    assert!(
        text.contains("Please confirm that you saved the recovery code"),
        "{text}"
    );
    assert_eq!(b.inner("#recovery-code").await, code);
    b.shot("recovery-not-confirmed-en").await;

    // Confirmed: signed in, and the code is gone with the pending sign-in.
    b.check("#saved").await;
    b.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/home");
    b.goto(&format!("{base}/sign-in/step")).await;
    assert!(b.client.find(Locator::Css("#recovery-code")).await.is_err());

    let _ = b.client.close().await;
}

/// Whether the page fits the window's width (nothing to scroll sideways).
pub(crate) async fn fits_width(b: &Browser) -> (i64, i64) {
    let v = b
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let a = v.as_array().unwrap();
    (a[0].as_i64().unwrap(), a[1].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x1_the_audit_log_has_no_internal_names_and_fits_a_phone() {
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start_with(None).await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "audit").await;
    let base = server.base.clone();

    let link = server.create_contract("owner@example.co.jp", "basic").await;
    b.register(&link).await;
    b.goto(&format!("{base}/sign-in")).await;
    b.sign_in("/sign-in", "owner@example.co.jp", "Wrong-2024")
        .await;
    up_to_the_recovery_code(&mut b, "/sign-in", "owner@example.co.jp").await;
    b.check("#saved").await;
    b.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/home");
    b.goto(&format!("{base}/admin/invite")).await;
    b.fill("#name", "佐藤 花子").await;
    b.fill("#email", "hanako@example.co.jp").await;
    b.click("form[action='/admin/invite'] button[type=submit]")
        .await;

    for (lang, width, shot) in [
        ("ja", 1000, "audit-log"),
        ("ja", 390, "audit-log-phone"),
        ("en", 390, "audit-log-phone-en"),
    ] {
        b.goto(&format!("{base}/lang/{lang}?back=/admin/audit"))
            .await;
        b.client.set_window_size(width, 1000).await.unwrap();
        b.goto(&format!("{base}/admin/audit")).await;
        let text = b.text().await;
        for internal in [
            "WrongPassword",
            "wrong_password",
            "Totp",
            "(service)",
            "(internet)",
            "Internet ",
        ] {
            assert!(!text.contains(internal), "{lang}: {internal} in {text}");
        }
        if lang == "ja" {
            for w in [
                "ログイン失敗 (パスワードの誤り)",
                "二段階認証の設定 (認証アプリ)",
                "インターネット",
                "佐藤 花子 <hanako@example.co.jp> (招待中)",
            ] {
                assert!(text.contains(w), "{w} in {text}");
            }
        } else {
            assert!(text.contains("Sign-in failed (wrong password)"), "{text}");
        }
        let (scroll, window) = fits_width(&b).await;
        assert!(scroll <= window, "{lang} at {width}: {scroll} > {window}");
        b.shot(shot).await;
    }
    let _ = b.client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_c2_the_grouped_menu_and_contract_details_in_a_browser_at_both_widths() {
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start_with(None).await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "settings").await;
    let base = server.base.clone();

    let link = server.create_contract("owner@example.co.jp", "basic").await;
    b.register(&link).await;
    b.goto(&format!("{base}/settings/sign-in")).await;
    up_to_the_recovery_code(&mut b, "/settings/sign-in", "owner@example.co.jp").await;
    b.check("#saved").await;
    b.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/settings");

    for (width, suffix) in [(1000, ""), (390, "-phone")] {
        b.client.set_window_size(width, 1000).await.unwrap();
        b.goto(&format!("{base}/settings")).await;
        let text = b.text().await;
        for group in ["認証情報の変更", "認証情報の設定", "契約情報の変更"] {
            assert!(text.contains(group), "{group} in {text}");
        }
        let (scroll, window) = fits_width(&b).await;
        assert!(scroll <= window, "menu at {width}: {scroll} > {window}");
        b.shot(&format!("settings-menu{suffix}")).await;
        b.goto(&format!("{base}/settings/contract")).await;
        let (scroll, window) = fits_width(&b).await;
        assert!(scroll <= window, "details at {width}: {scroll} > {window}");
        b.shot(&format!("contract-details{suffix}")).await;
    }

    // Wrong values: each error beside its field; then right ones are saved.
    b.fill("#phone", "12-34").await;
    b.fill("#postal_code", "100").await;
    b.fill("#contact_person", "").await;
    b.click("form[action='/settings/contract'] button[type=submit]")
        .await;
    assert!(b.inner("#phone-errors").await.contains("電話番号"));
    assert!(b.inner("#postal_code-errors").await.contains("郵便番号"));
    assert!(
        b.inner("#contact_person-errors")
            .await
            .contains("入力してください")
    );
    b.shot("contract-details-errors-phone").await;
    b.fill("#company", "晴天商事株式会社").await;
    b.fill("#contact_person", "鈴木 一郎").await;
    b.fill("#phone", "03-1234-5678").await;
    b.fill("#postal_code", "1000001").await;
    b.fill("#address", "東京都千代田区千代田1-1").await;
    b.click("form[action='/settings/contract'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/settings");
    assert!(b.text().await.contains("契約情報を変更しました"));

    // English, and the way back from an item page.
    b.client.set_window_size(1000, 1000).await.unwrap();
    b.goto(&format!("{base}/lang/en?back=/settings")).await;
    assert!(b.text().await.contains("Change the contract"));
    b.shot("settings-menu-en").await;
    b.goto(&format!("{base}/settings/contract")).await;
    assert_eq!(
        b.client
            .find(Locator::Css("#postal_code"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("100-0001")
    );
    b.shot("contract-details-en").await;
    b.click("p.back a[href='/settings']").await;
    assert_eq!(b.path().await, "/settings");

    let _ = b.client.close().await;
}

/// The README's walk: `contract create` run next to a `serve --listen` on another port, with
/// no public URL configured, prints a link to that `serve`, and takes the company and owner
/// names and the trial plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i1_contract_create_prints_the_link_of_the_running_serve() {
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;
    let data = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", super::browser::free_port());
    let bare = |args: &[&str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tobira"));
        cmd.arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env_remove("TOBIRA_PUBLIC_URL")
            .env_remove("TOBIRA_LISTEN")
            .env_remove("TOBIRA_CONFIG")
            .env_remove("TOBIRA_DATABASE_URL")
            .env("RUST_LOG", "warn");
        cmd
    };
    let mut serve = bare(&["serve", "--listen", &listen])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(serve.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("listening on ") {
            break;
        }
    }
    let out = bare(&[
        "contract",
        "create",
        "--name",
        "雲商事株式会社",
        "--owner-name",
        "山田 太郎",
        "--owner-email",
        "owner@example.co.jp",
        "--plan",
        "trial",
    ])
    .output()
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.contains(&format!("http://{listen}/invitation/")),
        "{printed}"
    );
    let link = printed
        .split_whitespace()
        .find(|w| w.contains("/invitation/"))
        .unwrap()
        .to_owned();
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200, "the link is served by that serve");
    // `--language en`: the owner's registration page is in English.
    let out = bare(&[
        "contract",
        "create",
        "--name",
        "Kumo Trading",
        "--owner-name",
        "Jane Smith",
        "--owner-email",
        "jane@example.com",
        "--language",
        "en",
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success());
    let english = String::from_utf8(out.stdout).unwrap();
    let english = english
        .split_whitespace()
        .find(|w| w.contains("/invitation/"))
        .unwrap();
    let page = reqwest::get(english).await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    // `mail list --all` lists the owner's mail whether or not it was sent already.
    let listed = bare(&["mail", "list", "--all"]).output().await.unwrap();
    assert!(listed.status.success());
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("owner@example.co.jp"),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
    let _ = serve.start_kill();
}
