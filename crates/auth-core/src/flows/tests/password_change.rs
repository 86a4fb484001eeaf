use super::{client, sign_in, try_sign_in};
use crate::domain::{PasswordCandidate, PasswordRule, Role, SessionScope};
use crate::flows::password_change::{ChangePassword, ChangePasswordError};
#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use crate::testing::TestWorld;

const EMAIL: &str = "owner@example.co.jp";
const RIGHT: &str = "Kumo-2024";
const NEW: &str = "Hanami-2031";

fn change<'a>(current: &str, new: &'a str, confirmation: &'a str) -> ChangePassword<'a> {
    ChangePassword {
        current: PasswordCandidate::new(current),
        new_password: new,
        confirmation,
    }
}

#[tokio::test]
async fn p2_a_change_keeps_this_session_and_ends_the_others() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let here = sign_in(&w, EMAIL, RIGHT).await;
    let elsewhere = sign_in(&w, EMAIL, RIGHT).await;
    let me = w
        .auth
        .authenticate(
            &here.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    w.auth
        .change_password(&me, change(RIGHT, NEW, NEW), &client())
        .await
        .unwrap();
    assert!(
        w.auth
            .authenticate(
                &here.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_ok()
    );
    assert!(
        w.auth
            .authenticate(
                &elsewhere.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    assert!(try_sign_in(&w, EMAIL, RIGHT).await.is_err());
    sign_in(&w, EMAIL, NEW).await;
    let _ = owner;
}

#[tokio::test]
async fn p2_a_wrong_current_password_changes_nothing_and_counts_as_a_failure() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let here = sign_in(&w, EMAIL, RIGHT).await;
    let me = w
        .auth
        .authenticate(
            &here.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .change_password(&me, change("Wrong-2024", NEW, NEW), &client())
            .await,
        Err(ChangePasswordError::WrongCurrentPassword)
    );
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .failures(),
        1
    );
    sign_in(&w, EMAIL, RIGHT).await;
}

#[tokio::test]
async fn p2_the_new_password_follows_p1_with_confirmation() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let here = sign_in(&w, EMAIL, RIGHT).await;
    let me = w
        .auth
        .authenticate(
            &here.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap();
    let Err(ChangePasswordError::Rejected(r)) = w
        .auth
        .change_password(
            &me,
            change(RIGHT, "alllowercase", "alllowercase"),
            &client(),
        )
        .await
    else {
        panic!("expected a rejection");
    };
    assert_eq!(r.rules, vec![PasswordRule::TooFewClasses { used: 1 }]);
    let Err(ChangePasswordError::Rejected(r)) = w
        .auth
        .change_password(&me, change(RIGHT, NEW, "Hanami-2032"), &client())
        .await
    else {
        panic!("expected a rejection");
    };
    assert_eq!(r.rules, vec![PasswordRule::ConfirmationMismatch]);
}

#[tokio::test]
async fn p2_only_password_accounts_change_passwords() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let fed = w
        .account(&contract, "fed@example.co.jp", Role::User, None)
        .await;
    let me = crate::domain::Session {
        id: crate::domain::SessionId::generate(w.secrets.as_ref()),
        token_hash: crate::domain::SecretToken::generate(w.secrets.as_ref()).hash(),
        account: fed.id,
        contract: contract.id,
        scope: SessionScope::Settings,
        created_at: crate::ports::Clock::now(w.clock.as_ref()),
        last_seen_at: crate::ports::Clock::now(w.clock.as_ref()),
        channel: crate::domain::ChannelKind::Internet,
        client_address: None,
        user_agent: None,
    };
    assert_eq!(
        w.auth
            .change_password(&me, change(RIGHT, NEW, NEW), &client())
            .await,
        Err(ChangePasswordError::NotAPasswordAccount)
    );
}

#[tokio::test]
async fn p2_password_change_voids_reset_links() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let reset = super::last_link(&w, crate::domain::TicketPurpose::PasswordReset);
    let me = super::session_of(&w, EMAIL, RIGHT).await;
    w.auth
        .change_password(&me, change(RIGHT, NEW, NEW), &client())
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .reset_password(&reset, "Sakura-2032", "Sakura-2032", &client())
            .await,
        Err(crate::flows::password_reset::ResetError::Ticket(
            crate::domain::TicketError::Voided
        ))
    );
    sign_in(&w, EMAIL, NEW).await;
}
