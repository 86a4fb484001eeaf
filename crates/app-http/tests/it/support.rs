//! A browser-like client for the in-process router: it keeps cookies and sends JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use app_http::config::Config;
use app_http::http::{Listener, router};
use app_http::state::AppState;
use auth_core::testing::{MemoryStore, TestWorld};

/// An app around the in-memory store and test doubles.
pub struct TestApp {
    pub world: TestWorld<MemoryStore>,
    pub app: Router,
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    pub fn with_config(config: Config) -> Self {
        let world = TestWorld::new();
        let state = AppState::new(world.auth.clone(), world.store.clone(), config);
        let app = router(state, Listener::Internet);
        Self { world, app }
    }

    /// An app offering federated sign-in through `providers`, its clock at the real time (ID
    /// tokens carry real times).
    #[allow(clippy::disallowed_methods)]
    pub fn with_providers(
        providers: Arc<dyn auth_core::ports::IdentityProviders>,
        listener: Listener,
    ) -> Self {
        let world = TestWorld::new();
        world.clock.set(chrono::Utc::now());
        let auth = world.auth.clone().with_identity_providers(providers);
        let state = AppState::new(auth, world.store.clone(), Config::default());
        let app = router(state, listener);
        Self { world, app }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            app: self.app.clone(),
            cookies: BTreeMap::new(),
            headers: Vec::new(),
            peer: None,
        }
    }
}

/// A response.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

pub struct Browser {
    app: Router,
    pub cookies: BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
    /// The client's socket address, as a real listener would report it.
    pub peer: Option<std::net::SocketAddr>,
}

impl Browser {
    /// A browser on a router of its own (for instance the line listener's).
    pub fn on(app: Router) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
            headers: Vec::new(),
            peer: None,
        }
    }

    /// The same browser, cookies and all, now talking to `app`.
    pub fn switch_to(&mut self, app: Router) {
        self.app = app;
    }

    pub fn at_address(mut self, peer: &str) -> Self {
        self.peer = Some(peer.parse().unwrap());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&mut self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", cookie);
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let mut req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for set in headers.get_all("set-cookie") {
            let text = set.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
        }
    }
}

#[allow(dead_code)]
pub fn shared<T>(t: T) -> Arc<T> {
    Arc::new(t)
}

/// An HTML answer.
pub struct PageReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl PageReply {
    /// Where a redirect leads.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The text between `start` and the next `end` after it.
    pub fn between(&self, start: &str, end: &str) -> Option<String> {
        let from = self.body.find(start)? + start.len();
        let to = self.body[from..].find(end)? + from;
        Some(self.body[from..to].to_owned())
    }
}

impl Browser {
    /// GET a page.
    pub async fn page(&mut self, path: &str) -> PageReply {
        self.raw(Method::GET, path, None).await
    }

    /// POST a form with the CSRF token of the browser's cookie, as the pages' forms do.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> PageReply {
        let token = self.cookies.get("tobira_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.raw(Method::POST, path, Some(body)).await
    }

    /// POST a form without any CSRF token.
    pub async fn submit_without_token(&mut self, path: &str, fields: &[(&str, &str)]) -> PageReply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.raw(Method::POST, path, Some(body)).await
    }

    /// GET where a redirect leads.
    pub async fn follow(&mut self, reply: &PageReply) -> PageReply {
        let to = reply.location().expect("a redirect").to_owned();
        self.page(&to).await
    }

    /// A request whose body (if any) is a URL-encoded form; the answer as text.
    pub async fn raw(&mut self, method: Method, path: &str, form: Option<String>) -> PageReply {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", cookie);
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let mut req = match form {
            Some(b) => req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(b))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for set in headers.get_all("set-cookie") {
            let text = set.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        PageReply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// The token of the newest queued mail's link, among mails whose kind `pick` accepts.
pub fn newest_link(
    world: &TestWorld<MemoryStore>,
    pick: impl Fn(&auth_core::domain::MailKind) -> Option<&auth_core::domain::TicketLink>,
) -> Option<String> {
    world
        .store
        .queued_mail()
        .iter()
        .rev()
        .find_map(|m| pick(&m.kind).map(|l| l.token.expose().to_string()))
}
