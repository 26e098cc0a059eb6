//! The setup link: on a fresh install (no account yet, sign-up not open) the first account
//! needs it, so an install reachable from the internet does not belong to whoever finds it
//! first (as Grafana and Gitea do it). `pollcast serve` prints the link at start and writes
//! the token to `setup-token` in the data directory; `pollcast user create` is the other way
//! in.
//!
//! The token is derived from the server's key, so every process sharing `secret.key` knows
//! the same one without storing it, and it dies with its use: once an account exists, no
//! sign-up is ever the first again.

use std::path::Path;

use crate::{Context, ServerSecret, hex, unhex};
use actix_web::HttpRequest;

/// The cookie that carries the token from the link to the sign-up form (the link's URL
/// holds it only until the redirect).
pub const COOKIE: &str = "pollcast_setup";

const PURPOSE: &str = "console-setup";
const FILE: &str = "setup-token";

/// This install's setup token (128 bits).
pub fn token(secret: &ServerSecret) -> String {
    hex(&secret.mac(PURPOSE, &[])[..16])
}

/// Whether `sent` is this install's setup token (compared in constant time).
pub fn is_valid(secret: &ServerSecret, sent: &str) -> bool {
    unhex(sent).is_some_and(|tag| tag.len() == 16 && secret.verify(PURPOSE, &[], &tag))
}

/// Whether the request carries this install's setup token (its cookie).
pub fn carried(secret: &ServerSecret, req: &HttpRequest) -> bool {
    pollcast_http::cookie::get(req, COOKIE).is_some_and(|t| is_valid(secret, &t))
}

/// Whether the first account still needs the setup link.
pub async fn needed(context: &Context) -> Result<bool, pollcast_store::StoreError> {
    Ok(!context.settings.open_signup && !context.store.has_accounts().await?)
}

/// At start: the setup link, written to `setup-token` in the data directory, when the
/// install still needs it; otherwise the file is removed.
pub async fn announce(context: &Context) -> Result<Option<String>, std::io::Error> {
    let path = context.settings.data_dir.join(FILE);
    let needed = needed(context)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if !needed {
        forget(&context.settings.data_dir);
        return Ok(None);
    }
    let token = token(&context.secret);
    write_private(&path, &token)?;
    Ok(Some(format!(
        "{}/console/setup?token={token}",
        context.settings.public_url
    )))
}

/// Removes the `setup-token` file (the first account exists).
pub fn forget(data_dir: &Path) {
    let _ = std::fs::remove_file(data_dir.join(FILE));
}

fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(path)?;
    file.write_all(format!("{token}\n").as_bytes())
}
