//! The audit trail as the app runs it (X1): every event goes to the structured log for
//! operators and to the store for owners and admins.

use std::sync::Arc;

use async_trait::async_trait;

use auth_core::domain::{AuditEvent, ContractId};
use auth_core::ports::AuditLog;

/// Logs each event and forwards it to the stored trail.
pub struct LoggedAudit {
    stored: Arc<dyn AuditLog>,
}

impl LoggedAudit {
    /// Logs, then stores in `stored`.
    pub fn new(stored: Arc<dyn AuditLog>) -> Self {
        Self { stored }
    }
}

#[async_trait]
impl AuditLog for LoggedAudit {
    async fn record(&self, event: AuditEvent) {
        tracing::info!(
            target: "tobira::audit",
            at = %event.at.to_rfc3339(),
            contract = ?event.contract.map(|c| c.to_string()),
            account = ?event.account.map(|a| a.to_string()),
            channel = event.channel.as_str(),
            client = ?event.client_address,
            kind = ?event.kind,
            "audit"
        );
        self.stored.record(event).await;
    }

    async fn events_of(&self, contract: ContractId, limit: usize) -> Vec<AuditEvent> {
        self.stored.events_of(contract, limit).await
    }
}
