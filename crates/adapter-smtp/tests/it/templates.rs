//! Every template, in both languages, sent through a real SMTP server and read back.

use adapter_smtp::Composer;
use auth_core::domain::{Locale, MailKind, NoticeKind, TicketPurpose};
use auth_core::ports::Mailer as _;
use auth_core::testing::SeededSecrets;
use mail_parser::Message;

use crate::support::{self, BASE, SENDER, SENDER_NAME, SmtpServer};

const TO: &str = "Taro.Yamada@example.co.jp";

fn expiry_text(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "15 April 2026, 09:00 JST",
        _ => "2026年4月15日 09:00 (日本時間)",
    }
}

fn queued_text(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "1 April 2026, 09:00 JST",
        _ => "2026年4月1日 09:00 (日本時間)",
    }
}

/// Checks what every mail has: recipient, sender, Message-ID, language, both parts.
fn common(
    message: &Message<'_>,
    composer: &Composer,
    mail_id: &str,
    locale: Locale,
) -> (String, String) {
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(to.address(), Some(TO));
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some(SENDER));
    assert_eq!(from.name(), Some(SENDER_NAME));
    assert_eq!(
        format!("<{}>", message.message_id().unwrap()),
        composer.message_id(auth_core::domain::MailId::parse(mail_id).unwrap())
    );
    assert_eq!(
        message.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    let (text, html) = support::bodies(message);
    let (greeting, lang) = match locale {
        Locale::En => ("Hello,", "<html lang=\"en\">"),
        _ => ("Taro.Yamada@example.co.jp 様", "<html lang=\"ja\">"),
    };
    assert!(text.starts_with(greeting), "{text}");
    assert!(html.contains(lang));
    assert!(text.contains(SENDER_NAME) && html.contains(SENDER_NAME));
    (text, html)
}

#[tokio::test]
async fn l2_p3_ticket_mails_arrive_in_both_languages_with_a_working_link_and_jst_expiry() {
    let server = SmtpServer::start().await;
    let mailer = support::mailer(server.port());
    let composer = Composer::new(support::sender(), support::base());
    let secrets = SeededSecrets::new(11);
    let mut sent = Vec::new();
    for locale in [Locale::Ja, Locale::En] {
        let (unlock, unlock_hash) = support::ticket(&secrets, TicketPurpose::Unlock);
        let (reset, reset_hash) = support::ticket(&secrets, TicketPurpose::PasswordReset);
        let cases = [
            (MailKind::AccountLocked { unlock }, "unlock", unlock_hash),
            (
                MailKind::PasswordReset { reset },
                "password/reset",
                reset_hash,
            ),
        ];
        for (kind, path, hash) in cases {
            let mail = support::mail(&secrets, TO, locale, kind);
            mailer.send(&mail).await.unwrap();
            sent.push((mail, locale, path, hash));
        }
    }
    let messages = server.messages();
    assert_eq!(messages.len(), sent.len());
    for (mail, locale, path, hash) in &sent {
        let id = composer.message_id(mail.id);
        let message = support::find(&messages, &id);
        let subject = message.subject().unwrap();
        let expected = match (locale, *path) {
            (Locale::En, "unlock") => "Your account has been locked",
            (Locale::En, _) => "Reset your password",
            (_, "unlock") => "アカウントがロックされました",
            _ => "パスワード再設定のご案内",
        };
        assert_eq!(subject, expected);
        let (text, html) = common(&message, &composer, &mail.id.to_string(), *locale);
        // The link: in both parts, and its token is the ticket's.
        let (url, got) = support::link_in(&text, path);
        assert!(got == *hash, "the link's token does not hash to the ticket");
        assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
        // What to do and until when, in Japan time.
        assert!(text.contains(expiry_text(*locale)), "{text}");
        assert!(html.contains(expiry_text(*locale)), "{html}");
        let action = match (locale, *path) {
            (Locale::En, "unlock") => "Unlock your account",
            (Locale::En, _) => "Set a new password",
            (_, "unlock") => "ロックを解除する",
            _ => "新しいパスワードを設定する",
        };
        assert!(text.contains(action) && html.contains(action));
    }
}

#[tokio::test]
async fn x3_notices_arrive_in_both_languages_with_the_time_in_jst() {
    let server = SmtpServer::start().await;
    let mailer = support::mailer(server.port());
    let composer = Composer::new(support::sender(), support::base());
    let secrets = SeededSecrets::new(12);
    let notices = [
        (
            NoticeKind::PasswordChanged,
            "パスワードが変更されました",
            "Your password was changed",
        ),
        (
            NoticeKind::EmailChanged,
            "メールアドレスが変更されました",
            "Your e-mail address was changed",
        ),
        (
            NoticeKind::LoginMethodChanged,
            "ログイン方法が変更されました",
            "Your sign-in method was changed",
        ),
        (
            NoticeKind::SecondFactorChanged,
            "2段階認証の設定が変更されました",
            "Your two-step verification was changed",
        ),
    ];
    let mut sent = Vec::new();
    for locale in [Locale::Ja, Locale::En] {
        for (kind, ja, en) in notices {
            let mail = support::mail(&secrets, TO, locale, MailKind::Notice { kind });
            mailer.send(&mail).await.unwrap();
            let subject = if locale == Locale::En { en } else { ja };
            sent.push((mail, locale, subject));
        }
    }
    let messages = server.messages();
    assert_eq!(messages.len(), 8);
    for (mail, locale, subject) in &sent {
        let message = support::find(&messages, &composer.message_id(mail.id));
        assert_eq!(message.subject(), Some(*subject));
        let (text, html) = common(&message, &composer, &mail.id.to_string(), *locale);
        assert!(text.contains(queued_text(*locale)), "{text}");
        assert!(html.contains(queued_text(*locale)), "{html}");
        // A notice carries no ticket link.
        assert!(!text.contains(BASE) && !html.contains(BASE));
    }
}
