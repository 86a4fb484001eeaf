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
