//! Audit events (X1): what happened, to whom, from where, and never a secret.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{
    AccessRoute, AccountId, ChannelKind, ContractId, Provider, SecondFactorKind, SessionScope,
    TwoFactorPolicy,
};

/// Why a sign-in failed. Recorded for the contract's administrators and operators; never shown
/// to the person signing in (L5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFailure {
    /// No account has the e-mail.
    UnknownEmail,
    /// The password was wrong.
    WrongPassword,
    /// The account is locked.
    Locked,
    /// The account signs in another way (federated, AD).
    NotAPasswordAccount,
    /// The contract's service has ended (trial over).
    ContractEnded,
    /// Over a line that is not registered to the contract (L9).
    LineNotRegistered,
    /// Over the internet while the contract allows lines only (L10).
    InternetNotAllowed,
    /// A federated or AD identity bound to no account (L7).
    UnboundIdentity,
    /// A second-factor code (SMS or authenticator, at enrolment or challenge) was wrong; it
    /// counts towards the lock like a wrong password (L2).
    WrongSecondFactor,
}

/// How a round trip to a federated provider ended (L7, X1). What the verified identity then
/// did (signed in, registered, changed method) is recorded by its own event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderResult {
    /// The provider verified an identity.
    Verified,
    /// The callback's `state` was missing, unknown, expired, already used, from another
    /// browser or for another provider.
    BadState,
    /// The person or the provider declined (`error=access_denied`, ...).
    Denied,
    /// The provider's answer failed verification (signature, issuer, audience, nonce, time).
    Rejected,
    /// The provider could not be reached or answered garbage.
    Unavailable,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditKind {
    /// A round trip to a federated provider ended (L7).
    ProviderSignIn {
        /// Which provider.
        provider: Provider,
        /// How it ended.
        result: ProviderResult,
    },
    /// A sign-in completed and a session began.
    SignInSucceeded {
        /// Service or settings menu.
        scope: SessionScope,
    },
    /// A sign-in attempt failed.
    SignInFailed {
        /// Why.
        reason: SignInFailure,
    },
    /// The account was locked at the 10th failure.
    AccountLocked,
    /// The account was unlocked by its ticket or a password reset.
    AccountUnlocked,
    /// A password reset was asked for an existing password account.
    PasswordResetRequested,
    /// A password reset completed.
    PasswordReset,
    /// The password was changed by its holder.
    PasswordChanged,
    /// A stored hash was upgraded to the current parameters (P4).
    PasswordRehashed,
    /// A session ended by sign-out or by an administrator.
    SessionEnded,
    /// A second factor was enrolled (T2).
    SecondFactorEnrolled {
        /// Which.
        kind: SecondFactorKind,
    },
    /// A second-factor step passed.
    SecondFactorPassed {
        /// Which.
        kind: SecondFactorKind,
    },
    /// A second-factor code was wrong.
    SecondFactorFailed {
        /// Which.
        kind: SecondFactorKind,
    },
    /// A recovery code was used and replaced (T5).
    RecoveryCodeUsed,
    /// A recovery code was wrong.
    RecoveryCodeFailed,
    /// An invitation was sent or resent (I1).
    InvitationSent,
    /// An invitation was accepted and the account created (I2).
    InvitationAccepted,
    /// An e-mail change was requested (E1, E2).
    EmailChangeRequested,
    /// The e-mail address changed.
    EmailChanged,
    /// A login-method change was sent to a user (E2, M2).
    LoginMethodChangeRequested,
    /// The login method changed (M1, M2).
    LoginMethodChanged,
    /// An account was removed (X4).
    AccountRemoved,
    /// All sessions of an account were ended by an administrator (X4).
    SessionsEnded,
    /// A line number was registered (N1).
    LineRegistered,
    /// A line number was removed.
    LineRemoved,
    /// Consent for a West Japan line was given (N5).
    LineConsentGiven,
    /// The contract's access route changed (N3).
    AccessRouteChanged {
        /// The new route.
        route: AccessRoute,
    },
    /// Active Directory was turned on (D1).
    ActiveDirectoryEnabled,
    /// The AD connection's settings were changed or its metadata read again (D1).
    ActiveDirectoryChanged,
    /// Active Directory was turned off (D1).
    ActiveDirectoryTurnedOff,
    /// A round trip to the contract's ADFS ended (L8, X1); never a response or token.
    DirectorySignIn {
        /// How it ended.
        result: ProviderResult,
    },
    /// The plan changed (C2).
    PlanChanged,
    /// The contract was cancelled.
    ContractCancelled,
    /// The owner changed the contract's details.
    ContractDetailsChanged,
    /// The contract's two-factor policy changed (T8).
    TwoFactorPolicyChanged {
        /// The new policy.
        policy: TwoFactorPolicy,
    },
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The contract concerned, when known.
    pub contract: Option<ContractId>,
    /// The account concerned, when known.
    pub account: Option<AccountId>,
    /// What happened.
    pub kind: AuditKind,
    /// Internet or line.
    pub channel: ChannelKind,
    /// The client's address.
    pub client_address: Option<IpAddr>,
}
