use super::{client, last_link, sign_in, try_sign_in};
use crate::domain::{
    MailKind, NoticeKind, PasswordRule, Role, SessionScope, TicketError, TicketPurpose,
};
use crate::flows::password_reset::ResetError;
#[allow(unused_imports)]
use crate::ports::{
    AccountStore as _, Clock as _, OutboxStore as _, SessionStore as _, TicketStore as _,
};
use crate::testing::TestWorld;

const EMAIL: &str = "owner@example.co.jp";
const RIGHT: &str = "Kumo-2024";
const NEW: &str = "Hanami-2031";

#[tokio::test]
async fn p3_the_answer_is_the_same_whether_or_not_the_email_is_registered() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    w.account(&contract, "fed@example.co.jp", Role::User, None)
        .await;
    assert_eq!(
        w.auth
            .request_password_reset("nobody@example.co.jp", &client())
            .await,
        Ok(())
    );
    assert_eq!(
        w.auth
            .request_password_reset("fed@example.co.jp", &client())
            .await,
        Ok(())
    );
    assert_eq!(w.auth.process_reset_requests(100).await, Ok(2));
    assert!(
        w.store.queued_mail().is_empty(),
        "no mail for unknown or non-password accounts"
    );
    assert_eq!(
        w.auth
            .request_password_reset(" Owner@Example.co.jp ", &client())
            .await,
        Ok(())
    );
    assert_eq!(w.auth.process_reset_requests(100).await, Ok(1));
    let mails = w.store.queued_mail();
    assert_eq!(mails.len(), 1);
    let MailKind::PasswordReset { reset } = &mails[0].kind else {
        panic!("not a reset mail")
    };
    assert_eq!(reset.expires_at, w.clock.now() + chrono::Duration::days(14));
}

#[tokio::test]
async fn p3_a_reset_changes_the_password_ends_sessions_and_voids_other_links() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let session = sign_in(&w, EMAIL, RIGHT).await;
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let first = last_link(&w, TicketPurpose::PasswordReset);
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let second = last_link(&w, TicketPurpose::PasswordReset);
    assert_eq!(
        w.auth
            .check_reset_link(&second)
            .await
            .unwrap()
            .email
            .as_str(),
        EMAIL
    );
    w.auth
        .reset_password(&second, NEW, NEW, &client())
        .await
        .unwrap();

    assert!(
        w.auth
            .authenticate(
                &session.token,
                SessionScope::Service,
                crate::domain::ChannelKind::Internet
            )
            .await
            .is_err()
    );
    assert!(try_sign_in(&w, EMAIL, RIGHT).await.is_err());
    sign_in(&w, EMAIL, NEW).await;
    assert_eq!(
        w.auth.reset_password(&first, NEW, NEW, &client()).await,
        Err(ResetError::Ticket(TicketError::Voided))
    );
    assert_eq!(
        w.auth.reset_password(&second, NEW, NEW, &client()).await,
        Err(ResetError::Ticket(TicketError::Used))
    );
    let notice = w.store.queued_mail().pop().unwrap();
    assert!(matches!(
        notice.kind,
        MailKind::Notice {
            kind: NoticeKind::PasswordChanged
        }
    ));
}

#[tokio::test]
async fn p1_a_rejected_new_password_names_its_rules_and_keeps_the_link_valid() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let link = last_link(&w, TicketPurpose::PasswordReset);
    let Err(ResetError::Rejected(rejected)) = w
        .auth
        .reset_password(&link, "short", "shorter", &client())
        .await
    else {
        panic!("expected a rejection");
    };
    assert!(rejected.rules.contains(&PasswordRule::TooShort));
    assert!(rejected.rules.contains(&PasswordRule::ConfirmationMismatch));
    sign_in(&w, EMAIL, RIGHT).await;
    w.auth
        .reset_password(&link, NEW, NEW, &client())
        .await
        .unwrap();
}

#[tokio::test]
async fn x2_a_new_password_may_not_contain_the_email_or_the_contract_name() {
    let w = TestWorld::new();
    w.basic_owner().await; // contract 雲商事, owner@...
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let link = last_link(&w, TicketPurpose::PasswordReset);
    let Err(ResetError::Rejected(r)) = w
        .auth
        .reset_password(&link, "Owner-2031x", "Owner-2031x", &client())
        .await
    else {
        panic!("expected a rejection");
    };
    assert_eq!(r.rules, vec![PasswordRule::ContainsEmail]);
    let Err(ResetError::Rejected(r)) = w
        .auth
        .reset_password(&link, "雲商事-2031x", "雲商事-2031x", &client())
        .await
    else {
        panic!("expected a rejection");
    };
    assert_eq!(r.rules, vec![PasswordRule::ContainsContractName]);
    let Err(ResetError::Rejected(r)) = w
        .auth
        .reset_password(&link, "Password123", "Password123", &client())
        .await
    else {
        panic!("expected a rejection");
    };
    assert_eq!(r.rules, vec![PasswordRule::Common]);
}

#[tokio::test]
async fn p3_an_expired_reset_link_is_refused() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let link = last_link(&w, TicketPurpose::PasswordReset);
    w.clock.advance(chrono::Duration::days(14));
    assert_eq!(
        w.auth.check_reset_link(&link).await.unwrap_err(),
        ResetError::Ticket(TicketError::Expired)
    );
}

#[tokio::test]
async fn x5_reset_mails_to_one_account_are_capped_per_day_with_the_same_answer() {
    let w = TestWorld::new();
    w.basic_owner().await;
    for _ in 0..crate::domain::RESET_LINKS_PER_DAY + 3 {
        assert_eq!(
            w.auth.request_password_reset(EMAIL, &client()).await,
            Ok(())
        );
    }
    w.auth.process_reset_requests(100).await.unwrap();
    let resets = w
        .store
        .queued_mail()
        .iter()
        .filter(|m| matches!(m.kind, MailKind::PasswordReset { .. }))
        .count();
    assert_eq!(resets, crate::domain::RESET_LINKS_PER_DAY as usize);
    w.clock.advance(chrono::Duration::hours(24));
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let resets = w
        .store
        .queued_mail()
        .iter()
        .filter(|m| matches!(m.kind, MailKind::PasswordReset { .. }))
        .count();
    assert_eq!(resets, crate::domain::RESET_LINKS_PER_DAY as usize + 1);
}

#[tokio::test]
async fn p3_newest_reset_link_voids_older() {
    let w = TestWorld::new();
    w.basic_owner().await;
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let first = last_link(&w, TicketPurpose::PasswordReset);
    w.auth
        .request_password_reset(EMAIL, &client())
        .await
        .unwrap();
    w.auth.process_reset_requests(100).await.unwrap();
    let second = last_link(&w, TicketPurpose::PasswordReset);
    assert_ne!(first, second);
    assert_eq!(
        w.auth.reset_password(&first, NEW, NEW, &client()).await,
        Err(ResetError::Ticket(TicketError::Voided)),
        "the older link died when the newer one was requested"
    );
    w.auth
        .reset_password(&second, NEW, NEW, &client())
        .await
        .unwrap();
    sign_in(&w, EMAIL, NEW).await;
}

#[tokio::test]
async fn l5_a_forgot_password_request_does_the_same_work_for_any_address() {
    let w = TestWorld::new();
    w.basic_owner().await;
    let events_before = w.audit.events().len();
    for email in [EMAIL, "nobody@example.co.jp"] {
        assert_eq!(
            w.auth.request_password_reset(email, &client()).await,
            Ok(())
        );
    }
    // On the request path nothing is looked up or written but the queued request itself.
    assert!(w.store.queued_mail().is_empty());
    assert_eq!(w.audit.events().len(), events_before);
    // The worker resolves both off the request path: one reset for the registered address.
    assert_eq!(w.auth.process_reset_requests(100).await, Ok(2));
    assert_eq!(
        w.auth.process_reset_requests(100).await,
        Ok(0),
        "resolved once"
    );
    let mails = w.store.queued_mail();
    assert_eq!(mails.len(), 1);
    assert!(matches!(mails[0].kind, MailKind::PasswordReset { .. }));
    assert_eq!(mails[0].to.as_str(), EMAIL);
    let last = w.audit.events().pop().unwrap();
    assert_eq!(last.kind, crate::domain::AuditKind::PasswordResetRequested);
    assert_eq!(last.client_address, client().address);
}
