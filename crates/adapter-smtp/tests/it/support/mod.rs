//! Fixtures shared by the integration tests.

mod server;

use std::time::Duration;

use adapter_smtp::{PublicBaseUrl, Security, Sender, SmtpConfig, SmtpMailer};
use auth_core::domain::{
    AccountId, Email, Locale, Mail, MailId, MailKind, SecretToken, Ticket, TicketLink,
    TicketPurpose, TokenHash,
};
use auth_core::testing::SeededSecrets;
use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{Message, MessageParser, MimeHeaders as _};

pub use server::{SmtpServer, free_port};

pub const SENDER: &str = "no-reply@tobira.example";
pub const SENDER_NAME: &str = "tobira テスト";
pub const BASE: &str = "https://auth.example.co.jp";
/// The service's address on the carrier lines (the line channel).
pub const LINE_BASE: &str = "https://line.auth.example.co.jp/tobira";

pub fn sender() -> Sender {
    Sender::new(SENDER, SENDER_NAME).unwrap()
}

pub fn base() -> PublicBaseUrl {
    PublicBaseUrl::parse(BASE).unwrap()
}

/// Plain SMTP to 127.0.0.1:`port`, with `timeout`.
pub fn config(port: u16, timeout: Duration) -> SmtpConfig {
    SmtpConfig::new("127.0.0.1", port, Security::None, sender(), base())
        .unwrap()
        .with_timeout(timeout)
        .unwrap()
}

pub fn line_base() -> PublicBaseUrl {
    PublicBaseUrl::parse(LINE_BASE).unwrap()
}

pub fn mailer(port: u16) -> SmtpMailer {
    SmtpMailer::new(config(port, Duration::from_secs(10))).unwrap()
}

/// 2026-04-01T00:00Z, the test clock's start (09:00 in Japan).
pub fn queued_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap()
}

/// 2026-04-15T00:00Z: fourteen days later (09:00 in Japan).
pub fn expiry() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap()
}

/// A ticket link of `purpose` with a fresh token; returns the token's hash too.
pub fn ticket(secrets: &SeededSecrets, purpose: TicketPurpose) -> (TicketLink, TokenHash) {
    let token = SecretToken::generate(secrets);
    let hash = token.hash();
    (
        TicketLink {
            purpose,
            token,
            expires_at: expiry(),
        },
        hash,
    )
}

/// A ticket issued as the core issues it (`Ticket::issue`, at [`queued_at`]), and the link a
/// mail carries for it.
pub fn issued(secrets: &SeededSecrets, purpose: TicketPurpose) -> (TicketLink, Ticket) {
    let issued = Ticket::issue(purpose, AccountId::generate(secrets), queued_at(), secrets);
    let link = TicketLink {
        purpose,
        token: issued.token,
        expires_at: issued.ticket.expires_at,
    };
    (link, issued.ticket)
}

pub fn mail(secrets: &SeededSecrets, to: &str, locale: Locale, kind: MailKind) -> Mail {
    Mail {
        id: MailId::generate(secrets),
        to: Email::parse(to).unwrap(),
        locale,
        kind,
        created_at: queued_at(),
    }
}

pub fn parse(bytes: &[u8]) -> Message<'_> {
    MessageParser::default().parse(bytes).unwrap()
}

/// The received message with this `Message-ID` (given with angle brackets).
pub fn find<'a>(messages: &'a [Vec<u8>], message_id: &str) -> Message<'a> {
    let id = message_id.trim_start_matches('<').trim_end_matches('>');
    let found: Vec<_> = messages
        .iter()
        .map(|m| parse(m))
        .filter(|m| m.message_id() == Some(id))
        .collect();
    assert_eq!(found.len(), 1, "messages with ID {message_id}");
    found.into_iter().next().unwrap()
}

/// The text and HTML parts of a multipart/alternative message (and checks its shape).
pub fn bodies(message: &Message<'_>) -> (String, String) {
    let root = message.content_type().unwrap();
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(message.text_body_count(), 1);
    assert_eq!(message.html_body_count(), 1);
    let text = message.body_text(0).unwrap().into_owned();
    let html = message.body_html(0).unwrap().into_owned();
    let types: Vec<_> = message
        .parts
        .iter()
        .skip(1)
        .map(|p| {
            let ct = p.content_type().unwrap();
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default())
        })
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    (text, html)
}

/// The link under `{BASE}/{path}/` in `text`, and the hash of the token it carries.
pub fn link_in(text: &str, path: &str) -> (String, TokenHash) {
    let prefix = format!("{BASE}/{path}/");
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in:\n{text}"));
    let url: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_/:.".contains(*c))
        .collect();
    let token = SecretToken::parse(&url[prefix.len()..]).unwrap();
    (url, token.hash())
}
