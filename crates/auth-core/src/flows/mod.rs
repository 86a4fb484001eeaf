//! Use cases. [`Auth`] holds the ports; each module adds the methods of one flow.
//!
//! Every flow follows the same pattern: parse input into domain types, read what it needs,
//! decide with the pure rules of [`crate::domain`], then apply the whole change in one atomic
//! store call, record audit events, and answer.

pub mod admin;
pub mod changes;
pub mod contract_details;
pub mod directory;
pub mod federation;
pub mod invitations;
pub mod manage;
pub mod outbox;
pub mod password_change;
pub mod password_reset;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod two_factor;
pub mod unlock;

use std::sync::Arc;

use thiserror::Error;

use crate::domain::{
    Account, AccountId, AuditEvent, AuditKind, ClientInfo, ContractId, Mail, MailId, MailKind,
    SecretToken, SessionPolicy, Ticket, TicketError, TicketPurpose, TokenHash,
};
use crate::ports::{
    AuditLog, Clock, Directories, HashError, IdentityProviders, NoDirectories, NoProviders,
    PasswordHasher, SecretSource, SmsSender, Store, StoreError,
};

/// The ports a core instance works through.
#[derive(Clone)]
pub struct Ports {
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Randomness for tokens, IDs and salts.
    pub secrets: Arc<dyn SecretSource>,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// The SMS gateway for second-factor codes.
    pub sms: Arc<dyn SmsSender>,
}

/// Tunable settings of the core; the defaults follow the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Session timeouts (L11).
    pub sessions: SessionPolicy,
    /// The issuer name authenticator apps show next to the account (T1).
    pub totp_issuer: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sessions: SessionPolicy::default(),
            totp_issuer: "tobira".to_owned(),
        }
    }
}

/// The core: every use case is a method.
#[derive(Clone)]
pub struct Auth {
    ports: Ports,
    settings: Settings,
    providers: Arc<dyn IdentityProviders>,
    directories: Arc<dyn Directories>,
    /// Who this core's outbox worker is, for mail leases (X6).
    lease_owner: crate::ports::LeaseOwner,
    /// How long this core's outbox worker leases a claimed mail (X6).
    delivery_lease: chrono::Duration,
    /// Set when the outbox worker stops: no further mail is sent (X6).
    draining: Arc<std::sync::atomic::AtomicBool>,
}

/// A failure outside the business rules: the caller answers "try again later".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Infrastructure {
    /// The store failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Too many password hashes are in flight (P4).
    #[error("too many sign-ins at once; try again shortly")]
    Busy,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The authenticator set-up (its `otpauth` URI) could not be built.
    #[error(transparent)]
    TotpSetup(#[from] crate::domain::TotpSetupError),
}

impl From<HashError> for Infrastructure {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            other => Self::Hashing(other.to_string()),
        }
    }
}

impl Auth {
    /// A core working through `ports` with `settings`.
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self {
            ports,
            settings,
            providers: Arc::new(NoProviders),
            directories: Arc::new(NoDirectories),
            lease_owner: crate::ports::LeaseOwner::new("worker"),
            delivery_lease: outbox::DELIVERY_LEASE,
            draining: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// The same core whose outbox worker leases mail as `owner` (X6). Every process of a
    /// fleet needs its own ([`crate::ports::LeaseOwner::generate`]); the default, `worker`,
    /// suits one process.
    #[must_use]
    pub fn with_lease_owner(mut self, owner: crate::ports::LeaseOwner) -> Self {
        self.lease_owner = owner;
        self
    }

    /// The same core whose outbox worker leases a claimed mail for `lease` (X6; default
    /// [`outbox::DELIVERY_LEASE`]), renewing it every third of that while sending. A shorter
    /// lease lets a crashed instance's mail go out sooner, at the cost of more renewals.
    /// Leases shorter than [`outbox::MIN_DELIVERY_LEASE`] are raised to it.
    #[must_use]
    pub fn with_delivery_lease(mut self, lease: chrono::Duration) -> Self {
        self.delivery_lease = lease.max(outbox::MIN_DELIVERY_LEASE);
        self
    }

    /// How long this core's outbox worker leases a claimed mail.
    pub fn delivery_lease(&self) -> chrono::Duration {
        self.delivery_lease
    }

    /// How often this core's outbox worker renews its leases while sending: a third of the
    /// lease, so two renewals fall inside every lease.
    pub fn lease_renewal(&self) -> chrono::Duration {
        self.delivery_lease / 3
    }

    /// Who this core's outbox worker is.
    pub fn lease_owner(&self) -> &crate::ports::LeaseOwner {
        &self.lease_owner
    }

    /// The same core offering sign-in with `providers` (L7); without them no provider is
    /// configured.
    #[must_use]
    pub fn with_identity_providers(mut self, providers: Arc<dyn IdentityProviders>) -> Self {
        self.providers = providers;
        self
    }

    /// The same core offering Active Directory through `directories` (L8); without them AD
    /// cannot be turned on.
    #[must_use]
    pub fn with_directories(mut self, directories: Arc<dyn Directories>) -> Self {
        self.directories = directories;
        self
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The ticket behind a link, if it may be used now for `purpose`: one place for every flow
    /// that opens a mailed link.
    async fn live_ticket<E>(&self, token: &str, purpose: TicketPurpose) -> Result<Ticket, E>
    where
        E: From<TicketError> + From<Infrastructure>,
    {
        let token = SecretToken::parse(token).map_err(|_| TicketError::Unknown)?;
        self.live_ticket_by_hash(token.hash(), purpose).await
    }

    /// [`Auth::live_ticket`] for a ticket known by its hash (a flow that kept it across a
    /// provider round trip).
    async fn live_ticket_by_hash<E>(
        &self,
        hash: TokenHash,
        purpose: TicketPurpose,
    ) -> Result<Ticket, E>
    where
        E: From<TicketError> + From<Infrastructure>,
    {
        let ticket = self
            .ports
            .store
            .ticket(hash)
            .await
            .map_err(Infrastructure::from)?
            .ok_or(TicketError::Unknown)?;
        ticket.check(purpose, self.ports.clock.now())?;
        Ok(ticket)
    }

    async fn audit(
        &self,
        contract: Option<ContractId>,
        account: Option<AccountId>,
        kind: AuditKind,
        client: &ClientInfo,
    ) {
        self.ports
            .audit
            .record(AuditEvent {
                at: self.ports.clock.now(),
                contract,
                account,
                kind,
                channel: client.channel.kind(),
                client_address: client.address,
            })
            .await;
    }

    async fn audit_account(&self, account: &Account, kind: AuditKind, client: &ClientInfo) {
        self.audit(Some(account.contract), Some(account.id), kind, client)
            .await;
    }

    fn mail_to(&self, account: &Account, kind: MailKind) -> Mail {
        Mail {
            id: MailId::generate(self.ports.secrets.as_ref()),
            to: account.email.clone(),
            locale: account.locale,
            kind,
            created_at: self.ports.clock.now(),
        }
    }
}

#[cfg(test)]
mod tests;
