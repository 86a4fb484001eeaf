//! The English catalogue.

use auth_core::domain::LOCK_THRESHOLD;
use chrono::{DateTime, Utc};

use super::{Block, Catalogue, Content, LinkView, japan_wall_clock};

/// English.
pub(crate) struct En;

fn para(text: impl Into<String>) -> Block {
    Block::Para(text.into())
}

fn fact(label: &str, value: &str) -> Block {
    Block::Fact {
        label: format!("{label}: "),
        value: value.to_owned(),
    }
}

fn link(label: &str, url: &str) -> Block {
    Block::Link {
        label: label.to_owned(),
        url: url.to_owned(),
    }
}

fn greeting() -> Block {
    para("Hello,")
}

/// A notice (X3): what changed, when, and what to do if it was not the holder.
fn notice(subject: &str, what: String, at: &str, advice: &str) -> Content {
    Content {
        subject: subject.to_owned(),
        blocks: vec![
            greeting(),
            para(what),
            fact("When", at),
            para("If you made this change yourself, there is nothing more to do."),
            para(advice),
        ],
    }
}

const ADVICE_RESET: &str = "If you did not, someone else may have access to your account: \
     reset your password from the sign-in page now and tell your contract's administrator.";

const ADVICE_ADMIN: &str = "If you did not, someone else may have access to your account: \
     tell your contract's administrator now.";

impl Catalogue for En {
    fn lang(&self) -> &'static str {
        "en"
    }

    fn datetime(&self, at: DateTime<Utc>) -> String {
        japan_wall_clock(at)
            .format("%-d %B %Y, %H:%M JST")
            .to_string()
    }

    fn signature(&self, service: &str) -> String {
        format!("This message was sent automatically by {service}.")
    }

    fn text_link_marker(&self) -> &'static str {
        ""
    }

    fn account_locked(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "Your account has been locked".to_owned(),
            blocks: vec![
                greeting(),
                para(format!(
                    "Your account ({to}) has been locked because a wrong password was entered \
                     {LOCK_THRESHOLD} times in a row. While it is locked, nobody can sign in to \
                     it, even with the right password."
                )),
                para("Open the link below to unlock your account."),
                link("Unlock your account", &l.url),
                fact("The link expires", &l.expires),
                para(
                    "If the link has expired, reset your password from the sign-in page: a \
                     password reset unlocks the account too.",
                ),
                para(
                    "If you did not try to sign in, someone else may have tried. We recommend \
                     changing your password once the account is unlocked.",
                ),
            ],
        }
    }

    fn password_reset(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "Reset your password".to_owned(),
            blocks: vec![
                greeting(),
                para(format!(
                    "We received a request to reset the password of your account ({to}). Open \
                     the link below and choose a new password."
                )),
                link("Set a new password", &l.url),
                fact("The link expires", &l.expires),
                para(
                    "Resetting your password also unlocks your account and signs you out on \
                     every device. Your two-step verification is cleared as well: you will set \
                     it up again at your next sign-in.",
                ),
                para(
                    "If you did not ask for this, you can ignore this message: your password \
                     stays as it is unless the link is used.",
                ),
            ],
        }
    }

    fn password_changed(&self, to: &str, at: &str) -> Content {
        notice(
            "Your password was changed",
            format!("The password of your account ({to}) was changed."),
            at,
            ADVICE_RESET,
        )
    }

    fn email_changed(&self, to: &str, at: &str) -> Content {
        notice(
            "Your e-mail address was changed",
            format!(
                "The e-mail address of your account was changed from {to} to a new address. \
                 You can no longer sign in with this address."
            ),
            at,
            ADVICE_ADMIN,
        )
    }

    fn login_method_changed(&self, to: &str, at: &str) -> Content {
        notice(
            "Your sign-in method was changed",
            format!(
                "The sign-in method of your account ({to}) was changed. From now on, sign in \
                 with the new method."
            ),
            at,
            ADVICE_ADMIN,
        )
    }

    fn second_factor_changed(&self, to: &str, at: &str) -> Content {
        notice(
            "Your two-step verification was changed",
            format!(
                "The two-step verification of your account ({to}) was changed (a method was \
                 set up, replaced or removed)."
            ),
            at,
            ADVICE_RESET,
        )
    }
}
