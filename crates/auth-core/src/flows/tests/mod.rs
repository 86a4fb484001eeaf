//! Use-case tests on the in-memory ports, named by the spec rule they prove.

mod admin;
mod changes;
mod contract_details;
mod directory;
mod invitations;
mod isolation;
mod lines;
mod outbox;
mod password_change;
mod password_reset;
mod properties;
mod sessions;
mod settings;
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

/// The owner's AD settings form: SAML from a metadata URL.
fn saml_settings(url: &str) -> crate::domain::AdSettingsInput<'_> {
    crate::domain::AdSettingsInput {
        protocol: "saml",
        metadata_url: url,
        ..crate::domain::AdSettingsInput::default()
    }
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

/// Signs in (two-factor off) and returns the live session.
async fn session_of(
    w: &TestWorld<MemoryStore>,
    email: &str,
    password: &str,
) -> crate::domain::Session {
    let grant = sign_in(w, email, password).await;
    w.auth
        .authenticate(
            &grant.token,
            SessionScope::Service,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .expect("a live session")
}

/// The link token of the newest queued mail of any ticket kind with `purpose`.
fn newest_link(w: &TestWorld<MemoryStore>, purpose: TicketPurpose) -> String {
    w.store
        .queued_mail()
        .iter()
        .rev()
        .find_map(|m| match &m.kind {
            MailKind::Invitation { link, .. }
            | MailKind::OwnerInvitation { link, .. }
            | MailKind::EmailChange { link }
            | MailKind::LoginMethodChange { link }
            | MailKind::AccountLocked { unlock: link }
            | MailKind::PasswordReset { reset: link }
                if link.purpose == purpose =>
            {
                Some(link.token.expose().to_string())
            }
            _ => None,
        })
        .expect("a mail with such a link")
}

/// Gives `account` an authenticator enrolment directly through the store (for T6 tests).
async fn two_factor_enrol(w: &TestWorld<MemoryStore>, account: &crate::domain::Account) {
    use crate::ports::TwoFactorStore as _;
    let p = crate::domain::PendingSignIn {
        token_hash: crate::domain::SecretToken::generate(w.secrets.as_ref()).hash(),
        account: account.id,
        contract: account.contract,
        scope: SessionScope::Service,
        client: client(),
        created_at: w.clock.now_for_test(),
        stage: crate::domain::PendingStage::Enrol {
            totp_secret: None,
            sms: None,
        },
        remember_browser: false,
    };
    w.store.insert_pending(&p).await.unwrap();
    let enrolment = crate::domain::Enrolment {
        factor: crate::domain::EnrolledFactor::Totp {
            secret: crate::domain::TotpSecret::generate(w.secrets.as_ref()),
        },
        recovery_hash: w.hasher.hash_text("ABCDEFGHJKLMNPQR").unwrap(),
        last_totp_step: None,
        enrolled_at: w.clock.now_for_test(),
    };
    let commit = crate::ports::EnrolmentCommit {
        pending: p.token_hash,
        next_token: p.token_hash,
        remember_browser: false,
        enrolment,
        notice: notice_mail(w, account),
    };
    assert!(w.store.complete_enrolment(commit).await.unwrap());
    w.store.take_pending(p.token_hash).await.unwrap();
}

fn properties_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}
