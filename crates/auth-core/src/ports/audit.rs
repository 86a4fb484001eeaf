use async_trait::async_trait;

use crate::domain::{AuditEvent, ContractId};

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
}
