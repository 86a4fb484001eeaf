use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sha2::{Digest, Sha256};

use crate::domain::{AuditEvent, Mail, Password, PasswordCandidate, PasswordHash, PhoneNumber};
use crate::ports::{
    AuditLog, Clock, HashError, MailError, Mailer, PasswordHasher, SecretSource, SmsError,
    SmsMessage, SmsSender, Verification,
};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.0);
        *now += by;
    }

    /// Sets the clock.
    pub fn set(&self, at: DateTime<Utc>) {
        *lock(&self.0) = at;
    }
}

impl Default for ManualClock {
    /// 2026-04-01T00:00:00Z.
    fn default() -> Self {
        Self::at(
            Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *lock(&self.0)
    }
}

/// A deterministic random stream (SHA-256 in counter mode over a seed). Reproducible, and
/// never to be used outside tests.
#[derive(Debug)]
pub struct SeededSecrets {
    seed: u64,
    counter: AtomicU64,
}

impl SeededSecrets {
    /// A stream determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl SecretSource for SeededSecrets {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let block = Sha256::new()
                .chain_update(self.seed.to_le_bytes())
                .chain_update(n.to_le_bytes())
                .finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// A fast stand-in for Argon2 (salted SHA-256) that counts its work, so tests can check that
/// every path costs one verification (L5) without spending real hashing time.
/// `version` plays the role of the cost parameters: hashes of a lower version need a rehash.
#[derive(Debug)]
pub struct FastHasher {
    version: u32,
    verifications: AtomicU64,
    hashes: AtomicU64,
}

impl Default for FastHasher {
    fn default() -> Self {
        Self::with_version(2)
    }
}

impl FastHasher {
    /// A hasher producing hashes of `version`.
    pub fn with_version(version: u32) -> Self {
        Self {
            version,
            verifications: AtomicU64::new(0),
            hashes: AtomicU64::new(0),
        }
    }

    /// Verifications done so far (including dummy ones).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::SeqCst)
    }

    /// Hashes made so far.
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::SeqCst)
    }

    fn digest(salt: &str, text: &str) -> String {
        let d = Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update([0])
            .chain_update(text.as_bytes())
            .finalize();
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Hashes on this thread (for fixtures).
    ///
    /// # Errors
    /// Never in practice; [`HashError::Internal`] if the built string were refused.
    pub fn hash_text(&self, text: &str) -> Result<PasswordHash, HashError> {
        let n = self.hashes.fetch_add(1, Ordering::SeqCst);
        let salt = format!("s{n}");
        let phc = format!(
            "$fake$v={}${salt}${}",
            self.version,
            Self::digest(&salt, text)
        );
        PasswordHash::from_phc(phc).map_err(|e| HashError::Internal(e.to_string()))
    }
}

#[async_trait]
impl PasswordHasher for FastHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.hash_text(password.expose())
    }

    async fn verify(
        &self,
        candidate: &PasswordCandidate,
        hash: &PasswordHash,
    ) -> Result<Verification, HashError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let parts: Vec<&str> = hash.as_phc().split('$').collect();
        let [_, "fake", version, salt, digest] = parts.as_slice() else {
            return Err(HashError::UnreadableHash);
        };
        let version: u32 = version
            .strip_prefix("v=")
            .and_then(|v| v.parse().ok())
            .ok_or(HashError::UnreadableHash)?;
        if Self::digest(salt, candidate.expose()) == *digest {
            Ok(Verification::Match {
                needs_rehash: version < self.version,
            })
        } else {
            Ok(Verification::Mismatch)
        }
    }

    async fn verify_dummy(&self, candidate: &PasswordCandidate) -> Result<(), HashError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let _ = Self::digest("dummy", candidate.expose());
        Ok(())
    }
}

/// Keeps audit events in memory.
#[derive(Debug, Default)]
pub struct MemoryAudit(Mutex<Vec<AuditEvent>>);

impl MemoryAudit {
    /// Every event recorded so far.
    pub fn events(&self) -> Vec<AuditEvent> {
        lock(&self.0).clone()
    }
}

#[async_trait]
impl AuditLog for MemoryAudit {
    async fn record(&self, event: AuditEvent) {
        lock(&self.0).push(event);
    }

    async fn events_of(
        &self,
        contract: crate::domain::ContractId,
        limit: usize,
    ) -> Vec<AuditEvent> {
        lock(&self.0)
            .iter()
            .rev()
            .filter(|e| e.contract == Some(contract))
            .take(limit)
            .cloned()
            .collect()
    }

    /// The position in the list is the order of recording.
    async fn events_page(&self, q: &crate::ports::AuditQuery) -> crate::ports::AuditPage {
        let events = lock(&self.0);
        let mut ordered: Vec<(i64, &AuditEvent)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (i64::try_from(i).unwrap_or(i64::MAX), e))
            .filter(|(seq, e)| {
                e.contract == Some(q.contract)
                    && q.account.is_none_or(|a| e.account == Some(a))
                    && q.kind
                        .as_ref()
                        .is_none_or(|k| crate::ports::same_audit_kind(k, &e.kind))
                    && q.before.is_none_or(|c| c.precedes(e.at, *seq))
            })
            .collect();
        ordered.sort_by(|(sa, a), (sb, b)| b.at.cmp(&a.at).then(sb.cmp(sa)));
        let more = ordered.len() > q.limit;
        ordered.truncate(q.limit);
        crate::ports::AuditPage {
            older: more
                .then(|| {
                    ordered.last().map(|(seq, e)| crate::ports::AuditCursor {
                        at: e.at,
                        seq: *seq,
                    })
                })
                .flatten(),
            events: ordered.into_iter().map(|(_, e)| e.clone()).collect(),
        }
    }
}

/// A mailer that keeps what it is given, and can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Mail>>,
    failure: Mutex<Option<MailError>>,
}

impl RecordingMailer {
    /// Mails accepted so far.
    pub fn sent(&self) -> Vec<Mail> {
        lock(&self.sent).clone()
    }

    /// Makes every following send fail with `error` (or succeed again with `None`).
    pub fn fail_with(&self, error: Option<MailError>) {
        *lock(&self.failure) = error;
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        if let Some(e) = lock(&self.failure).clone() {
            return Err(e);
        }
        lock(&self.sent).push(mail.clone());
        Ok(())
    }
}

impl ManualClock {
    /// The time shown (the same as [`Clock::now`], without importing the trait).
    pub fn now_for_test(&self) -> DateTime<Utc> {
        *lock(&self.0)
    }
}

/// An SMS sender that keeps what it is given, and can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingSms {
    sent: Mutex<Vec<(PhoneNumber, SmsMessage)>>,
    failing: std::sync::atomic::AtomicBool,
}

impl RecordingSms {
    /// Messages sent so far.
    pub fn sent(&self) -> Vec<(PhoneNumber, SmsMessage)> {
        lock(&self.sent).clone()
    }

    /// The code of the last message sent.
    pub fn last_code(&self) -> Option<String> {
        lock(&self.sent)
            .last()
            .map(|(_, m)| m.code.expose().to_owned())
    }

    /// Makes following sends fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl SmsSender for RecordingSms {
    async fn send(&self, to: &PhoneNumber, message: &SmsMessage) -> Result<(), SmsError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(SmsError::Unavailable("switched off".into()));
        }
        lock(&self.sent).push((to.clone(), message.clone()));
        Ok(())
    }
}

/// An ADFS double for core tests. Metadata reads answer a fixed document (or fail while
/// [`ScriptedDirectories::set_down`] says so); the authorization URL carries the ceremony's
/// SAML request ID; a SAML answer `"{request id}|{subject}|{assertion id}"` verifies when the
/// request ID is this browser's ([`ScriptedDirectories::saml_answer`] builds one), and an
/// OpenID Connect answer's `code` is the subject.
#[derive(Debug, Default)]
pub struct ScriptedDirectories {
    down: std::sync::atomic::AtomicBool,
}

impl ScriptedDirectories {
    /// The metadata document every read answers.
    pub const METADATA: &'static str =
        "<EntityDescriptor entityID=\"https://adfs.test/adfs/services/trust\"/>";

    /// Makes metadata reads fail (`true`) or work again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The `state` (SAML `RelayState`) of the round trip whose authorization URL is `url`.
    pub fn state_in(url: &str) -> String {
        url.split("state=")
            .nth(1)
            .and_then(|rest| rest.split('&').next())
            .unwrap_or_default()
            .to_owned()
    }

    /// The answer an ADFS would post for the round trip whose authorization URL is `url`.
    pub fn saml_answer(url: &str, subject: &str, assertion_id: &str) -> String {
        let request_id = url.rsplit("request=").next().unwrap_or_default();
        format!("{request_id}|{subject}|{assertion_id}")
    }
}

#[async_trait]
impl crate::ports::Directories for ScriptedDirectories {
    async fn read_metadata(
        &self,
        settings: &crate::domain::AdSettings,
        pasted: Option<&str>,
    ) -> Result<Option<String>, crate::ports::IdpError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(crate::ports::IdpError::Unavailable(
                "metadata: connection refused".into(),
            ));
        }
        Ok(match settings.protocol {
            crate::domain::AdProtocol::Saml { .. } => {
                Some(pasted.unwrap_or(Self::METADATA).to_owned())
            }
            crate::domain::AdProtocol::Oidc { .. } => None,
        })
    }

    async fn authorization_url(
        &self,
        connection: &crate::domain::AdConnection,
        ceremony: &crate::domain::Ceremony,
        endpoints: &crate::domain::DirectoryEndpoints<'_>,
        _: DateTime<Utc>,
    ) -> Result<String, crate::ports::IdpError> {
        Ok(format!(
            "https://adfs.test/{}?return={}&state={}&request={}",
            connection.id,
            endpoints.saml_acs,
            ceremony.state().as_str(),
            ceremony.saml_request_id()
        ))
    }

    async fn finish(
        &self,
        _: &crate::domain::AdConnection,
        callback: &crate::domain::DirectoryCallback,
        ceremony: &crate::domain::Ceremony,
        _: &crate::domain::DirectoryEndpoints<'_>,
        now: DateTime<Utc>,
    ) -> Result<crate::ports::DirectoryAssertion, crate::ports::IdpError> {
        use crate::domain::{DirectoryCallback, Subject};
        use crate::ports::IdpError;
        match callback {
            DirectoryCallback::Saml { response } => {
                let mut parts = response.split('|');
                let (Some(request), Some(subject), Some(id)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(IdpError::Rejected("malformed response".into()));
                };
                if request != ceremony.saml_request_id() {
                    return Err(IdpError::Rejected(
                        "InResponseTo is not this browser's".into(),
                    ));
                }
                Ok(crate::ports::DirectoryAssertion {
                    subject: Subject::parse(subject)
                        .map_err(|e| IdpError::Rejected(e.to_string()))?,
                    assertion: Some((id.to_owned(), now + Duration::minutes(5))),
                })
            }
            DirectoryCallback::Oidc(c) => Ok(crate::ports::DirectoryAssertion {
                subject: Subject::parse(c.code.as_deref().unwrap_or_default())
                    .map_err(|e| IdpError::Rejected(e.to_string()))?,
                assertion: None,
            }),
        }
    }
}

#[cfg(test)]
mod audit_tests {
    #[tokio::test]
    async fn x1_memory_audit_pages_filter_by_account_and_kind_and_continue() {
        let log = super::MemoryAudit::default();
        crate::testing::conformance::x1_audit_pages_filter_by_account_and_kind_and_continue(&log)
            .await;
    }
}
