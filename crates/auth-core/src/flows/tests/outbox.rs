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
            abandoned: 0
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
