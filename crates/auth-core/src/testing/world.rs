use std::sync::Arc;

use crate::domain::{
    AccessRoute, Account, AccountId, ClientInfo, Contract, ContractId, ContractName,
    ContractStatus, DisplayName, Email, Locale, LockState, LoginMethod, PasswordHash, Plan,
    Provider, Role, Subject, TwoFactorPolicy,
};
use crate::flows::{Auth, Ports, Settings};
use crate::ports::{Clock, Store};

use super::{
    FastHasher, ManualClock, MemoryAudit, MemoryStore, RecordingSms, ScriptedDirectories,
    SeededSecrets,
};

/// A core wired to test doubles around a given store, with fixture helpers.
pub struct TestWorld<S> {
    /// The core under test.
    pub auth: Auth,
    /// The store, for direct inspection.
    pub store: Arc<S>,
    /// The clock, to move time.
    pub clock: Arc<ManualClock>,
    /// The random source.
    pub secrets: Arc<SeededSecrets>,
    /// The hasher, to count verifications.
    pub hasher: Arc<FastHasher>,
    /// The audit trail.
    pub audit: Arc<MemoryAudit>,
    /// The SMS gateway.
    pub sms: Arc<RecordingSms>,
    /// The contracts' ADFS.
    pub directories: Arc<ScriptedDirectories>,
}

impl TestWorld<MemoryStore> {
    /// A world around a fresh in-memory store whose own clock is the world's clock.
    pub fn new() -> Self {
        let clock = Arc::new(ManualClock::default());
        Self::with_store_and_clock(Arc::new(MemoryStore::with_clock(clock.clone())), clock)
    }
}

impl Default for TestWorld<MemoryStore> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Store + 'static> TestWorld<S> {
    /// A world around `store`.
    pub fn with_store(store: Arc<S>) -> Self {
        Self::with_store_and_clock(store, Arc::new(ManualClock::default()))
    }

    /// A world around `store`, its core reading `clock`.
    pub fn with_store_and_clock(store: Arc<S>, clock: Arc<ManualClock>) -> Self {
        let secrets = Arc::new(SeededSecrets::new(42));
        let hasher = Arc::new(FastHasher::default());
        let audit = Arc::new(MemoryAudit::default());
        let sms = Arc::new(RecordingSms::default());
        let directories = Arc::new(ScriptedDirectories::default());
        let auth = Auth::new(
            Ports {
                store: store.clone(),
                hasher: hasher.clone(),
                clock: clock.clone(),
                secrets: secrets.clone(),
                audit: audit.clone(),
                sms: sms.clone(),
            },
            Settings::default(),
        )
        .with_directories(directories.clone());
        Self {
            auth,
            store,
            clock,
            secrets,
            hasher,
            audit,
            sms,
            directories,
        }
    }

    /// A client over the internet from 192.0.2.1.
    pub fn client(&self) -> ClientInfo {
        ClientInfo::internet(Some([192, 0, 2, 1].into()), Some("test-browser"))
    }

    /// Stores a new contract.
    pub async fn contract(&self, name: &str, plan: Plan) -> Contract {
        let contract = Contract {
            id: ContractId::generate(self.secrets.as_ref()),
            name: ContractName::parse(name).expect("contract name"),
            plan,
            two_factor: TwoFactorPolicy::Enabled,
            access_route: AccessRoute::LineAndInternet,
            ad: None,
            status: ContractStatus::Active,
            created_at: self.clock.now(),
        };
        self.store
            .insert_contract(&contract)
            .await
            .expect("insert contract");
        contract
    }

    /// Stores a new account: with `password`, a password account with that password; without,
    /// an account signing in with Google (subject = the e-mail).
    pub async fn account(
        &self,
        contract: &Contract,
        email: &str,
        role: Role,
        password: Option<&str>,
    ) -> Account {
        match password {
            Some(p) => {
                let hash = self.hasher.hash_text(p).expect("hash");
                self.account_with(contract, email, role, LoginMethod::Password, Some(hash))
                    .await
            }
            None => {
                let method = LoginMethod::Federated {
                    provider: Provider::Google,
                    subject: Subject::parse(email).expect("subject"),
                };
                self.account_with(contract, email, role, method, None).await
            }
        }
    }

    /// Stores a new password account with a given stored hash.
    pub async fn account_with_hash(
        &self,
        contract: &Contract,
        email: &str,
        role: Role,
        hash: PasswordHash,
    ) -> Account {
        self.account_with(contract, email, role, LoginMethod::Password, Some(hash))
            .await
    }

    /// Stores a new account with the given login method and hash.
    pub async fn account_with(
        &self,
        contract: &Contract,
        email: &str,
        role: Role,
        login_method: LoginMethod,
        password_hash: Option<PasswordHash>,
    ) -> Account {
        let account = Account {
            id: AccountId::generate(self.secrets.as_ref()),
            contract: contract.id,
            email: Email::parse(email).expect("email"),
            display_name: DisplayName::parse("テスト 太郎").expect("name"),
            role,
            locale: Locale::Ja,
            login_method,
            password_hash,
            lock: LockState::default(),
            created_at: self.clock.now(),
        };
        self.store
            .insert_account(&account)
            .await
            .expect("insert account");
        account
    }

    /// A Basic contract named 雲商事 with two-factor **off** (so tests of the password rules
    /// get sessions directly) and one password owner: `owner@example.co.jp` / `Kumo-2024`.
    pub async fn basic_owner(&self) -> (Contract, Account) {
        let mut contract = self.contract("雲商事", Plan::Basic).await;
        self.store
            .set_two_factor_policy(contract.id, TwoFactorPolicy::Disabled)
            .await
            .expect("policy");
        contract.two_factor = TwoFactorPolicy::Disabled;
        let owner = self
            .account(
                &contract,
                "owner@example.co.jp",
                Role::Owner,
                Some("Kumo-2024"),
            )
            .await;
        (contract, owner)
    }
}
