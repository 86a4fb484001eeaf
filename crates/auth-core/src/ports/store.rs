use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use crate::domain::{
    AccessRoute, AdConnection, ClientInfo, ConnectionId, ExternalIdentity, FederationRequest,
    Invitation, LineNumber, Locale, LoginMethod, MetadataDocument, Plan, ResetRequestId,
};
use crate::domain::{
    Account, AccountId, Contract, ContractId, DeliveryState, Email, Enrolment, FailureOutcome,
    Mail, MailId, PasswordHash, PendingSignIn, PhoneNumber, RememberedBrowser, Session, SessionId,
    Ticket, TicketError, TicketPurpose, TokenHash, TwoFactorPolicy,
};

/// A store could not do what was asked. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The store cannot be reached (connection refused, pool exhausted, timeout). The caller
    /// may retry; the app answers 503.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// Stored data cannot be read back into domain types.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A uniqueness or reference rule of the store refused the change.
    #[error("the change conflicts with stored data: {0}")]
    Conflict(String),
}

/// Inserting an account failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InsertAccountError {
    /// Another account has this e-mail's lookup key (E3).
    #[error("the e-mail address is already in use")]
    EmailTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to store if a failure locks the account: the unlock ticket and its mail (L2).
#[derive(Debug, Clone)]
pub struct LockArtifacts {
    /// The unlock ticket.
    pub ticket: Ticket,
    /// The "account locked" mail carrying its link.
    pub mail: Mail,
}

/// What a right credential changes (L3, P4); see [`AccountStore::record_success`].
#[derive(Debug, Clone, Default)]
pub struct Success {
    /// The hash the password was verified against; the change applies only if it is still
    /// the stored one. `None` after a second factor (its pending sign-in dies with any reset).
    pub verified: Option<PasswordHash>,
    /// Set the failure count to zero: only when the sign-in is complete, never between the
    /// password and the second factor (else a known password would allow unlimited guesses
    /// of the second factor).
    pub reset_failures: bool,
    /// A replacement hash with current parameters.
    pub rehash: Option<PasswordHash>,
}

/// Why a success was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SuccessRefused {
    /// The account is locked (L4).
    #[error("the account is locked")]
    Locked,
    /// The password changed since it was verified.
    #[error("the password changed meanwhile")]
    Stale,
}

/// Everything a completed password reset changes (P3), applied as one.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    /// The reset ticket's hash.
    pub ticket: TokenHash,
    /// The new password's hash.
    pub new_hash: PasswordHash,
    /// The notice mail (X3).
    pub notice: Mail,
    /// Now.
    pub at: DateTime<Utc>,
}

/// Everything a password change changes (P2), applied as one.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    /// Whose password.
    pub account: AccountId,
    /// The hash the current password was verified against; the change applies only if it is
    /// still the stored one.
    pub expected: PasswordHash,
    /// The new hash.
    pub new_hash: PasswordHash,
    /// The session that made the change, which stays; every other session ends.
    pub keep_session: SessionId,
    /// The notice mail (X3).
    pub notice: Mail,
    /// Now: when the account's outstanding reset and unlock tickets are voided (P3).
    pub at: DateTime<Utc>,
}

/// A "forgot password" request as it was asked (P3), queued for the outbox worker to resolve.
/// Queuing it is the only store work of the request, and the same whether or not the address
/// is registered (L5).
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// Its identifier.
    pub id: ResetRequestId,
    /// The address as given (parsed; not looked up).
    pub email: Email,
    /// Who asked, for the audit event of a registered address (X1).
    pub client: ClientInfo,
    /// When.
    pub requested_at: DateTime<Utc>,
}

/// A mail in the outbox with its delivery record.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    /// The mail.
    pub mail: Mail,
    /// Where its delivery stands.
    pub state: DeliveryState,
}

/// Contracts and accounts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a new contract.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] if the ID exists.
    async fn insert_contract(&self, contract: &Contract) -> Result<(), StoreError>;

    /// The contract with this ID.
    ///
    /// # Errors
    /// [`StoreError`] only for infrastructure failures; an unknown ID is `Ok(None)`.
    async fn contract(&self, id: ContractId) -> Result<Option<Contract>, StoreError>;

    /// Stores a new account. The e-mail's lookup key MUST be unique across all contracts,
    /// enforced by the store itself (a unique index), not by a prior read.
    ///
    /// # Errors
    /// [`InsertAccountError::EmailTaken`] when the key is in use.
    async fn insert_account(&self, account: &Account) -> Result<(), InsertAccountError>;

    /// The account with this ID.
    ///
    /// # Errors
    /// [`StoreError`] only for infrastructure failures.
    async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError>;

    /// The account whose e-mail has the same lookup key as `email` (L1).
    ///
    /// # Errors
    /// [`StoreError`] only for infrastructure failures.
    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError>;

    /// Records one wrong password or second factor (L2) in one atomic step: applies
    /// [`LockState::record_failure`](crate::domain::LockState::record_failure) to the stored
    /// state and returns its outcome. When the outcome is
    /// [`FailureOutcome::LockedNow`], the same step stores `on_lock`'s ticket and queues its mail.
    /// Under any concurrency exactly one call per lock returns `LockedNow`.
    ///
    /// # Errors
    /// [`StoreError`]; then nothing was recorded. An unknown account is `Conflict`.
    async fn record_failure(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
        on_lock: LockArtifacts,
    ) -> Result<FailureOutcome, StoreError>;

    /// Records a right credential in one atomic step, only if the account is not locked at
    /// that moment and — when `success.verified` is given — its stored hash is still the one
    /// the password was verified against (so a sign-in checked against a password that a
    /// reset replaced meanwhile goes no further). Then: with `reset_failures`, sets the failure
    /// count to zero (L3); with `rehash`, replaces the hash (P4). Nothing is written when
    /// there is nothing to change.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` when refused (nothing changed). An unknown account is
    /// `Conflict`.
    async fn record_success(
        &self,
        account: AccountId,
        success: Success,
    ) -> Result<Result<(), SuccessRefused>, StoreError>;

    /// Consumes an unlock ticket and unlocks its account (L4), as one step: only if the
    /// ticket is unused, unexpired at `at` and of purpose `Unlock`.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` with the ticket's problem (nothing changed).
    async fn unlock_with_ticket(
        &self,
        ticket: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Result<AccountId, TicketError>, StoreError>;

    /// Completes a password reset (P3) as one step: consumes the ticket (unused, unexpired,
    /// purpose `PasswordReset`), sets the new hash, unlocks the account, voids its other unused
    /// reset and unlock tickets, clears its second-factor enrolment and remembered browsers,
    /// ends all its sessions and queues the notice. All or nothing.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` with the ticket's problem (nothing changed).
    async fn complete_password_reset(
        &self,
        reset: PasswordReset,
    ) -> Result<Result<AccountId, TicketError>, StoreError>;

    /// Sets a contract's two-factor policy (T8).
    ///
    /// # Errors
    /// [`StoreError`]; an unknown contract is `Conflict`.
    async fn set_two_factor_policy(
        &self,
        contract: ContractId,
        policy: TwoFactorPolicy,
    ) -> Result<(), StoreError>;

    /// Changes a password (P2) as one step: only if the stored hash is still `expected`, sets
    /// the new hash, voids the account's unused reset and unlock tickets (P3: a link mailed
    /// before the change must not undo it), ends every session of the account but
    /// `keep_session`, and queues the notice. Returns whether the change applied (`false`: the
    /// password changed meanwhile, and nothing was written).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn change_password(&self, change: PasswordChange) -> Result<bool, StoreError>;

    /// Sets the language of an account's pages and mails; returns whether the account exists
    /// (if not, nothing changed).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn set_locale(&self, account: AccountId, locale: Locale) -> Result<bool, StoreError>;
}

/// Tickets (single-use links).
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Stores a ticket and queues the mail that carries it, as one step (X6): neither exists
    /// without the other.
    ///
    /// # Errors
    /// [`StoreError`]; then neither was stored.
    async fn issue_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError>;

    /// Stores a password-reset ticket and queues its mail, voiding the account's other unused
    /// reset tickets, as one step (P3: only the newest reset link of an account is live). Of
    /// concurrent issues, each voids those stored before it, so at most one stays unused.
    ///
    /// # Errors
    /// [`StoreError`]; then nothing was stored or voided.
    async fn issue_reset_ticket(&self, ticket: &Ticket, mail: &Mail) -> Result<(), StoreError>;

    /// The ticket with this hash, whatever its state.
    ///
    /// # Errors
    /// [`StoreError`] only for infrastructure failures.
    async fn ticket(&self, hash: TokenHash) -> Result<Option<Ticket>, StoreError>;

    /// Consumes a ticket: marks it used only if it is unused, unexpired at `at` and of
    /// `purpose`, in one conditional step. Under concurrency at most one caller succeeds; the
    /// others get [`TicketError::Used`].
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` with the ticket's problem.
    async fn consume_ticket(
        &self,
        hash: TokenHash,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<Result<Ticket, TicketError>, StoreError>;

    /// Records that a link of `purpose` is being mailed for `account`, if fewer than `cap` were
    /// in the 24 hours before `at`, in one atomic step (concurrent senders cannot over-admit).
    /// Returns whether it was recorded, and so may be sent (X5).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn record_link_send(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError>;

    /// Voids every unused ticket of `purpose` for `account`; returns how many.
    ///
    /// # Errors
    /// [`StoreError`]; then none was voided.
    async fn void_tickets(
        &self,
        account: AccountId,
        purpose: TicketPurpose,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Queues a "forgot password" request, durably, in one write that reads nothing else (so
    /// it costs the same whatever the address) (L5, P3).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing was queued.
    async fn queue_reset_request(&self, request: &ResetRequest) -> Result<(), StoreError>;

    /// Claims up to `limit` queued reset requests, oldest first, that no other worker holds
    /// at `at`, leasing them for `lease` (at most one worker holds a request at a time; a
    /// request whose worker died is claimed again once its lease ran out).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing was claimed.
    async fn claim_reset_requests(
        &self,
        at: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ResetRequest>, StoreError>;

    /// Removes a resolved reset request (removing an unknown one is not an error).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn finish_reset_request(&self, id: ResetRequestId) -> Result<(), StoreError>;
}

/// Sessions (L11, X4).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn insert_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The session whose token has this hash.
    ///
    /// # Errors
    /// [`StoreError`] only for infrastructure failures.
    async fn session(&self, token: TokenHash) -> Result<Option<Session>, StoreError>;

    /// Sets the session's `last_seen_at` to `at`, if it exists and `at` is later.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn touch_session(&self, token: TokenHash, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Deletes the session whose token has this hash; returns whether one existed.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn delete_session(&self, token: TokenHash) -> Result<bool, StoreError>;

    /// Deletes the session `id` of `account` only; returns whether one existed.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn delete_session_by_id(
        &self,
        account: AccountId,
        id: SessionId,
    ) -> Result<bool, StoreError>;

    /// The sessions of an account, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn sessions_of(&self, account: AccountId) -> Result<Vec<Session>, StoreError>;

    /// Deletes every session of `account` except `except`; returns how many.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn delete_sessions_of(
        &self,
        account: AccountId,
        except: Option<SessionId>,
    ) -> Result<u64, StoreError>;
}

/// Who holds leases on queued mail: one ID per running outbox worker (process), so that a
/// worker's results count only for the mails it still holds (X6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseOwner(String);

impl LeaseOwner {
    /// Longest owner ID kept, in characters.
    pub const MAX_CHARS: usize = 100;

    /// An owner with the given ID (cut to [`LeaseOwner::MAX_CHARS`] characters).
    pub fn new(id: &str) -> Self {
        Self(id.chars().take(Self::MAX_CHARS).collect())
    }

    /// A fresh owner ID: `prefix`, a hyphen and 128 random bits in hex.
    pub fn generate(prefix: &str, secrets: &dyn super::SecretSource) -> Self {
        let mut bytes = [0u8; 16];
        secrets.fill(&mut bytes);
        Self::new(&format!(
            "{prefix}-{}",
            data_encoding::HEXLOWER.encode(&bytes)
        ))
    }

    /// The ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The mail outbox (X6).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a mail that carries no ticket.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn enqueue_mail(&self, mail: &Mail) -> Result<(), StoreError>;

    /// Claims up to `limit` pending mails whose next attempt is due at `at` (the caller's
    /// time, which wrote the due times) and that no worker holds, leasing them to `owner` until
    /// the **store's own clock** reads its now plus `lease`. A lease held by another owner is
    /// never taken before it has run out by the store's clock, whatever `at` says (a worker
    /// whose clock runs fast takes nothing early). At most one owner holds a mail at a time.
    ///
    /// # Errors
    /// [`StoreError`]; then nothing was claimed.
    async fn claim_due_mail(
        &self,
        at: DateTime<Utc>,
        owner: &LeaseOwner,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError>;

    /// Extends every lease `owner` still holds on an unsent mail to the store's now plus
    /// `lease` (a send in progress keeps its mail); returns how many. A lease that ran out and
    /// was claimed by another owner is no longer `owner`'s and is not renewed.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn renew_mail_leases(
        &self,
        owner: &LeaseOwner,
        lease: Duration,
    ) -> Result<u64, StoreError>;

    /// Gives up every lease `owner` holds on an unsent mail, so that another worker may claim
    /// it at once (a worker shutting down); returns how many.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn release_mail_leases(&self, owner: &LeaseOwner) -> Result<u64, StoreError>;

    /// Records a delivery attempt's result and releases the lease; returns whether it was
    /// recorded. With `holder`, only while that owner still holds the mail's lease: a worker
    /// whose lease passed to another records nothing (the other's result counts). Without
    /// (an operator's requeue), whoever holds it. Once `Sent`, a mail is never claimed again,
    /// and a mail's token may be erased from the store. A mail recorded `Sent` stays sent: a
    /// later result for it changes nothing.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn record_delivery(
        &self,
        id: MailId,
        holder: Option<&LeaseOwner>,
        state: DeliveryState,
    ) -> Result<bool, StoreError>;

    /// Every mail in the outbox that has not been sent, oldest first (for operators).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn unsent_mail(&self) -> Result<Vec<QueuedMail>, StoreError>;

    /// The newest `limit` mails of the outbox whatever their state (sent ones too), oldest
    /// first (for operators).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn recent_mail(&self, limit: usize) -> Result<Vec<QueuedMail>, StoreError>;
}

/// What completing a second-factor enrolment stores (T2, T3), as one step.
#[derive(Debug, Clone)]
pub struct EnrolmentCommit {
    /// The pending sign-in that enrolled; it moves to `RecoveryShown`.
    pub pending: TokenHash,
    /// The pending sign-in's token from now on (the token is replaced at every step; the old
    /// one stops working in the same step). Equal to `pending` to keep the token.
    pub next_token: TokenHash,
    /// Whether to remember the browser once the sign-in completes (L6).
    pub remember_browser: bool,
    /// The new enrolment (with the recovery code's hash).
    pub enrolment: Enrolment,
    /// The X3 notice.
    pub notice: Mail,
}

/// What finishing a sign-in stores, as one step (L3, L6, L11); see
/// [`TwoFactorStore::finish_sign_in`].
#[derive(Debug, Clone)]
pub struct SignInFinish {
    /// The pending sign-in that completes; it is taken.
    pub pending: TokenHash,
    /// The browser to remember, when the user asked (L6).
    pub remembered_browser: Option<RememberedBrowser>,
    /// The new session.
    pub session: Session,
}

/// Second factors, pending sign-ins, remembered browsers and the SMS send log (T, L6, X5).
#[async_trait]
pub trait TwoFactorStore: Send + Sync {
    /// The account's enrolment, if any.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn enrolment(&self, account: AccountId) -> Result<Option<Enrolment>, StoreError>;

    /// Stores a new pending sign-in.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn insert_pending(&self, pending: &PendingSignIn) -> Result<(), StoreError>;

    /// The pending sign-in with this token hash.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn pending(&self, token: TokenHash) -> Result<Option<PendingSignIn>, StoreError>;

    /// Replaces a pending sign-in's stage and flags, if it still exists; returns whether it did.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn update_pending(&self, pending: &PendingSignIn) -> Result<bool, StoreError>;

    /// Adds one try to the pending sign-in's SMS code (the flows count every try before the
    /// code is compared, so parallel tries cannot exceed the limit), in one atomic step, and
    /// returns the new count (`None` if there is no pending sign-in or no code).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn record_sms_wrong_try(&self, token: TokenHash) -> Result<Option<u8>, StoreError>;

    /// Deletes a pending sign-in, returning whether it existed. Completing a sign-in takes the
    /// pending state with this call, so under concurrency only one completion succeeds.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn take_pending(&self, token: TokenHash) -> Result<bool, StoreError>;

    /// Completes an enrolment as one step: only if the pending sign-in exists and the account
    /// has no enrolment, stores the enrolment, moves the pending sign-in to `RecoveryShown`
    /// (with the commit's browser choice, under its next token) and queues the notice. Returns whether it applied.
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn complete_enrolment(&self, commit: EnrolmentCommit) -> Result<bool, StoreError>;

    /// Spends a TOTP step: records `step` as the account's last used step only if it is later
    /// than the last one, in one atomic step. Returns whether it was spent now; a step is never
    /// spent twice, also across app instances (T7).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn spend_totp_step(&self, account: AccountId, step: u64) -> Result<bool, StoreError>;

    /// Replaces the recovery code's hash only if it is still `old` (one atomic step), moves the
    /// pending sign-in `pending` to `RecoveryShown` under the token hash `next_token` (the old
    /// one stops working), and queues the notice. Returns whether it
    /// applied: of concurrent uses of one code, exactly one does (T5).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn replace_recovery_code(
        &self,
        account: AccountId,
        old: PasswordHash,
        new: PasswordHash,
        pending: TokenHash,
        next_token: TokenHash,
        notice: Mail,
    ) -> Result<bool, StoreError>;

    /// Finishes a sign-in after its second factor or line consent, as one atomic step: only if
    /// the pending sign-in `finish.pending` exists for `finish.session.account` and that account
    /// is not locked, takes the pending sign-in, sets the account's failure count to zero (L3),
    /// remembers the browser (L6) and inserts the session. Returns whether it applied; when not,
    /// nothing changed, so a second-factor reset or a lock that lands first leaves neither a
    /// remembered browser nor a session behind, and of concurrent finishes one applies.
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn finish_sign_in(&self, finish: SignInFinish) -> Result<bool, StoreError>;

    /// Clears the account's enrolment, pending sign-ins and remembered browsers (T6).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn clear_second_factor(&self, account: AccountId) -> Result<(), StoreError>;

    /// Remembers a browser (L6).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn remember_browser(&self, browser: &RememberedBrowser) -> Result<(), StoreError>;

    /// Uses a remembered browser: if a browser with this token hash is remembered for
    /// `account` and was last used after `at - window`, sets its last use to `at` and returns
    /// `true`, in one atomic step; otherwise `false` (a lapsed one may be deleted).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn use_remembered_browser(
        &self,
        token: TokenHash,
        account: AccountId,
        at: DateTime<Utc>,
        window: Duration,
    ) -> Result<bool, StoreError>;

    /// Records an SMS send if fewer than `cap` sends went to this account, and fewer than `cap`
    /// to this number, since `at - 24h`, in one atomic step. Returns whether it was recorded
    /// (and so may be sent) (X5).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn record_sms_send(
        &self,
        account: AccountId,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        cap: u32,
    ) -> Result<bool, StoreError>;
}

/// Why an account change was refused by the store. Nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ChangeRefused {
    /// The ticket is unknown, expired, used or voided.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// Another account uses the e-mail address (E3).
    #[error("the e-mail address is already in use")]
    EmailTaken,
    /// Another account is bound to the identity.
    #[error("this identity is already bound to another account")]
    IdentityTaken,
    /// The account no longer exists.
    #[error("the account no longer exists")]
    NoAccount,
}

/// An e-mail change (E1, E2), applied as one.
#[derive(Debug, Clone)]
pub struct EmailChange {
    /// The e-mail change ticket.
    pub ticket: TokenHash,
    /// The new address (also on the ticket).
    pub new_email: Email,
    /// For a password account, the new password's hash; its second factor is cleared (T6).
    pub new_password_hash: Option<PasswordHash>,
    /// The X3 notice, to the old address.
    pub notice: Mail,
    /// Now.
    pub at: DateTime<Utc>,
}

/// A login-method change (M1, M2), applied as one.
#[derive(Debug, Clone)]
pub struct MethodChange {
    /// Whose.
    pub account: AccountId,
    /// The ticket it came through (M2), consumed in the same step; `None` for the owner's own
    /// change (M1).
    pub ticket: Option<TokenHash>,
    /// The new method.
    pub method: LoginMethod,
    /// The password hash when the method is `Password`.
    pub password_hash: Option<PasswordHash>,
    /// The X3 notice.
    pub notice: Mail,
    /// Now.
    pub at: DateTime<Utc>,
}

/// Contract settings, lines (N) and the directory of accounts.
#[async_trait]
pub trait ContractStore: Send + Sync {
    /// The contract's accounts, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn accounts_of(&self, contract: ContractId) -> Result<Vec<Account>, StoreError>;

    /// The account bound to a federated or AD identity. The binding is unique, enforced by the
    /// store.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn account_by_identity(
        &self,
        identity: &ExternalIdentity,
    ) -> Result<Option<Account>, StoreError>;

    /// Sets the contract's access route (N3).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn set_access_route(
        &self,
        contract: ContractId,
        route: AccessRoute,
    ) -> Result<(), StoreError>;

    /// Sets the contract's plan (C2).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn set_plan(&self, contract: ContractId, plan: Plan) -> Result<(), StoreError>;

    /// Cancels the contract and ends every session of its accounts, as one step.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn cancel_contract(
        &self,
        contract: ContractId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The contract's details (its name is the company name), `None` for an unknown
    /// contract; fields never set are empty.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn contract_details(
        &self,
        contract: ContractId,
    ) -> Result<Option<crate::domain::ContractDetails>, StoreError>;

    /// Sets the contract's details (the company name becomes the contract's name) and queues
    /// the owner's notice, as one step. Returns `false` (nothing changed) for an unknown
    /// contract.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn set_contract_details(
        &self,
        contract: ContractId,
        details: &crate::domain::ContractDetails,
        notice: Mail,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Turns on Active Directory (D1) and queues the owner's mail, as one step: a first
    /// connection, or one that was turned off (same ID, same revision `ad.revision`; the store
    /// advances it). Returns `false` (nothing changed) when the contract has a connection that
    /// is on, or a turned-off one with another ID or revision.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn enable_ad(
        &self,
        contract: ContractId,
        ad: &AdConnection,
        mail: &Mail,
    ) -> Result<bool, StoreError>;

    /// Replaces the contract's AD connection as a whole (settings, metadata, on or off; the
    /// connection ID is `ad.id` and never changes), only over the stored revision `ad.revision`,
    /// and advances the revision. Returns `false` (nothing changed) when the contract has no
    /// connection, another ID, or another revision (it changed meanwhile).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn save_ad(&self, contract: ContractId, ad: &AdConnection) -> Result<bool, StoreError>;

    /// Replaces only the metadata document of the contract's connection `connection` (a daily
    /// re-read), only over the stored revision `revision` (the one whose settings the document
    /// was fetched for), and advances the revision. Returns `false` when the contract has no
    /// such connection or it changed meanwhile.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn save_ad_metadata(
        &self,
        contract: ContractId,
        connection: &ConnectionId,
        revision: u64,
        metadata: &MetadataDocument,
    ) -> Result<bool, StoreError>;

    /// The contract whose AD connection has this ID (on or off), if any (L8).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn contract_by_connection(
        &self,
        connection: &ConnectionId,
    ) -> Result<Option<Contract>, StoreError>;

    /// The contract's line numbers, sorted (N2).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn lines_of(&self, contract: ContractId) -> Result<Vec<LineNumber>, StoreError>;

    /// Registers a line for a contract. A line belongs to at most one contract, enforced by the
    /// store; returns `false` when another contract has it (registering one's own again is
    /// `true`).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn add_line(&self, contract: ContractId, line: &LineNumber) -> Result<bool, StoreError>;

    /// Removes a line of this contract only; returns whether it was there.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn remove_line(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError>;

    /// Whether consent to receive a West Japan line's details was given for this contract (N5).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn line_consented(
        &self,
        contract: ContractId,
        line: &LineNumber,
    ) -> Result<bool, StoreError>;

    /// Records that consent (N5).
    ///
    /// # Errors
    /// [`StoreError`].
    async fn record_line_consent(
        &self,
        contract: ContractId,
        line: &LineNumber,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Applies an e-mail change as one step: consumes the ticket (purpose `EmailChange`,
    /// unused, unexpired), sets the address (unique), for a password account sets the new hash
    /// and clears the second factor (T6), voids the account's other unused reset, unlock,
    /// e-mail-change and login-method-change tickets, and queues the notice.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` when refused (nothing changed).
    async fn apply_email_change(
        &self,
        change: EmailChange,
    ) -> Result<Result<AccountId, ChangeRefused>, StoreError>;

    /// Applies a login-method change as one step: consumes the ticket if given (purpose
    /// `LoginMethodChange`, this account), sets the method and hash (an identity binding is
    /// unique), clears the second factor (T6), voids the account's other unused reset, unlock,
    /// e-mail-change and login-method-change tickets, and queues the notice.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` when refused (nothing changed).
    async fn apply_method_change(
        &self,
        change: MethodChange,
    ) -> Result<Result<(), ChangeRefused>, StoreError>;

    /// Removes an account with its sessions, tickets and second factor, as one step (X4), and
    /// in the same step withdraws the open invitations it issued (I1: their tickets are voided
    /// at `at`, the invitations deleted). Returns whether it existed; if not, nothing changed.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn remove_account(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// Invitations (I1–I3).
#[async_trait]
pub trait InvitationStore: Send + Sync {
    /// Stores an invitation, or replaces one for the same reserved account (resend), with its
    /// ticket and mail, voiding the account's earlier invitation tickets, as one step.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn save_invitation(
        &self,
        invitation: &Invitation,
        ticket: &Ticket,
        mail: &Mail,
    ) -> Result<(), StoreError>;

    /// The invitation reserving this account ID.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn invitation(&self, account: AccountId) -> Result<Option<Invitation>, StoreError>;

    /// The contract's pending invitations, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn invitations_of(&self, contract: ContractId) -> Result<Vec<Invitation>, StoreError>;

    /// Accepts an invitation as one step: consumes the ticket (purpose `Invitation`, for
    /// `account.id`), inserts the account (e-mail and identity unique) and drops the invitation.
    ///
    /// # Errors
    /// [`StoreError`]; `Ok(Err(_))` when refused (nothing changed).
    async fn accept_invitation(
        &self,
        ticket: TokenHash,
        account: &Account,
        at: DateTime<Utc>,
    ) -> Result<Result<(), ChangeRefused>, StoreError>;

    /// Withdraws an invitation and voids its tickets; returns whether it existed.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn withdraw_invitation(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Keeps (or with `None` forgets) the password hash chosen at the review step of the
    /// pending invitation reserving `account`, with the link it was reviewed under (I2,
    /// [`Invitation::reviewed_password`]); returns whether the invitation exists (if not,
    /// nothing changed).
    ///
    /// # Errors
    /// [`StoreError`]; then nothing changed.
    async fn set_reviewed_password(
        &self,
        account: AccountId,
        kept: Option<&crate::domain::ReviewedPassword>,
    ) -> Result<bool, StoreError>;
}

/// Provider sign-ins in progress (L7): shared by every instance, so a browser may return to
/// any of them.
#[async_trait]
pub trait FederationStore: Send + Sync {
    /// Stores a request under its `state` hash, and forgets requests that lapsed by its
    /// creation time (so the store holds at most one validity period of requests).
    ///
    /// # Errors
    /// [`StoreError`] when nothing was stored.
    async fn insert_federation_request(
        &self,
        request: &FederationRequest,
    ) -> Result<(), StoreError>;

    /// Removes the request stored under `state` and returns it if it was still live at `at`.
    /// Of concurrent takers of one request, exactly one receives it; a lapsed request is
    /// removed and returned to no one.
    ///
    /// # Errors
    /// [`StoreError`] when the store failed; nothing was removed.
    async fn take_federation_request(
        &self,
        state: TokenHash,
        at: DateTime<Utc>,
    ) -> Result<Option<FederationRequest>, StoreError>;

    /// Records that the SAML assertion `assertion` (a hash of its ID) of `connection` was used,
    /// kept until `expires_at`; answers `false` when it was recorded before and has not expired
    /// (a replay). Of concurrent claims of one assertion exactly one answers `true`. Records
    /// expired by `at` are forgotten.
    ///
    /// # Errors
    /// [`StoreError`] when nothing was recorded.
    async fn claim_assertion(
        &self,
        connection: &ConnectionId,
        assertion: TokenHash,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// Shared rate-limit counters (X5): held by the store, so that every instance on one store
/// counts a client against one allowance.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one hit for `key` and answers whether it is within `limit` hits per `window`,
    /// by the **store's own clock** (never a caller's). Fixed windows: the first hit of a key
    /// opens a window of length `window`; the hits until it ends count against `limit`; the
    /// first hit after it opens the next window. Atomic: of any number of concurrent hits on
    /// one key, at most `limit` per window are allowed (refused hits count too).
    ///
    /// # Errors
    /// [`StoreError`] when the store fails; then nothing was counted.
    async fn count_hit(&self, key: &str, window: Duration, limit: u32) -> Result<bool, StoreError>;

    /// Forgets the counters whose window ended (by the store's clock) before `window` ago;
    /// returns how many. Keeps the counters bounded; never changes an answer of
    /// [`RateLimitStore::count_hit`] made with a window no longer than `window`.
    ///
    /// # Errors
    /// [`StoreError`].
    async fn forget_rate_hits(&self, window: Duration) -> Result<u64, StoreError>;
}

/// Everything a store adapter provides.
pub trait Store:
    AccountStore
    + TicketStore
    + SessionStore
    + OutboxStore
    + TwoFactorStore
    + ContractStore
    + InvitationStore
    + FederationStore
    + RateLimitStore
{
}

impl<T> Store for T where
    T: AccountStore
        + TicketStore
        + SessionStore
        + OutboxStore
        + TwoFactorStore
        + ContractStore
        + InvitationStore
        + FederationStore
        + RateLimitStore
{
}
