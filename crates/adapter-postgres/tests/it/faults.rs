//! Database faults: unreachable at start, lost mid-request, back again. The server that goes
//! away is a throwaway cluster under `target/` ([`Cluster`]).

use std::sync::Arc;
use std::time::Duration;

use adapter_postgres::{DieselStore, PoolSettings};
use auth_core::domain::{FailureOutcome, LOCK_THRESHOLD, Mail, MailId, MailKind, NoticeKind};
use auth_core::domain::{Ticket, TicketPurpose};
use auth_core::ports::{AccountStore, LockArtifacts, OutboxStore, StoreError};
use auth_core::testing::TestWorld;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use crate::support::cluster::Cluster;

fn quick() -> PoolSettings {
    PoolSettings {
        max_size: 4,
        connect_timeout: Duration::from_secs(2),
        checkout_timeout: Duration::from_secs(3),
    }
}

fn artifacts(w: &TestWorld<DieselStore>, account: &auth_core::domain::Account) -> LockArtifacts {
    let now = w.clock.now_for_test();
    let issued = Ticket::issue(TicketPurpose::Unlock, account.id, now, w.secrets.as_ref());
    LockArtifacts {
        mail: Mail {
            id: MailId::generate(w.secrets.as_ref()),
            to: account.email.clone(),
            locale: auth_core::domain::Locale::Ja,
            kind: MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
            created_at: now,
        },
        ticket: issued.ticket,
    }
}

async fn admin(url: String, sql: &'static str) {
    tokio::task::spawn_blocking(move || {
        PgConnection::establish(&url)
            .unwrap()
            .batch_execute(sql)
            .unwrap();
    })
    .await
    .unwrap();
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Waits until a session of the cluster sleeps inside the outbox trigger.
async fn wait_for_sleeper(url: String) {
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).unwrap();
        for _ in 0..100 {
            let c: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
            )
            .get_result(&mut conn)
            .unwrap();
            if c.n > 0 {
                return;
            }
            // Polling a test fixture; the product never sleeps.
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the request never reached the outbox insert");
    })
    .await
    .unwrap();
}

/// Nothing listens: connecting is a typed `Unavailable`, quickly, without a panic.
#[tokio::test]
async fn x6_an_unreachable_database_is_unavailable_at_start() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let err = DieselStore::connect(&url, quick()).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("SELECT"), "no SQL in errors");
}

/// The database goes away while a lock is being written: the request fails as `Unavailable`
/// and nothing of it remains; requests while it is down fail the same way; once it is back,
/// the same store (same pool) works again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x6_database_lost_mid_request_rolls_back_and_the_pool_recovers() {
    let cluster = tokio::task::spawn_blocking(|| {
        let c = Cluster::init("faults");
        c.start();
        c
    })
    .await
    .unwrap();
    let store = DieselStore::connect(&cluster.url(), quick()).await.unwrap();
    store.migrate().await.unwrap();
    let store = Arc::new(store);
    let w = TestWorld::with_store(store.clone());
    let (_, owner) = w.basic_owner().await;
    for _ in 1..LOCK_THRESHOLD {
        store
            .record_failure(owner.id, w.clock.now_for_test(), artifacts(&w, &owner))
            .await
            .unwrap();
    }

    // The 10th failure locks, and its transaction then stalls inside the outbox insert.
    admin(
        cluster.url(),
        "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$; \
         CREATE TRIGGER stall BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION stall();",
    )
    .await;
    let locking = tokio::spawn({
        let store = store.clone();
        let (at, a) = (w.clock.now_for_test(), artifacts(&w, &owner));
        async move { store.record_failure(owner.id, at, a).await }
    });
    wait_for_sleeper(cluster.url()).await;
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop();
        cluster
    })
    .await
    .unwrap();
    let lost = locking.await.unwrap().unwrap_err();
    assert!(matches!(lost, StoreError::Unavailable(_)), "{lost:?}");

    // While it is down: typed failures, no panic, no hang beyond the timeouts.
    let down = store.account(owner.id).await.unwrap_err();
    assert!(matches!(down, StoreError::Unavailable(_)), "{down:?}");
    let down = store
        .record_failure(owner.id, w.clock.now_for_test(), artifacts(&w, &owner))
        .await
        .unwrap_err();
    assert!(matches!(down, StoreError::Unavailable(_)), "{down:?}");

    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start();
        cluster
    })
    .await
    .unwrap();
    admin(cluster.url(), "DROP TRIGGER stall ON outbox").await;

    // Back: the same store works, and the lost request left nothing half-written.
    let stored = store.account(owner.id).await.unwrap().unwrap();
    assert!(!stored.lock.is_locked(), "the lost lock was rolled back");
    assert_eq!(stored.lock.failures(), LOCK_THRESHOLD - 1);
    assert!(store.unsent_mail().await.unwrap().is_empty());
    assert_eq!(
        store
            .record_failure(owner.id, w.clock.now_for_test(), artifacts(&w, &owner))
            .await
            .unwrap(),
        FailureOutcome::LockedNow
    );
    assert_eq!(store.unsent_mail().await.unwrap().len(), 1);
    drop(cluster);
}
