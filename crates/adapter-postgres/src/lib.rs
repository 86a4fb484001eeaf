//! # adapter-postgres
//!
//! tobira's durable store: every store port of `auth-core` (the [`Store`] traits: accounts,
//! tickets, sessions, the outbox, second factors, contracts and lines, invitations) and the
//! [`AuditLog`], on **PostgreSQL** (production) and **SQLite** (the zero-configuration embedded
//! default, compiled in), through Diesel 2.
//!
//! The queries are written once, against a Diesel `MultiConnection` over both backends; only
//! connection set-up, migrations, the outbox's `FOR UPDATE SKIP LOCKED` and the advisory locks
//! of the SMS send log differ per backend.
//! Diesel is synchronous, so every call runs on a blocking thread of a bounded
//! [deadpool](deadpool) pool, never on the async executor.
//!
//! ```no_run
//! # async fn run() -> Result<(), adapter_postgres::MigrateError> {
//! use adapter_postgres::{DieselStore, PoolSettings};
//!
//! // "postgres://tobira@db.internal/tobira" in production.
//! let store = DieselStore::connect("sqlite://data/tobira.db", PoolSettings::default()).await?;
//! store.migrate().await?;
//! # Ok(()) }
//! ```
//!
//! ## Atomicity
//!
//! Every port contract is met in SQL, not in Rust: the failure count is one conditional
//! `UPDATE ... RETURNING` (and the unlock ticket and mail are written in the same transaction
//! only when that statement produced the lock); tickets are consumed by one conditional
//! `UPDATE ... WHERE unused AND unexpired RETURNING`; a TOTP step, a recovery code, a pending
//! sign-in and a remembered browser are each spent by one conditional statement; compound
//! changes are one transaction each; e-mail keys, identity bindings and line numbers are unique
//! indexes. `docs/store.md` describes each contract.
//!
//! ## Errors
//!
//! Connection, pool and timeout failures are [`StoreError::Unavailable`] (nothing was
//! changed: a transaction that cannot commit rolls back); uniqueness and reference failures
//! are [`StoreError::Conflict`]; a row that is not a valid domain value is
//! [`StoreError::Corrupt`]. Nothing panics. A connection that failed is dropped and the pool
//! opens a new one, so the store recovers by itself when the database comes back.
//!
//! ## Security
//!
//! - Session, ticket, pending sign-in and remembered-browser tokens are stored only as SHA-256
//!   hashes; SMS codes as salted SHA-256; recovery codes as the Argon2id hashes the core hands
//!   in.
//! - A TOTP secret is stored as it is (codes are verified against it), in the enrolment and,
//!   while offered and unconfirmed, in the pending sign-in's stage.
//! - Audit events hold no secrets; an event that cannot be stored is logged (`tracing`, at
//!   error level) instead.
//! - A queued mail that carries a ticket link keeps the token in its outbox row (the worker
//!   needs it to send the mail); the token is erased from the row as soon as the mail is
//!   recorded as sent. Mails not yet sent, or abandoned, still hold it: protect the database
//!   and its backups accordingly.
//! - Passwords exist only as the PHC hashes the core hands in.
//! - Error messages carry the kind of failure and the database's primary message, never SQL
//!   text or row values; still, they are for logs, not for users.
//! - SQL is built by Diesel with bound parameters only.

mod audit;
mod conn;
mod details;
mod directory;
mod error;
mod federation;
mod mail;
mod rate_limits;
mod reset_requests;
mod rows;
mod schema;
mod second_factor;
mod session_reads;
mod sql_types;
mod store;

use auth_core::ports::{AuditLog, Store, StoreError};
use deadpool::managed::Object;
use diesel::RunQueryDsl;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use conn::{Backend, PoolSettings};

use conn::{AnyConnection, Pool, Target};

/// The PostgreSQL schema migrations, embedded in the binary.
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// The SQLite schema migrations, embedded in the binary.
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serialises concurrent `migrate` calls.
const MIGRATION_LOCK_KEY: i64 = 0x746f_6269_7261; // "tobira"

/// Migrating the schema failed or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The database has migrations applied that this binary does not know: a newer version
    /// of tobira migrated it. This binary must not serve it (its queries may not match the
    /// schema); run the newer version, or restore the schema.
    #[error(
        "the database schema is newer than this binary: applied migrations {} are unknown to it; \
         run a tobira version that knows them",
        unknown.join(", ")
    )]
    NewerSchema {
        /// The unknown applied versions, newest first.
        unknown: Vec<String>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The applied migration versions of `conn` that `known` does not contain, newest first.
fn unknown_versions<DB, C>(
    conn: &mut C,
    known: EmbeddedMigrations,
) -> diesel::migration::Result<Vec<String>>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: Vec<String> = known
        .migrations()?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    Ok(conn
        .applied_migrations()?
        .iter()
        .map(ToString::to_string)
        .filter(|v| !known.contains(v))
        .collect())
}

fn migration_failed(e: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Unavailable(format!("migration failed: {e}"))
}

/// Every store port of the core on PostgreSQL or SQLite. Cheap to clone (clones share the
/// pool).
#[derive(Clone)]
pub struct DieselStore {
    pool: Pool,
    backend: Backend,
    /// Session lookups, read in batches (the hot path of session checks).
    session_reads: session_reads::SessionReads,
    #[cfg(feature = "testing")]
    guard: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for DieselStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselStore")
            .field("backend", &self.backend)
            .field("pool", &self.pool.status())
            .finish_non_exhaustive()
    }
}

impl DieselStore {
    /// Connects to `url`: `postgres://...` / `postgresql://...` for PostgreSQL, `sqlite://PATH`
    /// or a plain file path for SQLite (the file is created if missing). Opens one connection
    /// to check that the database answers.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be reached;
    /// [`StoreError::Conflict`] when the URL names no supported backend.
    pub async fn connect(url: &str, settings: PoolSettings) -> Result<Self, StoreError> {
        let target = Target::parse(url, settings.connect_timeout)?;
        let backend = target.backend();
        let pool = conn::build_pool(target, settings)?;
        drop(pool.get().await.map_err(error::pool)?);
        let reads = session_reads::READS_IN_FLIGHT.min(settings.max_size.max(1));
        let session_reads = session_reads::SessionReads::start(pool.clone(), reads);
        Ok(Self {
            pool,
            backend,
            session_reads,
            #[cfg(feature = "testing")]
            guard: None,
        })
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every pending schema migration (embedded in the binary) and returns the
    /// versions applied. Safe to call at every start; on PostgreSQL concurrent callers wait
    /// for each other (advisory lock).
    ///
    /// Refuses a database that has migrations applied which this binary does not know (a
    /// newer version of tobira migrated it): nothing is applied then, and the error names them.
    ///
    /// # Errors
    /// [`MigrateError::NewerSchema`] for unknown applied versions;
    /// [`MigrateError::Store`] ([`StoreError::Unavailable`]) when the database cannot be
    /// reached or a migration fails; then the failed migration was rolled back.
    pub async fn migrate(&self) -> Result<Vec<String>, MigrateError> {
        let outcome = self
            .run(|conn| {
                let applied = match conn {
                    AnyConnection::Postgresql(pg) => {
                        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                            .execute(pg)
                            .map_err(error::db)?;
                        let applied = unknown_versions(pg, POSTGRES_MIGRATIONS).and_then(|u| {
                            if u.is_empty() {
                                pg.run_pending_migrations(POSTGRES_MIGRATIONS)
                                    .map(|v| Ok(v.iter().map(ToString::to_string).collect()))
                            } else {
                                Ok(Err(u))
                            }
                        });
                        diesel::sql_query(format!(
                            "SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"
                        ))
                        .execute(pg)
                        .map_err(error::db)?;
                        applied.map_err(migration_failed)?
                    }
                    AnyConnection::Sqlite(lite) => unknown_versions(lite, SQLITE_MIGRATIONS)
                        .and_then(|u| {
                            if u.is_empty() {
                                lite.run_pending_migrations(SQLITE_MIGRATIONS)
                                    .map(|v| Ok(v.iter().map(ToString::to_string).collect()))
                            } else {
                                Ok(Err(u))
                            }
                        })
                        .map_err(migration_failed)?,
                };
                Ok(applied)
            })
            .await?;
        outcome.map_err(|unknown| MigrateError::NewerSchema { unknown })
    }

    /// The versions applied to the database that this binary does not know (empty when the
    /// schema is one this binary can serve, possibly with migrations still to apply).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the database cannot be read.
    pub async fn unknown_migrations(&self) -> Result<Vec<String>, StoreError> {
        self.run(|conn| {
            match conn {
                AnyConnection::Postgresql(pg) => unknown_versions(pg, POSTGRES_MIGRATIONS),
                AnyConnection::Sqlite(lite) => unknown_versions(lite, SQLITE_MIGRATIONS),
            }
            .map_err(migration_failed)
        })
        .await
    }

    /// Runs `f` with a pooled connection on a blocking thread. A connection whose call failed
    /// as unavailable is dropped instead of returned to the pool.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        run_on(&self.pool, f).await
    }
}

/// Runs `f` with a connection of `pool` on a blocking thread. A connection whose call failed
/// as unavailable is dropped instead of returned to the pool.
pub(crate) async fn run_on<T, F>(pool: &Pool, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let obj = pool.get().await.map_err(error::pool)?;
    let result = obj
        .interact(f)
        .await
        .map_err(|_| StoreError::Unavailable("the database call was interrupted".into()))?;
    if matches!(result, Err(StoreError::Unavailable(_))) {
        drop(Object::take(obj));
    }
    result
}

#[cfg(feature = "testing")]
impl DieselStore {
    /// Keeps `guard` alive as long as any clone of this store (for tests: a temporary file or
    /// schema that is removed when the guard drops).
    pub fn with_guard(mut self, guard: impl std::any::Any + Send + Sync) -> Self {
        self.guard = Some(std::sync::Arc::new(guard));
        self
    }

    /// The ticket token still stored with a queued mail, if any (for tests of its erasure).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn stored_link_token(
        &self,
        mail: auth_core::domain::MailId,
    ) -> Result<Option<String>, StoreError> {
        use diesel::prelude::*;
        let id = sql_types::Id(mail.as_uuid());
        self.run(move |conn| {
            schema::outbox::table
                .filter(schema::outbox::id.eq(id))
                .select(schema::outbox::link_token)
                .first::<Option<String>>(conn)
                .optional()
                .map(Option::flatten)
                .map_err(error::db)
        })
        .await
    }
}

/// Compile-time proof that the store implements every store port and the audit trail.
const _: fn() = || {
    fn ports<T: Store + AuditLog>() {}
    ports::<DieselStore>();
};
