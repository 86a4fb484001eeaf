//! Contracts (tenants) and their plans and settings.

use chrono::{DateTime, Duration, Utc};

use super::{AdConnection, ContractId, ContractName};

/// How long a free trial runs (C1).
pub const TRIAL_LENGTH: Duration = Duration::days(30);
/// How long after a trial's end it may still become `Basic` (C2).
pub const TRIAL_UPGRADE_GRACE: Duration = Duration::days(15);

/// A contract's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// A stable lower-case name of the plan's kind, for stores: `basic` or `free-trial` (a
    /// store keeps a trial's start beside it).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::FreeTrial { .. } => "free-trial",
        }
    }

    /// The plan whose kind is named by [`Plan::kind_name`]; a trial needs its start.
    pub fn from_kind_name(name: &str, trial_started_at: Option<DateTime<Utc>>) -> Option<Self> {
        match (name, trial_started_at) {
            ("basic", _) => Some(Self::Basic),
            ("free-trial", Some(started_at)) => Some(Self::FreeTrial { started_at }),
            _ => None,
        }
    }
}

/// Whether password accounts need a second factor over the internet (T8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TwoFactorPolicy {
    /// Second factor required (the default).
    #[default]
    Enabled,
    /// No second factor.
    Disabled,
}

impl TwoFactorPolicy {
    /// Every policy.
    pub const ALL: [TwoFactorPolicy; 2] = [Self::Enabled, Self::Disabled];

    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }

    /// The policy named by [`TwoFactorPolicy::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// Which channels may sign in (N3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessRoute {
    /// Carrier lines and the internet (the default).
    #[default]
    LineAndInternet,
    /// Carrier lines only; internet sign-in is refused (L10).
    LineOnly,
}

impl AccessRoute {
    /// Every route.
    pub const ALL: [AccessRoute; 2] = [Self::LineAndInternet, Self::LineOnly];

    /// A stable lower-case name for stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LineAndInternet => "line-and-internet",
            Self::LineOnly => "line-only",
        }
    }

    /// The route named by [`AccessRoute::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// Whether a contract is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractStatus {
    /// In force.
    #[default]
    Active,
    /// Cancelled by its owner; nobody signs in.
    Cancelled {
        /// When.
        at: DateTime<Utc>,
    },
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
    /// The Active Directory connection, when turned on.
    pub ad: Option<AdConnection>,
    /// In force or cancelled.
    pub status: ContractStatus,
    /// When the contract was created.
    pub created_at: DateTime<Utc>,
}

impl Contract {
    /// Whether nobody of this contract may sign in at `now`: cancelled, or a trial past its
    /// end (C1).
    pub fn has_ended(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status, ContractStatus::Cancelled { .. }) || self.plan.has_ended(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_kind_names_are_stable_and_round_trip() {
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let trial = Plan::FreeTrial { started_at: start };
        assert_eq!(Plan::Basic.kind_name(), "basic");
        assert_eq!(trial.kind_name(), "free-trial");
        assert_eq!(Plan::from_kind_name("basic", None), Some(Plan::Basic));
        assert_eq!(Plan::from_kind_name("free-trial", Some(start)), Some(trial));
        assert_eq!(
            Plan::from_kind_name("free-trial", None),
            None,
            "a trial needs its start"
        );
        assert_eq!(Plan::from_kind_name("Basic", None), None);
    }

    #[test]
    fn two_factor_policy_names_are_stable_and_round_trip() {
        let names: Vec<&str> = TwoFactorPolicy::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["enabled", "disabled"]);
        for policy in TwoFactorPolicy::ALL {
            assert_eq!(TwoFactorPolicy::from_name(policy.as_str()), Some(policy));
        }
        assert_eq!(TwoFactorPolicy::from_name("on"), None);
    }

    #[test]
    fn access_route_names_are_stable_and_round_trip() {
        let names: Vec<&str> = AccessRoute::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["line-and-internet", "line-only"]);
        for route in AccessRoute::ALL {
            assert_eq!(AccessRoute::from_name(route.as_str()), Some(route));
        }
        assert_eq!(AccessRoute::from_name("line_only"), None);
    }
}
