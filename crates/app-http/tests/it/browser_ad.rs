//! Browser test of Active Directory (D1, I2, L8): headless Chromium against the real `tobira`
//! binary, with SimpleSAMLphp playing a contract's ADFS over SAML 2.0 and node
//! `oidc-provider`'s ADFS profile playing it over OpenID Connect. The owner sets AD up in the
//! settings menu; a user registers with AD from an invitation, signs in with the connection ID
//! and at the mailed address; the owner switches the connection to OpenID Connect and the user
//! signs in through it, then back to SAML with the metadata read from a file, and the user signs
//! in again; the owner turns AD off and the user is told so.
//!
//! Each page visited is saved as a PNG under `<target>/screenshots/` (prefix `ad-`).

use std::time::Duration;

use fantoccini::Locator;

use adapter_idp::saml_testing::{TestSamlIdp, TestSamlIdpOptions, TestUser, TrustedSp};
use adapter_idp::testing::TestProviders;

use crate::browser::{Browser, Driver, PW, Tobira, browser_tools, next_code};

const OWNER: &str = "owner@example.co.jp";
const TARO: &str = "taro@example.co.jp";
const TARO_UPN: &str = "taro@corp.example.co.jp";

/// Waits until the browser is back on a page of tobira at `base` (its footer), passing over
/// the pages that move on by themselves (ADFS's and tobira's own posting pages). When ADFS
/// shows its sign-in form, signs in there as taro.
async fn through_adfs(b: &mut Browser, base: &str) {
    let mut signed_in_at_idp = false;
    // Up to a minute: the machine may be busy, and PHP's server answers one request at a time.
    for _ in 0..1200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let Ok(url) = b.client.current_url().await else {
            continue;
        };
        let at_tobira = url.as_str().starts_with(base);
        if !at_tobira {
            if b.client.find(Locator::Css("input#login")).await.is_ok() {
                // The OpenID Connect provider's page.
                b.shot("adfs-oidc-sign-in").await;
                b.fill("input#login", TARO_UPN).await;
                let _ = b
                    .client
                    .find(Locator::Css("button#submit"))
                    .await
                    .unwrap()
                    .click()
                    .await;
                continue;
            }
            if !signed_in_at_idp
                && b.client
                    .find(Locator::Css("input[name=username]"))
                    .await
                    .is_ok()
            {
                b.shot("adfs-saml-sign-in").await;
                b.fill("input[name=username]", "taro").await;
                b.fill("input[name=password]", "taro-pass").await;
                let _ = b
                    .client
                    .find(Locator::Css(
                        "form button[type=submit], form input[type=submit]",
                    ))
                    .await
                    .unwrap()
                    .click()
                    .await;
                signed_in_at_idp = true;
            }
            continue;
        }
        let path = url.path().to_owned();
        let moving_on = path.ends_with("/saml") || path.ends_with("/saml/finish");
        if !moving_on && b.client.find(Locator::Css("footer")).await.is_ok() {
            return;
        }
    }
    panic!(
        "never came back from ADFS: at {} {}",
        b.client.current_url().await.unwrap(),
        b.text().await
    );
}

/// Clicks something that leaves for ADFS, and comes back.
async fn click_through_adfs(b: &mut Browser, css: &str, base: &str) {
    let old = b.client.find(Locator::Css("html")).await.unwrap();
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    through_adfs(b, base).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l8_browser_walk_with_active_directory_over_saml_and_openid_connect() {
    let (chromium, driver_path) = browser_tools();
    let oidc = tokio::task::spawn_blocking(TestProviders::shared)
        .await
        .unwrap()
        .expect("test provider");
    let mut saml = TestSamlIdp::start(TestSamlIdpOptions {
        trusted: Vec::new(),
        users: vec![TestUser {
            name: "taro".into(),
            password: "taro-pass".into(),
            object_id: "5b0c7a3e-0000-4000-8000-00000000a001".into(),
            upn: TARO_UPN.into(),
        }],
        assertion_only_signed: true,
        claim_uri_attributes: true,
    })
    .expect("SimpleSAMLphp");
    let server = Tobira::start_with(Some(
        "[providers]\ninsecure_http_hosts = [\"127.0.0.1\"]\ninternal_hosts = [\"127.0.0.1\"]\n",
    ))
    .await;
    let driver = Driver::start(&driver_path).await;
    let base = server.base.clone();

    // 1. The owner registers and signs in (enrolling the authenticator app), then signs in to
    //    the settings menu and turns AD on over SAML.
    let owner_link = server.create_contract(OWNER, "basic").await;
    let mut o = Browser::open(&driver, &chromium, "ad-owner").await;
    o.register(&owner_link).await;
    o.goto(&format!("{base}/sign-in")).await;
    o.sign_in("/sign-in", OWNER, PW).await;
    let (secret, used) = o.enrol_totp().await;
    assert_eq!(o.path().await, "/home");
    o.goto(&format!("{base}/settings/sign-in")).await;
    o.sign_in("/settings/sign-in", OWNER, PW).await;
    o.fill("#code", &next_code(&secret, used).await).await;
    o.click("form[action='/sign-in/challenge'] button[type=submit]")
        .await;
    assert_eq!(o.path().await, "/settings");
    o.goto(&format!("{base}/settings/active-directory")).await;
    o.shot("settings-ad").await;
    o.fill("#metadata_url", &saml.metadata_url()).await;
    o.client
        .find(Locator::Css("#subject-upn"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    o.click("form[action='/settings/active-directory'] button[type=submit]")
        .await;
    let text = o.text().await;
    assert!(
        text.contains("Active Directory 連携を有効にしました"),
        "{text}"
    );
    let id = text
        .split_whitespace()
        .find(|w| w.starts_with("adfs-") && w.len() == 23)
        .unwrap_or_else(|| panic!("no connection ID shown: {text}"))
        .to_owned();
    o.shot("settings-ad-on").await;
    // What the owner gives the ADFS administrator is on the page; ADFS is set up with it.
    assert!(text.contains(&format!("{base}/ad/{id}/saml")), "{text}");
    saml.set_trusted(vec![TrustedSp {
        entity_id: format!("{base}/ad/{id}"),
        acs_urls: vec![format!("{base}/ad/{id}/saml")],
    }])
    .unwrap();
    // D1: the mail carries the sign-in address and the connection ID.
    let ad_address = server.link_in_outbox(&format!("/ad/{id}")).await;
    assert_eq!(ad_address, format!("{base}/ad/{id}"));

    // 2. The owner invites taro, who registers with AD after confirming the connection ID.
    o.goto(&format!("{base}/admin/invite")).await;
    assert_eq!(o.path().await, "/admin/invite", "{}", o.text().await);
    o.fill("#name", "山田 太郎").await;
    o.fill("#email", TARO).await;
    o.click("form[action='/admin/invite'] button[type=submit]")
        .await;
    let mut taro_link = owner_link.clone();
    for _ in 0..60 {
        taro_link = server.link_in_outbox("/invitation/").await;
        if taro_link != owner_link {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_ne!(taro_link, owner_link, "no invitation mail");
    let mut u = Browser::open(&driver, &chromium, "ad-user").await;
    u.goto(&taro_link).await;
    let text = u.text().await;
    assert!(text.contains("Active Directory で登録"), "{text}");
    assert!(text.contains(&id), "the connection ID is shown: {text}");
    u.shot("invitation").await;
    u.click("a.provider[data-provider='active-directory']")
        .await;
    let text = u.text().await;
    assert!(
        text.contains("接続IDの確認") && text.contains(&id),
        "{text}"
    );
    u.shot("invitation-confirm-connection").await;
    click_through_adfs(&mut u, "button#continue", &base).await;
    assert_eq!(u.path().await, "/invitation-accepted", "{}", u.text().await);
    u.shot("invitation-done").await;

    // 3. Taro signs in with the connection ID typed in upper case (L8): no second factor.
    u.goto(&format!("{base}/sign-in")).await;
    u.click("a.provider[data-provider='active-directory']")
        .await;
    assert_eq!(u.path().await, "/ad");
    u.fill("#connection", &id.to_uppercase()).await;
    u.shot("connection-id").await;
    click_through_adfs(&mut u, "form[action='/ad'] button[type=submit]", &base).await;
    assert_eq!(u.path().await, "/home", "{}", u.text().await);
    assert!(u.text().await.contains(TARO));
    u.shot("home").await;
    u.click("form[action='/sign-out'] button").await;

    // 4. ... and at the mailed AD address.
    u.goto(&ad_address).await;
    click_through_adfs(&mut u, "button#continue", &base).await;
    assert_eq!(u.path().await, "/home", "{}", u.text().await);
    u.click("form[action='/sign-out'] button").await;

    // 5. The owner switches the connection to OpenID Connect (ADFS 2016 and later); taro
    //    signs in through it with the same UPN.
    let adfs = &oidc.profiles.adfs;
    o.goto(&format!("{base}/settings/active-directory")).await;
    assert_eq!(o.path().await, "/settings/active-directory");
    let edit = "form[action='/settings/active-directory/edit']";
    o.client
        .find(Locator::Css(&format!("{edit} #protocol-oidc")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    o.fill(&format!("{edit} #metadata_url"), &adfs.discovery)
        .await;
    o.fill(&format!("{edit} #client_id"), &adfs.client_id).await;
    o.fill(&format!("{edit} #client_secret"), &adfs.client_secret)
        .await;
    o.shot("settings-ad-oidc").await;
    o.click(&format!("{edit} button[type=submit]")).await;
    let text = o.text().await;
    assert!(text.contains("設定を保存しました"), "{text}");
    assert!(text.contains("OpenID Connect"), "{text}");
    assert!(
        !text.contains(&adfs.client_secret),
        "the secret is never shown"
    );
    o.shot("settings-ad-oidc-saved").await;
    u.goto(&ad_address).await;
    click_through_adfs(&mut u, "button#continue", &base).await;
    assert_eq!(u.path().await, "/home", "{}", u.text().await);
    u.shot("home-oidc").await;
    u.click("form[action='/sign-out'] button").await;

    // 5b. The owner switches back to SAML with the metadata read from a file (the document
    //     is not at a URL tobira may reach); taro signs in through it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("FederationMetadata.xml");
    std::fs::write(&file, saml.metadata_xml().await.unwrap()).unwrap();
    o.goto(&format!("{base}/settings/active-directory")).await;
    o.client
        .find(Locator::Css(&format!("{edit} #protocol-saml")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    o.fill(&format!("{edit} #metadata_url"), "").await;
    o.client
        .find(Locator::Css(&format!("{edit} #metadata_file")))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    let field = o
        .client
        .find(Locator::Css(&format!("{edit} #metadata_xml")))
        .await
        .unwrap();
    let mut read = String::new();
    for _ in 0..100 {
        read = field.prop("value").await.unwrap().unwrap_or_default();
        if !read.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        read.contains("EntityDescriptor"),
        "the file was read: {read}"
    );
    o.shot("settings-ad-metadata-file").await;
    o.click(&format!("{edit} button[type=submit]")).await;
    let text = o.text().await;
    assert!(text.contains("設定を保存しました"), "{text}");
    assert!(text.contains("SAML 2.0"), "{text}");
    u.goto(&ad_address).await;
    click_through_adfs(&mut u, "button#continue", &base).await;
    assert_eq!(u.path().await, "/home", "{}", u.text().await);
    u.click("form[action='/sign-out'] button").await;

    // 6. The owner turns AD off; taro is told so at the AD address.
    o.goto(&format!("{base}/settings/active-directory")).await;
    o.client
        .find(Locator::Css("#confirmed"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    o.click("form[action='/settings/active-directory/off'] button[type=submit]")
        .await;
    assert!(
        o.text().await.contains("停止しました"),
        "{}",
        o.text().await
    );
    o.shot("settings-ad-off").await;
    u.goto(&ad_address).await;
    let text = u.text().await;
    assert!(text.contains("停止されています"), "{text}");
    u.shot("ad-off").await;

    let _ = u.client.close().await;
    let _ = o.client.close().await;
}
