//! Rate-limit counters shared by every instance on the database (X5): one row per key, counted
//! by one `INSERT … ON CONFLICT DO UPDATE … RETURNING` that reads the database's clock, so
//! concurrent hits serialise on the row and the instances' clocks play no part.

use async_trait::async_trait;
use auth_core::ports::{RateLimitStore, StoreError};
use chrono::{DateTime, Duration, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::DieselStore;
use crate::conn::AnyConnection;
use crate::error;

/// The database's clock in microseconds since the Unix epoch, per backend.
pub(crate) const PG_NOW_US: &str = "(EXTRACT(EPOCH FROM now()) * 1000000)::bigint";
pub(crate) const SQLITE_NOW_US: &str =
    "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";

/// Counts one hit: a new key or an ended window starts a window at the database's time with
/// one hit; otherwise the window's hits grow by one (saturating).
fn count_sql(now: &str, key: &str, window: &str) -> String {
    format!(
        "INSERT INTO rate_limits (key, window_start_us, hits) VALUES ({key}, {now}, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start_us + {window} <= {now} THEN 1 \
                       ELSE MIN_HITS(rate_limits.hits) + 1 END, \
           window_start_us = CASE WHEN rate_limits.window_start_us + {window} <= {now} \
                                  THEN {now} ELSE rate_limits.window_start_us END \
         RETURNING hits"
    )
}

#[derive(diesel::QueryableByName)]
struct Micros {
    #[diesel(sql_type = BigInt)]
    us: i64,
}

/// The database's clock (on PostgreSQL, the current transaction's start), for leases that
/// several instances compare (X6): their own clocks play no part.
pub(crate) fn database_now(conn: &mut AnyConnection) -> diesel::QueryResult<DateTime<Utc>> {
    let row: Micros = match conn {
        AnyConnection::Postgresql(pg) => {
            diesel::sql_query(format!("SELECT {PG_NOW_US} AS us")).get_result(pg)
        }
        AnyConnection::Sqlite(lite) => {
            diesel::sql_query(format!("SELECT {SQLITE_NOW_US} AS us")).get_result(lite)
        }
    }?;
    DateTime::from_timestamp_micros(row.us).ok_or_else(|| {
        diesel::result::Error::DeserializationError("the database clock is out of range".into())
    })
}

#[derive(diesel::QueryableByName)]
struct Hits {
    #[diesel(sql_type = Integer)]
    hits: i32,
}

fn micros(d: Duration) -> i64 {
    d.num_microseconds().unwrap_or(i64::MAX).max(1)
}

#[async_trait]
impl RateLimitStore for DieselStore {
    async fn count_hit(&self, key: &str, window: Duration, limit: u32) -> Result<bool, StoreError> {
        let key = key.to_owned();
        let window = micros(window);
        let hits = self
            .run(move |conn| {
                let row: Hits = match conn {
                    AnyConnection::Postgresql(pg) => {
                        diesel::sql_query(count_sql(PG_NOW_US, "$1", "$2").replace(
                            "MIN_HITS(rate_limits.hits)",
                            "LEAST(rate_limits.hits, 2147483646)",
                        ))
                        .bind::<Text, _>(key)
                        .bind::<BigInt, _>(window)
                        .get_result(pg)
                    }
                    AnyConnection::Sqlite(lite) => {
                        diesel::sql_query(count_sql(SQLITE_NOW_US, "?1", "?2").replace(
                            "MIN_HITS(rate_limits.hits)",
                            "MIN(rate_limits.hits, 2147483646)",
                        ))
                        .bind::<Text, _>(key)
                        .bind::<BigInt, _>(window)
                        .get_result(lite)
                    }
                }
                .map_err(error::db)?;
                Ok(row.hits)
            })
            .await?;
        Ok(u32::try_from(hits).is_ok_and(|h| h <= limit))
    }

    async fn forget_rate_hits(&self, window: Duration) -> Result<u64, StoreError> {
        let window = micros(window).saturating_mul(2);
        self.run(move |conn| {
            let forgotten = match conn {
                AnyConnection::Postgresql(pg) => diesel::sql_query(format!(
                    "DELETE FROM rate_limits WHERE window_start_us + $1 <= {PG_NOW_US}"
                ))
                .bind::<BigInt, _>(window)
                .execute(pg),
                AnyConnection::Sqlite(lite) => diesel::sql_query(format!(
                    "DELETE FROM rate_limits WHERE window_start_us + ?1 <= {SQLITE_NOW_US}"
                ))
                .bind::<BigInt, _>(window)
                .execute(lite),
            }
            .map_err(error::db)?;
            Ok(forgotten as u64)
        })
        .await
    }
}
