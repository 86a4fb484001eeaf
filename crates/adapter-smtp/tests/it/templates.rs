//! Every template, in both languages, sent through a real SMTP server and read back.

use std::time::Duration;

use adapter_smtp::{Composer, SmtpMailer};
use auth_core::domain::{
    ConnectionId, Locale, Mail, MailKind, NoticeKind, Ticket, TicketLink, TicketPurpose,
};
use auth_core::ports::Mailer as _;
use auth_core::testing::SeededSecrets;
use mail_parser::Message;

use crate::support::{self, BASE, LINE_BASE, SENDER, SENDER_NAME, SmtpServer};

const TO: &str = "Taro.Yamada@example.co.jp";
/// The address an e-mail change moves to: the core sends the ticket there (`Mail::to`).
const NEW_ADDRESS: &str = "taro.new@example.co.jp";
const CONTRACT: &str = "山田商事株式会社";
const INVITEE: &str = "山田 花子";

fn expiry_text(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "15 April 2026, 09:00 JST",
        Locale::Ja => "2026年4月15日 09:00 (日本時間)",
    }
}

fn queued_text(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "1 April 2026, 09:00 JST",
        Locale::Ja => "2026年4月1日 09:00 (日本時間)",
    }
}

/// The greeting that opens a mail to `to` (the Japanese one names the address).
fn greeting(locale: Locale, to: &str) -> String {
    match locale {
        Locale::En => "Hello,".to_owned(),
        Locale::Ja => format!("{to} 様"),
    }
}

/// Checks what every mail has: recipient, sender, Message-ID, language, both parts.
fn common(
    message: &Message<'_>,
    composer: &Composer,
    mail_id: &str,
    locale: Locale,
) -> (String, String) {
    common_to(
        message,
        composer,
        mail_id,
        locale,
        TO,
        &greeting(locale, TO),
    )
}

/// [`common`] for a mail to `recipient` that opens with `greeting`.
fn common_to(
    message: &Message<'_>,
    composer: &Composer,
    mail_id: &str,
    locale: Locale,
    recipient: &str,
    greeting: &str,
) -> (String, String) {
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(message.to().unwrap().iter().count(), 1);
    assert_eq!(to.address(), Some(recipient));
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
    let lang = match locale {
        Locale::En => "<html lang=\"en\">",
        Locale::Ja => "<html lang=\"ja\">",
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
        (
            NoticeKind::ContractDetailsChanged,
            "契約情報が変更されました",
            "Your contract details were changed",
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
    assert_eq!(messages.len(), sent.len());
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

/// What a ticket mail must say, per language.
struct Expected {
    subject: &'static str,
    /// The link's label: what to do.
    action: &'static str,
    /// Further phrases both parts must hold.
    says: Vec<String>,
}

/// Sends `kind` (built around a fresh ticket of `purpose`) to `to` in both languages through a
/// real server, and checks that each arrives with its subject, recipient, parts, JST expiry and
/// a link whose token is the ticket's.
async fn ticket_mail_arrives_in_both_languages(
    seed: u64,
    purpose: TicketPurpose,
    path: &str,
    to: &str,
    kind: impl Fn(TicketLink) -> MailKind,
    greeting: impl Fn(Locale) -> String,
    expected: impl Fn(Locale) -> Expected,
) {
    let server = SmtpServer::start().await;
    let mailer = support::mailer(server.port());
    let composer = Composer::new(support::sender(), support::base());
    let secrets = SeededSecrets::new(seed);
    let mut sent: Vec<(Mail, Ticket)> = Vec::new();
    for locale in [Locale::Ja, Locale::En] {
        let (link, ticket) = support::issued(&secrets, purpose);
        assert_eq!(ticket.expires_at, support::expiry(), "a 14-day ticket");
        let mail = support::mail(&secrets, to, locale, kind(link));
        mailer.send(&mail).await.unwrap();
        sent.push((mail, ticket));
    }
    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    for (mail, ticket) in &sent {
        let locale = mail.locale;
        let want = expected(locale);
        let raw = messages
            .iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .find(|m| m.contains(&composer.message_id(mail.id)))
            .unwrap();
        // The envelope too: the server received it for `to` and nobody else.
        assert!(raw.contains(&format!("X-RcptTo: {to}\n")), "{raw}");
        let message = support::find(&messages, &composer.message_id(mail.id));
        assert_eq!(message.subject(), Some(want.subject));
        let (text, html) = common_to(
            &message,
            &composer,
            &mail.id.to_string(),
            locale,
            to,
            &greeting(locale),
        );
        // The link: in both parts, and its token is this ticket's.
        let (url, hash) = support::link_in(&text, path);
        assert!(
            hash == ticket.hash,
            "the link's token does not hash to the ticket"
        );
        assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
        assert_eq!(text.matches(BASE).count(), 1, "one link: {text}");
        // What to do and until when, in Japan time.
        assert!(text.contains(want.action) && html.contains(want.action));
        assert!(text.contains(expiry_text(locale)), "{text}");
        assert!(html.contains(expiry_text(locale)), "{html}");
        for phrase in &want.says {
            assert!(text.contains(phrase.as_str()), "{phrase:?} in {text}");
            assert!(html.contains(phrase.as_str()), "{phrase:?} in {html}");
        }
    }
}

#[tokio::test]
async fn i1_invitation_arrives_in_both_languages_naming_contract_invitee_link_and_jst_expiry() {
    ticket_mail_arrives_in_both_languages(
        13,
        TicketPurpose::Invitation,
        "invitation",
        TO,
        |link| MailKind::Invitation {
            link,
            contract_name: CONTRACT.into(),
            invitee_name: INVITEE.into(),
        },
        |locale| match locale {
            Locale::En => format!("Hello {INVITEE},"),
            Locale::Ja => format!("{INVITEE} 様"),
        },
        |locale| match locale {
            Locale::En => Expected {
                subject: "You are invited to register",
                action: "Start your registration",
                says: vec![
                    format!("\"{CONTRACT}\""),
                    "within 14 days".into(),
                    TO.into(),
                ],
            },
            Locale::Ja => Expected {
                subject: "ユーザー登録のご案内",
                action: "登録を始める",
                says: vec![format!("「{CONTRACT}」"), "14日以内".into(), TO.into()],
            },
        },
    )
    .await;
}

#[tokio::test]
async fn i1_the_owners_first_mail_is_worded_for_the_owner_in_both_languages() {
    ticket_mail_arrives_in_both_languages(
        19,
        TicketPurpose::Invitation,
        "invitation",
        TO,
        |link| MailKind::OwnerInvitation {
            link,
            contract_name: CONTRACT.into(),
            owner_name: INVITEE.into(),
        },
        |locale| match locale {
            Locale::En => format!("Hello {INVITEE},"),
            Locale::Ja => format!("{INVITEE} 様"),
        },
        |locale| match locale {
            Locale::En => Expected {
                subject: "Thank you for your contract: register your administrator account",
                action: "Start your registration",
                says: vec![
                    format!("Thank you for your contract \"{CONTRACT}\""),
                    "within 14 days".into(),
                    "help desk".into(),
                    TO.into(),
                ],
            },
            Locale::Ja => Expected {
                subject: "ご契約ありがとうございます: 管理者アカウントの登録のご案内",
                action: "登録を始める",
                says: vec![
                    format!("「{CONTRACT}」のご契約ありがとうございます"),
                    "14日以内".into(),
                    "お問い合わせ窓口".into(),
                    TO.into(),
                ],
            },
        },
    )
    .await;
}

#[tokio::test]
async fn e2_email_change_goes_to_the_new_address_in_both_languages_with_link_and_jst_expiry() {
    ticket_mail_arrives_in_both_languages(
        14,
        TicketPurpose::EmailChange,
        "email-change",
        NEW_ADDRESS,
        |link| MailKind::EmailChange { link },
        |locale| greeting(locale, NEW_ADDRESS),
        |locale| match locale {
            Locale::En => Expected {
                subject: "Confirm your new e-mail address",
                action: "Confirm the new address",
                says: vec![
                    format!("this address ({NEW_ADDRESS})"),
                    "set a new password".into(),
                    "two-step verification".into(),
                ],
            },
            Locale::Ja => Expected {
                subject: "メールアドレス変更の確認",
                action: "メールアドレスの変更を完了する",
                says: vec![
                    format!("このアドレス（{NEW_ADDRESS}）"),
                    "新しいパスワードの設定".into(),
                    "2段階認証".into(),
                ],
            },
        },
    )
    .await;
}

#[tokio::test]
async fn m2_login_method_change_arrives_in_both_languages_with_link_and_jst_expiry() {
    ticket_mail_arrives_in_both_languages(
        15,
        TicketPurpose::LoginMethodChange,
        "login-method",
        TO,
        |link| MailKind::LoginMethodChange { link },
        |locale| greeting(locale, TO),
        |locale| match locale {
            Locale::En => Expected {
                subject: "Choose a new sign-in method",
                action: "Choose a sign-in method",
                says: vec!["Active Directory".into(), "two-step verification".into()],
            },
            Locale::Ja => Expected {
                subject: "ログイン方法変更のご案内",
                action: "ログイン方法を選ぶ",
                says: vec!["Active Directory".into(), "2段階認証".into()],
            },
        },
    )
    .await;
}

#[tokio::test]
async fn d1_ad_sign_in_details_arrive_in_both_languages_with_both_addresses_and_the_connection_id()
{
    let server = SmtpServer::start().await;
    let config = support::config(server.port(), Duration::from_secs(10))
        .with_line_base_url(support::line_base());
    let mailer = SmtpMailer::new(config).unwrap();
    let composer = mailer.composer().clone();
    let secrets = SeededSecrets::new(16);
    let connection = ConnectionId::parse("adfs-ab3de5gh7jk9mn2pq2").unwrap();
    let internet = format!("{BASE}/ad/adfs-ab3de5gh7jk9mn2pq2");
    let line = format!("{LINE_BASE}/ad/adfs-ab3de5gh7jk9mn2pq2");
    let mut sent = Vec::new();
    for locale in [Locale::Ja, Locale::En] {
        let kind = MailKind::AdSignIn {
            connection: connection.clone(),
        };
        let mail = support::mail(&secrets, TO, locale, kind);
        mailer.send(&mail).await.unwrap();
        sent.push(mail);
    }
    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    for mail in &sent {
        let locale = mail.locale;
        let message = support::find(&messages, &composer.message_id(mail.id));
        let (subject, id_label, internet_label, line_label) = match locale {
            Locale::En => (
                "Your Active Directory sign-in details",
                "Connection ID: ",
                "Sign in over the internet",
                "Sign in over a registered line",
            ),
            Locale::Ja => (
                "Active Directory ログインのご案内",
                "接続ID：",
                "インターネットからログインする場合",
                "ご登録の回線からログインする場合",
            ),
        };
        assert_eq!(message.subject(), Some(subject));
        let (text, html) = common(&message, &composer, &mail.id.to_string(), locale);
        let id_line = format!("{id_label}{connection}");
        assert!(text.contains(&id_line), "{text}");
        assert!(html.contains(&id_line), "{html}");
        // Each address under its label, in both parts (the text arrives with CRLF line ends).
        let text = text.replace("\r\n", "\n");
        assert!(
            text.contains(&format!("{internet_label}\n{internet}\n")),
            "{text}"
        );
        assert!(text.contains(&format!("{line_label}\n{line}\n")), "{text}");
        for url in [&internet, &line] {
            assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
        }
        assert!(html.contains(internet_label) && html.contains(line_label));
        // No ticket: no expiry.
        assert!(!text.contains(expiry_text(locale)));
    }
}
