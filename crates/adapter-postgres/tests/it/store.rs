//! Store behaviour beyond the port conformance suite, on both backends.

use std::sync::Arc;

use adapter_postgres::{Backend, DieselStore, PoolSettings};
use auth_core::domain::{
    AccountId, AdConnection, AdProtocol, AdSettings, AdSubject, Channel, ClientInfo, ConnectionId,
    ContractId, ContractStatus, DeliveryState, DisplayName, Email, EnrolledFactor, Enrolment,
    ExternalIdentity, Invitation, LineNumber, Locale, LoginMethod, Mail, MailId, MailKind,
    MetadataDocument, NoticeKind, PendingSignIn, PendingStage, PhoneNumber, Plan, Provider,
    RememberedBrowser, Role, SamlMetadataSource, SecretToken, SessionScope, Subject, Ticket,
    TicketLink, TicketPurpose, TicketState,
};
use auth_core::ports::{
    AccountStore, ChangeRefused, ContractStore, EmailChange, EnrolmentCommit, InsertAccountError,
    InvitationStore, OutboxStore, StoreError, TicketStore, TwoFactorStore,
};
use auth_core::testing::TestWorld;
use chrono::Duration;
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
    x5_rate_windows_end_by_the_database_clock,
    x6_a_sent_mail_loses_its_token_and_stays_sent,
    migrations_are_applied_once,
    l9_a_pending_sign_in_over_a_line_keeps_its_line,
    l7_identity_bindings_are_unique_in_the_store,
    t6_an_email_change_of_a_password_account_clears_its_second_factor,
    d1_a_connection_id_belongs_to_one_contract,
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
        .claim_due_mail(
            now,
            &auth_core::ports::LeaseOwner::new("w"),
            chrono::Duration::minutes(5),
            10,
        )
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
        .record_delivery(mail.id, None, DeliveryState::Sent { at: now })
        .await
        .unwrap();
    assert_eq!(store.stored_link_token(mail.id).await.unwrap(), None);
    // A late result for a sent mail changes nothing.
    store
        .record_delivery(
            mail.id,
            None,
            DeliveryState::Pending {
                attempts: 1,
                next_attempt_at: now,
                last_error: None,
            },
        )
        .await
        .unwrap();
    assert!(store.unsent_mail().await.unwrap().is_empty());
    let later = now + chrono::Duration::hours(1);
    assert!(
        store
            .claim_due_mail(
                later,
                &auth_core::ports::LeaseOwner::new("w"),
                chrono::Duration::minutes(5),
                10
            )
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

fn mail_to(w: &TestWorld<DieselStore>, to: &Email) -> Mail {
    Mail {
        id: MailId::generate(w.secrets.as_ref()),
        to: to.clone(),
        locale: Locale::En,
        kind: MailKind::Notice {
            kind: NoticeKind::SecondFactorChanged,
        },
        created_at: w.clock.now_for_test(),
    }
}

/// L9, N5: a pending sign-in that came over a carrier line keeps the line, and its consent
/// stage names it.
async fn l9_a_pending_sign_in_over_a_line_keeps_its_line(store: Arc<DieselStore>) {
    let w = TestWorld::with_store(store.clone());
    let (contract, owner) = w.basic_owner().await;
    let line = LineNumber::parse("COP12345678").unwrap();
    let pending = PendingSignIn {
        token_hash: SecretToken::generate(w.secrets.as_ref()).hash(),
        account: owner.id,
        contract: contract.id,
        scope: SessionScope::Settings,
        client: ClientInfo {
            channel: Channel::Line(line.clone()),
            address: Some("2001:db8::7".parse().unwrap()),
            user_agent: None,
        },
        created_at: w.clock.now_for_test(),
        stage: PendingStage::LineConsent { line: line.clone() },
        remember_browser: false,
    };
    store.insert_pending(&pending).await.unwrap();
    let got = store.pending(pending.token_hash).await.unwrap().unwrap();
    assert_eq!(got.client, pending.client);
    assert_eq!(got.scope, SessionScope::Settings);
    assert!(matches!(got.stage, PendingStage::LineConsent { line: l } if l == line));
    assert_eq!(
        store
            .record_sms_wrong_try(pending.token_hash)
            .await
            .unwrap(),
        None,
        "no code was sent"
    );
}

/// L7, L8: a federated or AD identity is bound to one account, whatever the path that binds
/// it; a password account binds nothing.
async fn l7_identity_bindings_are_unique_in_the_store(store: Arc<DieselStore>) {
    let w = TestWorld::with_store(store.clone());
    let (contract, owner) = w.basic_owner().await;
    let other = w.contract("別会社", Plan::Basic).await;
    let google = w
        .account(&contract, "g@example.co.jp", Role::User, None)
        .await;
    let mut twin = google.clone();
    twin.id = AccountId::generate(w.secrets.as_ref());
    twin.contract = other.id;
    twin.email = Email::parse("twin@example.co.jp").unwrap();
    assert!(matches!(
        store.insert_account(&twin).await,
        Err(InsertAccountError::Store(StoreError::Conflict(_)))
    ));
    // The same subject at another provider, or the same subject through an AD connection, is
    // another identity.
    twin.login_method = LoginMethod::Federated {
        provider: Provider::Microsoft,
        subject: Subject::parse("g@example.co.jp").unwrap(),
    };
    store.insert_account(&twin).await.unwrap();
    let ad = LoginMethod::ActiveDirectory {
        connection: ConnectionId::parse("adfs-ABCDEFGHIJKLMNOPQR").unwrap(),
        subject: Subject::parse("g@example.co.jp").unwrap(),
    };
    let a = w
        .account_with(&other, "ad1@example.co.jp", Role::User, ad.clone(), None)
        .await;
    let mut b = a.clone();
    b.id = AccountId::generate(w.secrets.as_ref());
    b.email = Email::parse("ad2@example.co.jp").unwrap();
    assert!(store.insert_account(&b).await.is_err());
    // An invitation accepted with a bound identity is refused, and its ticket stays unused.
    let invited = Invitation {
        account: AccountId::generate(w.secrets.as_ref()),
        contract: other.id,
        email: Email::parse("new@example.co.jp").unwrap(),
        display_name: DisplayName::parse("新人").unwrap(),
        role: Role::User,
        invited_by: None,
        sent_at: w.clock.now_for_test(),
        locale: auth_core::domain::Locale::Ja,
        reviewed_password: None,
    };
    let t = Ticket::issue(
        TicketPurpose::Invitation,
        invited.account,
        invited.sent_at,
        w.secrets.as_ref(),
    );
    store
        .save_invitation(&invited, &t.ticket, &mail_to(&w, &invited.email))
        .await
        .unwrap();
    let mut account = a.clone();
    account.id = invited.account;
    account.email = invited.email.clone();
    assert_eq!(
        store
            .accept_invitation(t.ticket.hash, &account, invited.sent_at)
            .await
            .unwrap(),
        Err(ChangeRefused::IdentityTaken)
    );
    account.login_method = LoginMethod::Password;
    account.email = owner.email.clone();
    assert_eq!(
        store
            .accept_invitation(t.ticket.hash, &account, invited.sent_at)
            .await
            .unwrap(),
        Err(ChangeRefused::EmailTaken)
    );
    assert_eq!(
        store.ticket(t.ticket.hash).await.unwrap().unwrap().state,
        TicketState::Unused
    );
    assert!(store.invitation(invited.account).await.unwrap().is_some());
    // Removing the bound account frees the identity.
    assert!(store.remove_account(a.id, invited.sent_at).await.unwrap());
    store.insert_account(&b).await.unwrap();
    assert_eq!(
        store
            .account_by_identity(&ExternalIdentity::of(&ad).unwrap())
            .await
            .unwrap()
            .unwrap()
            .id,
        b.id
    );
}

/// T6, E1: completing an e-mail change of a password account clears its enrolment, pending
/// sign-ins and remembered browsers in the same step; the new address is what signs in.
async fn t6_an_email_change_of_a_password_account_clears_its_second_factor(
    store: Arc<DieselStore>,
) {
    let w = TestWorld::with_store(store.clone());
    let (contract, owner) = w.basic_owner().await;
    let now = w.clock.now_for_test();
    let enrolling = PendingSignIn {
        token_hash: SecretToken::generate(w.secrets.as_ref()).hash(),
        account: owner.id,
        contract: contract.id,
        scope: SessionScope::Service,
        client: w.client(),
        created_at: now,
        stage: PendingStage::Enrol {
            totp_secret: None,
            sms: None,
        },
        remember_browser: true,
    };
    store.insert_pending(&enrolling).await.unwrap();
    let enrolment = Enrolment {
        factor: EnrolledFactor::Sms {
            phone: PhoneNumber::parse("09012345678").unwrap(),
        },
        recovery_hash: w.hasher.hash_text("ABCDEFGHJKLMNPQR").unwrap(),
        last_totp_step: None,
        enrolled_at: now,
    };
    assert!(
        store
            .complete_enrolment(EnrolmentCommit {
                pending: enrolling.token_hash,
                next_token: enrolling.token_hash,
                remember_browser: false,
                enrolment,
                notice: mail_to(&w, &owner.email),
            })
            .await
            .unwrap()
    );
    let got = store.enrolment(owner.id).await.unwrap().unwrap();
    assert!(
        matches!(got.factor, EnrolledFactor::Sms { ref phone } if phone.as_e164() == "+819012345678")
    );
    let device = SecretToken::generate(w.secrets.as_ref());
    store
        .remember_browser(&RememberedBrowser {
            token_hash: device.hash(),
            account: owner.id,
            last_used_at: now,
        })
        .await
        .unwrap();
    let mut issued = Ticket::issue(
        TicketPurpose::EmailChange,
        owner.id,
        now,
        w.secrets.as_ref(),
    );
    issued.ticket.new_email = Some(Email::parse("moved@example.co.jp").unwrap());
    store
        .issue_ticket(&issued.ticket, &mail_to(&w, &owner.email))
        .await
        .unwrap();
    let changed = store
        .apply_email_change(EmailChange {
            ticket: issued.ticket.hash,
            new_email: Email::parse("moved@example.co.jp").unwrap(),
            new_password_hash: Some(w.hasher.hash_text("Fresh-2027x").unwrap()),
            notice: mail_to(&w, &owner.email),
            at: now,
        })
        .await
        .unwrap();
    assert_eq!(changed, Ok(owner.id));
    assert!(store.enrolment(owner.id).await.unwrap().is_none());
    assert!(store.pending(enrolling.token_hash).await.unwrap().is_none());
    assert!(
        !store
            .use_remembered_browser(device.hash(), owner.id, now, Duration::days(30))
            .await
            .unwrap()
    );
}

/// D1: a connection ID names one contract's connection.
async fn d1_a_connection_id_belongs_to_one_contract(store: Arc<DieselStore>) {
    let w = TestWorld::with_store(store.clone());
    let (contract, owner) = w.basic_owner().await;
    let other = w.contract("別会社", Plan::Basic).await;
    let ad = AdConnection {
        id: ConnectionId::parse("adfs-ABCDEFGHIJKLMNOPQR").unwrap(),
        settings: AdSettings {
            protocol: AdProtocol::Saml {
                metadata: SamlMetadataSource::Pasted,
            },
            subject: AdSubject::Upn,
        },
        metadata: Some(MetadataDocument {
            xml: "<EntityDescriptor/>".into(),
            read_at: w.clock.now_for_test(),
        }),
        enabled_at: w.clock.now_for_test(),
        turned_off_at: None,
        revision: 0,
    };
    assert!(
        store
            .enable_ad(contract.id, &ad, &mail_to(&w, &owner.email))
            .await
            .unwrap()
    );
    let unsent = store.unsent_mail().await.unwrap().len();
    assert!(matches!(
        store
            .enable_ad(other.id, &ad, &mail_to(&w, &owner.email))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .contract(other.id)
            .await
            .unwrap()
            .unwrap()
            .ad
            .is_none()
    );
    assert_eq!(
        store.unsent_mail().await.unwrap().len(),
        unsent,
        "no mail without the connection"
    );
    let unknown = ContractId::generate(w.secrets.as_ref());
    assert!(matches!(
        store
            .enable_ad(unknown, &ad, &mail_to(&w, &owner.email))
            .await,
        Err(StoreError::Conflict(_))
    ));
}

/// Rows written under the first schema version, for the upgrade tests: a contract, a Google
/// account and its unlock ticket (hash 32 × 0x07).
const FIRST_VERSION_ROWS: &str = "
    INSERT INTO contracts (id, name, plan, two_factor, access_route, created_at)
        VALUES ('7f3c9a52-0000-4000-8000-000000000001', '雲商事', 'basic', 'enabled',
                'line-and-internet', '2026-04-01T09:00:00.000000Z');
    INSERT INTO accounts (id, contract_id, email, email_key, display_name, role, locale,
                          login_method, provider, subject, failures, created_at)
        VALUES ('7f3c9a52-0000-4000-8000-000000000002', '7f3c9a52-0000-4000-8000-000000000001',
                'g@example.co.jp', 'g@example.co.jp', 'テスト', 'owner', 'ja', 'federated',
                'google', 'g-1', 0, '2026-04-01T09:00:00.000000Z');
";

/// The first version's rows read back through every port after `migrate` upgraded the schema.
async fn first_version_rows_survive(url: &str) {
    let store = DieselStore::connect(url, PoolSettings::default())
        .await
        .unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(
        applied,
        [
            "20260501000000",
            "20260601000000",
            "20261127100000",
            "20261127200000",
            "20261128100000",
            "20261128200000",
            "20261129200000",
            "20261129300000",
            "20261129400000"
        ],
        "every later version applies"
    );
    let contract_id =
        ContractId::from_uuid("7f3c9a52-0000-4000-8000-000000000001".parse().unwrap());
    let contract = store.contract(contract_id).await.unwrap().unwrap();
    assert_eq!(contract.status, ContractStatus::Active);
    assert!(contract.ad.is_none());
    let google = ExternalIdentity::Federated {
        provider: Provider::Google,
        subject: Subject::parse("g-1").unwrap(),
    };
    let account = store.account_by_identity(&google).await.unwrap().unwrap();
    assert_eq!(account.contract, contract_id);
    let ticket = store
        .ticket(auth_core::domain::TokenHash::from_bytes([7; 32]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.account, account.id);
    assert_eq!(ticket.state, TicketState::Unused);
}

/// Upgrading a SQLite database of the first version keeps its rows (the tickets table is
/// rebuilt without its reference to accounts).
#[tokio::test]
async fn an_upgraded_sqlite_database_keeps_its_rows() {
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db").display().to_string();
    {
        let mut raw = SqliteConnection::establish(&path).unwrap();
        raw.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        let first = FileBasedMigrations::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/sqlite"
        ))
        .unwrap();
        raw.run_next_migration(first).unwrap();
        raw.batch_execute(FIRST_VERSION_ROWS).unwrap();
        raw.batch_execute(
            "INSERT INTO tickets (hash, purpose, account_id, issued_at, expires_at)
                VALUES (X'0707070707070707070707070707070707070707070707070707070707070707',
                        'unlock', '7f3c9a52-0000-4000-8000-000000000002',
                        '2026-04-01T09:00:00.000000Z', '2026-04-15T09:00:00.000000Z')",
        )
        .unwrap();
    }
    first_version_rows_survive(&format!("sqlite://{path}")).await;
}

/// Upgrading a PostgreSQL database of the first version keeps its rows.
#[tokio::test]
async fn an_upgraded_postgres_database_keeps_its_rows() {
    use diesel::PgConnection;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    let base = support::database_url();
    let (schema, url) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || support::pg_schema(&base)
    })
    .await
    .unwrap();
    let setup = url.clone();
    tokio::task::spawn_blocking(move || {
        let mut raw = PgConnection::establish(&setup).unwrap();
        let first = FileBasedMigrations::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/postgres"
        ))
        .unwrap();
        raw.run_next_migration(first).unwrap();
        raw.batch_execute(FIRST_VERSION_ROWS).unwrap();
        raw.batch_execute(
            "INSERT INTO tickets (hash, purpose, account_id, issued_at, expires_at)
                VALUES (decode(repeat('07', 32), 'hex'), 'unlock',
                        '7f3c9a52-0000-4000-8000-000000000002',
                        '2026-04-01T09:00:00Z', '2026-04-15T09:00:00Z')",
        )
        .unwrap();
    })
    .await
    .unwrap();
    first_version_rows_survive(&url).await;
    tokio::task::spawn_blocking(move || {
        let mut admin = PgConnection::establish(&base).unwrap();
        admin
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    })
    .await
    .unwrap();
}

/// A version no binary of this repository knows: a newer tobira applied it.
const NEWER_VERSION: &str = "29991231000000";

/// `migrate` refuses a schema that a newer binary migrated, names the unknown version, and
/// applies nothing; `unknown_migrations` reports the same.
async fn a_newer_schema_is_refused(store: &DieselStore) {
    assert!(store.unknown_migrations().await.unwrap().is_empty());
    assert!(store.migrate().await.unwrap().is_empty(), "already current");
}

async fn refused_after_newer(store: &DieselStore) {
    let err = store.migrate().await.unwrap_err();
    assert_eq!(
        err,
        adapter_postgres::MigrateError::NewerSchema {
            unknown: vec![NEWER_VERSION.to_owned()]
        }
    );
    assert!(err.to_string().contains(NEWER_VERSION), "{err}");
    assert!(err.to_string().contains("newer than this binary"), "{err}");
    assert_eq!(
        store.unknown_migrations().await.unwrap(),
        [NEWER_VERSION.to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_a_schema_newer_than_the_binary() {
    let (path, store) = support::sqlite_store_at().await;
    a_newer_schema_is_refused(&store).await;
    tokio::task::spawn_blocking(move || {
        let mut raw = SqliteConnection::establish(&path).unwrap();
        raw.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{NEWER_VERSION}')"
        ))
        .unwrap();
    })
    .await
    .unwrap();
    refused_after_newer(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_a_schema_newer_than_the_binary() {
    let (store, url) = support::pg_store_with(PoolSettings::default()).await;
    a_newer_schema_is_refused(&store).await;
    tokio::task::spawn_blocking(move || {
        let mut raw = diesel::PgConnection::establish(&url).unwrap();
        raw.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{NEWER_VERSION}')"
        ))
        .unwrap();
    })
    .await
    .unwrap();
    refused_after_newer(&store).await;
}

/// X5: a rate window ends by the database's clock, and forgotten counters are gone.
async fn x5_rate_windows_end_by_the_database_clock(store: Arc<DieselStore>) {
    use auth_core::ports::RateLimitStore;
    let window = Duration::milliseconds(300);
    assert!(store.count_hit("k", window, 1).await.unwrap());
    assert!(!store.count_hit("k", window, 1).await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(
        store.count_hit("k", window, 1).await.unwrap(),
        "next window"
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(store.forget_rate_hits(window).await.unwrap(), 1);
}
