//! Turns a core [`Mail`] into an RFC 5322 message. Shared by the SMTP mailer and the file
//! outbox, so both send exactly the same bytes.

use std::time::SystemTime;

use auth_core::domain::{Email, Mail, MailId, check_local_part};
use auth_core::ports::MailError;
use lettre::Message;
use lettre::address::{Address, Envelope};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use crate::config::{PublicBaseUrl, Sender};
use crate::templates::{Rendered, render};

/// Builds the messages: the sender, the link base, the templates and the headers.
#[derive(Debug, Clone)]
pub struct Composer {
    sender: Sender,
    base_url: PublicBaseUrl,
    line_base_url: PublicBaseUrl,
}

impl Composer {
    /// A composer signing mails as `sender` with links under `base_url`, which is also the
    /// line channel's base until [`Composer::with_line_base_url`] says otherwise.
    pub fn new(sender: Sender, base_url: PublicBaseUrl) -> Self {
        Self {
            sender,
            line_base_url: base_url.clone(),
            base_url,
        }
    }

    /// Uses `line_base_url` for the line channel's Active Directory sign-in address (D1).
    #[must_use]
    pub fn with_line_base_url(mut self, line_base_url: PublicBaseUrl) -> Self {
        self.line_base_url = line_base_url;
        self
    }

    /// The `Message-ID` of `mail`: `<{mail id}@{sender domain}>`, the same on every retry.
    pub fn message_id(&self, id: MailId) -> String {
        format!("<{}@{}>", id, self.sender.domain())
    }

    /// Renders `mail` and builds the complete message (multipart/alternative: text and HTML).
    ///
    /// # Errors
    /// [`MailError::Permanent`] when the mail has no template or the recipient address cannot
    /// be written in a message.
    pub fn compose(&self, mail: &Mail) -> Result<Message, MailError> {
        let rendered = render(mail, &self.base_url, &self.line_base_url, &self.sender)?;
        self.assemble(mail, rendered)
    }

    /// Builds the message from already rendered content. Every header goes through lettre's
    /// typed headers, which encode (RFC 2047) any text that is not plain printable ASCII, so a
    /// CR or LF in a subject or a name can never start a new header.
    pub(crate) fn assemble(&self, mail: &Mail, rendered: Rendered) -> Result<Message, MailError> {
        let to = recipient(&mail.to)?;
        // The envelope is given, not derived from the headers: lettre re-parses the `To` header
        // with its own, stricter check, which refuses docomo-style recipients.
        let envelope =
            Envelope::new(Some(self.sender.mailbox().email.clone()), vec![to.clone()])
                .map_err(|e| MailError::Permanent(format!("the envelope cannot be built: {e}")))?;
        Message::builder()
            .envelope(envelope)
            .from(self.sender.mailbox().clone())
            .to(Mailbox::new(None, to))
            .subject(rendered.subject)
            .message_id(Some(self.message_id(mail.id)))
            .date(SystemTime::from(mail.created_at))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| MailError::Permanent(format!("the message cannot be built: {e}")))
    }
}

/// The recipient as a lettre address: the local part as the user spelled it, the domain in its
/// ASCII (punycode) form, which every mail server accepts.
///
/// One rule decides which addresses exist, `auth_core::domain::check_local_part`, shared with
/// `Email::parse`. lettre's own check is stricter only in refusing dots that lead, trail or
/// repeat (docomo-style `foo.@docomo.ne.jp`); for those the address is built unchecked, after
/// the shared rule has passed it (and the domain was checked by IDNA when it was parsed).
pub(crate) fn recipient(email: &Email) -> Result<Address, MailError> {
    let domain = email
        .key()
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .unwrap_or_default();
    let local = email.local_part();
    Address::new(local, domain).or_else(|_| {
        check_local_part(local)
            .map(|()| Address::new_dangerous(local, domain))
            .map_err(|_| MailError::Permanent("invalid recipient address".into()))
    })
}

/// `Auto-Submitted: auto-generated` (RFC 3834): asks mail systems not to send vacation
/// replies or other automatic answers back.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim().eq_ignore_ascii_case("auto-generated") {
            Ok(Self)
        } else {
            Err("only auto-generated is supported".into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use auth_core::domain::{Locale, MailKind, NoticeKind};
    use auth_core::testing::SeededSecrets;
    use chrono::{TimeZone, Utc};

    use super::*;

    fn mail() -> Mail {
        Mail {
            id: MailId::generate(&SeededSecrets::new(5)),
            to: Email::parse("Taro.Yamada@例え.jp").unwrap(),
            locale: Locale::Ja,
            kind: MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
            created_at: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
        }
    }

    fn composer(name: &str) -> Composer {
        Composer::new(
            Sender::new("no-reply@example.co.jp", name).unwrap(),
            PublicBaseUrl::parse("https://auth.example.co.jp").unwrap(),
        )
    }

    fn headers(bytes: &[u8]) -> Vec<(String, String)> {
        let parsed = mail_parser::MessageParser::default().parse(bytes).unwrap();
        parsed
            .headers()
            .iter()
            .map(|h| {
                (
                    h.name().to_ascii_lowercase(),
                    h.value().as_text().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_subject_with_cr_lf_cannot_inject_a_header() {
        let m = mail();
        let rendered = Rendered {
            subject: "件名\r\nBcc: attacker@example.com\r\n\r\nbody".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        };
        let bytes = composer("tobira")
            .assemble(&m, rendered)
            .unwrap()
            .formatted();
        let hs = headers(&bytes);
        assert!(!hs.iter().any(|(n, _)| n == "bcc"), "{hs:?}");
        let raw = String::from_utf8_lossy(&bytes);
        assert!(!raw.contains("\nBcc:"), "{raw}");
        let subject = &hs.iter().find(|(n, _)| n == "subject").unwrap().1;
        assert!(subject.contains("Bcc: attacker@example.com"), "{subject:?}");
    }

    #[test]
    fn x6_docomo_style_addresses_are_accepted_by_lettre() {
        let c = composer("tobira");
        for to in ["foo.@docomo.ne.jp", "a..b@docomo.ne.jp", ".x@ezweb.ne.jp"] {
            let mut m = mail();
            m.to = Email::parse(to).unwrap();
            let message = c.compose(&m).unwrap();
            let envelope = message.envelope();
            assert_eq!(
                envelope
                    .to()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                vec![to.to_owned()]
            );
            let raw = String::from_utf8(message.formatted()).unwrap();
            assert!(raw.contains(&format!("To: {to}\r\n")), "{raw}");
        }
    }

    #[test]
    fn x6_the_shared_rule_and_lettre_agree_on_everything_else() {
        // Whatever the parser accepts (dots aside), lettre's own check accepts too.
        for to in [
            "o'brien+tag@example.co.jp",
            "!#$%&'*+-/=?^_`{|}~@example.co.jp",
            "山田@example.co.jp",
        ] {
            let e = Email::parse(to).unwrap();
            assert!(
                Address::new(e.local_part(), "example.co.jp").is_ok(),
                "{to}"
            );
        }
        // And what lettre refuses outright, the parser refuses first.
        for to in [
            "\"q\"@example.co.jp",
            "a<b@example.co.jp",
            "a,b@example.co.jp",
        ] {
            assert!(Email::parse(to).is_err(), "{to}");
        }
    }

    #[test]
    fn the_recipient_domain_is_sent_in_ascii_and_headers_are_stable() {
        let m = mail();
        let c = composer("tobira");
        let a = c.compose(&m).unwrap();
        let raw = String::from_utf8(a.formatted()).unwrap();
        assert!(raw.contains("To: Taro.Yamada@xn--r8jz45g.jp\r\n"), "{raw}");
        assert!(raw.contains(&format!("Message-ID: <{}@example.co.jp>\r\n", m.id)));
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(
            raw.contains("Date: Wed, 01 Apr 2026 00:00:00 +0000\r\n"),
            "{raw}"
        );
    }
}
