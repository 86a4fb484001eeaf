use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::ManualClock;

use crate::domain::{
    AccessRoute, AdConnection, ContractStatus, ExternalIdentity, Invitation, LineNumber, Locale,
    LoginMethod, Plan, ReviewedPassword,
};
use crate::domain::{
    Account, AccountId, Contract, ContractId, DeliveryState, Email, Enrolment, FailureOutcome,
    Mail, MailId, PendingSignIn, PendingStage, PhoneNumber, RememberedBrowser, Session, SessionId,
    Ticket, TicketError, TicketPurpose, TicketState, TokenHash, TwoFactorPolicy,
};
use crate::ports::SignInFinish;
use crate::ports::{
    AccountStore, EnrolmentCommit, InsertAccountError, LeaseOwner, LockArtifacts, OutboxStore,
    PasswordChange, PasswordReset, QueuedMail, ResetRequest, SessionStore, StoreError, Success,
    SuccessRefused, TicketStore, TwoFactorStore,
};
use crate::ports::{ChangeRefused, ContractStore, EmailChange, InvitationStore, MethodChange};

#[derive(Debug, Clone)]
struct OutboxEntry {
    mail: Mail,
    state: DeliveryState,
    leased_until: Option<DateTime<Utc>>,
    leased_by: Option<LeaseOwner>,
}

#[derive(Debug, Default)]
struct State {
    contracts: HashMap<ContractId, Contract>,
    accounts: HashMap<AccountId, Account>,
    by_email: HashMap<String, AccountId>,
    tickets: HashMap<TokenHash, Ticket>,
    sessions: HashMap<TokenHash, Session>,
    outbox: Vec<OutboxEntry>,
    enrolments: HashMap<AccountId, Enrolment>,
    pending: HashMap<TokenHash, PendingSignIn>,
    browsers: HashMap<TokenHash, RememberedBrowser>,
    sms_log: Vec<(AccountId, PhoneNumber, DateTime<Utc>)>,
    lines: HashMap<LineNumber, ContractId>,
    consents: std::collections::HashSet<(ContractId, LineNumber)>,
    invitations: HashMap<AccountId, Invitation>,
    link_sends: Vec<(AccountId, TicketPurpose, DateTime<Utc>)>,
    federation: HashMap<TokenHash, crate::domain::FederationRequest>,
    assertions: HashMap<(crate::domain::ConnectionId, TokenHash), DateTime<Utc>>,
    reset_requests: Vec<(ResetRequest, Option<DateTime<Utc>>)>,
    /// Rate-limit counters: key → (window start, hits).
    rate_hits: HashMap<String, (DateTime<Utc>, u32)>,
    /// Contract details beyond the name.
    details: HashMap<ContractId, crate::domain::ContractDetails>,
}

/// Links voided by an e-mail or login-method change (they would act on the account as it was).
const VOIDED_BY_A_CHANGE: [TicketPurpose; 4] = [
    TicketPurpose::PasswordReset,
    TicketPurpose::Unlock,
    TicketPurpose::EmailChange,
    TicketPurpose::LoginMethodChange,
];

fn identity_taken(state: &State, method: &LoginMethod, except: AccountId) -> bool {
    ExternalIdentity::of(method).is_some_and(|id| {
        state
            .accounts
            .values()
            .any(|a| a.id != except && ExternalIdentity::of(&a.login_method).as_ref() == Some(&id))
    })
}

fn clear_two_factor(state: &mut State, account: AccountId) {
    state.enrolments.remove(&account);
    state.pending.retain(|_, p| p.account != account);
    state.browsers.retain(|_, b| b.account != account);
}

/// Every store port in memory. One lock guards all state, so each method is atomic exactly as
/// the port contracts demand of a database. [`MemoryStore::set_unavailable`] makes every call
/// fail, to test that failures change nothing.
#[derive(Debug)]
pub struct MemoryStore {
    state: Mutex<State>,
    unavailable: AtomicBool,
    clock: Arc<ManualClock>,
}

impl MemoryStore {
    /// A store whose own clock (the "database's clock" of the port contracts: leases, rate
    /// windows) is `clock`. [`MemoryStore::default`] has a clock of its own, standing still
    /// at [`ManualClock::default`]'s time until moved through [`MemoryStore::clock`].
    pub fn with_clock(clock: Arc<ManualClock>) -> Self {
        Self {
            state: Mutex::default(),
            unavailable: AtomicBool::new(false),
            clock,
        }
    }

    /// The store's own clock.
    pub fn clock(&self) -> &Arc<ManualClock> {
        &self.clock
    }

    fn now(&self) -> DateTime<Utc> {
        crate::ports::Clock::now(self.clock.as_ref())
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, StoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("memory store switched off".into()));
        }
        Ok(self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Makes every following call fail with [`StoreError::Unavailable`] (or work again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Every mail ever queued, oldest first, whatever its delivery state.
    pub fn queued_mail(&self) -> Vec<Mail> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .outbox
            .iter()
            .map(|e| e.mail.clone())
            .collect()
    }
}

fn void_unused(
    state: &mut State,
    account: AccountId,
    purposes: &[TicketPurpose],
    at: DateTime<Utc>,
    except: Option<TokenHash>,
) -> u64 {
    let mut n = 0;
    for t in state.tickets.values_mut() {
        if t.account == account
            && purposes.contains(&t.purpose)
            && t.state == TicketState::Unused
            && Some(t.hash) != except
        {
            t.state = TicketState::Voided { at };
            n += 1;
        }
    }
    n
}

fn consume(
    state: &mut State,
    hash: TokenHash,
    purpose: TicketPurpose,
    at: DateTime<Utc>,
) -> Result<Ticket, TicketError> {
    let ticket = state.tickets.get_mut(&hash).ok_or(TicketError::Unknown)?;
    ticket.check(purpose, at)?;
    ticket.state = TicketState::Used { at };
    Ok(ticket.clone())
}

/// Queues `mail`, due at the store's `now` at the latest (a writer whose clock runs fast
/// queues nothing that others take for not yet due).
fn enqueue(state: &mut State, mail: &Mail, now: DateTime<Utc>) {
    state.outbox.push(OutboxEntry {
        mail: mail.clone(),
        state: DeliveryState::Pending {
            attempts: 0,
            next_attempt_at: mail.created_at.min(now),
            last_error: None,
        },
        leased_until: None,
        leased_by: None,
    });
}

#[async_trait]
impl AccountStore for MemoryStore {
    async fn insert_contract(&self, contract: &Contract) -> Result<(), StoreError> {
        let mut s = self.state()?;
        if s.contracts.contains_key(&contract.id) {
            return Err(StoreError::Conflict("contract exists".into()));
        }
        s.contracts.insert(contract.id, contract.clone());
        Ok(())
    }

    async fn contract(&self, id: ContractId) -> Result<Option<Contract>, StoreError> {
        Ok(self.state()?.contracts.get(&id).cloned())
    }

    async fn insert_account(&self, account: &Account) -> Result<(), InsertAccountError> {
        let mut s = self.state()?;
        if s.by_email.contains_key(account.email.key()) {
            return Err(InsertAccountError::EmailTaken);
        }
        if identity_taken(&s, &account.login_method, account.id) {
            return Err(StoreError::Conflict("identity already bound".into()).into());
        }
        if s.accounts.contains_key(&account.id) || !s.contracts.contains_key(&account.contract) {
            return Err(StoreError::Conflict("account exists or contract unknown".into()).into());
        }
        s.by_email
            .insert(account.email.key().to_owned(), account.id);
        s.accounts.insert(account.id, account.clone());
        Ok(())
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        Ok(self.state()?.accounts.get(&id).cloned())
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        let s = self.state()?;
        Ok(s.by_email
            .get(email.key())
            .and_then(|id| s.accounts.get(id))
            .cloned())
    }

    async fn record_failure(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
        on_lock: LockArtifacts,
    ) -> Result<FailureOutcome, StoreError> {
        let mut s = self.state()?;
        let acc = s
            .accounts
            .get_mut(&account)
            .ok_or_else(|| StoreError::Conflict("unknown account".into()))?;
        let (next, outcome) = acc.lock.record_failure(at);
        acc.lock = next;
        if outcome == FailureOutcome::LockedNow {
            s.tickets.insert(on_lock.ticket.hash, on_lock.ticket);
            enqueue(&mut s, &on_lock.mail, self.now());
        }
        Ok(outcome)
    }

    async fn record_success(
        &self,
        account: AccountId,
        success: Success,
    ) -> Result<Result<(), SuccessRefused>, StoreError> {
        let mut s = self.state()?;
        let acc = s
            .accounts
            .get_mut(&account)
            .ok_or_else(|| StoreError::Conflict("unknown account".into()))?;
        if acc.lock.is_locked() {
            return Ok(Err(SuccessRefused::Locked));
        }
        if success.verified.is_some() && acc.password_hash != success.verified {
            return Ok(Err(SuccessRefused::Stale));
        }
        if success.reset_failures {
            acc.lock = acc.lock.unlock();
        }
        if let Some(new) = success.rehash {
            acc.password_hash = Some(new);
        }
        Ok(Ok(()))
    }

    async fn unlock_with_ticket(
        &self,
        ticket: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Result<AccountId, TicketError>, StoreError> {
        let mut s = self.state()?;
        let t = match consume(&mut s, ticket, TicketPurpose::Unlock, at) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(acc) = s.accounts.get_mut(&t.account) {
            acc.lock = acc.lock.unlock();
        }
        Ok(Ok(t.account))
    }

    async fn complete_password_reset(
        &self,
        reset: PasswordReset,
    ) -> Result<Result<AccountId, TicketError>, StoreError> {
        let mut s = self.state()?;
        // Check before changing anything: all or nothing.
        let Some(ticket) = s.tickets.get(&reset.ticket) else {
            return Ok(Err(TicketError::Unknown));
        };
        if let Err(e) = ticket.check(TicketPurpose::PasswordReset, reset.at) {
            return Ok(Err(e));
        }
        let account = ticket.account;
        if !s.accounts.contains_key(&account) {
            return Ok(Err(TicketError::Voided));
        }
        let _ = consume(&mut s, reset.ticket, TicketPurpose::PasswordReset, reset.at);
        if let Some(acc) = s.accounts.get_mut(&account) {
            acc.password_hash = Some(reset.new_hash);
            acc.lock = acc.lock.unlock();
        }
        void_unused(
            &mut s,
            account,
            &[TicketPurpose::PasswordReset, TicketPurpose::Unlock],
            reset.at,
            None,
        );
        s.sessions.retain(|_, sess| sess.account != account);
        clear_two_factor(&mut s, account);
        enqueue(&mut s, &reset.notice, self.now());
        Ok(Ok(account))
    }

    async fn set_two_factor_policy(
        &self,
        contract: ContractId,
        policy: TwoFactorPolicy,
    ) -> Result<(), StoreError> {
        let mut s = self.state()?;
        let c = s
            .contracts
            .get_mut(&contract)
            .ok_or_else(|| StoreError::Conflict("unknown contract".into()))?;
        c.two_factor = policy;
        Ok(())
    }

    async fn change_password(&self, change: PasswordChange) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(acc) = s.accounts.get_mut(&change.account) else {
            return Ok(false);
        };
        if acc.password_hash.as_ref() != Some(&change.expected) {
            return Ok(false);
        }
        acc.password_hash = Some(change.new_hash);
        void_unused(
            &mut s,
            change.account,
            &[TicketPurpose::PasswordReset, TicketPurpose::Unlock],
            change.at,
            None,
        );
        s.sessions
            .retain(|_, sess| sess.account != change.account || sess.id == change.keep_session);
        enqueue(&mut s, &change.notice, self.now());
        Ok(true)
    }

    async fn set_locale(&self, account: AccountId, locale: Locale) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(acc) = s.accounts.get_mut(&account) else {
            return Ok(false);
        };
        acc.locale = locale;
        Ok(true)
    }
}

#[async_trait]
impl TicketStore for MemoryStore {
    async fn issue_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError> {
        let mut s = self.state()?;
        s.tickets.insert(ticket.hash, ticket.clone());
        enqueue(&mut s, mail, self.now());
        Ok(())
    }

    async fn issue_reset_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError> {
        let mut s = self.state()?;
        void_unused(
            &mut s,
            ticket.account,
            &[TicketPurpose::PasswordReset],
            ticket.issued_at,
            None,
        );
        s.tickets.insert(ticket.hash, ticket.clone());
        enqueue(&mut s, mail, self.now());
        Ok(())
    }

    async fn ticket(&self, hash: TokenHash) -> Result<Option<Ticket>, StoreError> {
        Ok(self.state()?.tickets.get(&hash).cloned())
    }

    async fn consume_ticket(
        &self,
        hash: TokenHash,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<Result<Ticket, TicketError>, StoreError> {
        Ok(consume(&mut *self.state()?, hash, purpose, at))
    }

    async fn record_link_send(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let since = at - Duration::hours(24);
        let sent = s
            .link_sends
            .iter()
            .filter(|(a, p, t)| *a == account && *p == purpose && *t > since)
            .count();
        if sent >= cap as usize {
            return Ok(false);
        }
        s.link_sends.push((account, purpose, at));
        Ok(true)
    }

    async fn void_tickets(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(void_unused(
            &mut *self.state()?,
            account,
            &[purpose],
            at,
            None,
        ))
    }

    async fn queue_reset_request(&self, request: &ResetRequest) -> Result<(), StoreError> {
        self.state()?.reset_requests.push((request.clone(), None));
        Ok(())
    }

    async fn claim_reset_requests(
        &self,
        at: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ResetRequest>, StoreError> {
        let mut s = self.state()?;
        let mut free: Vec<&mut (ResetRequest, Option<DateTime<Utc>>)> = s
            .reset_requests
            .iter_mut()
            .filter(|(_, leased)| leased.is_none_or(|until| until <= at))
            .collect();
        free.sort_by_key(|(r, _)| r.requested_at);
        Ok(free
            .into_iter()
            .take(limit as usize)
            .map(|(r, leased)| {
                *leased = Some(at + lease);
                r.clone()
            })
            .collect())
    }

    async fn finish_reset_request(
        &self,
        id: crate::domain::ResetRequestId,
    ) -> Result<(), StoreError> {
        self.state()?.reset_requests.retain(|(r, _)| r.id != id);
        Ok(())
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        self.state()?
            .sessions
            .insert(session.token_hash, session.clone());
        Ok(())
    }

    async fn session(&self, token: TokenHash) -> Result<Option<Session>, StoreError> {
        Ok(self.state()?.sessions.get(&token).cloned())
    }

    async fn touch_session(&self, token: TokenHash, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(sess) = self.state()?.sessions.get_mut(&token)
            && at > sess.last_seen_at
        {
            sess.last_seen_at = at;
        }
        Ok(())
    }

    async fn delete_session(&self, token: TokenHash) -> Result<bool, StoreError> {
        Ok(self.state()?.sessions.remove(&token).is_some())
    }

    async fn delete_session_by_id(
        &self,
        account: AccountId,
        id: SessionId,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let before = s.sessions.len();
        s.sessions
            .retain(|_, sess| !(sess.account == account && sess.id == id));
        Ok(s.sessions.len() < before)
    }

    async fn sessions_of(&self, account: AccountId) -> Result<Vec<Session>, StoreError> {
        let s = self.state()?;
        let mut list: Vec<Session> = s
            .sessions
            .values()
            .filter(|sess| sess.account == account)
            .cloned()
            .collect();
        list.sort_by_key(|sess| (sess.created_at, sess.id));
        Ok(list)
    }

    async fn delete_sessions_of(
        &self,
        account: AccountId,
        except: Option<SessionId>,
    ) -> Result<u64, StoreError> {
        let mut s = self.state()?;
        let before = s.sessions.len();
        s.sessions
            .retain(|_, sess| sess.account != account || Some(sess.id) == except);
        Ok((before - s.sessions.len()) as u64)
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn enqueue_mail(&self, mail: &Mail) -> Result<(), StoreError> {
        let now = self.now();
        enqueue(&mut *self.state()?, mail, now);
        Ok(())
    }

    async fn claim_due_mail(
        &self,
        at: DateTime<Utc>,
        owner: &LeaseOwner,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let now = self.now();
        let mut s = self.state()?;
        let mut claimed = Vec::new();
        for e in s.outbox.iter_mut() {
            if claimed.len() >= limit as usize {
                break;
            }
            let due = matches!(e.state, DeliveryState::Pending { next_attempt_at, .. } if next_attempt_at <= at);
            let free = e.leased_until.is_none_or(|until| until <= now);
            if due && free {
                e.leased_until = Some(now + lease);
                e.leased_by = Some(owner.clone());
                claimed.push(QueuedMail {
                    mail: e.mail.clone(),
                    state: e.state.clone(),
                });
                // A stored due time written by a clock ahead of the store's comes back to its
                // now (the claimer gets the state as it was).
                if let DeliveryState::Pending {
                    next_attempt_at, ..
                } = &mut e.state
                    && *next_attempt_at > now
                {
                    *next_attempt_at = now;
                }
            }
        }
        Ok(claimed)
    }

    async fn renew_mail_leases(
        &self,
        owner: &LeaseOwner,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        let mut s = self.state()?;
        let mut renewed = 0;
        for e in s.outbox.iter_mut() {
            if e.leased_by.as_ref() == Some(owner)
                && matches!(e.state, DeliveryState::Pending { .. })
            {
                e.leased_until = Some(now + lease);
                renewed += 1;
            }
        }
        Ok(renewed)
    }

    async fn release_mail_leases(&self, owner: &LeaseOwner) -> Result<u64, StoreError> {
        let mut s = self.state()?;
        let mut released = 0;
        for e in s.outbox.iter_mut() {
            if e.leased_by.as_ref() == Some(owner)
                && matches!(e.state, DeliveryState::Pending { .. })
            {
                e.leased_until = None;
                e.leased_by = None;
                released += 1;
            }
        }
        Ok(released)
    }

    async fn record_delivery(
        &self,
        id: MailId,
        holder: Option<&LeaseOwner>,
        state: DeliveryState,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        if let Some(e) = s.outbox.iter_mut().find(|e| e.mail.id == id)
            && !matches!(e.state, DeliveryState::Sent { .. })
            && holder.is_none_or(|h| e.leased_by.as_ref() == Some(h))
        {
            e.state = state;
            e.leased_until = None;
            e.leased_by = None;
            return Ok(true);
        }
        Ok(false)
    }

    async fn unsent_mail(&self) -> Result<Vec<QueuedMail>, StoreError> {
        let s = self.state()?;
        Ok(s.outbox
            .iter()
            .filter(|e| !matches!(e.state, DeliveryState::Sent { .. }))
            .map(|e| QueuedMail {
                mail: e.mail.clone(),
                state: e.state.clone(),
            })
            .collect())
    }

    async fn recent_mail(&self, limit: usize) -> Result<Vec<QueuedMail>, StoreError> {
        let s = self.state()?;
        let mut recent: Vec<QueuedMail> = s
            .outbox
            .iter()
            .rev()
            .take(limit)
            .map(|e| QueuedMail {
                mail: e.mail.clone(),
                state: e.state.clone(),
            })
            .collect();
        recent.reverse();
        Ok(recent)
    }
}

#[async_trait]
impl TwoFactorStore for MemoryStore {
    async fn enrolment(&self, account: AccountId) -> Result<Option<Enrolment>, StoreError> {
        Ok(self.state()?.enrolments.get(&account).cloned())
    }

    async fn insert_pending(&self, pending: &PendingSignIn) -> Result<(), StoreError> {
        self.state()?
            .pending
            .insert(pending.token_hash, pending.clone());
        Ok(())
    }

    async fn pending(&self, token: TokenHash) -> Result<Option<PendingSignIn>, StoreError> {
        Ok(self.state()?.pending.get(&token).cloned())
    }

    async fn update_pending(&self, pending: &PendingSignIn) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        match s.pending.get_mut(&pending.token_hash) {
            Some(p) => {
                *p = pending.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn record_sms_wrong_try(&self, token: TokenHash) -> Result<Option<u8>, StoreError> {
        let mut s = self.state()?;
        let Some(p) = s.pending.get_mut(&token) else {
            return Ok(None);
        };
        let sms = match &mut p.stage {
            PendingStage::Enrol { sms, .. } | PendingStage::Challenge { sms } => sms.as_mut(),
            _ => None,
        };
        Ok(sms.map(|c| {
            c.wrong_tries = c.wrong_tries.saturating_add(1);
            c.wrong_tries
        }))
    }

    async fn take_pending(&self, token: TokenHash) -> Result<bool, StoreError> {
        Ok(self.state()?.pending.remove(&token).is_some())
    }

    async fn complete_enrolment(&self, commit: EnrolmentCommit) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(p) = s.pending.get(&commit.pending) else {
            return Ok(false);
        };
        let account = p.account;
        if s.enrolments.contains_key(&account) {
            return Ok(false);
        }
        if let Some(mut p) = s.pending.remove(&commit.pending) {
            p.stage = PendingStage::RecoveryShown { code: None };
            p.remember_browser = commit.remember_browser;
            p.token_hash = commit.next_token;
            s.pending.insert(commit.next_token, p);
        }
        s.enrolments.insert(account, commit.enrolment);
        enqueue(&mut s, &commit.notice, self.now());
        Ok(true)
    }

    async fn spend_totp_step(&self, account: AccountId, step: u64) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(e) = s.enrolments.get_mut(&account) else {
            return Ok(false);
        };
        if e.last_totp_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        e.last_totp_step = Some(step);
        Ok(true)
    }

    async fn replace_recovery_code(
        &self,
        account: AccountId,
        old: crate::domain::PasswordHash,
        new: crate::domain::PasswordHash,
        pending: TokenHash,
        next_token: TokenHash,
        notice: Mail,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(e) = s.enrolments.get_mut(&account) else {
            return Ok(false);
        };
        if e.recovery_hash != old {
            return Ok(false);
        }
        e.recovery_hash = new;
        if let Some(mut p) = s.pending.remove(&pending) {
            p.stage = PendingStage::RecoveryShown { code: None };
            p.token_hash = next_token;
            s.pending.insert(next_token, p);
        }
        enqueue(&mut s, &notice, self.now());
        Ok(true)
    }

    async fn finish_sign_in(&self, finish: SignInFinish) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let account = finish.session.account;
        let ours = s.pending.get(&finish.pending).map(|p| p.account) == Some(account);
        let unlocked = s
            .accounts
            .get(&account)
            .is_some_and(|a| !a.lock.is_locked());
        if !ours || !unlocked {
            return Ok(false);
        }
        s.pending.remove(&finish.pending);
        if let Some(acc) = s.accounts.get_mut(&account) {
            acc.lock = acc.lock.unlock();
        }
        if let Some(browser) = finish.remembered_browser {
            s.browsers.insert(browser.token_hash, browser);
        }
        s.sessions.insert(finish.session.token_hash, finish.session);
        Ok(true)
    }

    async fn clear_second_factor(&self, account: AccountId) -> Result<(), StoreError> {
        clear_two_factor(&mut *self.state()?, account);
        Ok(())
    }

    async fn remember_browser(&self, browser: &RememberedBrowser) -> Result<(), StoreError> {
        self.state()?
            .browsers
            .insert(browser.token_hash, browser.clone());
        Ok(())
    }

    async fn use_remembered_browser(
        &self,
        token: TokenHash,
        account: AccountId,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        match s.browsers.get_mut(&token) {
            Some(b) if b.account == account && b.last_used_at + window > at => {
                b.last_used_at = at;
                Ok(true)
            }
            Some(b) if b.account == account => {
                s.browsers.remove(&token);
                Ok(false)
            }
            _ => Ok(false),
        }
    }

    async fn record_sms_send(
        &self,
        account: AccountId,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let since = at - Duration::hours(24);
        let recent = |f: &dyn Fn(&(AccountId, PhoneNumber, DateTime<Utc>)) -> bool| {
            s.sms_log.iter().filter(|e| e.2 > since && f(e)).count()
        };
        let by_account = recent(&|e| e.0 == account);
        let by_phone = recent(&|e| &e.1 == phone);
        if by_account >= cap as usize || by_phone >= cap as usize {
            return Ok(false);
        }
        s.sms_log.push((account, phone.clone(), at));
        Ok(true)
    }
}

#[async_trait]
impl ContractStore for MemoryStore {
    async fn contract_details(
        &self,
        contract: ContractId,
    ) -> Result<Option<crate::domain::ContractDetails>, StoreError> {
        let s = self.state()?;
        Ok(s.contracts.get(&contract).map(|c| {
            let mut d = s.details.get(&contract).cloned().unwrap_or_else(|| {
                crate::domain::ContractDetails {
                    company: c.name.clone(),
                    department: String::new(),
                    contact_person: String::new(),
                    phone: String::new(),
                    postal_code: String::new(),
                    address: String::new(),
                }
            });
            d.company = c.name.clone();
            d
        }))
    }

    async fn set_contract_details(
        &self,
        contract: ContractId,
        details: &crate::domain::ContractDetails,
        notice: Mail,
        _at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(c) = s.contracts.get_mut(&contract) else {
            return Ok(false);
        };
        c.name = details.company.clone();
        s.details.insert(contract, details.clone());
        enqueue(&mut s, &notice, self.now());
        Ok(true)
    }

    async fn accounts_of(&self, contract: ContractId) -> Result<Vec<Account>, StoreError> {
        let s = self.state()?;
        let mut list: Vec<Account> = s
            .accounts
            .values()
            .filter(|a| a.contract == contract)
            .cloned()
            .collect();
        list.sort_by_key(|a| (a.created_at, a.id));
        Ok(list)
    }

    async fn account_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<Account>, StoreError> {
        let s = self.state()?;
        Ok(s.accounts
            .values()
            .find(|a| ExternalIdentity::of(&a.login_method).as_ref() == Some(identity))
            .cloned())
    }

    async fn set_access_route(
        &self,
        contract: ContractId,
        route: AccessRoute,
    ) -> Result<(), StoreError> {
        let mut s = self.state()?;
        let c = s
            .contracts
            .get_mut(&contract)
            .ok_or_else(|| StoreError::Conflict("unknown contract".into()))?;
        c.access_route = route;
        Ok(())
    }

    async fn set_plan(&self, contract: ContractId, plan: Plan) -> Result<(), StoreError> {
        let mut s = self.state()?;
        let c = s
            .contracts
            .get_mut(&contract)
            .ok_or_else(|| StoreError::Conflict("unknown contract".into()))?;
        c.plan = plan;
        Ok(())
    }

    async fn cancel_contract(
        &self,
        contract: ContractId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut s = self.state()?;
        let c = s
            .contracts
            .get_mut(&contract)
            .ok_or_else(|| StoreError::Conflict("unknown contract".into()))?;
        c.status = ContractStatus::Cancelled { at };
        s.sessions.retain(|_, sess| sess.contract != contract);
        Ok(())
    }

    async fn enable_ad(
        &self,
        contract: ContractId,
        ad: &AdConnection,
        mail: &Mail,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let c = s
            .contracts
            .get_mut(&contract)
            .ok_or_else(|| StoreError::Conflict("unknown contract".into()))?;
        let may = match &c.ad {
            None => true,
            Some(old) => !old.is_on() && old.id == ad.id && old.revision == ad.revision,
        };
        if !may {
            return Ok(false);
        }
        let revision = c.ad.as_ref().map_or(0, |old| old.revision + 1);
        c.ad = Some(AdConnection {
            revision,
            ..ad.clone()
        });
        enqueue(&mut s, mail, self.now());
        Ok(true)
    }

    async fn save_ad(&self, contract: ContractId, ad: &AdConnection) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(c) = s.contracts.get_mut(&contract) else {
            return Ok(false);
        };
        if c.ad.as_ref().map(|old| (&old.id, old.revision)) != Some((&ad.id, ad.revision)) {
            return Ok(false);
        }
        c.ad = Some(AdConnection {
            revision: ad.revision + 1,
            ..ad.clone()
        });
        Ok(true)
    }

    async fn save_ad_metadata(
        &self,
        contract: ContractId,
        connection: &crate::domain::ConnectionId,
        revision: u64,
        metadata: &crate::domain::MetadataDocument,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(ad) = s
            .contracts
            .get_mut(&contract)
            .and_then(|c| c.ad.as_mut())
            .filter(|ad| ad.id == *connection && ad.revision == revision)
        else {
            return Ok(false);
        };
        ad.metadata = Some(metadata.clone());
        ad.revision += 1;
        Ok(true)
    }

    async fn contract_by_connection(
        &self,
        connection: &crate::domain::ConnectionId,
    ) -> Result<Option<Contract>, StoreError> {
        let s = self.state()?;
        Ok(s.contracts
            .values()
            .find(|c| c.ad.as_ref().is_some_and(|ad| ad.id == *connection))
            .cloned())
    }

    async fn lines_of(&self, contract: ContractId) -> Result<Vec<LineNumber>, StoreError> {
        let s = self.state()?;
        let mut lines: Vec<LineNumber> = s
            .lines
            .iter()
            .filter(|(_, c)| **c == contract)
            .map(|(l, _)| l.clone())
            .collect();
        lines.sort();
        Ok(lines)
    }

    async fn add_line(&self, contract: ContractId, line: &LineNumber) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        match s.lines.get(line) {
            Some(owner) => Ok(*owner == contract),
            None => {
                s.lines.insert(line.clone(), contract);
                Ok(true)
            }
        }
    }

    async fn remove_line(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        if s.lines.get(line) == Some(&contract) {
            s.lines.remove(line);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    async fn line_consented(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError> {
        Ok(self.state()?.consents.contains(&(contract, line.clone())))
    }

    async fn record_line_consent(
        &self,
        contract: ContractId,
        line: &LineNumber,
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.state()?.consents.insert((contract, line.clone()));
        Ok(())
    }

    async fn apply_email_change(
        &self,
        change: EmailChange,
    ) -> Result<Result<AccountId, ChangeRefused>, StoreError> {
        let mut s = self.state()?;
        let Some(ticket) = s.tickets.get(&change.ticket) else {
            return Ok(Err(TicketError::Unknown.into()));
        };
        if let Err(e) = ticket.check(TicketPurpose::EmailChange, change.at) {
            return Ok(Err(e.into()));
        }
        let account = ticket.account;
        let Some(old_key) = s.accounts.get(&account).map(|a| a.email.key().to_owned()) else {
            return Ok(Err(ChangeRefused::NoAccount));
        };
        if s.by_email
            .get(change.new_email.key())
            .is_some_and(|id| *id != account)
        {
            return Ok(Err(ChangeRefused::EmailTaken));
        }
        let _ = consume(&mut s, change.ticket, TicketPurpose::EmailChange, change.at);
        s.by_email.remove(&old_key);
        s.by_email
            .insert(change.new_email.key().to_owned(), account);
        let clear = change.new_password_hash.is_some();
        if let Some(acc) = s.accounts.get_mut(&account) {
            acc.email = change.new_email;
            if let Some(hash) = change.new_password_hash {
                acc.password_hash = Some(hash);
            }
        }
        if clear {
            clear_two_factor(&mut s, account);
        }
        void_unused(&mut s, account, &VOIDED_BY_A_CHANGE, change.at, None);
        enqueue(&mut s, &change.notice, self.now());
        Ok(Ok(account))
    }

    async fn apply_method_change(
        &self,
        change: MethodChange,
    ) -> Result<Result<(), ChangeRefused>, StoreError> {
        let mut s = self.state()?;
        if !s.accounts.contains_key(&change.account) {
            return Ok(Err(ChangeRefused::NoAccount));
        }
        if let Some(hash) = change.ticket {
            match s.tickets.get(&hash) {
                None => return Ok(Err(TicketError::Unknown.into())),
                Some(t) if t.account != change.account => {
                    return Ok(Err(TicketError::Unknown.into()));
                }
                Some(t) => {
                    if let Err(e) = t.check(TicketPurpose::LoginMethodChange, change.at) {
                        return Ok(Err(e.into()));
                    }
                }
            }
        }
        if identity_taken(&s, &change.method, change.account) {
            return Ok(Err(ChangeRefused::IdentityTaken));
        }
        if let Some(hash) = change.ticket {
            let _ = consume(&mut s, hash, TicketPurpose::LoginMethodChange, change.at);
        }
        if let Some(acc) = s.accounts.get_mut(&change.account) {
            acc.login_method = change.method;
            acc.password_hash = change.password_hash;
        }
        clear_two_factor(&mut s, change.account);
        void_unused(&mut s, change.account, &VOIDED_BY_A_CHANGE, change.at, None);
        enqueue(&mut s, &change.notice, self.now());
        Ok(Ok(()))
    }

    async fn remove_account(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(acc) = s.accounts.remove(&account) else {
            return Ok(false);
        };
        // I1: the invitations it issued go with it.
        let issued: Vec<AccountId> = s
            .invitations
            .values()
            .filter(|i| i.invited_by == Some(account))
            .map(|i| i.account)
            .collect();
        for invited in issued {
            void_unused(&mut s, invited, &[TicketPurpose::Invitation], at, None);
            s.invitations.remove(&invited);
        }
        s.by_email.remove(acc.email.key());
        s.sessions.retain(|_, sess| sess.account != account);
        s.tickets.retain(|_, t| t.account != account);
        clear_two_factor(&mut s, account);
        Ok(true)
    }
}

#[async_trait]
impl InvitationStore for MemoryStore {
    async fn save_invitation(
        &self,
        invitation: &Invitation,
        ticket: &Ticket,
        mail: &Mail,
    ) -> Result<(), StoreError> {
        let mut s = self.state()?;
        void_unused(
            &mut s,
            invitation.account,
            &[TicketPurpose::Invitation],
            invitation.sent_at,
            None,
        );
        s.invitations.insert(invitation.account, invitation.clone());
        s.tickets.insert(ticket.hash, ticket.clone());
        enqueue(&mut s, mail, self.now());
        Ok(())
    }

    async fn invitation(&self, account: AccountId) -> Result<Option<Invitation>, StoreError> {
        Ok(self.state()?.invitations.get(&account).cloned())
    }

    async fn invitations_of(&self, contract: ContractId) -> Result<Vec<Invitation>, StoreError> {
        let s = self.state()?;
        let mut list: Vec<Invitation> = s
            .invitations
            .values()
            .filter(|i| i.contract == contract)
            .cloned()
            .collect();
        list.sort_by_key(|i| (i.sent_at, i.account));
        Ok(list)
    }

    async fn accept_invitation(
        &self,
        ticket: TokenHash,
        account: &Account,
        at: DateTime<Utc>,
    ) -> Result<Result<(), ChangeRefused>, StoreError> {
        let mut s = self.state()?;
        match s.tickets.get(&ticket) {
            Some(t) if t.account == account.id => {
                if let Err(e) = t.check(TicketPurpose::Invitation, at) {
                    return Ok(Err(e.into()));
                }
            }
            _ => return Ok(Err(TicketError::Unknown.into())),
        }
        if s.by_email.contains_key(account.email.key()) {
            return Ok(Err(ChangeRefused::EmailTaken));
        }
        if identity_taken(&s, &account.login_method, account.id) {
            return Ok(Err(ChangeRefused::IdentityTaken));
        }
        let _ = consume(&mut s, ticket, TicketPurpose::Invitation, at);
        s.by_email
            .insert(account.email.key().to_owned(), account.id);
        s.accounts.insert(account.id, account.clone());
        s.invitations.remove(&account.id);
        Ok(Ok(()))
    }

    async fn withdraw_invitation(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        void_unused(&mut s, account, &[TicketPurpose::Invitation], at, None);
        Ok(s.invitations.remove(&account).is_some())
    }

    async fn set_reviewed_password(
        &self,
        account: AccountId,
        kept: Option<&ReviewedPassword>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        let Some(invitation) = s.invitations.get_mut(&account) else {
            return Ok(false);
        };
        invitation.reviewed_password = kept.cloned();
        Ok(true)
    }
}

#[async_trait]
impl crate::ports::FederationStore for MemoryStore {
    async fn insert_federation_request(
        &self,
        request: &crate::domain::FederationRequest,
    ) -> Result<(), StoreError> {
        let mut s = self.state()?;
        s.federation.retain(|_, r| r.is_live(request.created_at));
        s.federation.insert(request.state, request.clone());
        Ok(())
    }

    async fn take_federation_request(
        &self,
        state: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Option<crate::domain::FederationRequest>, StoreError> {
        let mut s = self.state()?;
        s.federation.retain(|_, r| r.is_live(at));
        Ok(s.federation.remove(&state))
    }

    async fn claim_assertion(
        &self,
        connection: &crate::domain::ConnectionId,
        assertion: TokenHash,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state()?;
        s.assertions.retain(|_, until| *until > at);
        let key = (connection.clone(), assertion);
        if s.assertions.contains_key(&key) {
            return Ok(false);
        }
        s.assertions.insert(key, expires_at);
        Ok(true)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_clock(Arc::new(ManualClock::default()))
    }
}

#[async_trait]
impl crate::ports::RateLimitStore for MemoryStore {
    async fn count_hit(&self, key: &str, window: Duration, limit: u32) -> Result<bool, StoreError> {
        let now = self.now();
        let mut s = self.state()?;
        let entry = s.rate_hits.entry(key.to_owned()).or_insert((now, 0));
        if entry.0 + window <= now {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Ok(entry.1 <= limit)
    }

    async fn forget_rate_hits(&self, window: Duration) -> Result<u64, StoreError> {
        let now = self.now();
        let mut s = self.state()?;
        let before = s.rate_hits.len();
        s.rate_hits
            .retain(|_, (start, _)| *start + window + window > now);
        Ok((before - s.rate_hits.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::MemoryStore;

    crate::store_conformance_tests!(async { Arc::new(MemoryStore::default()) });

    /// X5: windows are the store's own, not a caller's: they end when the store's clock
    /// passes them.
    #[tokio::test]
    async fn x5_rate_windows_follow_the_store_clock() {
        use crate::ports::RateLimitStore;
        let store = MemoryStore::default();
        let minute = chrono::Duration::minutes(1);
        assert!(store.count_hit("k", minute, 1).await.unwrap());
        assert!(!store.count_hit("k", minute, 1).await.unwrap());
        store.clock().advance(chrono::Duration::seconds(59));
        assert!(!store.count_hit("k", minute, 1).await.unwrap());
        store.clock().advance(chrono::Duration::seconds(1));
        assert!(
            store.count_hit("k", minute, 1).await.unwrap(),
            "next window"
        );
        store.clock().advance(chrono::Duration::minutes(3));
        assert_eq!(store.forget_rate_hits(minute).await.unwrap(), 1);
    }
}
