use chrono::{DateTime, Utc};

/// The current time. The app reads the system clock; tests move a manual one.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
