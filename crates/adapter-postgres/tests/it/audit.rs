//! X1: the audit trail on both backends.

use std::sync::Arc;

use adapter_postgres::DieselStore;
use auth_core::domain::{
    AccountId, AuditEvent, AuditKind, ChannelKind, ContractId, SecondFactorKind, SignInFailure,
};
use auth_core::ports::AuditLog;
use auth_core::testing::SeededSecrets;
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::support;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
}

fn event(
    contract: ContractId,
    account: Option<AccountId>,
    minute: i64,
    kind: AuditKind,
) -> AuditEvent {
    AuditEvent {
        at: t0() + Duration::minutes(minute),
        contract: Some(contract),
        account,
        kind,
        channel: ChannelKind::Internet,
        client_address: Some([192, 0, 2, 9].into()),
    }
}

async fn newest_first_and_only_that_contract(store: Arc<DieselStore>) {
    let secrets = SeededSecrets::new(1);
    let a = ContractId::generate(&secrets);
    let b = ContractId::generate(&secrets);
    let who = AccountId::generate(&secrets);
    let recorded = [
        event(
            a,
            Some(who),
            0,
            AuditKind::SignInFailed {
                reason: SignInFailure::WrongPassword,
            },
        ),
        event(b, None, 1, AuditKind::AccountLocked),
        event(
            a,
            Some(who),
            2,
            AuditKind::SecondFactorPassed {
                kind: SecondFactorKind::Totp,
            },
        ),
        AuditEvent {
            channel: ChannelKind::Line,
            client_address: None,
            ..event(a, None, 2, AuditKind::LineRegistered)
        },
        AuditEvent {
            contract: None,
            ..event(
                a,
                None,
                3,
                AuditKind::SignInFailed {
                    reason: SignInFailure::UnknownEmail,
                },
            )
        },
    ];
    for e in &recorded {
        store.record(e.clone()).await;
    }
    let of_a = store.events_of(a, 10).await;
    // Newest first; of two events in the same instant, the later recorded first.
    assert_eq!(
        of_a,
        vec![
            recorded[3].clone(),
            recorded[2].clone(),
            recorded[0].clone()
        ]
    );
    assert_eq!(store.events_of(a, 2).await, of_a[..2].to_vec());
    assert!(store.events_of(a, 0).await.is_empty());
    assert_eq!(store.events_of(b, 10).await, vec![recorded[1].clone()]);
    let nobody = ContractId::generate(&secrets);
    assert!(store.events_of(nobody, 10).await.is_empty());
}

#[tokio::test]
async fn x1_sqlite_events_are_listed_newest_first_per_contract() {
    newest_first_and_only_that_contract(support::sqlite_store().await).await;
}

#[tokio::test]
async fn x1_postgres_events_are_listed_newest_first_per_contract() {
    newest_first_and_only_that_contract(support::pg_store().await).await;
}

/// X1: a store that cannot write an event does not fail (nor panic in) the flow that reports
/// it; reading then answers nothing.
#[tokio::test]
async fn x1_an_unwritable_audit_trail_never_fails_its_caller() {
    let (path, store) = support::sqlite_store_at().await;
    {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut raw = diesel::SqliteConnection::establish(&path).unwrap();
        raw.batch_execute("DROP TABLE audit_events").unwrap();
    }
    let secrets = SeededSecrets::new(2);
    let contract = ContractId::generate(&secrets);
    store
        .record(event(contract, None, 0, AuditKind::ContractCancelled))
        .await;
    assert!(store.events_of(contract, 10).await.is_empty());
}

#[tokio::test]
async fn x1_sqlite_audit_pages_filter_by_account_and_kind_and_continue() {
    let store = support::sqlite_store().await;
    auth_core::testing::conformance::x1_audit_pages_filter_by_account_and_kind_and_continue(
        store.as_ref(),
    )
    .await;
}

#[tokio::test]
async fn x1_postgres_audit_pages_filter_by_account_and_kind_and_continue() {
    let store = support::pg_store().await;
    auth_core::testing::conformance::x1_audit_pages_filter_by_account_and_kind_and_continue(
        store.as_ref(),
    )
    .await;
}
