//! Second factors (T, L6, X5): enrolments, pending sign-ins, remembered browsers and the SMS
//! send log, and their rows.
//!
//! A pending sign-in's stage is this crate's own JSON document ([`StageDto`]), tagged by stage:
//! the core's types are not serialisable, and a stored document must stay readable when the
//! core changes. The SMS code's wrong tries are kept out of it, in the row's own
//! `sms_wrong_tries` column (`NULL` while no code was sent), so that one `UPDATE` counts them.

use async_trait::async_trait;
use auth_core::domain::{
    AccountId, Channel, ChannelKind, ClientInfo, ContractId, EnrolledFactor, Enrolment, LineNumber,
    PasswordHash, PendingSignIn, PendingStage, PhoneNumber, RememberedBrowser, SecondFactorKind,
    SessionScope, SmsChallenge, TokenHash, TotpSecret,
};
use auth_core::domain::{Mail, SealedRecoveryCode};
use auth_core::ports::{EnrolmentCommit, SignInFinish, StoreError, TwoFactorStore};
use chrono::{DateTime, Duration, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::DieselStore;
use crate::conn::AnyConnection;
use crate::error::{self, TxError, applied, plain};
use crate::mail::NewMailRow;
use crate::rows::SessionRow;
use crate::rows::{corrupt, token_hash, unsupported};
use crate::schema::{accounts, sessions};
use crate::schema::{enrolments, pending_sign_ins, remembered_browsers, sms_sends};
use crate::sql_types::{At, Id};
use crate::store::insert_mail;

/// First key of the PostgreSQL advisory locks that serialise SMS sends per account.
const SMS_ACCOUNT_LOCK: i32 = 0x746f_0001;
/// First key of the PostgreSQL advisory locks that serialise SMS sends per number.
const SMS_NUMBER_LOCK: i32 = 0x746f_0002;

// ---- small encodings

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

// ---- the stage document

/// A pending sign-in's stage as stored. Tagged by `"type"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum StageDto {
    Enrol {
        /// The offered authenticator secret, hex (it must be kept: the first code is checked
        /// against it).
        totp_secret: Option<String>,
        sms: Option<SmsDto>,
    },
    Challenge {
        sms: Option<SmsDto>,
    },
    RecoveryShown {
        /// Hex of the sealed recovery code awaiting "I saved it", shown again until then
        /// (absent in rows written before it was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    LineConsent {
        line: String,
    },
}

/// An SMS challenge without its wrong tries (they live in `sms_wrong_tries`).
#[derive(Debug, Serialize, Deserialize)]
struct SmsDto {
    /// E.164.
    phone: String,
    /// Hex.
    salt: String,
    /// Hex of the salted SHA-256 of the code.
    code_hash: String,
    /// RFC 3339, UTC.
    sent_at: String,
}

impl SmsDto {
    fn from_challenge(c: &SmsChallenge) -> Self {
        Self {
            phone: c.phone.as_e164().to_owned(),
            salt: hex(&c.salt),
            code_hash: hex(c.code_hash.as_bytes()),
            sent_at: c.sent_at.to_rfc3339(),
        }
    }

    fn into_challenge(self, wrong_tries: Option<i32>) -> Result<SmsChallenge, StoreError> {
        let salt: [u8; 16] = unhex(&self.salt)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| corrupt("SMS code salt"))?;
        let code_hash = token_hash(&unhex(&self.code_hash).ok_or_else(|| corrupt("SMS code"))?)?;
        Ok(SmsChallenge {
            phone: PhoneNumber::parse(&self.phone).map_err(|_| corrupt("SMS phone number"))?,
            salt,
            code_hash,
            sent_at: DateTime::parse_from_rfc3339(&self.sent_at)
                .map_err(|_| corrupt("SMS sending time"))?
                .with_timezone(&Utc),
            wrong_tries: wrong_tries
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| corrupt("SMS wrong tries"))?,
        })
    }
}

/// A stage as its JSON document and the wrong tries of its SMS code (`None`: no code).
fn encode_stage(stage: &PendingStage) -> Result<(String, Option<i32>), StoreError> {
    let tries = |sms: &Option<SmsChallenge>| sms.as_ref().map(|c| i32::from(c.wrong_tries));
    let (dto, wrong_tries) = match stage {
        PendingStage::Enrol { totp_secret, sms } => (
            StageDto::Enrol {
                totp_secret: totp_secret.as_ref().map(|s| hex(s.as_bytes())),
                sms: sms.as_ref().map(SmsDto::from_challenge),
            },
            tries(sms),
        ),
        PendingStage::Challenge { sms } => (
            StageDto::Challenge {
                sms: sms.as_ref().map(SmsDto::from_challenge),
            },
            tries(sms),
        ),
        PendingStage::RecoveryShown { code } => (
            StageDto::RecoveryShown {
                code: code.as_ref().map(|c| hex(c.as_bytes())),
            },
            None,
        ),
        PendingStage::LineConsent { line } => (
            StageDto::LineConsent {
                line: line.as_str().to_owned(),
            },
            None,
        ),
    };
    let json = serde_json::to_string(&dto).map_err(|_| unsupported("sign-in stage"))?;
    Ok((json, wrong_tries))
}

fn decode_stage(json: &str, wrong_tries: Option<i32>) -> Result<PendingStage, StoreError> {
    let dto: StageDto = serde_json::from_str(json).map_err(|_| corrupt("sign-in stage"))?;
    let sms = |sms: Option<SmsDto>| sms.map(|d| d.into_challenge(wrong_tries)).transpose();
    Ok(match dto {
        StageDto::Enrol {
            totp_secret,
            sms: s,
        } => PendingStage::Enrol {
            totp_secret: totp_secret
                .map(|hex| {
                    unhex(&hex)
                        .map(|b| TotpSecret::from_bytes(&b))
                        .ok_or_else(|| corrupt("offered TOTP secret"))
                })
                .transpose()?,
            sms: sms(s)?,
        },
        StageDto::Challenge { sms: s } => PendingStage::Challenge { sms: sms(s)? },
        StageDto::RecoveryShown { code } => PendingStage::RecoveryShown {
            code: code
                .map(|c| {
                    unhex(&c)
                        .and_then(|b| SealedRecoveryCode::from_bytes(&b))
                        .ok_or_else(|| corrupt("kept recovery code"))
                })
                .transpose()?,
        },
        StageDto::LineConsent { line } => PendingStage::LineConsent {
            line: LineNumber::parse(&line).map_err(|_| corrupt("consent line number"))?,
        },
    })
}

// ---- rows

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = enrolments)]
struct EnrolmentRow {
    account_id: Id,
    method: String,
    totp_secret: Option<Vec<u8>>,
    phone: Option<String>,
    recovery_hash: String,
    last_totp_step: Option<i64>,
    enrolled_at: At,
}

impl EnrolmentRow {
    fn from_domain(account: Id, e: &Enrolment) -> Result<Self, StoreError> {
        let (totp_secret, phone) = match &e.factor {
            EnrolledFactor::Totp { secret } => (Some(secret.as_bytes().to_vec()), None),
            EnrolledFactor::Sms { phone } => (None, Some(phone.as_e164().to_owned())),
        };
        Ok(Self {
            account_id: account,
            method: e.factor.kind().as_str().to_owned(),
            totp_secret,
            phone,
            recovery_hash: e.recovery_hash.as_phc().to_owned(),
            last_totp_step: e
                .last_totp_step
                .map(|s| i64::try_from(s).map_err(|_| unsupported("TOTP step")))
                .transpose()?,
            enrolled_at: At(e.enrolled_at),
        })
    }

    fn into_domain(self) -> Result<Enrolment, StoreError> {
        let factor = match (
            SecondFactorKind::from_name(&self.method),
            self.totp_secret,
            self.phone,
        ) {
            (Some(SecondFactorKind::Totp), Some(secret), None) => EnrolledFactor::Totp {
                secret: TotpSecret::from_bytes(&secret),
            },
            (Some(SecondFactorKind::Sms), None, Some(phone)) => EnrolledFactor::Sms {
                phone: PhoneNumber::parse(&phone).map_err(|_| corrupt("enrolled phone"))?,
            },
            _ => return Err(corrupt("second-factor enrolment")),
        };
        Ok(Enrolment {
            factor,
            recovery_hash: PasswordHash::from_phc(self.recovery_hash)
                .map_err(|_| corrupt("recovery code hash"))?,
            last_totp_step: self
                .last_totp_step
                .map(u64::try_from)
                .transpose()
                .map_err(|_| corrupt("TOTP step"))?,
            enrolled_at: self.enrolled_at.0,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pending_sign_ins)]
struct PendingRow {
    token_hash: Vec<u8>,
    account_id: Id,
    contract_id: Id,
    scope: String,
    channel: String,
    line_number: Option<String>,
    client_address: Option<String>,
    user_agent: Option<String>,
    created_at: At,
    stage: String,
    sms_wrong_tries: Option<i32>,
    remember_browser: bool,
}

impl PendingRow {
    fn from_domain(p: &PendingSignIn) -> Result<Self, StoreError> {
        let line_number = match &p.client.channel {
            Channel::Line(line) => Some(line.as_str().to_owned()),
            Channel::Internet => None,
        };
        let (stage, sms_wrong_tries) = encode_stage(&p.stage)?;
        Ok(Self {
            token_hash: p.token_hash.as_bytes().to_vec(),
            account_id: Id(p.account.as_uuid()),
            contract_id: Id(p.contract.as_uuid()),
            scope: p.scope.as_str().to_owned(),
            channel: p.client.channel.kind().as_str().to_owned(),
            line_number,
            client_address: p.client.address.map(|a| a.to_string()),
            user_agent: p.client.user_agent.clone(),
            created_at: At(p.created_at),
            stage,
            sms_wrong_tries,
            remember_browser: p.remember_browser,
        })
    }

    fn into_domain(self) -> Result<PendingSignIn, StoreError> {
        let channel = match (ChannelKind::from_name(&self.channel), self.line_number) {
            (Some(ChannelKind::Internet), None) => Channel::Internet,
            (Some(ChannelKind::Line), Some(line)) => {
                Channel::Line(LineNumber::parse(&line).map_err(|_| corrupt("line number"))?)
            }
            _ => return Err(corrupt("sign-in channel")),
        };
        Ok(PendingSignIn {
            token_hash: token_hash(&self.token_hash)?,
            account: AccountId::from_uuid(self.account_id.0),
            contract: ContractId::from_uuid(self.contract_id.0),
            scope: SessionScope::from_name(&self.scope).ok_or_else(|| corrupt("session scope"))?,
            client: ClientInfo {
                channel,
                address: self
                    .client_address
                    .map(|a| a.parse())
                    .transpose()
                    .map_err(|_| corrupt("client address"))?,
                user_agent: self.user_agent,
            },
            created_at: self.created_at.0,
            stage: decode_stage(&self.stage, self.sms_wrong_tries)?,
            remember_browser: self.remember_browser,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = remembered_browsers)]
struct BrowserRow {
    token_hash: Vec<u8>,
    account_id: Id,
    last_used_at: At,
}

// ---- shared steps

/// Deletes the account's enrolment, pending sign-ins and remembered browsers (T6), inside the
/// caller's transaction.
pub(crate) fn clear_second_factor(conn: &mut AnyConnection, account: Id) -> QueryResult<()> {
    diesel::delete(enrolments::table.filter(enrolments::account_id.eq(account))).execute(conn)?;
    diesel::delete(pending_sign_ins::table.filter(pending_sign_ins::account_id.eq(account)))
        .execute(conn)?;
    diesel::delete(remembered_browsers::table.filter(remembered_browsers::account_id.eq(account)))
        .execute(conn)?;
    Ok(())
}

/// Moves a pending sign-in to `RecoveryShown` (its SMS code goes with the old stage) under the
/// token hash `next` (the old one stops working), with the browser choice when given; returns
/// its account when it exists.
fn show_recovery(
    conn: &mut AnyConnection,
    pending: &[u8],
    next: &[u8],
    remember_browser: Option<bool>,
) -> Result<Option<Id>, TxError> {
    let (stage, _) = encode_stage(&PendingStage::RecoveryShown { code: None })?;
    let target = pending_sign_ins::table.filter(pending_sign_ins::token_hash.eq(pending));
    let columns = (
        pending_sign_ins::stage.eq(stage),
        pending_sign_ins::sms_wrong_tries.eq(None::<i32>),
        pending_sign_ins::token_hash.eq(next),
    );
    Ok(match remember_browser {
        Some(remember) => diesel::update(target)
            .set((columns, pending_sign_ins::remember_browser.eq(remember)))
            .returning(pending_sign_ins::account_id)
            .get_result(conn)
            .optional()?,
        None => diesel::update(target)
            .set(columns)
            .returning(pending_sign_ins::account_id)
            .get_result(conn)
            .optional()?,
    })
}

/// Takes a PostgreSQL advisory lock, held to the end of the transaction. Keys that collide only
/// serialise more than needed, never less.
pub(crate) fn advisory_lock(conn: &mut AnyConnection, class: i32, key: &str) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(class)
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}

#[async_trait]
impl TwoFactorStore for DieselStore {
    async fn enrolment(&self, account: AccountId) -> Result<Option<Enrolment>, StoreError> {
        let key = Id(account.as_uuid());
        self.run(move |conn| {
            enrolments::table
                .filter(enrolments::account_id.eq(key))
                .select(EnrolmentRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(EnrolmentRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn insert_pending(&self, pending: &PendingSignIn) -> Result<(), StoreError> {
        let row = PendingRow::from_domain(pending)?;
        self.run(move |conn| {
            diesel::insert_into(pending_sign_ins::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(error::db)
        })
        .await
    }

    async fn pending(&self, token: TokenHash) -> Result<Option<PendingSignIn>, StoreError> {
        let hash = token.as_bytes().to_vec();
        self.run(move |conn| {
            pending_sign_ins::table
                .filter(pending_sign_ins::token_hash.eq(hash))
                .select(PendingRow::as_select())
                .first(conn)
                .optional()
                .map_err(error::db)?
                .map(PendingRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn update_pending(&self, pending: &PendingSignIn) -> Result<bool, StoreError> {
        let row = PendingRow::from_domain(pending)?;
        self.run(move |conn| {
            diesel::update(
                pending_sign_ins::table.filter(pending_sign_ins::token_hash.eq(row.token_hash)),
            )
            .set((
                pending_sign_ins::stage.eq(row.stage),
                pending_sign_ins::sms_wrong_tries.eq(row.sms_wrong_tries),
                pending_sign_ins::remember_browser.eq(row.remember_browser),
            ))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(error::db)
        })
        .await
    }

    async fn record_sms_wrong_try(&self, token: TokenHash) -> Result<Option<u8>, StoreError> {
        let hash = token.as_bytes().to_vec();
        self.run(move |conn| {
            // T7 in one statement: count only where a code was sent (the column is not NULL);
            // concurrent tries serialise on the row and each sees the previous count.
            let tries = pending_sign_ins::sms_wrong_tries;
            let counted: Option<Option<i32>> = diesel::update(
                pending_sign_ins::table
                    .filter(pending_sign_ins::token_hash.eq(hash))
                    .filter(tries.is_not_null()),
            )
            .set(tries.eq(case_when(tries.lt(255), tries + 1).otherwise(tries)))
            .returning(tries)
            .get_result(conn)
            .optional()
            .map_err(error::db)?;
            counted
                .flatten()
                .map(|n| u8::try_from(n).map_err(|_| corrupt("SMS wrong tries")))
                .transpose()
        })
        .await
    }

    async fn take_pending(&self, token: TokenHash) -> Result<bool, StoreError> {
        let hash = token.as_bytes().to_vec();
        self.run(move |conn| {
            // The delete's affected-row count decides: of concurrent takers, one deletes.
            diesel::delete(pending_sign_ins::table.filter(pending_sign_ins::token_hash.eq(hash)))
                .execute(conn)
                .map(|n| n > 0)
                .map_err(error::db)
        })
        .await
    }

    async fn complete_enrolment(&self, commit: EnrolmentCommit) -> Result<bool, StoreError> {
        let pending = commit.pending.as_bytes().to_vec();
        let next = commit.next_token.as_bytes().to_vec();
        let remember = commit.remember_browser;
        let notice = NewMailRow::from_domain(&commit.notice)?;
        let enrolment = commit.enrolment;
        // Validate the enrolment before touching the database.
        EnrolmentRow::from_domain(Id(uuid::Uuid::nil()), &enrolment)?;
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                let Some(account) = show_recovery(conn, &pending, &next, Some(remember))? else {
                    return Err(TxError::NotApplied);
                };
                // The primary key decides "no enrolment yet": a second one rolls all back.
                let row = EnrolmentRow::from_domain(account, &enrolment)?;
                match diesel::insert_into(enrolments::table)
                    .values(&row)
                    .execute(conn)
                {
                    Err(e) if error::is_unique_violation(&e) => return Err(TxError::NotApplied),
                    other => other?,
                };
                insert_mail(conn, &notice)?;
                Ok(())
            }))
        })
        .await
    }

    async fn spend_totp_step(&self, account: AccountId, step: u64) -> Result<bool, StoreError> {
        let key = Id(account.as_uuid());
        let step = i64::try_from(step).map_err(|_| unsupported("TOTP step"))?;
        self.run(move |conn| {
            // T7 in one conditional statement: a step is spent only over an earlier one, so
            // of concurrent spenders of one step exactly one updates the row.
            diesel::update(
                enrolments::table
                    .filter(enrolments::account_id.eq(key))
                    .filter(
                        enrolments::last_totp_step
                            .is_null()
                            .or(enrolments::last_totp_step.lt(step)),
                    ),
            )
            .set(enrolments::last_totp_step.eq(Some(step)))
            .execute(conn)
            .map(|n| n > 0)
            .map_err(error::db)
        })
        .await
    }

    async fn replace_recovery_code(
        &self,
        account: AccountId,
        old: PasswordHash,
        new: PasswordHash,
        pending: TokenHash,
        next_token: TokenHash,
        notice: Mail,
    ) -> Result<bool, StoreError> {
        let key = Id(account.as_uuid());
        let old = old.as_phc().to_owned();
        let new = new.as_phc().to_owned();
        let pending = pending.as_bytes().to_vec();
        let next = next_token.as_bytes().to_vec();
        let notice = NewMailRow::from_domain(&notice)?;
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                // T5: conditional on the hash that was verified; concurrent users of one code
                // serialise on the row and only the first still finds the old hash.
                let replaced = diesel::update(
                    enrolments::table
                        .filter(enrolments::account_id.eq(key))
                        .filter(enrolments::recovery_hash.eq(old)),
                )
                .set(enrolments::recovery_hash.eq(new))
                .execute(conn)?;
                if replaced == 0 {
                    return Err(TxError::NotApplied);
                }
                show_recovery(conn, &pending, &next, None)?;
                insert_mail(conn, &notice)?;
                Ok(())
            }))
        })
        .await
    }

    async fn finish_sign_in(&self, finish: SignInFinish) -> Result<bool, StoreError> {
        let pending = finish.pending.as_bytes().to_vec();
        let key = Id(finish.session.account.as_uuid());
        let browser = finish.remembered_browser.map(|b| BrowserRow {
            token_hash: b.token_hash.as_bytes().to_vec(),
            account_id: Id(b.account.as_uuid()),
            last_used_at: At(b.last_used_at),
        });
        let session = SessionRow::from_domain(&finish.session);
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                // The delete decides: of concurrent finishes, and against a second-factor
                // reset (T6) that deletes the pending sign-in, one wins.
                let taken = diesel::delete(
                    pending_sign_ins::table
                        .filter(pending_sign_ins::token_hash.eq(&pending))
                        .filter(pending_sign_ins::account_id.eq(key)),
                )
                .execute(conn)?;
                if taken == 0 {
                    return Err(TxError::NotApplied);
                }
                // L3 only on an unlocked account; a lock that landed first rolls all back.
                let reset = diesel::update(
                    accounts::table
                        .filter(accounts::id.eq(key))
                        .filter(accounts::locked_at.is_null()),
                )
                .set(accounts::failures.eq(0))
                .execute(conn)?;
                if reset == 0 {
                    return Err(TxError::NotApplied);
                }
                if let Some(browser) = &browser {
                    diesel::insert_into(remembered_browsers::table)
                        .values(browser)
                        .execute(conn)?;
                }
                diesel::insert_into(sessions::table)
                    .values(&session)
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }

    async fn clear_second_factor(&self, account: AccountId) -> Result<(), StoreError> {
        let key = Id(account.as_uuid());
        self.run(move |conn| plain(conn.transaction(|conn| Ok(clear_second_factor(conn, key)?))))
            .await
    }

    async fn remember_browser(&self, browser: &RememberedBrowser) -> Result<(), StoreError> {
        let row = BrowserRow {
            token_hash: browser.token_hash.as_bytes().to_vec(),
            account_id: Id(browser.account.as_uuid()),
            last_used_at: At(browser.last_used_at),
        };
        self.run(move |conn| {
            diesel::insert_into(remembered_browsers::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(error::db)
        })
        .await
    }

    async fn use_remembered_browser(
        &self,
        token: TokenHash,
        account: AccountId,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let hash = token.as_bytes().to_vec();
        let key = Id(account.as_uuid());
        let since = At(at - window);
        self.run(move |conn| {
            let mine = || {
                remembered_browsers::table
                    .filter(remembered_browsers::token_hash.eq(hash.clone()))
                    .filter(remembered_browsers::account_id.eq(key))
            };
            // L6 in one conditional statement: only a browser of this account, used within the
            // window, slides.
            let used = diesel::update(mine().filter(remembered_browsers::last_used_at.gt(since)))
                .set(remembered_browsers::last_used_at.eq(At(at)))
                .execute(conn)
                .map_err(error::db)?;
            if used > 0 {
                return Ok(true);
            }
            // A lapsed one is forgotten.
            diesel::delete(mine().filter(remembered_browsers::last_used_at.le(since)))
                .execute(conn)
                .map_err(error::db)?;
            Ok(false)
        })
        .await
    }

    async fn record_sms_send(
        &self,
        account: AccountId,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError> {
        let key = Id(account.as_uuid());
        let phone = phone.as_e164().to_owned();
        let since = At(at - Duration::hours(24));
        let cap = i64::from(cap);
        self.run(move |conn| {
            applied(conn.transaction(|conn| {
                // X5 without over-admitting: on PostgreSQL, sends for one account and for one
                // number serialise on advisory locks (always account first, then number, so two
                // senders never wait for each other in a cycle); SQLite runs one writing
                // transaction at a time, and the first statement below writes.
                let account_text = key.0.hyphenated().to_string();
                advisory_lock(conn, SMS_ACCOUNT_LOCK, &account_text)?;
                // Forget this account's sends older than the window (only holders of the
                // account's lock delete these rows).
                diesel::delete(
                    sms_sends::table
                        .filter(sms_sends::account_id.eq(key))
                        .filter(sms_sends::sent_at.le(since)),
                )
                .execute(conn)?;
                advisory_lock(conn, SMS_NUMBER_LOCK, &phone)?;
                let by_account: i64 = sms_sends::table
                    .filter(sms_sends::account_id.eq(key))
                    .filter(sms_sends::sent_at.gt(since))
                    .count()
                    .get_result(conn)?;
                let by_number: i64 = sms_sends::table
                    .filter(sms_sends::phone.eq(&phone))
                    .filter(sms_sends::sent_at.gt(since))
                    .count()
                    .get_result(conn)?;
                if by_account >= cap || by_number >= cap {
                    return Err(TxError::NotApplied);
                }
                diesel::insert_into(sms_sends::table)
                    .values((
                        sms_sends::account_id.eq(key),
                        sms_sends::phone.eq(&phone),
                        sms_sends::sent_at.eq(At(at)),
                    ))
                    .execute(conn)?;
                Ok(())
            }))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::domain::{RecoveryCode, SecretToken};
    use auth_core::testing::SeededSecrets;
    use chrono::TimeZone;

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
        assert!(unhex("abc").is_none());
        assert!(unhex("zz").is_none());
    }

    #[test]
    fn t7_stages_round_trip_with_their_codes_and_secrets() {
        let secrets = SeededSecrets::new(11);
        let secret = TotpSecret::generate(&secrets);
        let sms = SmsChallenge {
            phone: PhoneNumber::parse("09012345678").unwrap(),
            salt: [7; 16],
            code_hash: SecretToken::generate(&secrets).hash(),
            sent_at: Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap(),
            wrong_tries: 3,
        };
        let (json, tries) = encode_stage(&PendingStage::Enrol {
            totp_secret: Some(secret.clone()),
            sms: Some(sms.clone()),
        })
        .unwrap();
        assert_eq!(tries, Some(3));
        assert!(json.contains("\"type\":\"enrol\""));
        assert!(!json.contains("wrong"), "the count lives in its own column");
        match decode_stage(&json, Some(4)).unwrap() {
            PendingStage::Enrol {
                totp_secret: Some(s),
                sms: Some(c),
            } => {
                assert_eq!(s.as_bytes(), secret.as_bytes());
                assert_eq!(c.wrong_tries, 4);
                assert_eq!(
                    SmsChallenge {
                        wrong_tries: 3,
                        ..c
                    },
                    sms
                );
            }
            other => panic!("stage changed: {other:?}"),
        }
        assert!(decode_stage(&json, None).is_err(), "a code needs its count");
        let line = LineNumber::parse("COP12345678").unwrap();
        let token = SecretToken::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        for stage in [
            PendingStage::Challenge { sms: None },
            PendingStage::RecoveryShown { code: None },
            PendingStage::RecoveryShown {
                code: Some(
                    RecoveryCode::parse("ABCD-EFGH-JKLM-NPQR")
                        .unwrap()
                        .seal(&token),
                ),
            },
            PendingStage::LineConsent { line: line.clone() },
        ] {
            let (json, tries) = encode_stage(&stage).unwrap();
            assert_eq!(tries, None);
            let back = decode_stage(&json, None).unwrap();
            assert_eq!(format!("{back:?}"), format!("{stage:?}"));
        }
        assert!(decode_stage(r#"{"type":"unheard-of"}"#, None).is_err());
        // The code awaiting confirmation round-trips; rows written before it was kept decode.
        let kept = PendingStage::RecoveryShown {
            code: Some(
                RecoveryCode::parse("ABCD-EFGH-JKLM-NPQR")
                    .unwrap()
                    .seal(&token),
            ),
        };
        let (json, _) = encode_stage(&kept).unwrap();
        match decode_stage(&json, None).unwrap() {
            PendingStage::RecoveryShown { code: Some(c) } => {
                assert_eq!(c.open(&token).unwrap().expose(), "ABCDEFGHJKLMNPQR");
            }
            other => panic!("stage changed: {other:?}"),
        }
        assert!(matches!(
            decode_stage(r#"{"type":"recovery-shown"}"#, None).unwrap(),
            PendingStage::RecoveryShown { code: None }
        ));
    }
}
