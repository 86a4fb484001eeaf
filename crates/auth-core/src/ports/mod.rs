//! Ports: the traits through which the core reaches time, randomness, hashing, storage, mail
//! and the audit trail. Adapters implement them; the core never does I/O itself.
//!
//! Every store method documents the atomicity an implementation MUST give. The conformance
//! suite in [`crate::testing::conformance`] checks those contracts against any store.

mod audit;
mod clock;
mod directory;
mod hasher;
mod identity;
mod mailer;
mod secrets;
mod sms;
mod store;

pub use audit::{AuditCursor, AuditLog, AuditPage, AuditQuery, same_audit_kind};
pub use clock::Clock;
pub use directory::{Directories, DirectoryAssertion, NoDirectories};
pub use hasher::{HashError, PasswordHasher, Verification};
pub use identity::{AccountChoice, IdentityProviders, IdpError, NoProviders};
#[cfg(test)]
pub use mailer::MockMailer;
pub use mailer::{MailError, Mailer};
pub use secrets::SecretSource;
pub use sms::{SmsError, SmsMessage, SmsSender};
pub use store::{
    AccountStore, ChangeRefused, ContractStore, EmailChange, EnrolmentCommit, FederationStore,
    InsertAccountError, InvitationStore, LeaseOwner, LockArtifacts, MethodChange, OutboxStore,
    PasswordChange, PasswordReset, QueuedMail, RateLimitStore, ResetRequest, SessionStore,
    SignInFinish, Store, StoreError, Success, SuccessRefused, TicketStore, TwoFactorStore,
};
