//! Contract settings, lines, the directory of accounts (`ContractStore`) and invitations
//! (`InvitationStore`). Identity bindings and e-mail keys are unique indexes: the statement that
//! would break one fails, and its transaction rolls back whole.

use async_trait::async_trait;
use auth_core::domain::{
    AccessRoute, Account, AccountId, AdConnection, ConnectionId, Contract, ContractId, DisplayName,
    Email, ExternalIdentity, Invitation, LineNumber, Mail, MetadataDocument, PasswordHash, Plan,
    ReviewedPassword, Ticket, TicketPurpose, TokenHash,
};
use auth_core::ports::{
    ChangeRefused, ContractStore, EmailChange, InvitationStore, MethodChange, StoreError,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::DieselStore;
use crate::conn::{AnyConnection, MultiBackend};
use crate::error::{self, TxError, applied, change_outcome, plain};
use crate::mail::NewMailRow;
use crate::rows::{
    AccountRow, AdDetailsRow, ContractRow, TicketRow, corrupt, load_contract, method_columns,
    parse_locale, parse_role,
};
use crate::schema::{
    accounts, ad_connection_details, contracts, invitations, line_consents, lines, sessions,
    tickets,
};
use crate::second_factor::clear_second_factor;
use crate::sql_types::{At, Id};
use crate::store::{consume, consume_for, id, insert_mail, known_contract};

/// Voids `account`'s unused tickets of `purpose`, inside the caller's transaction.
fn void_unused(
    conn: &mut AnyConnection,
    account: Id,
    purpose: TicketPurpose,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        tickets::table
            .filter(tickets::account_id.eq(account))
            .filter(tickets::purpose.eq(purpose.as_str()))
            .filter(tickets::used_at.is_null())
            .filter(tickets::voided_at.is_null()),
    )
    .set(tickets::voided_at.eq(Some(At(at))))
    .execute(conn)
}

/// Links that would act on the account as it was: after an e-mail or login-method change
/// they are voided, so a reset mailed to the old address cannot take the account back.
const VOIDED_BY_A_CHANGE: [TicketPurpose; 4] = [
    TicketPurpose::PasswordReset,
    TicketPurpose::Unlock,
    TicketPurpose::EmailChange,
    TicketPurpose::LoginMethodChange,
];

/// Maps a failed account write to the refusal it means: a taken e-mail key or identity binding
/// (both unique indexes), or else the driver error.
fn account_write_refusal(e: diesel::result::Error) -> TxError {
    if error::is_email_taken(&e) {
        TxError::Refused(ChangeRefused::EmailTaken)
    } else if error::is_identity_taken(&e) {
        TxError::Refused(ChangeRefused::IdentityTaken)
    } else {
        TxError::Db(e)
    }
}

fn load_accounts(
    query: accounts::BoxedQuery<'static, MultiBackend>,
    conn: &mut AnyConnection,
) -> Result<Vec<Account>, StoreError> {
    query
        .order((accounts::created_at.asc(), accounts::id.asc()))
        .select(AccountRow::as_select())
        .load(conn)
        .map_err(error::db)?
        .into_iter()
        .map(AccountRow::into_domain)
        .collect()
}

#[async_trait]
impl ContractStore for DieselStore {
    async fn accounts_of(&self, contract: ContractId) -> Result<Vec<Account>, StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            load_accounts(
                accounts::table
                    .filter(accounts::contract_id.eq(key))
                    .into_boxed(),
                conn,
            )
        })
        .await
    }

    async fn account_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<Account>, StoreError> {
        let (method, provider, connection, subject) = method_columns(&identity.login_method())?;
        self.run(move |conn| {
            // The unique indexes over (provider, subject) and (connection, subject) make this
            // at most one row.
            let mut query = accounts::table
                .filter(accounts::login_method.eq(method))
                .filter(accounts::subject.eq(subject))
                .into_boxed();
            if let Some(provider) = provider {
                query = query.filter(accounts::provider.eq(provider));
            }
            if let Some(connection) = connection {
                query = query.filter(accounts::connection_id.eq(connection));
            }
            Ok(load_accounts(query, conn)?.into_iter().next())
        })
        .await
    }

    async fn set_access_route(
        &self,
        contract: ContractId,
        route: AccessRoute,
    ) -> Result<(), StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            let updated = diesel::update(contracts::table.filter(contracts::id.eq(key)))
                .set(contracts::access_route.eq(route.as_str()))
                .execute(conn)
                .map_err(error::db)?;
            known_contract(updated)
        })
        .await
    }

    async fn set_plan(&self, contract: ContractId, plan: Plan) -> Result<(), StoreError> {
        let key = id(contract.as_uuid());
        // Only a trial has a start; every other plan is its kind name alone.
        let started_at = match plan {
            Plan::FreeTrial { started_at } => Some(At(started_at)),
            Plan::Basic => None,
        };
        self.run(move |conn| {
            let updated = diesel::update(contracts::table.filter(contracts::id.eq(key)))
                .set((
                    contracts::plan.eq(plan.kind_name()),
                    contracts::trial_started_at.eq(started_at),
                ))
                .execute(conn)
                .map_err(error::db)?;
            known_contract(updated)
        })
        .await
    }

    async fn cancel_contract(
        &self,
        contract: ContractId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                let updated = diesel::update(contracts::table.filter(contracts::id.eq(key)))
                    .set((
                        contracts::status.eq("cancelled"),
                        contracts::cancelled_at.eq(Some(At(at))),
                    ))
                    .execute(conn)?;
                known_contract(updated)?;
                diesel::delete(sessions::table.filter(sessions::contract_id.eq(key)))
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }

    async fn contract_details(
        &self,
        contract: ContractId,
    ) -> Result<Option<auth_core::domain::ContractDetails>, StoreError> {
        self.read_contract_details(contract).await
    }

    async fn set_contract_details(
        &self,
        contract: ContractId,
        details: &auth_core::domain::ContractDetails,
        notice: Mail,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write_contract_details(contract, details, notice, at)
            .await
    }

    async fn enable_ad(
        &self,
        contract: ContractId,
        ad: &AdConnection,
        mail: &Mail,
    ) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let mail = NewMailRow::from_domain(mail)?;
        let ((connection, url, enabled_at), details) = AdDetailsRow::of(contract, ad);
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                let columns = (
                    contracts::ad_connection_id.eq(connection.clone()),
                    contracts::ad_metadata_url.eq(url.clone()),
                    contracts::ad_enabled_at.eq(enabled_at),
                );
                // D1: a contract without a connection gets one (revision 0) ...
                let first = diesel::update(
                    contracts::table
                        .filter(contracts::id.eq(key))
                        .filter(contracts::ad_connection_id.is_null()),
                )
                .set(columns.clone())
                .execute(conn)?;
                if first == 1 {
                    diesel::insert_into(ad_connection_details::table)
                        .values(&details.clone().at_revision(0))
                        .execute(conn)?;
                } else {
                    // ... and a turned-off one is turned on again under the same ID, over the
                    // revision it was read at (one conditional update).
                    let again = diesel::update(
                        ad_connection_details::table
                            .filter(ad_connection_details::contract_id.eq(key))
                            .filter(ad_connection_details::turned_off_at.is_not_null())
                            .filter(ad_connection_details::revision.eq(details.revision()))
                            .filter(
                                ad_connection_details::contract_id.eq_any(
                                    contracts::table
                                        .filter(contracts::ad_connection_id.eq(connection.clone()))
                                        .select(contracts::id),
                                ),
                            ),
                    )
                    .set(&details.clone().at_revision(details.revision() + 1))
                    .execute(conn)?;
                    if again == 0 {
                        let exists: bool = diesel::select(diesel::dsl::exists(
                            contracts::table.filter(contracts::id.eq(key)),
                        ))
                        .get_result(conn)?;
                        return Err(if exists {
                            TxError::NotApplied
                        } else {
                            TxError::Store(StoreError::Conflict("unknown contract".into()))
                        });
                    }
                    diesel::update(contracts::table.filter(contracts::id.eq(key)))
                        .set(columns)
                        .execute(conn)?;
                }
                insert_mail(conn, &mail)?;
                Ok(())
            }))
        })
        .await
    }

    async fn save_ad(&self, contract: ContractId, ad: &AdConnection) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let ((connection, url, _), details) = AdDetailsRow::of(contract, ad);
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                // Over the revision it was read at only; the connection ID never changes.
                let holder = contracts::table
                    .filter(contracts::id.eq(key))
                    .filter(contracts::ad_connection_id.eq(connection))
                    .select(contracts::id);
                let updated = diesel::update(
                    ad_connection_details::table
                        .filter(ad_connection_details::contract_id.eq_any(holder))
                        .filter(ad_connection_details::revision.eq(details.revision())),
                )
                .set(&details.clone().at_revision(details.revision() + 1))
                .execute(conn)?;
                if updated == 0 {
                    return Err(TxError::NotApplied);
                }
                diesel::update(contracts::table.filter(contracts::id.eq(key)))
                    .set(contracts::ad_metadata_url.eq(url))
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }

    async fn save_ad_metadata(
        &self,
        contract: ContractId,
        connection: &ConnectionId,
        revision: u64,
        metadata: &MetadataDocument,
    ) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let connection = connection.as_str().to_owned();
        let (xml, read_at) = (metadata.xml.clone(), At(metadata.read_at));
        let Ok(revision) = i64::try_from(revision) else {
            return Ok(false);
        };
        self.run(move |conn| {
            let holder = contracts::table
                .filter(contracts::id.eq(key))
                .filter(contracts::ad_connection_id.eq(connection))
                .select(contracts::id);
            let updated = diesel::update(
                ad_connection_details::table
                    .filter(ad_connection_details::contract_id.eq_any(holder))
                    .filter(ad_connection_details::revision.eq(revision)),
            )
            .set((
                ad_connection_details::metadata_xml.eq(Some(xml)),
                ad_connection_details::metadata_read_at.eq(Some(read_at)),
                ad_connection_details::revision.eq(revision + 1),
            ))
            .execute(conn)
            .map_err(error::db)?;
            Ok(updated == 1)
        })
        .await
    }

    async fn contract_by_connection(
        &self,
        connection: &ConnectionId,
    ) -> Result<Option<Contract>, StoreError> {
        let connection = connection.as_str().to_owned();
        self.run(move |conn| {
            contracts::table
                .filter(contracts::ad_connection_id.eq(connection))
                .select(ContractRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(|row| load_contract(conn, row))
                .transpose()
        })
        .await
    }

    async fn lines_of(&self, contract: ContractId) -> Result<Vec<LineNumber>, StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            let mut lines = lines::table
                .filter(lines::contract_id.eq(key))
                .select(lines::line_number)
                .load::<String>(conn)
                .map_err(error::db)?
                .iter()
                .map(|l| LineNumber::parse(l).map_err(|_| corrupt("line number")))
                .collect::<Result<Vec<_>, _>>()?;
            // Sorted here, not by the database's collation.
            lines.sort();
            Ok(lines)
        })
        .await
    }

    async fn add_line(&self, contract: ContractId, line: &LineNumber) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let line = line.as_str().to_owned();
        self.run(move |conn| {
            // N2: the primary key on the line number decides who has it. When the insert
            // collides, the owner is read; if it was removed meanwhile, the insert is retried.
            for _ in 0..3 {
                let inserted = diesel::insert_into(lines::table)
                    .values((lines::line_number.eq(&line), lines::contract_id.eq(key)))
                    .execute(conn);
                match inserted {
                    Ok(_) => return Ok(true),
                    Err(e) if error::is_unique_violation(&e) => {}
                    Err(e) => return Err(error::db(e)),
                }
                let owner: Option<Id> = lines::table
                    .filter(lines::line_number.eq(&line))
                    .select(lines::contract_id)
                    .first(conn)
                    .optional()
                    .map_err(error::db)?;
                if let Some(owner) = owner {
                    return Ok(owner == key);
                }
            }
            Err(StoreError::Conflict(
                "the line is being registered and removed concurrently".into(),
            ))
        })
        .await
    }

    async fn remove_line(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let line = line.as_str().to_owned();
        self.run(move |conn| {
            diesel::delete(
                lines::table
                    .filter(lines::line_number.eq(line))
                    .filter(lines::contract_id.eq(key)),
            )
            .execute(conn)
            .map(|n| n > 0)
            .map_err(error::db)
        })
        .await
    }

    async fn line_consented(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError> {
        let key = id(contract.as_uuid());
        let line = line.as_str().to_owned();
        self.run(move |conn| {
            diesel::select(diesel::dsl::exists(
                line_consents::table
                    .filter(line_consents::contract_id.eq(key))
                    .filter(line_consents::line_number.eq(line)),
            ))
            .get_result(conn)
            .map_err(error::db)
        })
        .await
    }

    async fn record_line_consent(
        &self,
        contract: ContractId,
        line: &LineNumber,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = id(contract.as_uuid());
        let line = line.as_str().to_owned();
        self.run(move |conn| {
            let inserted = diesel::insert_into(line_consents::table)
                .values((
                    line_consents::contract_id.eq(key),
                    line_consents::line_number.eq(line),
                    line_consents::consented_at.eq(At(at)),
                ))
                .execute(conn);
            match inserted {
                // Given before: the first consent stands.
                Err(e) if error::is_unique_violation(&e) => Ok(()),
                other => other.map(drop).map_err(error::db),
            }
        })
        .await
    }

    async fn apply_email_change(
        &self,
        change: EmailChange,
    ) -> Result<Result<AccountId, ChangeRefused>, StoreError> {
        let hash = change.ticket.as_bytes().to_vec();
        let email = change.new_email.as_str().to_owned();
        let email_key = change.new_email.key().to_owned();
        let new_hash = change
            .new_password_hash
            .as_ref()
            .map(|h| h.as_phc().to_owned());
        let notice = NewMailRow::from_domain(&change.notice)?;
        let at = change.at;
        self.run(move |conn| {
            change_outcome(conn.transaction(|conn| {
                let t = consume(conn, &hash, TicketPurpose::EmailChange, at)?;
                let account = id(t.account.as_uuid());
                let target = accounts::table.filter(accounts::id.eq(account));
                let address = (
                    accounts::email.eq(&email),
                    accounts::email_key.eq(&email_key),
                );
                // E3: the unique index on `email_key` refuses a taken address, and the refusal
                // rolls back the ticket's consumption with everything else.
                let updated = match &new_hash {
                    Some(h) => diesel::update(target)
                        .set((address, accounts::password_hash.eq(Some(h))))
                        .execute(conn),
                    None => diesel::update(target).set(address).execute(conn),
                }
                .map_err(account_write_refusal)?;
                if updated == 0 {
                    return Err(TxError::Refused(ChangeRefused::NoAccount));
                }
                if new_hash.is_some() {
                    // T6: a password account's second factor goes with its old address.
                    clear_second_factor(conn, account)?;
                }
                for purpose in VOIDED_BY_A_CHANGE {
                    void_unused(conn, account, purpose, at)?;
                }
                insert_mail(conn, &notice)?;
                Ok(t.account)
            }))
        })
        .await
    }

    async fn apply_method_change(
        &self,
        change: MethodChange,
    ) -> Result<Result<(), ChangeRefused>, StoreError> {
        let account = id(change.account.as_uuid());
        let ticket = change.ticket.map(|t| t.as_bytes().to_vec());
        let (method, provider, connection, subject) = method_columns(&change.method)?;
        let password_hash = change.password_hash.map(|h| h.as_phc().to_owned());
        let notice = NewMailRow::from_domain(&change.notice)?;
        let at = change.at;
        self.run(move |conn| {
            change_outcome(conn.transaction(|conn| {
                if let Some(hash) = &ticket {
                    consume_for(
                        conn,
                        hash,
                        TicketPurpose::LoginMethodChange,
                        at,
                        Some(account),
                    )?;
                }
                // L7, L8: the identity's unique index refuses a binding another account holds.
                let updated = diesel::update(accounts::table.filter(accounts::id.eq(account)))
                    .set((
                        accounts::login_method.eq(method),
                        accounts::provider.eq(provider),
                        accounts::connection_id.eq(connection),
                        accounts::subject.eq(subject),
                        accounts::password_hash.eq(password_hash),
                    ))
                    .execute(conn)
                    .map_err(account_write_refusal)?;
                if updated == 0 {
                    return Err(TxError::Refused(ChangeRefused::NoAccount));
                }
                clear_second_factor(conn, account)?;
                for purpose in VOIDED_BY_A_CHANGE {
                    void_unused(conn, account, purpose, at)?;
                }
                insert_mail(conn, &notice)?;
                Ok(())
            }))
        })
        .await
    }

    async fn remove_account(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = id(account.as_uuid());
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                // Everything hanging on the account, then the account; without an account
                // nothing is removed at all.
                diesel::delete(sessions::table.filter(sessions::account_id.eq(key)))
                    .execute(conn)?;
                // I1: the open invitations it issued are withdrawn with it.
                diesel::update(
                    tickets::table
                        .filter(
                            tickets::account_id.eq_any(
                                invitations::table
                                    .filter(invitations::invited_by.eq(key))
                                    .select(invitations::account_id),
                            ),
                        )
                        .filter(tickets::purpose.eq(TicketPurpose::Invitation.as_str()))
                        .filter(tickets::used_at.is_null())
                        .filter(tickets::voided_at.is_null()),
                )
                .set(tickets::voided_at.eq(Some(At(at))))
                .execute(conn)?;
                diesel::delete(invitations::table.filter(invitations::invited_by.eq(key)))
                    .execute(conn)?;
                diesel::delete(tickets::table.filter(tickets::account_id.eq(key))).execute(conn)?;
                clear_second_factor(conn, key)?;
                let removed =
                    diesel::delete(accounts::table.filter(accounts::id.eq(key))).execute(conn)?;
                if removed == 0 {
                    return Err(TxError::NotApplied);
                }
                Ok(())
            }))
        })
        .await
    }
}

// ---- invitations

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
struct InvitationRow {
    account_id: Id,
    contract_id: Id,
    email: String,
    email_key: String,
    display_name: String,
    role: String,
    invited_by: Option<Id>,
    sent_at: At,
    locale: String,
    reviewed_password_hash: Option<String>,
    reviewed_password_link: Option<Vec<u8>>,
}

impl InvitationRow {
    fn from_domain(i: &Invitation) -> Self {
        Self {
            account_id: Id(i.account.as_uuid()),
            contract_id: Id(i.contract.as_uuid()),
            email: i.email.as_str().to_owned(),
            email_key: i.email.key().to_owned(),
            display_name: i.display_name.as_str().to_owned(),
            role: i.role.as_str().to_owned(),
            invited_by: i.invited_by.map(|a| Id(a.as_uuid())),
            sent_at: At(i.sent_at),
            locale: i.locale.as_str().to_owned(),
            reviewed_password_hash: i
                .reviewed_password
                .as_ref()
                .map(|r| r.hash.as_phc().to_owned()),
            reviewed_password_link: i
                .reviewed_password
                .as_ref()
                .map(|r| r.link.as_bytes().to_vec()),
        }
    }

    fn into_domain(self) -> Result<Invitation, StoreError> {
        let email = Email::parse(&self.email).map_err(|_| corrupt("invitation e-mail"))?;
        if email.key() != self.email_key {
            return Err(corrupt("invitation e-mail key"));
        }
        Ok(Invitation {
            account: AccountId::from_uuid(self.account_id.0),
            contract: ContractId::from_uuid(self.contract_id.0),
            email,
            display_name: DisplayName::parse(&self.display_name)
                .map_err(|_| corrupt("invitation name"))?,
            role: parse_role(&self.role)?,
            invited_by: self.invited_by.map(|a| AccountId::from_uuid(a.0)),
            sent_at: self.sent_at.0,
            locale: parse_locale(&self.locale)?,
            reviewed_password: match (self.reviewed_password_hash, self.reviewed_password_link) {
                (Some(hash), Some(link)) => Some(ReviewedPassword {
                    hash: PasswordHash::from_phc(hash)
                        .map_err(|_| corrupt("reviewed password hash"))?,
                    link: crate::rows::token_hash(&link)?,
                }),
                (None, None) => None,
                _ => return Err(corrupt("reviewed password without its link")),
            },
        })
    }
}

#[async_trait]
impl InvitationStore for DieselStore {
    async fn save_invitation(
        &self,
        invitation: &Invitation,
        ticket: &Ticket,
        mail: &Mail,
    ) -> Result<(), StoreError> {
        let row = InvitationRow::from_domain(invitation);
        let ticket = TicketRow::from_domain(ticket);
        let mail = NewMailRow::from_domain(mail)?;
        let at = invitation.sent_at;
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                // I1, I3: a resend voids the earlier links and replaces the invitation.
                void_unused(conn, row.account_id, TicketPurpose::Invitation, at)?;
                diesel::delete(
                    invitations::table.filter(invitations::account_id.eq(row.account_id)),
                )
                .execute(conn)?;
                diesel::insert_into(invitations::table)
                    .values(&row)
                    .execute(conn)?;
                diesel::insert_into(tickets::table)
                    .values(&ticket)
                    .execute(conn)?;
                insert_mail(conn, &mail)?;
                Ok(())
            }))
        })
        .await
    }

    async fn invitation(&self, account: AccountId) -> Result<Option<Invitation>, StoreError> {
        let key = id(account.as_uuid());
        self.run(move |conn| {
            invitations::table
                .filter(invitations::account_id.eq(key))
                .select(InvitationRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(InvitationRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn invitations_of(&self, contract: ContractId) -> Result<Vec<Invitation>, StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            invitations::table
                .filter(invitations::contract_id.eq(key))
                .order((invitations::sent_at.asc(), invitations::account_id.asc()))
                .select(InvitationRow::as_select())
                .load(conn)
                .map_err(error::db)?
                .into_iter()
                .map(InvitationRow::into_domain)
                .collect()
        })
        .await
    }

    async fn accept_invitation(
        &self,
        ticket: TokenHash,
        account: &Account,
        at: DateTime<Utc>,
    ) -> Result<Result<(), ChangeRefused>, StoreError> {
        let hash = ticket.as_bytes().to_vec();
        let row = AccountRow::from_domain(account)?;
        let key = id(account.id.as_uuid());
        self.run(move |conn| {
            change_outcome(conn.transaction(|conn| {
                // I2: the ticket is consumed by one conditional update (of concurrent
                // acceptances one gets it); the account's unique indexes refuse a taken
                // address or identity, rolling the consumption back.
                consume_for(conn, &hash, TicketPurpose::Invitation, at, Some(key))?;
                diesel::insert_into(accounts::table)
                    .values(&row)
                    .execute(conn)
                    .map_err(account_write_refusal)?;
                diesel::delete(invitations::table.filter(invitations::account_id.eq(key)))
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }

    async fn withdraw_invitation(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let key = id(account.as_uuid());
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                void_unused(conn, key, TicketPurpose::Invitation, at)?;
                let removed =
                    diesel::delete(invitations::table.filter(invitations::account_id.eq(key)))
                        .execute(conn)?;
                Ok(removed > 0)
            }))
        })
        .await
    }

    async fn set_reviewed_password(
        &self,
        account: AccountId,
        kept: Option<&ReviewedPassword>,
    ) -> Result<bool, StoreError> {
        let key = id(account.as_uuid());
        let hash = kept.map(|r| r.hash.as_phc().to_owned());
        let link = kept.map(|r| r.link.as_bytes().to_vec());
        self.run(move |conn| {
            diesel::update(invitations::table.filter(invitations::account_id.eq(key)))
                .set((
                    invitations::reviewed_password_hash.eq(hash),
                    invitations::reviewed_password_link.eq(link),
                ))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(error::db)
        })
        .await
    }
}
