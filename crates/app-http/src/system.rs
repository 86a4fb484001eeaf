//! The real clock and random source: the only place the app reads them.

use chrono::{DateTime, Utc};

use auth_core::ports::{Clock, SecretSource};

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The wiring is where real time enters.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsSecrets;

impl SecretSource for OsSecrets {
    fn fill(&self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // Without randomness no token, salt or code is safe: stop at once.
            tracing::error!("the operating system's random source failed; stopping");
            std::process::abort();
        }
    }
}
