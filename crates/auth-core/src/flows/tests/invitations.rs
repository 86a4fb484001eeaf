#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, ContractStore as _, InvitationStore as _, TicketStore as _,
};

use chrono::Duration;

use super::{client, newest_link, saml_settings, session_of, sign_in, try_sign_in};
use crate::domain::{
    ExternalIdentity, Locale, MailKind, MethodChoice, PasswordRule, Provider, Role, Subject,
    TicketError, TicketPurpose,
};
use crate::flows::invitations::{ContractRequest, Invite};
use crate::flows::invitations::{InviteError, RegistrationError};
use crate::testing::TestWorld;

const PW: &str = "Kumo-2024";
const NEW: &str = "Sakura-7730";

fn password<'a>() -> MethodChoice<'a> {
    MethodChoice::Password {
        password: NEW,
        confirmation: NEW,
    }
}

fn google(subject: &str) -> ExternalIdentity {
    ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse(subject).unwrap(),
    }
}

/// A Basic contract whose owner (signed in: the session) invited 佐藤 花子 (her account ID).
async fn hanako_invited() -> (
    TestWorld<crate::testing::MemoryStore>,
    crate::domain::Session,
    crate::domain::AccountId,
) {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let id = w
        .auth
        .invite_user(
            &me,
            Invite {
                name: "佐藤 花子",
                email: "hanako@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    (w, me, id)
}

#[tokio::test]
async fn i1_the_owner_invites_a_user_and_a_fourteen_day_ticket_is_mailed() {
    let (w, me, id) = hanako_invited().await;
    let mail = w.store.queued_mail().pop().unwrap();
    assert_eq!(mail.to.as_str(), "hanako@example.co.jp");
    let MailKind::Invitation {
        link,
        contract_name,
        invitee_name,
    } = mail.kind
    else {
        panic!("not an invitation")
    };
    assert_eq!(link.expires_at, w.clock.now() + Duration::days(14));
    assert_eq!(contract_name, "雲商事");
    assert_eq!(invitee_name, "佐藤 花子");
    let list = w.auth.list_users(&me).await.unwrap();
    assert_eq!(
        list.invitations
            .iter()
            .map(|i| i.account)
            .collect::<Vec<_>>(),
        vec![id]
    );
}

#[tokio::test]
async fn i1_admins_may_invite_users_may_not_and_nobody_invites_an_owner() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    w.account(&contract, "user@example.co.jp", Role::User, Some(PW))
        .await;
    let admin = session_of(&w, "admin@example.co.jp", PW).await;
    let user = session_of(&w, "user@example.co.jp", PW).await;
    let invite = Invite {
        name: "新人",
        email: "new@example.co.jp",
        role: Role::User,
        locale: None,
    };
    assert_eq!(
        w.auth
            .invite_user(&user, invite, &client())
            .await
            .unwrap_err(),
        InviteError::NotPermitted
    );
    w.auth.invite_user(&admin, invite, &client()).await.unwrap();
    let owner_invite = Invite {
        role: Role::Owner,
        locale: None,
        email: "boss@example.co.jp",
        ..invite
    };
    assert_eq!(
        w.auth
            .invite_user(&admin, owner_invite, &client())
            .await
            .unwrap_err(),
        InviteError::NotPermitted
    );
}

#[tokio::test]
async fn i2_accepting_with_a_password_reviews_first_then_registers_and_signs_in() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "佐藤 花子",
                email: "hanako@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    let view = w.auth.open_invitation(&token).await.unwrap();
    assert_eq!(view.email.as_str(), "hanako@example.co.jp");
    assert_eq!(view.contract_name.as_str(), "雲商事");
    // P1 with confirmation, naming the rule.
    let weak = MethodChoice::Password {
        password: "short",
        confirmation: "short",
    };
    let Err(RegistrationError::Rejected(r)) = w.auth.review_invitation(&token, &weak).await else {
        panic!("weak password accepted")
    };
    assert!(r.rules.contains(&PasswordRule::TooShort));
    // Review writes nothing.
    w.auth.review_invitation(&token, &password()).await.unwrap();
    assert!(try_sign_in(&w, "hanako@example.co.jp", NEW).await.is_err());
    let id = w
        .auth
        .accept_invitation(&token, &password(), &client())
        .await
        .unwrap();
    let grant = sign_in(&w, "hanako@example.co.jp", NEW).await;
    assert_eq!(grant.session.account, id);
    assert!(w.auth.list_users(&me).await.unwrap().invitations.is_empty());
}

#[tokio::test]
async fn i2_accepting_with_a_federated_identity_binds_it() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "Ken",
                email: "ken@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    let id = w
        .auth
        .accept_invitation(&token, &MethodChoice::Identity(google("g-123")), &client())
        .await
        .unwrap();
    let bound = w
        .store
        .account_by_identity(&google("g-123"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bound.id, id);
}

#[tokio::test]
async fn i2_active_directory_is_offered_only_when_the_contract_has_a_connection() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "Ken",
                email: "ken@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    let fake = crate::domain::ConnectionId::parse("adfs-ABCDEFGHIJKLMNOPQR").unwrap();
    let ad = |c: crate::domain::ConnectionId| {
        MethodChoice::Identity(ExternalIdentity::ActiveDirectory {
            connection: c,
            subject: Subject::parse("ken@corp").unwrap(),
        })
    };
    assert_eq!(
        w.auth
            .review_invitation(&token, &ad(fake))
            .await
            .unwrap_err(),
        RegistrationError::NoActiveDirectory
    );
    let connection = w
        .auth
        .turn_on_active_directory(
            &me,
            &saml_settings(
                "https://adfs.example.co.jp/FederationMetadata/2007-06/FederationMetadata.xml",
            ),
            &client(),
        )
        .await
        .unwrap();
    let view = w.auth.open_invitation(&token).await.unwrap();
    assert_eq!(
        view.connection.as_ref(),
        Some(&connection),
        "the page shows the connection ID to confirm"
    );
    w.auth
        .accept_invitation(&token, &ad(connection), &client())
        .await
        .unwrap();
}

#[tokio::test]
async fn i3_used_expired_and_replaced_links_each_have_their_own_answer() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let id = w
        .auth
        .invite_user(
            &me,
            Invite {
                name: "Ken",
                email: "ken@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let first = newest_link(&w, TicketPurpose::Invitation);
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    let second = newest_link(&w, TicketPurpose::Invitation);
    assert_eq!(
        w.auth.open_invitation(&first).await.unwrap_err(),
        RegistrationError::Ticket(TicketError::Voided)
    );
    w.clock.advance(Duration::days(14));
    assert_eq!(
        w.auth.open_invitation(&second).await.unwrap_err(),
        RegistrationError::Ticket(TicketError::Expired)
    );
    // The owner sends a new one, which works, once.
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    let third = newest_link(&w, TicketPurpose::Invitation);
    w.auth
        .accept_invitation(&third, &password(), &client())
        .await
        .unwrap();
    assert_eq!(
        w.auth.open_invitation(&third).await.unwrap_err(),
        RegistrationError::Ticket(TicketError::Used)
    );
    assert_eq!(
        w.auth.open_invitation("garbage").await.unwrap_err(),
        RegistrationError::Ticket(TicketError::Unknown)
    );
}

#[tokio::test]
async fn e3_an_address_in_use_cannot_be_invited_or_registered_twice() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let taken = Invite {
        name: "x",
        email: "OWNER@example.co.jp",
        role: Role::User,
        locale: None,
    };
    assert_eq!(
        w.auth.invite_user(&me, taken, &client()).await.unwrap_err(),
        InviteError::EmailTaken
    );
    // Two invitations to one address: the first accepted wins, the second is refused.
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "a",
                email: "dup@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let a = newest_link(&w, TicketPurpose::Invitation);
    w.auth
        .invite_user(
            &me,
            Invite {
                name: "b",
                email: "dup@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let b = newest_link(&w, TicketPurpose::Invitation);
    w.auth
        .accept_invitation(&a, &password(), &client())
        .await
        .unwrap();
    assert_eq!(
        w.auth
            .accept_invitation(&b, &password(), &client())
            .await
            .unwrap_err(),
        RegistrationError::EmailTaken
    );
}

#[tokio::test]
async fn i1_a_new_contract_invites_its_owner() {
    let w = TestWorld::new();
    let created = w
        .auth
        .create_contract(ContractRequest {
            name: "桜製作所",
            owner_email: "ceo@sakura.example.jp",
            owner_name: "桜 太郎",
            trial: true,
            locale: Locale::En,
        })
        .await
        .unwrap();
    // The owner's first mail is worded for the owner, with the names given.
    let mail = w.store.queued_mail().pop().unwrap();
    assert_eq!(mail.locale, Locale::En, "in the owner's language");
    let MailKind::OwnerInvitation {
        contract_name,
        owner_name,
        ..
    } = mail.kind
    else {
        panic!("not the owner's invitation: {:?}", mail.kind)
    };
    assert_eq!(
        (contract_name.as_str(), owner_name.as_str()),
        ("桜製作所", "桜 太郎")
    );
    let view = w
        .auth
        .open_invitation(created.invitation.expose().as_str())
        .await
        .unwrap();
    assert_eq!(view.contract_name.as_str(), "桜製作所");
    let id = w
        .auth
        .accept_invitation(created.invitation.expose().as_str(), &password(), &client())
        .await
        .unwrap();
    let owner = w.store.account(id).await.unwrap().unwrap();
    assert_eq!(owner.role, Role::Owner);
    assert_eq!(owner.locale, Locale::En);
    assert!(matches!(
        w.store
            .contract(created.contract)
            .await
            .unwrap()
            .unwrap()
            .plan,
        crate::domain::Plan::FreeTrial { .. }
    ));
}

#[tokio::test]
async fn x5_invitation_resends_are_capped_per_day() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let id = w
        .auth
        .invite_user(
            &me,
            Invite {
                name: "Ken",
                email: "ken@example.co.jp",
                role: Role::User,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    for _ in 1..crate::domain::INVITATIONS_PER_DAY {
        w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    }
    assert_eq!(
        w.auth
            .resend_invitation(&me, id, &client())
            .await
            .unwrap_err(),
        InviteError::RateLimited
    );
    w.clock.advance(Duration::hours(24));
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
}

#[tokio::test]
async fn i1_removed_admin_invitations_are_withdrawn() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let admin = w
        .account(&contract, "admin@example.co.jp", Role::Admin, Some(PW))
        .await;
    let as_admin = session_of(&w, "admin@example.co.jp", PW).await;
    let invited = w
        .auth
        .invite_user(
            &as_admin,
            Invite {
                name: "佐藤 花子",
                email: "hanako@example.co.jp",
                role: Role::Admin,
                locale: None,
            },
            &client(),
        )
        .await
        .unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    let owner = session_of(&w, "owner@example.co.jp", PW).await;
    w.auth
        .remove_user(&owner, admin.id, &client())
        .await
        .unwrap();
    assert!(
        w.auth
            .list_users(&owner)
            .await
            .unwrap()
            .invitations
            .is_empty(),
        "the removed admin's invitation is withdrawn"
    );
    assert_eq!(
        w.auth
            .accept_invitation(&token, &password(), &client())
            .await,
        Err(RegistrationError::Ticket(TicketError::Voided))
    );
    assert!(w.store.account(invited).await.unwrap().is_none());
}

#[tokio::test]
async fn i1_invitation_role_is_rechecked_at_acceptance() {
    use crate::domain::{AccountId, DisplayName, Email, Invitation, Ticket};
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    // An issuer that no longer holds the admin role (as if it lost it after inviting).
    let demoted = w
        .account(&contract, "demoted@example.co.jp", Role::User, Some(PW))
        .await;
    let save = |by: Option<AccountId>, role: Role, to: &str| {
        let invitation = Invitation {
            account: AccountId::generate(w.secrets.as_ref()),
            contract: contract.id,
            email: Email::parse(to).unwrap(),
            display_name: DisplayName::parse("新人").unwrap(),
            role,
            invited_by: by,
            sent_at: w.clock.now(),
            locale: crate::domain::Locale::Ja,
            reviewed_password: None,
        };
        let issued = Ticket::issue(
            TicketPurpose::Invitation,
            invitation.account,
            w.clock.now(),
            w.secrets.as_ref(),
        );
        let mail = super::notice_mail(&w, &owner);
        let store = w.store.clone();
        async move {
            store
                .save_invitation(&invitation, &issued.ticket, &mail)
                .await
                .unwrap();
            issued.token.expose().to_string()
        }
    };
    let by_demoted = save(Some(demoted.id), Role::Admin, "a@example.co.jp").await;
    let second_owner = save(None, Role::Owner, "b@example.co.jp").await;
    let by_owner = save(Some(owner.id), Role::Admin, "c@example.co.jp").await;
    for token in [&by_demoted, &second_owner] {
        assert_eq!(
            w.auth.open_invitation(token).await.unwrap_err(),
            RegistrationError::Ticket(TicketError::Voided)
        );
        assert_eq!(
            w.auth
                .accept_invitation(token, &password(), &client())
                .await,
            Err(RegistrationError::Ticket(TicketError::Voided))
        );
    }
    let id = w
        .auth
        .accept_invitation(&by_owner, &password(), &client())
        .await
        .unwrap();
    assert_eq!(
        w.store.account(id).await.unwrap().unwrap().role,
        Role::Admin
    );
}

/// The newest queued mail.
fn newest_mail(w: &TestWorld<crate::testing::MemoryStore>) -> crate::domain::Mail {
    w.store.queued_mail().pop().expect("a queued mail")
}

#[tokio::test]
async fn i1_the_invitation_is_written_in_the_chosen_language_and_the_account_keeps_it() {
    use crate::domain::{Locale, PasswordCandidate};
    use crate::flows::password_change::ChangePassword;
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let id = w
        .auth
        .invite_user(
            &me,
            Invite {
                name: "Emma Brown",
                email: "emma@example.co.jp",
                role: Role::User,
                locale: Some(Locale::En),
            },
            &client(),
        )
        .await
        .unwrap();
    assert_eq!(newest_mail(&w).locale, Locale::En, "the invitation mail");
    // A resend keeps the language.
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    assert_eq!(newest_mail(&w).locale, Locale::En, "the resent mail");
    let token = newest_link(&w, TicketPurpose::Invitation);
    assert_eq!(
        w.auth.open_invitation(&token).await.unwrap().locale,
        Locale::En,
        "the registration pages open in it"
    );
    w.auth
        .accept_invitation(&token, &password(), &client())
        .await
        .unwrap();
    let account = w.store.account(id).await.unwrap().unwrap();
    assert_eq!(account.locale, Locale::En, "the account keeps it");
    // The account's later mails follow it, and the person can change it.
    let emma = session_of(&w, "emma@example.co.jp", NEW).await;
    w.auth
        .change_password(
            &emma,
            ChangePassword {
                current: PasswordCandidate::new(NEW),
                new_password: "Momiji-4410",
                confirmation: "Momiji-4410",
            },
            &client(),
        )
        .await
        .unwrap();
    assert_eq!(newest_mail(&w).locale, Locale::En, "a later notice");
    w.auth.set_language(&emma, Locale::Ja).await.unwrap();
    assert_eq!(
        w.store.account(id).await.unwrap().unwrap().locale,
        Locale::Ja
    );
}

#[tokio::test]
async fn i1_without_a_choice_the_invitee_gets_the_inviters_language() {
    use crate::domain::Locale;
    let w = TestWorld::new();
    w.basic_owner().await;
    let me = session_of(&w, "owner@example.co.jp", PW).await;
    let invite = |email| Invite {
        name: "新人",
        email,
        role: Role::User,
        locale: None,
    };
    w.auth
        .invite_user(&me, invite("a@example.co.jp"), &client())
        .await
        .unwrap();
    assert_eq!(newest_mail(&w).locale, Locale::Ja);
    w.auth.set_language(&me, Locale::En).await.unwrap();
    w.auth
        .invite_user(&me, invite("b@example.co.jp"), &client())
        .await
        .unwrap();
    assert_eq!(newest_mail(&w).locale, Locale::En);
}

#[tokio::test]
async fn i2_the_review_step_keeps_the_password_hash_with_the_invitation_until_confirmed() {
    let (w, me, id) = hanako_invited().await;
    let token = newest_link(&w, TicketPurpose::Invitation);
    // Confirming before reviewing needs the review step.
    assert_eq!(
        w.auth
            .accept_reviewed_invitation(&token, &client())
            .await
            .unwrap_err(),
        RegistrationError::ReviewRequired
    );
    // A refused password keeps nothing.
    assert!(matches!(
        w.auth
            .keep_reviewed_password(&token, "short", "short")
            .await,
        Err(RegistrationError::Rejected(_))
    ));
    assert!(!w.auth.open_invitation(&token).await.unwrap().password_kept);
    let view = w
        .auth
        .keep_reviewed_password(&token, NEW, NEW)
        .await
        .unwrap();
    assert!(view.password_kept);
    let kept = w.store.invitation(id).await.unwrap().unwrap();
    let hash = kept.reviewed_password.expect("the hash is kept").hash;
    assert!(
        !hash.as_phc().contains(NEW),
        "a hash, never the password itself"
    );
    // A resend starts afresh.
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    let token = newest_link(&w, TicketPurpose::Invitation);
    assert!(!w.auth.open_invitation(&token).await.unwrap().password_kept);
    w.auth
        .keep_reviewed_password(&token, NEW, NEW)
        .await
        .unwrap();
    assert!(try_sign_in(&w, "hanako@example.co.jp", NEW).await.is_err());
    let created = w
        .auth
        .accept_reviewed_invitation(&token, &client())
        .await
        .unwrap();
    assert_eq!(created, id);
    let grant = sign_in(&w, "hanako@example.co.jp", NEW).await;
    assert_eq!(grant.session.account, id);
}

#[tokio::test]
async fn i2_a_password_reviewed_under_a_link_a_resend_replaced_never_completes_the_new_link() {
    let (w, me, id) = hanako_invited().await;
    // Whoever holds the first link reviews a password of their own...
    let old = newest_link(&w, TicketPurpose::Invitation);
    w.auth
        .keep_reviewed_password(&old, "Attacker-2024", "Attacker-2024")
        .await
        .unwrap();
    let raced = w
        .store
        .invitation(id)
        .await
        .unwrap()
        .unwrap()
        .reviewed_password
        .unwrap();
    // ... while the inviter resends (the first mail went astray); a review checked under the
    // old link before the resend writes its hash after it.
    w.auth.resend_invitation(&me, id, &client()).await.unwrap();
    let new = newest_link(&w, TicketPurpose::Invitation);
    assert!(
        w.store
            .set_reviewed_password(id, Some(&raced))
            .await
            .unwrap()
    );
    // The new link's holder is never offered, nor registered with, that password.
    assert!(!w.auth.open_invitation(&new).await.unwrap().password_kept);
    assert_eq!(
        w.auth
            .accept_reviewed_invitation(&new, &client())
            .await
            .unwrap_err(),
        RegistrationError::ReviewRequired
    );
    assert!(
        try_sign_in(&w, "hanako@example.co.jp", "Attacker-2024")
            .await
            .is_err()
    );
    // Reviewing under the new link completes it.
    w.auth.keep_reviewed_password(&new, NEW, NEW).await.unwrap();
    assert_eq!(
        w.auth
            .accept_reviewed_invitation(&new, &client())
            .await
            .unwrap(),
        id
    );
}
