//! Test doubles with the same contracts as the real adapters, a ready-made world of them, and
//! the port conformance suite every store runs. Enabled by the `testing` feature.

// Test support: a failed fixture is a failed test, so panicking here is right.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod doubles;
mod memory;
mod world;

pub mod conformance;

pub use doubles::{
    FastHasher, ManualClock, MemoryAudit, RecordingMailer, RecordingSms, ScriptedDirectories,
    SeededSecrets,
};
pub use memory::MemoryStore;
pub use world::TestWorld;
