//! Driver errors to [`StoreError`]. Messages carry the kind of failure and the database's
//! primary message, never SQL text or row values.

use auth_core::domain::TicketError;
use auth_core::ports::StoreError;
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

/// What a transaction can end with besides success: a driver error, a store error, or a
/// ticket's business refusal. Any of them rolls the transaction back.
#[derive(Debug)]
pub(crate) enum TxError {
    Db(Error),
    Store(StoreError),
    Ticket(TicketError),
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
    }
}

/// A transaction's outcome when it has no business refusal.
pub(crate) fn plain<T>(r: Result<T, TxError>) -> Result<T, StoreError> {
    match r {
        Ok(v) => Ok(v),
        Err(TxError::Db(e)) => Err(db(e)),
        Err(TxError::Store(e)) => Err(e),
        Err(TxError::Ticket(_)) => Err(StoreError::Conflict("unexpected ticket refusal".into())),
    }
}

/// Whether an insert failed on the e-mail key's unique index (E3).
pub(crate) fn is_email_taken(e: &Error) -> bool {
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name()
                .is_some_and(|n| n.contains("email_key"))
                || info.message().contains("email_key")
        }
        _ => false,
    }
}
