//! Rows and their mapping to and from the core's domain types. Every read is parsed through the
//! domain's own constructors; a row that does not parse is [`StoreError::Corrupt`].

use auth_core::domain::{
    AccessRoute, Account, AccountId, ChannelKind, ConnectionId, Contract, ContractId, ContractName,
    DisplayName, Email, Locale, LockState, LoginMethod, PasswordHash, Plan, Provider, Role,
    Session, SessionId, SessionScope, Subject, Ticket, TicketPurpose, TicketState, TokenHash,
    TwoFactorPolicy,
};
use auth_core::ports::StoreError;
use diesel::prelude::*;

use crate::schema::{accounts, contracts, sessions, tickets};
use crate::sql_types::{At, Id};

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored {what} is not valid"))
}

fn unsupported(what: &str) -> StoreError {
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
}

impl ContractRow {
    pub(crate) fn from_domain(c: &Contract) -> Result<Self, StoreError> {
        let (plan, trial_started_at) = match c.plan {
            Plan::Basic => ("basic", None),
            Plan::FreeTrial { started_at } => ("free-trial", Some(At(started_at))),
            _ => return Err(unsupported("plan")),
        };
        let two_factor = match c.two_factor {
            TwoFactorPolicy::Enabled => "enabled",
            TwoFactorPolicy::Disabled => "disabled",
            _ => return Err(unsupported("two-factor policy")),
        };
        let access_route = match c.access_route {
            AccessRoute::LineAndInternet => "line-and-internet",
            AccessRoute::LineOnly => "line-only",
            _ => return Err(unsupported("access route")),
        };
        Ok(Self {
            id: Id(c.id.as_uuid()),
            name: c.name.as_str().to_owned(),
            plan: plan.to_owned(),
            trial_started_at,
            two_factor: two_factor.to_owned(),
            access_route: access_route.to_owned(),
            created_at: At(c.created_at),
        })
    }

    pub(crate) fn into_domain(self) -> Result<Contract, StoreError> {
        let plan = match (self.plan.as_str(), self.trial_started_at) {
            ("basic", _) => Plan::Basic,
            ("free-trial", Some(At(started_at))) => Plan::FreeTrial { started_at },
            _ => return Err(corrupt("contract plan")),
        };
        Ok(Contract {
            id: ContractId::from_uuid(self.id.0),
            name: ContractName::parse(&self.name).map_err(|_| corrupt("contract name"))?,
            plan,
            two_factor: match self.two_factor.as_str() {
                "enabled" => TwoFactorPolicy::Enabled,
                "disabled" => TwoFactorPolicy::Disabled,
                _ => return Err(corrupt("two-factor policy")),
            },
            access_route: match self.access_route.as_str() {
                "line-and-internet" => AccessRoute::LineAndInternet,
                "line-only" => AccessRoute::LineOnly,
                _ => return Err(corrupt("access route")),
            },
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

pub(crate) fn locale_name(locale: Locale) -> Result<&'static str, StoreError> {
    match locale {
        Locale::Ja => Ok("ja"),
        Locale::En => Ok("en"),
        _ => Err(unsupported("locale")),
    }
}

pub(crate) fn parse_locale(name: &str) -> Result<Locale, StoreError> {
    match name {
        "ja" => Ok(Locale::Ja),
        "en" => Ok(Locale::En),
        _ => Err(corrupt("locale")),
    }
}

impl AccountRow {
    pub(crate) fn from_domain(a: &Account) -> Result<Self, StoreError> {
        let role = match a.role {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::User => "user",
            _ => return Err(unsupported("role")),
        };
        let (method, provider, connection, subject) = match &a.login_method {
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
            _ => return Err(unsupported("login method")),
        };
        Ok(Self {
            id: Id(a.id.as_uuid()),
            contract_id: Id(a.contract.as_uuid()),
            email: a.email.as_str().to_owned(),
            email_key: a.email.key().to_owned(),
            display_name: a.display_name.as_str().to_owned(),
            role: role.to_owned(),
            locale: locale_name(a.locale)?.to_owned(),
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
            role: match self.role.as_str() {
                "owner" => Role::Owner,
                "admin" => Role::Admin,
                "user" => Role::User,
                _ => return Err(corrupt("role")),
            },
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
            channel: match self.channel.as_str() {
                "internet" => ChannelKind::Internet,
                "line" => ChannelKind::Line,
                _ => return Err(corrupt("session channel")),
            },
            client_address: self.client_address,
            user_agent: self.user_agent,
        })
    }
}
