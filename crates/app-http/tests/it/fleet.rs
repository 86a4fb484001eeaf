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
