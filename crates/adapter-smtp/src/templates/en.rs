//! The English catalogue.

use auth_core::domain::{LOCK_THRESHOLD, TICKET_VALIDITY};
use chrono::{DateTime, Utc};

use super::{Block, Catalogue, Content, LinkView, japan_wall_clock};
use crate::links::AdSignInUrls;

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

    fn invitation(&self, to: &str, contract: &str, invitee: &str, l: &LinkView) -> Content {
        Content {
            subject: "You are invited to register".to_owned(),
            blocks: vec![
                para(format!("Hello {invitee},")),
                para(format!(
                    "An administrator of \"{contract}\" has invited you to register as a user. \
                     Open the link below and complete your registration within {} days.",
                    TICKET_VALIDITY.num_days()
                )),
                fact("Your sign-in ID (e-mail address)", to),
                para(
                    "To register, choose how you will sign in (a password, an external account \
                     such as Google, or Active Directory where your contract offers it), check \
                     your choice on the confirmation page and complete the registration.",
                ),
                link("Start your registration", &l.url),
                fact("The link expires", &l.expires),
                para(
                    "If the link has expired or does not work, ask your contract's administrator \
                     to send the invitation again.",
                ),
                para(
                    "If you did not expect this invitation, you can ignore this message: no \
                     account can be used until the registration is complete.",
                ),
            ],
        }
    }

    fn owner_invitation(&self, to: &str, contract: &str, owner: &str, l: &LinkView) -> Content {
        Content {
            subject: "Thank you for your contract: register your administrator account".to_owned(),
            blocks: vec![
                para(format!("Hello {owner},")),
                para(format!(
                    "Thank you for your contract \"{contract}\". Your administrator account is \
                     ready: open the link below and complete your registration within {} days.",
                    TICKET_VALIDITY.num_days()
                )),
                fact("Your sign-in ID (e-mail address)", to),
                para(
                    "To register, choose how you will sign in (a password or an external account \
                     such as Google), check your choice on the confirmation page and complete \
                     the registration. You can then invite your users from the admin console.",
                ),
                link("Start your registration", &l.url),
                fact("The link expires", &l.expires),
                para("If the link has expired or does not work, ask the help desk for a new one."),
                para(
                    "If you did not expect this message, you can ignore it: no account can be \
                     used until the registration is complete.",
                ),
            ],
        }
    }

    fn email_change(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "Confirm your new e-mail address".to_owned(),
            blocks: vec![
                greeting(),
                para(format!(
                    "A change of your account's e-mail address to this address ({to}) has been \
                     requested. Open the link below to confirm the new address and complete the \
                     change."
                )),
                link("Confirm the new address", &l.url),
                fact("The link expires", &l.expires),
                para(
                    "If your account signs in with a password, you will be asked to set a new \
                     password when you complete the change. Your two-step verification is \
                     cleared as well: you will set it up again at your next sign-in.",
                ),
                para(
                    "Until the change is complete, you keep signing in with your current address. \
                     If the link has expired, request the change again, or ask your contract's \
                     administrator for a new link.",
                ),
                para(
                    "If you did not expect this, you can ignore this message: the address stays \
                     as it is unless the link is used.",
                ),
            ],
        }
    }

    fn login_method_change(&self, to: &str, l: &LinkView) -> Content {
        Content {
            subject: "Choose a new sign-in method".to_owned(),
            blocks: vec![
                greeting(),
                para(format!(
                    "An administrator of your contract has asked you to change how your account \
                     ({to}) signs in. Open the link below and choose a new sign-in method."
                )),
                para(
                    "You can choose a password, an external account (Google, Facebook, Microsoft \
                     or d-account), or Active Directory where your contract offers it.",
                ),
                link("Choose a sign-in method", &l.url),
                fact("The link expires", &l.expires),
                para(
                    "Changing your sign-in method clears your two-step verification. If you \
                     choose a password, you will set it up again at your next sign-in.",
                ),
                para(
                    "Until the change is complete, you keep signing in with your current method. \
                     If the link has expired, ask your contract's administrator to send it again.",
                ),
                para(
                    "If you did not expect this, do not open the link, and check with your \
                     contract's administrator.",
                ),
            ],
        }
    }

    fn ad_sign_in(&self, _to: &str, connection: &str, urls: &AdSignInUrls) -> Content {
        Content {
            subject: "Your Active Directory sign-in details".to_owned(),
            blocks: vec![
                greeting(),
                para(
                    "Sign-in with Active Directory is now turned on for your contract. Give the \
                     connection ID and the sign-in addresses below to the users who will sign in \
                     with Active Directory.",
                ),
                fact("Connection ID", connection),
                para(
                    "The sign-in address depends on how the user connects. If the sign-in page \
                     asks for a connection ID, enter the one above.",
                ),
                link("Sign in over the internet", &urls.internet),
                link("Sign in over a registered line", &urls.line),
                para(
                    "As the contract's owner, you cannot use Active Directory as your own \
                     sign-in method.",
                ),
                para(
                    "If you did not turn this on, someone else may have access to your account: \
                     sign in to the settings menu now and check your settings.",
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

    fn contract_details_changed(&self, _to: &str, at: &str) -> Content {
        notice(
            "Your contract details were changed",
            "The details of your contract (company name, department, contact person, phone \
             number, postal code, address) were changed from the settings menu."
                .to_owned(),
            at,
            ADVICE_RESET,
        )
    }
}
