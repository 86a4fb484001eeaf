//! Mail texts: one message catalogue per language (`ja.rs`, `en.rs`) and one layout that
//! turns a catalogue's content into plain text and HTML.
//!
//! A catalogue only chooses words: it returns a subject and a list of blocks (paragraphs,
//! a link, a labelled fact such as the expiry). The layout escapes every block for HTML, so no
//! catalogue writes markup and no data reaches the HTML unescaped.
//!
//! Adding a mail kind: add a method to the `Catalogue` trait (the compiler then asks for it in every
//! language) and an arm to [`render`]. Kinds without an arm are refused with
//! `MailError::Permanent("no template")`.

mod en;
mod ja;

use auth_core::domain::{Locale, Mail, MailKind, NoticeKind, TicketLink};
use auth_core::ports::MailError;
use chrono::{DateTime, Duration, Utc};

use crate::config::{PublicBaseUrl, Sender};
use crate::links::{AdSignInUrls, ad_sign_in_urls, ticket_url};

/// A mail rendered in its recipient's language.
#[derive(Clone)]
pub struct Rendered {
    /// The subject (plain text; encoded by the message builder).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (a complete document).
    pub html: String,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bodies hold the ticket link: never print them.
        f.debug_struct("Rendered")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// One piece of a mail body.
pub(crate) enum Block {
    /// A paragraph of text.
    Para(String),
    /// A link: what it does, and where it goes.
    Link { label: String, url: String },
    /// A labelled value, shown prominently (an expiry, a time). The label includes its colon.
    Fact { label: String, value: String },
}

/// What a catalogue says for one mail: the subject and the body's blocks.
pub(crate) struct Content {
    pub(crate) subject: String,
    pub(crate) blocks: Vec<Block>,
}

/// The data a ticket mail shows: the link and its expiry, already formatted.
pub(crate) struct LinkView {
    pub(crate) url: String,
    pub(crate) expires: String,
}

/// The words of one language. One method per mail kind; every language has them all.
pub(crate) trait Catalogue {
    /// The `lang` attribute of the HTML document.
    fn lang(&self) -> &'static str;
    /// A time, in Japan time, as this language writes it.
    fn datetime(&self, at: DateTime<Utc>) -> String;
    /// The closing line naming who sent the mail.
    fn signature(&self, service: &str) -> String;
    /// What the plain-text part puts before a link's label (the HTML part shows a link).
    fn text_link_marker(&self) -> &'static str;
    /// L2: the account was locked; `link` unlocks it.
    fn account_locked(&self, to: &str, link: &LinkView) -> Content;
    /// P3: `link` sets a new password.
    fn password_reset(&self, to: &str, link: &LinkView) -> Content;
    /// I1: `invitee` is invited to register in `contract`; `link` starts the registration.
    /// Both names come from users: they go into blocks, never into markup.
    fn invitation(&self, to: &str, contract: &str, invitee: &str, link: &LinkView) -> Content;
    /// I1: the first mail of `owner`, whose new contract `contract` is; `link` starts their
    /// registration. Worded for the owner: nobody invited them.
    fn owner_invitation(&self, to: &str, contract: &str, owner: &str, link: &LinkView) -> Content;
    /// E1, E2: `link` confirms `to`, the new address, and completes the change.
    fn email_change(&self, to: &str, link: &LinkView) -> Content;
    /// M2: `link` lets the user choose a new login method.
    fn login_method_change(&self, to: &str, link: &LinkView) -> Content;
    /// D1: Active Directory is on for the contract; its connection ID and the two sign-in
    /// addresses.
    fn ad_sign_in(&self, to: &str, connection: &str, urls: &AdSignInUrls) -> Content;
    /// X3: the password was changed at `at`.
    fn password_changed(&self, to: &str, at: &str) -> Content;
    /// X3: the address was changed at `at` (sent to the old address, `to`).
    fn email_changed(&self, to: &str, at: &str) -> Content;
    /// X3: the login method was changed at `at`.
    fn login_method_changed(&self, to: &str, at: &str) -> Content;
    /// X3: the second factor was enrolled, replaced or cleared at `at`.
    fn second_factor_changed(&self, to: &str, at: &str) -> Content;
    /// X3's kind: the contract's details were changed at `at` (to the owner).
    fn contract_details_changed(&self, to: &str, at: &str) -> Content;
}

fn catalogue(locale: Locale) -> &'static dyn Catalogue {
    match locale {
        Locale::En => &en::En,
        // Japanese is the default, also for any language added to the core later.
        Locale::Ja => &ja::Ja,
    }
}

/// Renders `mail` in its recipient's language, with links under `base`, signed by `sender`.
/// `line_base` is the base of the line channel, used only for the line sign-in address of
/// the Active Directory details ([`ad_sign_in_urls`]).
///
/// # Errors
/// [`MailError::Permanent`] for a mail kind (or ticket purpose) without a template.
pub fn render(
    mail: &Mail,
    base: &PublicBaseUrl,
    line_base: &PublicBaseUrl,
    sender: &Sender,
) -> Result<Rendered, MailError> {
    let lang = catalogue(mail.locale);
    let to = mail.to.as_str();
    let view = |link: &TicketLink| -> Result<LinkView, MailError> {
        Ok(LinkView {
            url: ticket_url(base, link).ok_or_else(no_template)?,
            expires: lang.datetime(link.expires_at),
        })
    };
    let at = lang.datetime(mail.created_at);
    let content = match &mail.kind {
        MailKind::AccountLocked { unlock } => lang.account_locked(to, &view(unlock)?),
        MailKind::PasswordReset { reset } => lang.password_reset(to, &view(reset)?),
        MailKind::Invitation {
            link,
            contract_name,
            invitee_name,
        } => lang.invitation(to, contract_name, invitee_name, &view(link)?),
        MailKind::OwnerInvitation {
            link,
            contract_name,
            owner_name,
        } => lang.owner_invitation(to, contract_name, owner_name, &view(link)?),
        MailKind::EmailChange { link } => lang.email_change(to, &view(link)?),
        MailKind::LoginMethodChange { link } => lang.login_method_change(to, &view(link)?),
        MailKind::AdSignIn { connection } => lang.ad_sign_in(
            to,
            connection.as_str(),
            &ad_sign_in_urls(base, line_base, connection),
        ),
        MailKind::Notice { kind } => match kind {
            NoticeKind::PasswordChanged => lang.password_changed(to, &at),
            NoticeKind::EmailChanged => lang.email_changed(to, &at),
            NoticeKind::LoginMethodChanged => lang.login_method_changed(to, &at),
            NoticeKind::SecondFactorChanged => lang.second_factor_changed(to, &at),
            NoticeKind::ContractDetailsChanged => lang.contract_details_changed(to, &at),
        },
    };
    let service = sender
        .display_name()
        .map_or_else(|| sender.mailbox().email.to_string(), str::to_owned);
    Ok(layout(lang, content, &lang.signature(&service)))
}

fn no_template() -> MailError {
    MailError::Permanent("no template".into())
}

/// Japan Standard Time: UTC+9 all year (Japan has no daylight saving time).
pub(crate) fn japan_wall_clock(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    (at + Duration::hours(9)).naive_utc()
}

fn layout(lang: &dyn Catalogue, content: Content, signature: &str) -> Rendered {
    let mut text = Vec::with_capacity(content.blocks.len() + 2);
    let mut html = String::with_capacity(2048);
    html.push_str("<!DOCTYPE html>\n<html lang=\"");
    html.push_str(lang.lang());
    html.push_str(
        "\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
    );
    html.push_str(&esc(&content.subject));
    html.push_str(
        "</title>\n</head>\n<body style=\"font-family: sans-serif; line-height: 1.6; \
         color: #222;\">\n",
    );
    for block in &content.blocks {
        match block {
            Block::Para(p) => {
                text.push(p.clone());
                html.push_str(&format!("<p>{}</p>\n", esc(p)));
            }
            Block::Link { label, url } => {
                text.push(format!("{}{label}\n{url}", lang.text_link_marker()));
                html.push_str(&format!(
                    "<p><a href=\"{}\" style=\"font-weight: bold;\">{}</a></p>\n\
                     <p style=\"font-size: small; word-break: break-all;\">{}</p>\n",
                    attr(url),
                    esc(label),
                    esc(url),
                ));
            }
            Block::Fact { label, value } => {
                text.push(format!("{label}{value}"));
                html.push_str(&format!(
                    "<p><strong>{}{}</strong></p>\n",
                    esc(label),
                    esc(value)
                ));
            }
        }
    }
    text.push(format!("-- \n{signature}"));
    html.push_str(&format!(
        "<hr>\n<p style=\"font-size: small; color: #555;\">{}</p>\n</body>\n</html>\n",
        esc(signature)
    ));
    let mut text = text.join("\n\n");
    text.push('\n');
    Rendered {
        subject: content.subject,
        text,
        html,
    }
}

/// Escapes text for an HTML element's content.
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_text(s)
}

/// Escapes text for a double-quoted HTML attribute.
fn attr(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}

#[cfg(test)]
mod tests {
    use auth_core::domain::{Email, MailId, SecretToken, TicketPurpose};
    use auth_core::testing::SeededSecrets;
    use chrono::TimeZone;

    use super::*;

    fn mail(locale: Locale, to: &str, kind: MailKind) -> Mail {
        let secrets = SeededSecrets::new(9);
        Mail {
            id: MailId::generate(&secrets),
            to: Email::parse(to).unwrap(),
            locale,
            kind,
            created_at: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
        }
    }

    fn locked() -> MailKind {
        MailKind::AccountLocked {
            unlock: TicketLink {
                purpose: TicketPurpose::Unlock,
                token: SecretToken::generate(&SeededSecrets::new(1)),
                expires_at: Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap(),
            },
        }
    }

    fn base() -> PublicBaseUrl {
        PublicBaseUrl::parse("https://auth.example.co.jp").unwrap()
    }

    fn sender() -> Sender {
        Sender::new("no-reply@example.co.jp", "雲ストレージ <サポート> & Co").unwrap()
    }

    #[test]
    fn the_expiry_is_shown_in_japan_time_in_both_languages() {
        let ja = render(
            &mail(Locale::Ja, "a@example.co.jp", locked()),
            &base(),
            &base(),
            &sender(),
        )
        .unwrap();
        assert!(
            ja.text.contains("2026年4月15日 09:00 (日本時間)"),
            "{}",
            ja.text
        );
        assert!(ja.html.contains("2026年4月15日 09:00 (日本時間)"));
        let en = render(
            &mail(Locale::En, "a@example.co.jp", locked()),
            &base(),
            &base(),
            &sender(),
        )
        .unwrap();
        assert!(en.text.contains("15 April 2026, 09:00 JST"), "{}", en.text);
        assert!(en.html.contains("lang=\"en\""));
    }

    #[test]
    fn html_escapes_everything_that_comes_from_data() {
        let r = render(
            // `<` and `>` cannot be in an address (Email::parse refuses them); `&` can.
            &mail(Locale::Ja, "b&x@example.co.jp", locked()),
            &base(),
            &base(),
            &sender(),
        )
        .unwrap();
        assert!(!r.html.contains("b&x"));
        assert!(r.html.contains("b&amp;x@example.co.jp"));
        assert!(r.html.contains("雲ストレージ &lt;サポート&gt; &amp; Co"));
        // The plain text keeps the data as it is.
        assert!(r.text.contains("b&x@example.co.jp"));
    }

    #[test]
    fn the_link_is_the_same_in_text_and_html() {
        let r = render(
            &mail(Locale::En, "a@example.co.jp", locked()),
            &base(),
            &base(),
            &sender(),
        )
        .unwrap();
        let url = r.text.lines().find(|l| l.starts_with("https://")).unwrap();
        assert!(url.starts_with("https://auth.example.co.jp/unlock/"));
        assert!(r.html.contains(&format!("href=\"{url}\"")));
        assert!(!format!("{r:?}").contains(url));
    }

    #[test]
    fn i1_contract_and_invitee_names_are_escaped_in_html() {
        let kind = || MailKind::Invitation {
            link: TicketLink {
                purpose: TicketPurpose::Invitation,
                token: SecretToken::generate(&SeededSecrets::new(2)),
                expires_at: Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap(),
            },
            contract_name: "<script>alert(\"x\")</script> & 株式会社".into(),
            invitee_name: "<img src=x onerror=alert(1)>".into(),
        };
        for locale in [Locale::Ja, Locale::En] {
            let r = render(
                &mail(locale, "invitee@example.co.jp", kind()),
                &base(),
                &base(),
                &sender(),
            )
            .unwrap();
            assert!(!r.html.contains("<script"), "{}", r.html);
            assert!(!r.html.contains("<img"), "{}", r.html);
            assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
            assert!(r.html.contains("&amp; 株式会社"), "{}", r.html);
            assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
            // The plain text keeps the names as they are, and the subject carries neither.
            assert!(r.text.contains("<script>alert(\"x\")</script> & 株式会社"));
            assert!(r.text.contains("<img src=x onerror=alert(1)>"));
            assert!(!r.subject.contains("script") && !r.subject.contains("img"));
        }
    }
}
