//! The links that mails carry. The HTTP app routes exactly these paths.

use auth_core::domain::{ConnectionId, TicketLink, TicketPurpose};

use crate::config::PublicBaseUrl;

/// The page a ticket link opens: `{base}/{path}/{token}`.
///
/// | purpose | URL |
/// |---|---|
/// | [`TicketPurpose::Unlock`] | `{base}/unlock/{token}` |
/// | [`TicketPurpose::PasswordReset`] | `{base}/password/reset/{token}` |
/// | [`TicketPurpose::Invitation`] | `{base}/invitation/{token}` |
/// | [`TicketPurpose::EmailChange`] | `{base}/email-change/{token}` |
/// | [`TicketPurpose::LoginMethodChange`] | `{base}/login-method/{token}` |
///
/// The token is unpadded base64url, so it needs no escaping in a path. `base` comes from
/// configuration, never from a request. The result is a secret (whoever holds it can use the
/// ticket): put it in the mail and nowhere else, never in a log.
///
/// Returns `None` for a purpose without a page (a purpose added to the core but not yet here).
pub fn ticket_url(base: &PublicBaseUrl, link: &TicketLink) -> Option<String> {
    let path = ticket_path(link.purpose)?;
    Some(format!("{base}/{path}/{}", link.token.expose().as_str()))
}

/// The path segment(s) before the token for `purpose`, without slashes at either end.
/// The core's table ([`TicketPurpose::page_path`]) decides them.
pub fn ticket_path(purpose: TicketPurpose) -> Option<&'static str> {
    Some(purpose.page_path().trim_start_matches('/'))
}

/// The path segment of the Active Directory sign-in page, before the connection ID.
pub const AD_SIGN_IN_PATH: &str = "ad";

/// The two Active Directory sign-in addresses of a contract (spec L8, D1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSignInUrls {
    /// For sign-ins over the open internet.
    pub internet: String,
    /// For sign-ins over a registered carrier line.
    pub line: String,
}

/// The Active Directory sign-in addresses of the contract whose connection is `connection`:
///
/// | channel | URL |
/// |---|---|
/// | internet | `{internet}/ad/{connection}` |
/// | line | `{line}/ad/{connection}` |
///
/// `internet` is the [`PublicBaseUrl`] of the ticket links; `line` is the one the service has
/// on the carrier lines ([`SmtpConfig::with_line_base_url`](crate::SmtpConfig::with_line_base_url),
/// the internet one unless configured). A [`ConnectionId`] is `adfs-` and letters or digits
/// only, so it needs no escaping in a path. The addresses are not secret: the owner hands them
/// to the contract's users.
pub fn ad_sign_in_urls(
    internet: &PublicBaseUrl,
    line: &PublicBaseUrl,
    connection: &ConnectionId,
) -> AdSignInUrls {
    let at = |base: &PublicBaseUrl| format!("{base}/{AD_SIGN_IN_PATH}/{}", connection.as_str());
    AdSignInUrls {
        internet: at(internet),
        line: at(line),
    }
}

#[cfg(test)]
mod tests {
    use auth_core::domain::SecretToken;
    use auth_core::testing::SeededSecrets;
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn every_purpose_has_its_path_and_the_token_comes_back() {
        let base = PublicBaseUrl::parse("https://example.jp/auth/").unwrap();
        let secrets = SeededSecrets::new(3);
        for (purpose, path) in [
            (TicketPurpose::Unlock, "unlock"),
            (TicketPurpose::PasswordReset, "password/reset"),
            (TicketPurpose::Invitation, "invitation"),
            (TicketPurpose::EmailChange, "email-change"),
            (TicketPurpose::LoginMethodChange, "login-method"),
        ] {
            let token = SecretToken::generate(&secrets);
            let link = TicketLink {
                purpose,
                token: token.clone(),
                expires_at: Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap(),
            };
            let url = ticket_url(&base, &link).unwrap();
            let prefix = format!("https://example.jp/auth/{path}/");
            let text = url.strip_prefix(&prefix).unwrap();
            assert_eq!(SecretToken::parse(text).unwrap().hash(), token.hash());
        }
    }

    #[test]
    fn d1_ad_sign_in_urls_give_one_address_per_channel() {
        let connection = ConnectionId::parse("adfs-abcdef23456789xyzq").unwrap();
        let internet = PublicBaseUrl::parse("https://auth.example.co.jp/").unwrap();
        let line = PublicBaseUrl::parse("https://line.example.co.jp/auth").unwrap();
        assert_eq!(
            ad_sign_in_urls(&internet, &line, &connection),
            AdSignInUrls {
                internet: "https://auth.example.co.jp/ad/adfs-abcdef23456789xyzq".into(),
                line: "https://line.example.co.jp/auth/ad/adfs-abcdef23456789xyzq".into(),
            }
        );
        let same = ad_sign_in_urls(&internet, &internet, &connection);
        assert_eq!(same.internet, same.line);
    }
}
