//! A small OpenID provider stand-in that a test controls, on loopback: its discovery document,
//! its key set (counting how often it is read) and its token endpoint (answering whatever ID
//! token the test signed, or garbage, a huge body, a redirect, or nothing at all). Plus the
//! signing helpers the attacks need: RS256 with a fixture key, HS256, and `alg: none`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::Mac as _;
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// The client registered at the stand-in.
pub(crate) const CLIENT_ID: &str = "tobira-client";
/// Its secret (also d-account's HS256 key).
pub(crate) const CLIENT_SECRET: &str = "client-secret-0123456789abcdef-0123456789abcdef";
/// The `kid` of the stand-in's signing key.
pub(crate) const KID: &str = "key-1";
/// The subject the stand-in signs in.
pub(crate) const SUBJECT: &str = "alice-248289761001";

/// The stand-in's signing key (a test-only key committed under `fixtures/`).
pub(crate) fn signing_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pkcs1_pem(include_str!("fixtures/signing-key.pem")).unwrap()
    })
}

/// A second key, unknown to the stand-in's key set (the forger's).
pub(crate) fn other_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pkcs1_pem(include_str!("fixtures/other-key.pem")).unwrap()
    })
}

/// base64url without padding.
pub(crate) fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The public JWK of `key`, with `kid` when given.
pub(crate) fn jwk(key: &RsaPublicKey, kid: Option<&str>) -> Value {
    let mut jwk = json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "n": b64(key.n().to_bytes_be()),
        "e": b64(key.e().to_bytes_be()),
    });
    if let Some(kid) = kid {
        jwk["kid"] = json!(kid);
    }
    jwk
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(serde_json::to_vec(header).unwrap()),
        b64(serde_json::to_vec(claims).unwrap())
    )
}

/// A compact JWS signed RS256 with `key`, header `{"alg":"RS256","typ":"JWT"}` plus `kid`.
pub(crate) fn rs256(key: &RsaPrivateKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = json!({"alg": "RS256", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let input = signing_input(&header, claims);
    let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(key.clone());
    let signature = signer.sign(input.as_bytes()).to_vec();
    format!("{input}.{}", b64(signature))
}

/// A compact JWS signed HS256 with `secret`.
pub(crate) fn hs256(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = json!({"alg": "HS256", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let input = signing_input(&header, claims);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

/// An unsigned token: `alg` as given (`none` and its spellings), empty signature.
pub(crate) fn unsigned(alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT"});
    format!("{}.", signing_input(&header, claims))
}

/// The claims of a valid ID token for [`CLIENT_ID`] issued at `now` by `issuer`.
pub(crate) fn claims(issuer: &str, nonce: &str, now: DateTime<Utc>) -> Value {
    json!({
        "iss": issuer,
        "sub": SUBJECT,
        "aud": CLIENT_ID,
        "exp": now.timestamp() + 600,
        "iat": now.timestamp(),
        "nonce": nonce,
        "email": "alice@example.test",
    })
}

/// What an endpoint answers.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    /// The endpoint's normal answer (discovery, key set).
    Normal,
    /// 200 with this JSON.
    Json(Value),
    /// 200, `application/json`, not JSON.
    Garbage,
    /// 200 with a body of this many bytes, its length announced.
    Huge(usize),
    /// 302 to this address.
    Redirect(String),
    /// This status with this JSON.
    Status(u16, Value),
    /// Never answers.
    Stall,
}

struct Inner {
    metadata_issuer: String,
    iss_parameter: bool,
    token_endpoint: Option<String>,
    discovery: Answer,
    jwks: Value,
    jwks_answer: Answer,
    token: Answer,
    token_requests: Vec<(Option<String>, String)>,
}

struct Shared {
    inner: Mutex<Inner>,
    requests: AtomicUsize,
    discovery_reads: AtomicUsize,
    jwks_reads: AtomicUsize,
    token_requests: AtomicUsize,
}

/// A running stand-in; stops with the test's runtime.
pub(crate) struct Hostile {
    /// `http://127.0.0.1:PORT`, also its default issuer.
    pub(crate) base: String,
    shared: Arc<Shared>,
}

impl Hostile {
    /// Starts a stand-in on an ephemeral loopback port, publishing [`signing_key`] as [`KID`].
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                metadata_issuer: base.clone(),
                iss_parameter: false,
                token_endpoint: None,
                discovery: Answer::Normal,
                jwks: json!({ "keys": [jwk(&signing_key().to_public_key(), Some(KID))] }),
                jwks_answer: Answer::Normal,
                token: Answer::Garbage,
                token_requests: Vec::new(),
            }),
            requests: AtomicUsize::new(0),
            discovery_reads: AtomicUsize::new(0),
            jwks_reads: AtomicUsize::new(0),
            token_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .fallback(other)
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, shared }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap()
    }

    /// The discovery URL.
    pub(crate) fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.base)
    }

    /// The issuer the discovery document names.
    pub(crate) fn set_metadata_issuer(&self, issuer: &str) {
        self.inner().metadata_issuer = issuer.to_owned();
    }

    /// Whether the discovery document advertises RFC 9207's `iss` parameter.
    pub(crate) fn set_iss_parameter(&self, on: bool) {
        self.inner().iss_parameter = on;
    }

    /// The token endpoint the discovery document names (default: this stand-in's).
    pub(crate) fn set_token_endpoint(&self, url: &str) {
        self.inner().token_endpoint = Some(url.to_owned());
    }

    /// What the discovery endpoint answers.
    pub(crate) fn set_discovery(&self, answer: Answer) {
        self.inner().discovery = answer;
    }

    /// The published key set.
    pub(crate) fn set_jwks(&self, keys: Vec<Value>) {
        self.inner().jwks = json!({ "keys": keys });
    }

    /// What the key-set endpoint answers.
    pub(crate) fn set_jwks_answer(&self, answer: Answer) {
        self.inner().jwks_answer = answer;
    }

    /// The token endpoint answers a bearer token with this ID token.
    pub(crate) fn answer_id_token(&self, id_token: &str) {
        self.inner().token = Answer::Json(json!({
            "access_token": "x",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }));
    }

    /// What the token endpoint answers.
    pub(crate) fn set_token(&self, answer: Answer) {
        self.inner().token = answer;
    }

    /// Every request received, on any path.
    pub(crate) fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// How often the discovery document was read.
    pub(crate) fn discovery_reads(&self) -> usize {
        self.shared.discovery_reads.load(Ordering::SeqCst)
    }

    /// How often the key set was read.
    pub(crate) fn jwks_reads(&self) -> usize {
        self.shared.jwks_reads.load(Ordering::SeqCst)
    }

    /// How many token requests arrived.
    pub(crate) fn token_request_count(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// The token requests received: `Authorization` header and form body.
    pub(crate) fn token_requests(&self) -> Vec<(Option<String>, String)> {
        self.inner().token_requests.clone()
    }
}

async fn render(answer: Answer) -> Response {
    match answer {
        Answer::Normal => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Answer::Json(value) => axum::Json(value).into_response(),
        Answer::Garbage => (
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>{ not json at all",
        )
            .into_response(),
        Answer::Huge(len) => {
            // Valid JSON if it were read whole: a string of `len - 2` letters.
            let mut body = vec![b'a'; len];
            body[0] = b'"';
            body[len - 1] = b'"';
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Answer::Status(code, value) => {
            (StatusCode::from_u16(code).unwrap(), axum::Json(value)).into_response()
        }
        Answer::Redirect(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        Answer::Stall => std::future::pending().await,
    }
}

async fn discovery(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    s.discovery_reads.fetch_add(1, Ordering::SeqCst);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let base = format!("http://{host}");
    let (answer, document) = {
        let inner = s.inner.lock().unwrap();
        let document = json!({
            "issuer": inner.metadata_issuer,
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": inner.token_endpoint.clone().unwrap_or(format!("{base}/token")),
            "jwks_uri": format!("{base}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
            "authorization_response_iss_parameter_supported": inner.iss_parameter,
        });
        (inner.discovery.clone(), document)
    };
    match answer {
        Answer::Normal => axum::Json(document).into_response(),
        other => render(other).await,
    }
}

async fn jwks(State(s): State<Arc<Shared>>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    s.jwks_reads.fetch_add(1, Ordering::SeqCst);
    let (answer, keys) = {
        let inner = s.inner.lock().unwrap();
        (inner.jwks_answer.clone(), inner.jwks.clone())
    };
    match answer {
        Answer::Normal => axum::Json(keys).into_response(),
        other => render(other).await,
    }
}

async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    s.token_requests.fetch_add(1, Ordering::SeqCst);
    let answer = {
        let mut inner = s.inner.lock().unwrap();
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        inner.token_requests.push((authorization, body));
        inner.token.clone()
    };
    render(answer).await
}

async fn other(State(s): State<Arc<Shared>>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    StatusCode::NOT_FOUND.into_response()
}

/// A loopback server speaking raw HTTP/1.1 for answers axum cannot misbehave with: it reads a
/// request head, writes `head`, then either `chunks` of a chunked body (closing afterwards) or,
/// with `stall`, keeps the connection open without another byte until the client leaves.
pub(crate) struct Raw {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    connections: Arc<AtomicUsize>,
}

impl Raw {
    /// A server answering a chunked `200` JSON body of `total` bytes in 16 KiB chunks.
    pub(crate) async fn chunked(total: usize) -> Self {
        Self::start(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
            total,
            false,
        )
        .await
    }

    /// A server sending the head and the first bytes of a promised body, then nothing.
    pub(crate) async fn stalled_body() -> Self {
        Self::start(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"access_token\":",
            0,
            true,
        )
        .await
    }

    async fn start(head: &'static str, total: usize, stall: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    // The request head (and a small form body) arrive in the first reads.
                    let mut seen = Vec::new();
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    if stall {
                        // Hold the connection until the client gives up.
                        while let Ok(n) = stream.read(&mut buf).await {
                            if n == 0 {
                                return;
                            }
                        }
                        return;
                    }
                    let chunk = vec![b' '; 16 * 1024];
                    let mut sent = 0;
                    while sent < total {
                        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                        frame.extend_from_slice(&chunk);
                        frame.extend_from_slice(b"\r\n");
                        if stream.write_all(&frame).await.is_err() {
                            return;
                        }
                        sent += chunk.len();
                    }
                    let _ = stream.write_all(b"0\r\n\r\n").await;
                });
            }
        });
        Self { base, connections }
    }

    /// How many connections arrived.
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// An address on loopback where nothing listens.
pub(crate) async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}
