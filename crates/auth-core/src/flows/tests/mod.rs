//! Use-case tests on the in-memory ports, named by the spec rule they prove.

mod outbox;
mod password_change;
mod password_reset;
mod properties;
mod sessions;
mod signin;
mod two_factor;

use crate::domain::{ClientInfo, Mail, MailKind, PasswordCandidate, SessionScope, TicketPurpose};
use crate::flows::signin::{PasswordSignIn, SessionGrant, SignInError, SignInOutcome};
use crate::testing::{MemoryStore, TestWorld};

/// Signs in; panics on anything but a session.
async fn sign_in(w: &TestWorld<MemoryStore>, email: &str, password: &str) -> SessionGrant {
    match try_sign_in(w, email, password).await {
        Ok(SignInOutcome::SignedIn(grant)) => grant,
        other => panic!("expected a session, got {other:?}"),
    }
}

async fn try_sign_in(
    w: &TestWorld<MemoryStore>,
    email: &str,
    password: &str,
) -> Result<SignInOutcome, SignInError> {
    w.auth
        .sign_in_with_password(PasswordSignIn {
            email,
            password: PasswordCandidate::new(password),
            client: client(),
            scope: SessionScope::Service,
            remembered_browser: None,
        })
        .await
}

fn client() -> ClientInfo {
    ClientInfo::internet(Some([192, 0, 2, 9].into()), Some("test"))
}

/// The link token of the newest queued mail carrying a ticket of `purpose`.
fn last_link(w: &TestWorld<MemoryStore>, purpose: TicketPurpose) -> String {
    w.store
        .queued_mail()
        .iter()
        .rev()
        .find_map(|m| link_of(m).filter(|(p, _)| *p == purpose).map(|(_, t)| t))
        .expect("a mail with such a link")
}

fn link_of(mail: &Mail) -> Option<(TicketPurpose, String)> {
    match &mail.kind {
        MailKind::AccountLocked { unlock: link } | MailKind::PasswordReset { reset: link } => {
            Some((link.purpose, link.token.expose().to_string()))
        }
        _ => None,
    }
}

/// A notice mail to `account`, for tests that need any mail.
fn notice_mail(w: &TestWorld<MemoryStore>, account: &crate::domain::Account) -> Mail {
    Mail {
        id: crate::domain::MailId::generate(w.secrets.as_ref()),
        to: account.email.clone(),
        locale: account.locale,
        kind: MailKind::Notice {
            kind: crate::domain::NoticeKind::PasswordChanged,
        },
        created_at: w.clock.now_for_test(),
    }
}
