//! X6: the core's outbox delivering through the real SMTP mailer while the server is down,
//! stalling, and back.

use std::time::{Duration, Instant};

use adapter_smtp::{Composer, SmtpMailer};
use auth_core::domain::{MailKind, TicketPurpose, retry_delay};
use auth_core::flows::outbox::DeliveryReport;
use auth_core::ports::{MailError, Mailer as _, TicketStore as _};
use auth_core::testing::TestWorld;
use tokio::net::TcpListener;

use crate::support::{self, SmtpServer};

const OWNER: &str = "owner@example.co.jp";

const RETRYING: DeliveryReport = DeliveryReport {
    sent: 0,
    retrying: 1,
    abandoned: 0,
    not_recorded: 0,
};

/// A world whose owner has asked for a password reset: one mail queued. Checks that the
/// request itself succeeded, whatever the mail server does.
async fn world_with_a_queued_reset() -> TestWorld<auth_core::testing::MemoryStore> {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset(OWNER, &w.client())
        .await
        .expect("the request succeeds while SMTP is unavailable");
    // The worker resolves the request into its ticket and mail, as `serve` does.
    w.auth
        .process_reset_requests(10)
        .await
        .expect("resolving needs no mail server");
    assert_eq!(w.store.queued_mail().len(), 1);
    w
}

/// Checks that exactly one message arrived, that it is the queued mail, and that its link
/// opens the stored reset ticket.
async fn arrived_once(server: &SmtpServer, w: &TestWorld<auth_core::testing::MemoryStore>) {
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "exactly one delivery");
    let queued = &w.store.queued_mail()[0];
    assert!(matches!(queued.kind, MailKind::PasswordReset { .. }));
    let composer = Composer::new(support::sender(), support::base());
    let message = support::find(&messages, &composer.message_id(queued.id));
    let (text, _) = support::bodies(&message);
    let (_, hash) = support::link_in(&text, "password/reset");
    let ticket = w
        .store
        .ticket(hash)
        .await
        .unwrap()
        .expect("the link's ticket is stored");
    assert_eq!(ticket.purpose, TicketPurpose::PasswordReset);
}

#[tokio::test]
async fn x6_smtp_down_request_succeeds_and_mail_arrives_once_back() {
    let port = support::free_port();
    let mailer = support::mailer(port);
    let w = world_with_a_queued_reset().await;

    // Nothing listens: connection refused is transient, the mail stays queued.
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        RETRYING
    );
    let server = SmtpServer::start_on(port).await;
    // Not due again before the back-off has passed, even though the server is back.
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        DeliveryReport::default()
    );
    assert!(server.messages().is_empty());

    w.clock.advance(retry_delay(0));
    assert_eq!(w.auth.deliver_due_mail(&mailer, 10).await.unwrap().sent, 1);
    // A sent mail is never sent again.
    w.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        DeliveryReport::default()
    );
    arrived_once(&server, &w).await;
}

#[tokio::test]
async fn x6_smtp_stalling_times_out_as_transient_and_nothing_is_duplicated() {
    // A server that accepts connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let staller = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let timeout = Duration::from_millis(1500);
    let mailer = SmtpMailer::new(support::config(port, timeout)).unwrap();
    let w = world_with_a_queued_reset().await;

    let started = Instant::now();
    let result = mailer.send(&w.store.queued_mail()[0]).await;
    let took = started.elapsed();
    assert!(matches!(result, Err(MailError::Transient(_))), "{result:?}");
    assert!(
        took >= timeout && took < timeout + Duration::from_secs(2),
        "took {took:?}"
    );

    let started = Instant::now();
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        RETRYING
    );
    assert!(started.elapsed() < timeout + Duration::from_secs(2));

    // The stalled connections go away and a real server takes the port.
    staller.abort();
    let _ = staller.await;
    let server = SmtpServer::start_on(port).await;
    w.clock.advance(retry_delay(0));
    assert_eq!(w.auth.deliver_due_mail(&mailer, 10).await.unwrap().sent, 1);
    w.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        w.auth.deliver_due_mail(&mailer, 10).await.unwrap(),
        DeliveryReport::default()
    );
    arrived_once(&server, &w).await;
}
