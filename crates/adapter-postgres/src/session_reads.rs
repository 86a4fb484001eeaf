//! Session lookups that arrive together are read together: one query
//! (`token_hash = ANY(...)`) on one pooled connection answers every lookup queued while the
//! previous reads were in flight.
//!
//! The session check is the hot path of a service that asks tobira "who is this?" on every
//! request. Each store call costs a hop to a blocking thread and a database round trip; under
//! load those hops, not the query, dominate (a profile of `GET /api/session` showed most of
//! the time in thread wake-ups). Batching pays them once per batch instead of once per lookup.
//!
//! Nothing is cached: every lookup is answered by a query that started after the lookup was
//! queued, so a session ended (sign-out, revocation, removal) before a request arrived is never
//! seen by it, on any instance. At low load a lookup goes out alone, at once.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;
use tokio::sync::{Semaphore, mpsc, oneshot};

use auth_core::domain::Session;
use auth_core::ports::StoreError;

use crate::conn::Pool;
use crate::error;
use crate::rows::SessionRow;
use crate::schema::sessions;

/// Reads in flight at once. Each holds one pooled connection; the rest of the pool stays free
/// for other calls.
pub(crate) const READS_IN_FLIGHT: usize = 3;

/// Most lookups answered by one read.
pub(crate) const MAX_BATCH: usize = 64;

/// One queued lookup and where its answer goes.
struct Lookup {
    hash: Vec<u8>,
    reply: oneshot::Sender<Result<Option<Session>, StoreError>>,
}

/// The queue of session lookups of one store, served by a task of its own.
#[derive(Clone)]
pub(crate) struct SessionReads {
    queue: mpsc::UnboundedSender<Lookup>,
}

impl SessionReads {
    /// Starts the task that serves the queue on `pool`, in the current Tokio runtime. The task
    /// ends when the last clone of the returned handle is dropped.
    pub(crate) fn start(pool: Pool, in_flight: usize) -> Self {
        let (queue, lookups) = mpsc::unbounded_channel();
        tokio::spawn(serve(pool, lookups, in_flight.max(1)));
        Self { queue }
    }

    /// The session of `hash`, read by a query that starts after this call. `None` from
    /// the queue itself (its task is gone, for instance with the runtime that started it):
    /// the caller reads alone.
    pub(crate) async fn lookup(
        &self,
        hash: Vec<u8>,
    ) -> Option<Result<Option<Session>, StoreError>> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Lookup { hash, reply }).ok()?;
        answer.await.ok()
    }
}

async fn serve(pool: Pool, mut lookups: mpsc::UnboundedReceiver<Lookup>, in_flight: usize) {
    let slots = Arc::new(Semaphore::new(in_flight));
    loop {
        // Wait for a free slot first: lookups arriving meanwhile queue up and go together.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Some(first) = lookups.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match lookups.try_recv() {
                Ok(lookup) => batch.push(lookup),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            read(&pool, batch).await;
            drop(slot);
        });
    }
}

/// Reads the sessions of `batch` in one query and answers every lookup.
async fn read(pool: &Pool, batch: Vec<Lookup>) {
    let hashes: Vec<Vec<u8>> = batch.iter().map(|l| l.hash.clone()).collect();
    let rows = crate::run_on(pool, move |conn| {
        sessions::table
            .filter(sessions::token_hash.eq_any(hashes))
            .select(SessionRow::as_select())
            .load::<SessionRow>(conn)
            .map_err(error::db)
    })
    .await;
    match rows {
        Ok(rows) => {
            // Several lookups of one session (one browser's parallel requests) share its row.
            let by_hash: HashMap<Vec<u8>, Result<Session, StoreError>> = rows
                .into_iter()
                .map(|row| (row.token_hash().to_vec(), row.into_domain()))
                .collect();
            for lookup in batch {
                let answer = by_hash.get(&lookup.hash).cloned().transpose();
                let _ = lookup.reply.send(answer);
            }
        }
        Err(e) => {
            for lookup in batch {
                let _ = lookup.reply.send(Err(e.clone()));
            }
        }
    }
}
