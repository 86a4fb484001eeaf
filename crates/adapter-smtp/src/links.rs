//! The links that mails carry. The HTTP app routes exactly these paths.

use auth_core::domain::{TicketLink, TicketPurpose};

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
pub fn ticket_path(purpose: TicketPurpose) -> Option<&'static str> {
    match purpose {
        TicketPurpose::Unlock => Some("unlock"),
        TicketPurpose::PasswordReset => Some("password/reset"),
        TicketPurpose::Invitation => Some("invitation"),
        TicketPurpose::EmailChange => Some("email-change"),
        TicketPurpose::LoginMethodChange => Some("login-method"),
        _ => None,
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
}
