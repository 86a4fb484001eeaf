//! Fresh stores for tests: a temporary SQLite file, or a PostgreSQL schema of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use adapter_postgres::{DieselStore, PoolSettings};
use diesel::{Connection, PgConnection, connection::SimpleConnection};

pub mod cluster;

/// The PostgreSQL server the tests use.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `url` with extra libpq parameters.
pub fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// A migrated store on a new SQLite file, removed with the store.
pub async fn sqlite_store() -> Arc<DieselStore> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("tobira.db").display());
    let store = DieselStore::connect(&url, PoolSettings::default())
        .await
        .expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    Arc::new(store.with_guard(dir))
}

/// Like [`sqlite_store`], with the database file's path (for tests that damage it).
pub async fn sqlite_store_at() -> (String, Arc<DieselStore>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("tobira.db").display().to_string();
    let store = DieselStore::connect(&format!("sqlite://{path}"), PoolSettings::default())
        .await
        .expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    (path, Arc::new(store.with_guard(dir)))
}

/// Drops a test schema when the last store using it is gone.
struct SchemaGuard {
    admin_url: String,
    schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

/// A new, empty PostgreSQL schema; returns its name and a URL whose connections use it.
/// Panics (fails the test) when no server answers: PostgreSQL tests never skip.
pub fn pg_schema(base_url: &str) -> (String, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "tobira_it_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = PgConnection::establish(base_url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL tests need a database at {base_url} ({e}); set DATABASE_URL or run \
             `bash tests/support/postgres.sh`"
        )
    });
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .expect("create test schema");
    let url = with_params(base_url, &format!("options=-csearch_path%3D{schema}"));
    (schema, url)
}

/// A migrated store on a schema of its own, dropped with the store.
pub async fn pg_store() -> Arc<DieselStore> {
    Arc::new(pg_store_with(PoolSettings::default()).await.0)
}

/// Like [`pg_store`], with pool settings; also returns the URL (for a second pool).
pub async fn pg_store_with(settings: PoolSettings) -> (DieselStore, String) {
    let base = database_url();
    let (schema, url) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || pg_schema(&base)
    })
    .await
    .unwrap();
    let store = DieselStore::connect(&url, settings)
        .await
        .expect("connect to the test schema");
    store.migrate().await.expect("migrate PostgreSQL");
    let guard = SchemaGuard {
        admin_url: base,
        schema,
    };
    (store.with_guard(guard), url)
}
