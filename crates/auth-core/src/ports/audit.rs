use async_trait::async_trait;

use chrono::{DateTime, Utc};

use crate::domain::{AccountId, AuditEvent, AuditKind, ContractId};

/// The audit trail (X1).
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Records one event. It cannot fail its caller: the change it reports has already
    /// happened. An implementation that cannot write MUST report that to operators itself
    /// (log, metric) rather than drop it silently.
    async fn record(&self, event: AuditEvent);

    /// The newest `limit` events of a contract, newest first, for its owner and admins (X1).
    /// Events of other contracts are never returned (X7).
    async fn events_of(&self, contract: ContractId, limit: usize) -> Vec<AuditEvent>;

    /// One page of a contract's events, newest first (by time, then by order of recording),
    /// filtered by account and kind, starting after `query.before` (X1, X7). `older` is the
    /// cursor of the next page when there may be one.
    async fn events_page(&self, query: &AuditQuery) -> AuditPage;
}

/// Which events of a contract to read, one page at a time.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// The contract; no other contract's event is ever returned (X7).
    pub contract: ContractId,
    /// Only this account's events.
    pub account: Option<AccountId>,
    /// Only events of this kind (its fields are ignored: `SignInFailed` of any reason).
    pub kind: Option<AuditKind>,
    /// Only events older than this position (the previous page's `older`).
    pub before: Option<AuditCursor>,
    /// At most this many events.
    pub limit: usize,
}

/// A page of events and where the next, older page starts.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    /// The events, newest first.
    pub events: Vec<AuditEvent>,
    /// The cursor of the next, older page; `None` when this page is the last.
    pub older: Option<AuditCursor>,
}

/// A position in the audit trail: an event's time and its order of recording (store-given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    /// The event's time.
    pub at: DateTime<Utc>,
    /// The event's order of recording among events of the same time.
    pub seq: i64,
}

impl AuditCursor {
    /// Whether an event at (`at`, `seq`) comes after this position, i.e. is older.
    pub fn precedes(&self, at: DateTime<Utc>, seq: i64) -> bool {
        at < self.at || (at == self.at && seq < self.seq)
    }

    /// The cursor as text for a link: `<nanoseconds since 1970>.<seq>`.
    pub fn to_text(&self) -> String {
        let nanos = self
            .at
            .timestamp_nanos_opt()
            .unwrap_or_else(|| self.at.timestamp_micros().saturating_mul(1000));
        format!("{nanos}.{}", self.seq)
    }

    /// Reads [`AuditCursor::to_text`]'s form; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (nanos, seq) = text.trim().split_once('.')?;
        let nanos: i64 = nanos.parse().ok()?;
        Some(Self {
            at: DateTime::from_timestamp_nanos(nanos),
            seq: seq.parse().ok()?,
        })
    }
}

/// Whether two kinds are the same kind of event, whatever their fields.
pub fn same_audit_kind(a: &AuditKind, b: &AuditKind) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_audit_cursors_read_back_and_refuse_other_text() {
        let at = DateTime::from_timestamp_nanos(1_790_000_000_123_456_789);
        let c = AuditCursor { at, seq: 42 };
        assert_eq!(AuditCursor::parse(&c.to_text()), Some(c));
        for bad in ["", "1.2.3", "x.1", "1.", ".1", "99999999999999999999.1"] {
            assert_eq!(AuditCursor::parse(bad), None, "{bad}");
        }
        assert!(c.precedes(at, 41));
        assert!(!c.precedes(at, 42));
        assert!(c.precedes(at - chrono::Duration::nanoseconds(1), 99));
    }
}
