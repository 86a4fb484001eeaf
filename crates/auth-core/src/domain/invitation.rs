//! Invitations (I1–I3): a user registered by the owner or an admin, waiting to choose a login
//! method.
//!
//! ```text
//!   invite(name, e-mail, role) ──▶ Invitation + ticket mailed (14 days)
//!        │ resend: the previous ticket is voided, a new one mailed
//!        ▼
//!   open link ──▶ choose method ──▶ review (nothing written) ──▶ accept
//!        ──▶ one store step: consume ticket, create the account, drop the invitation
//!   expired / used / voided link ──▶ its own page; the owner or an admin resends
//! ```

use chrono::{DateTime, Utc};

use super::{AccountId, ContractId, DisplayName, Email, Role};

/// A pending invitation. The account ID is reserved now and used when the account is created.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The account the invitation will create.
    pub account: AccountId,
    /// The inviting contract.
    pub contract: ContractId,
    /// The invitee's address.
    pub email: Email,
    /// The invitee's name.
    pub display_name: DisplayName,
    /// The role the account will have (never `Owner`, except for a new contract's owner).
    pub role: Role,
    /// Who invited (none for a contract's first owner).
    pub invited_by: Option<AccountId>,
    /// When it was (last) sent.
    pub sent_at: DateTime<Utc>,
}
