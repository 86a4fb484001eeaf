//! Queued "forgot password" requests (P3, L5): one insert on the request path, leased claims
//! for the worker, a delete once resolved.

use auth_core::domain::{Channel, ChannelKind, ClientInfo, Email, LineNumber, ResetRequestId};
use auth_core::ports::{ResetRequest, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::conn::AnyConnection;
use crate::rows::corrupt;
use crate::schema::reset_requests;
use crate::sql_types::{At, Id};

/// The columns of a [`ResetRequestRow`], in its field order (`leased_until` stays in SQL).
const COLUMNS: (
    reset_requests::id,
    reset_requests::email,
    reset_requests::channel,
    reset_requests::line_number,
    reset_requests::client_address,
    reset_requests::user_agent,
    reset_requests::requested_at,
) = (
    reset_requests::id,
    reset_requests::email,
    reset_requests::channel,
    reset_requests::line_number,
    reset_requests::client_address,
    reset_requests::user_agent,
    reset_requests::requested_at,
);

/// A row of `reset_requests`.
#[derive(Queryable, Insertable)]
#[diesel(table_name = reset_requests)]
pub(crate) struct ResetRequestRow {
    id: Id,
    email: String,
    channel: String,
    line_number: Option<String>,
    client_address: Option<String>,
    user_agent: Option<String>,
    requested_at: At,
}

impl ResetRequestRow {
    pub(crate) fn from_domain(r: &ResetRequest) -> Self {
        Self {
            id: Id(r.id.as_uuid()),
            email: r.email.as_str().to_owned(),
            channel: r.client.channel.kind().as_str().to_owned(),
            line_number: match &r.client.channel {
                Channel::Line(line) => Some(line.as_str().to_owned()),
                Channel::Internet => None,
            },
            client_address: r.client.address.map(|a| a.to_string()),
            user_agent: r.client.user_agent.clone(),
            requested_at: At(r.requested_at),
        }
    }

    pub(crate) fn into_domain(self) -> Result<ResetRequest, StoreError> {
        let channel = match (ChannelKind::from_name(&self.channel), self.line_number) {
            (Some(ChannelKind::Internet), None) => Channel::Internet,
            (Some(ChannelKind::Line), Some(line)) => {
                Channel::Line(LineNumber::parse(&line).map_err(|_| corrupt("reset request line"))?)
            }
            _ => return Err(corrupt("reset request channel")),
        };
        let address = self
            .client_address
            .map(|a| a.parse().map_err(|_| corrupt("reset request address")))
            .transpose()?;
        Ok(ResetRequest {
            id: ResetRequestId::from_uuid(self.id.0),
            email: Email::parse(&self.email).map_err(|_| corrupt("reset request e-mail"))?,
            client: ClientInfo {
                channel,
                address,
                user_agent: self.user_agent,
            },
            requested_at: self.requested_at.0,
        })
    }
}

/// Leases up to `limit` requests free at `at` (never leased, or their lease ran out), oldest
/// first. The lease is one conditional update that re-checks freedom, so a row another claimer
/// leased meanwhile is skipped. On PostgreSQL the candidates are first locked `FOR UPDATE SKIP
/// LOCKED` in the same transaction (as the outbox claim does); on SQLite the read and the
/// update are separate statements (no transaction has to upgrade a read lock).
pub(crate) fn claim(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<ResetRequestRow>> {
    macro_rules! free {
        () => {
            reset_requests::leased_until
                .is_null()
                .or(reset_requests::leased_until.le(At(at)))
        };
    }
    macro_rules! candidates {
        () => {
            reset_requests::table
                .filter(free!())
                .order((reset_requests::requested_at.asc(), reset_requests::id.asc()))
                .limit(limit)
                .select(reset_requests::id)
        };
    }
    macro_rules! lease {
        ($ids:expr) => {
            diesel::update(
                reset_requests::table
                    .filter(reset_requests::id.eq_any($ids))
                    .filter(free!()),
            )
            .set(reset_requests::leased_until.eq(Some(At(until))))
            .returning(COLUMNS)
        };
    }
    match conn {
        AnyConnection::Postgresql(pg) => pg.transaction(|pg| {
            let ids: Vec<Id> = candidates!().for_update().skip_locked().load(pg)?;
            lease!(ids).get_results(pg)
        }),
        AnyConnection::Sqlite(_) => {
            let ids: Vec<Id> = candidates!().load(conn)?;
            lease!(ids).get_results(conn)
        }
    }
}
