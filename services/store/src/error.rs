#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached or is overloaded: callers answer 503 and retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A row was there but could not be read back (corruption or an incompatible version).
    #[error("store data is corrupt: {0}")]
    Corrupt(String),
    #[error("store error: {0}")]
    Other(String),
}
