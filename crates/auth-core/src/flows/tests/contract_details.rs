#[allow(unused_imports)]
use crate::ports::{AccountStore as _, Clock as _, ContractStore as _};

use super::{client, session_of};
use crate::domain::{
    AuditKind, ContractDetailsInput, DetailsField, DetailsProblem, MailKind, NoticeKind,
    PasswordCandidate, PasswordRule, Role, SessionScope,
};
use crate::flows::contract_details::ContractDetailsError;
use crate::flows::password_change::ChangePassword;
use crate::flows::signin::{PasswordSignIn, SignInOutcome};
use crate::testing::{MemoryStore, TestWorld};

const PW: &str = "Kumo-2024";

async fn settings_session(w: &TestWorld<MemoryStore>, email: &str) -> crate::domain::Session {
    let r = w
        .auth
        .sign_in_with_password(PasswordSignIn {
            email,
            password: PasswordCandidate::new(PW),
            client: client(),
            scope: SessionScope::Settings,
            remembered_browser: None,
        })
        .await
        .unwrap();
    let SignInOutcome::SignedIn(g) = r else {
        panic!("two-factor is off here")
    };
    w.auth
        .authenticate(
            &g.token,
            SessionScope::Settings,
            crate::domain::ChannelKind::Internet,
        )
        .await
        .unwrap()
}

fn input() -> ContractDetailsInput<'static> {
    ContractDetailsInput {
        company: "晴天商事株式会社",
        department: "総務部",
        contact_person: "鈴木 一郎",
        phone: "03-1234-5678",
        postal_code: "１００-０００１",
        address: "東京都千代田区千代田1-1",
    }
}

#[tokio::test]
async fn c2_the_basic_owner_changes_contract_details_audited_with_a_notice() {
    let w = TestWorld::new();
    let (contract, owner) = w.basic_owner().await;
    let me = settings_session(&w, "owner@example.co.jp").await;
    let before = w.auth.contract_details(&me).await.unwrap();
    assert_eq!(before.company.as_str(), contract.name.as_str());
    assert_eq!(before.address, "");
    let mails = w.store.queued_mail().len();

    let changed = w
        .auth
        .change_contract_details(&me, &input(), &client())
        .await
        .unwrap();
    assert_eq!(changed.postal_code, "100-0001");
    let read = w.auth.contract_details(&me).await.unwrap();
    assert_eq!(read, changed);
    // The company name is the contract's name from now on (mails, X2).
    let stored = w.store.contract(contract.id).await.unwrap().unwrap();
    assert_eq!(stored.name.as_str(), "晴天商事株式会社");
    let queued = w.store.queued_mail();
    assert_eq!(queued.len(), mails + 1);
    let notice = queued.last().unwrap();
    assert_eq!(notice.to, owner.email);
    assert!(matches!(
        notice.kind,
        MailKind::Notice {
            kind: NoticeKind::ContractDetailsChanged
        }
    ));
    assert!(
        w.audit
            .events()
            .iter()
            .any(|e| e.kind == AuditKind::ContractDetailsChanged && e.account == Some(owner.id))
    );
    // X2 follows the new name.
    let service = session_of(&w, "owner@example.co.jp", PW).await;
    let refused = w
        .auth
        .change_password(
            &service,
            ChangePassword {
                current: PasswordCandidate::new(PW),
                new_password: "Ab-晴天商事株式会社-2099",
                confirmation: "Ab-晴天商事株式会社-2099",
            },
            &client(),
        )
        .await;
    let text = format!("{refused:?}");
    assert!(
        text.contains(&format!("{:?}", PasswordRule::ContainsContractName)),
        "{text}"
    );
}

#[tokio::test]
async fn c2_invalid_contract_details_report_every_field_and_change_nothing() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    let me = settings_session(&w, "owner@example.co.jp").await;
    let mails = w.store.queued_mail().len();
    let err = w
        .auth
        .change_contract_details(
            &me,
            &ContractDetailsInput {
                company: " ",
                phone: "1234",
                ..input()
            },
            &client(),
        )
        .await
        .unwrap_err();
    let ContractDetailsError::Invalid(rejected) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        rejected.0,
        vec![
            (DetailsField::Company, DetailsProblem::Required),
            (DetailsField::Phone, DetailsProblem::Phone),
        ]
    );
    let stored = w.store.contract(contract.id).await.unwrap().unwrap();
    assert_eq!(stored.name, contract.name);
    assert_eq!(w.store.queued_mail().len(), mails);
}

#[tokio::test]
async fn s1_only_the_basic_owner_may_read_or_change_contract_details() {
    let w = TestWorld::new();
    let (contract, _) = w.basic_owner().await;
    for role in [Role::Admin, Role::User] {
        let email = format!("{}@example.co.jp", role.as_str());
        w.account(&contract, &email, role, Some(PW)).await;
        let me = settings_session(&w, &email).await;
        assert_eq!(
            w.auth.contract_details(&me).await.unwrap_err(),
            ContractDetailsError::NotPermitted
        );
        assert_eq!(
            w.auth
                .change_contract_details(&me, &input(), &client())
                .await
                .unwrap_err(),
            ContractDetailsError::NotPermitted
        );
    }
}
