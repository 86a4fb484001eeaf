//! Browser tests: headless Chromium, driven over chromedriver (WebDriver), against the real
//! `tobira` binary with a fresh data directory and zero configuration. Chromium and its driver
//! are Debian's packages, installed by `tests/support/browser.sh` when missing.
//!
//! Each page visited is saved as a PNG under `<target>/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use auth_core::domain::{TOTP_STEP_SECONDS, TotpSecret, totp_code_at};

pub(crate) const PW: &str = "Kumo-2024";

/// Chromium and chromedriver, installed if missing.
pub(crate) fn browser_tools() -> (PathBuf, PathBuf) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/browser.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("run tests/support/browser.sh");
    assert!(
        out.status.success(),
        "tests/support/browser.sh failed: Chromium and chromedriver are needed"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let chromium = PathBuf::from(lines.next().expect("chromium path"));
    let driver = PathBuf::from(lines.next().expect("chromedriver path"));
    (chromium, driver)
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `tobira serve` on a free port, killed on drop.
pub(crate) struct Tobira {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) data_dir: tempfile::TempDir,
}

impl Drop for Tobira {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A `tobira` command on `data_dir`, whose links point at `public_url`.
pub(crate) fn tobira(data_dir: &Path, public_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tobira"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("TOBIRA_PUBLIC_URL", public_url)
        .env_remove("TOBIRA_CONFIG")
        .env_remove("TOBIRA_DATABASE_URL")
        .env("RUST_LOG", "warn");
    cmd
}

impl Tobira {
    async fn start() -> Self {
        Self::start_with(None).await
    }

    /// `tobira serve` on a free port, with `config` (TOML) as its configuration file if given.
    pub(crate) async fn start_with(config: Option<&str>) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        // A port chosen here rather than port 0: the public URL (links in mails, the Origin
        // the forms are checked against) must name it, also for `contract create`.
        let listen = format!("127.0.0.1:{}", free_port());
        let public_url = format!("http://{listen}");
        let mut cmd = tobira(data_dir.path(), &public_url);
        if let Some(config) = config {
            let file = data_dir.path().join("tobira.toml");
            std::fs::write(&file, config).unwrap();
            cmd.arg("--config").arg(file);
        }
        let mut child = cmd
            .args(["serve", "--listen", &listen])
            .env("TOBIRA_RATE_LIMIT_PER_MINUTE", "1000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("the server exited before listening");
        })
        .await
        .expect("the server did not start in time");
        assert_eq!(base, public_url);
        Self {
            child,
            base,
            data_dir,
        }
    }

    /// `tobira contract create`: the owner's invitation link as printed.
    pub(crate) async fn create_contract(&self, owner: &str, plan: &str) -> String {
        let out = tobira(self.data_dir.path(), &self.base)
            .args([
                "contract",
                "create",
                "--owner-email",
                owner,
                "--name",
                "雲商事",
                "--plan",
                plan,
            ])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .find(|w| w.contains("/invitation/"))
            .expect("an invitation link")
            .to_owned()
    }

    /// The text of the newest mail of the `.eml` outbox whose text contains `needle`, waiting
    /// for the outbox worker to write it.
    pub(crate) async fn mail_text_with(&self, needle: &str) -> String {
        let dir = self.data_dir.path().join("outbox").join("mail");
        for _ in 0..60 {
            let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let Some(mail) = mail_parser::MessageParser::default().parse(&bytes) else {
                    continue;
                };
                let subject = mail.subject().unwrap_or_default().to_owned();
                let text = mail
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if text.contains(needle) {
                    let modified = entry.metadata().unwrap().modified().unwrap();
                    found.push((modified, format!("{subject}\n{text}")));
                }
            }
            if let Some((_, text)) = found.into_iter().max_by_key(|(t, _)| *t) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("no mail with {needle} in {}", dir.display());
    }

    /// The newest link containing `marker` in a mail of the `.eml` outbox, waiting for the
    /// outbox worker to write it.
    pub(crate) async fn link_in_outbox(&self, marker: &str) -> String {
        let dir = self.data_dir.path().join("outbox").join("mail");
        for _ in 0..60 {
            let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let bytes = std::fs::read(entry.path()).unwrap();
                    let Some(mail) = mail_parser::MessageParser::default().parse(&bytes) else {
                        continue;
                    };
                    let text = mail
                        .body_text(0)
                        .map(|t| t.into_owned())
                        .unwrap_or_default();
                    if let Some(link) = text
                        .split_whitespace()
                        .find(|w| w.contains(marker))
                        .map(|w| w.trim_matches(|c: char| c == '<' || c == '>').to_owned())
                    {
                        let modified = entry.metadata().unwrap().modified().unwrap();
                        found.push((modified, link));
                    }
                }
            }
            if let Some((_, link)) = found.into_iter().max_by_key(|(t, _)| *t) {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("no mail with {marker} in {}", dir.display());
    }
}

/// chromedriver on a free port, killed on drop.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    /// Ends chromedriver and the Chromium it started (its own process group), also when a
    /// test fails before closing its session.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

impl Driver {
    pub(crate) async fn start(driver: &Path) -> Self {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{url}/status")).send().await
                && r.status().is_success()
            {
                return Self { child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start");
    }
}

/// A browser session with its own profile directory, saving a screenshot of each page.
pub(crate) struct Browser {
    pub(crate) client: Client,
    _profile: tempfile::TempDir,
    shots: PathBuf,
    prefix: &'static str,
    count: usize,
}

impl Browser {
    pub(crate) async fn open(driver: &Driver, chromium: &Path, prefix: &'static str) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--window-size=900,1000",
                    "--lang=ja",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // A browser set to Japanese, as most of tobira's users' are.
                "prefs": { "intl.accept_languages": "ja,en-US;q=0.5" },
            },
        });
        let caps = caps.as_object().unwrap().clone();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            client,
            _profile: profile,
            shots,
            prefix,
            count: 0,
        }
    }

    /// Saves a screenshot of the page shown.
    pub(crate) async fn shot(&mut self, name: &str) {
        self.count += 1;
        let png = self.client.screenshot().await.unwrap();
        let path = self
            .shots
            .join(format!("{}-{:02}-{name}.png", self.prefix, self.count));
        std::fs::write(path, png).unwrap();
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub(crate) async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    pub(crate) async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub(crate) async fn fill(&self, css: &str, value: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks and waits for the next page (every click here loads one: the old document
    /// goes stale, then the new one is complete).
    pub(crate) async fn click(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        e.click().await.unwrap();
        let mut left = 200;
        while old.tag_name().await.is_ok() {
            left -= 1;
            assert!(left > 0, "no page loaded after clicking {css}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client
            .wait()
            .for_element(Locator::Css("footer"))
            .await
            .unwrap();
    }

    /// Ticks a checkbox (no page loads).
    pub(crate) async fn check(&self, css: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        e.click().await.unwrap();
    }

    pub(crate) async fn inner(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub(crate) async fn sign_in(&self, action: &str, email: &str, password: &str) {
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click(&format!("form[action='{action}'] button[type=submit]"))
            .await;
    }

    /// Registers through an invitation link with a password (I2).
    pub(crate) async fn register(&mut self, link: &str) {
        self.goto(link).await;
        self.shot("invitation").await;
        self.fill("#password", PW).await;
        self.fill("#confirmation", PW).await;
        self.click("form[action$='/review'] button[type=submit]")
            .await;
        self.shot("invitation-review").await;
        let text = self.text().await;
        assert!(text.contains("登録内容の確認"), "{text}");
        self.click("form:not([action$='/review']) button[type=submit]")
            .await;
        assert_eq!(self.path().await, "/invitation-accepted");
        self.shot("invitation-done").await;
    }

    /// Enrols the authenticator app at the second-factor step: returns the secret and the
    /// step its first code was used in.
    pub(crate) async fn enrol_totp(&mut self) -> (TotpSecret, i64) {
        assert_eq!(self.path().await, "/sign-in/step");
        self.shot("second-factor-choice").await;
        self.click("form[action='/sign-in/totp'] button").await;
        assert_eq!(self.path().await, "/sign-in/totp");
        self.shot("totp-enrolment").await;
        let text = self.inner("#totp-secret").await;
        let secret = TotpSecret::from_bytes(
            &data_encoding::BASE32_NOPAD
                .decode(text.replace(' ', "").trim().as_bytes())
                .unwrap(),
        );
        let now = wall_clock();
        self.fill("#code", &totp_code_at(&secret, now)).await;
        self.click("form[action='/sign-in/enrol'] button[type=submit]")
            .await;
        let recovery = self.inner("#recovery-code").await;
        assert_eq!(recovery.len(), 19, "a recovery code is shown once (T3)");
        self.shot("recovery-code").await;
        self.check("#saved").await;
        self.click("form[action='/sign-in/recovery/confirm'] button[type=submit]")
            .await;
        (secret, step_of(now))
    }
}

#[allow(clippy::disallowed_methods)] // The real binary reads the real clock; so must its user.
fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn step_of(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp() / TOTP_STEP_SECONDS as i64
}

/// A TOTP code of a step after `used` (a code is never accepted twice for one step, T7).
pub(crate) async fn next_code(secret: &TotpSecret, used: i64) -> String {
    loop {
        let now = wall_clock();
        if step_of(now) > used {
            return totp_code_at(secret, now);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walk_through_the_real_binary() {
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start().await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "basic").await;
    let base = server.base.clone();

    // Invitation → password registration (I2).
    let link = server.create_contract("owner@example.co.jp", "basic").await;
    assert!(link.starts_with(&base), "{link} is served by {base}");
    b.register(&link).await;

    // Sign-in, with the password toggle of the script.
    b.click("a.button[href='/sign-in']").await;
    b.shot("sign-in").await;
    let password = b.client.find(Locator::Css("#password")).await.unwrap();
    let toggle = b
        .client
        .find(Locator::Css("#password + button.toggle"))
        .await
        .unwrap();
    assert!(
        toggle.is_displayed().await.unwrap(),
        "the script shows the toggle"
    );
    toggle.click().await.unwrap();
    assert_eq!(
        password.attr("type").await.unwrap().as_deref(),
        Some("text")
    );
    toggle.click().await.unwrap();
    assert_eq!(
        password.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    b.sign_in("/sign-in", "owner@example.co.jp", PW).await;

    // Authenticator enrolment and the recovery code (T1–T3).
    let (secret, used) = b.enrol_totp().await;
    assert_eq!(b.path().await, "/home");
    assert!(b.text().await.contains("山田") || b.text().await.contains("owner@example.co.jp"));
    b.shot("home").await;

    // The sessions list and the admin console.
    b.goto(&format!("{base}/sessions")).await;
    b.shot("sessions").await;
    b.goto(&format!("{base}/admin")).await;
    assert!(b.text().await.contains("owner@example.co.jp"));
    b.shot("admin-users").await;
    b.goto(&format!("{base}/home")).await;

    // Sign-out.
    b.click("form[action='/sign-out'] button").await;
    assert_eq!(b.path().await, "/sign-in");
    assert!(b.text().await.contains("ログアウトしました"));

    // Ten wrong passwords lock the account; the right one is then refused alike (L2, L4, L5).
    for _ in 0..10 {
        b.sign_in("/sign-in", "owner@example.co.jp", "Wrong-2024")
            .await;
        assert!(
            b.text()
                .await
                .contains("メールアドレスまたはパスワードが正しくありません")
        );
    }
    b.sign_in("/sign-in", "owner@example.co.jp", PW).await;
    assert_eq!(
        b.path().await,
        "/sign-in",
        "locked: the right password is refused"
    );
    b.shot("sign-in-refused").await;

    // The unlock link from the mail outbox: a page with a button; the GET unlocks nothing.
    let unlock = server.link_in_outbox("/unlock/").await;
    b.goto(&unlock).await;
    b.shot("unlock").await;
    b.click("form[action^='/unlock/'] button").await;
    assert!(b.text().await.contains("ロックを解除しました"));
    b.sign_in("/sign-in", "owner@example.co.jp", PW).await;
    assert_eq!(b.path().await, "/sign-in/step");
    b.shot("totp-challenge").await;
    b.fill("#code", &next_code(&secret, used).await).await;
    b.click("form[action='/sign-in/challenge'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/home");

    // The English pages.
    b.goto(&format!("{base}/lang/en?back=/sessions")).await;
    assert!(b.text().await.contains("Signed-in devices"));
    b.shot("sessions-en").await;

    let _ = b.client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_free_trial_owner_sees_exactly_its_settings_items() {
    let (chromium, driver_path) = browser_tools();
    let server = Tobira::start().await;
    let driver = Driver::start(&driver_path).await;
    let mut b = Browser::open(&driver, &chromium, "trial").await;
    let base = server.base.clone();

    let link = server.create_contract("trial@example.co.jp", "trial").await;
    b.register(&link).await;
    // The settings menu has its own sign-in, with the same second factor (S2).
    b.goto(&format!("{base}/settings/sign-in")).await;
    b.shot("settings-sign-in").await;
    b.sign_in("/settings/sign-in", "trial@example.co.jp", PW)
        .await;
    b.enrol_totp().await;
    assert_eq!(b.path().await, "/settings");
    b.shot("settings-menu").await;
    let items = b
        .client
        .find_all(Locator::Css("#settings-items a"))
        .await
        .unwrap();
    let mut hrefs = Vec::new();
    for item in items {
        hrefs.push(item.attr("href").await.unwrap().unwrap());
    }
    assert_eq!(
        hrefs,
        [
            "/settings/password",
            "/settings/access-route",
            "/settings/two-factor",
            "/settings/active-directory",
            "/settings/plan",
        ],
        "a FreeTrial owner's items (S1)"
    );
    for (path, name) in [
        ("/settings/two-factor", "settings-two-factor"),
        ("/settings/plan", "settings-plan"),
        ("/settings/password", "settings-password"),
    ] {
        b.goto(&format!("{base}{path}")).await;
        b.shot(name).await;
    }
    // An item outside the menu is refused.
    b.goto(&format!("{base}/settings/cancel")).await;
    assert!(b.text().await.contains("権限"), "{}", b.text().await);

    // At phone width the forms still fit.
    b.client.set_window_size(390, 844).await.unwrap();
    b.goto(&format!("{base}/settings/password")).await;
    b.shot("settings-password-phone").await;

    let _ = b.client.close().await;
}
