use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The server's signing key (voter tokens, voter hashes). Kept in `secret.key` in the data
/// directory, created on first start with owner-only permissions; every process sharing the
/// data directory signs with the same key. Never logged: `Debug` prints nothing of it.
#[derive(Clone)]
pub struct ServerSecret {
    /// Keyed once at load; each use clones the keyed state.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

impl ServerSecret {
    /// Several processes may start at once on one data directory (`pollcast serve --services
    /// …` per service): the key is written whole to a private temporary file and then linked
    /// into place, so a reader never sees a half-written key and exactly one writer wins.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("secret.key");
        if !path.exists() {
            let mut key = [0u8; 32];
            pollcast_types::ids::fill_random(&mut key);
            let mut nonce = [0u8; 8];
            pollcast_types::ids::fill_random(&mut nonce);
            let tmp = dir.join(format!(".secret.key.{}", hex(&nonce)));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let written = opts.open(&tmp).and_then(|mut file| {
                file.write_all(hex(&key).as_bytes())?;
                file.sync_all()
            });
            let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
            // The temporary name is ours alone; it goes whether or not we won the race.
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => return Self::from_key(&key),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let key = parse_hex(std::fs::read_to_string(&path)?.trim()).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not 64 hex digits", path.display()),
            )
        })?;
        Self::from_key(&key)
    }

    fn from_key(key: &[u8; 32]) -> std::io::Result<Self> {
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        Ok(Self { keyed })
    }

    /// HMAC-SHA256 of `parts` joined by a separator no part contains (`\x1f`), under a
    /// purpose label so one key never signs two kinds of thing alike.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(purpose.as_bytes());
        for part in parts {
            mac.update(b"\x1f");
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of a MAC truncated to `tag.len()` bytes (at least 16).
    pub fn verify(&self, purpose: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
        if tag.len() < 16 || tag.len() > 32 {
            return false;
        }
        let expected = self.mac(purpose, parts);
        expected[..tag.len()]
            .iter()
            .zip(tag)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// A secret could not be sealed.
#[derive(Debug, thiserror::Error)]
#[error("a secret could not be sealed")]
pub struct SealError;

/// Secrets pollcast must be able to read back (webhook signing secrets) are kept sealed:
/// ChaCha20-Poly1305 under a key derived from the server's, with a random nonce, as
/// `v1.<base64 of nonce + ciphertext>`. A store leaked without `secret.key` reveals none.
impl ServerSecret {
    fn sealing_cipher(&self) -> chacha20poly1305::ChaCha20Poly1305 {
        use chacha20poly1305::KeyInit;
        let key = self.mac("seal-v1", &[]);
        chacha20poly1305::ChaCha20Poly1305::new(&key.into())
    }

    /// Seals `plain` for `purpose` (bound into the ciphertext: a sealed value cannot be
    /// opened as another kind of thing). Fails only if the cipher refuses the message (longer
    /// than it can seal); never yields an empty or partial value.
    pub fn seal(&self, purpose: &str, plain: &[u8]) -> Result<String, SealError> {
        use base64::Engine;
        use chacha20poly1305::aead::{Aead, Payload};
        let mut nonce = [0u8; 12];
        pollcast_types::ids::fill_random(&mut nonce);
        let sealed = self
            .sealing_cipher()
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plain,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SealError)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!(
            "v1.{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
        ))
    }

    /// What [`Self::seal`] sealed, if it was sealed by this key for this purpose.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        use chacha20poly1305::aead::{Aead, Payload};
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(sealed.strip_prefix("v1.")?)
            .ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        self.sealing_cipher()
            .decrypt(
                nonce.into(),
                Payload {
                    msg: body,
                    aad: purpose.as_bytes(),
                },
            )
            .ok()
    }
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    unhex(s)?.try_into().ok()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The bytes of a lower- or upper-case hex string; `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_key_and_purpose_they_were_sealed_with() {
        let dir = tempdir("seal");
        let a = ServerSecret::load_or_create(&dir).unwrap();
        let other = ServerSecret::load_or_create(&tempdir("seal-other")).unwrap();
        let sealed = a.seal("webhook", b"whsec_abc").unwrap();
        assert!(!sealed.contains("whsec") && sealed.starts_with("v1."));
        assert_ne!(
            sealed,
            a.seal("webhook", b"whsec_abc").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(
            a.open("webhook", &sealed).as_deref(),
            Some(&b"whsec_abc"[..])
        );
        assert_eq!(a.open("voter", &sealed), None);
        assert_eq!(other.open("webhook", &sealed), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(a.open("webhook", &tampered), None);
        assert_eq!(a.open("webhook", "v1.short"), None);
    }

    fn tempdir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("pollcast-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn is_created_once_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("pollcast-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = ServerSecret::load_or_create(&dir).unwrap();
        let b = ServerSecret::load_or_create(&dir).unwrap();
        assert_eq!(a.mac("t", &[b"x"]), b.mac("t", &[b"x"]));
        assert_ne!(a.mac("t", &[b"x"]), a.mac("u", &[b"x"]));
        assert_ne!(a.mac("t", &[b"a", b"bc"]), a.mac("t", &[b"ab", b"c"]));
        let tag = a.mac("t", &[b"x"]);
        assert!(a.verify("t", &[b"x"], &tag[..16]));
        assert!(!a.verify("t", &[b"y"], &tag[..16]));
        assert!(!a.verify("t", &[b"x"], &tag[..4]));
        assert_eq!(format!("{a:?}"), "ServerSecret(..)");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The chaos test starts several processes on one fresh data directory at once; one of
    /// them once read the key file while another was still writing it, and refused to start.
    #[test]
    fn processes_starting_at_once_all_get_the_one_whole_key() {
        let dir = tempdir("secret-race");
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&dir);
            let loaded: Vec<ServerSecret> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| s.spawn(|| ServerSecret::load_or_create(&dir)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap().unwrap())
                    .collect()
            });
            let first = loaded[0].mac("t", &[b"x"]);
            assert!(loaded.iter().all(|k| k.mac("t", &[b"x"]) == first));
            let names: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["secret.key"], "no temporary file left behind");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
