//! Connections: one Diesel `MultiConnection` over PostgreSQL and SQLite, the URL that picks the
//! backend, and the deadpool manager that opens, checks and recycles connections on blocking
//! threads.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use deadpool::Runtime;
use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use crate::StoreError;

/// A connection to either backend. Queries are written once against its `MultiBackend`; the
/// few backend-specific steps (connection set-up, migrations, `SKIP LOCKED`) match on the
/// variant.
#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    /// PostgreSQL (production).
    Postgresql(PgConnection),
    /// SQLite (embedded default).
    Sqlite(SqliteConnection),
}

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// PostgreSQL, from a `postgres://` or `postgresql://` URL.
    Postgres,
    /// SQLite, from a `sqlite://path` URL or a plain file path.
    Sqlite,
}

/// Where to connect, parsed from the URL.
#[derive(Clone)]
pub(crate) enum Target {
    Postgres(String),
    Sqlite {
        path: String,
        busy_timeout: Duration,
    },
}

impl Target {
    /// Parses a database URL. PostgreSQL URLs get a `connect_timeout` (whole seconds, at least
    /// one) unless they name one.
    pub(crate) fn parse(url: &str, connect_timeout: Duration) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if url.contains("connect_timeout=") {
                return Ok(Self::Postgres(url.to_owned()));
            }
            let secs = connect_timeout.as_secs().max(1);
            let sep = if url.contains('?') { '&' } else { '?' };
            return Ok(Self::Postgres(format!("{url}{sep}connect_timeout={secs}")));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") || path == ":memory:" {
            return Err(StoreError::Conflict(
                "the database URL must be postgres://..., sqlite://PATH or a file path".into(),
            ));
        }
        Ok(Self::Sqlite {
            path: path.to_owned(),
            busy_timeout: connect_timeout,
        })
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite { .. } => Backend::Sqlite,
        }
    }

    /// Opens one connection (blocking).
    fn establish(&self) -> Result<AnyConnection, ConnectError> {
        match self {
            Self::Postgres(url) => Ok(AnyConnection::Postgresql(PgConnection::establish(url)?)),
            Self::Sqlite { path, busy_timeout } => {
                let mut conn = SqliteConnection::establish(path)?;
                // Writers wait for each other instead of failing at once; WAL lets readers run
                // beside a writer; foreign keys are off in SQLite unless asked for.
                let ms = busy_timeout.as_millis().max(1);
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {ms}; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                ))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// A blocking call on a connection did not complete (its thread was cancelled or panicked).
#[derive(Debug)]
pub(crate) struct Interrupted;

/// A pooled connection. Diesel is synchronous: every use runs on Tokio's blocking threads.
/// Dropping it never panics, inside a runtime or not (it is closed on a blocking thread when
/// a runtime is at hand, inline otherwise).
pub(crate) struct Conn {
    inner: Arc<Mutex<Option<AnyConnection>>>,
}

impl Conn {
    async fn open(target: Target) -> Result<Self, ConnectError> {
        let conn = tokio::task::spawn_blocking(move || target.establish())
            .await
            .map_err(|_| ConnectError::Interrupted)??;
        Ok(Self {
            inner: Arc::new(Mutex::new(Some(conn))),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub(crate) async fn interact<R, F>(&self, f: F) -> Result<R, Interrupted>
    where
        F: FnOnce(&mut AnyConnection) -> R + Send + 'static,
        R: Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().map_err(|_| Interrupted)?;
            let conn = guard.as_mut().ok_or(Interrupted)?;
            Ok(f(conn))
        })
        .await
        .map_err(|_| Interrupted)?
    }

    fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let inner = Arc::clone(&self.inner);
        let close = move || {
            drop(inner.lock().unwrap_or_else(PoisonError::into_inner).take());
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(close)),
            Err(_) => close(),
        }
    }
}

/// Why a connection could not be opened or kept.
#[derive(Debug)]
pub(crate) enum ConnectError {
    Connect(diesel::ConnectionError),
    Query(diesel::result::Error),
    Broken,
    Interrupted,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Connection errors from libpq name host and port, never a password.
            Self::Connect(e) => write!(f, "cannot connect: {}", e.to_string().trim()),
            Self::Query(e) => write!(f, "connection check failed: {e}"),
            Self::Broken => f.write_str("the connection was left in a broken state"),
            Self::Interrupted => f.write_str("opening the connection was interrupted"),
        }
    }
}

impl From<diesel::ConnectionError> for ConnectError {
    fn from(e: diesel::ConnectionError) -> Self {
        Self::Connect(e)
    }
}

impl From<diesel::result::Error> for ConnectError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Query(e)
    }
}

/// Opens connections on blocking threads and checks each one before handing it out again.
pub(crate) struct Manager {
    pub(crate) target: Target,
}

impl managed::Manager for Manager {
    type Type = Conn;
    type Error = ConnectError;

    async fn create(&self) -> Result<Self::Type, Self::Error> {
        Conn::open(self.target.clone()).await
    }

    async fn recycle(&self, obj: &mut Self::Type, _: &Metrics) -> RecycleResult<Self::Error> {
        if obj.is_poisoned() {
            return Err(RecycleError::message("connection mutex poisoned"));
        }
        // A connection left inside a transaction, or one the server dropped (restart,
        // fail-over), is discarded here; the pool opens a fresh one.
        let checked = obj
            .interact(|conn| -> Result<(), ConnectError> {
                if <AnyConnection as Connection>::TransactionManager::is_broken_transaction_manager(
                    conn,
                ) {
                    return Err(ConnectError::Broken);
                }
                diesel::sql_query("SELECT 1").execute(conn)?;
                Ok(())
            })
            .await;
        match checked {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(RecycleError::Backend(e)),
            Err(_) => Err(RecycleError::message("connection check was interrupted")),
        }
    }
}

/// The connection pool.
pub(crate) type Pool = managed::Pool<Manager>;

/// Size and timeouts of a store's connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_size: usize,
    /// Longest wait for a new connection to open (PostgreSQL `connect_timeout`, rounded up to
    /// whole seconds; on SQLite, the `busy_timeout` a writer waits for another).
    pub connect_timeout: Duration,
    /// Longest wait for a free connection from the pool.
    pub checkout_timeout: Duration,
}

impl Default for PoolSettings {
    /// 10 connections, 5 s to connect, 5 s to check out.
    fn default() -> Self {
        Self {
            max_size: 10,
            connect_timeout: Duration::from_secs(5),
            checkout_timeout: Duration::from_secs(5),
        }
    }
}

pub(crate) fn build_pool(target: Target, settings: PoolSettings) -> Result<Pool, StoreError> {
    Pool::builder(Manager { target })
        .max_size(settings.max_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(settings.checkout_timeout))
        .create_timeout(Some(settings.connect_timeout + Duration::from_secs(1)))
        .recycle_timeout(Some(settings.checkout_timeout))
        .build()
        .map_err(|e| StoreError::Unavailable(format!("cannot build the connection pool: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        let t = Duration::from_secs(3);
        let pg = Target::parse("postgres://u@h:5432/db", t).unwrap();
        assert!(
            matches!(pg, Target::Postgres(ref u) if u == "postgres://u@h:5432/db?connect_timeout=3")
        );
        let pg = Target::parse("postgresql://h/db?sslmode=require", t).unwrap();
        assert!(matches!(pg, Target::Postgres(ref u) if u.ends_with("&connect_timeout=3")));
        for (url, path) in [
            ("sqlite://data/tobira.db", "data/tobira.db"),
            ("sqlite:///var/lib/tobira.db", "/var/lib/tobira.db"),
            ("tobira.db", "tobira.db"),
        ] {
            assert!(
                matches!(Target::parse(url, t).unwrap(), Target::Sqlite { path: ref p, .. } if p == path)
            );
        }
        assert!(Target::parse("mysql://h/db", t).is_err());
        assert!(Target::parse("", t).is_err());
        assert!(Target::parse("sqlite://:memory:", t).is_err());
    }
}
