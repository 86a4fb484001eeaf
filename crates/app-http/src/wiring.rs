//! Builds the real adapters from the configuration: the Diesel store (SQLite by default,
//! PostgreSQL by URL), the SMTP mailer or the `.eml` file outbox, the SMS file outbox, the
//! bounded Argon2id hasher, the system clock and random source, and the logged audit trail.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use adapter_idp::{AdfsDirectories, IdpSettings, OidcProviders, ProviderSettings};
use adapter_postgres::{DieselStore, PoolSettings};
use adapter_smtp::{FileMailer, PublicBaseUrl, Security, Sender, SmtpConfig, SmtpMailer};
use auth_core::domain::{Mail, Provider};
use auth_core::flows::{Auth, Ports, Settings};
use auth_core::hashing::{Argon2Hasher, HashParams};
use auth_core::ports::{Directories, IdentityProviders, LeaseOwner, MailError, Mailer};

use crate::audit::LoggedAudit;
use crate::config::{Config, SmtpSecurity};
use crate::hashing::BlockingHasher;
use crate::sms::FileSmsSender;
use crate::state::AppState;
use crate::system::{OsSecrets, SystemClock};

/// The app could not be built.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WiringError {
    /// The store could not be opened or migrated.
    #[error("store: {0}")]
    Store(String),
    /// The mail settings are invalid.
    #[error("mail: {0}")]
    Mail(String),
    /// The password hasher could not start (its parameters or its threads).
    #[error("password hasher: {0}")]
    Hasher(String),
    /// A federated provider's settings are invalid.
    #[error("providers: {0}")]
    Providers(String),
    /// The data directory cannot be created.
    #[error("data directory {0}: {1}")]
    DataDir(PathBuf, String),
}

/// Everything `serve` runs.
pub struct Wired {
    /// Shared state of the routers.
    pub state: AppState,
    /// The mailer of the outbox worker.
    pub mailer: Arc<dyn Mailer>,
    /// The store.
    pub store: Arc<DieselStore>,
}

/// Opens the store (and migrates it).
///
/// # Errors
/// [`WiringError::Store`], [`WiringError::DataDir`].
pub async fn open_store(config: &Config) -> Result<Arc<DieselStore>, WiringError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| WiringError::DataDir(config.data_dir.clone(), e.to_string()))?;
    let pool = PoolSettings {
        max_size: config.database_pool_size,
        ..PoolSettings::default()
    };
    let store = DieselStore::connect(&config.database_url(), pool)
        .await
        .map_err(|e| WiringError::Store(e.to_string()))?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| WiringError::Store(e.to_string()))?;
    for m in applied {
        tracing::info!(migration = %m, "migration applied");
    }
    Ok(Arc::new(store))
}

/// Builds the core around the real adapters.
///
/// # Errors
/// See [`WiringError`].
pub async fn wire(config: &Config) -> Result<Wired, WiringError> {
    let store = open_store(config).await?;
    let secrets = Arc::new(OsSecrets);
    let argon = Argon2Hasher::new(HashParams::OWASP, secrets.clone())
        .map_err(|e| WiringError::Hasher(e.to_string()))?;
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    let in_flight = if config.hash_concurrency == 0 {
        cores
    } else {
        config.hash_concurrency
    };
    let hasher = Arc::new(
        BlockingHasher::new(argon, in_flight, config.hash_queue)
            .map_err(|e| WiringError::Hasher(e.to_string()))?,
    );
    let auth = Auth::new(
        Ports {
            store: store.clone(),
            hasher,
            clock: Arc::new(SystemClock),
            secrets,
            audit: Arc::new(LoggedAudit::new(store.clone())),
            sms: Arc::new(FileSmsSender::new(config.sms_outbox_dir())),
        },
        Settings {
            totp_issuer: config.totp_issuer.clone(),
            ..Settings::default()
        },
    );
    // One lease owner per process: a worker's results count only for the mails it holds (X6).
    let owner = LeaseOwner::generate(&format!("tobira-{}", std::process::id()), &OsSecrets);
    let lease = chrono::Duration::seconds(i64::try_from(config.mail_lease_seconds).unwrap_or(45));
    let auth = auth.with_lease_owner(owner).with_delivery_lease(lease);
    let auth = match identity_providers(config)? {
        Some(providers) => auth.with_identity_providers(providers),
        None => auth,
    };
    let auth = auth.with_directories(directories(config)?);
    let mailer = mailer(config)?;
    let state = AppState::new(auth, store.clone(), config.clone());
    Ok(Wired {
        state,
        mailer,
        store,
    })
}

/// The federated providers the configuration names, if any (L7).
///
/// # Errors
/// [`WiringError::Providers`] for a missing secret or an unusable address.
pub fn identity_providers(
    config: &Config,
) -> Result<Option<Arc<dyn IdentityProviders>>, WiringError> {
    let p = &config.providers;
    let mut providers = Vec::new();
    for (provider, settings) in [
        (Provider::Google, &p.google),
        (Provider::Facebook, &p.facebook),
        (Provider::Microsoft, &p.microsoft),
        (Provider::DAccount, &p.d_account),
    ] {
        let Some(settings) = settings else { continue };
        let secret = match (&settings.client_secret, &settings.client_secret_file) {
            (Some(secret), _) => secret.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| {
                    WiringError::Providers(format!(
                        "{}: client_secret_file {}: {e}",
                        provider.as_str(),
                        file.display()
                    ))
                })?
                .trim()
                .to_owned(),
            (None, None) => {
                return Err(WiringError::Providers(format!(
                    "{}: client_secret or client_secret_file is required",
                    provider.as_str()
                )));
            }
        };
        providers.push(ProviderSettings {
            provider,
            client_id: settings.client_id.clone(),
            client_secret: secret.into(),
            discovery_url: settings.discovery_url.clone(),
            issuer: settings.issuer.clone(),
            tenants: settings.tenants.clone(),
        });
    }
    if providers.is_empty() {
        return Ok(None);
    }
    let adapter = OidcProviders::new(IdpSettings {
        providers,
        insecure_http_hosts: p.insecure_http_hosts.clone(),
        ..IdpSettings::default()
    })
    .map_err(|e| WiringError::Providers(e.to_string()))?;
    Ok(Some(Arc::new(adapter)))
}

/// Contracts' ADFS (L8), over SAML 2.0 or OpenID Connect, with the configured address rules.
///
/// # Errors
/// [`WiringError::Providers`] when the HTTP client cannot be built.
pub fn directories(config: &Config) -> Result<Arc<dyn Directories>, WiringError> {
    let p = &config.providers;
    let adapter = AdfsDirectories::new(IdpSettings {
        insecure_http_hosts: p.insecure_http_hosts.clone(),
        internal_hosts: p.internal_hosts.clone(),
        ..IdpSettings::default()
    })
    .map_err(|e| WiringError::Providers(e.to_string()))?;
    Ok(Arc::new(adapter))
}

/// The mailer the configuration asks for.
///
/// # Errors
/// [`WiringError::Mail`] for invalid settings.
pub fn mailer(config: &Config) -> Result<Arc<dyn Mailer>, WiringError> {
    let bad = |e: adapter_smtp::ConfigError| WiringError::Mail(e.to_string());
    let base = PublicBaseUrl::parse(&config.public_url()).map_err(bad)?;
    let line_base = match &config.line_public_url {
        Some(url) => PublicBaseUrl::parse(url).map_err(bad)?,
        None => base.clone(),
    };
    Ok(match &config.smtp {
        Some(smtp) => {
            let sender = Sender::new(&smtp.from_address, &smtp.from_name).map_err(bad)?;
            let security = match smtp.security {
                SmtpSecurity::Starttls => Security::StartTls,
                SmtpSecurity::Tls => Security::ImplicitTls,
                SmtpSecurity::None => Security::None,
            };
            let mut c = SmtpConfig::new(&smtp.host, smtp.port, security, sender, base)
                .map_err(bad)?
                .with_timeout(Duration::from_secs(smtp.timeout_seconds))
                .map_err(bad)?
                .with_line_base_url(line_base);
            if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                c = c.with_credentials(user, password);
            }
            Arc::new(SmtpMailer::new(c).map_err(bad)?)
        }
        None => {
            let sender = Sender::new("no-reply@tobira.localhost", "tobira").map_err(bad)?;
            let files = FileMailer::new(config.mail_outbox_dir(), sender, base)
                .with_line_base_url(line_base);
            Arc::new(LoggedFileMailer(files))
        }
    })
}

/// The development outbox, naming each file in the log.
struct LoggedFileMailer(FileMailer);

#[async_trait]
impl Mailer for LoggedFileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        self.0.send(mail).await?;
        tracing::info!(file = %self.0.path_of(mail.id).display(), "mail written to the development outbox");
        Ok(())
    }
}
