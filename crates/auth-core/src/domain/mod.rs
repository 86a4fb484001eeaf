//! Domain types: each holds only valid values and is built by one fallible constructor.

mod account;
mod audit;
mod client;
mod contract;
mod contract_details;
mod directory;
mod email;
mod federation;
mod identity;
mod ids;
mod invitation;
mod lockout;
mod mail;
mod names;
mod password;
mod password_hash;
mod pending;
mod permissions;
mod phone;
mod secret;
mod session;
mod ticket;
mod totp;
mod two_factor;

pub use account::{
    Account, CONNECTION_ID_ALPHABET, CONNECTION_ID_SUFFIX_LEN, ConnectionId, ConnectionIdError,
    Locale, LoginMethod, Provider, Role, Subject, SubjectError,
};
pub use audit::{AuditEvent, AuditKind, ProviderResult, SignInFailure};
pub use client::{
    Channel, ChannelKind, ClientInfo, LineArea, LineNumber, LineNumberError, MAX_USER_AGENT_CHARS,
};
pub use contract::ContractStatus;
pub use contract::{
    AccessRoute, Contract, Plan, TRIAL_LENGTH, TRIAL_UPGRADE_GRACE, TwoFactorPolicy,
};
pub use contract_details::{
    ContractDetails, ContractDetailsInput, DetailsField, DetailsProblem, DetailsRejected,
    MAX_ADDRESS_CHARS, MAX_DETAIL_CHARS,
};
pub use directory::{
    AdConnection, AdFieldError, AdProtocol, AdSettings, AdSettingsError, AdSettingsInput,
    AdSubject, ClientSecretText, DirectoryCallback, DirectoryEndpoints, HttpsUrl,
    MAX_METADATA_BYTES, METADATA_REFRESH_INTERVAL, MetadataDocument, SamlMetadataSource,
};
pub use email::{Email, EmailError, MAX_EMAIL_BYTES, MAX_LOCAL_PART_BYTES, check_local_part};
pub use federation::{
    Ceremony, FEDERATION_REQUEST_VALIDITY, FederationPurpose, FederationRequest, Issuer,
    ProviderCallback,
};
pub use identity::{ExternalIdentity, MethodChoice};
pub use ids::{AccountId, ContractId, IdError, MailId, ResetRequestId, SessionId};
pub use invitation::{Invitation, ReviewedPassword};
pub use lockout::{FailureOutcome, IsLocked, LOCK_THRESHOLD, LockState};
pub use mail::{
    DeliveryState, MAX_DELIVERY_ATTEMPTS, Mail, MailKind, NoticeKind, TicketLink, retry_delay,
};
pub use names::{ContractName, DisplayName, MAX_NAME_CHARS, NameError};
pub use password::{
    MAX_CANDIDATE_BYTES, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, MIN_PASSWORD_CLASSES, Password,
    PasswordCandidate, PasswordContext, PasswordRejected, PasswordRule,
};
pub use password_hash::{PasswordHash, PasswordHashError};
pub use pending::{
    PENDING_SIGN_IN_VALIDITY, PendingEvent, PendingNext, PendingRefusal, PendingSignIn,
    PendingStage,
};
pub use permissions::{
    AdminAction, SettingsItem, Viewer, admin_actions, can_administer, can_use, settings_menu,
};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use secret::{PresentedToken, SecretToken, TOKEN_BYTES, TOKEN_TEXT_LEN, TokenError, TokenHash};
pub use session::{Session, SessionPolicy, SessionScope, SessionStatus};
pub use ticket::{
    INVITATIONS_PER_DAY, IssuedTicket, RESET_LINKS_PER_DAY, TICKET_VALIDITY, Ticket, TicketError,
    TicketPurpose, TicketState,
};
pub use totp::{TotpOffer, TotpSetupError, matching_totp_step, totp_code_at, totp_offer};
pub use two_factor::{
    EnrolledFactor, Enrolment, RECOVERY_CODE_CHARS, REMEMBER_BROWSER_WINDOW, RecoveryCode,
    RecoveryCodeError, RememberedBrowser, SMS_CODE_DIGITS, SMS_CODE_VALIDITY, SMS_DAILY_CAP,
    SMS_MAX_WRONG_TRIES, SMS_RESEND_INTERVAL, SealedRecoveryCode, SecondFactorKind, SmsChallenge,
    SmsCheck, SmsCode, TOTP_STEP_SECONDS, TotpSecret,
};
