//! Several instances of the app on one store: the configuration a fleet needs, shared rate
//! limits, and connection handling of one instance.

use axum::http::StatusCode;
use serde_json::json;

use app_http::config::Config;
use app_http::http::{Listener, router};
use app_http::state::AppState;
use auth_core::testing::TestWorld;

use crate::support::TestApp;

const PW: &str = "Kumo-2024";

/// Two instances listening on their own addresses behind one public URL accept a form posted
/// from the public origin and refuse their own addresses as origins.
#[tokio::test]
async fn the_origin_check_compares_with_the_public_url_on_every_instance() {
    let world = TestWorld::new();
    world.basic_owner().await;
    for listen in ["10.0.0.11:8080", "10.0.0.12:8080"] {
        let config = Config {
            listen: listen.parse().unwrap(),
            public_url: Some("https://files.example.jp/".into()),
            line_public_url: Some("https://line.example.jp".into()),
            ..Config::default()
        };
        let state = AppState::new(world.auth.clone(), world.store.clone(), config);
        let app = TestApp {
            world: TestWorld::new(),
            app: router(state, Listener::Internet),
        };
        for (origin, allowed) in [
            ("https://files.example.jp", true),
            ("https://line.example.jp", true),
            (&format!("http://{listen}")[..], false),
            ("https://evil.example", false),
        ] {
            let mut b = app.browser().header("origin", origin);
            let r = b
                .post(
                    "/api/sign-in",
                    json!({"email": "owner@example.co.jp", "password": PW}),
                )
                .await;
            if allowed {
                assert_eq!(r.status, StatusCode::OK, "{listen} {origin}: {}", r.json);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{listen} {origin}");
            }
        }
    }
}

/// `database_pool_size` reaches the store's pool.
#[tokio::test]
async fn the_pool_size_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        database_pool_size: 3,
        ..Config::default()
    };
    let store = app_http::wiring::open_store(&config).await.unwrap();
    let shown = format!("{store:?}");
    assert!(shown.contains("max_size: 3"), "{shown}");
}

/// A schema of its own on the test PostgreSQL server, dropped on drop.
struct PgSchema {
    admin: String,
    name: String,
    url: String,
}

impl PgSchema {
    fn new() -> Self {
        let admin = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("tobira_fleet_{}", uuid::Uuid::new_v4().simple());
        let ok = std::process::Command::new("psql")
            .arg(&admin)
            .args(["-qc", &format!("CREATE SCHEMA {name}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "PostgreSQL must be reachable at {admin}");
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Self { admin, name, url }
    }

    async fn store(&self) -> std::sync::Arc<adapter_postgres::DieselStore> {
        let store = adapter_postgres::DieselStore::connect(
            &self.url,
            adapter_postgres::PoolSettings::default(),
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        std::sync::Arc::new(store)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .arg(&self.admin)
            .args([
                "-qc",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .status();
    }
}

/// X5: two instances (two app states, each with its own in-process limiter) on one PostgreSQL
/// store give one client address the configured allowance in total, not twice it; another
/// address keeps its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x5_two_instances_on_one_store_share_one_allowance() {
    let schema = PgSchema::new();
    let store = schema.store().await;
    let world = TestWorld::with_store(store.clone());
    let config = Config {
        database_url: Some(schema.url.clone()),
        rate_limit_per_minute: 5,
        ..Config::default()
    };
    assert!(config.shared_store());
    let instances: Vec<TestApp> = (0..2)
        .map(|_| TestApp {
            world: TestWorld::new(),
            app: router(
                AppState::new(world.auth.clone(), store.clone(), config.clone()),
                Listener::Internet,
            ),
        })
        .collect();
    let mut browsers: Vec<_> = instances
        .iter()
        .map(|i| i.browser().at_address("203.0.113.9:40000"))
        .collect();
    let mut allowed = 0;
    for round in 0..12 {
        let r = browsers[round % 2]
            .post(
                "/api/sign-in",
                json!({"email": "nobody@example.co.jp", "password": "wrong-Pass1"}),
            )
            .await;
        match r.status {
            StatusCode::TOO_MANY_REQUESTS => {}
            StatusCode::UNAUTHORIZED => allowed += 1,
            other => panic!("unexpected {other}: {}", r.json),
        }
    }
    assert_eq!(allowed, 5, "one allowance across both instances");
    let mut other = instances[1].browser().at_address("203.0.113.10:40000");
    let r = other
        .post(
            "/api/password/forgot",
            json!({"email": "nobody@example.co.jp"}),
        )
        .await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.json);
}

/// Starts the accept loop of the real binary on a free loopback port, around the in-memory app.
async fn serving(
    settings: app_http::server::ServeSettings,
) -> (
    std::net::SocketAddr,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let world = TestWorld::new();
    let state = AppState::new(world.auth.clone(), world.store.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(app_http::server::serve(
        listener,
        router(state, Listener::Internet),
        settings,
        stopped,
    ));
    (address, stop, task)
}

/// Reads until the server closes the connection (or fails it); returns what was read, or
/// `None` if it stayed open for `within`.
async fn closed_within(
    stream: &mut tokio::net::TcpStream,
    within: std::time::Duration,
) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok()
    .map(|()| read)
}

/// A client that sends a request's headers a line at a time is disconnected once the header
/// timeout passes, and so is a kept-alive connection with no next request.
#[tokio::test]
async fn slow_headers_and_idle_keep_alive_connections_time_out() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt as _;
    let (address, stop, task) = serving(app_http::server::ServeSettings {
        header_read_timeout: Duration::from_secs(1),
        max_connections: 16,
    })
    .await;

    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        for n in 0..40 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow
                .write_all(format!("X-Line-{n}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), trickle)
        .await
        .unwrap();
    let reply = closed_within(&mut slow, Duration::from_secs(5)).await;
    let reply = reply.expect("the slow client is disconnected");
    assert!(!String::from_utf8_lossy(&reply).contains("200 OK"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let reply = closed_within(&mut idle, Duration::from_secs(5))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() < Duration::from_secs(4));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}

/// Connections beyond the cap wait unanswered while the cap is full; the server keeps serving
/// the connections it holds, and the waiting one is served once another closes.
#[tokio::test]
async fn connections_beyond_the_cap_wait_and_the_server_stays_responsive() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt as _;
    let (address, stop, task) = serving(app_http::server::ServeSettings {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
    })
    .await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // Two slow clients hold the cap.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(address).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut waiting = tokio::net::TcpStream::connect(address).await.unwrap();
    waiting.write_all(request).await.unwrap();
    assert!(
        closed_within(&mut waiting, Duration::from_millis(700))
            .await
            .is_none(),
        "beyond the cap a connection is not served"
    );
    // A held connection completes its request and is answered: the server is responsive.
    let mut first = held.remove(0);
    first
        .write_all(b"Host: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let reply = closed_within(&mut first, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));
    // Its slot went to the waiting connection.
    let reply = closed_within(&mut waiting, Duration::from_secs(5))
        .await
        .expect("the waiting connection is served once a slot is free");
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));
    drop(held);
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
}

/// X5: sending an invitation (and sending it again) is limited per client address by the same
/// limiter as sign-in, on the API and on the page; listing users and showing the form are not.
#[tokio::test]
async fn x5_sending_an_invitation_is_rate_limited_per_client_address_on_api_and_page() {
    let app = TestApp::with_config(Config {
        rate_limit_per_minute: 2,
        ..Config::default()
    });
    let mut b = app.browser().at_address("198.51.100.21:50000");
    for _ in 0..2 {
        b.post(
            "/api/sign-in",
            json!({"email": "x@example.co.jp", "password": "y"}),
        )
        .await;
    }
    for path in [
        "/api/admin/users",
        "/api/admin/invitations/0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b65/resend",
    ] {
        let r = b.post(path, json!({})).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    for path in [
        "/admin/invite",
        "/admin/invitations/0190b7c2-6f3e-7a41-9c55-3d2e1f0a8b65/resend",
    ] {
        let r = b
            .raw(axum::http::Method::POST, path, Some(String::new()))
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }
    // Reading is not limited: the list answers "not signed in", the form page redirects.
    assert_eq!(
        b.get("/api/admin/users").await.status,
        StatusCode::UNAUTHORIZED
    );
    let form = b.raw(axum::http::Method::GET, "/admin/invite", None).await;
    assert_ne!(form.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address keeps its own allowance.
    let mut other = app.browser().at_address("198.51.100.22:50000");
    let r = other.post("/api/admin/users", json!({})).await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.json);
}

// ---------------------------------------------------------------------------------------------
// Three real `tobira serve` processes on one PostgreSQL database and one SMTP server.
// ---------------------------------------------------------------------------------------------

mod processes {
    use std::path::{Path, PathBuf};
    use std::process::Stdio;
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt, BufReader};
    use tokio::process::{Child, Command};

    use auth_core::domain::{TotpSecret, totp_code_at};

    use super::PW;

    fn support(file: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/support")
            .join(file)
    }

    /// Runs a support script that prints one path; panics (fails the test) if it cannot.
    fn path_from(script: &str, var: &str) -> PathBuf {
        if let Some(p) = std::env::var_os(var) {
            return PathBuf::from(p);
        }
        let out = std::process::Command::new("bash")
            .arg(support(script))
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
        assert!(out.status.success(), "{script} failed ({})", out.status);
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    }

    /// The Python interpreter that has aiosmtpd (`tests/support/smtp.sh`).
    fn smtp_python() -> &'static Path {
        static P: OnceLock<PathBuf> = OnceLock::new();
        P.get_or_init(|| path_from("smtp.sh", "TOBIRA_SMTP_PYTHON"))
    }

    /// libfaketime's preload library (`tests/support/faketime.sh`).
    fn faketime() -> &'static Path {
        static P: OnceLock<PathBuf> = OnceLock::new();
        P.get_or_init(|| path_from("faketime.sh", "TOBIRA_FAKETIME_LIB"))
    }

    #[allow(clippy::disallowed_methods)] // TOTP codes are computed for the real time
    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }

    /// `psql -Atqc`: the output, or `None` when the statement failed.
    fn psql(url: &str, sql: &str) -> Option<String> {
        let out = std::process::Command::new("psql")
            .arg(url)
            .args(["-Atqc", sql])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// A database of its own on the test PostgreSQL server, dropped on drop.
    pub struct Database {
        admin: String,
        name: String,
        pub url: String,
    }

    impl Database {
        pub fn new() -> Self {
            let admin = std::env::var("DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let name = format!("tobira_fleet_{}", uuid::Uuid::new_v4().simple());
            assert!(
                psql(&admin, &format!("CREATE DATABASE {name}")).is_some(),
                "PostgreSQL must be reachable at {admin} (tests/support/postgres.sh starts one)"
            );
            let url = match admin.rsplit_once('/') {
                Some((prefix, _)) => format!("{prefix}/{name}"),
                None => panic!("DATABASE_URL has no database name"),
            };
            Self { admin, name, url }
        }

        /// One value the statement answers, as text.
        pub fn query(&self, sql: &str) -> String {
            psql(&self.url, sql).unwrap_or_else(|| panic!("{sql}"))
        }

        pub fn execute(&self, sql: &str) {
            self.query(sql);
        }

        /// Drops the database under the running instances (their connections are ended).
        pub fn drop_now(&self) {
            psql(
                &self.admin,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            )
            .expect("the database is dropped");
        }

        /// Waits until the database's clock is early enough in its minute that a burst of
        /// requests falls into one fixed rate-limit window (bounded: at most a minute).
        pub async fn wait_for_a_fresh_minute(&self) {
            let second: f64 = self
                .query("SELECT extract(second FROM clock_timestamp())")
                .parse()
                .unwrap();
            if second > 45.0 {
                tokio::time::sleep(Duration::from_secs_f64(60.5 - second)).await;
            }
        }
    }

    impl Drop for Database {
        fn drop(&mut self) {
            let _ = psql(
                &self.admin,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            );
        }
    }

    /// aiosmtpd on a loopback port taking `delay` over every message
    /// (`tests/support/slow_smtp.py`); killed on drop.
    pub struct SlowSmtp {
        child: Child,
        pub port: u16,
        dir: tempfile::TempDir,
    }

    impl SlowSmtp {
        pub async fn start(delay: Duration) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let mut child = Command::new(smtp_python())
                .arg(support("slow_smtp.py"))
                .arg(port.to_string())
                .arg(dir.path())
                .arg(delay.as_secs_f64().to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
                .await
                .expect("the SMTP server starts in time")
                .unwrap();
            assert!(ready.is_some_and(|l| l.starts_with("ready")));
            Self { child, port, dir }
        }

        fn lines(&self, file: &str) -> Vec<String> {
            std::fs::read_to_string(self.dir.path().join(file))
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect()
        }

        /// The recipients of every accepted message, one entry per message.
        pub fn accepted(&self) -> Vec<String> {
            self.lines("accepted")
        }

        /// While on, no message is accepted (sends wait at the end of their delay).
        pub fn hold(&self, on: bool) {
            let hold = self.dir.path().join("hold");
            if on {
                std::fs::write(hold, b"").unwrap();
            } else {
                std::fs::remove_file(hold).unwrap();
            }
        }
    }

    impl Drop for SlowSmtp {
        fn drop(&mut self) {
            let _ = self.child.start_kill();
        }
    }

    /// A running `tobira serve`, killed on drop.
    pub struct Instance {
        child: Child,
        pub base: String,
        pub pid: u32,
        _data_dir: tempfile::TempDir,
    }

    /// How the instances of a test are configured.
    #[derive(Clone, Default)]
    pub struct Settings {
        pub database_url: String,
        pub rate_limit_per_minute: u32,
        pub smtp_port: Option<u16>,
        pub mail_lease_seconds: Option<u64>,
        /// libfaketime's offset for this instance's clock, e.g. `+6m`.
        pub clock_offset: Option<&'static str>,
    }

    fn tobira(data_dir: &Path, settings: &Settings) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tobira"));
        cmd.arg("--data-dir")
            .arg(data_dir)
            .env_remove("TOBIRA_CONFIG")
            .env("RUST_LOG", "warn")
            .env("TOBIRA_DATABASE_URL", &settings.database_url)
            .env("TOBIRA_DATABASE_POOL_SIZE", "4")
            .env(
                "TOBIRA_RATE_LIMIT_PER_MINUTE",
                settings.rate_limit_per_minute.max(1).to_string(),
            )
            .kill_on_drop(true);
        if let Some(port) = settings.smtp_port {
            cmd.env("TOBIRA_SMTP__HOST", "127.0.0.1")
                .env("TOBIRA_SMTP__PORT", port.to_string())
                .env("TOBIRA_SMTP__SECURITY", "none")
                .env("TOBIRA_SMTP__FROM_ADDRESS", "no-reply@tobira.example.jp");
        }
        if let Some(lease) = settings.mail_lease_seconds {
            cmd.env("TOBIRA_MAIL_LEASE_SECONDS", lease.to_string());
        }
        if let Some(offset) = settings.clock_offset {
            cmd.env("LD_PRELOAD", faketime())
                .env("FAKETIME", offset)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        cmd
    }

    impl Instance {
        /// Starts the binary on a free loopback port; `Err` with its error output when it
        /// exits instead of listening.
        pub async fn start(settings: &Settings) -> Result<Self, String> {
            let data_dir = tempfile::tempdir().unwrap();
            let err_path = data_dir.path().join("stderr");
            let mut child = tobira(data_dir.path(), settings)
                .args(["serve", "--listen", "127.0.0.1:0"])
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&err_path).unwrap())
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let base = tokio::time::timeout(Duration::from_secs(60), async {
                while let Some(line) = lines.next_line().await.unwrap() {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        return Some(url.trim().to_owned());
                    }
                }
                None
            })
            .await
            .expect("the instance starts or exits in time");
            // Keep reading its output so that it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            match base {
                Some(base) => Ok(Self {
                    child,
                    base,
                    pid,
                    _data_dir: data_dir,
                }),
                None => {
                    let _ = child.wait().await;
                    Err(std::fs::read_to_string(&err_path).unwrap_or_default())
                }
            }
        }

        /// Three instances; the third with `settings.clock_offset`, the others on the real
        /// clock.
        pub async fn three(settings: &Settings) -> Vec<Self> {
            let mut plain = settings.clone();
            plain.clock_offset = None;
            let mut all = Vec::new();
            for s in [&plain, &plain, settings] {
                all.push(Self::start(s).await.expect("the instance starts"));
            }
            all
        }

        /// `kill -9`, and waits until the process is gone.
        pub async fn kill(&mut self) {
            self.child.kill().await.unwrap();
        }

        /// The lease owner this process's outbox worker uses, as a `LIKE` pattern.
        pub fn lease_owner_pattern(&self) -> String {
            format!("tobira-{}-%", self.pid)
        }
    }

    /// `tobira contract create`: queues the owner's invitation mail; returns its token.
    pub async fn create_contract(settings: &Settings, owner: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let out = tobira(dir.path(), settings)
            .args([
                "contract",
                "create",
                "--owner-email",
                owner,
                "--plan",
                "basic",
            ])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let link = text
            .lines()
            .find_map(|l| l.split_whitespace().find(|w| w.contains("/invitation/")))
            .expect("an invitation link");
        link.rsplit('/').next().unwrap().to_owned()
    }

    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    /// A request; the status and the JSON body (null when there is none).
    pub async fn call(
        client: &reqwest::Client,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = client.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    }

    /// The owner of the contract `token` invites to accepts it at `base`, enrols an
    /// authenticator and is signed in: the client holds the session's cookie.
    pub async fn signed_in_owner(base: &str, token: &str, email: &str) -> reqwest::Client {
        let client = client();
        let post = |path: &str, body: Value| {
            call(
                &client,
                reqwest::Method::POST,
                format!("{base}{path}"),
                Some(body),
            )
        };
        let (s, v) = post(
            &format!("/api/invitation/{token}"),
            json!({"method": "password", "password": PW, "confirmation": PW}),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = post("/api/sign-in", json!({"email": email, "password": PW})).await;
        assert_eq!((s, &v["step"]["kind"]), (200, &json!("enrol")), "{v}");
        let (_, offer) = post("/api/sign-in/totp", json!({})).await;
        let secret = TotpSecret::from_bytes(
            &data_encoding::BASE32_NOPAD
                .decode(offer["secret"].as_str().unwrap().as_bytes())
                .unwrap(),
        );
        let (s, v) = post(
            "/api/sign-in/enrol",
            json!({"code": totp_code_at(&secret, now())}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = post("/api/sign-in/recovery/confirm", json!({"saved": true})).await;
        assert_eq!(s, 200, "{v}");
        client
    }

    /// Polls `done` every 100 ms for at most `within`; returns how long it took, or `None`.
    pub async fn within(within: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < within {
            if done() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        done().then(|| started.elapsed())
    }
}

use processes::{Database, Instance, Settings, SlowSmtp, call, create_contract};

/// X5: three real instances on one PostgreSQL database give one client address the configured
/// allowance in total, not three times it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x5_three_instances_share_one_allowance() {
    let db = Database::new();
    let settings = Settings {
        database_url: db.url.clone(),
        rate_limit_per_minute: 5,
        ..Settings::default()
    };
    let instances = Instance::three(&settings).await;
    let client = processes::client();
    db.wait_for_a_fresh_minute().await;
    let mut allowed = Vec::new();
    for round in 0..15 {
        let (status, body) = call(
            &client,
            reqwest::Method::POST,
            format!("{}/api/sign-in", instances[round % 3].base),
            Some(json!({"email": "nobody@example.co.jp", "password": "wrong-Pass1"})),
        )
        .await;
        match status {
            429 => {}
            401 => allowed.push(round % 3),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(
        allowed.len(),
        5,
        "one allowance across three instances, not three: allowed at {allowed:?}"
    );
}

/// X6: 30 mails through three instances, one of them with its clock 6 minutes ahead, an SMTP
/// server taking 1.5 s over every mail (a round outlives the 6 s lease, so leases must be
/// renewed), and a `kill -9` of the instance holding the most mail while its sends are in
/// progress: every mail arrives exactly once, and the killed instance's mail goes out from the
/// others within the lease (plus a polling interval and the sends themselves).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x6_each_mail_arrives_once_through_three_instances_despite_a_fast_clock_and_a_kill() {
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};
    const MAILS: usize = 30;
    const LEASE: u64 = 6;
    let delay = Duration::from_millis(1500);
    let db = Database::new();
    let smtp = SlowSmtp::start(delay).await;
    let settings = Settings {
        database_url: db.url.clone(),
        rate_limit_per_minute: 1000,
        smtp_port: Some(smtp.port),
        mail_lease_seconds: Some(LEASE),
        clock_offset: Some("+6m"),
    };
    let mut instances = Instance::three(&settings).await;

    // The third instance's clock is six minutes ahead (its answers' Date header says so).
    let client = processes::client();
    let mut dates = Vec::new();
    for i in &instances {
        let res = client
            .get(format!("{}/healthz", i.base))
            .send()
            .await
            .unwrap();
        let date = res.headers()["date"].to_str().unwrap().to_owned();
        dates.push(chrono::DateTime::parse_from_rfc2822(&date).unwrap());
    }
    let ahead = dates[2] - dates[0];
    assert!(
        ahead > chrono::Duration::minutes(5) && ahead < chrono::Duration::minutes(7),
        "clock offset {ahead}"
    );

    // Queue the mails (one invitation per new contract), a few at a time, while the three
    // workers claim them.
    let recipients: Vec<String> = (0..MAILS)
        .map(|n| format!("owner{n:02}@fleet.example.jp"))
        .collect();
    // Every other one is queued on the fast clock, as the fast instance would queue it (the
    // store keeps its due time at the database's clock at the latest).
    for (n, chunk) in recipients.chunks(6).enumerate() {
        let mut queued = tokio::task::JoinSet::new();
        for (k, r) in chunk.iter().enumerate() {
            let mut settings = settings.clone();
            if (n * 6 + k) % 2 == 1 {
                settings.clock_offset = None;
            }
            let r = r.clone();
            queued.spawn(async move { create_contract(&settings, &r).await });
        }
        queued.join_all().await;
    }

    // Wait for a moment when one instance holds unsent mail, then stop acceptances at the
    // SMTP server so that no reply is on its way while the instance dies.
    let held_by = |i: &Instance| -> usize {
        db.query(&format!(
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND leased_by LIKE '{}' \
             AND leased_until > now()",
            i.lease_owner_pattern()
        ))
        .parse()
        .unwrap()
    };
    let mut victim = None;
    let waited = processes::within(Duration::from_secs(30), || {
        let held: Vec<usize> = instances.iter().map(held_by).collect();
        let (most, count) = held
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map(|(i, c)| (i, *c))
            .unwrap();
        victim = Some(most);
        count >= 2 && !smtp.accepted().is_empty()
    })
    .await;
    assert!(waited.is_some(), "no instance held mail mid-batch");
    let victim = victim.unwrap();
    smtp.hold(true);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let held = held_by(&instances[victim]);
    let accepted_before = smtp.accepted().len();
    instances[victim].kill().await;
    let killed = Instant::now();
    smtp.hold(false);
    assert!(held > 0, "the killed instance held unsent mail");

    // The rest arrive: the killed instance's mail once its leases ran out.
    let bound = Duration::from_secs(LEASE) + app_http::worker::DELIVERY_INTERVAL + delay * 6;
    let all = processes::within(bound + Duration::from_secs(20), || {
        smtp.accepted().len() >= MAILS
    })
    .await
    .map(|_| killed.elapsed());
    // Anything sent twice would arrive within another send's time.
    tokio::time::sleep(delay + Duration::from_secs(2)).await;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in smtp.accepted() {
        *counts.entry(line).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = recipients
        .iter()
        .filter(|r| !counts.contains_key(*r))
        .collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert!(
        missing.is_empty(),
        "never sent: {missing:?}\n{}",
        db.query(
            "SELECT string_agg(concat_ws(' ', recipient, state, attempts, next_attempt_at, \
             leased_by, leased_until, last_error), E'\\n') FROM outbox"
        )
    );
    assert_eq!(counts.len(), MAILS, "{counts:?}");
    let all = all.expect("every mail arrived");
    eprintln!(
        "instance {victim} killed holding {held} unsent mails ({accepted_before} of {MAILS} \
         accepted before); the rest arrived {all:?} after the kill (bound {bound:?})"
    );
    assert!(
        all <= bound,
        "the rest arrived {all:?} after the kill, beyond {bound:?}"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM outbox WHERE state <> 'sent'"),
        "0"
    );
}

/// L11: a session opened on one instance is good on all three; when the database is lost
/// under them, a session check on every instance answers 503 (try again), never 401 (signed
/// out), and `/readyz` names the failing check while `/healthz` stays cheap and up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l11_losing_the_database_is_503_on_every_instance_never_a_sign_out() {
    let db = Database::new();
    let settings = Settings {
        database_url: db.url.clone(),
        rate_limit_per_minute: 1000,
        ..Settings::default()
    };
    let instances = Instance::three(&settings).await;
    let token = create_contract(&settings, "owner@fleet.example.jp").await;
    let client =
        processes::signed_in_owner(&instances[0].base, &token, "owner@fleet.example.jp").await;
    for i in &instances {
        let (s, v) = call(
            &client,
            reqwest::Method::GET,
            format!("{}/api/session", i.base),
            None,
        )
        .await;
        assert_eq!(s, 200, "{}: {v}", i.base);
    }
    db.drop_now();
    for i in &instances {
        for path in ["/api/session", "/api/me", "/api/sessions"] {
            let (s, v) = call(
                &client,
                reqwest::Method::GET,
                format!("{}{path}", i.base),
                None,
            )
            .await;
            assert_eq!(s, 503, "{} {path}: {v}", i.base);
        }
        let (s, v) = call(
            &client,
            reqwest::Method::GET,
            format!("{}/readyz", i.base),
            None,
        )
        .await;
        assert_eq!(s, 503, "{v}");
        assert_eq!(v["checks"]["store"]["status"], "failing", "{v}");
        let (s, _) = call(
            &client,
            reqwest::Method::GET,
            format!("{}/healthz", i.base),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
}

/// Schema drift in a fleet: while three instances serve, a newer binary migrates the shared
/// database (an applied version this binary does not know); another instance of the older
/// binary then refuses to start, naming the version, and the running ones keep answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_instance_refuses_to_start_on_a_newer_schema() {
    let db = Database::new();
    let settings = Settings {
        database_url: db.url.clone(),
        rate_limit_per_minute: 1000,
        ..Settings::default()
    };
    let instances = Instance::three(&settings).await;
    db.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')");
    let refused = Instance::start(&settings)
        .await
        .err()
        .expect("an instance on a newer schema refuses to start");
    assert!(
        refused.contains("29991231000000") && refused.contains("newer than this binary"),
        "{refused}"
    );
    let client = processes::client();
    for i in &instances {
        let (s, v) = call(
            &client,
            reqwest::Method::GET,
            format!("{}/readyz", i.base),
            None,
        )
        .await;
        assert_eq!(s, 200, "{}: {v}", i.base);
        assert_eq!(v["checks"]["store"]["status"], "ok", "{v}");
    }
}
