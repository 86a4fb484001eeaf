#[allow(unused_imports)]
use crate::ports::{AccountStore as _, Clock as _, SessionStore as _};

use super::{client, session_of, sign_in};
use crate::domain::{AuditKind, Role, SessionScope};
use crate::flows::admin::AdminError;
use crate::testing::TestWorld;

const PW: &str = "Kumo-2024";

#[tokio::test]
async fn a1_the_console_lists_and_opens_users_of_the_contract() {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    w.clock.advance(chrono::Duration::seconds(1));
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let list = w.auth.list_users(&me).await.unwrap();
    assert_eq!(
        list.accounts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![owner.id, user.id]
    );
    sign_in(&w, "user@example.co.jp", PW).await;
    let detail = w.auth.open_user(&me, user.id).await.unwrap();
    assert_eq!(detail.account.email.as_str(), "user@example.co.jp");
    assert_eq!(detail.sessions.len(), 1);
    let as_user = session_of(&w, "user@example.co.jp", PW).await;
    assert_eq!(
        w.auth.list_users(&as_user).await.unwrap_err(),
        AdminError::NotPermitted
    );
}

#[tokio::test]
async fn a2_admins_register_and_remove_lines() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    let admin = session_of(&w, "admin@example.co.jp", PW).await;
    w.auth
        .add_line(&admin, "COP1234ABCD", &client())
        .await
        .unwrap();
    assert_eq!(w.auth.lines(&admin).await.unwrap().len(), 1);
    w.auth
        .remove_line(&admin, "cop1234abcd", &client())
        .await
        .unwrap();
    assert!(w.auth.lines(&admin).await.unwrap().is_empty());
}

#[tokio::test]
async fn x4_an_admin_ends_a_users_sessions_and_removing_a_user_ends_them_at_once() {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let a = sign_in(&w, "user@example.co.jp", PW).await;
    let b = sign_in(&w, "user@example.co.jp", PW).await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .end_user_sessions(&me, user.id, &client())
            .await
            .unwrap(),
        2
    );
    assert!(
        w.auth
            .authenticate(
                &a.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    let c = sign_in(&w, "user@example.co.jp", PW).await;
    w.auth.remove_user(&me, user.id, &client()).await.unwrap();
    assert!(
        w.auth
            .authenticate(
                &c.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    assert!(w.store.account(user.id).await.unwrap().is_none());
    assert_eq!(
        w.auth
            .remove_user(&me, owner.id, &client())
            .await
            .unwrap_err(),
        AdminError::OwnerIsProtected
    );
    let _ = b;
}

#[tokio::test]
async fn x1_owners_read_their_contracts_events_without_secrets() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let _ = super::try_sign_in(&w, "owner@example.co.jp", "Wrong-pass1").await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let events = w.auth.audit_events(&me, 50).await.unwrap();
    assert!(events.iter().all(|e| e.contract == Some(contract.id)));
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, AuditKind::SignInFailed { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, AuditKind::SignInSucceeded { .. }))
    );
    let first = events.last().unwrap();
    assert_eq!(first.client_address, Some([192, 0, 2, 9].into()));
    let printed = format!("{events:?}");
    assert!(!printed.contains("Wrong-pass1") && !printed.contains(PW));
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let user = session_of(&w, "user@example.co.jp", PW).await;
    assert_eq!(
        w.auth.audit_events(&user, 10).await.unwrap_err(),
        AdminError::NotPermitted
    );
}

#[tokio::test]
async fn x4_an_admin_cannot_end_the_owners_sessions() {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    w.account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    let owner_session = sign_in(&w, "owner@example.co.jp", PW).await;
    let admin = session_of(&w, "admin@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .end_user_sessions(&admin, owner.id, &client())
            .await
            .unwrap_err(),
        AdminError::OwnerIsProtected
    );
    assert!(
        w.auth
            .authenticate(
                &owner_session.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_ok()
    );
}
