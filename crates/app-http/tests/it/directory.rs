//! Active Directory through the app (D1, D2, L8, L9, L10, I2, M2, X7) against real identity
//! providers on loopback: SimpleSAMLphp shaped like ADFS (assertion signed, claim-URI
//! attributes, two signing certificates) for SAML 2.0, and node `oidc-provider`'s ADFS profile
//! for OpenID Connect. ADFS's answer reaches the app as a browser would deliver it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use adapter_idp::saml_testing::{
    PostedResponse, TestSamlIdp, TestSamlIdpOptions, TestUser, TrustedSp, sign_in_at_idp,
};
use adapter_idp::testing::{TestProviders, browser_client, sign_in_at_provider};
use adapter_idp::{AdfsDirectories, IdpSettings};
use app_http::config::Config;
use app_http::http::{Listener, router};
use app_http::state::AppState;
use auth_core::domain::{
    AccessRoute, LineNumber, LoginMethod, MailKind, TicketLink, TwoFactorPolicy,
};
use auth_core::ports::{AccountStore as _, ContractStore as _};
use auth_core::testing::{MemoryStore, TestWorld};

use crate::support::{Browser, Reply, newest_link};

const PW: &str = "Kumo-2024";
const BASE: &str = "http://127.0.0.1:8080";
const LINE_BASE: &str = "http://127.0.0.1:8081/line";
const GATEWAY: &str = "192.0.2.50:40000";
const LINE: &str = "CAF1234567890";

/// The app with real ADFS adapters, its clock at the real time (assertions carry real times).
struct Ad {
    world: TestWorld<MemoryStore>,
    internet: axum::Router,
    line: axum::Router,
}

fn ad_app() -> Ad {
    ad_app_with(IdpSettings::default().metadata_retry_interval)
}

/// [`ad_app`] whose adapter waits `retry` after a failed due metadata re-read.
#[allow(clippy::disallowed_methods)]
fn ad_app_with(retry: Duration) -> Ad {
    let world = TestWorld::new();
    world.clock.set(chrono::Utc::now());
    let directories = AdfsDirectories::new(IdpSettings {
        insecure_http_hosts: vec!["127.0.0.1".into(), "localhost".into()],
        internal_hosts: vec!["127.0.0.1".into()],
        metadata_retry_interval: retry,
        ..IdpSettings::default()
    })
    .expect("directories");
    let auth = world.auth.clone().with_directories(Arc::new(directories));
    let config = Config {
        line_public_url: Some(LINE_BASE.into()),
        trusted_proxies: vec![[192, 0, 2, 50].into()],
        ..Config::default()
    };
    let state = AppState::new(auth, world.store.clone(), config);
    Ad {
        internet: router(state.clone(), Listener::Internet),
        line: router(state, Listener::Line),
        world,
    }
}

fn taro() -> TestUser {
    TestUser {
        name: "taro".into(),
        password: "taro-pass".into(),
        object_id: "5b0c7a3e-0000-4000-8000-00000000a001".into(),
        upn: "taro@corp.example.co.jp".into(),
    }
}

/// An ADFS-shaped SimpleSAMLphp: assertion signed, claim URIs, user taro.
fn adfs_saml() -> TestSamlIdp {
    TestSamlIdp::start(TestSamlIdpOptions {
        trusted: Vec::new(),
        users: vec![taro()],
        assertion_only_signed: true,
        claim_uri_attributes: true,
    })
    .expect("SimpleSAMLphp")
}

/// What ADFS must trust for connection `id`: the entity ID and both assertion consumers.
fn relying_party(id: &str) -> TrustedSp {
    TrustedSp {
        entity_id: format!("{BASE}/ad/{id}"),
        acs_urls: vec![
            format!("{BASE}/ad/{id}/saml"),
            format!("{LINE_BASE}/ad/{id}/saml"),
        ],
    }
}

fn code(r: &Reply) -> &str {
    r.json["error"]["code"].as_str().unwrap_or("")
}

fn invitation_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::Invitation { link, .. } => Some(link),
        _ => None,
    }
}

impl Ad {
    fn browser(&self) -> Browser {
        Browser::on(self.internet.clone())
    }

    fn line_browser(&self) -> Browser {
        Browser::on(self.line.clone())
            .at_address(GATEWAY)
            .header("X-Line-Number", LINE)
    }

    /// A Basic contract (two-factor off) whose owner is signed in to the settings menu.
    async fn owner(&self) -> Browser {
        self.world.basic_owner().await;
        let mut b = self.browser();
        let r = b
            .post(
                "/api/sign-in",
                json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        b
    }

    /// The owner turns AD on with `body`; the connection ID.
    async fn turn_on(&self, owner: &mut Browser, body: Value) -> String {
        let r = owner.post("/api/settings/active-directory", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        r.json["connection_id"].as_str().unwrap().to_owned()
    }

    /// The owner invites `email` (from a service session of their own); the invitation token.
    async fn invite(&self, email: &str) -> String {
        let mut service = self.browser();
        let r = service
            .post(
                "/api/sign-in",
                json!({"email": "owner@example.co.jp", "password": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        let r = service
            .post(
                "/api/admin/users",
                json!({"name": "山田 太郎", "email": email, "admin": false}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.json);
        newest_link(&self.world, invitation_link).expect("invitation mail")
    }

    async fn start(&self, b: &mut Browser, id: &str, body: Value) -> Reply {
        b.post(&format!("/api/ad/{id}/start"), body).await
    }

    /// Starts over the API and signs in at the SAML IdP; what the IdP posts.
    async fn at_saml(&self, b: &mut Browser, id: &str, body: Value) -> PostedResponse {
        let r = self.start(b, id, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        let url = r.json["authorization_url"].as_str().unwrap();
        sign_in_at_idp(url, "taro", "taro-pass")
            .await
            .expect("IdP sign-in")
    }

    async fn post_saml(&self, b: &mut Browser, id: &str, posted: &PostedResponse) -> Reply {
        b.post(
            &format!("/api/ad/{id}/callback"),
            json!({"saml_response": posted.saml_response, "relay_state": posted.relay_state}),
        )
        .await
    }
}

#[tokio::test]
async fn l8_saml_owner_sets_up_ad_a_user_registers_and_signs_in_on_both_channels() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let mut owner = ad.owner().await;
    let id = ad
        .turn_on(
            &mut owner,
            json!({"protocol": "saml", "metadata_url": idp.metadata_url(), "subject": "upn"}),
        )
        .await;
    assert!(id.starts_with("adfs-") && id.len() == 23, "{id}");
    idp.set_trusted(vec![relying_party(&id)]).unwrap();
    // D1: the owner is mailed both addresses with the connection ID.
    let mail = ad.world.store.queued_mail();
    assert!(mail.iter().any(
        |m| matches!(&m.kind, MailKind::AdSignIn { connection } if connection.as_str() == id)
    ));
    let view = owner.get("/api/settings/active-directory").await;
    assert_eq!(view.json["on"], true, "{}", view.json);
    assert_eq!(view.json["subject"], "upn");

    // I2: registration from an invitation through the contract's ADFS.
    let token = ad.invite("taro@example.co.jp").await;
    let mut b = ad.browser();
    let posted = ad
        .at_saml(
            &mut b,
            &id,
            json!({"purpose": "invitation", "token": token}),
        )
        .await;
    assert_eq!(posted.acs_url, format!("{BASE}/ad/{id}/saml"));
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "registered");
    let account = ad
        .world
        .store
        .account_by_email(&auth_core::domain::Email::parse("taro@example.co.jp").unwrap())
        .await
        .unwrap()
        .expect("registered");
    assert!(matches!(
        &account.login_method,
        LoginMethod::ActiveDirectory { connection, subject }
            if connection.as_str() == id && subject.as_str() == "taro@corp.example.co.jp"
    ));

    // L8: sign-in at the internet address; no second factor after AD.
    let mut b = ad.browser();
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
    // The same answer again: the round trip is spent.
    let again = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.json);

    // L9: at the line address through the trusted gateway, with a registered line.
    let contract = ad
        .world
        .store
        .contract_by_connection(&account.connection_of())
        .await;
    let contract = contract.unwrap().unwrap();
    ad.world
        .store
        .add_line(contract.id, &LineNumber::parse(LINE).unwrap())
        .await
        .unwrap();
    let mut l = ad.line_browser();
    let posted = ad.at_saml(&mut l, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(posted.acs_url, format!("{LINE_BASE}/ad/{id}/saml"));
    let r = ad.post_saml(&mut l, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");

    // L10: under LineOnly the internet address refuses, the line one still works.
    ad.world
        .store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    let mut b = ad.browser();
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
}

trait ConnectionOf {
    fn connection_of(&self) -> auth_core::domain::ConnectionId;
}

impl ConnectionOf for auth_core::domain::Account {
    fn connection_of(&self) -> auth_core::domain::ConnectionId {
        match &self.login_method {
            LoginMethod::ActiveDirectory { connection, .. } => connection.clone(),
            other => panic!("not an AD account: {other:?}"),
        }
    }
}

/// An AD user of a fresh contract, bound to taro's UPN; the connection ID.
async fn saml_user(ad: &Ad, idp: &mut TestSamlIdp) -> (Browser, String) {
    let mut owner = ad.owner().await;
    let id = ad
        .turn_on(
            &mut owner,
            json!({"metadata_url": idp.metadata_url(), "subject": "upn"}),
        )
        .await;
    idp.set_trusted(vec![relying_party(&id)]).unwrap();
    bind_taro(ad, &id).await;
    (owner, id)
}

/// Taro's account in the contract of connection `id`, bound to it by his UPN.
async fn bind_taro(ad: &Ad, id: &str) {
    let connection = auth_core::domain::ConnectionId::parse(id).unwrap();
    let contract = ad
        .world
        .store
        .contract_by_connection(&connection)
        .await
        .unwrap()
        .unwrap();
    ad.world
        .account_with(
            &contract,
            "taro@example.co.jp",
            auth_core::domain::Role::User,
            LoginMethod::ActiveDirectory {
                connection,
                subject: auth_core::domain::Subject::parse("taro@corp.example.co.jp").unwrap(),
            },
            None,
        )
        .await;
}

#[tokio::test]
async fn d1_turned_off_ad_refuses_sign_in_and_says_so_and_turning_on_keeps_the_id() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (mut owner, id) = saml_user(&ad, &mut idp).await;
    let r = owner.delete("/api/settings/active-directory").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let mut b = ad.browser();
    let r = ad.start(&mut b, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.json);
    assert_eq!(code(&r), "active_directory_off");
    // The page says so too, in Japanese by default.
    let page = b.page(&format!("/ad/{id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("停止されています"), "{}", page.body);
    let again = ad
        .turn_on(
            &mut owner,
            json!({"metadata_url": idp.metadata_url(), "subject": "upn"}),
        )
        .await;
    assert_eq!(again, id);
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(
        ad.post_saml(&mut b, &id, &posted).await.json["status"],
        "signed_in"
    );
}

#[tokio::test]
async fn d1_the_owner_edits_the_connection_and_the_idp_down_is_a_clear_error_with_password_sign_in_unaffected()
 {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (mut owner, id) = saml_user(&ad, &mut idp).await;
    // Edit: the subject becomes the object GUID (the connection ID stays).
    let r = owner
        .send(
            axum::http::Method::PUT,
            "/api/settings/active-directory",
            Some(json!({"metadata_url": idp.metadata_url(), "subject": "object-guid"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    let view = owner.get("/api/settings/active-directory").await;
    assert_eq!(view.json["connection_id"], id);
    assert_eq!(view.json["subject"], "object-guid");
    // A bad field names itself and changes nothing.
    let r = owner
        .send(
            axum::http::Method::PUT,
            "/api/settings/active-directory",
            Some(json!({"metadata_url": "ftp://adfs.example.co.jp/m.xml"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.json);
    assert_eq!(r.json["error"]["field"], "metadata_url");

    idp.stop();
    let r = owner
        .post("/api/settings/active-directory/metadata", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.json);
    assert_eq!(code(&r), "ad_metadata_unusable");
    let view = owner.get("/api/settings/active-directory").await;
    assert_eq!(view.json["subject"], "object-guid", "nothing changed");
    // Password sign-in of the same contract is unaffected.
    let mut b = ad.browser();
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
}

#[tokio::test]
async fn d1_a_certificate_rollover_needs_no_action() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (_owner, id) = saml_user(&ad, &mut idp).await;
    // ADFS starts signing with its next certificate, published in the metadata beforehand.
    idp.sign_with(1).unwrap();
    let mut b = ad.browser();
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");
}

/// A metadata address on loopback that serves a fixed document, or fails on demand, and counts
/// its reads.
struct MetadataServer {
    url: String,
    failing: Arc<AtomicBool>,
    reads: Arc<AtomicUsize>,
}

impl MetadataServer {
    async fn start(xml: String) -> Self {
        let failing = Arc::new(AtomicBool::new(false));
        let reads = Arc::new(AtomicUsize::new(0));
        let (f, n) = (failing.clone(), reads.clone());
        let app = axum::Router::new().route(
            "/FederationMetadata/2007-06/FederationMetadata.xml",
            axum::routing::get(move || {
                let (f, n, xml) = (f.clone(), n.clone(), xml.clone());
                async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    if f.load(Ordering::SeqCst) {
                        (StatusCode::SERVICE_UNAVAILABLE, String::new())
                    } else {
                        (StatusCode::OK, xml)
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{addr}/FederationMetadata/2007-06/FederationMetadata.xml"),
            failing,
            reads,
        }
    }

    fn fail(&self, on: bool) {
        self.failing.store(on, Ordering::SeqCst);
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn d1_a_failing_daily_metadata_re_read_is_not_tried_again_at_every_sign_in_start() {
    let ad = ad_app_with(Duration::from_millis(800));
    let idp = adfs_saml();
    let served = MetadataServer::start(idp.metadata_xml().await.unwrap()).await;
    let mut owner = ad.owner().await;
    let id = ad
        .turn_on(
            &mut owner,
            json!({"metadata_url": served.url, "subject": "upn"}),
        )
        .await;
    assert_eq!(served.reads(), 1);
    // A day later the copy is due, and the ADFS's metadata address fails.
    served.fail(true);
    ad.world.clock.advance(chrono::Duration::hours(25));
    let mut b = ad.browser();
    for _ in 0..3 {
        let r = ad.start(&mut b, &id, json!({"purpose": "sign_in"})).await;
        assert_eq!(r.status, StatusCode::OK, "the copy held serves: {}", r.json);
    }
    assert_eq!(
        served.reads(),
        1 + 1,
        "one failed re-read, then the held copy without trying again"
    );
    // The owner's own re-read (a day later: signed in again) is never held back, and says
    // what went wrong.
    let mut owner = ad.browser();
    let r = owner
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW, "scope": "settings"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = owner
        .post("/api/settings/active-directory/metadata", json!({}))
        .await;
    assert_eq!(code(&r), "ad_metadata_unusable");
    assert_eq!(served.reads(), 3);
    // After the retry interval a start reads again; the fresh copy is saved, so the next
    // start reads nothing.
    served.fail(false);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let r = ad.start(&mut b, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(served.reads(), 4);
    let r = ad.start(&mut b, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(served.reads(), 4);
}

/// `xml` padded to the size ADFS publishes (its WS-Federation roles list every claim type:
/// around 90 KB), with a comment inside the root element.
fn adfs_sized(xml: &str) -> String {
    let root = xml.find("EntityDescriptor").unwrap();
    let open_end = root + xml[root..].find('>').unwrap() + 1;
    let pad = format!(
        "<!--{}-->",
        "offered claim type and its description ".repeat(2400)
    );
    format!("{}{pad}{}", &xml[..open_end], &xml[open_end..])
}

#[tokio::test]
async fn d1_adfs_sized_metadata_pasted_on_the_page_or_sent_to_the_api_is_accepted_and_signs_in() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let xml = adfs_sized(&idp.metadata_xml().await.unwrap());
    assert!(xml.len() > 90 * 1024);
    let mut owner = ad.owner().await;
    // The page's form (form-encoded, well over the ordinary body limit).
    owner.page("/settings/active-directory").await;
    let r = owner
        .submit(
            "/settings/active-directory",
            &[
                ("protocol", "saml"),
                ("metadata_xml", &xml),
                ("subject", "upn"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view = owner.get("/api/settings/active-directory").await;
    assert_eq!(view.json["protocol"], "saml", "{}", view.json);
    assert!(view.json["metadata_url"].is_null(), "pasted: {}", view.json);
    let id = view.json["connection_id"].as_str().unwrap().to_owned();
    // The API's edit takes the same document.
    let r = owner
        .send(
            axum::http::Method::PUT,
            "/api/settings/active-directory",
            Some(json!({"metadata_xml": xml, "subject": "upn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    // Without the owner's settings session the ordinary limit applies to the same operation.
    let r = ad
        .browser()
        .send(
            axum::http::Method::PUT,
            "/api/settings/active-directory",
            Some(json!({"metadata_xml": xml, "subject": "upn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Other bodies keep the ordinary limit.
    let r = owner
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": xml}),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    idp.set_trusted(vec![relying_party(&id)]).unwrap();
    bind_taro(&ad, &id).await;
    let mut b = ad.browser();
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.json["status"], "signed_in", "{}", r.json);
}

#[tokio::test]
async fn x7_contract_a_assertion_is_refused_at_contract_b() {
    let ad = ad_app();
    let mut idp_a = adfs_saml();
    let (_a, id_a) = saml_user(&ad, &mut idp_a).await;
    // Contract B, with its own ADFS.
    let mut idp_b = adfs_saml();
    let other = ad
        .world
        .contract("別会社", auth_core::domain::Plan::Basic)
        .await;
    ad.world
        .store
        .set_two_factor_policy(other.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    ad.world
        .account(
            &other,
            "boss@other.example.co.jp",
            auth_core::domain::Role::Owner,
            Some(PW),
        )
        .await;
    let mut boss = ad.browser();
    let r = boss
        .post(
            "/api/sign-in",
            json!({"email": "boss@other.example.co.jp", "password": PW, "scope": "settings"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let id_b = ad
        .turn_on(&mut boss, json!({"metadata_url": idp_b.metadata_url()}))
        .await;
    idp_b.set_trusted(vec![relying_party(&id_b)]).unwrap();
    // A's answer, started at B's address by the same browser: refused, nothing signed in.
    let mut b = ad.browser();
    let started_b = ad.start(&mut b, &id_b, json!({"purpose": "sign_in"})).await;
    assert_eq!(started_b.status, StatusCode::OK);
    let mut a = ad.browser();
    let posted_a = ad
        .at_saml(&mut a, &id_a, json!({"purpose": "sign_in"}))
        .await;
    let relay_b = url::Url::parse(started_b.json["authorization_url"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "RelayState")
        .map(|(_, v)| v.into_owned());
    let r = b
        .post(
            &format!("/api/ad/{id_b}/callback"),
            json!({"saml_response": posted_a.saml_response, "relay_state": relay_b}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    assert_eq!(code(&r), "provider_rejected");
    assert_eq!(b.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn d1_metadata_at_an_internal_address_the_operator_did_not_list_is_refused() {
    let ad = ad_app();
    let idp = adfs_saml();
    let mut owner = ad.owner().await;
    // `localhost` may be plain http here but is not listed as an internal host.
    let url = idp.metadata_url().replace("127.0.0.1", "localhost");
    let r = owner
        .post(
            "/api/settings/active-directory",
            json!({"metadata_url": url}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.json);
    assert_eq!(code(&r), "ad_metadata_unusable");
    assert!(
        owner.get("/api/settings/active-directory").await.status == StatusCode::CONFLICT,
        "nothing was turned on"
    );
}

#[tokio::test]
async fn l8_oidc_owner_sets_up_adfs_over_openid_connect_and_a_user_registers_and_signs_in() {
    let ad = ad_app();
    let provider = TestProviders::shared().expect("test provider");
    let profile = provider.profiles.adfs.clone();
    let mut owner = ad.owner().await;
    let id = ad
        .turn_on(
            &mut owner,
            json!({
                "protocol": "oidc",
                "metadata_url": profile.discovery,
                "client_id": profile.client_id,
                "client_secret": profile.client_secret,
                "subject": "upn",
            }),
        )
        .await;
    let view = owner.get("/api/settings/active-directory").await;
    assert_eq!(view.json["protocol"], "oidc");
    assert!(view.json.get("client_secret").is_none(), "never shown");
    let token = ad.invite("jiro@example.co.jp").await;
    let walker = browser_client().unwrap();
    let redirect = format!("{BASE}/ad/{id}/callback");
    let mut b = ad.browser();
    let r = ad
        .start(
            &mut b,
            &id,
            json!({"purpose": "invitation", "token": token}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let answer = sign_in_at_provider(
        &walker,
        r.json["authorization_url"].as_str().unwrap(),
        "jiro@corp.example.co.jp",
        &redirect,
    )
    .await
    .expect("ADFS round trip");
    let r = deliver(&mut b, &id, &answer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "registered");

    let r = ad.start(&mut b, &id, json!({"purpose": "sign_in"})).await;
    let answer = sign_in_at_provider(
        &walker,
        r.json["authorization_url"].as_str().unwrap(),
        "jiro@corp.example.co.jp",
        &redirect,
    )
    .await
    .expect("ADFS round trip");
    let r = deliver(&mut b, &id, &answer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
}

/// Delivers ADFS's OpenID Connect answer (the redirect's query) to the API callback.
async fn deliver(b: &mut Browser, id: &str, answer: &url::Url) -> Reply {
    let body: serde_json::Map<String, Value> = answer
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    b.post(&format!("/api/ad/{id}/callback"), Value::Object(body))
        .await
}

#[tokio::test]
async fn d2_the_owner_is_never_offered_active_directory() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (mut owner, _id) = saml_user(&ad, &mut idp).await;
    let page = owner.page("/settings/login-method").await;
    assert!(
        !page.body.contains("data-provider=\"active-directory\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn l8_pages_enter_a_connection_id_in_any_case_and_reach_adfs() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (_owner, id) = saml_user(&ad, &mut idp).await;
    let mut b = ad.browser();
    let page = b.page("/sign-in").await;
    assert!(page.body.contains("href=\"/ad\""), "{}", page.body);
    // A form's answer cannot redirect off-site: a page that moves on to ADFS by itself.
    let r = b.submit("/ad", &[("connection", &id.to_uppercase())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refresh = r.headers["refresh"].to_str().unwrap().to_owned();
    assert!(
        refresh.starts_with(&format!("0;url={}", idp.base_url())),
        "{refresh}"
    );
    let r = b
        .submit("/ad", &[("connection", "adfs-zzzzzzzzzzzzzzzzzz")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body.contains("接続ID"), "{}", r.body);
    // The sign-in address says whose AD it is and starts nothing by itself (no other site
    // can send a browser through a round trip); its button goes to ADFS, whose answer is
    // posted on from this origin.
    b.cookies.remove("tobira_federation");
    let r = b.page(&format!("/ad/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("雲商事") && r.body.contains(&id),
        "{}",
        r.body
    );
    assert!(!b.cookies.contains_key("tobira_federation"));
    let r = b.submit(&format!("/ad/{id}"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refresh = r.headers["refresh"].to_str().unwrap().to_owned();
    let to = refresh.strip_prefix("0;url=").unwrap().to_owned();
    assert!(to.starts_with(&idp.base_url()), "{to}");
    let posted = sign_in_at_idp(&to, "taro", "taro-pass").await.unwrap();
    let relay = posted.relay_state.clone().unwrap_or_default();
    let form = format!(
        "SAMLResponse={}&RelayState={}",
        urlencode(&posted.saml_response),
        urlencode(&relay)
    );
    let consumer = b
        .raw(
            axum::http::Method::POST,
            &format!("/ad/{id}/saml"),
            Some(form.clone()),
        )
        .await;
    assert_eq!(consumer.status, StatusCode::OK, "{}", consumer.body);
    assert!(
        consumer.body.contains("data-autosubmit"),
        "{}",
        consumer.body
    );
    let done = b
        .raw(
            axum::http::Method::POST,
            &format!("/ad/{id}/saml/finish"),
            Some(form),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), Some("/home"));
    assert_eq!(b.get("/api/me").await.status, StatusCode::OK);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn s2_an_ad_user_signs_in_to_the_settings_menu_with_the_same_credentials() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let (_owner, id) = saml_user(&ad, &mut idp).await;
    let mut b = ad.browser();
    let posted = ad
        .at_saml(
            &mut b,
            &id,
            json!({"purpose": "sign_in", "scope": "settings"}),
        )
        .await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "signed_in");
    assert_eq!(r.json["scope"], "settings");
    // The settings sign-in page offers AD too, keeping the area.
    let page = b.page("/settings/sign-in").await;
    assert!(
        page.body.contains("href=\"/ad?scope=settings\""),
        "{}",
        page.body
    );
    let entry = b.page("/ad?scope=settings").await;
    assert!(
        entry.body.contains("name=\"scope\" value=\"settings\""),
        "{}",
        entry.body
    );
}

fn method_link(kind: &MailKind) -> Option<&TicketLink> {
    match kind {
        MailKind::LoginMethodChange { link } => Some(link),
        _ => None,
    }
}

#[tokio::test]
async fn m2_a_password_user_switches_to_ad_through_a_method_change_link() {
    let ad = ad_app();
    let mut idp = adfs_saml();
    let mut owner = ad.owner().await;
    let id = ad
        .turn_on(
            &mut owner,
            json!({"metadata_url": idp.metadata_url(), "subject": "upn"}),
        )
        .await;
    idp.set_trusted(vec![relying_party(&id)]).unwrap();
    let contract = ad
        .world
        .store
        .contract_by_connection(&auth_core::domain::ConnectionId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let taro = ad
        .world
        .account(
            &contract,
            "taro@example.co.jp",
            auth_core::domain::Role::User,
            Some(PW),
        )
        .await;
    // The owner (from a service session) sends the change link.
    let mut service = ad.browser();
    let r = service
        .post(
            "/api/sign-in",
            json!({"email": "owner@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = service
        .post(
            &format!("/api/admin/users/{}/change", taro.id.as_uuid()),
            json!({"email": "taro@example.co.jp"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.json);
    let token = newest_link(&ad.world, method_link).expect("method change mail");
    // The page confirms the connection ID first (接続ID確認画面).
    let mut b = ad.browser();
    let page = b.page(&format!("/login-method/{token}/ad")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&id), "{}", page.body);
    let posted = ad
        .at_saml(
            &mut b,
            &id,
            json!({"purpose": "method_change", "token": token}),
        )
        .await;
    let r = ad.post_saml(&mut b, &id, &posted).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["status"], "method_changed");
    let stored = ad.world.store.account(taro.id).await.unwrap().unwrap();
    assert!(matches!(
        stored.login_method,
        LoginMethod::ActiveDirectory { ref subject, .. } if subject.as_str() == "taro@corp.example.co.jp"
    ));
    // The password no longer signs in; AD does.
    let r = b
        .post(
            "/api/sign-in",
            json!({"email": "taro@example.co.jp", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.json);
    let posted = ad.at_saml(&mut b, &id, json!({"purpose": "sign_in"})).await;
    assert_eq!(
        ad.post_saml(&mut b, &id, &posted).await.json["status"],
        "signed_in"
    );
}
