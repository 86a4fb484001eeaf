//! Invitations (I1–I3): a user registered by the owner or an admin, waiting to choose a login
//! method.
//!
//! ```text
//!   invite(name, e-mail, role) ──▶ Invitation + ticket mailed (14 days)
//!        │ resend: the previous ticket is voided, a new one mailed
//!        ▼
//!   open link ──▶ choose method ──▶ review ──▶ accept
//!        (pages: the password's hash is kept with the invitation at review, see
//!         [`Invitation::reviewed_password`]; the API checks without writing)
//!        ──▶ one store step: consume ticket, create the account, drop the invitation
//!   the mail, the registration pages and the account follow the invitation's language
//!   expired / used / voided link ──▶ its own page; the owner or an admin resends
//! ```

use chrono::{DateTime, Utc};

use super::{AccountId, ContractId, DisplayName, Email, Locale, PasswordHash, Role, TokenHash};

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
    /// The invitee's language, chosen by the inviter (I1): the mail is written in it, the
    /// registration pages open in it and the account created keeps it. A resend keeps it.
    pub locale: Locale,
    /// The password chosen at the review step of the registration pages (I2), kept until the
    /// person confirms, so that the review page carries no password.
    ///
    /// It is the Argon2 hash the account will store, computed once at the review step (after
    /// the P1 checks), rather than the password sealed under a key derived from the
    /// invitation token: the account needs nothing but the hash, so the password itself is
    /// never written anywhere, not even in a form that the link's holder could unseal; the
    /// slow hashing runs once; and a leaked row is no worse than a leaked account row. A
    /// resend drops it (the new link starts afresh); accepting or withdrawing the invitation
    /// drops it with the invitation.
    pub reviewed_password: Option<ReviewedPassword>,
}

/// A password kept at the review step, with the link it was reviewed under: it is used only
/// with that same link, so a review that raced a resend (checked under the old link, written
/// after the new one) can never complete the registration of the new link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewedPassword {
    /// The Argon2 hash the account will store.
    pub hash: PasswordHash,
    /// The hash of the invitation link's token it was reviewed under.
    pub link: TokenHash,
}

impl ReviewedPassword {
    /// The kept hash, if it was reviewed under the link whose token hashes to `link`.
    pub fn for_link(&self, link: &TokenHash) -> Option<&PasswordHash> {
        (self.link == *link).then_some(&self.hash)
    }
}
