//! The port conformance suite: one function per store contract. Every store (in-memory,
//! SQLite, PostgreSQL) runs all of them through [`store_conformance_tests!`](crate::store_conformance_tests).

use std::sync::Arc;

use chrono::Duration;
use futures_util::future::join_all;

use crate::domain::{
    ChannelKind, DeliveryState, Email, FailureOutcome, LOCK_THRESHOLD, Mail, MailId, MailKind,
    NoticeKind, Role, SecretToken, Session, SessionId, SessionScope, Ticket, TicketError,
    TicketPurpose, TicketState,
};
use crate::ports::{
    Clock, EnrolmentCommit, InsertAccountError, LockArtifacts, PasswordChange, PasswordReset,
    Store, Success, SuccessRefused,
};

use super::TestWorld;
use crate::domain::{
    AccessRoute, AdConnection, ConnectionId, ContractStatus, ExternalIdentity, Invitation,
    LineNumber, LoginMethod, Plan, Provider, Subject,
};
use crate::domain::{
    ClientInfo, EnrolledFactor, Enrolment, PendingSignIn, PendingStage, PhoneNumber,
    RememberedBrowser, SmsChallenge, TotpSecret,
};
use crate::ports::SignInFinish;
use crate::ports::{ChangeRefused, EmailChange, LeaseOwner, MethodChange};

/// Generates one `#[tokio::test]` per conformance function. `$make` is an expression that
/// evaluates to a future of a fresh `Arc<S>` store (each test gets its own).
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@each $make;
            accounts_are_found_by_email_key,
            email_keys_are_unique_across_contracts,
            failures_lock_exactly_once_at_the_threshold,
            concurrent_failures_lock_exactly_once,
            success_resets_unless_locked_and_rehashes_conditionally,
            tickets_are_consumed_at_most_once,
            tickets_check_expiry_and_purpose,
            voiding_touches_only_unused_tickets_of_the_purpose,
            unlock_tickets_unlock,
            password_reset_is_all_or_nothing,
            password_change_is_conditional_and_keeps_one_session,
            p2_password_change_voids_reset_and_unlock_tickets,
            p3_email_and_method_changes_void_reset_and_unlock_tickets,
            p3_newest_reset_ticket_voids_older,
            p3_reset_requests_are_queued_leased_and_finished,
            sessions_are_stored_touched_listed_and_deleted,
            outbox_claims_are_leased_and_recorded,
            x6_a_failed_attempt_keeps_its_last_error,
            pending_sign_ins_are_stored_updated_and_taken_once,
            enrolment_completes_once_and_totp_steps_are_spent_once,
            recovery_codes_are_replaced_once_under_concurrency,
            l6_finishing_a_sign_in_is_one_step_that_a_second_factor_reset_voids,
            pending_sign_ins_move_to_a_new_token_at_each_step,
            remembered_browsers_slide_and_bind_to_their_account,
            sms_sends_are_capped_per_account_and_number,
            password_reset_and_clearing_remove_every_second_factor,
            contract_settings_round_trip_and_cancelling_ends_sessions,
            lines_belong_to_one_contract_and_consents_are_kept,
            invitations_are_saved_resent_and_accepted_once,
            email_changes_apply_atomically_and_keep_addresses_unique,
            method_changes_bind_identities_uniquely_and_clear_second_factors,
            removing_an_account_removes_what_hangs_on_it,
            i1_removed_account_invitations_are_withdrawn,
            link_sends_are_capped_per_account_and_purpose,
            federation_requests_are_taken_once_and_lapse,
            saml_assertions_are_claimed_once,
            x5_rate_hits_are_counted_atomically_per_key_and_window,
            x6_delivery_is_recorded_only_by_the_lease_holder,
            x6_leases_run_by_the_store_clock_and_are_renewed_and_released,
            x6_a_mail_let_go_by_its_claimer_is_due_for_workers_behind_its_writer,
            c2_contract_details_are_stored_with_the_name_and_their_notice,
            x6_recent_mail_lists_sent_and_unsent_oldest_first
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::testing::conformance::$name($make.await).await;
            }
        )*
    };
}

fn worker(name: &str) -> LeaseOwner {
    LeaseOwner::new(&format!("worker-{name}"))
}

fn notice<S>(w: &TestWorld<S>, to: &Email) -> Mail {
    Mail {
        id: MailId::generate(w.secrets.as_ref()),
        to: to.clone(),
        locale: crate::domain::Locale::Ja,
        kind: MailKind::Notice {
            kind: NoticeKind::PasswordChanged,
        },
        created_at: w.clock.now(),
    }
}

fn lock_artifacts<S>(w: &TestWorld<S>, account: &crate::domain::Account) -> LockArtifacts {
    let issued = Ticket::issue(
        TicketPurpose::Unlock,
        account.id,
        w.clock.now(),
        w.secrets.as_ref(),
    );
    LockArtifacts {
        mail: notice(w, &account.email),
        ticket: issued.ticket,
    }
}

fn session_for<S>(w: &TestWorld<S>, account: &crate::domain::Account) -> (SecretToken, Session) {
    let token = SecretToken::generate(w.secrets.as_ref());
    let session = Session {
        id: SessionId::generate(w.secrets.as_ref()),
        token_hash: token.hash(),
        account: account.id,
        contract: account.contract,
        scope: SessionScope::Service,
        created_at: w.clock.now(),
        last_seen_at: w.clock.now(),
        channel: ChannelKind::Internet,
        client_address: Some("192.0.2.1".into()),
        user_agent: Some("test".into()),
    };
    (token, session)
}

/// L1: lookups use the e-mail's case-insensitive key.
pub async fn accounts_are_found_by_email_key<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let found = w
        .store
        .account_by_email(&Email::parse(" OWNER@Example.co.jp ").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, owner.id);
    assert_eq!(found.email.as_str(), "owner@example.co.jp");
    assert!(found.password_hash.is_some());
    assert!(
        w.store
            .account_by_email(&Email::parse("other@example.co.jp").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        w.store.account(owner.id).await.unwrap().unwrap().email,
        owner.email
    );
    assert_eq!(
        w.store.contract(owner.contract).await.unwrap().unwrap().id,
        owner.contract
    );
}

/// E3: one address, one account, across all contracts; enforced by the store.
pub async fn email_keys_are_unique_across_contracts<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let other = w.contract("別会社", crate::domain::Plan::Basic).await;
    let mut twin = owner.clone();
    twin.id = crate::domain::AccountId::generate(w.secrets.as_ref());
    twin.contract = other.id;
    twin.email = Email::parse("Owner@EXAMPLE.co.jp").unwrap();
    assert_eq!(
        w.store.insert_account(&twin).await.unwrap_err(),
        InsertAccountError::EmailTaken
    );
}

/// L2: the 10th failure locks once and stores the unlock ticket and mail with it.
pub async fn failures_lock_exactly_once_at_the_threshold<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    for n in 1..LOCK_THRESHOLD {
        let outcome = w
            .store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap();
        assert_eq!(outcome, FailureOutcome::Counted { failures: n });
    }
    let artifacts = lock_artifacts(&w, &owner);
    let ticket = artifacts.ticket.hash;
    assert_eq!(
        w.store
            .record_failure(owner.id, w.clock.now(), artifacts)
            .await
            .unwrap(),
        FailureOutcome::LockedNow
    );
    assert_eq!(
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap(),
        FailureOutcome::AlreadyLocked
    );
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert!(stored.lock.is_locked());
    assert_eq!(stored.lock.failures(), LOCK_THRESHOLD);
    assert!(
        w.store.ticket(ticket).await.unwrap().is_some(),
        "the unlock ticket is stored with the lock"
    );
    assert_eq!(
        w.store.unsent_mail().await.unwrap().len(),
        1,
        "exactly one mail is queued"
    );
}

/// L2 under concurrency: 20 racing failures lock exactly once, with one mail.
pub async fn concurrent_failures_lock_exactly_once<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let attempts = (0..20).map(|_| {
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
    });
    let outcomes: Vec<FailureOutcome> = join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == FailureOutcome::LockedNow)
            .count(),
        1
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == FailureOutcome::AlreadyLocked)
            .count(),
        10
    );
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), 1);
}

/// L3, L4, P4: a success applies only when unlocked and over the verified hash; it resets the
/// count only when asked, and rehashes.
pub async fn success_resets_unless_locked_and_rehashes_conditionally<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    for _ in 0..3 {
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap();
    }
    let old = owner.password_hash.clone().unwrap();
    // Between the password and the second factor: checked, but the count stays.
    let checked = Success {
        verified: Some(old.clone()),
        reset_failures: false,
        rehash: None,
    };
    w.store
        .record_success(owner.id, checked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .failures(),
        3
    );
    let new = w.hasher.hash_text("Newer-2025").unwrap();
    let success = Success {
        verified: Some(old.clone()),
        reset_failures: true,
        rehash: Some(new.clone()),
    };
    w.store
        .record_success(owner.id, success)
        .await
        .unwrap()
        .unwrap();
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert_eq!(stored.lock.failures(), 0);
    assert_eq!(stored.password_hash.as_ref(), Some(&new));
    // Over a hash that is no longer stored (a reset got there first): refused, nothing changes.
    for _ in 0..2 {
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap();
    }
    let other = w.hasher.hash_text("Other-2026").unwrap();
    let stale = Success {
        verified: Some(old),
        reset_failures: true,
        rehash: Some(other),
    };
    assert_eq!(
        w.store.record_success(owner.id, stale).await.unwrap(),
        Err(SuccessRefused::Stale)
    );
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, Some(new));
    assert_eq!(stored.lock.failures(), 2);
    // After a second factor: no hash to check.
    let completed = Success {
        reset_failures: true,
        ..Success::default()
    };
    w.store
        .record_success(owner.id, completed.clone())
        .await
        .unwrap()
        .unwrap();
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
    for _ in 0..LOCK_THRESHOLD {
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap();
    }
    assert_eq!(
        w.store.record_success(owner.id, completed).await.unwrap(),
        Err(SuccessRefused::Locked)
    );
    assert!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
}

/// Tickets: consumed at most once, also under 16 concurrent consumers.
pub async fn tickets_are_consumed_at_most_once<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let issued = Ticket::issue(
        TicketPurpose::PasswordReset,
        owner.id,
        w.clock.now(),
        w.secrets.as_ref(),
    );
    w.store
        .issue_ticket(&issued.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    assert_eq!(
        w.store.unsent_mail().await.unwrap().len(),
        1,
        "the mail is queued with its ticket"
    );
    let now = w.clock.now();
    let racers = (0..16).map(|_| {
        w.store
            .consume_ticket(issued.ticket.hash, TicketPurpose::PasswordReset, now)
    });
    let results: Vec<_> = join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| *e == TicketError::Used)
    );
    let stored = w.store.ticket(issued.ticket.hash).await.unwrap().unwrap();
    assert!(matches!(stored.state, TicketState::Used { .. }));
}

/// Tickets: never after expiry, never for another purpose, unknown hashes are unknown.
pub async fn tickets_check_expiry_and_purpose<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let issued = Ticket::issue(
        TicketPurpose::Unlock,
        owner.id,
        w.clock.now(),
        w.secrets.as_ref(),
    );
    w.store
        .issue_ticket(&issued.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    let h = issued.ticket.hash;
    let expiry = issued.ticket.expires_at;
    assert_eq!(
        w.store
            .consume_ticket(h, TicketPurpose::PasswordReset, w.clock.now())
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Unknown
    );
    assert_eq!(
        w.store
            .consume_ticket(h, TicketPurpose::Unlock, expiry)
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Expired
    );
    let unknown = SecretToken::generate(w.secrets.as_ref()).hash();
    assert_eq!(
        w.store
            .consume_ticket(unknown, TicketPurpose::Unlock, w.clock.now())
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Unknown
    );
    let t = w
        .store
        .consume_ticket(h, TicketPurpose::Unlock, expiry - Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.account, owner.id);
}

/// Voiding affects only unused tickets of the given purpose and account.
pub async fn voiding_touches_only_unused_tickets_of_the_purpose<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let now = w.clock.now();
    let mut hashes = Vec::new();
    for (who, purpose) in [
        (&owner, TicketPurpose::PasswordReset),
        (&owner, TicketPurpose::PasswordReset),
        (&owner, TicketPurpose::Unlock),
        (&user, TicketPurpose::PasswordReset),
    ] {
        let issued = Ticket::issue(purpose, who.id, now, w.secrets.as_ref());
        w.store
            .issue_ticket(&issued.ticket, &notice(&w, &who.email))
            .await
            .unwrap();
        hashes.push(issued.ticket.hash);
    }
    w.store
        .consume_ticket(hashes[0], TicketPurpose::PasswordReset, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        w.store
            .void_tickets(owner.id, TicketPurpose::PasswordReset, now)
            .await
            .unwrap(),
        1
    );
    let state = |i: usize| {
        let s = w.store.clone();
        let h = hashes[i];
        async move { s.ticket(h).await.unwrap().unwrap().state }
    };
    assert!(matches!(state(0).await, TicketState::Used { .. }));
    assert!(matches!(state(1).await, TicketState::Voided { .. }));
    assert_eq!(state(2).await, TicketState::Unused);
    assert_eq!(state(3).await, TicketState::Unused);
    assert_eq!(
        w.store
            .consume_ticket(hashes[1], TicketPurpose::PasswordReset, now)
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Voided
    );
}

/// L4: an unlock ticket clears the lock and the count, once.
pub async fn unlock_tickets_unlock<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let mut ticket = None;
    for _ in 0..LOCK_THRESHOLD {
        let a = lock_artifacts(&w, &owner);
        let h = a.ticket.hash;
        if w.store
            .record_failure(owner.id, w.clock.now(), a)
            .await
            .unwrap()
            == FailureOutcome::LockedNow
        {
            ticket = Some(h);
        }
    }
    let ticket = ticket.unwrap();
    assert_eq!(
        w.store
            .unlock_with_ticket(ticket, w.clock.now())
            .await
            .unwrap(),
        Ok(owner.id)
    );
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert!(!stored.lock.is_locked());
    assert_eq!(stored.lock.failures(), 0);
    assert_eq!(
        w.store
            .unlock_with_ticket(ticket, w.clock.now())
            .await
            .unwrap(),
        Err(TicketError::Used)
    );
}

/// P3: a reset consumes, re-hashes, unlocks, voids, ends sessions and queues, all at once; a
/// bad ticket changes nothing.
pub async fn password_reset_is_all_or_nothing<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let now = w.clock.now();
    for _ in 0..LOCK_THRESHOLD {
        w.store
            .record_failure(owner.id, now, lock_artifacts(&w, &owner))
            .await
            .unwrap();
    }
    let (_, session) = session_for(&w, &owner);
    w.store.insert_session(&session).await.unwrap();
    let first = Ticket::issue(
        TicketPurpose::PasswordReset,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    let second = Ticket::issue(
        TicketPurpose::PasswordReset,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    w.store
        .issue_ticket(&first.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    w.store
        .issue_ticket(&second.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    let mails_before = w.store.unsent_mail().await.unwrap().len();
    let new_hash = w.hasher.hash_text("Fresh-2027x").unwrap();

    // A wrong-purpose ticket changes nothing.
    let bogus = SecretToken::generate(w.secrets.as_ref()).hash();
    let refused = w
        .store
        .complete_password_reset(PasswordReset {
            ticket: bogus,
            new_hash: new_hash.clone(),
            notice: notice(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(refused, Err(TicketError::Unknown));
    assert!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), mails_before);

    let done = w
        .store
        .complete_password_reset(PasswordReset {
            ticket: first.ticket.hash,
            new_hash: new_hash.clone(),
            notice: notice(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(done, Ok(owner.id));
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, Some(new_hash.clone()));
    assert!(!stored.lock.is_locked());
    assert!(w.store.sessions_of(owner.id).await.unwrap().is_empty());
    assert_eq!(
        w.store
            .ticket(second.ticket.hash)
            .await
            .unwrap()
            .unwrap()
            .state,
        TicketState::Voided { at: now }
    );
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), mails_before + 1);
    let again = w
        .store
        .complete_password_reset(PasswordReset {
            ticket: first.ticket.hash,
            new_hash,
            notice: notice(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(again, Err(TicketError::Used));
}

/// P2: the change applies only over the expected hash and keeps only the given session.
pub async fn password_change_is_conditional_and_keeps_one_session<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let (_, mine) = session_for(&w, &owner);
    let (_, other) = session_for(&w, &owner);
    w.store.insert_session(&mine).await.unwrap();
    w.store.insert_session(&other).await.unwrap();
    let old = owner.password_hash.clone().unwrap();
    let new = w.hasher.hash_text("Fresh-2027x").unwrap();
    let stale = w.hasher.hash_text("Stale-2020x").unwrap();
    let change = |expected| PasswordChange {
        account: owner.id,
        expected,
        new_hash: new.clone(),
        keep_session: mine.id,
        notice: notice(&w, &owner.email),
        at: w.clock.now(),
    };
    assert!(!w.store.change_password(change(stale)).await.unwrap());
    assert_eq!(w.store.sessions_of(owner.id).await.unwrap().len(), 2);
    assert!(w.store.change_password(change(old)).await.unwrap());
    let left = w.store.sessions_of(owner.id).await.unwrap();
    assert_eq!(left.iter().map(|s| s.id).collect::<Vec<_>>(), vec![mine.id]);
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        Some(new)
    );
}

/// P2, P3: a completed password change voids the account's unused reset and unlock tickets in
/// the same step; a change that does not apply voids nothing; other accounts keep theirs.
pub async fn p2_password_change_voids_reset_and_unlock_tickets<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let now = w.clock.now();
    let mut hashes = Vec::new();
    for (who, purpose) in [
        (&owner, TicketPurpose::PasswordReset),
        (&owner, TicketPurpose::Unlock),
        (&owner, TicketPurpose::EmailChange),
        (&user, TicketPurpose::PasswordReset),
    ] {
        let issued = Ticket::issue(purpose, who.id, now, w.secrets.as_ref());
        w.store
            .issue_ticket(&issued.ticket, &notice(&w, &who.email))
            .await
            .unwrap();
        hashes.push(issued.ticket.hash);
    }
    let (_, mine) = session_for(&w, &owner);
    w.store.insert_session(&mine).await.unwrap();
    let change = |expected| PasswordChange {
        account: owner.id,
        expected,
        new_hash: w.hasher.hash_text("Fresh-2027x").unwrap(),
        keep_session: mine.id,
        notice: notice(&w, &owner.email),
        at: now,
    };
    let state = |i: usize| {
        let s = w.store.clone();
        let h = hashes[i];
        async move { s.ticket(h).await.unwrap().unwrap().state }
    };
    let stale = w.hasher.hash_text("Stale-2020x").unwrap();
    assert!(!w.store.change_password(change(stale)).await.unwrap());
    assert_eq!(state(0).await, TicketState::Unused, "nothing applied");
    assert_eq!(state(1).await, TicketState::Unused);
    assert!(
        w.store
            .change_password(change(owner.password_hash.clone().unwrap()))
            .await
            .unwrap()
    );
    assert!(matches!(state(0).await, TicketState::Voided { .. }));
    assert!(matches!(state(1).await, TicketState::Voided { .. }));
    assert_eq!(state(2).await, TicketState::Unused, "not a password link");
    assert_eq!(state(3).await, TicketState::Unused, "another account's");
    assert_eq!(
        w.store
            .consume_ticket(hashes[0], TicketPurpose::PasswordReset, now)
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Voided
    );
    assert_eq!(
        w.store.unlock_with_ticket(hashes[1], now).await.unwrap(),
        Err(TicketError::Voided)
    );
}

/// P3: an e-mail change and a login-method change void the account's outstanding reset and
/// unlock tickets in the same step as the change.
pub async fn p3_email_and_method_changes_void_reset_and_unlock_tickets<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let now = w.clock.now();
    let issue = |purpose| {
        let s = w.store.clone();
        let issued = Ticket::issue(purpose, owner.id, now, w.secrets.as_ref());
        let mail = notice(&w, &owner.email);
        async move {
            s.issue_ticket(&issued.ticket, &mail).await.unwrap();
            issued
        }
    };
    let state = |h| {
        let s = w.store.clone();
        async move { s.ticket(h).await.unwrap().unwrap().state }
    };
    // An e-mail change.
    let reset = issue(TicketPurpose::PasswordReset).await;
    let unlock = issue(TicketPurpose::Unlock).await;
    let mut change = Ticket::issue(
        TicketPurpose::EmailChange,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    change.ticket.new_email = Some(Email::parse("moved@example.co.jp").unwrap());
    w.store
        .issue_ticket(&change.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    w.store
        .apply_email_change(EmailChange {
            ticket: change.ticket.hash,
            new_email: Email::parse("moved@example.co.jp").unwrap(),
            new_password_hash: None,
            notice: notice(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap()
        .unwrap();
    for h in [reset.ticket.hash, unlock.ticket.hash] {
        assert!(matches!(state(h).await, TicketState::Voided { .. }));
    }
    // A login-method change.
    let reset = issue(TicketPurpose::PasswordReset).await;
    let unlock = issue(TicketPurpose::Unlock).await;
    w.store
        .apply_method_change(MethodChange {
            account: owner.id,
            ticket: None,
            method: LoginMethod::Federated {
                provider: Provider::Google,
                subject: Subject::parse("g-9").unwrap(),
            },
            password_hash: None,
            notice: notice(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap()
        .unwrap();
    for h in [reset.ticket.hash, unlock.ticket.hash] {
        assert!(matches!(state(h).await, TicketState::Voided { .. }));
    }
}

/// P3: storing a reset ticket voids the account's older unused reset tickets in the same step
/// (only the newest is live); unlock tickets and other accounts' tickets stay; the mail is
/// queued with it.
pub async fn p3_newest_reset_ticket_voids_older<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let now = w.clock.now();
    let issue = |who: &crate::domain::Account, purpose| {
        let s = w.store.clone();
        let issued = Ticket::issue(purpose, who.id, now, w.secrets.as_ref());
        let mail = notice(&w, &who.email);
        async move {
            if purpose == TicketPurpose::PasswordReset {
                s.issue_reset_ticket(&issued.ticket, &mail).await.unwrap();
            } else {
                s.issue_ticket(&issued.ticket, &mail).await.unwrap();
            }
            issued.ticket.hash
        }
    };
    let state = |h| {
        let s = w.store.clone();
        async move { s.ticket(h).await.unwrap().unwrap().state }
    };
    let mails_before = w.store.unsent_mail().await.unwrap().len();
    let unlock = issue(&owner, TicketPurpose::Unlock).await;
    let theirs = issue(&user, TicketPurpose::PasswordReset).await;
    let first = issue(&owner, TicketPurpose::PasswordReset).await;
    let second = issue(&owner, TicketPurpose::PasswordReset).await;
    assert!(matches!(state(first).await, TicketState::Voided { .. }));
    assert_eq!(state(second).await, TicketState::Unused);
    assert_eq!(state(unlock).await, TicketState::Unused);
    assert_eq!(state(theirs).await, TicketState::Unused);
    assert_eq!(
        w.store.unsent_mail().await.unwrap().len(),
        mails_before + 4,
        "each ticket's mail is queued with it"
    );
    assert_eq!(
        w.store
            .consume_ticket(first, TicketPurpose::PasswordReset, now)
            .await
            .unwrap()
            .unwrap_err(),
        TicketError::Voided
    );
    let third = issue(&owner, TicketPurpose::PasswordReset).await;
    assert!(matches!(state(second).await, TicketState::Voided { .. }));
    assert!(
        w.store
            .consume_ticket(third, TicketPurpose::PasswordReset, now)
            .await
            .unwrap()
            .is_ok()
    );
}

/// I1: removing an account withdraws, in the same step, the open invitations it issued (their
/// tickets voided, the invitations gone); invitations issued by others stay.
pub async fn i1_removed_account_invitations_are_withdrawn<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let admin = w
        .account(
            &contract,
            "admin@example.co.jp",
            Role::Admin,
            Some("Kumo-2024"),
        )
        .await;
    let invite = |by: &crate::domain::Account, to: &str| {
        let s = w.store.clone();
        let invitation = Invitation {
            account: crate::domain::AccountId::generate(w.secrets.as_ref()),
            contract: contract.id,
            email: Email::parse(to).unwrap(),
            display_name: crate::domain::DisplayName::parse("新人").unwrap(),
            role: Role::Admin,
            invited_by: Some(by.id),
            sent_at: w.clock.now(),
            locale: crate::domain::Locale::Ja,
            reviewed_password: None,
        };
        let issued = Ticket::issue(
            TicketPurpose::Invitation,
            invitation.account,
            w.clock.now(),
            w.secrets.as_ref(),
        );
        let mail = notice(&w, &invitation.email);
        async move {
            s.save_invitation(&invitation, &issued.ticket, &mail)
                .await
                .unwrap();
            (invitation.account, issued.ticket.hash)
        }
    };
    let (by_admin, by_admin_ticket) = invite(&admin, "a@example.co.jp").await;
    let (by_owner, by_owner_ticket) = invite(&owner, "b@example.co.jp").await;
    assert!(
        w.store
            .remove_account(admin.id, w.clock.now())
            .await
            .unwrap()
    );
    assert!(w.store.invitation(by_admin).await.unwrap().is_none());
    assert!(matches!(
        w.store
            .ticket(by_admin_ticket)
            .await
            .unwrap()
            .unwrap()
            .state,
        TicketState::Voided { .. }
    ));
    assert!(w.store.invitation(by_owner).await.unwrap().is_some());
    assert_eq!(
        w.store
            .ticket(by_owner_ticket)
            .await
            .unwrap()
            .unwrap()
            .state,
        TicketState::Unused
    );
    assert_eq!(
        w.store
            .invitations_of(contract.id)
            .await
            .unwrap()
            .iter()
            .map(|i| i.account)
            .collect::<Vec<_>>(),
        vec![by_owner]
    );
}

/// P3, L5: a reset request is queued as given (address, client, time), claimed oldest first
/// by one worker per lease, claimed again after its lease, and gone once finished.
pub async fn p3_reset_requests_are_queued_leased_and_finished<S: Store + 'static>(store: Arc<S>) {
    use crate::domain::{Channel, ResetRequestId};
    use crate::ports::ResetRequest;
    let w = TestWorld::with_store(store);
    let now = w.clock.now();
    let request = |email: &str, at, client: ClientInfo| ResetRequest {
        id: ResetRequestId::generate(w.secrets.as_ref()),
        email: Email::parse(email).unwrap(),
        client,
        requested_at: at,
    };
    let line = ClientInfo {
        channel: Channel::Line(LineNumber::parse("CAF1234567890").unwrap()),
        address: Some([10, 0, 0, 1].into()),
        user_agent: Some("carrier".into()),
    };
    let later = request(
        "Someone@Example.co.jp",
        now + Duration::seconds(1),
        w.client(),
    );
    let first = request("nobody@example.co.jp", now, line.clone());
    let third = request(
        "x@example.co.jp",
        now + Duration::seconds(2),
        ClientInfo::internet(None, None),
    );
    for r in [&later, &first, &third] {
        w.store.queue_reset_request(r).await.unwrap();
    }
    let at = now + Duration::seconds(5);
    let lease = Duration::minutes(5);
    let claimed = w.store.claim_reset_requests(at, lease, 2).await.unwrap();
    assert_eq!(
        claimed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![first.id, later.id],
        "oldest first, at most the limit"
    );
    assert_eq!(claimed[0].email.as_str(), "nobody@example.co.jp");
    assert_eq!(claimed[0].client, line);
    assert_eq!(claimed[0].requested_at, now);
    assert_eq!(claimed[1].email.as_str(), "Someone@Example.co.jp");
    assert_eq!(claimed[1].client, w.client());
    let rest = w.store.claim_reset_requests(at, lease, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![third.id],
        "leased requests are not claimed twice"
    );
    assert_eq!(rest[0].client, ClientInfo::internet(None, None));
    w.store.finish_reset_request(first.id).await.unwrap();
    w.store.finish_reset_request(first.id).await.unwrap();
    assert!(
        w.store
            .claim_reset_requests(at, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A worker that died: its requests come back after the lease.
    let again = w
        .store
        .claim_reset_requests(at + lease, lease, 10)
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![later.id, third.id]
    );
}

/// L11, X4: sessions by token hash; touch moves forward only; listing and deleting.
pub async fn sessions_are_stored_touched_listed_and_deleted<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let (token, s1) = session_for(&w, &owner);
    w.store.insert_session(&s1).await.unwrap();
    w.clock.advance(Duration::seconds(5));
    let (_, s2) = session_for(&w, &owner);
    w.store.insert_session(&s2).await.unwrap();
    let (_, s3) = session_for(&w, &user);
    w.store.insert_session(&s3).await.unwrap();
    let got = w.store.session(token.hash()).await.unwrap().unwrap();
    assert_eq!(got.id, s1.id);
    assert_eq!(got.scope, SessionScope::Service);
    assert_eq!(got.client_address.as_deref(), Some("192.0.2.1"));
    let later = s1.last_seen_at + Duration::minutes(3);
    w.store.touch_session(token.hash(), later).await.unwrap();
    w.store
        .touch_session(token.hash(), later - Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(
        w.store
            .session(token.hash())
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        later
    );
    assert_eq!(
        w.store
            .sessions_of(owner.id)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![s1.id, s2.id]
    );
    // Deleting by ID needs the right account (X7).
    assert!(!w.store.delete_session_by_id(user.id, s2.id).await.unwrap());
    assert!(w.store.delete_session_by_id(owner.id, s2.id).await.unwrap());
    assert_eq!(w.store.delete_sessions_of(owner.id, None).await.unwrap(), 1);
    assert!(w.store.session(token.hash()).await.unwrap().is_none());
    assert!(!w.store.delete_session(token.hash()).await.unwrap());
    assert_eq!(w.store.sessions_of(user.id).await.unwrap().len(), 1);
}

/// X6: a failed attempt's error is kept with the pending mail, read back by claims and by the
/// operators' listing, replaced by the next result, and gone once the mail is sent.
pub async fn x6_a_failed_attempt_keeps_its_last_error<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let mail = notice(&w, &owner.email);
    w.store.enqueue_mail(&mail).await.unwrap();
    let now = w.clock.now();
    let lease = Duration::minutes(5);
    let claimed = w
        .store
        .claim_due_mail(now, &worker("a"), lease, 10)
        .await
        .unwrap();
    assert!(matches!(
        claimed[0].state,
        DeliveryState::Pending {
            last_error: None,
            ..
        }
    ));
    let failed = |n, error: &str| DeliveryState::Pending {
        attempts: n,
        next_attempt_at: now,
        last_error: Some(error.to_owned()),
    };
    w.store
        .record_delivery(mail.id, None, failed(1, "421 4.7.0 try again later"))
        .await
        .unwrap();
    assert_eq!(
        w.store.unsent_mail().await.unwrap()[0].state,
        failed(1, "421 4.7.0 try again later")
    );
    let claimed = w
        .store
        .claim_due_mail(now, &worker("a"), lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed[0].state, failed(1, "421 4.7.0 try again later"));
    w.store
        .record_delivery(mail.id, None, failed(2, "connection timed out"))
        .await
        .unwrap();
    assert_eq!(
        w.store.unsent_mail().await.unwrap()[0].state,
        failed(2, "connection timed out")
    );
    w.store
        .record_delivery(mail.id, None, DeliveryState::Sent { at: now })
        .await
        .unwrap();
    assert!(w.store.unsent_mail().await.unwrap().is_empty());
}

/// X6: due mails are claimed once per lease, and delivery results are kept.
pub async fn outbox_claims_are_leased_and_recorded<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let a = notice(&w, &owner.email);
    let b = notice(&w, &owner.email);
    w.store.enqueue_mail(&a).await.unwrap();
    w.store.enqueue_mail(&b).await.unwrap();
    let now = w.clock.now();
    let lease = Duration::minutes(5);
    let first = w
        .store
        .claim_due_mail(now, &worker("a"), lease, 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].mail.id, a.id);
    assert!(matches!(
        first[0].mail.kind,
        MailKind::Notice {
            kind: NoticeKind::PasswordChanged
        }
    ));
    assert_eq!(first[0].mail.to, owner.email);
    let second = w
        .store
        .claim_due_mail(now, &worker("a"), lease, 10)
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|q| q.mail.id).collect::<Vec<_>>(),
        vec![b.id],
        "a leased mail is not claimed twice"
    );
    w.store
        .record_delivery(a.id, None, DeliveryState::Sent { at: now })
        .await
        .unwrap();
    let retry_at = now + Duration::minutes(1);
    w.store
        .record_delivery(
            b.id,
            None,
            DeliveryState::Pending {
                attempts: 1,
                next_attempt_at: retry_at,
                last_error: None,
            },
        )
        .await
        .unwrap();
    assert!(
        w.store
            .claim_due_mail(now, &worker("a"), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = w
        .store
        .claim_due_mail(retry_at, &worker("a"), lease, 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(
        retried[0].state,
        DeliveryState::Pending {
            attempts: 1,
            next_attempt_at: retry_at,
            last_error: None,
        }
    );
    w.store
        .record_delivery(
            b.id,
            None,
            DeliveryState::Abandoned {
                attempts: 8,
                last_error: "550 no such user".into(),
            },
        )
        .await
        .unwrap();
    let unsent = w.store.unsent_mail().await.unwrap();
    assert_eq!(unsent.len(), 1);
    assert!(
        matches!(&unsent[0].state, DeliveryState::Abandoned { last_error, .. } if last_error == "550 no such user")
    );
    // A sent mail stays sent: a late result for it changes nothing.
    w.store
        .record_delivery(
            a.id,
            None,
            DeliveryState::Pending {
                attempts: 1,
                next_attempt_at: now,
                last_error: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        w.store.unsent_mail().await.unwrap().len(),
        1,
        "a sent mail is not unsent again"
    );
    assert!(
        w.store
            .claim_due_mail(now, &worker("a"), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a sent mail is never claimed again"
    );
    // Expired leases free a mail for another worker.
    let c = notice(&w, &owner.email);
    w.store.enqueue_mail(&c).await.unwrap();
    assert_eq!(
        w.store
            .claim_due_mail(now, &worker("a"), lease, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        w.store
            .claim_due_mail(now + lease, &worker("b"), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a lease runs by the store's clock, not the claimer's"
    );
}

fn pending_for<S>(w: &TestWorld<S>, account: &crate::domain::Account) -> PendingSignIn {
    PendingSignIn {
        token_hash: SecretToken::generate(w.secrets.as_ref()).hash(),
        account: account.id,
        contract: account.contract,
        scope: SessionScope::Service,
        client: ClientInfo::internet(Some([192, 0, 2, 7].into()), Some("test")),
        created_at: w.clock.now(),
        stage: PendingStage::Enrol {
            totp_secret: None,
            sms: None,
        },
        remember_browser: false,
    }
}

fn totp_enrolment<S>(w: &TestWorld<S>, recovery: &str) -> Enrolment {
    Enrolment {
        factor: EnrolledFactor::Totp {
            secret: TotpSecret::generate(w.secrets.as_ref()),
        },
        recovery_hash: w.hasher.hash_text(recovery).unwrap(),
        last_totp_step: None,
        enrolled_at: w.clock.now(),
    }
}

async fn enrolled<S: Store + 'static>(
    w: &TestWorld<S>,
    account: &crate::domain::Account,
    recovery: &str,
) -> PendingSignIn {
    let p = pending_for(w, account);
    w.store.insert_pending(&p).await.unwrap();
    let commit = EnrolmentCommit {
        pending: p.token_hash,
        next_token: p.token_hash,
        remember_browser: false,
        enrolment: totp_enrolment(w, recovery),
        notice: notice(w, &account.email),
    };
    assert!(w.store.complete_enrolment(commit).await.unwrap());
    p
}

/// X8, T2: pending sign-ins round-trip with their stage; `take_pending` succeeds once.
pub async fn pending_sign_ins_are_stored_updated_and_taken_once<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let mut p = pending_for(&w, &owner);
    w.store.insert_pending(&p).await.unwrap();
    let got = w.store.pending(p.token_hash).await.unwrap().unwrap();
    assert_eq!(got.account, owner.id);
    assert_eq!(got.client.address, p.client.address);
    assert!(matches!(
        got.stage,
        PendingStage::Enrol {
            totp_secret: None,
            sms: None
        }
    ));
    let phone = PhoneNumber::parse("09012345678").unwrap();
    let secret = TotpSecret::generate(w.secrets.as_ref());
    p.stage = PendingStage::Enrol {
        totp_secret: Some(secret.clone()),
        sms: Some(SmsChallenge {
            phone: phone.clone(),
            salt: [3; 16],
            code_hash: SecretToken::generate(w.secrets.as_ref()).hash(),
            sent_at: w.clock.now(),
            wrong_tries: 0,
        }),
    };
    p.remember_browser = true;
    assert!(w.store.update_pending(&p).await.unwrap());
    assert_eq!(
        w.store.record_sms_wrong_try(p.token_hash).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        w.store.record_sms_wrong_try(p.token_hash).await.unwrap(),
        Some(2)
    );
    let got = w.store.pending(p.token_hash).await.unwrap().unwrap();
    assert!(got.remember_browser);
    match got.stage {
        PendingStage::Enrol {
            totp_secret: Some(s),
            sms: Some(c),
        } => {
            assert_eq!(s.as_bytes(), secret.as_bytes());
            assert_eq!(c.phone, phone);
            assert_eq!(c.wrong_tries, 2);
        }
        other => panic!("stage not kept: {other:?}"),
    }
    let racers = (0..8).map(|_| w.store.take_pending(p.token_hash));
    let taken = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(taken, 1);
    assert!(w.store.pending(p.token_hash).await.unwrap().is_none());
    assert!(!w.store.update_pending(&p).await.unwrap());
}

/// T2, T7: an enrolment completes once; a TOTP step is spent once and never an earlier one.
pub async fn enrolment_completes_once_and_totp_steps_are_spent_once<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let p = enrolled(&w, &owner, "ABCDEFGHJKLMNPQR").await;
    let got = w.store.pending(p.token_hash).await.unwrap().unwrap();
    assert!(matches!(got.stage, PendingStage::RecoveryShown { .. }));
    let e = w.store.enrolment(owner.id).await.unwrap().unwrap();
    assert!(matches!(e.factor, EnrolledFactor::Totp { .. }));
    let second = pending_for(&w, &owner);
    w.store.insert_pending(&second).await.unwrap();
    let again = EnrolmentCommit {
        pending: second.token_hash,
        next_token: second.token_hash,
        remember_browser: false,
        enrolment: totp_enrolment(&w, "X"),
        notice: notice(&w, &owner.email),
    };
    assert!(
        !w.store.complete_enrolment(again).await.unwrap(),
        "an enrolled account is not enrolled twice"
    );
    let racers = (0..10).map(|_| w.store.spend_totp_step(owner.id, 1000));
    let spent = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(spent, 1);
    assert!(!w.store.spend_totp_step(owner.id, 999).await.unwrap());
    assert!(w.store.spend_totp_step(owner.id, 1001).await.unwrap());
    assert_eq!(
        w.store
            .enrolment(owner.id)
            .await
            .unwrap()
            .unwrap()
            .last_totp_step,
        Some(1001)
    );
}

/// X8: enrolment and a used recovery code move the pending sign-in to its next token in the
/// same step: the token presented before stops working at once.
pub async fn pending_sign_ins_move_to_a_new_token_at_each_step<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let p = pending_for(&w, &owner);
    w.store.insert_pending(&p).await.unwrap();
    let next = SecretToken::generate(w.secrets.as_ref()).hash();
    let commit = EnrolmentCommit {
        pending: p.token_hash,
        next_token: next,
        remember_browser: true,
        enrolment: totp_enrolment(&w, "ABCDEFGHJKLMNPQR"),
        notice: notice(&w, &owner.email),
    };
    assert!(w.store.complete_enrolment(commit).await.unwrap());
    assert!(w.store.pending(p.token_hash).await.unwrap().is_none());
    let moved = w.store.pending(next).await.unwrap().unwrap();
    assert!(matches!(moved.stage, PendingStage::RecoveryShown { .. }));
    assert!(moved.remember_browser, "the browser choice is kept");
    assert_eq!(moved.account, owner.id);

    let q = pending_for(&w, &owner);
    w.store.insert_pending(&q).await.unwrap();
    let old = w
        .store
        .enrolment(owner.id)
        .await
        .unwrap()
        .unwrap()
        .recovery_hash;
    let new = w.hasher.hash_text("NEW").unwrap();
    let after = SecretToken::generate(w.secrets.as_ref()).hash();
    assert!(
        w.store
            .replace_recovery_code(
                owner.id,
                old,
                new,
                q.token_hash,
                after,
                notice(&w, &owner.email),
            )
            .await
            .unwrap()
    );
    assert!(w.store.pending(q.token_hash).await.unwrap().is_none());
    let moved = w.store.pending(after).await.unwrap().unwrap();
    assert!(matches!(moved.stage, PendingStage::RecoveryShown { .. }));
}

/// A finish of pending sign-in `pending` for `account`, remembering a browser: the finish, the
/// session's token and the device token.
fn finish_for<S>(
    w: &TestWorld<S>,
    account: &crate::domain::Account,
    pending: crate::domain::TokenHash,
) -> (SignInFinish, SecretToken, SecretToken) {
    let (token, session) = session_for(w, account);
    let device = SecretToken::generate(w.secrets.as_ref());
    let finish = SignInFinish {
        pending,
        remembered_browser: Some(RememberedBrowser {
            token_hash: device.hash(),
            account: account.id,
            last_used_at: w.clock.now(),
        }),
        session,
    };
    (finish, token, device)
}

/// L3, L6, L11, T6: finishing a sign-in (take the pending sign-in, reset the failure count,
/// remember the browser, open the session) is one step: of concurrent finishes exactly one
/// applies, and after a second-factor reset or a lock nothing is written, so no remembered
/// browser or session is left behind.
pub async fn l6_finishing_a_sign_in_is_one_step_that_a_second_factor_reset_voids<
    S: Store + 'static,
>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let window = crate::domain::REMEMBER_BROWSER_WINDOW;
    let remembered = |device: &SecretToken| {
        w.store
            .use_remembered_browser(device.hash(), owner.id, w.clock.now(), window)
    };
    w.store
        .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
        .await
        .unwrap();
    let p = enrolled(&w, &owner, "ABCDEFGHJKLMNPQR").await;
    let racers: Vec<_> = (0..8)
        .map(|_| finish_for(&w, &owner, p.token_hash))
        .collect();
    let results = join_all(
        racers
            .iter()
            .map(|(f, _, _)| w.store.finish_sign_in(f.clone())),
    )
    .await;
    assert_eq!(
        results.iter().filter(|r| *r.as_ref().unwrap()).count(),
        1,
        "one finish applies"
    );
    for ((_, token, device), applied) in racers.iter().zip(&results) {
        let applied = *applied.as_ref().unwrap();
        assert_eq!(
            w.store.session(token.hash()).await.unwrap().is_some(),
            applied
        );
        assert_eq!(remembered(device).await.unwrap(), applied);
    }
    assert!(w.store.pending(p.token_hash).await.unwrap().is_none());
    let stored = w.store.account(owner.id).await.unwrap().unwrap();
    assert_eq!(
        stored.lock.failures(),
        0,
        "L3: the count resets on completion"
    );

    // A second-factor reset (T6) that lands first voids the finish entirely.
    let q = pending_for(&w, &owner);
    w.store.insert_pending(&q).await.unwrap();
    w.store.clear_second_factor(owner.id).await.unwrap();
    let (f, token, device) = finish_for(&w, &owner, q.token_hash);
    assert!(!w.store.finish_sign_in(f).await.unwrap());
    assert!(w.store.session(token.hash()).await.unwrap().is_none());
    assert!(!remembered(&device).await.unwrap());

    // A lock that lands first: nothing is written, the pending sign-in stays to lapse.
    let r = pending_for(&w, &owner);
    w.store.insert_pending(&r).await.unwrap();
    for _ in 0..LOCK_THRESHOLD {
        w.store
            .record_failure(owner.id, w.clock.now(), lock_artifacts(&w, &owner))
            .await
            .unwrap();
    }
    let (f, token, device) = finish_for(&w, &owner, r.token_hash);
    assert!(!w.store.finish_sign_in(f).await.unwrap());
    assert!(w.store.session(token.hash()).await.unwrap().is_none());
    assert!(!remembered(&device).await.unwrap());
    assert!(w.store.pending(r.token_hash).await.unwrap().is_some());
    assert!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lock
            .is_locked()
    );
}

/// T5: of concurrent replacements of one recovery hash, exactly one applies.
pub async fn recovery_codes_are_replaced_once_under_concurrency<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let p = enrolled(&w, &owner, "ABCDEFGHJKLMNPQR").await;
    let old = w
        .store
        .enrolment(owner.id)
        .await
        .unwrap()
        .unwrap()
        .recovery_hash;
    let racers = (0..10).map(|i| {
        let new = w.hasher.hash_text(&format!("NEW{i}")).unwrap();
        w.store.replace_recovery_code(
            owner.id,
            old.clone(),
            new,
            p.token_hash,
            p.token_hash,
            notice(&w, &owner.email),
        )
    });
    let wins = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(wins, 1);
    assert_ne!(
        w.store
            .enrolment(owner.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_hash,
        old
    );
}

/// L6: a remembered browser works for its account only, within a sliding window.
pub async fn remembered_browsers_slide_and_bind_to_their_account<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let token = SecretToken::generate(w.secrets.as_ref());
    let t0 = w.clock.now();
    w.store
        .remember_browser(&RememberedBrowser {
            token_hash: token.hash(),
            account: owner.id,
            last_used_at: t0,
        })
        .await
        .unwrap();
    let window = Duration::days(30);
    assert!(
        !w.store
            .use_remembered_browser(token.hash(), user.id, t0, window)
            .await
            .unwrap()
    );
    assert!(
        w.store
            .use_remembered_browser(token.hash(), owner.id, t0 + Duration::days(29), window)
            .await
            .unwrap()
    );
    assert!(
        w.store
            .use_remembered_browser(token.hash(), owner.id, t0 + Duration::days(58), window)
            .await
            .unwrap()
    );
    assert!(
        !w.store
            .use_remembered_browser(token.hash(), owner.id, t0 + Duration::days(88), window)
            .await
            .unwrap()
    );
    assert!(
        !w.store
            .use_remembered_browser(token.hash(), owner.id, t0 + Duration::days(88), window)
            .await
            .unwrap()
    );
}

/// X5: SMS sends are capped per account and per number over 24 hours.
pub async fn sms_sends_are_capped_per_account_and_number<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let a = PhoneNumber::parse("09011112222").unwrap();
    let b = PhoneNumber::parse("09033334444").unwrap();
    let t0 = w.clock.now();
    for i in 0..3 {
        assert!(
            w.store
                .record_sms_send(owner.id, &a, t0 + Duration::minutes(i), 3)
                .await
                .unwrap()
        );
    }
    assert!(
        !w.store
            .record_sms_send(owner.id, &b, t0 + Duration::minutes(5), 3)
            .await
            .unwrap(),
        "per account"
    );
    assert!(
        !w.store
            .record_sms_send(user.id, &a, t0 + Duration::minutes(5), 3)
            .await
            .unwrap(),
        "per number"
    );
    assert!(
        w.store
            .record_sms_send(user.id, &b, t0 + Duration::minutes(5), 3)
            .await
            .unwrap()
    );
    assert!(
        w.store
            .record_sms_send(
                owner.id,
                &b,
                t0 + Duration::hours(24) + Duration::minutes(1),
                3
            )
            .await
            .unwrap()
    );
}

/// T6: a completed reset, like an explicit clear, removes enrolment, pending sign-ins and
/// remembered browsers.
pub async fn password_reset_and_clearing_remove_every_second_factor<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let now = w.clock.now();
    for who in [&owner, &user] {
        let p = enrolled(&w, who, "ABCDEFGHJKLMNPQR").await;
        let _ = p;
        let device = SecretToken::generate(w.secrets.as_ref());
        w.store
            .remember_browser(&RememberedBrowser {
                token_hash: device.hash(),
                account: who.id,
                last_used_at: now,
            })
            .await
            .unwrap();
    }
    let issued = Ticket::issue(
        TicketPurpose::PasswordReset,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    w.store
        .issue_ticket(&issued.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    let reset = PasswordReset {
        ticket: issued.ticket.hash,
        new_hash: w.hasher.hash_text("Fresh-2027x").unwrap(),
        notice: notice(&w, &owner.email),
        at: now,
    };
    w.store
        .complete_password_reset(reset)
        .await
        .unwrap()
        .unwrap();
    assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
    assert!(
        w.store.enrolment(user.id).await.unwrap().is_some(),
        "other accounts keep theirs"
    );
    w.store.clear_second_factor(user.id).await.unwrap();
    assert!(w.store.enrolment(user.id).await.unwrap().is_none());
    let p = pending_for(&w, &user);
    w.store.insert_pending(&p).await.unwrap();
    w.store.clear_second_factor(user.id).await.unwrap();
    assert!(w.store.pending(p.token_hash).await.unwrap().is_none());
}

/// N3, C2, D1: contract settings round-trip; cancelling ends the contract's sessions.
pub async fn contract_settings_round_trip_and_cancelling_ends_sessions<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    w.store
        .set_access_route(contract.id, AccessRoute::LineOnly)
        .await
        .unwrap();
    let trial = Plan::FreeTrial {
        started_at: w.clock.now(),
    };
    w.store.set_plan(contract.id, trial).await.unwrap();
    let ad = sample_ad(&w, "adfs-abcdefghjkmnpqrstu");
    assert!(
        !w.store.save_ad(contract.id, &ad).await.unwrap(),
        "nothing to save over"
    );
    assert!(
        w.store
            .enable_ad(contract.id, &ad, &notice(&w, &owner.email))
            .await
            .unwrap()
    );
    assert!(
        !w.store
            .enable_ad(contract.id, &ad, &notice(&w, &owner.email))
            .await
            .unwrap()
    );
    let got = w.store.contract(contract.id).await.unwrap().unwrap();
    assert_eq!(got.access_route, AccessRoute::LineOnly);
    assert_eq!(got.plan, trial);
    assert_eq!(got.ad.as_ref(), Some(&ad));
    assert_eq!(
        w.store
            .contract_by_connection(&ad.id)
            .await
            .unwrap()
            .map(|c| c.id),
        Some(contract.id)
    );
    assert!(
        w.store
            .contract_by_connection(&ConnectionId::parse("adfs-zzzzzzzzzzzzzzzzzz").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    // Edited to OpenID Connect, then turned off: saved whole, the ID kept.
    let edited = AdConnection {
        settings: crate::domain::AdSettings {
            protocol: crate::domain::AdProtocol::Oidc {
                discovery_url: crate::domain::HttpsUrl::parse(
                    "https://adfs.example.co.jp/adfs/.well-known/openid-configuration",
                )
                .unwrap(),
                client_id: "tobira-client".into(),
                client_secret: crate::domain::ClientSecretText::parse("s3cret").unwrap(),
            },
            subject: crate::domain::AdSubject::Upn,
        },
        metadata: None,
        turned_off_at: Some(w.clock.now()),
        ..ad.clone()
    };
    assert!(w.store.save_ad(contract.id, &edited).await.unwrap());
    // The revision moved on: a save over the old one (a slower change) is refused.
    assert!(
        !w.store.save_ad(contract.id, &edited).await.unwrap(),
        "a change over a revision that moved on is refused"
    );
    let edited = AdConnection {
        revision: edited.revision + 1,
        ..edited
    };
    // A re-read writes the document only: the settings saved meanwhile stay.
    let doc = crate::domain::MetadataDocument {
        xml: "<EntityDescriptor id=\"2\"/>".into(),
        read_at: w.clock.now(),
    };
    assert!(
        !w.store
            .save_ad_metadata(contract.id, &edited.id, edited.revision - 1, &doc)
            .await
            .unwrap(),
        "a document fetched for an older revision is not written"
    );
    assert!(
        w.store
            .save_ad_metadata(contract.id, &edited.id, edited.revision, &doc)
            .await
            .unwrap()
    );
    assert!(
        !w.store
            .save_ad_metadata(
                contract.id,
                &ConnectionId::parse("adfs-zzzzzzzzzzzzzzzzzz").unwrap(),
                edited.revision + 1,
                &doc
            )
            .await
            .unwrap()
    );
    let edited = AdConnection {
        metadata: Some(doc),
        revision: edited.revision + 1,
        ..edited
    };
    let got = w.store.contract(contract.id).await.unwrap().unwrap();
    assert_eq!(got.ad.as_ref(), Some(&edited));
    let other_id = AdConnection {
        id: ConnectionId::parse("adfs-zzzzzzzzzzzzzzzzzz").unwrap(),
        ..ad.clone()
    };
    assert!(
        !w.store.save_ad(contract.id, &other_id).await.unwrap(),
        "the connection ID never changes"
    );
    // Turned on again with the same ID (and only that one).
    assert!(
        !w.store
            .enable_ad(contract.id, &other_id, &notice(&w, &owner.email))
            .await
            .unwrap()
    );
    let stale = AdConnection {
        revision: edited.revision + 5,
        ..ad.clone()
    };
    assert!(
        !w.store
            .enable_ad(contract.id, &stale, &notice(&w, &owner.email))
            .await
            .unwrap()
    );
    let again = AdConnection {
        revision: edited.revision,
        ..ad.clone()
    };
    assert!(
        w.store
            .enable_ad(contract.id, &again, &notice(&w, &owner.email))
            .await
            .unwrap()
    );
    assert_eq!(
        w.store.contract(contract.id).await.unwrap().unwrap().ad,
        Some(AdConnection {
            revision: edited.revision + 1,
            ..ad
        })
    );
    assert_eq!(got.two_factor, crate::domain::TwoFactorPolicy::Disabled);
    assert_eq!(
        w.store.unsent_mail().await.unwrap().len(),
        2,
        "the AD mail is queued once per turning on"
    );
    let (_, session) = session_for(&w, &owner);
    w.store.insert_session(&session).await.unwrap();
    w.store
        .cancel_contract(contract.id, w.clock.now())
        .await
        .unwrap();
    assert!(matches!(
        w.store.contract(contract.id).await.unwrap().unwrap().status,
        ContractStatus::Cancelled { .. }
    ));
    assert!(w.store.sessions_of(owner.id).await.unwrap().is_empty());
}

/// A SAML-over-URL AD connection with a metadata document, for store tests.
fn sample_ad<S: Store + 'static>(w: &TestWorld<S>, id: &str) -> AdConnection {
    use crate::domain::{AdProtocol, AdSettings, AdSubject, HttpsUrl, SamlMetadataSource};
    AdConnection {
        id: ConnectionId::parse(id).unwrap(),
        settings: AdSettings {
            protocol: AdProtocol::Saml {
                metadata: SamlMetadataSource::Url(
                    HttpsUrl::parse("https://adfs.example.co.jp/m.xml").unwrap(),
                ),
            },
            subject: AdSubject::Persistent,
        },
        metadata: Some(crate::domain::MetadataDocument {
            xml: "<EntityDescriptor/>".into(),
            read_at: w.clock.now(),
        }),
        enabled_at: w.clock.now(),
        turned_off_at: None,
        revision: 0,
    }
}

/// L8: a SAML assertion is claimed once per connection until it expires, also by racing
/// claimers; another connection's record is its own.
pub async fn saml_assertions_are_claimed_once<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let now = w.clock.now();
    let a = ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap();
    let b = ConnectionId::parse("adfs-zzzzzzzzzzzzzzzzzz").unwrap();
    let id = crate::domain::TokenHash::of_text("_assertion-1");
    let until = now + Duration::minutes(5);
    let racers = (0..8).map(|_| w.store.claim_assertion(&a, id, until, now));
    let won = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(won, 1, "exactly one claim succeeds");
    assert!(!w.store.claim_assertion(&a, id, until, now).await.unwrap());
    assert!(
        w.store.claim_assertion(&b, id, until, now).await.unwrap(),
        "per connection"
    );
    // After it expired the record is gone (the assertion itself is refused as expired).
    assert!(
        w.store
            .claim_assertion(&a, id, until + Duration::minutes(5), until)
            .await
            .unwrap()
    );
}

/// N2, N5: a line belongs to one contract; consents are per contract and line.
pub async fn lines_belong_to_one_contract_and_consents_are_kept<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (a, _) = w.basic_owner().await;
    let b = w.contract("別会社", Plan::Basic).await;
    let east = LineNumber::parse("CAF1234567890").unwrap();
    let west = LineNumber::parse("COP12345678").unwrap();
    assert!(w.store.add_line(a.id, &west).await.unwrap());
    assert!(w.store.add_line(a.id, &east).await.unwrap());
    assert!(
        w.store.add_line(a.id, &east).await.unwrap(),
        "registering one's own line again is fine"
    );
    assert!(!w.store.add_line(b.id, &east).await.unwrap());
    assert_eq!(
        w.store.lines_of(a.id).await.unwrap(),
        vec![east.clone(), west.clone()]
    );
    assert!(w.store.lines_of(b.id).await.unwrap().is_empty());
    assert!(!w.store.remove_line(b.id, &east).await.unwrap());
    assert!(!w.store.line_consented(a.id, &west).await.unwrap());
    w.store
        .record_line_consent(a.id, &west, w.clock.now())
        .await
        .unwrap();
    w.store
        .record_line_consent(a.id, &west, w.clock.now())
        .await
        .unwrap();
    assert!(w.store.line_consented(a.id, &west).await.unwrap());
    assert!(!w.store.line_consented(b.id, &west).await.unwrap());
    assert!(w.store.remove_line(a.id, &east).await.unwrap());
    assert!(w.store.add_line(b.id, &east).await.unwrap());
}

/// I1–I3: an invitation is saved with its ticket and mail, its language and a password kept at
/// the review step read back; a resend voids the old ticket and drops the kept password;
/// acceptance creates the account once, in the invitation's language, whose language can then
/// be changed.
pub async fn invitations_are_saved_resent_and_accepted_once<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let invitation = Invitation {
        account: crate::domain::AccountId::generate(w.secrets.as_ref()),
        contract: contract.id,
        email: Email::parse("new@example.co.jp").unwrap(),
        display_name: crate::domain::DisplayName::parse("新人").unwrap(),
        role: Role::User,
        invited_by: Some(owner.id),
        sent_at: w.clock.now(),
        locale: crate::domain::Locale::En,
        reviewed_password: None,
    };
    let first = Ticket::issue(
        TicketPurpose::Invitation,
        invitation.account,
        w.clock.now(),
        w.secrets.as_ref(),
    );
    w.store
        .save_invitation(&invitation, &first.ticket, &notice(&w, &invitation.email))
        .await
        .unwrap();
    let stored = w
        .store
        .invitation(invitation.account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.locale,
        crate::domain::Locale::En,
        "the language reads back"
    );
    assert!(stored.reviewed_password.is_none());
    let kept = crate::domain::ReviewedPassword {
        hash: crate::domain::PasswordHash::from_phc("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA")
            .unwrap(),
        link: first.ticket.hash,
    };
    assert!(
        w.store
            .set_reviewed_password(invitation.account, Some(&kept))
            .await
            .unwrap()
    );
    assert_eq!(
        w.store
            .invitation(invitation.account)
            .await
            .unwrap()
            .unwrap()
            .reviewed_password,
        Some(kept.clone()),
        "the reviewed password's hash reads back, with its link"
    );
    assert!(
        !w.store
            .set_reviewed_password(
                crate::domain::AccountId::generate(w.secrets.as_ref()),
                Some(&kept)
            )
            .await
            .unwrap(),
        "no invitation, nothing kept"
    );
    let second = Ticket::issue(
        TicketPurpose::Invitation,
        invitation.account,
        w.clock.now(),
        w.secrets.as_ref(),
    );
    w.store
        .save_invitation(&invitation, &second.ticket, &notice(&w, &invitation.email))
        .await
        .unwrap();
    assert!(matches!(
        w.store
            .ticket(first.ticket.hash)
            .await
            .unwrap()
            .unwrap()
            .state,
        TicketState::Voided { .. }
    ));
    assert_eq!(w.store.invitations_of(contract.id).await.unwrap().len(), 1);
    let resent = w
        .store
        .invitation(invitation.account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resent.email, invitation.email);
    assert_eq!(resent.locale, crate::domain::Locale::En);
    assert!(resent.reviewed_password.is_none(), "a resend starts afresh");
    let mut account = owner.clone();
    account.id = invitation.account;
    account.email = invitation.email.clone();
    account.role = Role::User;
    account.locale = crate::domain::Locale::En;
    let now = w.clock.now();
    assert_eq!(
        w.store
            .accept_invitation(first.ticket.hash, &account, now)
            .await
            .unwrap(),
        Err(ChangeRefused::Ticket(TicketError::Voided))
    );
    let racers = (0..6).map(|_| w.store.accept_invitation(second.ticket.hash, &account, now));
    let wins = join_all(racers)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(()))))
        .count();
    assert_eq!(wins, 1);
    assert!(
        w.store
            .invitation(invitation.account)
            .await
            .unwrap()
            .is_none()
    );
    let created = w
        .store
        .account_by_email(&invitation.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.id, invitation.account);
    assert_eq!(created.locale, crate::domain::Locale::En);
    assert!(
        w.store
            .set_locale(invitation.account, crate::domain::Locale::Ja)
            .await
            .unwrap()
    );
    assert_eq!(
        w.store
            .account(invitation.account)
            .await
            .unwrap()
            .unwrap()
            .locale,
        crate::domain::Locale::Ja,
        "the account's language can be changed"
    );
    assert!(
        !w.store
            .set_locale(
                crate::domain::AccountId::generate(w.secrets.as_ref()),
                crate::domain::Locale::Ja
            )
            .await
            .unwrap()
    );
    // Withdrawing voids the tickets.
    let other = Invitation {
        account: crate::domain::AccountId::generate(w.secrets.as_ref()),
        email: Email::parse("x@example.co.jp").unwrap(),
        ..invitation
    };
    let t = Ticket::issue(
        TicketPurpose::Invitation,
        other.account,
        now,
        w.secrets.as_ref(),
    );
    w.store
        .save_invitation(&other, &t.ticket, &notice(&w, &other.email))
        .await
        .unwrap();
    assert!(
        w.store
            .withdraw_invitation(other.account, now)
            .await
            .unwrap()
    );
    assert!(matches!(
        w.store.ticket(t.ticket.hash).await.unwrap().unwrap().state,
        TicketState::Voided { .. }
    ));
}

/// E1–E3: an e-mail change consumes its ticket, moves the key, and refuses a taken address.
pub async fn email_changes_apply_atomically_and_keep_addresses_unique<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    w.account(
        &contract,
        "taken@example.co.jp",
        Role::User,
        Some("Kumo-2024"),
    )
    .await;
    let now = w.clock.now();
    let issue = |to: &str| {
        let mut t = Ticket::issue(
            TicketPurpose::EmailChange,
            owner.id,
            now,
            w.secrets.as_ref(),
        );
        t.ticket.new_email = Some(Email::parse(to).unwrap());
        t
    };
    let taken = issue("Taken@example.co.jp");
    w.store
        .issue_ticket(&taken.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    let change =
        |t: &crate::domain::IssuedTicket, hash: Option<crate::domain::PasswordHash>| EmailChange {
            ticket: t.ticket.hash,
            new_email: t.ticket.new_email.clone().unwrap(),
            new_password_hash: hash,
            notice: notice(&w, &owner.email),
            at: now,
        };
    assert_eq!(
        w.store
            .apply_email_change(change(&taken, None))
            .await
            .unwrap(),
        Err(ChangeRefused::EmailTaken)
    );
    assert_eq!(
        w.store
            .ticket(taken.ticket.hash)
            .await
            .unwrap()
            .unwrap()
            .state,
        TicketState::Unused,
        "a refused change consumes nothing"
    );
    let moved = issue("moved@example.co.jp");
    w.store
        .issue_ticket(&moved.ticket, &notice(&w, &owner.email))
        .await
        .unwrap();
    let hash = w.hasher.hash_text("Fresh-2027x").unwrap();
    assert_eq!(
        w.store
            .apply_email_change(change(&moved, Some(hash.clone())))
            .await
            .unwrap(),
        Ok(owner.id)
    );
    assert!(
        w.store
            .account_by_email(&owner.email)
            .await
            .unwrap()
            .is_none()
    );
    let now_owner = w
        .store
        .account_by_email(&Email::parse("MOVED@example.co.jp").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now_owner.id, owner.id);
    assert_eq!(now_owner.password_hash, Some(hash));
    assert_eq!(
        w.store
            .apply_email_change(change(&moved, None))
            .await
            .unwrap(),
        Err(ChangeRefused::Ticket(TicketError::Used))
    );
    // The change voided the links that would act on the account as it was.
    let state = w
        .store
        .ticket(taken.ticket.hash)
        .await
        .unwrap()
        .unwrap()
        .state;
    assert!(matches!(state, TicketState::Voided { .. }), "{state:?}");
}

/// M1–M3: a method change binds an identity uniquely, consumes its ticket, clears the second
/// factor.
pub async fn method_changes_bind_identities_uniquely_and_clear_second_factors<
    S: Store + 'static,
>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let google = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("g-1").unwrap(),
    };
    let now = w.clock.now();
    enrolled(&w, &owner, "ABCDEFGHJKLMNPQR").await;
    let change = |account: crate::domain::AccountId, ticket, method: LoginMethod| MethodChange {
        account,
        ticket,
        method,
        password_hash: None,
        notice: notice(&w, &owner.email),
        at: now,
    };
    assert_eq!(
        w.store
            .apply_method_change(change(owner.id, None, google.login_method()))
            .await
            .unwrap(),
        Ok(())
    );
    assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
    assert_eq!(
        w.store
            .account_by_identity(&google)
            .await
            .unwrap()
            .unwrap()
            .id,
        owner.id
    );
    let t = Ticket::issue(
        TicketPurpose::LoginMethodChange,
        user.id,
        now,
        w.secrets.as_ref(),
    );
    w.store
        .issue_ticket(&t.ticket, &notice(&w, &user.email))
        .await
        .unwrap();
    assert_eq!(
        w.store
            .apply_method_change(change(user.id, Some(t.ticket.hash), google.login_method()))
            .await
            .unwrap(),
        Err(ChangeRefused::IdentityTaken)
    );
    assert_eq!(
        w.store.ticket(t.ticket.hash).await.unwrap().unwrap().state,
        TicketState::Unused
    );
    let other = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("g-2").unwrap(),
    };
    assert_eq!(
        w.store
            .apply_method_change(change(owner.id, Some(t.ticket.hash), other.login_method()))
            .await
            .unwrap(),
        Err(ChangeRefused::Ticket(TicketError::Unknown)),
        "a ticket of another account"
    );
    assert_eq!(
        w.store
            .apply_method_change(change(user.id, Some(t.ticket.hash), other.login_method()))
            .await
            .unwrap(),
        Ok(())
    );
    let got = w.store.account(user.id).await.unwrap().unwrap();
    assert_eq!(got.login_method, other.login_method());
    assert!(got.password_hash.is_none());
}

/// X4: removing an account removes its sessions, tickets and second factor, and frees its
/// address.
pub async fn removing_an_account_removes_what_hangs_on_it<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, _) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let (_, session) = session_for(&w, &user);
    w.store.insert_session(&session).await.unwrap();
    enrolled(&w, &user, "ABCDEFGHJKLMNPQR").await;
    assert!(
        w.store
            .remove_account(user.id, w.clock.now())
            .await
            .unwrap()
    );
    assert!(
        !w.store
            .remove_account(user.id, w.clock.now())
            .await
            .unwrap()
    );
    assert!(w.store.account(user.id).await.unwrap().is_none());
    assert!(w.store.sessions_of(user.id).await.unwrap().is_empty());
    assert!(w.store.enrolment(user.id).await.unwrap().is_none());
    assert_eq!(w.store.accounts_of(contract.id).await.unwrap().len(), 1);
    w.account(
        &contract,
        "user@example.co.jp",
        Role::User,
        Some("Kumo-2024"),
    )
    .await;
}

/// X5: mailed links are capped per account and purpose over 24 hours, also under concurrency.
pub async fn link_sends_are_capped_per_account_and_purpose<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(
            &contract,
            "user@example.co.jp",
            Role::User,
            Some("Kumo-2024"),
        )
        .await;
    let t0 = w.clock.now();
    let racers = (0..8).map(|i| {
        w.store.record_link_send(
            owner.id,
            TicketPurpose::PasswordReset,
            t0 + Duration::seconds(i),
            3,
        )
    });
    let admitted = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(admitted, 3);
    assert!(
        w.store
            .record_link_send(owner.id, TicketPurpose::Invitation, t0, 3)
            .await
            .unwrap(),
        "per purpose"
    );
    assert!(
        w.store
            .record_link_send(user.id, TicketPurpose::PasswordReset, t0, 3)
            .await
            .unwrap(),
        "per account"
    );
    assert!(
        w.store
            .record_link_send(
                owner.id,
                TicketPurpose::PasswordReset,
                t0 + Duration::hours(24) + Duration::seconds(8),
                3
            )
            .await
            .unwrap()
    );
}

/// L7: a provider sign-in's request is kept with every field, taken by exactly one of
/// concurrent callbacks, and never after it lapsed.
pub async fn federation_requests_are_taken_once_and_lapse<S: Store + 'static>(store: Arc<S>) {
    use crate::domain::{Ceremony, FEDERATION_REQUEST_VALIDITY, FederationPurpose};
    let w = TestWorld::with_store(store);
    let now = w.clock.now();
    let purposes = [
        FederationPurpose::SignIn {
            scope: SessionScope::Settings,
        },
        FederationPurpose::Invitation {
            ticket: SecretToken::generate(w.secrets.as_ref()).hash(),
        },
        FederationPurpose::OwnMethod {
            session: SessionId::generate(w.secrets.as_ref()),
        },
        FederationPurpose::MethodChange {
            ticket: SecretToken::generate(w.secrets.as_ref()).hash(),
        },
    ];
    let issuers = Provider::ALL
        .into_iter()
        .map(crate::domain::Issuer::Provider)
        .chain([crate::domain::Issuer::Directory(
            ConnectionId::parse("adfs-abcdefghjkmnpqrstu").unwrap(),
        )]);
    let purposes = purposes.into_iter().chain([FederationPurpose::SignIn {
        scope: SessionScope::Service,
    }]);
    for (issuer, purpose) in issuers.zip(purposes) {
        let request = Ceremony::generate(w.secrets.as_ref()).request(issuer, purpose, now);
        w.store.insert_federation_request(&request).await.unwrap();
        let racers = (0..8).map(|_| w.store.take_federation_request(request.state, now));
        let taken: Vec<_> = join_all(racers)
            .await
            .into_iter()
            .filter_map(|r| r.unwrap())
            .collect();
        assert_eq!(taken, vec![request.clone()], "taken exactly once, intact");
        assert!(
            w.store
                .take_federation_request(request.state, now)
                .await
                .unwrap()
                .is_none()
        );
    }
    // A lapsed request is returned to no one, even if it was never taken.
    let request = Ceremony::generate(w.secrets.as_ref()).request(
        crate::domain::Issuer::Provider(Provider::Google),
        FederationPurpose::SignIn {
            scope: SessionScope::Service,
        },
        now,
    );
    w.store.insert_federation_request(&request).await.unwrap();
    let late = now + FEDERATION_REQUEST_VALIDITY;
    assert!(
        w.store
            .take_federation_request(request.state, late)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.store
            .take_federation_request(request.state, now)
            .await
            .unwrap()
            .is_none(),
        "a lapsed request is removed when found"
    );
}

/// X5: a key gets `limit` hits per window whatever the number of racers; keys are counted
/// apart; forgetting old counters never reopens a live window.
pub async fn x5_rate_hits_are_counted_atomically_per_key_and_window<S: Store + 'static>(
    store: Arc<S>,
) {
    let minute = Duration::minutes(1);
    for _ in 0..3 {
        assert!(
            store
                .count_hit("client:192.0.2.1", minute, 3)
                .await
                .unwrap()
        );
    }
    assert!(
        !store
            .count_hit("client:192.0.2.1", minute, 3)
            .await
            .unwrap()
    );
    assert!(
        !store
            .count_hit("client:192.0.2.1", minute, 3)
            .await
            .unwrap()
    );
    assert!(
        store
            .count_hit("client:192.0.2.2", minute, 3)
            .await
            .unwrap()
    );
    let racers = (0..20).map(|_| store.count_hit("client:198.51.100.7", minute, 5));
    let allowed = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(allowed, 5, "exactly the allowance under concurrency");
    store.forget_rate_hits(minute).await.unwrap();
    assert!(
        !store
            .count_hit("client:192.0.2.1", minute, 3)
            .await
            .unwrap(),
        "a live window is kept"
    );
}

/// X6: a worker whose lease ran out and passed to another records nothing (the other's result
/// counts), renews nothing of it, and the holder's result is kept.
pub async fn x6_delivery_is_recorded_only_by_the_lease_holder<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let mail = notice(&w, &owner.email);
    w.store.enqueue_mail(&mail).await.unwrap();
    let now = w.clock.now();
    let (a, b) = (worker("a"), worker("b"));
    // A lease of no length has run out by the store's clock as soon as it is taken.
    let first = w
        .store
        .claim_due_mail(now, &a, Duration::zero(), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let second = w
        .store
        .claim_due_mail(now, &b, Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1, "an expired lease frees the mail");
    assert_eq!(
        w.store
            .renew_mail_leases(&a, Duration::minutes(1))
            .await
            .unwrap(),
        0
    );
    assert!(
        !w.store
            .record_delivery(mail.id, Some(&a), DeliveryState::Sent { at: now })
            .await
            .unwrap(),
        "the former holder records nothing"
    );
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), 1);
    let failed = DeliveryState::Pending {
        attempts: 1,
        next_attempt_at: now,
        last_error: Some("421 try again".into()),
    };
    assert!(
        w.store
            .record_delivery(mail.id, Some(&b), failed.clone())
            .await
            .unwrap()
    );
    assert_eq!(w.store.unsent_mail().await.unwrap()[0].state, failed);
    // Recorded: the lease is released, and neither worker holds it any more.
    assert!(
        !w.store
            .record_delivery(mail.id, Some(&b), DeliveryState::Sent { at: now })
            .await
            .unwrap()
    );
    assert_eq!(
        w.store
            .claim_due_mail(now, &a, Duration::minutes(1), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// X6: a held lease is not taken by a claimer whose clock runs ahead (six minutes, a day);
/// renewal keeps it; release frees it at once.
pub async fn x6_leases_run_by_the_store_clock_and_are_renewed_and_released<S: Store + 'static>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let mail = notice(&w, &owner.email);
    w.store.enqueue_mail(&mail).await.unwrap();
    let now = w.clock.now();
    let (a, b) = (worker("a"), worker("b"));
    let lease = Duration::minutes(5);
    assert_eq!(
        w.store
            .claim_due_mail(now, &a, lease, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    for ahead in [Duration::minutes(6), Duration::days(1)] {
        assert!(
            w.store
                .claim_due_mail(now + ahead, &b, lease, 10)
                .await
                .unwrap()
                .is_empty(),
            "a claimer {ahead} ahead takes nothing"
        );
    }
    assert_eq!(w.store.renew_mail_leases(&a, lease).await.unwrap(), 1);
    assert_eq!(w.store.renew_mail_leases(&b, lease).await.unwrap(), 0);
    assert_eq!(w.store.release_mail_leases(&b).await.unwrap(), 0);
    assert!(
        w.store
            .claim_due_mail(now, &b, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(w.store.release_mail_leases(&a).await.unwrap(), 1);
    let taken = w.store.claim_due_mail(now, &b, lease, 10).await.unwrap();
    assert_eq!(taken.len(), 1, "a released mail is claimed at once");
    assert!(
        w.store
            .record_delivery(mail.id, Some(&b), DeliveryState::Sent { at: now })
            .await
            .unwrap()
    );
    assert_eq!(
        w.store.renew_mail_leases(&b, lease).await.unwrap(),
        0,
        "sent"
    );
}

/// X6: a mail queued by a clock far ahead of the store's (an instance whose clock runs fast)
/// is due by the store's clock at the latest, so the others send it if the writer dies before
/// claiming it; and a retry that writer scheduled by its clock is due for the others as soon
/// as the writer, having claimed it again, lets it go: when its lease runs out (the claimer
/// crashed) or when it is released (shutdown). A claim brings the stored due time back to the
/// store's clock.
pub async fn x6_a_mail_let_go_by_its_claimer_is_due_for_workers_behind_its_writer<
    S: Store + 'static,
>(
    store: Arc<S>,
) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    // The writer's clock is a century ahead; the other worker's half a century: both ahead of
    // any store's clock, the other worker behind the writer.
    let writer = w.clock.now() + Duration::days(36_500);
    let behind = w.clock.now() + Duration::days(18_250);
    let (fast, other) = (worker("fast"), worker("other"));
    // Queued by the fast writer, never claimed (it died at once): due for the others.
    let mut unclaimed = notice(&w, &owner.email);
    unclaimed.created_at = writer;
    w.store.enqueue_mail(&unclaimed).await.unwrap();
    let taken = w
        .store
        .claim_due_mail(behind, &other, Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|q| q.mail.id).collect::<Vec<_>>(),
        vec![unclaimed.id],
        "a mail is due by the store's clock at the latest"
    );
    assert!(
        w.store
            .record_delivery(
                unclaimed.id,
                Some(&other),
                DeliveryState::Sent { at: behind }
            )
            .await
            .unwrap()
    );
    for crashed in [true, false] {
        // The fast worker's failed attempt set a retry time by its clock.
        let mail = notice(&w, &owner.email);
        w.store.enqueue_mail(&mail).await.unwrap();
        let first = w
            .store
            .claim_due_mail(writer, &fast, Duration::minutes(5), 10);
        assert_eq!(first.await.unwrap().len(), 1);
        let retry = DeliveryState::Pending {
            attempts: 1,
            next_attempt_at: writer,
            last_error: None,
        };
        assert!(
            w.store
                .record_delivery(mail.id, Some(&fast), retry)
                .await
                .unwrap()
        );
        assert!(
            w.store
                .claim_due_mail(behind, &other, Duration::minutes(5), 10)
                .await
                .unwrap()
                .is_empty(),
            "a retry is not yet due for a clock behind its writer's"
        );
        let lease = if crashed {
            Duration::zero()
        } else {
            Duration::minutes(5)
        };
        let claimed = w
            .store
            .claim_due_mail(writer, &fast, lease, 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        if !crashed {
            assert_eq!(w.store.release_mail_leases(&fast).await.unwrap(), 1);
        }
        let taken = w
            .store
            .claim_due_mail(behind, &other, Duration::minutes(5), 10)
            .await
            .unwrap();
        assert_eq!(
            taken.iter().map(|q| q.mail.id).collect::<Vec<_>>(),
            vec![mail.id],
            "crashed: {crashed}"
        );
        assert!(
            w.store
                .record_delivery(mail.id, Some(&other), DeliveryState::Sent { at: behind })
                .await
                .unwrap()
        );
    }
}

/// X1, X7: the audit trail reads in pages, newest first, filtered by account and kind, each
/// page continuing exactly where the previous one ended, never across contracts. Run by every
/// audit log (in memory here, SQLite and PostgreSQL in the Diesel store's tests).
pub async fn x1_audit_pages_filter_by_account_and_kind_and_continue(
    log: &dyn crate::ports::AuditLog,
) {
    use crate::domain::{AccountId, AuditEvent, AuditKind, ContractId, SignInFailure};
    use crate::ports::AuditQuery;
    let secrets = crate::testing::SeededSecrets::new(17);
    let contract = ContractId::generate(&secrets);
    let other = ContractId::generate(&secrets);
    let alice = AccountId::generate(&secrets);
    let bob = AccountId::generate(&secrets);
    let t0 = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let event = |c: ContractId, who: AccountId, minute: i64, kind: AuditKind| AuditEvent {
        at: t0 + Duration::minutes(minute),
        contract: Some(c),
        account: Some(who),
        kind,
        channel: ChannelKind::Internet,
        client_address: None,
    };
    let failed = |reason| AuditKind::SignInFailed { reason };
    // Seven events of the contract (two in one instant), one of another contract.
    let recorded = [
        event(contract, alice, 0, failed(SignInFailure::WrongPassword)),
        event(contract, bob, 1, AuditKind::PasswordReset),
        event(contract, alice, 2, AuditKind::PasswordResetRequested),
        event(contract, alice, 3, failed(SignInFailure::Locked)),
        event(contract, bob, 3, failed(SignInFailure::WrongPassword)),
        event(other, alice, 4, failed(SignInFailure::WrongPassword)),
        event(contract, alice, 5, AuditKind::AccountLocked),
        event(contract, bob, 6, AuditKind::PasswordReset),
    ];
    for e in &recorded {
        log.record(e.clone()).await;
    }
    let query = |account, kind, limit| AuditQuery {
        contract,
        account,
        kind,
        before: None,
        limit,
    };
    // Pages of two walk the whole trail, newest first, in the order a single read gives.
    let all = log.events_page(&query(None, None, 100)).await;
    assert!(all.older.is_none());
    let expected: Vec<AuditEvent> = [7, 6, 4, 3, 2, 1, 0]
        .iter()
        .map(|&i| recorded[i].clone())
        .collect();
    assert_eq!(all.events, expected);
    let mut walked = Vec::new();
    let mut q = query(None, None, 2);
    loop {
        let page = log.events_page(&q).await;
        assert!(page.events.len() <= 2);
        walked.extend(page.events);
        match page.older {
            Some(c) => q.before = Some(c),
            None => break,
        }
    }
    assert_eq!(walked, expected, "pages continue exactly where they ended");
    // By account, by kind (of any reason), both.
    let of_bob = log.events_page(&query(Some(bob), None, 100)).await;
    assert_eq!(
        of_bob.events,
        vec![
            recorded[7].clone(),
            recorded[4].clone(),
            recorded[1].clone()
        ]
    );
    let fails = log
        .events_page(&query(None, Some(failed(SignInFailure::UnknownEmail)), 100))
        .await;
    assert_eq!(
        fails.events,
        vec![
            recorded[4].clone(),
            recorded[3].clone(),
            recorded[0].clone()
        ]
    );
    let resets = log
        .events_page(&query(None, Some(AuditKind::PasswordReset), 100))
        .await;
    assert_eq!(
        resets.events,
        vec![recorded[7].clone(), recorded[1].clone()],
        "a kind whose name begins another's matches only itself"
    );
    let alice_fails = log
        .events_page(&query(
            Some(alice),
            Some(failed(SignInFailure::WrongPassword)),
            1,
        ))
        .await;
    assert_eq!(alice_fails.events, vec![recorded[3].clone()]);
    let next = log
        .events_page(&AuditQuery {
            before: alice_fails.older,
            ..query(Some(alice), Some(failed(SignInFailure::WrongPassword)), 1)
        })
        .await;
    assert_eq!(next.events, vec![recorded[0].clone()]);
    assert!(
        next.older.is_none(),
        "the other contract's event is not there"
    );
    assert!(
        log.events_page(&query(None, None, 0))
            .await
            .events
            .is_empty()
    );
}

/// C2: contract details read back as written, the company name is the contract's name, the
/// notice is queued in the same step; an unknown contract changes nothing.
pub async fn c2_contract_details_are_stored_with_the_name_and_their_notice<S: Store + 'static>(
    store: Arc<S>,
) {
    use crate::domain::{ContractDetails, ContractDetailsInput, ContractId};
    let w = TestWorld::with_store(store);
    let (contract, owner) = w.basic_owner().await;
    let empty = w
        .store
        .contract_details(contract.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(empty.company, contract.name);
    assert_eq!(
        (empty.department.as_str(), empty.address.as_str()),
        ("", "")
    );
    let details = ContractDetails::parse(&ContractDetailsInput {
        company: "晴天商事株式会社",
        department: "総務部",
        contact_person: "鈴木 一郎",
        phone: "03-1234-5678",
        postal_code: "100-0001",
        address: "東京都千代田区千代田1-1",
    })
    .unwrap();
    let before = w.store.unsent_mail().await.unwrap().len();
    assert!(
        w.store
            .set_contract_details(
                contract.id,
                &details,
                notice(&w, &owner.email),
                w.clock.now()
            )
            .await
            .unwrap()
    );
    assert_eq!(
        w.store
            .contract_details(contract.id)
            .await
            .unwrap()
            .unwrap(),
        details
    );
    let renamed = w.store.contract(contract.id).await.unwrap().unwrap();
    assert_eq!(renamed.name.as_str(), "晴天商事株式会社");
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), before + 1);
    // Written again: replaced, not added.
    let again = ContractDetails {
        department: String::new(),
        ..details.clone()
    };
    assert!(
        w.store
            .set_contract_details(contract.id, &again, notice(&w, &owner.email), w.clock.now())
            .await
            .unwrap()
    );
    assert_eq!(
        w.store
            .contract_details(contract.id)
            .await
            .unwrap()
            .unwrap(),
        again
    );
    let nobody = ContractId::generate(w.secrets.as_ref());
    assert!(w.store.contract_details(nobody).await.unwrap().is_none());
    assert!(
        !w.store
            .set_contract_details(nobody, &details, notice(&w, &owner.email), w.clock.now())
            .await
            .unwrap()
    );
    assert_eq!(w.store.unsent_mail().await.unwrap().len(), before + 2);
}

/// X6: operators list the newest mails whatever their state (`mail list --all`), oldest first.
pub async fn x6_recent_mail_lists_sent_and_unsent_oldest_first<S: Store + 'static>(store: Arc<S>) {
    let w = TestWorld::with_store(store);
    let (_, owner) = w.basic_owner().await;
    let before = w.store.recent_mail(1000).await.unwrap().len();
    let mails: Vec<Mail> = (0..3).map(|_| notice(&w, &owner.email)).collect();
    for m in &mails {
        w.clock.advance(Duration::seconds(1));
        let m = Mail {
            created_at: w.clock.now(),
            ..m.clone()
        };
        w.store.enqueue_mail(&m).await.unwrap();
    }
    w.store
        .record_delivery(mails[0].id, None, DeliveryState::Sent { at: w.clock.now() })
        .await
        .unwrap();
    let all = w.store.recent_mail(1000).await.unwrap();
    assert_eq!(all.len(), before + 3);
    let last_two: Vec<MailId> = w
        .store
        .recent_mail(2)
        .await
        .unwrap()
        .iter()
        .map(|q| q.mail.id)
        .collect();
    assert_eq!(last_two, vec![mails[1].id, mails[2].id]);
    let three = w.store.recent_mail(3).await.unwrap();
    assert_eq!(three[0].mail.id, mails[0].id);
    assert!(
        matches!(three[0].state, DeliveryState::Sent { .. }),
        "sent ones too"
    );
    assert!(
        !w.store
            .unsent_mail()
            .await
            .unwrap()
            .iter()
            .any(|q| q.mail.id == mails[0].id)
    );
    assert!(w.store.recent_mail(0).await.unwrap().is_empty());
}
