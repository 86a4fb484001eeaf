//! Every cookie tobira sets: its name, attributes and lifetime, and the three things done with
//! them — a session issued at sign-in (the session ID rotates: the browser's earlier session
//! of that scope ends), the pending sign-in's token replaced at every step, and everything
//! cleared at sign-out. The API and the pages both go through here. Lifetimes come from the
//! core: the session policy (L11), [`PENDING_SIGN_IN_VALIDITY`] (X8),
//! [`REMEMBER_BROWSER_WINDOW`] (L6) and [`FEDERATION_REQUEST_VALIDITY`] (L7).

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::Duration;

use auth_core::domain::{
    FEDERATION_REQUEST_VALIDITY, PENDING_SIGN_IN_VALIDITY, REMEMBER_BROWSER_WINDOW, SecretToken,
    SessionPolicy, SessionScope,
};
use auth_core::flows::Infrastructure;
use auth_core::flows::signin::SessionGrant;

use super::context::Ctx;
use crate::state::AppState;

/// How long the language choice is kept.
const LANG_LIFETIME: Duration = Duration::days(365);

/// The cookies tobira sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieKind {
    /// The service session (L11).
    Session,
    /// The settings-menu session (S2).
    Settings,
    /// A sign-in waiting for its second factor.
    Pending,
    /// A remembered browser's device token (L6).
    Device,
    /// The browser key of a provider sign-in in progress (L7).
    Federation,
    /// The chosen language.
    Lang,
}

impl CookieKind {
    /// Every cookie tobira sets.
    pub const ALL: [CookieKind; 6] = [
        Self::Session,
        Self::Settings,
        Self::Pending,
        Self::Device,
        Self::Federation,
        Self::Lang,
    ];

    fn base(self) -> &'static str {
        match self {
            Self::Session => "tobira_session",
            Self::Settings => "tobira_settings",
            Self::Pending => "tobira_pending",
            Self::Device => "tobira_device",
            Self::Federation => "tobira_federation",
            Self::Lang => "tobira_lang",
        }
    }

    /// The cookie's name: `__Host-` prefixed when served over TLS.
    pub fn name(self, secure: bool) -> String {
        if secure {
            format!("__Host-{}", self.base())
        } else {
            self.base().to_owned()
        }
    }

    /// How long the browser keeps the cookie: no longer than what it carries lives.
    pub fn lifetime(self, sessions: &SessionPolicy) -> Duration {
        match self {
            Self::Session | Self::Settings => sessions.absolute,
            Self::Pending => PENDING_SIGN_IN_VALIDITY,
            Self::Federation => FEDERATION_REQUEST_VALIDITY,
            Self::Device => REMEMBER_BROWSER_WINDOW,
            Self::Lang => LANG_LIFETIME,
        }
    }

    /// The session cookie of a scope.
    pub fn of_scope(scope: SessionScope) -> Self {
        match scope {
            SessionScope::Settings => Self::Settings,
            SessionScope::Service => Self::Session,
        }
    }
}

impl Ctx {
    /// A cookie carrying `value`, with tobira's attributes: `HttpOnly` (but the language),
    /// `SameSite=Lax`, `Path=/`, `Secure` over TLS, and the kind's lifetime.
    pub fn cookie(&self, kind: CookieKind, value: String) -> Cookie<'static> {
        let mut c = Cookie::new(kind.name(self.secure), value);
        c.set_http_only(kind != CookieKind::Lang);
        c.set_same_site(SameSite::Lax);
        c.set_path("/");
        c.set_secure(self.secure);
        c.set_max_age(cookie::time::Duration::seconds(
            kind.lifetime(&self.sessions).num_seconds(),
        ));
        c
    }

    /// A cookie that removes `kind`.
    pub fn removal(&self, kind: CookieKind) -> Cookie<'static> {
        let mut c = self.cookie(kind, String::new());
        c.make_removal();
        c
    }
}

/// Issues the session cookie of a completed sign-in (its scope's cookie), ends the session
/// of that scope the browser held before (the session ID rotates at sign-in, L11), removes the
/// pending cookie and keeps a remembered browser's device token (L6).
pub(crate) async fn issue_session(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    grant: &SessionGrant,
    device: Option<&SecretToken>,
) -> CookieJar {
    let kind = CookieKind::of_scope(grant.session.scope);
    if let Some(old) = ctx.token(kind) {
        // Best effort: the new session is issued whether or not the old one could be ended.
        let _ = state.auth().sign_out(&old, &ctx.client).await;
    }
    let mut jar = jar
        .add(ctx.cookie(kind, grant.token.expose().to_string()))
        .remove(ctx.removal(CookieKind::Pending));
    if let Some(device) = device {
        jar = jar.add(ctx.cookie(CookieKind::Device, device.expose().to_string()));
    }
    jar
}

/// Issues the pending sign-in's cookie: after the password, and again with the new token at
/// every step that replaced it (the old value no longer works).
pub(crate) fn issue_pending(ctx: &Ctx, jar: CookieJar, token: &SecretToken) -> CookieJar {
    jar.add(ctx.cookie(CookieKind::Pending, token.expose().to_string()))
}

/// Signs out (L11): cancels a pending sign-in, ends the sessions of the cookies sent, and
/// removes those cookies (the device token stays: it remembers the browser, not a sign-in).
///
/// # Errors
/// [`Infrastructure`] when the store fails; then no cookie is removed.
pub(crate) async fn sign_out(
    state: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
) -> Result<CookieJar, Infrastructure> {
    if let Some(pending) = ctx.token(CookieKind::Pending) {
        state.auth().cancel_sign_in(&pending).await?;
    }
    for kind in [CookieKind::Session, CookieKind::Settings] {
        if let Some(token) = ctx.token(kind) {
            state.auth().sign_out(&token, &ctx.client).await?;
        }
    }
    Ok(jar
        .remove(ctx.removal(CookieKind::Session))
        .remove(ctx.removal(CookieKind::Settings))
        .remove(ctx.removal(CookieKind::Pending)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l11_cookie_lifetimes_come_from_the_core() {
        let policy = SessionPolicy::default();
        assert_eq!(CookieKind::Session.lifetime(&policy), policy.absolute);
        assert_eq!(CookieKind::Settings.lifetime(&policy), policy.absolute);
        assert_eq!(
            CookieKind::Pending.lifetime(&policy),
            PENDING_SIGN_IN_VALIDITY
        );
        assert_eq!(
            CookieKind::Device.lifetime(&policy),
            REMEMBER_BROWSER_WINDOW
        );
        let names: std::collections::HashSet<String> =
            CookieKind::ALL.iter().map(|k| k.name(true)).collect();
        assert_eq!(names.len(), CookieKind::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("__Host-tobira_")));
    }
}
