//! Passwords: argon2id (the `argon2` crate's defaults, OWASP's minimum: 19 MiB, 2 passes),
//! hashed and checked on the blocking pool so a sign-in never stalls a worker. At most one
//! hash per core runs at once: a flood of sign-ins waits briefly, then is told the server is
//! busy, instead of taking 19 MiB each and the blocking pool the store also uses.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use pollcast_types::ids::fill_random;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 1024;

/// Checked when the account does not exist, so a wrong email costs what a wrong password
/// does and the timing does not tell which it was.
static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| hash_now("not a real password"));

fn hash_now(password: &str) -> Option<String> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt).ok()?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

/// How many hashes may run at once: one per core.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    tokio::sync::Semaphore::new(cores)
});

/// How long a password check waits for a free core before the answer is "busy".
const WAIT: Duration = Duration::from_millis(500);

/// Every core is hashing and none came free in time: answer `503`, try again shortly.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

/// Runs `f` on the blocking pool once a hashing permit is free.
async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    let permit = tokio::time::timeout(WAIT, HASHING.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    let result = tokio::task::spawn_blocking(f).await.map_err(|_| Busy);
    drop(permit);
    result
}

/// The PHC string of a new password; `Busy` when every core is hashing (or, never seen,
/// argon2 itself fails).
pub async fn hash(password: String) -> Result<String, Busy> {
    bounded(move || hash_now(&password)).await?.ok_or(Busy)
}

/// Whether `password` matches `stored`; with no stored hash, checks against a dummy and
/// says no.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Busy> {
    bounded(move || {
        let real = stored.is_some();
        let Some(phc) = stored.or_else(|| DUMMY.clone()) else {
            return false;
        };
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
}

/// What is wrong with a new password, as a message id.
pub fn problem(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Some("password-too-short")
    } else if n > MAX_LEN {
        Some("password-too-long")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twenty checks at once on a machine with fewer cores: no more run together than there
    /// are cores, and those that cannot get one in time are told "busy", quickly.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let stored = hash("a long enough password".into()).await.unwrap();
        let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = std::time::Instant::now();
        let mut checks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (running, most) = (running.clone(), most.clone());
            checks.spawn(bounded(move || {
                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200));
                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }));
        }
        let results = checks.join_all().await;
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= cores);
        let busy = results.iter().filter(|r| r.is_err()).count();
        assert!(
            busy > 0,
            "20 × 200 ms cannot all fit in 500 ms on {cores} cores"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(
            verify("a long enough password".into(), Some(stored)).await,
            Ok(true)
        );
    }
}
