//! Provider sign-ins in progress (L7): one row per round trip, keyed by the hash of its
//! `state`. Taking one is a `DELETE … RETURNING`, so of concurrent callbacks exactly one gets
//! it. What the round trip is for is this crate's own JSON document ([`PurposeDto`]).

use async_trait::async_trait;
use auth_core::domain::{
    ConnectionId, FederationPurpose, FederationRequest, Issuer, SessionId, SessionScope, TokenHash,
};
use auth_core::ports::{FederationStore, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::DieselStore;
use crate::error;
use crate::rows::{corrupt, token_hash, unsupported};
use crate::schema::{federation_requests, saml_assertions};
use crate::sql_types::At;

/// A round trip's purpose as stored. Tagged by `"type"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum PurposeDto {
    SignIn { scope: String },
    Invitation { ticket: String },
    OwnMethod { session: String },
    MethodChange { ticket: String },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex_hash(text: &str) -> Result<TokenHash, StoreError> {
    if text.len() != 64 {
        return Err(corrupt("federation ticket hash"));
    }
    let bytes: Result<Vec<u8>, _> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or(""), 16))
        .collect();
    token_hash(&bytes.map_err(|_| corrupt("federation ticket hash"))?)
}

fn encode(purpose: &FederationPurpose) -> Result<String, StoreError> {
    let dto = match purpose {
        FederationPurpose::SignIn { scope } => PurposeDto::SignIn {
            scope: scope.as_str().to_owned(),
        },
        FederationPurpose::Invitation { ticket } => PurposeDto::Invitation {
            ticket: hex(ticket.as_bytes()),
        },
        FederationPurpose::OwnMethod { session } => PurposeDto::OwnMethod {
            session: session.to_string(),
        },
        FederationPurpose::MethodChange { ticket } => PurposeDto::MethodChange {
            ticket: hex(ticket.as_bytes()),
        },
    };
    serde_json::to_string(&dto).map_err(|_| unsupported("federation purpose"))
}

fn decode(json: &str) -> Result<FederationPurpose, StoreError> {
    let dto: PurposeDto = serde_json::from_str(json).map_err(|_| corrupt("federation purpose"))?;
    Ok(match dto {
        PurposeDto::SignIn { scope } => FederationPurpose::SignIn {
            scope: SessionScope::from_name(&scope).ok_or_else(|| corrupt("federation scope"))?,
        },
        PurposeDto::Invitation { ticket } => FederationPurpose::Invitation {
            ticket: unhex_hash(&ticket)?,
        },
        PurposeDto::OwnMethod { session } => FederationPurpose::OwnMethod {
            session: SessionId::parse(&session).map_err(|_| corrupt("federation session"))?,
        },
        PurposeDto::MethodChange { ticket } => FederationPurpose::MethodChange {
            ticket: unhex_hash(&ticket)?,
        },
    })
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = federation_requests)]
struct RequestRow {
    state_hash: Vec<u8>,
    browser_hash: Vec<u8>,
    provider: String,
    purpose: String,
    created_at: At,
    expires_at: At,
}

impl RequestRow {
    fn from_domain(r: &FederationRequest) -> Result<Self, StoreError> {
        Ok(Self {
            state_hash: r.state.as_bytes().to_vec(),
            browser_hash: r.browser.as_bytes().to_vec(),
            provider: r.issuer.key(),
            purpose: encode(&r.purpose)?,
            created_at: At(r.created_at),
            expires_at: At(r.expires_at),
        })
    }

    fn into_domain(self) -> Result<FederationRequest, StoreError> {
        Ok(FederationRequest {
            state: token_hash(&self.state_hash)?,
            browser: token_hash(&self.browser_hash)?,
            issuer: Issuer::from_key(&self.provider).ok_or_else(|| corrupt("federation issuer"))?,
            purpose: decode(&self.purpose)?,
            created_at: self.created_at.0,
            expires_at: self.expires_at.0,
        })
    }
}

#[async_trait]
impl FederationStore for DieselStore {
    async fn insert_federation_request(
        &self,
        request: &FederationRequest,
    ) -> Result<(), StoreError> {
        let row = RequestRow::from_domain(request)?;
        let now = At(request.created_at);
        self.run(move |conn| {
            // Lapsed requests are swept as new ones arrive, so the table holds at most the
            // requests of the last validity period, whether or not their browsers return.
            diesel::delete(
                federation_requests::table.filter(federation_requests::expires_at.le(now)),
            )
            .execute(conn)
            .map_err(error::db)?;
            diesel::insert_into(federation_requests::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
                .map_err(error::db)
        })
        .await
    }

    async fn take_federation_request(
        &self,
        state: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Option<FederationRequest>, StoreError> {
        let hash = state.as_bytes().to_vec();
        let taken = self
            .run(move |conn| {
                // Lapsed requests go first; then the delete's returned row decides who takes.
                diesel::delete(
                    federation_requests::table.filter(federation_requests::expires_at.le(At(at))),
                )
                .execute(conn)
                .map_err(error::db)?;
                diesel::delete(
                    federation_requests::table.filter(federation_requests::state_hash.eq(hash)),
                )
                .returning((
                    federation_requests::state_hash,
                    federation_requests::browser_hash,
                    federation_requests::provider,
                    federation_requests::purpose,
                    federation_requests::created_at,
                    federation_requests::expires_at,
                ))
                .get_result::<RequestRow>(conn)
                .optional()
                .map_err(error::db)
            })
            .await?;
        taken.map(RequestRow::into_domain).transpose()
    }

    async fn claim_assertion(
        &self,
        connection: &ConnectionId,
        assertion: TokenHash,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let connection = connection.as_str().to_owned();
        let hash = assertion.as_bytes().to_vec();
        self.run(move |conn| {
            diesel::delete(saml_assertions::table.filter(saml_assertions::expires_at.le(At(at))))
                .execute(conn)
                .map_err(error::db)?;
            // The primary key decides between concurrent claimers: one insert lands.
            match diesel::insert_into(saml_assertions::table)
                .values((
                    saml_assertions::connection_id.eq(connection),
                    saml_assertions::assertion_hash.eq(hash),
                    saml_assertions::expires_at.eq(At(expires_at)),
                ))
                .execute(conn)
            {
                Ok(_) => Ok(true),
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => Ok(false),
                Err(e) => Err(error::db(e)),
            }
        })
        .await
    }
}
