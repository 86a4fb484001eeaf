//! Store throughput on PostgreSQL through the pool: account lookups by e-mail and failure
//! increments, one at a time and 16 at once. Needs `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); works in a schema of its own, dropped at the end.
//!
//! `cargo bench -p adapter-postgres --bench store` (see `docs/benchmarks.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use adapter_postgres::{DieselStore, PoolSettings};
use auth_core::domain::{
    Account, Email, LOCK_THRESHOLD, Locale, Mail, MailId, MailKind, NoticeKind, Plan, Role, Ticket,
    TicketPurpose,
};
use auth_core::ports::{AccountStore, LockArtifacts};
use auth_core::testing::TestWorld;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use futures_util::future::join_all;
use tokio::runtime::Runtime;

const SCHEMA: &str = "tobira_bench";
const ACCOUNTS: usize = 64;
const CONCURRENCY: usize = 16;

struct Fixture {
    world: TestWorld<DieselStore>,
    accounts: Vec<Account>,
    admin_url: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"));
        }
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn fixture(rt: &Runtime) -> Fixture {
    let admin_url = database_url();
    let mut admin = PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("the benchmark needs PostgreSQL at {admin_url}: {e}"));
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
        ))
        .unwrap();
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-csearch_path%3D{SCHEMA}");
    rt.block_on(async {
        let store = DieselStore::connect(&url, PoolSettings::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let world = TestWorld::with_store(Arc::new(store));
        let contract = world.contract("雲商事", Plan::Basic).await;
        let mut accounts = Vec::new();
        for i in 0..ACCOUNTS {
            let email = format!("user{i}@example.co.jp");
            accounts.push(
                world
                    .account(&contract, &email, Role::User, Some("Kumo-2024"))
                    .await,
            );
        }
        Fixture {
            world,
            accounts,
            admin_url,
        }
    })
}

fn artifacts(f: &Fixture, account: &Account) -> LockArtifacts {
    let now = f.world.clock.now_for_test();
    LockArtifacts {
        ticket: Ticket::issue(
            TicketPurpose::Unlock,
            account.id,
            now,
            f.world.secrets.as_ref(),
        )
        .ticket,
        mail: Mail {
            id: MailId::generate(f.world.secrets.as_ref()),
            to: account.email.clone(),
            locale: Locale::Ja,
            kind: MailKind::Notice {
                kind: NoticeKind::PasswordChanged,
            },
            created_at: now,
        },
    }
}

/// Times `n` failure increments, spread over the accounts; resets the counts (untimed) before
/// any account would reach the lock.
async fn failures(f: &Fixture, n: u64, batch: usize) -> Duration {
    let per_round = (ACCOUNTS * usize::from(LOCK_THRESHOLD - 1)) as u64;
    let mut spent = Duration::ZERO;
    let mut done = 0_u64;
    let mut next = 0_usize;
    let mut since_reset = per_round;
    while done < n {
        let size = batch.min(usize::try_from(n - done).unwrap_or(batch));
        if since_reset + size as u64 > per_round {
            for a in &f.accounts {
                f.world
                    .store
                    .record_success(
                        a.id,
                        auth_core::ports::Success {
                            reset_failures: true,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .unwrap();
            }
            since_reset = 0;
            next = 0;
        }
        since_reset += size as u64;
        let calls: Vec<_> = (0..size)
            .map(|i| {
                let a = &f.accounts[(next + i) % ACCOUNTS];
                (a.id, artifacts(f, a))
            })
            .collect();
        next = (next + size) % ACCOUNTS;
        let at = f.world.clock.now_for_test();
        let start = Instant::now();
        join_all(
            calls
                .into_iter()
                .map(|(id, art)| f.world.store.record_failure(id, at, art)),
        )
        .await
        .into_iter()
        .for_each(|r| {
            r.unwrap();
        });
        spent += start.elapsed();
        done += size as u64;
    }
    spent
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let f = fixture(&rt);
    let emails: Vec<Email> = f.accounts.iter().map(|a| a.email.clone()).collect();

    let mut g = c.benchmark_group("postgres");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(2))
        .sample_size(30);

    g.throughput(Throughput::Elements(1));
    g.bench_function("account_by_email/sequential", |b| {
        let store = &f.world.store;
        let mut i = 0;
        b.to_async(&rt).iter_batched(
            || {
                i = (i + 1) % ACCOUNTS;
                emails[i].clone()
            },
            |email| async move { store.account_by_email(&email).await.unwrap().unwrap() },
            BatchSize::SmallInput,
        );
    });
    g.bench_function("record_failure/sequential", |b| {
        b.to_async(&rt).iter_custom(|n| failures(&f, n, 1));
    });

    g.throughput(Throughput::Elements(CONCURRENCY as u64));
    g.bench_function("account_by_email/16-concurrent", |b| {
        b.to_async(&rt).iter(|| {
            join_all(
                emails[..CONCURRENCY]
                    .iter()
                    .map(|e| f.world.store.account_by_email(e)),
            )
        });
    });
    g.bench_function("record_failure/16-concurrent", |b| {
        b.to_async(&rt)
            .iter_custom(|n| failures(&f, n * CONCURRENCY as u64, CONCURRENCY));
    });
    g.finish();
}

criterion_group!(store, benches);
criterion_main!(store);
