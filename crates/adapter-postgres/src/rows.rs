//! Rows and their mapping to and from the core's domain types. Every read is parsed through the
//! domain's own constructors; a row that does not parse is [`StoreError::Corrupt`].

use auth_core::domain::{
    AccessRoute, Account, AccountId, AdConnection, AdProtocol, AdSettings, AdSubject, ChannelKind,
    ClientSecretText, ConnectionId, Contract, ContractId, ContractName, ContractStatus,
    DisplayName, Email, HttpsUrl, Locale, LockState, LoginMethod, MetadataDocument, PasswordHash,
    Plan, Provider, Role, SamlMetadataSource, Session, SessionId, SessionScope, Subject, Ticket,
    TicketPurpose, TicketState, TokenHash, TwoFactorPolicy,
};
use auth_core::ports::StoreError;
use diesel::prelude::*;

use crate::schema::{accounts, ad_connection_details, contracts, sessions, tickets};
use crate::sql_types::{At, Id};

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored {what} is not valid"))
}

pub(crate) fn unsupported(what: &str) -> StoreError {
    StoreError::Conflict(format!("this store version cannot store this {what}"))
}

pub(crate) fn token_hash(bytes: &[u8]) -> Result<TokenHash, StoreError> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| corrupt("token hash"))?;
    Ok(TokenHash::from_bytes(bytes))
}

// ---- contracts

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contracts)]
pub(crate) struct ContractRow {
    id: Id,
    name: String,
    plan: String,
    trial_started_at: Option<At>,
    two_factor: String,
    access_route: String,
    created_at: At,
    ad_connection_id: Option<String>,
    ad_metadata_url: Option<String>,
    ad_enabled_at: Option<At>,
    status: String,
    cancelled_at: Option<At>,
}

/// A contract's AD details as stored (D1): one row per contract with a connection.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone)]
#[diesel(table_name = ad_connection_details, treat_none_as_null = true)]
pub(crate) struct AdDetailsRow {
    contract_id: Id,
    protocol: String,
    subject: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    metadata_xml: Option<String>,
    metadata_read_at: Option<At>,
    turned_off_at: Option<At>,
    revision: i64,
}

/// The contract columns of an AD connection: ID, metadata URL (`''` for pasted metadata: an
/// older check requires a value whenever a connection exists) and start.
pub(crate) type AdContractColumns = (Option<String>, Option<String>, Option<At>);

/// The contract in `row`, with its AD details read in the same connection.
pub(crate) fn load_contract(
    conn: &mut crate::conn::AnyConnection,
    row: ContractRow,
) -> Result<Contract, StoreError> {
    let details = if row.ad_connection_id.is_some() {
        ad_connection_details::table
            .filter(ad_connection_details::contract_id.eq(row.id))
            .select(AdDetailsRow::as_select())
            .first(conn)
            .optional()
            .map_err(crate::error::db)?
    } else {
        None
    };
    row.into_domain(details)
}

impl AdDetailsRow {
    /// The row with its revision set to `revision`.
    pub(crate) fn at_revision(self, revision: i64) -> Self {
        Self { revision, ..self }
    }

    /// The revision the row was built from (the one a save compares with).
    pub(crate) fn revision(&self) -> i64 {
        self.revision
    }
}

impl AdDetailsRow {
    /// The rows of `contract`'s connection `ad`.
    pub(crate) fn of(contract: ContractId, ad: &AdConnection) -> (AdContractColumns, Self) {
        let (url, client_id, secret) = match &ad.settings.protocol {
            AdProtocol::Saml {
                metadata: SamlMetadataSource::Url(url),
            } => (url.as_str().to_owned(), None, None),
            AdProtocol::Saml {
                metadata: SamlMetadataSource::Pasted,
            } => (String::new(), None, None),
            AdProtocol::Oidc {
                discovery_url,
                client_id,
                client_secret,
            } => (
                discovery_url.as_str().to_owned(),
                Some(client_id.clone()),
                Some(client_secret.expose().to_owned()),
            ),
        };
        (
            (
                Some(ad.id.as_str().to_owned()),
                Some(url),
                Some(At(ad.enabled_at)),
            ),
            Self {
                contract_id: Id(contract.as_uuid()),
                protocol: ad.settings.protocol.kind_name().to_owned(),
                subject: ad.settings.subject.as_str().to_owned(),
                client_id,
                client_secret: secret,
                metadata_xml: ad.metadata.as_ref().map(|m| m.xml.clone()),
                metadata_read_at: ad.metadata.as_ref().map(|m| At(m.read_at)),
                turned_off_at: ad.turned_off_at.map(At),
                revision: i64::try_from(ad.revision).unwrap_or(i64::MAX),
            },
        )
    }

    /// The connection the contract's columns and these details hold.
    fn into_domain(
        self,
        id: String,
        url: String,
        enabled_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<AdConnection, StoreError> {
        let bad = || corrupt("AD connection");
        // A stored URL was checked when saved (plain http only where the operator allowed it).
        let parse_url = |u: &str| HttpsUrl::parse_allowing_http(u).map_err(|_| bad());
        let protocol = match self.protocol.as_str() {
            "saml" => AdProtocol::Saml {
                metadata: if url.is_empty() {
                    SamlMetadataSource::Pasted
                } else {
                    SamlMetadataSource::Url(parse_url(&url)?)
                },
            },
            "oidc" => AdProtocol::Oidc {
                discovery_url: parse_url(&url)?,
                client_id: self.client_id.ok_or_else(bad)?,
                client_secret: ClientSecretText::parse(&self.client_secret.ok_or_else(bad)?)
                    .map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        };
        let metadata = match (self.metadata_xml, self.metadata_read_at) {
            (Some(xml), Some(At(read_at))) => Some(MetadataDocument { xml, read_at }),
            (None, None) => None,
            _ => return Err(bad()),
        };
        Ok(AdConnection {
            id: ConnectionId::parse(&id).map_err(|_| corrupt("AD connection ID"))?,
            settings: AdSettings {
                protocol,
                subject: AdSubject::from_name(&self.subject).ok_or_else(bad)?,
            },
            metadata,
            enabled_at,
            turned_off_at: self.turned_off_at.map(|a| a.0),
            revision: u64::try_from(self.revision).map_err(|_| bad())?,
        })
    }
}

/// A contract's status as stored: its name and the cancellation time.
pub(crate) fn status_columns(
    status: ContractStatus,
) -> Result<(&'static str, Option<At>), StoreError> {
    match status {
        ContractStatus::Active => Ok(("active", None)),
        ContractStatus::Cancelled { at } => Ok(("cancelled", Some(At(at)))),
    }
}

impl ContractRow {
    pub(crate) fn from_domain(c: &Contract) -> Result<Self, StoreError> {
        // Only a trial has a start; every other plan is its kind name alone.
        let trial_started_at = match c.plan {
            Plan::FreeTrial { started_at } => Some(At(started_at)),
            Plan::Basic => None,
        };
        let (status, cancelled_at) = status_columns(c.status)?;
        let ((ad_connection_id, ad_metadata_url, ad_enabled_at), _) =
            c.ad.as_ref()
                .map(|ad| AdDetailsRow::of(c.id, ad))
                .map_or(((None, None, None), None), |(cols, d)| (cols, Some(d)));
        Ok(Self {
            id: Id(c.id.as_uuid()),
            name: c.name.as_str().to_owned(),
            plan: c.plan.kind_name().to_owned(),
            trial_started_at,
            two_factor: c.two_factor.as_str().to_owned(),
            access_route: c.access_route.as_str().to_owned(),
            created_at: At(c.created_at),
            ad_connection_id,
            ad_metadata_url,
            ad_enabled_at,
            status: status.to_owned(),
            cancelled_at,
        })
    }

    /// The contract, with its AD `details` row when it has a connection.
    pub(crate) fn into_domain(self, details: Option<AdDetailsRow>) -> Result<Contract, StoreError> {
        let plan = Plan::from_kind_name(&self.plan, self.trial_started_at.map(|a| a.0))
            .ok_or_else(|| corrupt("contract plan"))?;
        let ad = match (
            self.ad_connection_id,
            self.ad_metadata_url,
            self.ad_enabled_at,
            details,
        ) {
            (None, None, None, None) => None,
            (Some(id), Some(url), Some(At(enabled_at)), Some(details)) => {
                Some(details.into_domain(id, url, enabled_at)?)
            }
            _ => return Err(corrupt("AD connection")),
        };
        let status = match (self.status.as_str(), self.cancelled_at) {
            ("active", None) => ContractStatus::Active,
            ("cancelled", Some(At(at))) => ContractStatus::Cancelled { at },
            _ => return Err(corrupt("contract status")),
        };
        Ok(Contract {
            id: ContractId::from_uuid(self.id.0),
            name: ContractName::parse(&self.name).map_err(|_| corrupt("contract name"))?,
            plan,
            two_factor: TwoFactorPolicy::from_name(&self.two_factor)
                .ok_or_else(|| corrupt("two-factor policy"))?,
            access_route: AccessRoute::from_name(&self.access_route)
                .ok_or_else(|| corrupt("access route"))?,
            ad,
            status,
            created_at: self.created_at.0,
        })
    }
}

// ---- accounts

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub(crate) struct AccountRow {
    id: Id,
    contract_id: Id,
    email: String,
    email_key: String,
    display_name: String,
    role: String,
    locale: String,
    login_method: String,
    provider: Option<String>,
    connection_id: Option<String>,
    subject: Option<String>,
    password_hash: Option<String>,
    failures: i32,
    locked_at: Option<At>,
    created_at: At,
}

pub(crate) fn parse_locale(name: &str) -> Result<Locale, StoreError> {
    Locale::from_name(name).ok_or_else(|| corrupt("locale"))
}

pub(crate) fn parse_role(name: &str) -> Result<Role, StoreError> {
    Role::from_name(name).ok_or_else(|| corrupt("role"))
}

/// A login method as its stored columns: name, provider, connection, subject.
pub(crate) type MethodColumns = (&'static str, Option<String>, Option<String>, Option<String>);

pub(crate) fn method_columns(method: &LoginMethod) -> Result<MethodColumns, StoreError> {
    Ok(match method {
        LoginMethod::Password => ("password", None, None, None),
        LoginMethod::Federated { provider, subject } => (
            "federated",
            Some(provider.as_str().to_owned()),
            None,
            Some(subject.as_str().to_owned()),
        ),
        LoginMethod::ActiveDirectory {
            connection,
            subject,
        } => (
            "active-directory",
            None,
            Some(connection.as_str().to_owned()),
            Some(subject.as_str().to_owned()),
        ),
    })
}

impl AccountRow {
    pub(crate) fn from_domain(a: &Account) -> Result<Self, StoreError> {
        let (method, provider, connection, subject) = method_columns(&a.login_method)?;
        Ok(Self {
            id: Id(a.id.as_uuid()),
            contract_id: Id(a.contract.as_uuid()),
            email: a.email.as_str().to_owned(),
            email_key: a.email.key().to_owned(),
            display_name: a.display_name.as_str().to_owned(),
            role: a.role.as_str().to_owned(),
            locale: a.locale.as_str().to_owned(),
            login_method: method.to_owned(),
            provider,
            connection_id: connection,
            subject,
            password_hash: a.password_hash.as_ref().map(|h| h.as_phc().to_owned()),
            failures: i32::from(a.lock.failures()),
            locked_at: a.lock.locked_since().map(At),
            created_at: At(a.created_at),
        })
    }

    pub(crate) fn into_domain(self) -> Result<Account, StoreError> {
        let email = Email::parse(&self.email).map_err(|_| corrupt("e-mail address"))?;
        if email.key() != self.email_key {
            return Err(corrupt("e-mail key"));
        }
        let subject = || -> Result<Subject, StoreError> {
            Subject::parse(self.subject.as_deref().unwrap_or_default())
                .map_err(|_| corrupt("identity subject"))
        };
        let login_method = match self.login_method.as_str() {
            "password" => LoginMethod::Password,
            "federated" => LoginMethod::Federated {
                provider: self
                    .provider
                    .as_deref()
                    .and_then(Provider::from_name)
                    .ok_or_else(|| corrupt("identity provider"))?,
                subject: subject()?,
            },
            "active-directory" => LoginMethod::ActiveDirectory {
                connection: ConnectionId::parse(self.connection_id.as_deref().unwrap_or_default())
                    .map_err(|_| corrupt("AD connection ID"))?,
                subject: subject()?,
            },
            _ => return Err(corrupt("login method")),
        };
        let password_hash = self
            .password_hash
            .map(PasswordHash::from_phc)
            .transpose()
            .map_err(|_| corrupt("password hash"))?;
        Ok(Account {
            id: AccountId::from_uuid(self.id.0),
            contract: ContractId::from_uuid(self.contract_id.0),
            email,
            display_name: DisplayName::parse(&self.display_name)
                .map_err(|_| corrupt("display name"))?,
            role: parse_role(&self.role)?,
            locale: parse_locale(&self.locale)?,
            login_method,
            password_hash,
            // The schema's CHECK makes "threshold reached but not locked" impossible, so the
            // `now` fallback of `from_stored` is never used; the creation time stands in.
            lock: LockState::from_stored(
                i64::from(self.failures),
                self.locked_at.map(|a| a.0),
                self.created_at.0,
            ),
            created_at: self.created_at.0,
        })
    }
}

// ---- tickets

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets)]
pub(crate) struct TicketRow {
    hash: Vec<u8>,
    purpose: String,
    account_id: Id,
    new_email: Option<String>,
    issued_at: At,
    expires_at: At,
    used_at: Option<At>,
    voided_at: Option<At>,
}

impl TicketRow {
    /// The account the ticket is for.
    pub(crate) fn account_id(&self) -> Id {
        self.account_id
    }

    pub(crate) fn from_domain(t: &Ticket) -> Self {
        let (used_at, voided_at) = match t.state {
            TicketState::Unused => (None, None),
            TicketState::Used { at } => (Some(At(at)), None),
            TicketState::Voided { at } => (None, Some(At(at))),
        };
        Self {
            hash: t.hash.as_bytes().to_vec(),
            purpose: t.purpose.as_str().to_owned(),
            account_id: Id(t.account.as_uuid()),
            new_email: t.new_email.as_ref().map(|e| e.as_str().to_owned()),
            issued_at: At(t.issued_at),
            expires_at: At(t.expires_at),
            used_at,
            voided_at,
        }
    }

    pub(crate) fn into_domain(self) -> Result<Ticket, StoreError> {
        let state = match (self.used_at, self.voided_at) {
            (Some(At(at)), _) => TicketState::Used { at },
            (None, Some(At(at))) => TicketState::Voided { at },
            (None, None) => TicketState::Unused,
        };
        Ok(Ticket {
            hash: token_hash(&self.hash)?,
            purpose: TicketPurpose::from_name(&self.purpose)
                .ok_or_else(|| corrupt("ticket purpose"))?,
            account: AccountId::from_uuid(self.account_id.0),
            new_email: self
                .new_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|_| corrupt("ticket e-mail address"))?,
            issued_at: self.issued_at.0,
            expires_at: self.expires_at.0,
            state,
        })
    }
}

// ---- sessions

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub(crate) struct SessionRow {
    token_hash: Vec<u8>,
    id: Id,
    account_id: Id,
    contract_id: Id,
    scope: String,
    created_at: At,
    last_seen_at: At,
    channel: String,
    client_address: Option<String>,
    user_agent: Option<String>,
}

impl SessionRow {
    /// The hash of the session's token, its key.
    pub(crate) fn token_hash(&self) -> &[u8] {
        &self.token_hash
    }

    pub(crate) fn from_domain(s: &Session) -> Self {
        Self {
            token_hash: s.token_hash.as_bytes().to_vec(),
            id: Id(s.id.as_uuid()),
            account_id: Id(s.account.as_uuid()),
            contract_id: Id(s.contract.as_uuid()),
            scope: s.scope.as_str().to_owned(),
            created_at: At(s.created_at),
            last_seen_at: At(s.last_seen_at),
            channel: s.channel.as_str().to_owned(),
            client_address: s.client_address.clone(),
            user_agent: s.user_agent.clone(),
        }
    }

    pub(crate) fn into_domain(self) -> Result<Session, StoreError> {
        Ok(Session {
            id: SessionId::from_uuid(self.id.0),
            token_hash: token_hash(&self.token_hash)?,
            account: AccountId::from_uuid(self.account_id.0),
            contract: ContractId::from_uuid(self.contract_id.0),
            scope: SessionScope::from_name(&self.scope).ok_or_else(|| corrupt("session scope"))?,
            created_at: self.created_at.0,
            last_seen_at: self.last_seen_at.0,
            channel: ChannelKind::from_name(&self.channel)
                .ok_or_else(|| corrupt("session channel"))?,
            client_address: self.client_address,
            user_agent: self.user_agent,
        })
    }
}
