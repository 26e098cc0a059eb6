//! Passwords: argon2id (the `argon2` crate's defaults, OWASP's minimum: 19 MiB, 2 passes),
//! hashed and checked on the blocking pool so a sign-in never stalls a worker.

use std::sync::LazyLock;

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

/// The PHC string of a new password (`None` only if argon2 itself fails).
pub async fn hash(password: String) -> Option<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .ok()
        .flatten()
}

/// Whether `password` matches `stored`; with no stored hash, checks against a dummy and
/// says no.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
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
    .unwrap_or(false)
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
