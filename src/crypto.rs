//! Secrets and their hashes.
//!
//! Every bearer secret Attune hands out (session, API token, and later booking, intake and
//! feed links) is 256 random bits, shown once, and stored only as its SHA-256. A database
//! leak therefore yields nothing that can be presented back to the server. Clinical-text
//! encryption joins this module with the intake and notes capabilities.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A freshly made secret, as the client will present it: a short kind prefix (so a leaked
/// token can be recognised, e.g. by secret scanners) and 43 characters of base64url.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// 32 random bytes from the operating system, behind `prefix`.
    pub fn generate(prefix: &str) -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
        Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// What is stored: the SHA-256 of the whole secret, in hex.
    pub fn hash(&self) -> String {
        hash_secret(&self.0)
    }
}

/// Secrets never appear in logs, even through `{:?}`.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// SHA-256 of a presented secret, in hex, for looking up its row.
pub fn hash_secret(presented: &str) -> String {
    hex(&Sha256::digest(presented.as_bytes()))
}

/// A value bound to a secret without revealing it: `base64url(SHA-256(label ":" secret))`.
/// The session's CSRF token is made this way, so it needs no storage and cannot be forged
/// without the session secret.
pub fn derive(label: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(label.as_bytes());
    hasher.update(b":");
    hasher.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bits_behind_their_prefix_and_never_repeat() {
        let a = Secret::generate("ats_");
        let b = Secret::generate("ats_");
        assert!(a.expose().starts_with("ats_"));
        assert_eq!(a.expose().len(), 4 + 43);
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(&a.expose()[4..]));
    }

    #[test]
    fn the_stored_hash_is_sha256_hex() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let s = Secret::generate("x_");
        assert_eq!(s.hash(), hash_secret(s.expose()));
    }

    #[test]
    fn derived_values_depend_on_label_and_secret() {
        assert_ne!(derive("csrf", "a"), derive("csrf", "b"));
        assert_ne!(derive("csrf", "a"), derive("other", "a"));
        assert_eq!(derive("csrf", "a"), derive("csrf", "a"));
    }

    #[test]
    fn comparison_needs_equal_length_and_bytes() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
    }
}
