#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use chrono::Duration;

use super::try_sign_in;
use crate::domain::{DeliveryState, LOCK_THRESHOLD, MAX_DELIVERY_ATTEMPTS, MailKind, retry_delay};
use crate::flows::outbox::DeliveryReport;
use crate::ports::{MailError, MockMailer};
use crate::testing::{RecordingMailer, TestWorld};

#[tokio::test]
async fn l2_exactly_one_unlock_mail_leaves_at_the_tenth_failure() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|mail| {
            matches!(mail.kind, MailKind::AccountLocked { .. })
                && mail.to.as_str() == "owner@example.co.jp"
        })
        .times(1)
        .returning(|_| Ok(()));
    for n in 1..=LOCK_THRESHOLD + 5 {
        let _ = try_sign_in(&w, "owner@example.co.jp", "Wrong-pass1").await;
        // Deliver after every attempt: nothing before the 10th, one at it, none after.
        let report = w.auth.deliver_due_mail(&mailer, 10).await.unwrap();
        assert_eq!(
            report.sent,
            u32::from(n == LOCK_THRESHOLD),
            "after attempt {n}"
        );
    }
    mailer.checkpoint();
}

#[tokio::test]
async fn x6_a_failing_mail_server_loses_nothing_and_retries_with_back_off() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &super::client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let mailer = RecordingMailer::default();
    mailer.fail_with(Some(MailError::Transient("connection refused".into())));
    let report = w.auth.deliver_due_mail(&mailer, 10).await.unwrap();
    assert_eq!(
        report,
        DeliveryReport {
            sent: 0,
            retrying: 1,
            abandoned: 0,
            not_recorded: 0
        }
    );
    // Not due again until the back-off passes.
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        DeliveryReport::default()
    );
    mailer.fail_with(None);
    w.clock.advance(retry_delay(0));
    assert_eq!(w.auth.deliver_due_mail(&mailer, 10).await.unwrap().sent, 1);
    assert_eq!(mailer.sent().len(), 1);
    assert!(matches!(
        mailer.sent()[0].kind,
        MailKind::PasswordReset { .. }
    ));
    // Sent mail is never sent again.
    w.clock.advance(Duration::days(1));
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        DeliveryReport::default()
    );
}

#[tokio::test]
async fn x6_a_mail_that_keeps_failing_is_abandoned_and_shown_to_operators() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &super::client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let mailer = RecordingMailer::default();
    mailer.fail_with(Some(MailError::Transient("timeout".into())));
    let mut abandoned = 0;
    for _ in 0..MAX_DELIVERY_ATTEMPTS {
        abandoned += w
            .auth
            .deliver_due_mail(&mailer, 10)
            .await
            .unwrap()
            .abandoned;
        w.clock.advance(Duration::hours(3));
    }
    assert_eq!(abandoned, 1);
    let unsent = w.store.unsent_mail().await.unwrap();
    assert!(
        matches!(&unsent[0].state, DeliveryState::Abandoned { attempts, .. } if attempts == &MAX_DELIVERY_ATTEMPTS)
    );
}

#[tokio::test]
async fn x6_a_permanent_failure_is_abandoned_at_once() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &super::client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let mailer = RecordingMailer::default();
    mailer.fail_with(Some(MailError::Permanent("550 mailbox unavailable".into())));
    assert_eq!(
        w.auth
            .deliver_due_mail(&mailer, 10)
            .await
            .unwrap()
            .abandoned,
        1
    );
}

#[tokio::test]
async fn x6_an_operator_requeues_an_abandoned_mail_and_it_is_delivered() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &super::client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let mailer = RecordingMailer::default();
    mailer.fail_with(Some(MailError::Permanent("550 mailbox unavailable".into())));
    assert_eq!(
        w.auth
            .deliver_due_mail(&mailer, 10)
            .await
            .unwrap()
            .abandoned,
        1
    );
    let id = w.auth.unsent_mail().await.unwrap()[0].mail.id;
    assert!(
        !w.auth
            .requeue_mail(crate::domain::MailId::generate(w.secrets.as_ref()))
            .await
            .unwrap()
    );
    assert!(w.auth.requeue_mail(id).await.unwrap());
    mailer.fail_with(None);
    assert_eq!(w.auth.deliver_due_mail(&mailer, 10).await.unwrap().sent, 1);
    assert!(w.auth.unsent_mail().await.unwrap().is_empty());
    assert!(
        !w.auth.requeue_mail(id).await.unwrap(),
        "a sent mail is not queued again"
    );
}

#[tokio::test]
async fn x6_a_failed_attempt_records_its_error_without_the_link() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &super::client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let token = super::last_link(&w, crate::domain::TicketPurpose::PasswordReset);
    let mailer = RecordingMailer::default();
    // A server that echoes the message back in its refusal.
    mailer.fail_with(Some(MailError::Transient(format!(
        "451 greylisted; body began: https://auth.example/password/reset/{token}"
    ))));
    w.auth.deliver_due_mail(&mailer, 10).await.unwrap();
    let unsent = w.auth.unsent_mail().await.unwrap();
    let DeliveryState::Pending {
        attempts: 1,
        last_error: Some(error),
        ..
    } = &unsent[0].state
    else {
        panic!("a pending retry with its error: {:?}", unsent[0].state)
    };
    assert!(error.starts_with("451 greylisted"), "{error}");
    assert!(!error.contains(&token), "the link stays out: {error}");
    assert!(error.contains("[link]"));
    // A long error is cut for the listing.
    mailer.fail_with(Some(MailError::Transient("x".repeat(5_000))));
    w.clock.advance(Duration::hours(3));
    w.auth.deliver_due_mail(&mailer, 10).await.unwrap();
    let unsent = w.auth.unsent_mail().await.unwrap();
    let DeliveryState::Pending {
        last_error: Some(error),
        ..
    } = &unsent[0].state
    else {
        panic!("still pending")
    };
    assert_eq!(error.chars().count(), crate::flows::outbox::MAX_ERROR_CHARS);
}

/// A mailer that stalls on one recipient until released, and reports every other send.
struct StallingMailer {
    stalled: String,
    release: tokio::sync::Notify,
    sent_other: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for StallingMailer {
    async fn send(&self, mail: &crate::domain::Mail) -> Result<(), MailError> {
        if mail.to.as_str() == self.stalled {
            self.release.notified().await;
        } else {
            self.sent_other.notify_one();
        }
        Ok(())
    }
}

#[tokio::test]
async fn x6_a_stalled_mail_does_not_delay_another() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let mut slow = super::notice_mail(&w, &owner);
    slow.to = crate::domain::Email::parse("slow@example.co.jp").unwrap();
    let fast = super::notice_mail(&w, &owner);
    // The stalled mail is first in the queue.
    w.store.enqueue_mail(&slow).await.unwrap();
    w.store.enqueue_mail(&fast).await.unwrap();
    let mailer = std::sync::Arc::new(StallingMailer {
        stalled: "slow@example.co.jp".into(),
        release: tokio::sync::Notify::new(),
        sent_other: tokio::sync::Notify::new(),
    });
    let round = tokio::spawn({
        let auth = w.auth.clone();
        let mailer = mailer.clone();
        async move { auth.deliver_due_mail(mailer.as_ref(), 10).await }
    });
    // One at a time, the second mail would wait for the first forever.
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        mailer.sent_other.notified(),
    )
    .await
    .expect("the other mail is sent while the first one stalls");
    assert!(!round.is_finished(), "the stalled mail is still in flight");
    mailer.release.notify_one();
    let report = round.await.unwrap().unwrap();
    assert_eq!(report.sent, 2);
}

/// A mailer that waits to be released before accepting each mail (a slow SMTP server).
#[derive(Default)]
struct SlowMailer {
    entered: tokio::sync::Notify,
    release: tokio::sync::Notify,
    sent: std::sync::Mutex<Vec<crate::domain::MailId>>,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for SlowMailer {
    async fn send(&self, mail: &crate::domain::Mail) -> Result<(), MailError> {
        self.entered.notify_one();
        self.release.notified().await;
        self.sent.lock().unwrap().push(mail.id);
        Ok(())
    }
}

/// X6: instance A sends a mail slowly, past its original lease, renewing the lease meanwhile;
/// instance B, its clock six minutes ahead, runs rounds all along and sends nothing: the mail
/// leaves exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x6_a_slow_send_keeps_its_lease_and_a_fast_clock_takes_nothing() {
    use crate::flows::outbox::DELIVERY_LEASE;
    use crate::ports::LeaseOwner;
    use crate::testing::ManualClock;
    use std::sync::Arc;

    let a = TestWorld::new();
    let (_, owner) = a.basic_owner().await;
    let mail = crate::domain::Mail {
        id: crate::domain::MailId::generate(a.secrets.as_ref()),
        to: owner.email.clone(),
        locale: crate::domain::Locale::Ja,
        kind: MailKind::Notice {
            kind: crate::domain::NoticeKind::PasswordChanged,
        },
        created_at: a.clock.now(),
    };
    a.store.enqueue_mail(&mail).await.unwrap();
    let auth_a = a.auth.clone().with_lease_owner(LeaseOwner::new("a"));
    let fast_clock = Arc::new(ManualClock::at(a.clock.now() + Duration::minutes(6)));
    let b = TestWorld::with_store_and_clock(a.store.clone(), fast_clock.clone());
    let auth_b = b.auth.clone().with_lease_owner(LeaseOwner::new("b"));
    let other = RecordingMailer::default();

    let slow = Arc::new(SlowMailer::default());
    let round = tokio::spawn({
        let (auth, slow) = (auth_a.clone(), slow.clone());
        async move { auth.deliver_due_mail(slow.as_ref(), 10).await }
    });
    slow.entered.notified().await;
    // The send takes three leases' time; A renews every third of a lease, as the worker does.
    for _ in 0..9 {
        assert_eq!(auth_b.deliver_due_mail(&other, 10).await.unwrap().sent, 0);
        a.clock.advance(DELIVERY_LEASE / 3);
        fast_clock.advance(DELIVERY_LEASE / 3);
        assert_eq!(auth_a.renew_mail_leases().await.unwrap(), 1);
    }
    assert_eq!(auth_b.deliver_due_mail(&other, 10).await.unwrap().sent, 0);
    slow.release.notify_one();
    assert_eq!(round.await.unwrap().unwrap().sent, 1);
    assert_eq!(*slow.sent.lock().unwrap(), vec![mail.id]);
    assert!(other.sent().is_empty(), "never sent twice");
    assert_eq!(auth_b.deliver_due_mail(&other, 10).await.unwrap().sent, 0);
}

/// X6: a stopping worker sends nothing more and releases what it claimed; another instance
/// sends it at once, without waiting for the lease to run out.
#[tokio::test]
async fn x6_shutdown_releases_unsent_mail_for_another_instance() {
    use crate::ports::LeaseOwner;

    let a = TestWorld::new();
    let (_, owner) = a.basic_owner().await;
    for _ in 0..2 {
        let mail = crate::domain::Mail {
            id: crate::domain::MailId::generate(a.secrets.as_ref()),
            to: owner.email.clone(),
            locale: crate::domain::Locale::Ja,
            kind: MailKind::Notice {
                kind: crate::domain::NoticeKind::PasswordChanged,
            },
            created_at: a.clock.now(),
        };
        a.store.enqueue_mail(&mail).await.unwrap();
    }
    let auth_a = a.auth.clone().with_lease_owner(LeaseOwner::new("a"));
    // Another instance: its own core on the same store.
    let b = TestWorld::with_store_and_clock(a.store.clone(), a.clock.clone());
    let auth_b = b.auth.clone().with_lease_owner(LeaseOwner::new("b"));
    let mailer = RecordingMailer::default();
    auth_a.stop_delivery();
    let report = auth_a.deliver_due_mail(&mailer, 10).await.unwrap();
    assert_eq!((report.sent, report.not_recorded), (0, 2));
    assert_eq!(
        auth_b.deliver_due_mail(&mailer, 10).await.unwrap().sent,
        0,
        "still leased"
    );
    assert_eq!(auth_a.release_mail_leases().await.unwrap(), 2);
    assert_eq!(auth_b.deliver_due_mail(&mailer, 10).await.unwrap().sent, 2);
    assert_eq!(mailer.sent().len(), 2);
}
