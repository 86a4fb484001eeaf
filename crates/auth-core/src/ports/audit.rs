use async_trait::async_trait;

use crate::domain::AuditEvent;

/// The audit trail (X1).
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Records one event. It cannot fail its caller: the change it reports has already
    /// happened. An implementation that cannot write MUST report that to operators itself
    /// (log, metric) rather than drop it silently.
    async fn record(&self, event: AuditEvent);
}
