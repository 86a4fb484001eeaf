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
