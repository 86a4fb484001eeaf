//! L2 and ticket races on PostgreSQL with two independent pools, as two app instances would
//! run them.

use std::sync::Arc;

use adapter_postgres::{DieselStore, PoolSettings};
use auth_core::domain::{
    AuditKind, ClientInfo, LOCK_THRESHOLD, MailKind, PasswordCandidate, Plan, Role, SessionScope,
    Ticket, TicketError, TicketPurpose,
};
use auth_core::flows::signin::{PasswordSignIn, SignInError};
use auth_core::flows::{Auth, Ports, Settings};
use auth_core::ports::{AccountStore, OutboxStore, TicketStore};
use auth_core::testing::{SeededSecrets, TestWorld};
use futures_util::future::join_all;

use crate::support;

/// Two app instances: the test world's core on pool A, a second core on pool B. They share the
/// clock, hasher and audit trail, but not their random sources.
async fn two_instances() -> (TestWorld<DieselStore>, Auth, Arc<DieselStore>) {
    let settings = PoolSettings {
        max_size: 8,
        ..PoolSettings::default()
    };
    let (a, url) = support::pg_store_with(settings).await;
    let b = Arc::new(DieselStore::connect(&url, settings).await.unwrap());
    let world = TestWorld::with_store(Arc::new(a));
    let auth_b = Auth::new(
        Ports {
            store: b.clone(),
            hasher: world.hasher.clone(),
            clock: world.clock.clone(),
            secrets: Arc::new(SeededSecrets::new(0xB)),
            audit: world.audit.clone(),
        },
        Settings::default(),
    );
    (world, auth_b, b)
}

fn instance<'a>(i: usize, w: &'a TestWorld<DieselStore>, b: &'a Auth) -> &'a Auth {
    if i.is_multiple_of(2) { &w.auth } else { b }
}

/// L2: 20 wrong passwords racing on two instances lock the account exactly once, at ten, with
/// exactly one unlock mail; 20 rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l2_two_pools_lock_exactly_once_at_ten() {
    let (w, auth_b, store_b) = two_instances().await;
    let contract = w.contract("雲商事", Plan::Basic).await;
    for round in 0..20 {
        let email = format!("user{round}@example.co.jp");
        let account = w
            .account(&contract, &email, Role::User, Some("Kumo-2024"))
            .await;
        let attempts = (0..20).map(|i| {
            let auth = instance(i, &w, &auth_b).clone();
            let email = email.clone();
            tokio::spawn(async move {
                auth.sign_in_with_password(PasswordSignIn {
                    email: &email,
                    password: PasswordCandidate::new("Wrong-2024"),
                    client: ClientInfo::internet(Some([192, 0, 2, 7].into()), None),
                    scope: SessionScope::Service,
                })
                .await
            })
        });
        for result in join_all(attempts).await {
            assert!(matches!(
                result.unwrap(),
                Err(SignInError::InvalidCredentials)
            ));
        }
        // Both instances see the same, locked state with the count at the threshold.
        for store in [&w.store, &store_b] {
            let stored = store.account(account.id).await.unwrap().unwrap();
            assert!(stored.lock.is_locked(), "round {round}");
            assert_eq!(stored.lock.failures(), LOCK_THRESHOLD);
        }
        let locks = w
            .audit
            .events()
            .into_iter()
            .filter(|e| e.account == Some(account.id) && e.kind == AuditKind::AccountLocked)
            .count();
        assert_eq!(locks, 1, "round {round}: locked exactly once");
        let unlock_mails: Vec<_> = w
            .store
            .unsent_mail()
            .await
            .unwrap()
            .into_iter()
            .filter(|q| q.mail.to == account.email)
            .collect();
        assert_eq!(unlock_mails.len(), 1, "round {round}: one unlock mail");
        let MailKind::AccountLocked { unlock } = &unlock_mails[0].mail.kind else {
            panic!("round {round}: not an unlock mail");
        };
        let ticket = w.store.ticket(unlock.token.hash()).await.unwrap().unwrap();
        assert_eq!(ticket.account, account.id);
        assert_eq!(ticket.purpose, TicketPurpose::Unlock);
    }
}

/// L4 and the ticket invariant: 16 racers opening one unlock link on two instances; exactly
/// one unlocks, the others are told the link was used.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l4_sixteen_racers_on_two_pools_use_an_unlock_link_once() {
    let (w, auth_b, _) = two_instances().await;
    let (_, owner) = w.basic_owner().await;
    for _ in 0..LOCK_THRESHOLD {
        let _ = w
            .auth
            .sign_in_with_password(PasswordSignIn {
                email: owner.email.as_str(),
                password: PasswordCandidate::new("Wrong-2024"),
                client: w.client(),
                scope: SessionScope::Service,
            })
            .await;
    }
    let mails = w.store.unsent_mail().await.unwrap();
    let MailKind::AccountLocked { unlock } = &mails[0].mail.kind else {
        panic!("not an unlock mail");
    };
    let token = unlock.token.expose().to_string();
    let racers = (0..16).map(|i| {
        let auth = instance(i, &w, &auth_b).clone();
        let token = token.clone();
        let client = w.client();
        tokio::spawn(async move { auth.unlock(&token, &client).await })
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
            .all(|e| e.to_string() == TicketError::Used.to_string())
    );
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

/// Tickets are consumed at most once: 16 raw consumers on two pools, 20 tickets.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_are_consumed_once_by_sixteen_racers_on_two_pools() {
    let (w, _, store_b) = two_instances().await;
    let (_, owner) = w.basic_owner().await;
    let now = w.clock.now_for_test();
    for _ in 0..20 {
        let issued = Ticket::issue(
            TicketPurpose::PasswordReset,
            owner.id,
            now,
            w.secrets.as_ref(),
        );
        let mail = auth_core::domain::Mail {
            id: auth_core::domain::MailId::generate(w.secrets.as_ref()),
            to: owner.email.clone(),
            locale: auth_core::domain::Locale::Ja,
            kind: MailKind::Notice {
                kind: auth_core::domain::NoticeKind::PasswordChanged,
            },
            created_at: now,
        };
        w.store.issue_ticket(&issued.ticket, &mail).await.unwrap();
        let racers = (0..16_usize).map(|i| {
            let store: Arc<DieselStore> = if i.is_multiple_of(2) {
                w.store.clone()
            } else {
                store_b.clone()
            };
            let hash = issued.ticket.hash;
            tokio::spawn(async move {
                store
                    .consume_ticket(hash, TicketPurpose::PasswordReset, now)
                    .await
            })
        });
        let results: Vec<_> = join_all(racers)
            .await
            .into_iter()
            .map(|r| r.unwrap().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| *e == TicketError::Used)
        );
    }
}
