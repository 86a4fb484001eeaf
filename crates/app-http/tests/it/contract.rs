//! The API contract: the OpenAPI document is valid and matches the routes, every failure under
//! `/api/` has the one error shape, and a bounded schemathesis run finds nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use auth_core::domain::{TotpSecret, totp_code_at};

use crate::e2e::Server;
use crate::support::TestApp;

/// Not the password of the document's examples (schemathesis sends those).
const PW: &str = "Sakura-7319";
/// The owner of the contract the real-binary tests use: not an address of the document's
/// examples, so that schemathesis' example requests do not lock it.
const OWNER: &str = "chief@example.co.jp";
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The Python interpreter with openapi-spec-validator and schemathesis:
/// `TOBIRA_OPENAPI_PYTHON`, or what `tests/support/openapi.sh` installs.
fn openapi_python() -> PathBuf {
    if let Some(p) = std::env::var_os("TOBIRA_OPENAPI_PYTHON") {
        return PathBuf::from(p);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/openapi.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .output()
        .expect("run tests/support/openapi.sh");
    assert!(
        out.status.success(),
        "tests/support/openapi.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

async fn document() -> Value {
    let app = TestApp::new();
    let r = app.browser().get("/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    r.json
}

/// A raw request to the in-process app: status and JSON body.
async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap())
        .uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    )
}

/// Asserts the app's error shape with `code`, and that the English message names no Rust type.
fn assert_error(status: StatusCode, json: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{json}");
    assert_eq!(json["error"]["code"], code, "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(!message.is_empty());
    for leak in ["struct", "expected", "Body", "serde", "::"] {
        assert!(!message.contains(leak), "{message}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_1() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = tokio::process::Command::new(openapi_python())
        .args(["-m", "openapi_spec_validator", "--schema", "3.1.0"])
        .arg(&file)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `#[utoipa::path]` in the HTTP sources: (method, path).
fn annotated_operations() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = vec![root.join("mod.rs")];
    for entry in std::fs::read_dir(root.join("api")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let mut ops = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(".route(\"/api") && !text.contains(".route(\"/healthz"),
            "{}: a route without its operation; use `routes!`",
            file.display()
        );
        for (at, _) in text.match_indices("#[utoipa::path(") {
            let rest = &text[at + "#[utoipa::path(".len()..];
            let method = rest.split(',').next().unwrap().trim().to_owned();
            let path = rest
                .split_once("path = \"")
                .unwrap()
                .1
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            ops.insert((method, path));
        }
    }
    ops
}

/// A concrete URL for a templated path.
fn concrete(path: &str) -> String {
    path.replace("{id}", "00000000-0000-0000-0000-000000000000")
        .replace("{token}", &"A".repeat(43))
        .replace("{provider}", "google")
        .replace("{line}", "CAF1234567890")
}

#[tokio::test]
async fn every_routed_operation_is_documented_and_every_documented_one_is_routed() {
    let doc = document().await;
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    // The sources' operations are exactly the document's.
    assert_eq!(annotated_operations(), documented);
    for p in ["/healthz", "/readyz", "/api/session"] {
        assert!(paths.contains_key(p), "{p}");
    }
    // Each documented operation is routed; each other method of its path is not (405), and
    // both answer the API's shape.
    let app = TestApp::new();
    let mut unrouted = Vec::new();
    for (path, item) in paths {
        let url = concrete(path);
        for method in METHODS {
            let (status, json, headers) = raw(
                &app,
                method,
                &url,
                &[("content-type", "application/json")],
                "{}",
            )
            .await;
            if !path.starts_with("/api/") {
                continue;
            }
            if item.get(method).is_some() {
                let code = json["error"]["code"].as_str().unwrap_or("");
                if code == "unknown_route" || code == "method_not_allowed" {
                    unrouted.push(format!("{method} {path}: {status} {json}"));
                }
            } else {
                assert_error(
                    status,
                    &json,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                );
                assert!(headers.contains_key("allow"), "{method} {path}");
            }
        }
    }
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:#?}"
    );
}

#[tokio::test]
async fn every_operation_has_a_unique_id_a_description_an_example_and_described_responses() {
    let doc = document().await;
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            for key in ["summary", "description"] {
                assert!(
                    op[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{method} {path}: no {key}"
                );
            }
            let mut examples = 0;
            if let Some(body) = op.get("requestBody") {
                assert!(
                    body["content"]["application/json"]["example"].is_object(),
                    "{method} {path}: request body without an example"
                );
                examples += 1;
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                assert!(
                    param.get("example").is_some(),
                    "{method} {path}: parameter {} without an example",
                    param["name"]
                );
                examples += 1;
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if let Some(r) = response.get("$ref") {
                    assert!(r.as_str().unwrap().starts_with("#/components/responses/"));
                    continue;
                }
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}: no description"
                );
                if let Some(content) = response.get("content") {
                    let media = content.as_object().unwrap().values().next().unwrap();
                    if status.starts_with('2') {
                        assert!(
                            media.get("example").is_some(),
                            "{method} {path} {status}: no example"
                        );
                        examples += 1;
                    }
                }
            }
            if path.starts_with("/api/") && method != "get" {
                assert!(
                    op["responses"].get("403").is_some(),
                    "{method} {path}: the cross-site refusal is undocumented"
                );
            }
            assert!(
                examples > 0 || op["responses"].as_object().unwrap().len() > 1,
                "{method} {path}: no example"
            );
        }
    }
    // The shared responses and cookies exist, and the error code is a documented enum.
    let components = &doc["components"];
    for name in [
        "tobira_session",
        "tobira_settings",
        "tobira_pending",
        "tobira_federation",
    ] {
        assert_eq!(
            components["securitySchemes"][name]["in"], "cookie",
            "{name}"
        );
    }
    for status in [
        "400", "401", "403", "404", "409", "413", "415", "422", "429", "502", "503",
    ] {
        assert!(
            components["responses"]
                .as_object()
                .unwrap()
                .values()
                .any(
                    |r| r["content"]["application/json"]["example"]["error"]["code"].is_string()
                        && r["description"].is_string()
                ),
            "{status}"
        );
    }
    let codes = components["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap();
    for code in [
        "invalid_credentials",
        "malformed_json",
        "unsupported_media_type",
        "settings_sign_in_required",
        "unknown_route",
    ] {
        assert!(codes.contains(&json!(code)), "{code}");
    }
}

#[tokio::test]
async fn the_documented_constraints_are_there() {
    let doc = document().await;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["SignInBody"]["properties"]["email"]["format"],
        "email"
    );
    assert_eq!(
        schemas["LineBody"]["properties"]["line"]["pattern"],
        "^(CAF[0-9A-Za-z]{10}|COP[0-9A-Za-z]{8})$"
    );
    assert_eq!(
        schemas["ConfirmBody"]["properties"]["confirmed"]["enum"],
        json!([true])
    );
    assert_eq!(
        schemas["SavedBody"]["properties"]["saved"]["enum"],
        json!([true])
    );
    assert!(
        schemas["InviteBody"]["properties"]["admin"]["description"]
            .as_str()
            .unwrap()
            .contains("admin (`true`)")
    );
    let audit = &doc["paths"]["/api/admin/audit"]["get"];
    let limit = &audit["parameters"][0];
    assert_eq!(
        (
            &limit["name"],
            &limit["in"],
            &limit["required"],
            &limit["schema"]["maximum"]
        ),
        (
            &json!("limit"),
            &json!("query"),
            &json!(false),
            &json!(1000)
        )
    );
    let user = &doc["paths"]["/api/admin/users/{id}"]["get"];
    assert_eq!(user["parameters"][0]["schema"]["format"], "uuid");
    assert_eq!(user["security"], json!([{"tobira_session": []}]));
    let sign_in = &doc["paths"]["/api/sign-in"]["post"]["responses"]["200"];
    assert!(sign_in["headers"]["Set-Cookie"].is_object());
}

#[tokio::test]
async fn x8_sign_in_bodies_the_app_cannot_read_get_the_error_shape_with_distinct_codes_in_english()
{
    let app = TestApp::new();
    let en = ("accept-language", "en");
    let json_type = ("content-type", "application/json");
    let (s, j, _) = raw(&app, "POST", "/api/sign-in", &[en], "{}").await;
    assert_error(
        s,
        &j,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_eq!(
        j["error"]["message"],
        "Send the request body as JSON with Content-Type: application/json."
    );
    let (s, j, _) = raw(&app, "POST", "/api/sign-in", &[en, json_type], "{").await;
    assert_error(s, &j, StatusCode::BAD_REQUEST, "malformed_json");
    assert_eq!(j["error"]["message"], "The request body is not valid JSON.");
    let (s, j, _) = raw(&app, "POST", "/api/sign-in", &[en, json_type], "[]").await;
    assert_error(
        s,
        &j,
        StatusCode::UNPROCESSABLE_ENTITY,
        "json_object_expected",
    );
    let (s, j, _) = raw(
        &app,
        "POST",
        "/api/sign-in",
        &[en, json_type],
        r#"{"email": "a@example.co.jp"}"#,
    )
    .await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "missing_field");
    assert_eq!(j["error"]["field"], "password");
    let (s, j, _) = raw(
        &app,
        "POST",
        "/api/sign-in",
        &[en, json_type],
        r#"{"email": 1, "password": "x"}"#,
    )
    .await;
    assert_error(
        s,
        &j,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field_type",
    );
    assert_eq!(j["error"]["field"], "email");
    let (s, j, _) = raw(
        &app,
        "POST",
        "/api/sign-in",
        &[en, json_type],
        r#"{"email": "a@example.co.jp", "password": "x", "scope": "SignInBody"}"#,
    )
    .await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "unknown_value");
    assert_eq!(j["error"]["field"], "scope");
    // Japanese by default.
    let (_, j, _) = raw(&app, "POST", "/api/sign-in", &[json_type], "{").await;
    assert_eq!(
        j["error"]["message"],
        "リクエストの本文が JSON として正しくありません。"
    );
    // Nested and tagged bodies too: never a Rust type name.
    let (s, j, _) = raw(
        &app,
        "POST",
        &format!("/api/invitation/{}", "A".repeat(43)),
        &[en, json_type],
        r#"{"method": "carrier_pigeon"}"#,
    )
    .await;
    assert_error(s, &j, StatusCode::UNPROCESSABLE_ENTITY, "unknown_value");
}

#[tokio::test]
async fn framework_failures_under_api_answer_the_error_shape() {
    let app = TestApp::new();
    let en = ("accept-language", "en");
    let (s, j, _) = raw(&app, "GET", "/api/no-such-thing", &[en], "").await;
    assert_error(s, &j, StatusCode::NOT_FOUND, "unknown_route");
    let (s, j, h) = raw(&app, "PUT", "/api/sign-in", &[en], "").await;
    assert_error(s, &j, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(h["allow"], "POST");
    assert!(h.contains_key("x-request-id"));
    let (s, j, _) = raw(&app, "DELETE", "/api/admin/users/not-a-uuid", &[en], "").await;
    assert_error(s, &j, StatusCode::BAD_REQUEST, "invalid_path_parameter");
    assert_eq!(j["error"]["field"], "id");
    let (s, j, _) = raw(&app, "DELETE", "/api/admin/users/%FF", &[en], "").await;
    assert_error(s, &j, StatusCode::BAD_REQUEST, "invalid_path_parameter");
    let big = format!(
        r#"{{"email": "a@example.co.jp", "password": "{}"}}"#,
        "x".repeat(200 * 1024)
    );
    let (s, j, _) = raw(
        &app,
        "POST",
        "/api/sign-in",
        &[en, ("content-type", "application/json")],
        &big,
    )
    .await;
    assert_error(s, &j, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let long = "x".repeat(20 * 1024);
    let (s, j, _) = raw(&app, "GET", "/api/me", &[en, ("x-long", &long)], "").await;
    assert_error(
        s,
        &j,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
    for query in ["limit=abc", "limit=0", "limit=1001", "limit=100000"] {
        let (s, j, _) = raw(&app, "GET", &format!("/api/admin/audit?{query}"), &[en], "").await;
        assert_error(s, &j, StatusCode::BAD_REQUEST, "invalid_query_parameter");
    }
    // Pages keep their own answers.
    let (s, _, h) = raw(&app, "GET", "/no-such-page", &[], "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        !h.get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json"))
    );
}

/// Starts the real binary with a trial contract whose owner is signed in to the service and
/// the settings menu; returns the server and the cookie header carrying both sessions.
async fn owner_server() -> (Server, String) {
    let server = Server::start(None).await;
    let token = server.create_contract(OWNER, "trial").await;
    let b = server.base.clone();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let post = |path: &str, body: Value| {
        let req = client.post(format!("{b}{path}")).json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let cookies: Vec<String> = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            let json = res.json::<Value>().await.unwrap_or(Value::Null);
            (status, json, cookies)
        }
    };
    let (s, v, _) = post(
        &format!("/api/invitation/{token}"),
        json!({"method": "password", "password": PW, "confirmation": PW}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v, _) = post("/api/sign-in", json!({"email": OWNER, "password": PW})).await;
    assert_eq!(s, 200, "{v}");
    let (_, offer, _) = post("/api/sign-in/totp", json!({})).await;
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(offer["secret"].as_str().unwrap().as_bytes())
            .unwrap(),
    );
    #[allow(clippy::disallowed_methods)]
    let now = chrono::Utc::now();
    let (s, v, _) = post(
        "/api/sign-in/enrol",
        json!({"code": totp_code_at(&secret, now), "remember_browser": true}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v, set) = post("/api/sign-in/recovery/confirm", json!({"saved": true})).await;
    assert_eq!(s, 200, "{v}");
    let cookie_of = |set: &[String], name: &str| {
        set.iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{name} not set: {set:?}"))
    };
    let session = cookie_of(&set, "tobira_session");
    // The remembered browser skips the second factor for the settings sign-in (L6).
    let (s, v, set) = post(
        "/api/sign-in",
        json!({"email": OWNER, "password": PW, "scope": "settings"}),
    )
    .await;
    assert_eq!((s, &v["status"]), (200, &json!("signed_in")), "{v}");
    let settings = cookie_of(&set, "tobira_settings");
    (
        server,
        format!("tobira_session={session}; tobira_settings={settings}"),
    )
}

#[tokio::test]
async fn s2_a_service_session_on_a_settings_operation_is_told_to_sign_in_to_settings() {
    let (server, cookies) = owner_server().await;
    let service_only = cookies.split("; ").next().unwrap().to_owned();
    let client = reqwest::Client::new();
    let get = |cookie: &str| {
        client
            .get(format!("{}/api/settings", server.base))
            .header("cookie", cookie.to_owned())
            .header("accept-language", "en")
            .send()
    };
    let r = get(&service_only).await.unwrap();
    assert_eq!(r.status(), 401);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["error"]["code"], "settings_sign_in_required");
    let r = get("").await.unwrap();
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["error"]["code"], "not_signed_in");
    assert_eq!(get(&cookies).await.unwrap().status(), 200);
}

#[tokio::test]
async fn x1_audit_events_carry_stable_names_and_reasons() {
    let (server, cookies) = owner_server().await;
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/api/sign-in", server.base))
        .json(&json!({"email": OWNER, "password": "Wrong-2024"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let events: Value = client
        .get(format!("{}/api/admin/audit?limit=1000", server.base))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = events.as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "sign_in_failed" && e["reason"] == "wrong_password"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "second_factor_enrolled" && e["detail"] == "totp")
    );
    for e in events {
        let kind = e["kind"].as_str().unwrap();
        assert!(
            kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{kind}"
        );
    }
}

/// Runs schemathesis against the server: all checks, a few examples per operation, a time
/// budget; `sessions` are the owner's cookies, given to schemathesis as the document's cookie
/// security schemes so that it knows when a case goes without them. Fails on any finding.
async fn schemathesis(server: &Server, sessions: Option<(&str, &str)>, extra: &[&str]) -> String {
    let python = openapi_python();
    let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support");
    let mut config = std::fs::read_to_string(support.join("schemathesis.toml")).unwrap();
    if let Some((session, settings)) = sessions {
        config.push_str(&format!(
            "\n[auth.openapi.tobira_session]\napi_key = \"{session}\"\n\
             \n[auth.openapi.tobira_settings]\napi_key = \"{settings}\"\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("schemathesis.toml");
    std::fs::write(&config_file, config).unwrap();
    let schema = format!("{}/openapi.json", server.base);
    let mut cmd = tokio::process::Command::new(python.with_file_name("st"));
    cmd.arg("--config-file")
        .arg(&config_file)
        .args([
            "run",
            &schema,
            "--checks",
            "all",
            "--max-examples",
            "5",
            "--max-time",
            "40",
            // One worker: hypothesis' lambda descriptions are not safe across threads on
            // every Python version.
            "--workers",
            "1",
            "--seed",
            "16",
            "--request-timeout",
            "10",
            "--no-color",
        ])
        .args(extra)
        .current_dir(dir.path())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("schemathesis exceeded its time budget")
        .unwrap();
    // Generated bodies can be huge: keep each line short.
    let text: String = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .lines()
    .map(|l| format!("{}\n", l.chars().take(400).collect::<String>()))
    .collect();
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    text
}

/// The operations schemathesis reports as answering only 401.
fn only_unauthorized(report: &str) -> Vec<&str> {
    report
        .split_once("401 Unauthorized (")
        .map(|(_, rest)| {
            rest.lines()
                .skip(1)
                .take_while(|l| !l.trim().is_empty())
                .filter_map(|l| l.trim().strip_prefix("- "))
                .collect()
        })
        .unwrap_or_default()
}

/// Cookie `name`'s value in a `Cookie` header.
fn cookie_value<'a>(header: &'a str, name: &str) -> &'a str {
    header
        .split("; ")
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .unwrap()
}

#[tokio::test]
async fn schemathesis_finds_nothing_with_an_owners_cookies_or_unauthenticated() {
    let (server, cookies) = owner_server().await;
    let sessions = (
        cookie_value(&cookies, "tobira_session"),
        cookie_value(&cookies, "tobira_settings"),
    );
    // Signing out, or a `line_only` access route (L10), would end the sessions the rest of
    // the run uses; the unauthenticated run covers those operations.
    let report = schemathesis(
        &server,
        Some(sessions),
        &[
            "--exclude-path",
            "/api/sign-out",
            "--exclude-path",
            "/api/settings/access-route",
            "--exclude-path",
            "/api/admin/access-route",
        ],
    )
    .await;
    // The owner's cookies opened the signed-in operations.
    let refused = only_unauthorized(&report);
    for op in ["GET /api/me", "GET /api/settings", "GET /api/admin/users"] {
        assert!(
            !refused.contains(&op),
            "{op} answered only 401: {refused:?}"
        );
    }
    let report = schemathesis(&server, None, &[]).await;
    assert!(only_unauthorized(&report).contains(&"GET /api/me"));
}

/// Checks `body` against the schema `document` gives for `method path`'s `status` answer,
/// with the JSON Schema validator of the contract tools; the validator's message on failure.
fn violations(document: &Value, method: &str, path: &str, status: u16, body: &Value) -> String {
    let schema = &document["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} documents no {status} body"
    );
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": schema["$ref"],
        "components": document["components"],
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.json"), root.to_string()).unwrap();
    std::fs::write(dir.path().join("body.json"), body.to_string()).unwrap();
    let out = std::process::Command::new(openapi_python())
        .current_dir(dir.path())
        .args([
            "-c",
            "import json, jsonschema\n\
             s = json.load(open('schema.json')); b = json.load(open('body.json'))\n\
             print('\\n'.join(e.message for e in jsonschema.Draft202012Validator(s).iter_errors(b)))",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A contract whose details were never given reads back with empty fields: the documented
/// answer allows that (the change's body does not).
#[tokio::test]
async fn c2_details_never_given_read_back_within_the_documented_answer() {
    let document = document().await;
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut b = app.browser();
    b.post(
        "/api/sign-in",
        json!({"email": "owner@example.co.jp", "password": "Kumo-2024", "scope": "settings"}),
    )
    .await;
    let r = b.get("/api/settings/contract").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["contact_person"], "");
    let found = violations(&document, "get", "/api/settings/contract", 200, &r.json);
    assert!(found.is_empty(), "{found}");
    // The check itself finds a violation where there is one.
    let mut wrong = r.json.clone();
    wrong["company"] = json!("");
    assert!(!violations(&document, "get", "/api/settings/contract", 200, &wrong).is_empty());
}

#[tokio::test]
async fn x1_the_admin_console_labels_audit_reasons_in_both_languages() {
    let app = TestApp::new();
    app.world.basic_owner().await;
    let mut api = app.browser();
    let r = api
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": "Wrong-2024"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": "Kumo-2024"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let events = api.get("/api/admin/audit").await.json;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "sign_in_failed" && e["reason"] == "wrong_password"),
        "{events}"
    );
    for (lang, label) in [
        ("en", "Sign-in failed (wrong password)"),
        ("ja", "パスワードの誤り"),
    ] {
        let mut b = app.browser().header("accept-language", lang);
        b.page("/sign-in").await;
        b.submit(
            "/sign-in",
            &[("email", "owner@example.co.jp"), ("password", "Kumo-2024")],
        )
        .await;
        let r = b.page("/admin/audit").await;
        assert!(r.body.contains(label), "{lang}: {}", r.body);
        assert!(!r.body.contains("WrongPassword"), "{}", r.body);
    }
}
