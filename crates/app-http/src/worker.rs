//! The outbox worker (X6): resolves queued "forgot password" requests (P3) and delivers due
//! mail, every few seconds and whenever a request wakes it, until shutdown. A request never
//! waits for SMTP; a mail server that is down only delays delivery.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use auth_core::flows::Auth;
use auth_core::ports::Mailer;

/// How often the outbox is looked at.
pub const DELIVERY_INTERVAL: Duration = Duration::from_secs(2);
/// Most mails sent per round.
pub const DELIVERY_BATCH: u32 = 50;
/// Most "forgot password" requests resolved per round.
pub const RESET_REQUEST_BATCH: u32 = 50;

/// Forgets stale rate-limit state every minute until `shutdown` turns true.
pub async fn prune_rate_limits(state: crate::state::AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => state.prune_rate_limits().await,
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// Delivery rounds in flight at once. A round whose mail server stalls keeps running (each
/// mail is bounded by the mailer's timeout) while the next tick starts another round, which
/// claims the mails queued since: the stalled ones are leased and not claimed twice (X6).
pub const ROUNDS_IN_FLIGHT: usize = 4;

/// Runs rounds until `shutdown` turns true, then waits for the rounds in flight. A round first
/// resolves queued "forgot password" requests (P3: their tickets and mails are written here,
/// off the request path), then delivers due mail. A round starts every
/// [`DELIVERY_INTERVAL`], and at once when `wake` is notified (a request queued work).
pub async fn run(
    auth: Auth,
    mailer: Arc<dyn Mailer>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut rounds = tokio::task::JoinSet::new();
    loop {
        // Collect the rounds that finished; start one more if there is room.
        while rounds.try_join_next().is_some() {}
        if rounds.len() < ROUNDS_IN_FLIGHT {
            let auth = auth.clone();
            let mailer = mailer.clone();
            rounds.spawn(async move { deliver_round(&auth, mailer.as_ref()).await });
        }
        tokio::select! {
            _ = tokio::time::sleep(DELIVERY_INTERVAL) => {}
            _ = wake.notified() => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
    while rounds.join_next().await.is_some() {}
}

/// One round, logged: reset requests, then due mail.
async fn deliver_round(auth: &Auth, mailer: &dyn Mailer) {
    // Requests first, so a reset mail goes out in the same round its request is resolved.
    if let Err(e) = auth.process_reset_requests(RESET_REQUEST_BATCH).await {
        tracing::warn!(error = %e, "resolving reset requests failed; will retry");
    }
    match auth.deliver_due_mail(mailer, DELIVERY_BATCH).await {
        Ok(report) => {
            if report.sent > 0 || report.retrying > 0 {
                tracing::info!(
                    sent = report.sent,
                    retrying = report.retrying,
                    "outbox delivery"
                );
            }
            if report.abandoned > 0 {
                tracing::error!(
                    abandoned = report.abandoned,
                    "mail abandoned after repeated failures; see `tobira mail list`"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "outbox delivery failed; will retry"),
    }
}
