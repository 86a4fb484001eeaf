//! The port implementations. Each method is one statement or one transaction; the comments
//! name the SQL that carries each contract's atomicity.

use async_trait::async_trait;
use auth_core::domain::{
    Account, AccountId, Contract, ContractId, DeliveryState, Email, FailureOutcome, LOCK_THRESHOLD,
    Locale, Mail, MailId, ResetRequestId, Session, SessionId, Ticket, TicketError, TicketPurpose,
    TokenHash, TwoFactorPolicy,
};
use auth_core::ports::{
    AccountStore, InsertAccountError, LeaseOwner, LockArtifacts, OutboxStore, PasswordChange,
    PasswordReset, QueuedMail, ResetRequest, SessionStore, StoreError, Success, SuccessRefused,
    TicketStore,
};
use chrono::{DateTime, Duration, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::DieselStore;

/// Advisory-lock class of the per-account link send log (X5).
const LINK_SEND_LOCK: i32 = 0x746f_0003;
use crate::conn::AnyConnection;
use crate::error::{self, TxError, plain, ticket_outcome};
use crate::mail::{DeliveryChange, MAIL_COLUMNS, MailRow, NewMailRow};
use crate::rate_limits::database_now;
use crate::reset_requests::ResetRequestRow;
use crate::rows::{AccountRow, ContractRow, SessionRow, TicketRow};
use crate::schema::{accounts, contracts, link_sends, outbox, reset_requests, sessions, tickets};
use crate::second_factor::clear_second_factor;
use crate::sql_types::{At, Id, Instant};

pub(crate) fn id(uuid: uuid::Uuid) -> Id {
    Id(uuid)
}

/// Voids the account's unused reset and unlock tickets, inside the caller's transaction (P3:
/// after a reset or a password change, an older link must not set the password again).
fn void_reset_and_unlock(
    conn: &mut AnyConnection,
    account: Id,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        tickets::table
            .filter(tickets::account_id.eq(account))
            .filter(
                tickets::purpose
                    .eq(TicketPurpose::PasswordReset.as_str())
                    .or(tickets::purpose.eq(TicketPurpose::Unlock.as_str())),
            )
            .filter(tickets::used_at.is_null())
            .filter(tickets::voided_at.is_null()),
    )
    .set(tickets::voided_at.eq(Some(At(at))))
    .execute(conn)
}

/// Whether an account exists (read inside the caller's transaction).
pub(crate) fn account_exists(conn: &mut AnyConnection, account: Id) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::id.eq(account)),
    ))
    .get_result(conn)
}

/// Consumes a ticket with one conditional update; on refusal, classifies it with a read in the
/// same transaction (nothing was written).
pub(crate) fn consume(
    conn: &mut AnyConnection,
    hash: &[u8],
    purpose: TicketPurpose,
    at: DateTime<Utc>,
) -> Result<Ticket, TxError> {
    consume_for(conn, hash, purpose, at, None)
}

/// [`consume`], for `account`'s ticket only when `account` is given: another account's
/// ticket is `Unknown`, and stays unused.
pub(crate) fn consume_for(
    conn: &mut AnyConnection,
    hash: &[u8],
    purpose: TicketPurpose,
    at: DateTime<Utc>,
    account: Option<Id>,
) -> Result<Ticket, TxError> {
    let usable = tickets::table
        .filter(tickets::hash.eq(hash))
        .filter(tickets::purpose.eq(purpose.as_str()))
        .filter(tickets::used_at.is_null())
        .filter(tickets::voided_at.is_null())
        .filter(tickets::expires_at.gt(At(at)));
    let set = tickets::used_at.eq(Some(At(at)));
    let used: Option<TicketRow> = match account {
        Some(account) => diesel::update(usable.filter(tickets::account_id.eq(account)))
            .set(set)
            .returning(tickets::all_columns)
            .get_result(conn)
            .optional()?,
        None => diesel::update(usable)
            .set(set)
            .returning(tickets::all_columns)
            .get_result(conn)
            .optional()?,
    };
    if let Some(row) = used {
        return Ok(row.into_domain()?);
    }
    let current: Option<TicketRow> = tickets::table
        .filter(tickets::hash.eq(hash))
        .select(TicketRow::as_select())
        .first(conn)
        .optional()?;
    let refusal = match current {
        None => TicketError::Unknown,
        Some(row) if account.is_some_and(|a| row.account_id() != a) => TicketError::Unknown,
        // The update found nothing to consume, so the ticket was not usable; if the read finds
        // it usable after all, a concurrent consumer won and then rolled back: report it used.
        Some(row) => row
            .into_domain()?
            .check(purpose, at)
            .err()
            .unwrap_or(TicketError::Used),
    };
    Err(TxError::Ticket(refusal))
}

/// An update of one contract by ID: an unknown contract is `Conflict` (the port contracts).
pub(crate) fn known_contract(updated: usize) -> Result<(), StoreError> {
    if updated == 0 {
        Err(StoreError::Conflict("unknown contract".into()))
    } else {
        Ok(())
    }
}

/// Queues a mail. Its due time is the database's clock at the latest: a writer whose clock
/// runs fast would otherwise queue mail that the other instances take for not yet due until
/// their clocks catch up, and that waits that long if the writer dies before sending it (X6).
pub(crate) fn insert_mail(conn: &mut AnyConnection, mail: &NewMailRow) -> QueryResult<usize> {
    let row = mail.clone().due_at_most(database_now(conn)?);
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)
}

#[async_trait]
impl AccountStore for DieselStore {
    async fn insert_contract(&self, contract: &Contract) -> Result<(), StoreError> {
        let row = ContractRow::from_domain(contract)?;
        let details = contract
            .ad
            .as_ref()
            .map(|ad| crate::rows::AdDetailsRow::of(contract.id, ad).1);
        self.run(move |conn| {
            conn.transaction(|conn| {
                diesel::insert_into(contracts::table)
                    .values(&row)
                    .execute(conn)?;
                if let Some(details) = &details {
                    diesel::insert_into(crate::schema::ad_connection_details::table)
                        .values(details)
                        .execute(conn)?;
                }
                Ok(())
            })
            .map_err(error::db)
        })
        .await
    }

    async fn contract(&self, cid: ContractId) -> Result<Option<Contract>, StoreError> {
        let key = id(cid.as_uuid());
        self.run(move |conn| {
            contracts::table
                .filter(contracts::id.eq(key))
                .select(ContractRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(|row| crate::rows::load_contract(conn, row))
                .transpose()
        })
        .await
    }

    async fn insert_account(&self, account: &Account) -> Result<(), InsertAccountError> {
        let row = AccountRow::from_domain(account)?;
        let inserted = self
            .run(move |conn| {
                // E3 is the unique index on `email_key`: the insert itself decides.
                Ok(diesel::insert_into(accounts::table)
                    .values(&row)
                    .execute(conn)
                    .map(drop))
            })
            .await?;
        match inserted {
            Ok(()) => Ok(()),
            Err(e) if error::is_email_taken(&e) => Err(InsertAccountError::EmailTaken),
            Err(e) => Err(error::db(e).into()),
        }
    }

    async fn account(&self, aid: AccountId) -> Result<Option<Account>, StoreError> {
        let key = id(aid.as_uuid());
        self.run(move |conn| {
            accounts::table
                .filter(accounts::id.eq(key))
                .select(AccountRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(AccountRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        let key = email.key().to_owned();
        self.run(move |conn| {
            accounts::table
                .filter(accounts::email_key.eq(key))
                .select(AccountRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(AccountRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn record_failure(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
        on_lock: LockArtifacts,
    ) -> Result<FailureOutcome, StoreError> {
        let ticket = TicketRow::from_domain(&on_lock.ticket);
        let mail = NewMailRow::from_domain(&on_lock.mail)?;
        let key = id(account.as_uuid());
        let threshold = i32::from(LOCK_THRESHOLD);
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                // L2 in one statement: count, and lock at the threshold, only while unlocked.
                // Concurrent calls serialise on the row; each sees the previous one's result.
                let counted: Option<(i32, Option<At>)> = diesel::update(
                    accounts::table
                        .filter(accounts::id.eq(key))
                        .filter(accounts::locked_at.is_null()),
                )
                .set((
                    accounts::failures.eq(accounts::failures + 1),
                    accounts::locked_at.eq(case_when(
                        (accounts::failures + 1).ge(threshold),
                        At(at).into_sql::<Instant>(),
                    )),
                ))
                .returning((accounts::failures, accounts::locked_at))
                .get_result(conn)
                .optional()?;
                match counted {
                    Some((_, Some(_))) => {
                        // This statement produced the lock: store its ticket and mail with it.
                        diesel::insert_into(tickets::table)
                            .values(&ticket)
                            .execute(conn)?;
                        insert_mail(conn, &mail)?;
                        Ok(FailureOutcome::LockedNow)
                    }
                    Some((failures, None)) => Ok(FailureOutcome::Counted {
                        failures: u8::try_from(failures)
                            .map_err(|_| StoreError::Corrupt("failure count".into()))?,
                    }),
                    None if account_exists(conn, key)? => Ok(FailureOutcome::AlreadyLocked),
                    None => Err(StoreError::Conflict("unknown account".into()).into()),
                }
            }))
        })
        .await
    }

    async fn record_success(
        &self,
        account: AccountId,
        success: Success,
    ) -> Result<Result<(), SuccessRefused>, StoreError> {
        let key = id(account.as_uuid());
        let verified = success.verified.map(|h| h.as_phc().to_owned());
        let rehash = success.rehash.map(|h| h.as_phc().to_owned());
        let reset = success.reset_failures;
        self.run(move |conn| {
            // L3, P4 and the verified-hash condition in one statement; a write only when there
            // is something to change (most sign-ins follow no failure, and a read costs no WAL
            // flush).
            if reset || rehash.is_some() {
                let unchecked = verified.is_none();
                let target = accounts::table
                    .filter(accounts::id.eq(key))
                    .filter(accounts::locked_at.is_null())
                    .filter(
                        accounts::password_hash
                            .eq(verified.clone())
                            .or(unchecked.into_sql::<Bool>()),
                    );
                let updated = match &rehash {
                    Some(new) => diesel::update(target)
                        .set((
                            accounts::failures.eq(case_when(
                                reset.into_sql::<Bool>(),
                                0.into_sql::<diesel::sql_types::Integer>(),
                            )
                            .otherwise(accounts::failures)),
                            accounts::password_hash.eq(Some(new.clone())),
                        ))
                        .execute(conn),
                    None => diesel::update(target.filter(accounts::failures.ne(0)))
                        .set(accounts::failures.eq(0))
                        .execute(conn),
                }
                .map_err(error::db)?;
                if updated > 0 {
                    return Ok(Ok(()));
                }
            }
            let row: Option<(bool, Option<String>)> = accounts::table
                .filter(accounts::id.eq(key))
                .select((accounts::locked_at.is_not_null(), accounts::password_hash))
                .first(conn)
                .optional()
                .map_err(error::db)?;
            match row {
                None => Err(StoreError::Conflict("unknown account".into())),
                Some((true, _)) => Ok(Err(SuccessRefused::Locked)),
                Some((false, stored)) if verified.is_some() && stored != verified => {
                    Ok(Err(SuccessRefused::Stale))
                }
                Some(_) => Ok(Ok(())),
            }
        })
        .await
    }

    async fn unlock_with_ticket(
        &self,
        ticket: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Result<AccountId, TicketError>, StoreError> {
        let hash = ticket.as_bytes().to_vec();
        self.run(move |conn| {
            ticket_outcome(conn.transaction(|conn| {
                let t = consume(conn, &hash, TicketPurpose::Unlock, at)?;
                diesel::update(accounts::table.filter(accounts::id.eq(id(t.account.as_uuid()))))
                    .set((accounts::failures.eq(0), accounts::locked_at.eq(None::<At>)))
                    .execute(conn)?;
                Ok(t.account)
            }))
        })
        .await
    }

    async fn complete_password_reset(
        &self,
        reset: PasswordReset,
    ) -> Result<Result<AccountId, TicketError>, StoreError> {
        let hash = reset.ticket.as_bytes().to_vec();
        let new_hash = reset.new_hash.as_phc().to_owned();
        let notice = NewMailRow::from_domain(&reset.notice)?;
        let at = reset.at;
        self.run(move |conn| {
            ticket_outcome(conn.transaction(|conn| {
                let t = consume(conn, &hash, TicketPurpose::PasswordReset, at)?;
                let account = id(t.account.as_uuid());
                let changed = diesel::update(accounts::table.filter(accounts::id.eq(account)))
                    .set((
                        accounts::password_hash.eq(Some(new_hash)),
                        accounts::failures.eq(0),
                        accounts::locked_at.eq(None::<At>),
                    ))
                    .execute(conn)?;
                if changed == 0 {
                    // Rolls back the consumption too.
                    return Err(TxError::Ticket(TicketError::Voided));
                }
                void_reset_and_unlock(conn, account, at)?;
                // T6: the second factor goes with the old password.
                clear_second_factor(conn, account)?;
                diesel::delete(sessions::table.filter(sessions::account_id.eq(account)))
                    .execute(conn)?;
                insert_mail(conn, &notice)?;
                Ok(t.account)
            }))
        })
        .await
    }

    async fn set_two_factor_policy(
        &self,
        contract: ContractId,
        policy: TwoFactorPolicy,
    ) -> Result<(), StoreError> {
        let key = id(contract.as_uuid());
        self.run(move |conn| {
            let updated = diesel::update(contracts::table.filter(contracts::id.eq(key)))
                .set(contracts::two_factor.eq(policy.as_str()))
                .execute(conn)
                .map_err(error::db)?;
            known_contract(updated)
        })
        .await
    }

    async fn change_password(&self, change: PasswordChange) -> Result<bool, StoreError> {
        let account = id(change.account.as_uuid());
        let expected = change.expected.as_phc().to_owned();
        let new_hash = change.new_hash.as_phc().to_owned();
        let keep = id(change.keep_session.as_uuid());
        let notice = NewMailRow::from_domain(&change.notice)?;
        let at = change.at;
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                let changed = diesel::update(
                    accounts::table
                        .filter(accounts::id.eq(account))
                        .filter(accounts::password_hash.eq(expected)),
                )
                .set(accounts::password_hash.eq(Some(new_hash)))
                .execute(conn)?;
                if changed == 0 {
                    return Ok(false);
                }
                // P3: a reset or unlock link mailed before the change must not undo it.
                void_reset_and_unlock(conn, account, at)?;
                diesel::delete(
                    sessions::table
                        .filter(sessions::account_id.eq(account))
                        .filter(sessions::id.ne(keep)),
                )
                .execute(conn)?;
                insert_mail(conn, &notice)?;
                Ok(true)
            }))
        })
        .await
    }

    async fn set_locale(&self, account: AccountId, locale: Locale) -> Result<bool, StoreError> {
        let key = id(account.as_uuid());
        self.run(move |conn| {
            diesel::update(accounts::table.filter(accounts::id.eq(key)))
                .set(accounts::locale.eq(locale.as_str()))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(error::db)
        })
        .await
    }
}

#[async_trait]
impl TicketStore for DieselStore {
    async fn issue_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError> {
        let row = TicketRow::from_domain(ticket);
        let mail = NewMailRow::from_domain(mail)?;
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                diesel::insert_into(tickets::table)
                    .values(&row)
                    .execute(conn)?;
                insert_mail(conn, &mail)?;
                Ok(())
            }))
        })
        .await
    }

    async fn issue_reset_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError> {
        let row = TicketRow::from_domain(ticket);
        let mail = NewMailRow::from_domain(mail)?;
        let account = id(ticket.account.as_uuid());
        let at = ticket.issued_at;
        self.run(move |conn| {
            plain(conn.transaction(|conn| {
                // P3: only the newest reset link is live. The void writes first (SQLite never
                // upgrades a read lock); on PostgreSQL concurrent issues serialise on the rows.
                diesel::update(
                    tickets::table
                        .filter(tickets::account_id.eq(account))
                        .filter(tickets::purpose.eq(TicketPurpose::PasswordReset.as_str()))
                        .filter(tickets::used_at.is_null())
                        .filter(tickets::voided_at.is_null()),
                )
                .set(tickets::voided_at.eq(Some(At(at))))
                .execute(conn)?;
                diesel::insert_into(tickets::table)
                    .values(&row)
                    .execute(conn)?;
                insert_mail(conn, &mail)?;
                Ok(())
            }))
        })
        .await
    }

    async fn ticket(&self, hash: TokenHash) -> Result<Option<Ticket>, StoreError> {
        let hash = hash.as_bytes().to_vec();
        self.run(move |conn| {
            tickets::table
                .filter(tickets::hash.eq(hash))
                .select(TicketRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(TicketRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn consume_ticket(
        &self,
        hash: TokenHash,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<Result<Ticket, TicketError>, StoreError> {
        let hash = hash.as_bytes().to_vec();
        self.run(move |conn| {
            ticket_outcome(conn.transaction(|conn| consume(conn, &hash, purpose, at)))
        })
        .await
    }

    async fn record_link_send(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError> {
        let key = id(account.as_uuid());
        let since = At(at - Duration::hours(24));
        let cap = i64::from(cap);
        self.run(move |conn| {
            crate::error::applied(conn.transaction(|conn| {
                // X5 without over-admitting: on PostgreSQL, sends for one account serialise on
                // an advisory lock; SQLite runs one writing transaction at a time, and the first
                // statement below writes.
                let lock_key = format!("{}:{}", key.0.hyphenated(), purpose.as_str());
                crate::second_factor::advisory_lock(conn, LINK_SEND_LOCK, &lock_key)?;
                diesel::delete(
                    link_sends::table
                        .filter(link_sends::account_id.eq(key))
                        .filter(link_sends::sent_at.le(since)),
                )
                .execute(conn)?;
                let sent: i64 = link_sends::table
                    .filter(link_sends::account_id.eq(key))
                    .filter(link_sends::purpose.eq(purpose.as_str()))
                    .filter(link_sends::sent_at.gt(since))
                    .count()
                    .get_result(conn)?;
                if sent >= cap {
                    return Err(TxError::NotApplied);
                }
                diesel::insert_into(link_sends::table)
                    .values((
                        link_sends::account_id.eq(key),
                        link_sends::purpose.eq(purpose.as_str()),
                        link_sends::sent_at.eq(At(at)),
                    ))
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }

    async fn void_tickets(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let account = id(account.as_uuid());
        self.run(move |conn| {
            diesel::update(
                tickets::table
                    .filter(tickets::account_id.eq(account))
                    .filter(tickets::purpose.eq(purpose.as_str()))
                    .filter(tickets::used_at.is_null())
                    .filter(tickets::voided_at.is_null()),
            )
            .set(tickets::voided_at.eq(Some(At(at))))
            .execute(conn)
            .map(|n| n as u64)
            .map_err(error::db)
        })
        .await
    }

    async fn queue_reset_request(&self, request: &ResetRequest) -> Result<(), StoreError> {
        let row = ResetRequestRow::from_domain(request);
        // One insert that reads nothing: the same work whatever the address (L5).
        self.run(move |conn| {
            diesel::insert_into(reset_requests::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(error::db)
        })
        .await
    }

    async fn claim_reset_requests(
        &self,
        at: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ResetRequest>, StoreError> {
        let until = at + lease;
        self.run(move |conn| {
            let rows = crate::reset_requests::claim(conn, at, until, i64::from(limit))
                .map_err(error::db)?;
            let mut requests = rows
                .into_iter()
                .map(ResetRequestRow::into_domain)
                .collect::<Result<Vec<_>, _>>()?;
            requests.sort_by_key(|r| (r.requested_at, r.id));
            Ok(requests)
        })
        .await
    }

    async fn finish_reset_request(&self, request: ResetRequestId) -> Result<(), StoreError> {
        let key = id(request.as_uuid());
        self.run(move |conn| {
            diesel::delete(reset_requests::table.filter(reset_requests::id.eq(key)))
                .execute(conn)
                .map(drop)
                .map_err(error::db)
        })
        .await
    }
}

#[async_trait]
impl SessionStore for DieselStore {
    async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        let row = SessionRow::from_domain(session);
        self.run(move |conn| {
            diesel::insert_into(sessions::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(error::db)
        })
        .await
    }

    async fn session(&self, token: TokenHash) -> Result<Option<Session>, StoreError> {
        let hash = token.as_bytes().to_vec();
        // Read together with the lookups queued alongside (no cache: a query that starts
        // after this call answers it); alone if the queue's task is gone.
        if let Some(answer) = self.session_reads.lookup(hash.clone()).await {
            return answer;
        }
        self.run(move |conn| {
            sessions::table
                .filter(sessions::token_hash.eq(hash))
                .select(SessionRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(SessionRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn touch_session(&self, token: TokenHash, at: DateTime<Utc>) -> Result<(), StoreError> {
        let hash = token.as_bytes().to_vec();
        self.run(move |conn| {
            diesel::update(
                sessions::table
                    .filter(sessions::token_hash.eq(hash))
                    .filter(sessions::last_seen_at.lt(At(at))),
            )
            .set(sessions::last_seen_at.eq(At(at)))
            .execute(conn)
            .map(drop)
            .map_err(error::db)
        })
        .await
    }

    async fn delete_session(&self, token: TokenHash) -> Result<bool, StoreError> {
        let hash = token.as_bytes().to_vec();
        self.run(move |conn| {
            diesel::delete(sessions::table.filter(sessions::token_hash.eq(hash)))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(error::db)
        })
        .await
    }

    async fn delete_session_by_id(
        &self,
        account: AccountId,
        session: SessionId,
    ) -> Result<bool, StoreError> {
        let account = id(account.as_uuid());
        let session = id(session.as_uuid());
        self.run(move |conn| {
            diesel::delete(
                sessions::table
                    .filter(sessions::account_id.eq(account))
                    .filter(sessions::id.eq(session)),
            )
            .execute(conn)
            .map(|n| n > 0)
            .map_err(error::db)
        })
        .await
    }

    async fn sessions_of(&self, account: AccountId) -> Result<Vec<Session>, StoreError> {
        let account = id(account.as_uuid());
        self.run(move |conn| {
            sessions::table
                .filter(sessions::account_id.eq(account))
                .order((sessions::created_at.asc(), sessions::id.asc()))
                .select(SessionRow::as_select())
                .load(conn)
                .map_err(error::db)?
                .into_iter()
                .map(SessionRow::into_domain)
                .collect()
        })
        .await
    }

    async fn delete_sessions_of(
        &self,
        account: AccountId,
        except: Option<SessionId>,
    ) -> Result<u64, StoreError> {
        let account = id(account.as_uuid());
        let except = except.map(|s| id(s.as_uuid()));
        self.run(move |conn| {
            let of_account = sessions::table.filter(sessions::account_id.eq(account));
            match except {
                Some(keep) => {
                    diesel::delete(of_account.filter(sessions::id.ne(keep))).execute(conn)
                }
                None => diesel::delete(of_account).execute(conn),
            }
            .map(|n| n as u64)
            .map_err(error::db)
        })
        .await
    }
}

diesel::alias!(outbox as candidate: CandidateAlias);

/// Claims due, unleased mails. The lease is one conditional update that re-checks the
/// conditions, so a row another claimer leased meanwhile is skipped. On PostgreSQL the
/// candidates are first locked with `FOR UPDATE SKIP LOCKED` (in the same transaction), so
/// concurrent claimers take different mails instead of queueing on the same rows; on SQLite,
/// whose writers are serialised, one `UPDATE ... WHERE seq IN (SELECT ...)` does it.
///
/// Due-ness compares with `at` (the caller's time, which wrote the due times); leases with
/// the database's clock (`now`), so a worker whose clock runs fast takes no leased mail early.
/// A claimed mail's due time becomes the database's `now`: it was due for its claimer, so if
/// the claimer dies (or releases it) it is due for every other worker, even when a clock
/// running fast wrote its due time.
fn claim(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    owner: &str,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<MailRow>> {
    let now = database_now(conn)?;
    let until = now + lease;
    macro_rules! due {
        ($state:expr, $next:expr, $lease:expr) => {
            $state
                .eq("pending")
                .and($next.le(At(at)))
                .and($lease.is_null().or($lease.le(At(now))))
        };
    }
    macro_rules! candidates {
        () => {
            candidate
                .filter(due!(
                    candidate.field(outbox::state),
                    candidate.field(outbox::next_attempt_at),
                    candidate.field(outbox::leased_until)
                ))
                .order((
                    candidate.field(outbox::created_at).asc(),
                    candidate.field(outbox::seq).asc(),
                ))
                .limit(limit)
                .select(candidate.field(outbox::seq))
        };
    }
    macro_rules! lease {
        ($candidates:expr) => {
            diesel::update(
                outbox::table
                    .filter(outbox::seq.eq_any($candidates))
                    .filter(due!(
                        outbox::state,
                        outbox::next_attempt_at,
                        outbox::leased_until
                    )),
            )
            .set((
                outbox::leased_until.eq(Some(At(until))),
                outbox::leased_by.eq(Some(owner)),
            ))
            .returning(MAIL_COLUMNS)
        };
    }
    let rows: Vec<MailRow> = match conn {
        AnyConnection::Postgresql(pg) => pg.transaction(|pg| {
            // A `LIMIT` subquery inside `IN (...)` may be re-evaluated per row by PostgreSQL
            // (and then lease more than `limit` rows); locking the candidates first avoids it.
            let seqs: Vec<i64> = candidates!().for_update().skip_locked().load(pg)?;
            lease!(seqs).get_results(pg)
        })?,
        AnyConnection::Sqlite(_) => lease!(candidates!()).get_results(conn)?,
    };
    // Stored due times written by a clock ahead of the database's come back to its `now` (the
    // claimer gets the rows as they were). Only such rows cost a statement; the lease holds
    // them, so no other claimer sees the change early.
    let ahead: Vec<i64> = rows
        .iter()
        .filter(|r| r.due_after(now))
        .map(MailRow::seq)
        .collect();
    if !ahead.is_empty() {
        diesel::update(outbox::table.filter(outbox::seq.eq_any(&ahead)))
            .set(outbox::next_attempt_at.eq(Some(At(now))))
            .execute(conn)?;
    }
    Ok(rows)
}

#[async_trait]
impl OutboxStore for DieselStore {
    async fn enqueue_mail(&self, mail: &Mail) -> Result<(), StoreError> {
        let row = NewMailRow::from_domain(mail)?;
        self.run(move |conn| insert_mail(conn, &row).map(drop).map_err(error::db))
            .await
    }

    async fn claim_due_mail(
        &self,
        at: DateTime<Utc>,
        owner: &LeaseOwner,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let owner = owner.as_str().to_owned();
        self.run(move |conn| {
            let mut rows = claim(conn, at, &owner, lease, i64::from(limit)).map_err(error::db)?;
            rows.sort_by_key(MailRow::order_key);
            rows.into_iter().map(MailRow::into_domain).collect()
        })
        .await
    }

    async fn renew_mail_leases(
        &self,
        owner: &LeaseOwner,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        let owner = owner.as_str().to_owned();
        self.run(move |conn| {
            conn.transaction(|conn| {
                let until = database_now(conn)? + lease;
                diesel::update(
                    outbox::table
                        .filter(outbox::leased_by.eq(owner))
                        .filter(outbox::state.eq("pending")),
                )
                .set(outbox::leased_until.eq(Some(At(until))))
                .execute(conn)
            })
            .map(|n| n as u64)
            .map_err(error::db)
        })
        .await
    }

    async fn release_mail_leases(&self, owner: &LeaseOwner) -> Result<u64, StoreError> {
        let owner = owner.as_str().to_owned();
        self.run(move |conn| {
            diesel::update(
                outbox::table
                    .filter(outbox::leased_by.eq(owner))
                    .filter(outbox::state.eq("pending")),
            )
            .set((
                outbox::leased_until.eq(None::<At>),
                outbox::leased_by.eq(None::<String>),
            ))
            .execute(conn)
            .map(|n| n as u64)
            .map_err(error::db)
        })
        .await
    }

    async fn record_delivery(
        &self,
        mail: MailId,
        holder: Option<&LeaseOwner>,
        state: DeliveryState,
    ) -> Result<bool, StoreError> {
        let key = id(mail.as_uuid());
        let holder = holder.map(|h| h.as_str().to_owned());
        let (change, sent) = DeliveryChange::from_domain(&state)?;
        self.run(move |conn| {
            // A sent mail stays sent (it is never claimed again), and its token is erased. A
            // worker records only while it holds the lease (one statement: the check and the
            // change cannot be separated by another claim).
            let target = outbox::table
                .filter(outbox::id.eq(key))
                .filter(outbox::state.ne("sent"));
            macro_rules! apply {
                ($target:expr) => {
                    if sent {
                        diesel::update($target)
                            .set((&change, outbox::link_token.eq(None::<String>)))
                            .execute(conn)
                    } else {
                        diesel::update($target).set(&change).execute(conn)
                    }
                };
            }
            match holder {
                Some(holder) => apply!(target.filter(outbox::leased_by.eq(holder))),
                None => apply!(target),
            }
            .map(|n| n > 0)
            .map_err(error::db)
        })
        .await
    }

    async fn unsent_mail(&self) -> Result<Vec<QueuedMail>, StoreError> {
        self.run(move |conn| {
            outbox::table
                .filter(outbox::state.ne("sent"))
                .order((outbox::created_at.asc(), outbox::seq.asc()))
                .select(MailRow::as_select())
                .load(conn)
                .map_err(error::db)?
                .into_iter()
                .map(MailRow::into_domain)
                .collect()
        })
        .await
    }

    async fn recent_mail(&self, limit: usize) -> Result<Vec<QueuedMail>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let mut recent = outbox::table
                .order((outbox::created_at.desc(), outbox::seq.desc()))
                .limit(limit)
                .select(MailRow::as_select())
                .load(conn)
                .map_err(error::db)?
                .into_iter()
                .map(MailRow::into_domain)
                .collect::<Result<Vec<_>, _>>()?;
            recent.reverse();
            Ok(recent)
        })
        .await
    }
}
