//! Data cannot add headers or recipients: names are quoted and encoded, line breaks refused.

use adapter_smtp::{ConfigError, Security, Sender, SmtpConfig, SmtpMailer};
use auth_core::domain::{Locale, MailKind, NoticeKind};
use auth_core::ports::Mailer as _;
use auth_core::testing::SeededSecrets;

use crate::support::{self, SmtpServer};

#[test]
fn a_display_name_with_cr_lf_is_refused_before_any_mail_is_built() {
    let name = "tobira\r\nBcc: attacker@evil.example";
    assert_eq!(
        Sender::new(support::SENDER, name).unwrap_err(),
        ConfigError::DisplayName
    );
}

#[tokio::test]
async fn a_display_name_with_address_syntax_cannot_add_a_header_or_a_recipient() {
    let server = SmtpServer::start().await;
    let name = "tobira\", Bcc: <attacker@evil.example>; Subject: 至急";
    let sender = Sender::new(support::SENDER, name).unwrap();
    let config = SmtpConfig::new(
        "127.0.0.1",
        server.port(),
        Security::None,
        sender,
        support::base(),
    )
    .unwrap();
    let mailer = SmtpMailer::new(config).unwrap();
    let secrets = SeededSecrets::new(21);
    let mail = support::mail(
        &secrets,
        "owner@example.co.jp",
        Locale::Ja,
        MailKind::Notice {
            kind: NoticeKind::PasswordChanged,
        },
    );
    mailer.send(&mail).await.unwrap();

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let raw = String::from_utf8_lossy(&messages[0]);
    // The server records the envelope: the only recipient is the real one.
    assert!(raw.contains("X-RcptTo: owner@example.co.jp\n"), "{raw}");
    let message = support::parse(&messages[0]);
    assert!(message.bcc().is_none(), "{raw}");
    assert_eq!(message.subject(), Some("パスワードが変更されました"));
    let count = |name: &str| {
        message
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case(name))
            .count()
    };
    assert_eq!((count("subject"), count("from"), count("bcc")), (1, 1, 0));
    // One sender, whose name arrives whole.
    let from = message.from().unwrap();
    assert_eq!(from.iter().count(), 1, "{raw}");
    let from = from.first().unwrap();
    assert_eq!(from.address(), Some(support::SENDER));
    assert_eq!(from.name(), Some(name));
}

#[tokio::test]
async fn x6_docomo_style_addresses_are_sent() {
    let server = SmtpServer::start().await;
    let mailer = support::mailer(server.port());
    let secrets = SeededSecrets::new(22);
    for to in ["foo.@docomo.ne.jp", "a..b@docomo.ne.jp"] {
        let mail = support::mail(
            &secrets,
            to,
            Locale::Ja,
            MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
        );
        mailer.send(&mail).await.unwrap();
    }
    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    let all: String = messages
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert!(all.contains("X-RcptTo: foo.@docomo.ne.jp\n"), "{all}");
    assert!(all.contains("X-RcptTo: a..b@docomo.ne.jp\n"), "{all}");
}
