//! L2, ticket and second-factor races on PostgreSQL with two independent pools, as two app
//! instances would run them.

use std::sync::Arc;

use adapter_postgres::{DieselStore, PoolSettings};
use auth_core::domain::{
    AuditKind, ClientInfo, EnrolledFactor, Enrolment, LOCK_THRESHOLD, MailKind, NoticeKind,
    PasswordCandidate, PendingSignIn, PendingStage, PhoneNumber, Plan, Role, SecretToken,
    SessionScope, Ticket, TicketError, TicketPurpose, TotpSecret,
};
use auth_core::flows::signin::{PasswordSignIn, SignInError, SignInOutcome};
use auth_core::flows::two_factor::TwoFactorError;
use auth_core::flows::{Auth, Ports, Settings};
use auth_core::ports::{
    AccountStore, EnrolmentCommit, OutboxStore, PasswordHasher, TicketStore, TwoFactorStore,
    Verification,
};
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
            sms: world.sms.clone(),
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
                    remembered_browser: None,
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
                remembered_browser: None,
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

const RECOVERY_CODE: &str = "ABCD-EFGH-JKLM-NPQR";

/// A password account of a contract with two-factor on, enrolled with an authenticator app and
/// `RECOVERY_CODE`.
async fn enrolled_user(w: &TestWorld<DieselStore>, email: &str) -> auth_core::domain::Account {
    let contract = w.contract("雲商事", Plan::Basic).await;
    let account = w
        .account(&contract, email, Role::User, Some("Kumo-2024"))
        .await;
    let now = w.clock.now_for_test();
    let enrolling = PendingSignIn {
        token_hash: SecretToken::generate(w.secrets.as_ref()).hash(),
        account: account.id,
        contract: contract.id,
        scope: SessionScope::Service,
        client: w.client(),
        created_at: now,
        stage: PendingStage::Enrol {
            totp_secret: None,
            sms: None,
        },
        remember_browser: false,
    };
    w.store.insert_pending(&enrolling).await.unwrap();
    let commit = EnrolmentCommit {
        pending: enrolling.token_hash,
        next_token: enrolling.token_hash,
        remember_browser: false,
        enrolment: Enrolment {
            factor: EnrolledFactor::Totp {
                secret: TotpSecret::generate(w.secrets.as_ref()),
            },
            recovery_hash: w.hasher.hash_text("ABCDEFGHJKLMNPQR").unwrap(),
            last_totp_step: None,
            enrolled_at: now,
        },
        notice: auth_core::domain::Mail {
            id: auth_core::domain::MailId::generate(w.secrets.as_ref()),
            to: account.email.clone(),
            locale: auth_core::domain::Locale::Ja,
            kind: MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
            created_at: now,
        },
    };
    assert!(w.store.complete_enrolment(commit).await.unwrap());
    w.store.take_pending(enrolling.token_hash).await.unwrap();
    account
}

/// Signs in with the right password over the internet: a second-factor challenge (L6, T4).
async fn challenged(auth: &Auth, w: &TestWorld<DieselStore>, email: &str) -> SecretToken {
    let outcome = auth
        .sign_in_with_password(PasswordSignIn {
            email,
            password: PasswordCandidate::new("Kumo-2024"),
            client: w.client(),
            scope: SessionScope::Service,
            remembered_browser: None,
        })
        .await
        .unwrap();
    let SignInOutcome::SecondFactorRequired(grant) = outcome else {
        panic!("no second factor asked");
    };
    grant.token
}

/// T5: ten submissions of one recovery code, through the core on two instances, race for one
/// pending sign-in: exactly one wins and gets a new code; the old code never works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t5_one_recovery_code_submitted_ten_times_on_two_pools_wins_once() {
    let (w, auth_b, store_b) = two_instances().await;
    let email = "lost@example.co.jp";
    let account = enrolled_user(&w, email).await;
    let pending = challenged(&w.auth, &w, email).await;
    let racers = (0..10).map(|i| {
        let auth = instance(i, &w, &auth_b).clone();
        let pending = pending.clone();
        tokio::spawn(async move { auth.use_recovery_code(&pending, RECOVERY_CODE).await })
    });
    let results: Vec<_> = join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    // A loser either lost the conditional replacement (a wrong code, counted toward the lock)
    // or arrived after the winner moved the sign-in on (to its next stage, under its next
    // token: the token presented is then refused).
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(
                e,
                TwoFactorError::WrongCode
                    | TwoFactorError::WrongStep
                    | TwoFactorError::NoPendingSignIn
            )),
        "{results:?}"
    );
    // Both instances see the new code's hash and the pending sign-in showing it.
    let fresh = winners[0];
    for store in [&w.store, &store_b] {
        let enrolment = store.enrolment(account.id).await.unwrap().unwrap();
        assert!(matches!(
            w.hasher
                .verify(
                    &PasswordCandidate::new(fresh.code.expose()),
                    &enrolment.recovery_hash
                )
                .await
                .unwrap(),
            Verification::Match { .. }
        ));
        let p = store.pending(fresh.pending.hash()).await.unwrap().unwrap();
        assert!(matches!(p.stage, PendingStage::RecoveryShown { .. }));
        assert!(store.pending(pending.hash()).await.unwrap().is_none());
    }
    let notices = w
        .store
        .unsent_mail()
        .await
        .unwrap()
        .into_iter()
        .filter(|q| {
            matches!(
                q.mail.kind,
                MailKind::Notice {
                    kind: NoticeKind::SecondFactorChanged
                }
            )
        })
        .count();
    assert_eq!(notices, 1, "one notice for the one replacement");
    // The old code is spent, on either instance.
    let again = challenged(&auth_b, &w, email).await;
    assert_eq!(
        auth_b
            .use_recovery_code(&again, RECOVERY_CODE)
            .await
            .unwrap_err(),
        TwoFactorError::WrongCode
    );
    assert!(
        w.auth
            .use_recovery_code(&again, fresh.code.expose())
            .await
            .is_ok(),
        "the new code works once"
    );
}

/// T7: ten spenders of one TOTP step on two pools: exactly one spends it; an earlier step is
/// refused afterwards; 10 rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn t7_a_totp_step_is_spent_once_across_two_pools() {
    let (w, _, store_b) = two_instances().await;
    let account = enrolled_user(&w, "totp@example.co.jp").await;
    for round in 0..10_u64 {
        let step = 59_000_000 + round * 3;
        let racers = (0..10_usize).map(|i| {
            let store: Arc<DieselStore> = if i.is_multiple_of(2) {
                w.store.clone()
            } else {
                store_b.clone()
            };
            tokio::spawn(async move { store.spend_totp_step(account.id, step).await })
        });
        let spent = join_all(racers)
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap().as_ref().unwrap())
            .count();
        assert_eq!(spent, 1, "round {round}");
        assert!(!store_b.spend_totp_step(account.id, step - 1).await.unwrap());
    }
}

/// X5: twenty SMS sends racing on two pools never pass the cap, per account (to different
/// numbers) nor per number (from different accounts).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn x5_sms_sends_never_pass_the_cap_across_two_pools() {
    let (w, _, store_b) = two_instances().await;
    let (contract, owner) = w.basic_owner().await;
    let now = w.clock.now_for_test();
    let cap = 5;
    let pick = |i: usize| -> Arc<DieselStore> {
        if i.is_multiple_of(2) {
            w.store.clone()
        } else {
            store_b.clone()
        }
    };
    // One account, twenty numbers.
    let racers = (0..20_usize).map(|i| {
        let store = pick(i);
        let phone = PhoneNumber::parse(&format!("+8190{:08}", 1000 + i)).unwrap();
        tokio::spawn(async move { store.record_sms_send(owner.id, &phone, now, cap).await })
    });
    let admitted = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap().as_ref().unwrap())
        .count();
    assert_eq!(admitted, cap as usize, "per account");
    // Twenty accounts, one number.
    let mut accounts = Vec::new();
    for i in 0..20 {
        let email = format!("sms{i}@example.co.jp");
        accounts.push(
            w.account(&contract, &email, Role::User, Some("Kumo-2024"))
                .await,
        );
    }
    let phone = PhoneNumber::parse("09099990000").unwrap();
    let racers = accounts.iter().enumerate().map(|(i, a)| {
        let store = pick(i);
        let (account, phone) = (a.id, phone.clone());
        tokio::spawn(async move { store.record_sms_send(account, &phone, now, cap).await })
    });
    let admitted = join_all(racers)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap().as_ref().unwrap())
        .count();
    assert_eq!(admitted, cap as usize, "per number");
}

/// L11, X4: session lookups read together (one query per batch under load) each get their own
/// session, parallel lookups of one session all get it, and a session ended on one instance is
/// never found by a lookup that starts afterwards on either instance: batching caches nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn l11_batched_session_lookups_answer_each_and_never_an_ended_session() {
    use auth_core::domain::{ChannelKind, Session, SessionId, TokenHash};
    use auth_core::ports::{Clock, SessionStore};
    let (w, _auth_b, store_b) = two_instances().await;
    let (_, owner) = w.basic_owner().await;
    let mut sessions = Vec::new();
    for n in 0..40 {
        let token = SecretToken::generate(w.secrets.as_ref());
        let session = Session {
            id: SessionId::generate(w.secrets.as_ref()),
            token_hash: token.hash(),
            account: owner.id,
            contract: owner.contract,
            scope: SessionScope::Service,
            created_at: w.clock.now(),
            last_seen_at: w.clock.now(),
            channel: ChannelKind::Internet,
            client_address: Some(format!("192.0.2.{n}")),
            user_agent: None,
        };
        w.store.insert_session(&session).await.unwrap();
        sessions.push(session);
    }
    let stores: [Arc<DieselStore>; 2] = [w.store.clone(), store_b.clone()];
    for round in 0..10 {
        // Every session looked up three times at once on both instances, with unknown tokens
        // in between.
        let lookups = (0..sessions.len() * 3).map(|i| {
            let store = stores[i % 2].clone();
            let expected = sessions[i % sessions.len()].clone();
            async move {
                let found = store.session(expected.token_hash).await.unwrap();
                assert_eq!(
                    found.map(|s| (s.id, s.client_address)),
                    Some((expected.id, expected.client_address))
                );
                let unknown = TokenHash::from_bytes([u8::try_from(round).unwrap(); 32]);
                assert!(store.session(unknown).await.unwrap().is_none());
            }
        });
        join_all(lookups).await;
        // End one session on one instance; at once, no lookup on either finds it.
        let ended = sessions.remove(0);
        assert!(
            stores[round % 2]
                .delete_session(ended.token_hash)
                .await
                .unwrap()
        );
        let after = (0..16).map(|i| {
            let store = stores[i % 2].clone();
            async move { store.session(ended.token_hash).await.unwrap() }
        });
        assert!(join_all(after).await.iter().all(Option::is_none));
    }
}
