//! The development outbox: mails as `.eml` files.

use adapter_smtp::{Composer, FileMailer};
use auth_core::domain::{Locale, MailKind, TicketPurpose};
use auth_core::ports::Mailer as _;
use auth_core::testing::SeededSecrets;

use crate::support;

#[tokio::test]
async fn the_file_outbox_writes_one_parseable_eml_per_mail_and_a_retry_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = FileMailer::new(&outbox, support::sender(), support::base());
    let secrets = SeededSecrets::new(31);
    let (unlock, hash) = support::ticket(&secrets, TicketPurpose::Unlock);
    let mail = support::mail(
        &secrets,
        "owner@example.co.jp",
        Locale::En,
        MailKind::AccountLocked { unlock },
    );

    mailer.send(&mail).await.unwrap();
    mailer.send(&mail).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files,
        [mailer.path_of(mail.id)],
        "one file, no temporary left"
    );
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains(&mail.id.to_string())
    );
    let bytes = std::fs::read(&files[0]).unwrap();
    let message = support::parse(&bytes);
    assert_eq!(message.subject(), Some("Your account has been locked"));
    assert_eq!(
        format!("<{}>", message.message_id().unwrap()),
        Composer::new(support::sender(), support::base()).message_id(mail.id)
    );
    let (text, html) = support::bodies(&message);
    let (url, got) = support::link_in(&text, "unlock");
    assert!(got == hash);
    assert!(html.contains(&url));
    assert!(text.contains("15 April 2026, 09:00 JST"));
}
