//! Outbox rows. A mail's content ([`MailKind`]) is stored as this crate's own JSON document
//! ([`KindDto`]), tagged by kind, so that a new kind is one new variant here and old rows stay
//! readable. The ticket token a mail carries is kept out of the JSON, in its own `link_token`
//! column, so that it can be erased once the mail is sent.

use auth_core::domain::{
    ConnectionId, DeliveryState, Email, Mail, MailId, MailKind, NoticeKind, SecretToken,
    TicketLink, TicketPurpose,
};
use auth_core::ports::{QueuedMail, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::rows::{corrupt, parse_locale};
use crate::schema::outbox;
use crate::sql_types::{At, Id};

/// A mail's content as stored. Tagged by `"type"`; every variant that carries a ticket link
/// has a `link` (the token itself lives in the row's `link_token`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum KindDto {
    AccountLocked {
        link: LinkDto,
    },
    PasswordReset {
        link: LinkDto,
    },
    Invitation {
        link: LinkDto,
        contract_name: String,
        invitee_name: String,
    },
    OwnerInvitation {
        link: LinkDto,
        contract_name: String,
        owner_name: String,
    },
    EmailChange {
        link: LinkDto,
    },
    LoginMethodChange {
        link: LinkDto,
    },
    AdSignIn {
        connection: String,
    },
    Notice {
        notice: NoticeDto,
    },
}

/// A ticket link without its token.
#[derive(Debug, Serialize, Deserialize)]
struct LinkDto {
    purpose: String,
    /// RFC 3339, UTC.
    expires_at: String,
}

/// What changed, for a notice (names as the stored JSON spells them).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(clippy::enum_variant_names)]
enum NoticeDto {
    PasswordChanged,
    EmailChanged,
    LoginMethodChanged,
    SecondFactorChanged,
    ContractDetailsChanged,
}

fn unsupported() -> StoreError {
    StoreError::Conflict("this store version cannot queue this kind of mail".into())
}

impl LinkDto {
    fn from_link(link: &TicketLink) -> Self {
        Self {
            purpose: link.purpose.as_str().to_owned(),
            expires_at: link.expires_at.to_rfc3339(),
        }
    }

    fn into_link(self, token: Option<&str>) -> Result<TicketLink, StoreError> {
        // A sent mail's token is erased; such a mail is never read back through the ports.
        let token = token.ok_or_else(|| corrupt("mail link (token erased)"))?;
        Ok(TicketLink {
            purpose: TicketPurpose::from_name(&self.purpose)
                .ok_or_else(|| corrupt("mail link purpose"))?,
            token: SecretToken::parse(token).map_err(|_| corrupt("mail link token"))?,
            expires_at: DateTime::parse_from_rfc3339(&self.expires_at)
                .map_err(|_| corrupt("mail link expiry"))?
                .with_timezone(&Utc),
        })
    }
}

/// Splits a mail's content into its JSON document and the token it carries, if any.
fn encode_kind(kind: &MailKind) -> Result<(String, Option<String>), StoreError> {
    let (dto, token) = match kind {
        MailKind::AccountLocked { unlock } => (
            KindDto::AccountLocked {
                link: LinkDto::from_link(unlock),
            },
            Some(unlock.token.expose().to_string()),
        ),
        MailKind::PasswordReset { reset } => (
            KindDto::PasswordReset {
                link: LinkDto::from_link(reset),
            },
            Some(reset.token.expose().to_string()),
        ),
        MailKind::Invitation {
            link,
            contract_name,
            invitee_name,
        } => (
            KindDto::Invitation {
                link: LinkDto::from_link(link),
                contract_name: contract_name.clone(),
                invitee_name: invitee_name.clone(),
            },
            Some(link.token.expose().to_string()),
        ),
        MailKind::OwnerInvitation {
            link,
            contract_name,
            owner_name,
        } => (
            KindDto::OwnerInvitation {
                link: LinkDto::from_link(link),
                contract_name: contract_name.clone(),
                owner_name: owner_name.clone(),
            },
            Some(link.token.expose().to_string()),
        ),
        MailKind::EmailChange { link } => (
            KindDto::EmailChange {
                link: LinkDto::from_link(link),
            },
            Some(link.token.expose().to_string()),
        ),
        MailKind::LoginMethodChange { link } => (
            KindDto::LoginMethodChange {
                link: LinkDto::from_link(link),
            },
            Some(link.token.expose().to_string()),
        ),
        MailKind::AdSignIn { connection } => (
            KindDto::AdSignIn {
                connection: connection.as_str().to_owned(),
            },
            None,
        ),
        MailKind::Notice { kind } => (
            KindDto::Notice {
                notice: match kind {
                    NoticeKind::PasswordChanged => NoticeDto::PasswordChanged,
                    NoticeKind::EmailChanged => NoticeDto::EmailChanged,
                    NoticeKind::LoginMethodChanged => NoticeDto::LoginMethodChanged,
                    NoticeKind::SecondFactorChanged => NoticeDto::SecondFactorChanged,
                    NoticeKind::ContractDetailsChanged => NoticeDto::ContractDetailsChanged,
                },
            },
            None,
        ),
    };
    let json = serde_json::to_string(&dto).map_err(|_| unsupported())?;
    Ok((json, token))
}

fn decode_kind(json: &str, token: Option<&str>) -> Result<MailKind, StoreError> {
    let dto: KindDto = serde_json::from_str(json).map_err(|_| corrupt("mail kind"))?;
    Ok(match dto {
        KindDto::AccountLocked { link } => MailKind::AccountLocked {
            unlock: link.into_link(token)?,
        },
        KindDto::PasswordReset { link } => MailKind::PasswordReset {
            reset: link.into_link(token)?,
        },
        KindDto::Invitation {
            link,
            contract_name,
            invitee_name,
        } => MailKind::Invitation {
            link: link.into_link(token)?,
            contract_name,
            invitee_name,
        },
        KindDto::OwnerInvitation {
            link,
            contract_name,
            owner_name,
        } => MailKind::OwnerInvitation {
            link: link.into_link(token)?,
            contract_name,
            owner_name,
        },
        KindDto::EmailChange { link } => MailKind::EmailChange {
            link: link.into_link(token)?,
        },
        KindDto::LoginMethodChange { link } => MailKind::LoginMethodChange {
            link: link.into_link(token)?,
        },
        KindDto::AdSignIn { connection } => MailKind::AdSignIn {
            connection: ConnectionId::parse(&connection)
                .map_err(|_| corrupt("mail connection ID"))?,
        },
        KindDto::Notice { notice } => MailKind::Notice {
            kind: match notice {
                NoticeDto::PasswordChanged => NoticeKind::PasswordChanged,
                NoticeDto::EmailChanged => NoticeKind::EmailChanged,
                NoticeDto::LoginMethodChanged => NoticeKind::LoginMethodChanged,
                NoticeDto::SecondFactorChanged => NoticeKind::SecondFactorChanged,
                NoticeDto::ContractDetailsChanged => NoticeKind::ContractDetailsChanged,
            },
        },
    })
}

/// A mail to queue: pending, no attempts, due at once.
#[derive(Insertable, Clone)]
#[diesel(table_name = outbox)]
pub(crate) struct NewMailRow {
    id: Id,
    recipient: String,
    locale: String,
    kind: String,
    link_token: Option<String>,
    created_at: At,
    state: String,
    attempts: i32,
    next_attempt_at: Option<At>,
}

impl NewMailRow {
    /// The same row, due at `t` at the latest.
    pub(crate) fn due_at_most(mut self, t: DateTime<Utc>) -> Self {
        if self.next_attempt_at.is_some_and(|At(due)| due > t) {
            self.next_attempt_at = Some(At(t));
        }
        self
    }

    pub(crate) fn from_domain(mail: &Mail) -> Result<Self, StoreError> {
        let (kind, link_token) = encode_kind(&mail.kind)?;
        Ok(Self {
            id: Id(mail.id.as_uuid()),
            recipient: mail.to.as_str().to_owned(),
            locale: mail.locale.as_str().to_owned(),
            kind,
            link_token,
            created_at: At(mail.created_at),
            state: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: Some(At(mail.created_at)),
        })
    }
}

/// The columns of a [`MailRow`], in its field order (for `RETURNING`).
pub(crate) const MAIL_COLUMNS: (
    outbox::seq,
    outbox::id,
    outbox::recipient,
    outbox::locale,
    outbox::kind,
    outbox::link_token,
    outbox::created_at,
    outbox::state,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::sent_at,
    outbox::last_error,
) = (
    outbox::seq,
    outbox::id,
    outbox::recipient,
    outbox::locale,
    outbox::kind,
    outbox::link_token,
    outbox::created_at,
    outbox::state,
    outbox::attempts,
    outbox::next_attempt_at,
    outbox::sent_at,
    outbox::last_error,
);

/// A stored mail with its delivery record.
#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub(crate) struct MailRow {
    seq: i64,
    id: Id,
    recipient: String,
    locale: String,
    kind: String,
    link_token: Option<String>,
    created_at: At,
    state: String,
    attempts: i32,
    next_attempt_at: Option<At>,
    sent_at: Option<At>,
    last_error: Option<String>,
}

impl MailRow {
    /// Position in queue order (creation time, then insertion order).
    pub(crate) fn order_key(&self) -> (At, i64) {
        (self.created_at, self.seq)
    }

    /// The row's key.
    pub(crate) fn seq(&self) -> i64 {
        self.seq
    }

    /// Whether the row is due only after `t`.
    pub(crate) fn due_after(&self, t: DateTime<Utc>) -> bool {
        self.next_attempt_at.is_some_and(|At(due)| due > t)
    }

    pub(crate) fn into_domain(self) -> Result<QueuedMail, StoreError> {
        let attempts = u32::try_from(self.attempts).map_err(|_| corrupt("attempt count"))?;
        let state = match self.state.as_str() {
            "pending" => DeliveryState::Pending {
                attempts,
                next_attempt_at: self
                    .next_attempt_at
                    .ok_or_else(|| corrupt("next attempt time"))?
                    .0,
                last_error: self.last_error,
            },
            "sent" => DeliveryState::Sent {
                at: self.sent_at.ok_or_else(|| corrupt("sending time"))?.0,
            },
            "abandoned" => DeliveryState::Abandoned {
                attempts,
                last_error: self.last_error.unwrap_or_default(),
            },
            _ => return Err(corrupt("delivery state")),
        };
        let mail = Mail {
            id: MailId::from_uuid(self.id.0),
            to: Email::parse(&self.recipient).map_err(|_| corrupt("mail recipient"))?,
            locale: parse_locale(&self.locale)?,
            kind: decode_kind(&self.kind, self.link_token.as_deref())?,
            created_at: self.created_at.0,
        };
        Ok(QueuedMail { mail, state })
    }
}

/// The columns a delivery result sets.
#[derive(AsChangeset)]
#[diesel(table_name = outbox, treat_none_as_null = true)]
pub(crate) struct DeliveryChange {
    state: String,
    attempts: i32,
    next_attempt_at: Option<At>,
    sent_at: Option<At>,
    last_error: Option<String>,
    leased_until: Option<At>,
    leased_by: Option<String>,
}

impl DeliveryChange {
    /// The change, and whether it erases the mail's token (once sent).
    pub(crate) fn from_domain(state: &DeliveryState) -> Result<(Self, bool), StoreError> {
        let attempts = |n: u32| i32::try_from(n).map_err(|_| unsupported());
        Ok(match state {
            DeliveryState::Pending {
                attempts: n,
                next_attempt_at,
                last_error,
            } => (
                Self {
                    state: "pending".into(),
                    attempts: attempts(*n)?,
                    next_attempt_at: Some(At(*next_attempt_at)),
                    sent_at: None,
                    last_error: last_error.clone(),
                    leased_until: None,
                    leased_by: None,
                },
                false,
            ),
            DeliveryState::Sent { at } => (
                Self {
                    state: "sent".into(),
                    attempts: 0,
                    next_attempt_at: None,
                    sent_at: Some(At(*at)),
                    last_error: None,
                    leased_until: None,
                    leased_by: None,
                },
                true,
            ),
            DeliveryState::Abandoned {
                attempts: n,
                last_error,
            } => (
                Self {
                    state: "abandoned".into(),
                    attempts: attempts(*n)?,
                    next_attempt_at: None,
                    sent_at: None,
                    last_error: Some(last_error.clone()),
                    leased_until: None,
                    leased_by: None,
                },
                false,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::testing::SeededSecrets;
    use chrono::TimeZone;

    #[test]
    fn kinds_round_trip_and_tokens_stay_out_of_the_json() {
        let secrets = SeededSecrets::new(3);
        let token = SecretToken::generate(&secrets);
        let expires_at = Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap();
        let kind = MailKind::AccountLocked {
            unlock: TicketLink {
                purpose: TicketPurpose::Unlock,
                token: token.clone(),
                expires_at,
            },
        };
        let (json, stored) = encode_kind(&kind).unwrap();
        assert!(!json.contains(token.expose().as_str()));
        assert!(json.contains("\"type\":\"account-locked\""));
        let MailKind::AccountLocked { unlock } = decode_kind(&json, stored.as_deref()).unwrap()
        else {
            panic!("wrong kind");
        };
        assert_eq!(unlock.token.hash(), token.hash());
        assert_eq!(unlock.expires_at, expires_at);
        assert!(
            decode_kind(&json, None).is_err(),
            "an erased token is not a link"
        );
        let notice = MailKind::Notice {
            kind: NoticeKind::SecondFactorChanged,
        };
        let (json, stored) = encode_kind(&notice).unwrap();
        assert_eq!(
            json,
            r#"{"type":"notice","notice":"second-factor-changed"}"#
        );
        assert!(stored.is_none());
        assert!(decode_kind(r#"{"type":"invitation"}"#, None).is_err());
        assert!(decode_kind(r#"{"type":"unheard-of"}"#, None).is_err());
    }

    #[test]
    fn i1_e1_m2_d1_every_mail_kind_round_trips() {
        let secrets = SeededSecrets::new(4);
        let expires_at = Utc.with_ymd_and_hms(2026, 4, 15, 0, 0, 0).unwrap();
        let link = |purpose| TicketLink {
            purpose,
            token: SecretToken::generate(&secrets),
            expires_at,
        };
        let connection = ConnectionId::parse("adfs-ABCDEFGHIJKLMNOPQR").unwrap();
        let kinds = [
            MailKind::Invitation {
                link: link(TicketPurpose::Invitation),
                contract_name: "雲商事".into(),
                invitee_name: "新人".into(),
            },
            MailKind::OwnerInvitation {
                link: link(TicketPurpose::Invitation),
                contract_name: "雲商事".into(),
                owner_name: "山田 太郎".into(),
            },
            MailKind::EmailChange {
                link: link(TicketPurpose::EmailChange),
            },
            MailKind::LoginMethodChange {
                link: link(TicketPurpose::LoginMethodChange),
            },
            MailKind::AdSignIn {
                connection: connection.clone(),
            },
        ];
        for kind in kinds {
            let (json, token) = encode_kind(&kind).unwrap();
            let back = decode_kind(&json, token.as_deref()).unwrap();
            match (&kind, &back) {
                (
                    MailKind::Invitation {
                        link: a,
                        contract_name,
                        invitee_name,
                    },
                    MailKind::Invitation {
                        link: b,
                        contract_name: c2,
                        invitee_name: i2,
                    },
                ) => {
                    assert!(!json.contains(a.token.expose().as_str()));
                    assert_eq!(a.token.hash(), b.token.hash());
                    assert_eq!((a.purpose, a.expires_at), (b.purpose, b.expires_at));
                    assert_eq!((contract_name, invitee_name), (c2, i2));
                }
                (
                    MailKind::OwnerInvitation {
                        link: a,
                        contract_name,
                        owner_name,
                    },
                    MailKind::OwnerInvitation {
                        link: b,
                        contract_name: c2,
                        owner_name: o2,
                    },
                ) => {
                    assert!(!json.contains(a.token.expose().as_str()));
                    assert_eq!(a.token.hash(), b.token.hash());
                    assert_eq!((contract_name, owner_name), (c2, o2));
                }
                (MailKind::EmailChange { link: a }, MailKind::EmailChange { link: b })
                | (
                    MailKind::LoginMethodChange { link: a },
                    MailKind::LoginMethodChange { link: b },
                ) => {
                    assert!(!json.contains(a.token.expose().as_str()));
                    assert_eq!(a.token.hash(), b.token.hash());
                    assert_eq!((a.purpose, a.expires_at), (b.purpose, b.expires_at));
                }
                (MailKind::AdSignIn { connection: a }, MailKind::AdSignIn { connection: b }) => {
                    assert_eq!(a, b);
                    assert!(token.is_none());
                }
                other => panic!("kind changed: {other:?}"),
            }
        }
    }
}
