//! The account lock (L2–L4) as an explicit state machine.
//!
//! ```text
//!              wrong password (n+1 < 10)
//!            ┌────────────────────────┐
//!            ▼                        │
//!   Unlocked { failures: n } ─────────┘
//!      │   ▲        │ right password
//!      │   │        └──────────────▶ Unlocked { failures: 0 }   (L3)
//!      │   │ unlock ticket / password reset (L4, P3)
//!      │   │
//!      │ wrong password, n + 1 = 10 (L2): lock, mail one unlock ticket
//!      ▼   │
//!   Locked { since } ── any password ──▶ Locked { since }   (no change, L4)
//! ```
//!
//! Ten consecutive failures is the threshold the product fixes (spec L2), in line with the
//! "no more than 100 consecutive failed attempts" ceiling of NIST SP 800-63B §5.2.2.
//! The transitions here are the single definition; stores apply them atomically (for SQL:
//! one conditional `UPDATE ... RETURNING`), so two instances racing cannot both lock.

use chrono::{DateTime, Utc};

/// Consecutive failures that lock an account (L2).
pub const LOCK_THRESHOLD: u8 = 10;

/// Whether an account is locked, and how many consecutive failures it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// May sign in; `failures` is always below [`LOCK_THRESHOLD`].
    Unlocked {
        /// Consecutive wrong passwords (or second factors) since the last success.
        failures: u8,
    },
    /// Refuses every sign-in until unlocked.
    Locked {
        /// When the threshold was reached.
        since: DateTime<Utc>,
    },
}

/// What recording one failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted; the account is still unlocked.
    Counted {
        /// The new consecutive-failure count.
        failures: u8,
    },
    /// This failure was the [`LOCK_THRESHOLD`]th: the account is now locked. Exactly one failure
    /// per lock sees this outcome; its caller mails the unlock ticket.
    LockedNow,
    /// The account was already locked; nothing changed.
    AlreadyLocked,
}

/// A success was refused because the account is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsLocked;

impl Default for LockState {
    fn default() -> Self {
        Self::Unlocked { failures: 0 }
    }
}

impl LockState {
    /// Rebuilds the state from its stored columns. A stored count at or above the threshold
    /// without a lock time cannot occur in a conforming store; it is read as locked at `now`.
    pub fn from_stored(
        failures: i64,
        locked_since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        match locked_since {
            Some(since) => Self::Locked { since },
            None if failures >= i64::from(LOCK_THRESHOLD) => Self::Locked { since: now },
            None => Self::Unlocked {
                failures: u8::try_from(failures.max(0)).unwrap_or(0),
            },
        }
    }

    /// The consecutive-failure count ([`LOCK_THRESHOLD`] while locked).
    pub fn failures(&self) -> u8 {
        match self {
            Self::Unlocked { failures } => *failures,
            Self::Locked { .. } => LOCK_THRESHOLD,
        }
    }

    /// When the account was locked, if it is.
    pub fn locked_since(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Locked { since } => Some(*since),
            Self::Unlocked { .. } => None,
        }
    }

    /// Whether the account refuses sign-ins.
    pub fn is_locked(&self) -> bool {
        matches!(self, Self::Locked { .. })
    }

    /// One wrong password (L2).
    #[must_use]
    pub fn record_failure(self, now: DateTime<Utc>) -> (Self, FailureOutcome) {
        match self {
            Self::Locked { .. } => (self, FailureOutcome::AlreadyLocked),
            Self::Unlocked { failures } if failures + 1 >= LOCK_THRESHOLD => {
                (Self::Locked { since: now }, FailureOutcome::LockedNow)
            }
            Self::Unlocked { failures } => (
                Self::Unlocked {
                    failures: failures + 1,
                },
                FailureOutcome::Counted {
                    failures: failures + 1,
                },
            ),
        }
    }

    /// A right password (L3): resets the count, unless locked (L4).
    ///
    /// # Errors
    /// [`IsLocked`] when the account is locked; the state is unchanged.
    pub fn record_success(self) -> Result<Self, IsLocked> {
        match self {
            Self::Locked { .. } => Err(IsLocked),
            Self::Unlocked { .. } => Ok(Self::Unlocked { failures: 0 }),
        }
    }

    /// An unlock ticket or a password reset (L4, P3): unlocked with no failures.
    #[must_use]
    pub fn unlock(self) -> Self {
        Self::Unlocked { failures: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
    }

    #[test]
    fn l2_the_tenth_failure_locks_and_only_the_tenth() {
        let mut state = LockState::default();
        for n in 1..LOCK_THRESHOLD {
            let (next, outcome) = state.record_failure(t0());
            assert_eq!(outcome, FailureOutcome::Counted { failures: n });
            state = next;
        }
        let (locked, outcome) = state.record_failure(t0());
        assert_eq!(outcome, FailureOutcome::LockedNow);
        assert_eq!(locked, LockState::Locked { since: t0() });
        let (still, outcome) = locked.record_failure(t0());
        assert_eq!(outcome, FailureOutcome::AlreadyLocked);
        assert_eq!(still, locked);
    }

    #[test]
    fn l3_success_resets_the_count() {
        let (state, _) = LockState::Unlocked { failures: 9 }.record_failure(t0());
        assert!(state.is_locked());
        let state = LockState::Unlocked { failures: 9 }
            .record_success()
            .unwrap();
        assert_eq!(state.failures(), 0);
    }

    #[test]
    fn l4_a_locked_account_refuses_success_until_unlocked() {
        let locked = LockState::Locked { since: t0() };
        assert_eq!(locked.record_success(), Err(IsLocked));
        assert_eq!(locked.unlock(), LockState::Unlocked { failures: 0 });
    }

    #[test]
    fn stored_columns_round_trip() {
        assert_eq!(
            LockState::from_stored(3, None, t0()),
            LockState::Unlocked { failures: 3 }
        );
        assert!(LockState::from_stored(10, None, t0()).is_locked());
        assert_eq!(
            LockState::from_stored(10, Some(t0()), t0()).locked_since(),
            Some(t0())
        );
        assert_eq!(LockState::from_stored(-4, None, t0()).failures(), 0);
    }
}
