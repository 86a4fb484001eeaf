//! Account-recovery gaps (issue 14) at the app's level: the outbox worker, the forgot-password
//! answer time, sessions and their channel.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Notify, watch};

use app_http::worker;
use auth_core::domain::{Email, Locale, Mail, MailId, MailKind, NoticeKind};
use auth_core::ports::{Clock as _, MailError, Mailer, OutboxStore as _};
use auth_core::testing::TestWorld;

/// A mailer that stalls on one recipient until released and reports the others' sends.
struct StallingMailer {
    stalled: String,
    started: Notify,
    release: Notify,
    sent_other: Notify,
}

#[async_trait]
impl Mailer for StallingMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        if mail.to.as_str() == self.stalled {
            self.started.notify_one();
            self.release.notified().await;
        } else {
            self.sent_other.notify_one();
        }
        Ok(())
    }
}

fn notice<S>(w: &TestWorld<S>, to: &str) -> Mail {
    Mail {
        id: MailId::generate(w.secrets.as_ref()),
        to: Email::parse(to).unwrap(),
        locale: Locale::Ja,
        kind: MailKind::Notice {
            kind: NoticeKind::PasswordChanged,
        },
        created_at: w.clock.now(),
    }
}

#[tokio::test]
async fn x6_a_stalled_mail_does_not_hold_back_mail_queued_after_it() {
    let w = TestWorld::new();
    let mailer = Arc::new(StallingMailer {
        stalled: "slow@example.co.jp".into(),
        started: Notify::new(),
        release: Notify::new(),
        sent_other: Notify::new(),
    });
    w.store
        .enqueue_mail(&notice(&w, "slow@example.co.jp"))
        .await
        .unwrap();
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(worker::run(w.auth.clone(), mailer.clone(), shutdown));
    tokio::time::timeout(Duration::from_secs(30), mailer.started.notified())
        .await
        .expect("the worker picks up the first mail");
    // The first mail now stalls; a reset-like mail queued after it still goes out.
    w.store
        .enqueue_mail(&notice(&w, "fast@example.co.jp"))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), mailer.sent_other.notified())
        .await
        .expect("a later mail is sent while the first one stalls");
    mailer.release.notify_one();
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("the worker stops")
        .unwrap();
}
