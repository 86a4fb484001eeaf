#[allow(unused_imports)]
use crate::ports::{AccountStore as _, Clock as _, ContractStore as _, TwoFactorStore as _};

use super::{client, saml_settings, session_of};
use crate::domain::{
    AccessRoute, Channel, ClientInfo, ExternalIdentity, LineNumber, MailKind, PasswordCandidate,
    Provider, Role, SessionScope, Subject, TwoFactorPolicy,
};
use crate::flows::admin::LineError;
use crate::flows::settings::SettingsError;
use crate::flows::signin::{IdentitySignIn, PasswordSignIn, SignInError, SignInOutcome};
use crate::flows::two_factor::SecondFactorStep;
use crate::testing::{MemoryStore, TestWorld};

const PW: &str = "Kumo-2024";
const EAST: &str = "CAF1234567890";
const WEST: &str = "COP12345678";

fn over(line: &str) -> ClientInfo {
    ClientInfo {
        channel: Channel::Line(LineNumber::parse(line).unwrap()),
        address: Some([10, 0, 0, 1].into()),
        user_agent: None,
    }
}

async fn sign_in_via(
    w: &TestWorld<MemoryStore>,
    email: &str,
    client: ClientInfo,
    scope: SessionScope,
) -> Result<SignInOutcome, SignInError> {
    w.auth
        .sign_in_with_password(PasswordSignIn {
            email,
            password: PasswordCandidate::new(PW),
            client,
            scope,
            remembered_browser: None,
        })
        .await
}

/// A Basic contract with two-factor ON, its owner, and a registered East line.
async fn contract_with_line() -> (TestWorld<MemoryStore>, crate::domain::Account) {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth.add_line(&me, EAST, &client()).await.unwrap();
    w.store
        .set_two_factor_policy(contract.id, TwoFactorPolicy::Enabled)
        .await
        .unwrap();
    (w, owner)
}

#[tokio::test]
async fn n1_n2_a_contract_registers_several_lines_in_either_form() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .add_line(&me, "caf1234567890", &client())
        .await
        .unwrap();
    w.auth
        .add_line(&me, "COP1234567A", &client())
        .await
        .unwrap();
    let err = w.auth.add_line(&me, "CAF123", &client()).await.unwrap_err();
    assert!(matches!(err, LineError::InvalidLine(_)));
    assert!(err.to_string().contains("CAF") && err.to_string().contains("COP"));
    let lines: Vec<String> = w
        .auth
        .lines(&me)
        .await
        .unwrap()
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect();
    assert_eq!(lines, vec!["CAF1234567890", "COP1234567A"]);
    w.auth
        .remove_line(&me, "COP1234567A", &client())
        .await
        .unwrap();
    assert_eq!(w.auth.lines(&me).await.unwrap().len(), 1);
}

#[tokio::test]
async fn n2_a_line_belongs_to_one_contract() {
    let (w, _) = contract_with_line().await;
    let other = w.contract("他社", crate::domain::Plan::Basic).await;
    w.store
        .set_two_factor_policy(other.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    w.account(&other, "boss@other.example.jp", Role::Owner, Some(PW))
        .await;
    let boss = session_of(&w, "boss@other.example.jp", PW).await;
    assert_eq!(
        w.auth.add_line(&boss, EAST, &client()).await.unwrap_err(),
        LineError::LineTaken
    );
    assert_eq!(
        w.auth
            .remove_line(&boss, EAST, &client())
            .await
            .unwrap_err(),
        LineError::NotFound
    );
}

#[tokio::test]
async fn l9_a_registered_line_replaces_the_second_factor() {
    let (w, _) = contract_with_line().await;
    let r = sign_in_via(&w, "owner@example.co.jp", over(EAST), SessionScope::Service).await;
    assert!(matches!(r, Ok(SignInOutcome::SignedIn(_))));
    // The same account over the internet needs the second factor.
    let r = sign_in_via(&w, "owner@example.co.jp", client(), SessionScope::Service).await;
    assert!(matches!(r, Ok(SignInOutcome::SecondFactorRequired(_))));
}

#[tokio::test]
async fn l9_an_unregistered_line_gives_a_line_authentication_error() {
    let (w, _) = contract_with_line().await;
    let r = sign_in_via(
        &w,
        "owner@example.co.jp",
        over("CAF0000000000"),
        SessionScope::Service,
    )
    .await;
    assert!(matches!(r, Err(SignInError::LineNotRegistered)));
    // A wrong password over any line says only "wrong" (L5).
    let wrong = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: "owner@example.co.jp",
            password: PasswordCandidate::new("nope"),
            client: over("CAF0000000000"),
            scope: SessionScope::Service,
            remembered_browser: None,
        })
        .await;
    assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
}

#[tokio::test]
async fn n3_the_owner_sets_the_access_route_after_confirming() {
    let (w, _) = contract_with_line().await;
    let me = session_of_any(&w).await;
    assert_eq!(
        w.auth
            .set_access_route(&me, AccessRoute::LineOnly, false, &client())
            .await
            .unwrap_err(),
        SettingsError::ConfirmationRequired
    );
    w.auth
        .set_access_route(&me, AccessRoute::LineOnly, true, &client())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .contract(me.contract)
            .await
            .unwrap()
            .unwrap()
            .access_route,
        AccessRoute::LineOnly
    );
}

async fn session_of_any(w: &TestWorld<MemoryStore>) -> crate::domain::Session {
    let SignInOutcome::SignedIn(g) =
        sign_in_via(w, "owner@example.co.jp", over(EAST), SessionScope::Service)
            .await
            .unwrap()
    else {
        panic!("line sign-in must not need a second factor")
    };
    w.auth
        .authenticate(
            &g.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Line,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn n3_admins_cannot_set_the_access_route() {
    let (w, owner) = contract_with_line().await;
    let contract = w.store.contract(owner.contract).await.unwrap().unwrap();
    w.account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    let SignInOutcome::SignedIn(g) =
        sign_in_via(&w, "admin@example.co.jp", over(EAST), SessionScope::Service)
            .await
            .unwrap()
    else {
        panic!()
    };
    let admin = w
        .auth
        .authenticate(
            &g.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Line,
        )
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .set_access_route(&admin, AccessRoute::LineOnly, true, &client())
            .await
            .unwrap_err(),
        SettingsError::NotPermitted
    );
}

#[tokio::test]
async fn l10_line_only_refuses_internet_sign_in_except_the_owners_settings_menu() {
    let (w, owner) = contract_with_line().await;
    let contract = w.store.contract(owner.contract).await.unwrap().unwrap();
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    w.store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    let r = sign_in_via(&w, "user@example.co.jp", client(), SessionScope::Service).await;
    assert!(matches!(r, Err(SignInError::InternetNotAllowed)));
    let r = sign_in_via(&w, "user@example.co.jp", client(), SessionScope::Settings).await;
    assert!(
        matches!(r, Err(SignInError::InternetNotAllowed)),
        "a user's settings sign-in is refused too"
    );
    let r = sign_in_via(&w, "owner@example.co.jp", client(), SessionScope::Service).await;
    assert!(matches!(r, Err(SignInError::InternetNotAllowed)));
    let r = sign_in_via(&w, "owner@example.co.jp", client(), SessionScope::Settings).await;
    assert!(
        matches!(r, Ok(SignInOutcome::SecondFactorRequired(_))),
        "the owner reaches the settings sign-in (with its second factor)"
    );
    let r = sign_in_via(&w, "user@example.co.jp", over(EAST), SessionScope::Service).await;
    assert!(matches!(r, Ok(SignInOutcome::SignedIn(_))));
}

#[tokio::test]
async fn n4_an_owner_locked_out_by_a_wrong_line_switches_back_from_the_internet() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.store
        .add_line(contract.id, &LineNumber::parse("CAF9999999999").unwrap())
        .await
        .unwrap(); // the wrong number
    w.store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    let r = sign_in_via(&w, "owner@example.co.jp", over(EAST), SessionScope::Service).await;
    assert!(matches!(r, Err(SignInError::LineNotRegistered)));
    let SignInOutcome::SignedIn(g) =
        sign_in_via(&w, "owner@example.co.jp", client(), SessionScope::Settings)
            .await
            .unwrap()
    else {
        panic!()
    };
    let me = w
        .auth
        .authenticate(
            &g.token,
            SessionScope::Settings,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    w.auth
        .set_access_route(&me, AccessRoute::LineAndInternet, true, &client())
        .await
        .unwrap();
    w.auth.add_line(&me, EAST, &client()).await.unwrap();
    w.auth
        .remove_line(&me, "CAF9999999999", &client())
        .await
        .unwrap();
    assert!(matches!(
        sign_in_via(&w, "owner@example.co.jp", over(EAST), SessionScope::Service).await,
        Ok(SignInOutcome::SignedIn(_))
    ));
}

#[tokio::test]
async fn n5_a_west_japan_line_asks_consent_once() {
    let (w, owner) = contract_with_line().await;
    w.store
        .add_line(owner.contract, &LineNumber::parse(WEST).unwrap())
        .await
        .unwrap();
    let Ok(SignInOutcome::SecondFactorRequired(p)) =
        sign_in_via(&w, "owner@example.co.jp", over(WEST), SessionScope::Service).await
    else {
        panic!("consent expected")
    };
    assert_eq!(
        p.step,
        SecondFactorStep::LineConsent {
            line: LineNumber::parse(WEST).unwrap()
        }
    );
    assert!(
        w.auth
            .authenticate(
                &p.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err(),
        "no session before consent"
    );
    let done = w.auth.give_line_consent(&p.token).await.unwrap();
    assert_eq!(done.session.session.account, owner.id);
    let again = sign_in_via(&w, "owner@example.co.jp", over(WEST), SessionScope::Service).await;
    assert!(
        matches!(again, Ok(SignInOutcome::SignedIn(_))),
        "asked only the first time"
    );
}

#[tokio::test]
async fn l7_a_bound_federated_identity_signs_in_without_a_second_factor_an_unbound_one_is_refused()
{
    let w = TestWorld::new();
    let contract = w.contract("雲商事", crate::domain::Plan::Basic).await; // two-factor on
    let user = w
        .account(&contract, "fed@example.co.jp", Role::User, None)
        .await;
    let bound = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("fed@example.co.jp").unwrap(),
    };
    let r = w
        .auth
        .sign_in_with_identity(IdentitySignIn {
            identity: bound,
            client: client(),
            scope: SessionScope::Service,
        })
        .await;
    let Ok(SignInOutcome::SignedIn(g)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(g.session.account, user.id);
    let stranger = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("someone-else").unwrap(),
    };
    let r = w
        .auth
        .sign_in_with_identity(IdentitySignIn {
            identity: stranger,
            client: client(),
            scope: SessionScope::Service,
        })
        .await;
    assert!(matches!(r, Err(SignInError::UnboundIdentity)));
    let other_provider = ExternalIdentity::Federated {
        provider: Provider::Microsoft,
        subject: Subject::parse("fed@example.co.jp").unwrap(),
    };
    let r = w
        .auth
        .sign_in_with_identity(IdentitySignIn {
            identity: other_provider,
            client: client(),
            scope: SessionScope::Service,
        })
        .await;
    assert!(matches!(r, Err(SignInError::UnboundIdentity)));
}

#[tokio::test]
async fn l8_active_directory_sign_in_goes_through_the_contracts_connection_on_both_channels() {
    let (w, owner) = contract_with_line().await;
    let me = session_of_any(&w).await;
    let connection = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/metadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    let ad_mail = w.store.queued_mail().pop().unwrap();
    assert!(matches!(&ad_mail.kind, MailKind::AdSignIn { connection: c } if *c == connection));
    let contract = w.store.contract(owner.contract).await.unwrap().unwrap();
    let method = ExternalIdentity::ActiveDirectory {
        connection: connection.clone(),
        subject: Subject::parse("taro@corp").unwrap(),
    };
    let user = w
        .account_with(
            &contract,
            "taro@example.co.jp",
            Role::User,
            method.login_method(),
            None,
        )
        .await;
    for channel in [client(), over(EAST)] {
        let r = w
            .auth
            .sign_in_with_identity(IdentitySignIn {
                identity: method.clone(),
                client: channel,
                scope: SessionScope::Service,
            })
            .await;
        let Ok(SignInOutcome::SignedIn(g)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(g.session.account, user.id);
    }
    let r = w
        .auth
        .sign_in_with_identity(IdentitySignIn {
            identity: method,
            client: over("CAF0000000001"),
            scope: SessionScope::Service,
        })
        .await;
    assert!(matches!(r, Err(SignInError::LineNotRegistered)));
}

#[tokio::test]
async fn l10_line_session_is_refused_over_the_internet_under_line_only() {
    use crate::domain::ChannelKind;
    use crate::flows::sessions::SessionError;
    let (w, owner) = contract_with_line().await;
    let contract = w.store.contract(owner.contract).await.unwrap().unwrap();
    w.store
        .set_two_factor_policy(contract.id, TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let line_session = |email: &'static str, scope| {
        let w = &w;
        async move {
            match sign_in_via(w, email, over(EAST), scope).await {
                Ok(SignInOutcome::SignedIn(g)) => g.token,
                other => panic!("line sign-in must give a session: {other:?}"),
            }
        }
    };
    let user = line_session("user@example.co.jp", SessionScope::Service).await;
    let owner_settings = line_session("owner@example.co.jp", SessionScope::Settings).await;
    // Under LineAndInternet a line session may cross to the internet.
    assert!(
        w.auth
            .authenticate(&user, SessionScope::Service, ChannelKind::Internet)
            .await
            .is_ok()
    );
    w.store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    for (token, scope) in [
        (&user, SessionScope::Service),
        (&owner_settings, SessionScope::Settings),
    ] {
        assert_eq!(
            w.auth
                .authenticate(token, scope, ChannelKind::Internet)
                .await
                .unwrap_err(),
            SessionError::InternetNotAllowed,
            "a line-opened session is refused over the internet"
        );
        assert!(
            w.auth
                .authenticate(token, scope, ChannelKind::Line)
                .await
                .is_ok(),
            "and still works over its line"
        );
    }
    // The owner's settings session opened over the internet (L10, N4) stays allowed.
    let SignInOutcome::SignedIn(g) = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email: "owner@example.co.jp",
            password: PasswordCandidate::new(PW),
            client: client(),
            scope: SessionScope::Settings,
            remembered_browser: None,
        })
        .await
        .unwrap()
    else {
        panic!("two-factor is off in this contract")
    };
    assert!(
        w.auth
            .authenticate(&g.token, SessionScope::Settings, ChannelKind::Internet)
            .await
            .is_ok()
    );
}
