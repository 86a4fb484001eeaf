//! The accept loop of one listener: HTTP/1.1 on hyper, with the limits a slow or hostile client
//! meets before any handler runs.
//!
//! - **Incomplete headers and idle keep-alive connections time out**: hyper's header-read
//!   timer runs whenever a connection waits for a request's head, which is both a request
//!   whose headers trickle in and a kept-alive connection with no next request; when it fires
//!   the connection is closed.
//! - **Concurrent connections are capped** per listener: a connection beyond the cap is not
//!   accepted until another closes (it waits in the kernel's listen backlog), so a flood of
//!   slow clients cannot exhaust file descriptors, and the connections already accepted are
//!   served as before.
//! - Shutdown stops accepting, lets requests in progress finish and closes idle connections.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// The connection limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct ServeSettings {
    /// Longest wait for a request's complete headers, and for the next request on a kept-alive
    /// connection.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` turns true (or its sender is dropped), then
/// waits for the connections to finish their requests. Each request carries the peer's
/// address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServeSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    let mut connections = tokio::task::JoinSet::new();
    while !*shutdown.borrow() {
        while connections.try_join_next().is_some() {}
        // Beyond the cap, wait for a connection to close before accepting another.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            changed = shutdown.changed() => if changed.is_err() { break } else { continue },
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was accepted: pause
                    // briefly instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            changed = shutdown.changed() => if changed.is_err() { break } else { continue },
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stop.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    while connections.join_next().await.is_some() {}
}
