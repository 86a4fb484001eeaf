/// A cryptographically secure random source (the operating system's CSPRNG in the app).
pub trait SecretSource: Send + Sync {
    /// Fills `buf` with random bytes. Implementations MUST be unpredictable; they cannot fail
    /// (an OS that cannot give randomness is a reason to abort, not to continue).
    fn fill(&self, buf: &mut [u8]);
}
