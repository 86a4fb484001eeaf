//! The real `tobira` binary end to end: a fresh data directory, zero configuration, real
//! sockets; once on the embedded SQLite store and once on PostgreSQL.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use auth_core::domain::{TotpSecret, totp_code_at};

const PW: &str = "Kumo-2024";
const NEW: &str = "Hanami-2031";

/// A running `tobira serve`, killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
    pub data_dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn tobira(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tobira"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("TOBIRA_CONFIG")
        .env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        cmd.env("TOBIRA_DATABASE_URL", url);
    }
    cmd
}

impl Server {
    /// Starts the binary on a free port and waits until it answers.
    pub async fn start(database_url: Option<String>) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let mut child = tobira(data_dir.path(), database_url.as_deref())
            .args(["serve", "--listen", "127.0.0.1:0"])
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
        Self {
            child,
            base,
            data_dir,
            database_url,
        }
    }

    /// `tobira contract create`: returns the owner's invitation token.
    pub async fn create_contract(&self, owner: &str, plan: &str) -> String {
        let out = tobira(self.data_dir.path(), self.database_url.as_deref())
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
        let text = String::from_utf8(out.stdout).unwrap();
        let link = text
            .lines()
            .find_map(|l| l.split_whitespace().find(|w| w.contains("/invitation/")))
            .expect("an invitation link");
        link.rsplit('/').next().unwrap().to_owned()
    }
}

async fn call(
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
    let json = res.json::<Value>().await.unwrap_or(Value::Null);
    (status, json)
}

/// invite → accept → sign-in → TOTP enrolment → recovery code → password change → sign-out.
pub async fn walk(server: &Server) {
    let token = server.create_contract("owner@example.co.jp", "basic").await;
    let b = &server.base;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let post = |path: &str, body: Value| {
        call(
            &client,
            reqwest::Method::POST,
            format!("{b}{path}"),
            Some(body),
        )
    };
    let (s, v) = call(
        &client,
        reqwest::Method::GET,
        format!("{b}/api/invitation/{token}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        &format!("/api/invitation/{token}"),
        json!({"method": "password", "password": PW, "confirmation": PW}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(
        "/api/sign-in",
        json!({"email": "owner@example.co.jp", "password": PW}),
    )
    .await;
    assert_eq!((s, &v["step"]["kind"]), (200, &json!("enrol")), "{v}");
    let (_, offer) = post("/api/sign-in/totp", json!({})).await;
    let secret = TotpSecret::from_bytes(
        &data_encoding::BASE32_NOPAD
            .decode(offer["secret"].as_str().unwrap().as_bytes())
            .unwrap(),
    );
    let (s, v) = post(
        "/api/sign-in/enrol",
        json!({"code": totp_code_at(&secret, chrono_now())}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["recovery_code"].as_str().unwrap().len(), 19);
    let (s, v) = post("/api/sign-in/recovery/confirm", json!({"saved": true})).await;
    assert_eq!(
        (s, v),
        (200, json!({"status": "signed_in", "scope": "service"}))
    );
    let (s, me) = call(&client, reqwest::Method::GET, format!("{b}/api/me"), None).await;
    assert_eq!((s, &me["account"]["role"]), (200, &json!("owner")));
    // Settings sign-in (S2) with the next TOTP step, then a password change.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, v) = post(
        "/api/sign-in",
        json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
    )
    .await;
    assert_eq!(v["step"]["kind"], "totp", "{v}");
    let next_step = chrono_now() + chrono::Duration::seconds(30);
    let (s, v) = post(
        "/api/sign-in/challenge",
        json!({"code": totp_code_at(&secret, next_step)}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        "/api/settings/password",
        json!({"current": PW, "password": NEW, "confirmation": NEW}),
    )
    .await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = post("/api/sign-out", json!({})).await;
    assert_eq!(s, 204);
    let (s, _) = call(&client, reqwest::Method::GET, format!("{b}/api/me"), None).await;
    assert_eq!(s, 401);
    let (s, v) = post(
        "/api/sign-in",
        json!({"email": "owner@example.co.jp", "password": NEW}),
    )
    .await;
    assert_eq!((s, &v["step"]["kind"]), (200, &json!("totp")), "{v}");
    // The password change mail and the invitation went to the file outbox.
    let outbox = server.data_dir.path().join("outbox").join("mail");
    let mut mails = 0;
    for _ in 0..50 {
        mails = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
        if mails >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        mails >= 3,
        "invitation, second-factor notice and password notice delivered ({mails})"
    );
    let (s, _) = call(&client, reqwest::Method::GET, format!("{b}/readyz"), None).await;
    assert_eq!(s, 200);
}

#[allow(clippy::disallowed_methods)]
fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[tokio::test]
async fn e2e_the_real_binary_on_the_embedded_store() {
    let server = Server::start(None).await;
    walk(&server).await;
}

#[tokio::test]
async fn e2e_the_real_binary_on_postgresql() {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("tobira_e2e_{}", uuid::Uuid::new_v4().simple());
    let status = std::process::Command::new("psql")
        .arg(&admin)
        .args(["-qc", &format!("CREATE DATABASE {name}")])
        .status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "PostgreSQL must be reachable at {admin} (tests/support/postgres.sh starts one)"
    );
    let url = match admin.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("DATABASE_URL has no database name"),
    };
    {
        let server = Server::start(Some(url)).await;
        walk(&server).await;
    }
    let _ = std::process::Command::new("psql")
        .arg(&admin)
        .args([
            "-qc",
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        ])
        .status();
}

/// Schema drift: after a newer binary migrated the database (an applied version this binary
/// does not know), `tobira migrate` and `tobira serve` refuse, naming the version.
#[tokio::test]
async fn a_binary_refuses_a_schema_newer_than_itself() {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("tobira_drift_{}", uuid::Uuid::new_v4().simple());
    let psql = |sql: &str, db: &str| {
        std::process::Command::new("psql")
            .arg(db)
            .args(["-qc", sql])
            .status()
            .is_ok_and(|s| s.success())
    };
    assert!(
        psql(&format!("CREATE DATABASE {name}"), &admin),
        "PostgreSQL must be reachable at {admin}"
    );
    let url = match admin.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{name}"),
        None => panic!("DATABASE_URL has no database name"),
    };
    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str]| {
        let mut cmd = tobira(data_dir.path(), Some(&url));
        cmd.args(args).kill_on_drop(true);
        async move {
            tokio::time::timeout(Duration::from_secs(60), cmd.output())
                .await
                .expect("the binary answers in time")
                .unwrap()
        }
    };
    let first = run(&["migrate"]).await;
    assert!(first.status.success(), "{first:?}");
    assert!(psql(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
        &url
    ));
    for args in [&["migrate"][..], &["serve", "--listen", "127.0.0.1:0"][..]] {
        let out = run(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must refuse: {stderr}");
        assert!(
            stderr.contains("29991231000000") && stderr.contains("newer than this binary"),
            "{args:?}: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening on"));
    }
    psql(
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        &admin,
    );
}
