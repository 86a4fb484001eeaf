//! Contracts (tenants) and their plans and settings.

use chrono::{DateTime, Duration, Utc};

use super::{ContractId, ContractName};

/// How long a free trial runs (C1).
pub const TRIAL_LENGTH: Duration = Duration::days(30);
/// How long after a trial's end it may still become `Basic` (C2).
pub const TRIAL_UPGRADE_GRACE: Duration = Duration::days(15);

/// A contract's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Plan {
    /// The paid plan.
    Basic,
    /// A 30-day free trial that started at `started_at`.
    FreeTrial {
        /// When the trial began.
        started_at: DateTime<Utc>,
    },
}

impl Plan {
    /// When a trial ends (C1); `None` for `Basic`.
    pub fn trial_ends_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Basic => None,
            Self::FreeTrial { started_at } => Some(*started_at + TRIAL_LENGTH),
        }
    }

    /// Whether the contract's service has ended by `now` (a trial past its 30 days).
    pub fn has_ended(&self, now: DateTime<Utc>) -> bool {
        self.trial_ends_at().is_some_and(|end| now >= end)
    }
}

/// Whether password accounts need a second factor over the internet (T8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TwoFactorPolicy {
    /// Second factor required (the default).
    #[default]
    Enabled,
    /// No second factor.
    Disabled,
}

/// Which channels may sign in (N3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AccessRoute {
    /// Carrier lines and the internet (the default).
    #[default]
    LineAndInternet,
    /// Carrier lines only; internet sign-in is refused (L10).
    LineOnly,
}

/// One customer's subscription.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The contract's ID.
    pub id: ContractId,
    /// The customer's name.
    pub name: ContractName,
    /// Basic or free trial.
    pub plan: Plan,
    /// Second-factor policy for password accounts.
    pub two_factor: TwoFactorPolicy,
    /// Line-only or line and internet.
    pub access_route: AccessRoute,
    /// When the contract was created.
    pub created_at: DateTime<Utc>,
}
