//! The two column types the backends store differently, written once for both.
//!
//! [`Instant`] is `timestamptz` on PostgreSQL and fixed-width UTC text on SQLite
//! (`2026-04-01T09:00:00.000000Z`: text order is time order, so `<`, `>` and `ORDER BY` in SQL
//! are correct). [`Uuid`] is `uuid` on PostgreSQL and lower-case hyphenated text on SQLite.
//! Both are precise to the microsecond (PostgreSQL's resolution); finer parts are dropped.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, SqlType, Text, Timestamptz};
use diesel::sqlite::Sqlite;

use crate::conn::MultiBackend;

/// An instant in UTC: `timestamptz` on PostgreSQL, fixed-width UTC text on SQLite.
#[derive(Debug, Clone, Copy, Default, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
#[allow(unreachable_pub)] // `table!` columns name it in their (crate-private) public API.
pub struct Instant;

/// A UUID: `uuid` on PostgreSQL, hyphenated text on SQLite.
#[derive(Debug, Clone, Copy, Default, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
#[allow(unreachable_pub)] // `table!` columns name it in their (crate-private) public API.
pub struct Uuid;

/// A value of SQL type [`Instant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Instant)]
pub(crate) struct At(pub(crate) DateTime<Utc>);

/// A value of SQL type [`Uuid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Uuid)]
pub(crate) struct Id(pub(crate) uuid::Uuid);

impl At {
    /// The SQLite text form: RFC 3339, microseconds, `Z`, four-digit year.
    fn to_text(self) -> Result<String, &'static str> {
        let year = chrono::Datelike::year(&self.0);
        if !(0..=9999).contains(&year) {
            return Err("an instant outside the years 0000-9999 cannot be stored");
        }
        Ok(self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

// ---- PostgreSQL: delegate to Diesel's own impls.

impl ToSql<Instant, Pg> for At {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Instant, Pg> for At {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(bytes).map(At)
    }
}

impl ToSql<Uuid, Pg> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <uuid::Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Uuid, Pg> for Id {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(Id)
    }
}

// ---- SQLite: text.

impl ToSql<Instant, Sqlite> for At {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_text()?);
        Ok(IsNull::No)
    }
}

impl FromSql<Instant, Sqlite> for At {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        let at = DateTime::parse_from_rfc3339(&text)?;
        Ok(At(at.with_timezone(&Utc)))
    }
}

impl ToSql<Uuid, Sqlite> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<Uuid, Sqlite> for Id {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        Ok(Id(uuid::Uuid::parse_str(&text)?))
    }
}

// ---- The derived multi-backend: dispatch to the impls above.

impl HasSqlType<Instant> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Instant>(lookup)
    }
}

impl HasSqlType<Uuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Uuid>(lookup)
    }
}

impl FromSql<Instant, MultiBackend> for At {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<At, Instant>()
    }
}

impl ToSql<Instant, MultiBackend> for At {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Instant, self));
        Ok(IsNull::No)
    }
}

impl FromSql<Uuid, MultiBackend> for Id {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Id, Uuid>()
    }
}

impl ToSql<Uuid, MultiBackend> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Uuid, self));
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn sqlite_text_sorts_like_time() {
        let t0 = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
        let times = [
            t0,
            t0 + Duration::microseconds(1),
            t0 + Duration::milliseconds(500),
            t0 + Duration::seconds(1),
            t0 + Duration::days(400),
        ];
        let texts: Vec<String> = times.iter().map(|t| At(*t).to_text().unwrap()).collect();
        assert_eq!(texts[0], "2026-04-01T09:00:00.000000Z");
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(sorted, texts);
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert!(At(far).to_text().is_err());
    }
}
