#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use chrono::Duration;

use super::{client, sign_in};
use crate::domain::{SessionPolicy, SessionScope};
use crate::flows::sessions::SessionError;
use crate::testing::TestWorld;

const EMAIL: &str = "owner@example.co.jp";
const RIGHT: &str = "Kumo-2024";

#[tokio::test]
async fn l11_a_session_slides_with_use_and_ends_after_the_idle_timeout() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let grant = sign_in(&w, EMAIL, RIGHT).await;
    let policy = SessionPolicy::default();
    for _ in 0..4 {
        w.clock.advance(policy.idle - Duration::minutes(1));
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet,
            )
            .await
            .unwrap();
    }
    w.clock.advance(policy.idle);
    assert_eq!(
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .unwrap_err(),
        SessionError::Expired
    );
    // An expired session is removed, not merely refused.
    assert!(w.store.session(grant.token.hash()).await.unwrap().is_none());
}

#[tokio::test]
async fn l11_a_session_ends_at_the_absolute_timeout_however_busy() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let grant = sign_in(&w, EMAIL, RIGHT).await;
    let policy = SessionPolicy::default();
    let steps = policy.absolute.num_minutes() / 10;
    for _ in 0..steps - 1 {
        w.clock.advance(Duration::minutes(10));
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet,
            )
            .await
            .unwrap();
    }
    w.clock.advance(Duration::minutes(10));
    assert_eq!(
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .unwrap_err(),
        SessionError::Expired
    );
}

#[tokio::test]
async fn l11_sign_out_ends_the_session() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let grant = sign_in(&w, EMAIL, RIGHT).await;
    w.auth.sign_out(&grant.token, &client()).await.unwrap();
    assert_eq!(
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .unwrap_err(),
        SessionError::NotSignedIn
    );
    // Signing out twice is harmless.
    w.auth.sign_out(&grant.token, &client()).await.unwrap();
}

#[tokio::test]
async fn s2_a_service_session_does_not_open_the_settings_menu() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let grant = sign_in(&w, EMAIL, RIGHT).await;
    assert_eq!(
        w.auth
            .authenticate(
                &grant.token,
                SessionScope::Settings,
                crate::domain::ChannelKind::Internet
            )
            .await
            .unwrap_err(),
        SessionError::NotSignedIn
    );
}

#[tokio::test]
async fn x4_an_account_lists_and_ends_its_own_sessions_only() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(
        &contract,
        "user@example.co.jp",
        crate::domain::Role::User,
        Some(RIGHT),
    )
    .await;
    let a = sign_in(&w, EMAIL, RIGHT).await;
    let b = sign_in(&w, EMAIL, RIGHT).await;
    let other = sign_in(&w, "user@example.co.jp", RIGHT).await;
    let me = w
        .auth
        .authenticate(
            &a.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    let mine = w.auth.my_sessions(&me).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(
        !w.auth
            .end_my_session(&me, other.session.id, &client())
            .await
            .unwrap()
    );
    assert!(
        w.auth
            .end_my_session(&me, b.session.id, &client())
            .await
            .unwrap()
    );
    assert!(
        w.auth
            .authenticate(
                &b.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    assert!(
        w.auth
            .authenticate(
                &other.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_ok()
    );
}
