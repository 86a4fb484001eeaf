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
