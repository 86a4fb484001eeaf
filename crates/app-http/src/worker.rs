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

/// Runs rounds until `shutdown` turns true. A round first resolves queued "forgot password"
/// requests (P3: their tickets and mails are written here, off the request path), then
/// delivers due mail. A round starts every [`DELIVERY_INTERVAL`], and at once when `wake` is
/// notified (a request queued work).
///
/// Every [`Auth::lease_renewal`] (a third of the lease) the leases of the mails
/// being sent are renewed, so a slow send keeps its mail (X6). On shutdown no further mail is
/// sent; the sends in progress finish (their leases still renewed) and every mail claimed but
/// not sent is released, for another instance to send at once.
pub async fn run(
    auth: Auth,
    mailer: Arc<dyn Mailer>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut rounds = tokio::task::JoinSet::new();
    let mut renewal = tokio::time::interval(
        auth.lease_renewal()
            .to_std()
            .unwrap_or(Duration::from_secs(15)),
    );
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
            _ = renewal.tick() => renew_leases(&auth).await,
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
    auth.stop_delivery();
    loop {
        tokio::select! {
            finished = rounds.join_next() => if finished.is_none() { break },
            _ = renewal.tick() => renew_leases(&auth).await,
        }
    }
    match auth.release_mail_leases().await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "unsent mail released for other instances"),
        Err(e) => {
            tracing::warn!(error = %e, "releasing mail leases failed; they run out by themselves")
        }
    }
}

/// Renews the leases of the mails this instance is sending.
async fn renew_leases(auth: &Auth) {
    if let Err(e) = auth.renew_mail_leases().await {
        tracing::warn!(error = %e, "renewing mail leases failed; will retry");
    }
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
