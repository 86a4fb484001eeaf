//! Property tests of the spec's invariants, over random interleavings of the flows.

#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use chrono::Duration;
use proptest::prelude::*;

use super::{client, try_sign_in};
use crate::domain::{LOCK_THRESHOLD, MailKind, TicketError, TicketPurpose};
use crate::flows::signin::SignInError;
use crate::testing::{MemoryStore, TestWorld};

const EMAIL: &str = "owner@example.co.jp";

#[derive(Debug, Clone)]
enum Step {
    Wrong,
    Right,
    OpenNewestUnlockLink,
    ResetPassword,
    ClockJump(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Wrong),
        2 => Just(Step::Right),
        1 => Just(Step::OpenNewestUnlockLink),
        1 => Just(Step::ResetPassword),
        1 => (0i64..=20 * 24 * 60).prop_map(Step::ClockJump),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn newest_unlock_link(
    w: &TestWorld<MemoryStore>,
) -> Option<(String, chrono::DateTime<chrono::Utc>)> {
    w.store
        .queued_mail()
        .iter()
        .rev()
        .find_map(|m| match &m.kind {
            MailKind::AccountLocked { unlock } => {
                Some((unlock.token.expose().to_string(), unlock.expires_at))
            }
            _ => None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The failure count never exceeds 10 before it locks; locking happens exactly at the 10th
    /// consecutive failure; any success in between resets it; a lock sends exactly one mail.
    #[test]
    fn l2_lockout_invariants_hold_for_any_interleaving(steps in prop::collection::vec(step(), 1..60)) {
        runtime().block_on(async {
            let w = TestWorld::new();
            let (_, owner) = w.basic_owner().await;
            let mut password = String::from("Kumo-2024");
            let (mut failures, mut locked, mut locks) = (0u8, false, 0usize);
            let mut used_links = std::collections::HashSet::new();
            for (i, s) in steps.iter().enumerate() {
                match s {
                    Step::Wrong => {
                        let r = try_sign_in(&w, EMAIL, "Not-the-one-1").await;
                        prop_assert!(matches!(r, Err(SignInError::InvalidCredentials)));
                        if !locked {
                            failures += 1;
                            if failures == LOCK_THRESHOLD { locked = true; locks += 1; }
                        }
                    }
                    Step::Right => {
                        let r = try_sign_in(&w, EMAIL, &password).await;
                        prop_assert_eq!(r.is_ok(), !locked);
                        if !locked { failures = 0; }
                    }
                    Step::OpenNewestUnlockLink => {
                        if let Some((link, expires)) = newest_unlock_link(&w) {
                            let r = w.auth.unlock(&link, &client()).await;
                            let fresh = !used_links.contains(&link);
                            let expected_ok = fresh && w.clock.now_for_test() < expires && locked;
                            // A link of an earlier lock was voided by the reset that ended it, or used.
                            if expected_ok {
                                prop_assert_eq!(r, Ok(()));
                                locked = false; failures = 0;
                            } else {
                                prop_assert!(r.is_err());
                            }
                            used_links.insert(link);
                        }
                    }
                    Step::ResetPassword => {
                        password = format!("Hanami-{i}x");
                        // A day apart, so the daily cap on reset mails (X5) never applies.
                        w.clock.advance(Duration::hours(25));
                        w.auth.request_password_reset(EMAIL, &client()).await.unwrap(); w.auth.process_reset_requests(100).await.unwrap();
                        let link = super::last_link(&w, TicketPurpose::PasswordReset);
                        w.auth.reset_password(&link, &password, &password, &client()).await.unwrap();
                        locked = false; failures = 0;
                        // The unlock link of the ended lock is void now.
                        if let Some((l, _)) = newest_unlock_link(&w) { used_links.insert(l); }
                    }
                    Step::ClockJump(minutes) => w.clock.advance(Duration::minutes(*minutes)),
                }
                let stored = w.store.account(owner.id).await.unwrap().unwrap();
                prop_assert!(stored.lock.failures() <= LOCK_THRESHOLD);
                prop_assert_eq!(stored.lock.is_locked(), locked, "step {}: {:?}", i, s);
                prop_assert_eq!(stored.lock.failures(), if locked { LOCK_THRESHOLD } else { failures });
            }
            let lock_mails = w.store.queued_mail().iter().filter(|m| matches!(m.kind, MailKind::AccountLocked { .. })).count();
            prop_assert_eq!(lock_mails, locks);
            Ok(())
        })?;
    }

    /// A ticket is consumed at most once, never after expiry, and only for its own purpose.
    #[test]
    fn tickets_are_single_use_unexpired_and_purpose_bound(
        ops in prop::collection::vec((0usize..4, 0usize..5, 0i64..=16 * 24 * 60), 1..40)
    ) {
        let purposes = [TicketPurpose::Unlock, TicketPurpose::PasswordReset, TicketPurpose::Invitation, TicketPurpose::EmailChange, TicketPurpose::LoginMethodChange];
        runtime().block_on(async {
            let w = TestWorld::new();
            let (_, owner) = w.basic_owner().await;
            let mut issued = Vec::new();
            for p in purposes {
                let t = crate::domain::Ticket::issue(p, owner.id, w.clock.now_for_test(), w.secrets.as_ref());
                w.store.issue_ticket(&t.ticket, &w.store.queued_mail().first().cloned().unwrap_or_else(|| super::notice_mail(&w, &owner))).await.unwrap();
                issued.push((t, false));
            }
            for (which, purpose, minutes) in ops {
                w.clock.advance(Duration::minutes(minutes));
                let idx = which.min(issued.len() - 1);
                let now = w.clock.now_for_test();
                let (ticket, used) = &mut issued[idx];
                let r = w.store.consume_ticket(ticket.ticket.hash, purposes[purpose], now).await.unwrap();
                let expected = if ticket.ticket.purpose != purposes[purpose] {
                    Err(TicketError::Unknown)
                } else if *used {
                    Err(TicketError::Used)
                } else if now >= ticket.ticket.expires_at {
                    Err(TicketError::Expired)
                } else {
                    Ok(())
                };
                prop_assert_eq!(r.as_ref().map(|_| ()).map_err(|e| *e), expected);
                if let Ok(consumed) = r {
                    prop_assert_eq!(consumed.account, owner.id);
                    *used = true;
                }
            }
            Ok(())
        })?;
    }
}

mod second_factor {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::{client, runtime};
    use crate::domain::{
        PasswordCandidate, Plan, RecoveryCode, Role, SecretToken, SessionScope, TicketPurpose,
        TotpSecret, totp_code_at,
    };
    use crate::flows::signin::{PasswordSignIn, SignInOutcome};
    use crate::flows::two_factor::{PendingGrant, SecondFactorStep};
    use crate::ports::{Clock as _, TwoFactorStore as _};
    use crate::testing::{MemoryStore, TestWorld};

    const EMAIL: &str = "owner@example.co.jp";

    #[derive(Debug, Clone)]
    enum Event {
        EnrolTotp { remember: bool },
        EnrolSms { remember: bool },
        Recover { which: usize },
        PasswordReset,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            any::<bool>().prop_map(|remember| Event::EnrolTotp { remember }),
            any::<bool>().prop_map(|remember| Event::EnrolSms { remember }),
            (0usize..8).prop_map(|which| Event::Recover { which }),
            Just(Event::PasswordReset),
        ]
    }

    async fn password(
        w: &TestWorld<MemoryStore>,
        pw: &str,
        device: Option<&SecretToken>,
    ) -> Result<PendingGrant, bool> {
        match w
            .auth
            .sign_in_with_password(PasswordSignIn {
                email: EMAIL,
                password: PasswordCandidate::new(pw),
                client: client(),
                scope: SessionScope::Service,
                remembered_browser: device.cloned(),
            })
            .await
        {
            Ok(SignInOutcome::SecondFactorRequired(p)) => Ok(p),
            Ok(_) => Err(true),
            Err(_) => Err(false),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// After any T6 event no earlier second-factor secret, phone, recovery code or remembered
        /// browser works; a recovery code works at most once, and only while it is current.
        #[test]
        fn t6_nothing_from_before_a_reset_works_and_recovery_codes_work_once(events in prop::collection::vec(event(), 1..12)) {
            runtime().block_on(async {
                let w = TestWorld::new();
                let contract = w.contract("雲商事", Plan::Basic).await;
                let owner = w.account(&contract, EMAIL, Role::Owner, Some("Kumo-2024")).await;
                let mut pw = String::from("Kumo-2024");
                let (mut stale_secrets, mut stale_devices): (Vec<TotpSecret>, Vec<SecretToken>) = (vec![], vec![]);
                let mut live_devices: Vec<SecretToken> = vec![];
                let mut codes: Vec<(RecoveryCode, bool)> = vec![]; // (code, is current)
                let mut live_secret: Option<TotpSecret> = None;
                for (i, e) in events.iter().enumerate() {
                    // A day apart, so the SMS daily cap (X5) never interferes with the probing.
                    w.clock.advance(Duration::hours(25));
                    match e {
                        Event::EnrolTotp { remember } | Event::EnrolSms { remember } => {
                            let Ok(p) = password(&w, &pw, None).await else { continue };
                            if p.step != SecondFactorStep::Enrol { continue; }
                            let recovery = if matches!(e, Event::EnrolTotp { .. }) {
                                let offer = w.auth.offer_totp(&p.token).await.unwrap();
                                let secret = TotpSecret::from_bytes(&data_encoding::BASE32_NOPAD.decode(offer.secret_text.as_bytes()).unwrap());
                                let code = totp_code_at(&secret, w.clock.now());
                                live_secret = Some(secret);
                                w.auth.finish_enrolment(&p.token, &code, *remember).await.unwrap()
                            } else {
                                w.auth.enrol_sms(&p.token, "09012345678").await.unwrap();
                                live_secret = None;
                                let code = w.sms.last_code().unwrap();
                                w.auth.finish_enrolment(&p.token, &code, *remember).await.unwrap()
                            };
                            let done = w.auth.confirm_recovery_code_saved(&recovery.pending, true).await.unwrap();
                            live_devices.extend(done.remembered_browser);
                            codes.push((recovery.code, true));
                        }
                        Event::Recover { which } => {
                            if codes.is_empty() { continue; }
                            let idx = which % codes.len();
                            let Ok(p) = password(&w, &pw, None).await else { continue };
                            let r = w.auth.use_recovery_code(&p.token, codes[idx].0.expose()).await;
                            prop_assert_eq!(r.is_ok(), codes[idx].1, "event {}: code {} current={}", i, idx, codes[idx].1);
                            if let Ok(fresh) = r {
                                codes[idx].1 = false;
                                codes.push((fresh.code, true));
                                w.auth.confirm_recovery_code_saved(&fresh.pending, true).await.unwrap();
                            }
                        }
                        Event::PasswordReset => {
                            w.auth.request_password_reset(EMAIL, &client()).await.unwrap(); w.auth.process_reset_requests(100).await.unwrap();
                            let link = super::super::last_link(&w, TicketPurpose::PasswordReset);
                            pw = format!("Hanami-{i}x");
                            w.auth.reset_password(&link, &pw, &pw, &client()).await.unwrap();
                            stale_secrets.extend(live_secret.take());
                            stale_devices.append(&mut live_devices);
                            for c in &mut codes { c.1 = false; }
                            prop_assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
                        }
                    }
                    // Nothing stale works, whatever the account's state now.
                    for device in &stale_devices {
                        prop_assert!(password(&w, &pw, Some(device)).await.is_ok(), "a stale device token skipped the second factor");
                    }
                    if let Ok(p) = password(&w, &pw, None).await {
                        for secret in &stale_secrets {
                            let code = totp_code_at(secret, w.clock.now());
                            prop_assert!(w.auth.answer_challenge(&p.token, &code, false).await.is_err());
                        }
                        for (code, current) in &codes {
                            if !current {
                                prop_assert!(w.auth.use_recovery_code(&p.token, code.expose()).await.is_err());
                            }
                        }
                    }
                    // Undo lock build-up from the probing above, like a support unlock would.
                    if let Ok(Some(_)) = w.store.enrolment(owner.id).await.map(|e| e.map(|_| ())) {}
                    let acc = crate::ports::AccountStore::account(w.store.as_ref(), owner.id).await.unwrap().unwrap();
                    if acc.lock.failures() > 0 {
                        let _ = crate::ports::AccountStore::record_success(w.store.as_ref(), owner.id, crate::ports::Success { reset_failures: true, ..Default::default() }).await;
                    }
                }
                Ok(())
            })?;
        }
    }
}
