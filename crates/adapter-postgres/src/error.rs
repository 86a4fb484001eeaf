//! Driver errors to [`StoreError`]. Messages carry the kind of failure and the database's
//! primary message, never SQL text or row values.

use auth_core::domain::TicketError;
use auth_core::ports::{ChangeRefused, StoreError};
use deadpool::managed::PoolError;
use diesel::result::{DatabaseErrorKind, Error};

use crate::conn::ConnectError;

/// Maps a Diesel error.
pub(crate) fn db(e: Error) -> StoreError {
    match e {
        Error::DatabaseError(kind, info) => {
            let message = info.message().to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation
                | DatabaseErrorKind::SerializationFailure => StoreError::Conflict(message),
                // Closed connections, server shutdown, "database is locked" past the busy
                // timeout, read-only standbys and anything unknown: the caller may retry.
                _ => StoreError::Unavailable(format!("database error: {message}")),
            }
        }
        Error::DeserializationError(e) => {
            StoreError::Corrupt(format!("a stored value cannot be read: {e}"))
        }
        Error::NotFound => StoreError::Corrupt("an expected row is missing".into()),
        Error::SerializationError(e) => {
            StoreError::Conflict(format!("a value cannot be stored: {e}"))
        }
        Error::QueryBuilderError(_) => StoreError::Conflict("a query could not be built".into()),
        other => StoreError::Unavailable(format!("database transaction failed: {other}")),
    }
}

/// Maps a failure to get a connection from the pool.
pub(crate) fn pool(e: PoolError<ConnectError>) -> StoreError {
    match e {
        PoolError::Timeout(_) => {
            StoreError::Unavailable("timed out waiting for a database connection".into())
        }
        PoolError::Backend(e) => StoreError::Unavailable(e.to_string()),
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        other => StoreError::Unavailable(format!("no database connection: {other}")),
    }
}

/// What a transaction can end with besides success: a driver error, a store error, a
/// business refusal, or a condition that did not hold. Any of them rolls the transaction back.
#[derive(Debug)]
pub(crate) enum TxError {
    Db(Error),
    Store(StoreError),
    Ticket(TicketError),
    Refused(ChangeRefused),
    /// A conditional change found its condition false: nothing applies (the port answers
    /// `false`).
    NotApplied,
}

impl From<Error> for TxError {
    fn from(e: Error) -> Self {
        Self::Db(e)
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Splits a transaction's outcome into the port's nested result.
pub(crate) fn ticket_outcome<T>(
    r: Result<T, TxError>,
) -> Result<Result<T, TicketError>, StoreError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(TxError::Ticket(t)) => Ok(Err(t)),
        Err(TxError::Store(e)) => Err(e),
        Err(TxError::Db(e)) => Err(db(e)),
        Err(TxError::Refused(_) | TxError::NotApplied) => {
            Err(StoreError::Conflict("unexpected refusal".into()))
        }
    }
}

/// Splits a transaction's outcome into the port's nested result for account changes.
pub(crate) fn change_outcome<T>(
    r: Result<T, TxError>,
) -> Result<Result<T, ChangeRefused>, StoreError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(TxError::Ticket(t)) => Ok(Err(ChangeRefused::Ticket(t))),
        Err(TxError::Refused(c)) => Ok(Err(c)),
        Err(TxError::Store(e)) => Err(e),
        Err(TxError::Db(e)) => Err(db(e)),
        Err(TxError::NotApplied) => Err(StoreError::Conflict("unexpected refusal".into())),
    }
}

/// A conditional transaction's outcome: whether it applied.
pub(crate) fn applied(r: Result<(), TxError>) -> Result<bool, StoreError> {
    match r {
        Ok(()) => Ok(true),
        Err(TxError::NotApplied) => Ok(false),
        Err(other) => plain(Err(other)),
    }
}

/// A transaction's outcome when it has no business refusal.
pub(crate) fn plain<T>(r: Result<T, TxError>) -> Result<T, StoreError> {
    match r {
        Ok(v) => Ok(v),
        Err(TxError::Db(e)) => Err(db(e)),
        Err(TxError::Store(e)) => Err(e),
        Err(TxError::Ticket(_) | TxError::Refused(_) | TxError::NotApplied) => {
            Err(StoreError::Conflict("unexpected refusal".into()))
        }
    }
}

/// Whether a statement failed on a unique index whose name (PostgreSQL) or first column's
/// qualified name (SQLite, which names columns, not indexes) contains one of `names`.
fn unique_violation_on(e: &Error, names: &[&str]) -> bool {
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => names.iter().any(|n| {
            info.constraint_name().is_some_and(|c| c.contains(n)) || info.message().contains(n)
        }),
        _ => false,
    }
}

/// Whether a statement failed on any unique index or primary key.
pub(crate) fn is_unique_violation(e: &Error) -> bool {
    matches!(
        e,
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether an insert or update failed on the e-mail key's unique index (E3).
pub(crate) fn is_email_taken(e: &Error) -> bool {
    unique_violation_on(e, &["email_key"])
}

/// Whether an insert or update failed on an identity binding's unique index (L7, L8):
/// `accounts_federated_identity_unique` (`accounts.provider, accounts.subject` on SQLite) or
/// `accounts_ad_identity_unique` (`accounts.connection_id, accounts.subject`).
pub(crate) fn is_identity_taken(e: &Error) -> bool {
    unique_violation_on(e, &["_identity_unique", "accounts.subject"])
}
