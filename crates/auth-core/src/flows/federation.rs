//! Federated sign-in (L7): a provider round trip started for one purpose and finished on the
//! provider's callback. The round trip's state machine is
//! [`FederationRequest`](crate::domain::FederationRequest)'s module; what the verified identity
//! may then do is decided by the same use cases as every other entry path — sign-in
//! ([`Auth::sign_in_with_identity`]: lockout, contract end, L9/L10/N5), registration
//! ([`Auth::accept_invitation`]) and method changes ([`Auth::set_own_login_method`],
//! [`Auth::complete_method_change`]) — so a provider callback inherits their rules.

use thiserror::Error;

use super::changes::MethodChangeError;
use super::invitations::RegistrationError;
use super::signin::{IdentitySignIn, SignInError, SignInOutcome};
use super::{Auth, Infrastructure};
use crate::domain::{
    AccountId, AuditKind, Ceremony, ClientInfo, ExternalIdentity, FederationPurpose,
    FederationRequest, Issuer, MethodChoice, Provider, ProviderCallback, ProviderResult,
    SecretToken, Session, SessionScope, SettingsItem, TicketPurpose,
};
use crate::ports::{AccountChoice, IdpError};

/// What a provider sign-in is started for.
#[derive(Debug, Clone, Copy)]
pub enum FederationFor<'a> {
    /// Sign in to the service or the settings menu.
    SignIn {
        /// Which area.
        scope: SessionScope,
    },
    /// Register from the invitation behind this link token (I2).
    Invitation {
        /// The invitation link's token.
        token: crate::domain::PresentedToken<'a>,
    },
    /// The owner's own login method (M1), from their settings session.
    OwnMethod {
        /// The settings session.
        me: &'a Session,
    },
    /// A login-method change link (M2).
    MethodChange {
        /// The link's token.
        token: crate::domain::PresentedToken<'a>,
    },
}

/// Where to send the browser, and the key it must keep until it comes back.
pub struct FederationRedirect {
    /// The provider's authorization URL with `state`, `nonce` and the PKCE challenge.
    pub authorization_url: String,
    /// The browser key for an `HttpOnly` cookie; the callback must present it.
    pub browser_key: SecretToken,
}

/// What a finished provider sign-in did.
#[derive(Debug)]
pub enum FederationOutcome {
    /// A sign-in: a session, or the line consent step first (N5).
    SignIn(SignInOutcome),
    /// The invitation was accepted; the account exists (I2).
    Registered(AccountId),
    /// The owner's own login method is now the provider (M1).
    OwnMethodChanged,
    /// A user's login method is now the provider (M2).
    MethodChanged,
}

/// Why a provider sign-in gave nothing. Nothing changed.
#[derive(Debug, Error)]
pub enum FederationError {
    /// The provider is not configured on this deployment.
    #[error("this sign-in provider is not available")]
    NotConfigured,
    /// The callback's `state` was missing, unknown, expired, already used, from another
    /// browser, or for another provider.
    #[error("this sign-in has expired or was already used; please start again")]
    BadState,
    /// The person or the provider declined.
    #[error("the sign-in was cancelled at the provider")]
    Denied,
    /// No contract has this AD connection ID (or it is malformed).
    #[error("no Active Directory connection has this ID")]
    UnknownConnection,
    /// The contract's AD connection is turned off (D1).
    #[error("sign-in with Active Directory is turned off for this contract")]
    DirectoryOff,
    /// The provider could not be reached or answered garbage. The detail is for the log.
    #[error("the sign-in provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider's answer failed verification. The detail is for the log.
    #[error("the sign-in provider's answer could not be verified: {0}")]
    Rejected(String),
    /// The verified identity could not sign in (unbound, locked, line rules, contract ended).
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// The invitation could not be accepted with the verified identity (taken, AD rules,
    /// link expired: I2, I3, D2).
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// The login method could not become the verified identity (taken, M3, link expired, not
    /// permitted: M1, M2).
    #[error(transparent)]
    MethodChange(#[from] MethodChangeError),
    /// Try again later.
    #[error(transparent)]
    Infrastructure(#[from] Infrastructure),
}

impl From<crate::ports::StoreError> for FederationError {
    fn from(e: crate::ports::StoreError) -> Self {
        Self::Infrastructure(e.into())
    }
}

impl std::fmt::Debug for FederationRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the `state` and `nonce`.
        f.write_str("FederationRedirect(<redacted>)")
    }
}

impl Auth {
    /// The providers this deployment offers, in display order.
    pub fn identity_providers(&self) -> Vec<Provider> {
        self.providers.configured()
    }

    /// Starts a provider sign-in for `purpose`: checks that the purpose may go ahead now
    /// (a live link, the owner's permission), stores the request, and returns where to send
    /// the browser. `redirect_uri` is the callback address of the channel the browser uses.
    ///
    /// # Errors
    /// [`FederationError::NotConfigured`], [`FederationError::Unavailable`], or the purpose's
    /// own refusal ([`FederationError::Registration`], [`FederationError::MethodChange`]).
    pub async fn start_federation(
        &self,
        provider: Provider,
        purpose: FederationFor<'_>,
        redirect_uri: &str,
    ) -> Result<FederationRedirect, FederationError> {
        if !self.providers.configured().contains(&provider) {
            return Err(FederationError::NotConfigured);
        }
        let purpose = match purpose {
            FederationFor::SignIn { scope } => FederationPurpose::SignIn { scope },
            FederationFor::Invitation { token } => FederationPurpose::Invitation {
                ticket: self
                    .live_ticket::<RegistrationError>(token.text(), TicketPurpose::Invitation)
                    .await?
                    .hash,
            },
            FederationFor::OwnMethod { me } => {
                self.actor_for_item(me, SettingsItem::LoginMethod)
                    .await
                    .map_err(MethodChangeError::from)?;
                FederationPurpose::OwnMethod { session: me.id }
            }
            FederationFor::MethodChange { token } => FederationPurpose::MethodChange {
                ticket: self
                    .live_ticket::<MethodChangeError>(
                        token.text(),
                        TicketPurpose::LoginMethodChange,
                    )
                    .await?
                    .hash,
            },
        };
        let ceremony = Ceremony::generate(self.ports.secrets.as_ref());
        let choice = match purpose {
            FederationPurpose::SignIn { .. } => AccountChoice::Current,
            _ => AccountChoice::Select,
        };
        let authorization_url = self
            .providers
            .authorization_url(provider, &ceremony, redirect_uri, choice)
            .await
            .map_err(idp_error)?;
        let request = ceremony.request(Issuer::Provider(provider), purpose, self.ports.clock.now());
        self.ports.store.insert_federation_request(&request).await?;
        Ok(FederationRedirect {
            authorization_url,
            browser_key: ceremony.browser_key().clone(),
        })
    }

    /// Finishes a provider sign-in on its callback: takes the stored request (once), checks
    /// that this browser and this provider started it, has the provider's answer verified, and
    /// applies the request's purpose through its own use case. `me` is the browser's settings
    /// session, required when the owner changes their own method.
    ///
    /// # Errors
    /// See [`FederationError`]; every refusal is audited (X1) and changes nothing else.
    pub async fn finish_federation(
        &self,
        provider: Provider,
        callback: &ProviderCallback,
        browser_key: Option<&str>,
        me: Option<&Session>,
        redirect_uri: &str,
        client: &ClientInfo,
    ) -> Result<FederationOutcome, FederationError> {
        let now = self.ports.clock.now();
        let Some((request, ceremony)) = self
            .take_round_trip(
                &Issuer::Provider(provider),
                callback.state.as_deref(),
                browser_key,
                now,
            )
            .await?
        else {
            self.audit_provider(provider, ProviderResult::BadState, client)
                .await;
            return Err(FederationError::BadState);
        };
        if callback.error.is_some() {
            self.audit_provider(provider, ProviderResult::Denied, client)
                .await;
            return Err(FederationError::Denied);
        }
        let identity = match self
            .providers
            .finish(provider, callback, &ceremony, redirect_uri, now)
            .await
        {
            Ok(identity) => identity,
            Err(e) => {
                let result = match e {
                    IdpError::Unavailable(_) => ProviderResult::Unavailable,
                    _ => ProviderResult::Rejected,
                };
                self.audit_provider(provider, result, client).await;
                return Err(idp_error(e));
            }
        };
        if !matches!(&identity, ExternalIdentity::Federated { provider: p, .. } if *p == provider) {
            self.audit_provider(provider, ProviderResult::Rejected, client)
                .await;
            return Err(FederationError::Rejected(
                "the adapter returned another provider's identity".into(),
            ));
        }
        self.audit_provider(provider, ProviderResult::Verified, client)
            .await;
        self.apply_federation_purpose(request.purpose, identity, me, client)
            .await
    }

    /// Takes the round trip stored under `state` (spent by its first callback, whatever
    /// follows) and answers it with its ceremony when this browser started it for `issuer`;
    /// `None` for a missing, unknown, lapsed, other browser's or other issuer's `state`.
    pub(crate) async fn take_round_trip(
        &self,
        issuer: &Issuer,
        state: Option<&str>,
        browser_key: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(FederationRequest, Ceremony)>, FederationError> {
        let Some(state) = state.and_then(|s| SecretToken::parse(s).ok()) else {
            return Ok(None);
        };
        // Taken before anything else is checked: a state is spent by its first callback.
        let request = self
            .ports
            .store
            .take_federation_request(state.hash(), now)
            .await?;
        let browser = browser_key.and_then(|k| SecretToken::parse(k).ok());
        let (Some(request), Some(browser)) = (request, browser) else {
            return Ok(None);
        };
        if browser.hash() != request.browser || request.issuer != *issuer {
            return Ok(None);
        }
        Ok(Some((request, Ceremony::resume(browser, state))))
    }

    /// Applies a verified identity to the purpose its round trip was started for, through
    /// that purpose's own use case.
    pub(crate) async fn apply_federation_purpose(
        &self,
        purpose: FederationPurpose,
        identity: ExternalIdentity,
        me: Option<&Session>,
        client: &ClientInfo,
    ) -> Result<FederationOutcome, FederationError> {
        let choice = MethodChoice::Identity(identity.clone());
        Ok(match purpose {
            FederationPurpose::SignIn { scope } => FederationOutcome::SignIn(
                self.sign_in_with_identity(IdentitySignIn {
                    identity,
                    client: client.clone(),
                    scope,
                })
                .await?,
            ),
            FederationPurpose::Invitation { ticket } => FederationOutcome::Registered(
                self.accept_invitation_by_hash(ticket, &choice, client)
                    .await?,
            ),
            FederationPurpose::OwnMethod { session } => {
                let me = me
                    .filter(|m| m.id == session)
                    .ok_or(MethodChangeError::NotSignedIn)?;
                self.set_own_login_method(me, &choice, client).await?;
                FederationOutcome::OwnMethodChanged
            }
            FederationPurpose::MethodChange { ticket } => {
                self.complete_method_change_by_hash(ticket, &choice, client)
                    .await?;
                FederationOutcome::MethodChanged
            }
        })
    }

    /// Records how a round trip ended (X1): the provider and the result, never a token.
    async fn audit_provider(
        &self,
        provider: Provider,
        result: ProviderResult,
        client: &ClientInfo,
    ) {
        self.audit(
            None,
            None,
            AuditKind::ProviderSignIn { provider, result },
            client,
        )
        .await;
    }
}

pub(crate) fn idp_error(e: IdpError) -> FederationError {
    match e {
        IdpError::NotConfigured => FederationError::NotConfigured,
        IdpError::Unavailable(detail) => FederationError::Unavailable(detail),
        IdpError::Rejected(detail) => FederationError::Rejected(detail),
    }
}
