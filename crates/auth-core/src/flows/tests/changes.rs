#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, ContractStore as _, TicketStore as _, TwoFactorStore as _,
};

use super::{client, newest_link, saml_settings, session_of, sign_in, try_sign_in};
use crate::domain::{
    ConnectionId, ExternalIdentity, LoginMethod, MailKind, MethodChoice, NoticeKind, Plan,
    Provider, Role, Subject, TicketPurpose,
};
use crate::flows::changes::SentChange;
use crate::flows::changes::{ChangeRequestError, EmailChangeError, MethodChangeError};
use crate::testing::TestWorld;

const PW: &str = "Kumo-2024";
const NEW: &str = "Sakura-7730";

fn fb(subject: &str) -> MethodChoice<'static> {
    MethodChoice::Identity(ExternalIdentity::Federated {
        provider: Provider::Facebook,
        subject: Subject::parse(subject).unwrap(),
    })
}

#[tokio::test]
async fn e1_the_basic_owner_changes_their_address_through_a_ticket_to_the_new_one() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .request_own_email_change(&me, "new@example.co.jp", "neu@example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::EmailConfirmationMismatch
    );
    w.auth
        .request_own_email_change(&me, "new@example.co.jp", "NEW@example.co.jp", &client())
        .await
        .unwrap();
    let mail = w.store.queued_mail().pop().unwrap();
    assert_eq!(
        mail.to.as_str(),
        "new@example.co.jp",
        "the ticket goes to the new address"
    );
    assert!(matches!(mail.kind, MailKind::EmailChange { .. }));
    let token = newest_link(&w, TicketPurpose::EmailChange);
    let view = w.auth.open_email_change(&token).await.unwrap();
    assert!(view.needs_password);
    // A password account must set a new password (P1 with confirmation).
    assert!(matches!(
        w.auth.complete_email_change(&token, None, &client()).await,
        Err(EmailChangeError::Rejected(_))
    ));
    w.auth
        .complete_email_change(&token, Some((NEW, NEW)), &client())
        .await
        .unwrap();
    assert!(try_sign_in(&w, "owner@example.co.jp", PW).await.is_err());
    let grant = sign_in(&w, "new@example.co.jp", NEW).await;
    assert_eq!(grant.session.account, owner.id);
    // X3: the notice goes to the old address.
    let notice = w.store.queued_mail().pop().unwrap();
    assert_eq!(notice.to.as_str(), "owner@example.co.jp");
    assert!(matches!(
        notice.kind,
        MailKind::Notice {
            kind: NoticeKind::EmailChanged
        }
    ));
}

#[tokio::test]
async fn t6_an_email_change_of_a_password_account_clears_its_second_factor() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    super::two_factor_enrol(&w, &owner).await;
    assert!(w.store.enrolment(owner.id).await.unwrap().is_some());
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .request_own_email_change(&me, "new@example.co.jp", "new@example.co.jp", &client())
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::EmailChange);
    w.auth
        .complete_email_change(&token, Some((NEW, NEW)), &client())
        .await
        .unwrap();
    assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
}

#[tokio::test]
async fn e1_users_and_trial_owners_cannot_change_their_own_address() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let user = session_of(&w, "user@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .request_own_email_change(&user, "x@example.co.jp", "x@example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::NotPermitted
    );
    let trial = w
        .contract(
            "試用",
            Plan::FreeTrial {
                started_at: w.clock.now(),
            },
        )
        .await;
    w.store
        .set_two_factor_policy(trial.id, crate::domain::TwoFactorPolicy::Disabled)
        .await
        .unwrap();
    w.account(&trial, "trial@example.co.jp", Role::Owner, Some(PW))
        .await;
    let trial_owner = session_of(&w, "trial@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .request_own_email_change(
                &trial_owner,
                "y@example.co.jp",
                "y@example.co.jp",
                &client()
            )
            .await
            .unwrap_err(),
        ChangeRequestError::NotPermitted
    );
}

#[tokio::test]
async fn e2_an_unchanged_address_sends_a_method_change_a_changed_one_an_email_change_never_both() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, None)
        .await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let before = w.store.queued_mail().len();
    assert_eq!(
        w.auth
            .send_change(&me, user.id, " USER@example.co.jp ", &client())
            .await
            .unwrap(),
        SentChange::LoginMethodChange
    );
    let mails = w.store.queued_mail();
    assert_eq!(mails.len(), before + 1);
    assert!(matches!(
        mails.last().unwrap().kind,
        MailKind::LoginMethodChange { .. }
    ));
    assert_eq!(mails.last().unwrap().to.as_str(), "user@example.co.jp");
    assert_eq!(
        w.auth
            .send_change(&me, user.id, "moved@example.co.jp", &client())
            .await
            .unwrap(),
        SentChange::EmailChange
    );
    let mails = w.store.queued_mail();
    assert_eq!(mails.len(), before + 2);
    assert!(matches!(
        mails.last().unwrap().kind,
        MailKind::EmailChange { .. }
    ));
    assert_eq!(mails.last().unwrap().to.as_str(), "moved@example.co.jp");
    // A federated account completes without a password.
    let token = newest_link(&w, TicketPurpose::EmailChange);
    assert!(
        !w.auth
            .open_email_change(&token)
            .await
            .unwrap()
            .needs_password
    );
    w.auth
        .complete_email_change(&token, None, &client())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .account(user.id)
            .await
            .unwrap()
            .unwrap()
            .email
            .as_str(),
        "moved@example.co.jp"
    );
}

#[tokio::test]
async fn e2_a_user_cannot_send_changes_and_the_owner_is_not_a_target() {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let admin = w
        .account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    let user_session = session_of(&w, "user@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .send_change(&user_session, user.id, "x@example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::NotPermitted
    );
    let admin_session = session_of(&w, "admin@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .send_change(&admin_session, owner.id, "x@example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::OwnerIsProtected
    );
    let _ = admin;
}

#[tokio::test]
async fn e3_an_address_used_by_another_account_is_refused() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .send_change(&me, user.id, "Owner@Example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::EmailTaken
    );
    assert_eq!(
        w.auth
            .request_own_email_change(&me, "user@example.co.jp", "user@example.co.jp", &client())
            .await
            .unwrap_err(),
        ChangeRequestError::EmailTaken
    );
    // Taken between request and completion: refused at completion, nothing changes.
    w.auth
        .send_change(&me, user.id, "late@example.co.jp", &client())
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::EmailChange);
    w.account(&contract, "late@example.co.jp", Role::User, Some(PW))
        .await;
    assert_eq!(
        w.auth
            .complete_email_change(&token, Some((NEW, NEW)), &client())
            .await
            .unwrap_err(),
        EmailChangeError::EmailTaken
    );
    assert_eq!(
        w.store
            .account(user.id)
            .await
            .unwrap()
            .unwrap()
            .email
            .as_str(),
        "user@example.co.jp"
    );
}

#[tokio::test]
async fn m1_the_basic_owner_sets_a_federated_method_and_a_password_but_never_ad() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let google = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("g-owner").unwrap(),
    };
    w.auth
        .set_own_login_method(&me, &MethodChoice::Identity(google.clone()), &client())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .login_method,
        google.login_method()
    );
    assert!(
        try_sign_in(&w, "owner@example.co.jp", PW).await.is_err(),
        "the password no longer signs in"
    );
    let connection = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/metadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    let ad = MethodChoice::Identity(ExternalIdentity::ActiveDirectory {
        connection,
        subject: Subject::parse("owner@corp").unwrap(),
    });
    assert_eq!(
        w.auth
            .set_own_login_method(&me, &ad, &client())
            .await
            .unwrap_err(),
        MethodChangeError::OwnerCannotUseActiveDirectory
    );
    w.auth
        .set_own_login_method(
            &me,
            &MethodChoice::Password {
                password: NEW,
                confirmation: NEW,
            },
            &client(),
        )
        .await
        .unwrap();
    sign_in(&w, "owner@example.co.jp", NEW).await;
}

#[tokio::test]
async fn d2_the_owner_cannot_use_active_directory() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let connection = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/metadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    let ad = MethodChoice::Identity(ExternalIdentity::ActiveDirectory {
        connection,
        subject: Subject::parse("o").unwrap(),
    });
    assert_eq!(
        w.auth
            .set_own_login_method(&me, &ad, &client())
            .await
            .unwrap_err(),
        MethodChangeError::OwnerCannotUseActiveDirectory
    );
}

#[tokio::test]
async fn m2_a_user_changes_method_only_through_the_ticket_including_to_ad() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let user = w
        .account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let connection: ConnectionId = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings("https://adfs.example.co.jp/metadata.xml"),
            &client(),
        )
        .await
        .unwrap();
    let user_session = session_of(&w, "user@example.co.jp", PW).await;
    assert_eq!(
        w.auth
            .set_own_login_method(
                &user_session,
                &MethodChoice::Password {
                    password: NEW,
                    confirmation: NEW
                },
                &client()
            )
            .await
            .unwrap_err(),
        MethodChangeError::NotPermitted
    );
    w.auth
        .send_change(&me, user.id, "user@example.co.jp", &client())
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::LoginMethodChange);
    let view = w.auth.open_method_change(&token).await.unwrap();
    assert_eq!(view.connection.as_ref(), Some(&connection));
    let ad = ExternalIdentity::ActiveDirectory {
        connection,
        subject: Subject::parse("user@corp").unwrap(),
    };
    w.auth
        .complete_method_change(&token, &MethodChoice::Identity(ad.clone()), &client())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .account(user.id)
            .await
            .unwrap()
            .unwrap()
            .login_method,
        ad.login_method()
    );
    assert!(
        w.auth
            .complete_method_change(&token, &MethodChoice::Identity(ad), &client())
            .await
            .is_err(),
        "the ticket is spent"
    );
    let notice = w.store.queued_mail().pop().unwrap();
    assert!(matches!(
        notice.kind,
        MailKind::Notice {
            kind: NoticeKind::LoginMethodChanged
        }
    ));
}

#[tokio::test]
async fn m3_facebook_cannot_be_rebound_directly_to_another_facebook_account() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .set_own_login_method(&me, &fb("fb-1"), &client())
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .set_own_login_method(&me, &fb("fb-2"), &client())
            .await
            .unwrap_err(),
        MethodChangeError::FacebookRebind
    );
    // Through another method first, it works.
    w.auth
        .set_own_login_method(
            &me,
            &MethodChoice::Password {
                password: NEW,
                confirmation: NEW,
            },
            &client(),
        )
        .await
        .unwrap();
    w.auth
        .set_own_login_method(&me, &fb("fb-2"), &client())
        .await
        .unwrap();
    assert!(matches!(
        w.store
            .account(owner.id)
            .await
            .unwrap()
            .unwrap()
            .login_method,
        LoginMethod::Federated {
            provider: Provider::Facebook,
            ..
        }
    ));
}

#[tokio::test]
async fn t6_setting_the_login_method_clears_the_second_factor() {
    let w = TestWorld::new();
    let (_, owner) = w.basic_owner().await;
    super::two_factor_enrol(&w, &owner).await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .set_own_login_method(
            &me,
            &MethodChoice::Password {
                password: NEW,
                confirmation: NEW,
            },
            &client(),
        )
        .await
        .unwrap();
    assert!(w.store.enrolment(owner.id).await.unwrap().is_none());
}

#[tokio::test]
async fn e1_an_email_change_voids_links_mailed_to_the_old_address() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset("owner@example.co.jp", &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let reset = newest_link(&w, TicketPurpose::PasswordReset);
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .request_own_email_change(&me, "new@example.co.jp", "new@example.co.jp", &client())
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::EmailChange);
    w.auth
        .complete_email_change(&token, Some((NEW, NEW)), &client())
        .await
        .unwrap();
    let refused = w
        .auth
        .reset_password(&reset, "Stolen-2031x", "Stolen-2031x", &client())
        .await;
    assert_eq!(
        refused,
        Err(crate::flows::password_reset::ResetError::Ticket(
            crate::domain::TicketError::Voided
        ))
    );
    sign_in(&w, "new@example.co.jp", NEW).await;
}
