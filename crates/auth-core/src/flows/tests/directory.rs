//! Active Directory (D1, D2, L8, I2, M2, X7) through the core, with the ADFS double.

#[allow(unused_imports)]
use crate::ports::{AccountStore as _, AuditLog as _, ContractStore as _};

use super::{client, newest_link, saml_settings, session_of};
use crate::domain::{
    AdSettingsInput, AdSubject, AuditKind, ConnectionId, DirectoryCallback, DirectoryEndpoints,
    ExternalIdentity, PresentedToken, ProviderResult, Role, Session, SessionScope, Subject,
    TicketPurpose,
};
use crate::flows::directory::{AdSetupError, DirectoryFor};
use crate::flows::federation::{FederationError, FederationOutcome};
use crate::flows::invitations::Invite;
use crate::flows::invitations::RegistrationError;
use crate::flows::signin::SignInOutcome;
use crate::testing::{MemoryStore, ScriptedDirectories, TestWorld};

const PW: &str = "Kumo-2024";
const SIGN_IN: DirectoryFor<'static> = DirectoryFor::SignIn {
    scope: SessionScope::Service,
};
const ENDPOINTS: DirectoryEndpoints<'static> = DirectoryEndpoints {
    entity_id: "https://auth.example.co.jp/ad/x",
    saml_acs: "https://auth.example.co.jp/ad/x/saml",
    oidc_redirect: "https://auth.example.co.jp/ad/x/callback",
};

async fn owner_with_ad(w: &TestWorld<MemoryStore>) -> (Session, ConnectionId) {
    w.basic_owner().await;
    let me = session_of(w, "owner@example.co.jp", PW).await;
    let id = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/FederationMetadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    (me, id)
}

async fn ad_user(w: &TestWorld<MemoryStore>, connection: &ConnectionId, subject: &str) {
    let contract = w
        .store
        .contract_by_connection(connection)
        .await
        .unwrap()
        .unwrap();
    let identity = ExternalIdentity::ActiveDirectory {
        connection: connection.clone(),
        subject: Subject::parse(subject).unwrap(),
    };
    w.account_with(
        &contract,
        "taro@example.co.jp",
        Role::User,
        identity.login_method(),
        None,
    )
    .await;
}

/// One round trip: start for `purpose`, answer as the ADFS would for `subject`.
async fn round_trip(
    w: &TestWorld<MemoryStore>,
    connection: &ConnectionId,
    purpose: DirectoryFor<'_>,
    subject: &str,
    assertion: &str,
) -> Result<FederationOutcome, FederationError> {
    let start = w
        .auth
        .start_directory(connection.as_str(), purpose, &ENDPOINTS)
        .await?;
    let state = ScriptedDirectories::state_in(&start.authorization_url);
    let answer = ScriptedDirectories::saml_answer(&start.authorization_url, subject, assertion);
    w.auth
        .finish_directory(
            connection.as_str(),
            &DirectoryCallback::Saml { response: answer },
            Some(&state),
            Some(&start.browser_key.expose()),
            &ENDPOINTS,
            &client(),
        )
        .await
}

#[tokio::test]
async fn l8_ad_sign_in_goes_through_the_contracts_adfs_and_a_replayed_assertion_is_refused() {
    let w = TestWorld::new();
    let (_, connection) = owner_with_ad(&w).await;
    ad_user(&w, &connection, "taro@corp").await;
    let r = round_trip(&w, &connection, SIGN_IN, "taro@corp", "_a1").await;
    assert!(matches!(
        r,
        Ok(FederationOutcome::SignIn(SignInOutcome::SignedIn(_)))
    ));
    let replay = round_trip(&w, &connection, SIGN_IN, "taro@corp", "_a1").await;
    assert!(
        matches!(replay, Err(FederationError::Rejected(_))),
        "{replay:?}"
    );
    let events = w.audit.events();
    assert!(events.iter().any(|e| e.kind
        == AuditKind::DirectorySignIn {
            result: ProviderResult::Verified
        }));
    assert!(events.iter().any(|e| e.kind
        == AuditKind::DirectorySignIn {
            result: ProviderResult::Rejected
        }));
    // An identity bound to no account signs nobody in.
    let unbound = round_trip(&w, &connection, SIGN_IN, "jiro@corp", "_a2").await;
    assert!(
        matches!(unbound, Err(FederationError::SignIn(_))),
        "{unbound:?}"
    );
}

#[tokio::test]
async fn l8_an_answer_for_another_browsers_request_or_a_spent_state_is_refused() {
    let w = TestWorld::new();
    let (_, connection) = owner_with_ad(&w).await;
    ad_user(&w, &connection, "taro@corp").await;
    let mine = w
        .auth
        .start_directory(connection.as_str(), SIGN_IN, &ENDPOINTS)
        .await
        .unwrap();
    let my_state = ScriptedDirectories::state_in(&mine.authorization_url);
    let theirs = w
        .auth
        .start_directory(connection.as_str(), SIGN_IN, &ENDPOINTS)
        .await
        .unwrap();
    // Their answer (InResponseTo of their request) posted with my browser's state and key.
    let answer = ScriptedDirectories::saml_answer(&theirs.authorization_url, "taro@corp", "_b");
    let r = w
        .auth
        .finish_directory(
            connection.as_str(),
            &DirectoryCallback::Saml { response: answer },
            Some(&my_state),
            Some(&mine.browser_key.expose()),
            &ENDPOINTS,
            &client(),
        )
        .await;
    assert!(matches!(r, Err(FederationError::Rejected(_))), "{r:?}");
    // My state is spent now, even with a right answer.
    let answer = ScriptedDirectories::saml_answer(&mine.authorization_url, "taro@corp", "_c");
    let again = w
        .auth
        .finish_directory(
            connection.as_str(),
            &DirectoryCallback::Saml { response: answer },
            Some(&my_state),
            Some(&mine.browser_key.expose()),
            &ENDPOINTS,
            &client(),
        )
        .await;
    assert!(matches!(again, Err(FederationError::BadState)));
    // No state at all: an unsolicited answer.
    let unsolicited = w
        .auth
        .finish_directory(
            connection.as_str(),
            &DirectoryCallback::Saml {
                response: "x|taro@corp|_d".into(),
            },
            None,
            None,
            &ENDPOINTS,
            &client(),
        )
        .await;
    assert!(matches!(unsolicited, Err(FederationError::BadState)));
}

#[tokio::test]
async fn d1_a_turned_off_connection_refuses_sign_in_and_turning_on_again_keeps_the_id() {
    let w = TestWorld::new();
    let (me, connection) = owner_with_ad(&w).await;
    ad_user(&w, &connection, "taro@corp").await;
    w.auth
        .turn_off_active_directory(&me, &client())
        .await
        .unwrap();
    assert!(matches!(
        w.auth.directory(connection.as_str()).await,
        Err(FederationError::DirectoryOff)
    ));
    assert!(matches!(
        round_trip(&w, &connection, SIGN_IN, "taro@corp", "_a").await,
        Err(FederationError::DirectoryOff)
    ));
    assert_eq!(
        w.auth.turn_off_active_directory(&me, &client()).await,
        Err(AdSetupError::NotOn)
    );
    let again = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/FederationMetadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    assert_eq!(again, connection);
    assert!(
        round_trip(&w, &connection, SIGN_IN, "taro@corp", "_b")
            .await
            .is_ok()
    );
    assert!(matches!(
        w.auth.directory("adfs-zzzzzzzzzzzzzzzzzz").await,
        Err(FederationError::UnknownConnection)
    ));
    assert!(matches!(
        w.auth.directory("not-an-id").await,
        Err(FederationError::UnknownConnection)
    ));
}

#[tokio::test]
async fn d1_editing_keeps_the_id_and_an_empty_secret_keeps_the_stored_one() {
    let w = TestWorld::new();
    let (me, connection) = owner_with_ad(&w).await;
    let oidc = AdSettingsInput {
        protocol: "oidc",
        metadata_url: "https://adfs.example.co.jp/adfs/.well-known/openid-configuration",
        client_id: "tobira",
        client_secret: "first-secret",
        subject: "upn",
        ..AdSettingsInput::default()
    };
    w.auth
        .edit_active_directory(&me, &oidc, &client())
        .await
        .unwrap();
    let keep = AdSettingsInput {
        client_secret: "",
        ..oidc.clone()
    };
    w.auth
        .edit_active_directory(&me, &keep, &client())
        .await
        .unwrap();
    let contract = w
        .store
        .contract_by_connection(&connection)
        .await
        .unwrap()
        .unwrap();
    let ad = contract.ad.unwrap();
    assert_eq!(ad.id, connection);
    assert_eq!(ad.settings.subject, AdSubject::Upn);
    assert!(matches!(
        ad.settings.protocol,
        crate::domain::AdProtocol::Oidc { ref client_secret, .. } if client_secret.expose() == "first-secret"
    ));
    // Metadata that cannot be read changes nothing and says why.
    w.directories.set_down(true);
    let back = saml_settings("https://adfs.example.co.jp/FederationMetadata.xml");
    assert!(matches!(
        w.auth.edit_active_directory(&me, &back, &client()).await,
        Err(AdSetupError::Metadata(_))
    ));
    w.directories.set_down(false);
    let still = w
        .store
        .contract_by_connection(&connection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.ad.unwrap().settings.subject, AdSubject::Upn);
    assert!(
        w.audit
            .events()
            .iter()
            .any(|e| e.kind == AuditKind::ActiveDirectoryChanged)
    );
}

#[tokio::test]
async fn d1_stale_url_metadata_is_read_again_when_a_sign_in_starts() {
    let w = TestWorld::new();
    let (_, connection) = owner_with_ad(&w).await;
    let read_at = |w: &TestWorld<MemoryStore>| {
        let w = w.store.clone();
        let c = connection.clone();
        async move {
            w.contract_by_connection(&c)
                .await
                .unwrap()
                .unwrap()
                .ad
                .unwrap()
                .metadata
                .unwrap()
                .read_at
        }
    };
    let first = read_at(&w).await;
    w.clock.advance(chrono::Duration::hours(25));
    w.auth
        .start_directory(connection.as_str(), SIGN_IN, &ENDPOINTS)
        .await
        .unwrap();
    assert!(read_at(&w).await > first);
    // An ADFS whose metadata cannot be read meanwhile still gets the browser: the copy held
    // serves.
    w.clock.advance(chrono::Duration::hours(25));
    w.directories.set_down(true);
    assert!(
        w.auth
            .start_directory(connection.as_str(), SIGN_IN, &ENDPOINTS)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn i2_a_user_registers_with_ad_and_x7_another_contracts_invitation_cannot_use_it() {
    let w = TestWorld::new();
    let (me, connection) = owner_with_ad(&w).await;
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "Taro",
                email: "taro@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    let r = round_trip(
        &w,
        &connection,
        DirectoryFor::Invitation {
            token: PresentedToken::new(&token),
        },
        "taro@corp",
        "_i1",
    )
    .await;
    assert!(matches!(r, Ok(FederationOutcome::Registered(_))), "{r:?}");
    assert!(
        round_trip(&w, &connection, SIGN_IN, "taro@corp", "_i2")
            .await
            .is_ok()
    );

    // Another contract with its own connection: its invitation cannot go through ours.
    let other = w.contract("別会社", crate::domain::Plan::Basic).await;
    w.store
        .set_two_factor_policy(other.id, crate::domain::TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    let other_owner = w
        .account(&other, "boss@other.example", Role::Owner, Some(PW))
        .await;
    let boss = session_of(&w, other_owner.email.as_str(), PW).await;
    w.auth
        .invite_user(
            &boss,
            Invite {
                name: "Spy",
                email: "spy@other.example",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let theirs = newest_link(&w, TicketPurpose::Invitation);
    let r = w
        .auth
        .start_directory(
            connection.as_str(),
            DirectoryFor::Invitation {
                token: PresentedToken::new(&theirs),
            },
            &ENDPOINTS,
        )
        .await;
    assert!(
        matches!(
            r,
            Err(FederationError::Registration(
                RegistrationError::NoActiveDirectory
            ))
        ),
        "{r:?}"
    );
}
