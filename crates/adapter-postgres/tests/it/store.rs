//! Store behaviour beyond the port conformance suite, on both backends.

use std::sync::Arc;

use adapter_postgres::{Backend, DieselStore, PoolSettings};
use auth_core::domain::{
    DeliveryState, Locale, Mail, MailId, MailKind, Ticket, TicketLink, TicketPurpose,
};
use auth_core::ports::{AccountStore, OutboxStore, StoreError, TicketStore};
use auth_core::testing::TestWorld;
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use crate::support;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::sqlite_store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::pg_store().await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    x6_a_sent_mail_loses_its_token_and_stays_sent,
    migrations_are_applied_once,
);

/// X6: the worker gets the token it needs to send the link; once sent, the token is erased
/// from the outbox row and the mail is never claimed or revived again.
async fn x6_a_sent_mail_loses_its_token_and_stays_sent(store: Arc<DieselStore>) {
    let w = TestWorld::with_store(store.clone());
    let (_, owner) = w.basic_owner().await;
    let now = w.clock.now_for_test();
    let issued = Ticket::issue(
        TicketPurpose::PasswordReset,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    let mail = Mail {
        id: MailId::generate(w.secrets.as_ref()),
        to: owner.email.clone(),
        locale: Locale::En,
        kind: MailKind::PasswordReset {
            reset: TicketLink {
                purpose: TicketPurpose::PasswordReset,
                token: issued.token.clone(),
                expires_at: issued.ticket.expires_at,
            },
        },
        created_at: now,
    };
    store.issue_ticket(&issued.ticket, &mail).await.unwrap();
    let claimed = store
        .claim_due_mail(now, chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let MailKind::PasswordReset { reset } = &claimed[0].mail.kind else {
        panic!("wrong kind: {:?}", claimed[0].mail.kind);
    };
    assert_eq!(reset.token.hash(), issued.ticket.hash);
    assert_eq!(reset.expires_at, issued.ticket.expires_at);
    assert_eq!(claimed[0].mail.locale, Locale::En);
    assert!(store.stored_link_token(mail.id).await.unwrap().is_some());

    store
        .record_delivery(mail.id, DeliveryState::Sent { at: now })
        .await
        .unwrap();
    assert_eq!(store.stored_link_token(mail.id).await.unwrap(), None);
    // A late result for a sent mail changes nothing.
    store
        .record_delivery(
            mail.id,
            DeliveryState::Pending {
                attempts: 1,
                next_attempt_at: now,
            },
        )
        .await
        .unwrap();
    assert!(store.unsent_mail().await.unwrap().is_empty());
    let later = now + chrono::Duration::hours(1);
    assert!(
        store
            .claim_due_mail(later, chrono::Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The ticket itself is untouched by the mail's delivery.
    assert!(store.ticket(issued.ticket.hash).await.unwrap().is_some());
}

/// `migrate` at every start: the second run applies nothing.
async fn migrations_are_applied_once(store: Arc<DieselStore>) {
    assert_eq!(store.migrate().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn urls_name_their_backend() {
    let err = DieselStore::connect("mysql://db/tobira", PoolSettings::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        support::sqlite_store().await.backend(),
        Backend::Sqlite,
        "a file path is SQLite"
    );
    assert_eq!(support::pg_store().await.backend(), Backend::Postgres);
}

/// A row that is not a valid domain value is reported as corrupt, not panicked on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_is_no_domain_value_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tobira.db");
    let store = DieselStore::connect(path.to_str().unwrap(), PoolSettings::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let store = Arc::new(store);
    let w = TestWorld::with_store(store.clone());
    let (_, owner) = w.basic_owner().await;
    let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    raw.batch_execute("UPDATE accounts SET display_name = ''")
        .unwrap();
    let err = store.account(owner.id).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    raw.batch_execute("UPDATE accounts SET display_name = 'x', login_method = 'carrier-pigeon'")
        .unwrap_err(); // the schema's CHECK refuses it in the first place
}

/// The store may outlive the runtime that built it (an app's `main` after `block_on`):
/// dropping it then closes its connections inline instead of panicking.
#[test]
fn a_store_dropped_outside_any_runtime_does_not_panic() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (sqlite, postgres) = rt.block_on(async {
        let sqlite = support::sqlite_store().await;
        let postgres = support::pg_store().await;
        // Use a connection so that the pools hold open ones.
        sqlite.migrate().await.unwrap();
        postgres.migrate().await.unwrap();
        (sqlite, postgres)
    });
    drop(rt);
    drop(sqlite);
    drop(postgres);
}
