#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use std::sync::Arc;

use super::{client, last_link, sign_in, try_sign_in};
use crate::domain::{
    AuditKind, LOCK_THRESHOLD, MailKind, Plan, Role, SignInFailure, TicketError, TicketPurpose,
};
use crate::flows::signin::SignInError;
use crate::flows::unlock::UnlockError;
use crate::testing::{FastHasher, TestWorld};
use chrono::Duration;

const EMAIL: &str = "owner@example.co.jp";
const RIGHT: &str = "Kumo-2024";
const WRONG: &str = "Kumo-2025";

fn locked_mails(w: &TestWorld<crate::testing::MemoryStore>) -> usize {
    w.store
        .queued_mail()
        .iter()
        .filter(|m| matches!(m.kind, MailKind::AccountLocked { .. }))
        .count()
}

#[tokio::test]
async fn l1_sign_in_ignores_case_and_surrounding_space_of_the_email() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let grant = sign_in(&w, "  OWNER@Example.CO.JP\t", RIGHT).await;
    assert_eq!(grant.session.account, owner.id);
}

#[tokio::test]
async fn l1_a_malformed_email_is_named_as_such() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let err = try_sign_in(&w, "owner.example.co.jp", RIGHT)
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidEmail(_)), "{err:?}");
}

#[tokio::test]
async fn l2_tenth_wrong_password_locks_exactly_once_and_queues_one_unlock_mail() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    for n in 1..=LOCK_THRESHOLD + 3 {
        let err = try_sign_in(&w, EMAIL, WRONG).await.unwrap_err();
        assert!(matches!(err, SignInError::InvalidCredentials));
        let stored = w.store.account(owner.id).await.unwrap().unwrap();
        assert_eq!(
            stored.lock.is_locked(),
            n >= LOCK_THRESHOLD,
            "after {n} failures"
        );
        assert_eq!(stored.lock.failures(), n.min(LOCK_THRESHOLD));
    }
    assert_eq!(locked_mails(&w), 1);
    let locks = w
        .audit
        .events()
        .iter()
        .filter(|e| e.kind == AuditKind::AccountLocked)
        .count();
    assert_eq!(locks, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l2_concurrent_wrong_passwords_lock_exactly_once() {
    for _round in 0..10 {
        let w = Arc::new(TestWorld::new());
        let (_, owner) = w.basic_owner().await;
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let w = w.clone();
                tokio::spawn(async move { try_sign_in(&w, EMAIL, WRONG).await })
            })
            .collect();
        for t in tasks {
            assert!(matches!(
                t.await.unwrap(),
                Err(SignInError::InvalidCredentials)
            ));
        }
        let stored = w.store.account(owner.id).await.unwrap().unwrap();
        assert!(stored.lock.is_locked());
        assert_eq!(locked_mails(&w), 1);
    }
}

#[tokio::test]
async fn l2_the_unlock_ticket_is_valid_for_fourteen_days() {
    let w = TestWorld::new();
    w.basic_owner().await;
    for _ in 0..LOCK_THRESHOLD {
        let _ = try_sign_in(&w, EMAIL, WRONG).await;
    }
    let mail = w.store.queued_mail().pop().unwrap();
    let MailKind::AccountLocked { unlock } = mail.kind else {
        panic!("not a lock mail")
    };
    assert_eq!(unlock.expires_at, w.clock.now() + Duration::days(14));
    assert_eq!(mail.to.as_str(), EMAIL);
}

#[tokio::test]
async fn l3_a_success_resets_the_failure_count() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    for _ in 0..LOCK_THRESHOLD - 1 {
        let _ = try_sign_in(&w, EMAIL, WRONG).await;
    }
    sign_in(&w, EMAIL, RIGHT).await;
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .failures(),
        0
    );
    // Nine more failures do not lock: the count started again.
    for _ in 0..LOCK_THRESHOLD - 1 {
        let _ = try_sign_in(&w, EMAIL, WRONG).await;
    }
    assert!(
        !w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
}

#[tokio::test]
async fn l4_a_locked_account_refuses_the_right_password_until_unlocked() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    for _ in 0..LOCK_THRESHOLD {
        let _ = try_sign_in(&w, EMAIL, WRONG).await;
    }
    assert!(matches!(
        try_sign_in(&w, EMAIL, RIGHT).await,
        Err(SignInError::InvalidCredentials)
    ));
    let link = last_link(&w, TicketPurpose::Unlock);
    w.auth.unlock(&link, &client()).await.unwrap();
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert!(!stored.lock.is_locked());
    assert_eq!(stored.lock.failures(), 0);
    sign_in(&w, EMAIL, RIGHT).await;
    assert_eq!(
        w.auth.unlock(&link, &client()).await,
        Err(UnlockError::Ticket(TicketError::Used))
    );
}

#[tokio::test]
async fn l4_an_expired_unlock_ticket_is_refused_and_a_password_reset_unlocks() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    for _ in 0..LOCK_THRESHOLD {
        let _ = try_sign_in(&w, EMAIL, WRONG).await;
    }
    let link = last_link(&w, TicketPurpose::Unlock);
    w.clock.advance(Duration::days(14));
    assert_eq!(
        w.auth.unlock(&link, &client()).await,
        Err(UnlockError::Ticket(TicketError::Expired))
    );
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let reset = last_link(&w, TicketPurpose::PasswordReset);
    w.auth
        .reset_password(&reset, "Hanami-2031", "Hanami-2031", &client())
        .await
        .unwrap();
    assert!(
        !w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
    sign_in(&w, EMAIL, "Hanami-2031").await;
}

#[tokio::test]
async fn l4_malformed_unlock_links_are_unknown() {
    let w = TestWorld::new();
    for junk in ["", "x", &"A".repeat(43), "../../etc/passwd"] {
        assert_eq!(
            w.auth.unlock(junk, &client()).await,
            Err(UnlockError::Ticket(TicketError::Unknown))
        );
    }
}

#[tokio::test]
async fn l5_unknown_wrong_and_locked_give_one_answer_for_one_hash_each() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let locked = w
        .account(&contract, "locked@example.co.jp", Role::User, Some(RIGHT))
        .await;
    for _ in 0..LOCK_THRESHOLD {
        let _ = try_sign_in(&w, "locked@example.co.jp", WRONG).await;
    }
    assert!(
        w.store
            .account(locked.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
    let federated = w
        .account(&contract, "fed@example.co.jp", Role::User, None)
        .await;
    let _ = federated;

    let cases = [
        ("nobody@example.co.jp", RIGHT, SignInFailure::UnknownEmail),
        (EMAIL, WRONG, SignInFailure::WrongPassword),
        ("locked@example.co.jp", RIGHT, SignInFailure::Locked),
        (
            "fed@example.co.jp",
            RIGHT,
            SignInFailure::NotAPasswordAccount,
        ),
    ];
    for (email, password, reason) in cases {
        let before = w.hasher.verifications();
        let err = try_sign_in(&w, email, password).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the e-mail address or password is incorrect"
        );
        assert!(matches!(err, SignInError::InvalidCredentials));
        assert_eq!(
            w.hasher.verifications() - before,
            1,
            "{email} costs exactly one hash"
        );
        let last = w.audit.events().pop().unwrap();
        assert_eq!(last.kind, AuditKind::SignInFailed { reason });
    }
}

#[tokio::test]
async fn l11_sign_in_opens_a_session_stored_only_as_a_hash() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let grant = sign_in(&w, EMAIL, RIGHT).await;
    let stored = w.store.session(grant.token.hash()).await.unwrap().unwrap();
    assert_eq!(stored.account, owner.id);
    assert_eq!(stored.token_hash, grant.token.hash());
    assert!(!format!("{stored:?}").contains(grant.token.expose().as_str()));
    assert_eq!(stored.client_address.as_deref(), Some("192.0.2.9"));
}

#[tokio::test]
async fn p4_an_old_hash_is_upgraded_at_the_next_successful_sign_in() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let older = FastHasher::with_version(1).hash_text(RIGHT).unwrap();
    let acc = w
        .account_with_hash(&contract, "old@example.co.jp", Role::User, older)
        .await;
    sign_in(&w, "old@example.co.jp", RIGHT).await;
    let stored = w.store.account(acc.id).await.unwrap().unwrap();
    assert!(
        stored
            .password_hash
            .unwrap()
            .as_phc()
            .starts_with("$fake$v=2$")
    );
    assert!(
        w.audit
            .events()
            .iter()
            .any(|e| e.kind == AuditKind::PasswordRehashed)
    );
    // The upgraded hash still verifies, and a wrong password still fails.
    sign_in(&w, "old@example.co.jp", RIGHT).await;
    assert!(try_sign_in(&w, "old@example.co.jp", WRONG).await.is_err());
}

#[tokio::test]
async fn c1_sign_in_after_the_trial_ended_is_refused_with_a_reason() {
    let w = TestWorld::new();
    let trial = w
        .contract(
            "試用会社",
            Plan::FreeTrial {
                started_at: w.clock.now(),
            },
        )
        .await;
    w.store
        .set_two_factor_policy(trial.id, crate::domain::TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    w.account(&trial, "trial@example.co.jp", Role::Owner, Some(RIGHT))
        .await;
    sign_in(&w, "trial@example.co.jp", RIGHT).await;
    w.clock.advance(Duration::days(30));
    assert!(matches!(
        try_sign_in(&w, "trial@example.co.jp", RIGHT).await,
        Err(SignInError::ContractEnded)
    ));
    // A wrong password still says nothing about the contract (L5).
    assert!(matches!(
        try_sign_in(&w, "trial@example.co.jp", WRONG).await,
        Err(SignInError::InvalidCredentials)
    ));
}

#[tokio::test]
async fn a_store_outage_fails_cleanly_and_changes_nothing() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    w.store.set_unavailable(true);
    assert!(matches!(
        try_sign_in(&w, EMAIL, WRONG).await,
        Err(SignInError::Infrastructure(_))
    ));
    w.store.set_unavailable(false);
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .failures(),
        0
    );
}
