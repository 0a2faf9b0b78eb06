//! Secrets and their hashes.
//!
//! Every bearer secret Attune hands out (session, API token, and later booking, intake and
//! feed links) is 256 random bits, shown once, and stored only as its SHA-256. A database
//! leak therefore yields nothing that can be presented back to the server. Private free text
//! is sealed with the data key (AES-256-GCM), and what stays in the clear beside it (scores,
//! signers) carries an integrity tag made with a key derived from it.

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
    sha256_hex(presented)
}

/// SHA-256 of a text, in hex (e.g. of a note as signed, to notice a later change).
pub fn sha256_hex(text: &str) -> String {
    sha256_bytes_hex(text.as_bytes())
}

pub fn sha256_bytes_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
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

// --- Field encryption -------------------------------------------------------------------------

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use base64::engine::general_purpose::STANDARD;

/// A 256-bit key for clinical and other private free text, with its id (the first 8 hex
/// digits of its SHA-256), stored beside every value it seals so keys can be rotated.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
    /// Signs integrity tags; derived from the key so one secret serves both, yet a tag says
    /// nothing about the encryption key.
    mac_key: [u8; 32],
    bytes: [u8; 32],
}

impl DataKey {
    /// A key from base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    pub fn parse(encoded: &str) -> Result<Self, &'static str> {
        let encoded = encoded.trim();
        let bytes = STANDARD
            .decode(encoded)
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
            .map_err(|_| "is not base64")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be 32 bytes (44 base64 characters)")?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
        Self::from_bytes(bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            id: hex(&Sha256::digest(bytes))[..8].to_owned(),
            cipher: Aes256Gcm::new_from_slice(&bytes).expect("32 bytes is an AES-256 key"),
            mac_key: hmac_sha256(&bytes, &[b"attune.integrity.v1"]),
            bytes,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key in standard base64, for writing it to a key file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

/// The current key, which seals, and earlier ones that can still open what they sealed.
#[derive(Clone, Debug)]
pub struct DataKeys {
    current: DataKey,
    previous: Vec<DataKey>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the value is not in the sealed format")]
    Malformed,
    #[error("the value was sealed with key {0}, which is not configured")]
    UnknownKey(String),
    #[error("the value does not decrypt: it was altered, or belongs to another record")]
    Tampered,
}

const SEALED_PREFIX: &str = "v1";
const TAG_PREFIX: &str = "m1";

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{KeyInit as _, Mac};
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl DataKeys {
    pub fn new(current: DataKey, previous: Vec<DataKey>) -> Self {
        Self { current, previous }
    }

    pub fn current(&self) -> &DataKey {
        &self.current
    }

    /// AES-256-GCM with a fresh random nonce. `context` is bound to the ciphertext (as
    /// associated data), so a value copied into another record or column fails to open.
    /// The result is `v1.<key id>.<base64url(nonce ‖ ciphertext)>`.
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the operating system has no randomness to give");
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!(
            "{SEALED_PREFIX}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, OpenError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(SEALED_PREFIX), Some(key_id), Some(body)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Malformed);
        };
        let key = self.key(key_id)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().expect("split at 12");
        let plaintext = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Tampered)?;
        String::from_utf8(plaintext).map_err(|_| OpenError::Tampered)
    }

    /// An integrity tag over `message` with the current key: HMAC-SHA256 under a key derived
    /// from the data key, as `m1.<key id>.<base64url(tag)>`. Fields kept in the clear (scores,
    /// signers) cannot then be changed without the key and go unnoticed.
    pub fn tag(&self, message: &[u8]) -> String {
        format!(
            "{TAG_PREFIX}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(hmac_sha256(&self.current.mac_key, &[message]))
        )
    }

    /// Whether `tag` was made over `message` by the current or an earlier key.
    pub fn verify_tag(&self, tag: &str, message: &[u8]) -> Result<(), OpenError> {
        let mut parts = tag.splitn(3, '.');
        let (Some(TAG_PREFIX), Some(key_id), Some(body)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Malformed);
        };
        let key = self.key(key_id)?;
        let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(&key.mac_key, &[message]));
        if secrets_equal(&expected, body) {
            Ok(())
        } else {
            Err(OpenError::Tampered)
        }
    }

    fn key(&self, id: &str) -> Result<&DataKey, OpenError> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))
    }
}

#[cfg(test)]
mod sealing_tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_context_and_never_shows_the_plaintext() {
        let keys = DataKeys::new(DataKey::generate(), Vec::new());
        let sealed = keys.seal("we are here because of an affair", "appointment.message:1");
        assert!(sealed.starts_with(&format!("v1.{}.", keys.current().id())));
        assert!(!sealed.contains("affair"));
        assert_eq!(
            keys.open(&sealed, "appointment.message:1").unwrap(),
            "we are here because of an affair"
        );
        assert_eq!(
            keys.open(&sealed, "appointment.message:2"),
            Err(OpenError::Tampered)
        );
        // The same text seals differently each time (random nonce).
        assert_ne!(
            sealed,
            keys.seal("we are here because of an affair", "appointment.message:1")
        );
    }

    #[test]
    fn a_previous_key_still_opens_what_it_sealed() {
        let old = DataKey::generate();
        let sealed = DataKeys::new(old.clone(), Vec::new()).seal("text", "c");
        let rotated = DataKeys::new(DataKey::generate(), vec![old]);
        assert_eq!(rotated.open(&sealed, "c").unwrap(), "text");
        let forgotten = DataKeys::new(DataKey::generate(), Vec::new());
        assert!(matches!(
            forgotten.open(&sealed, "c"),
            Err(OpenError::UnknownKey(_))
        ));
    }

    #[test]
    fn altered_or_malformed_values_are_refused() {
        let keys = DataKeys::new(DataKey::generate(), Vec::new());
        let sealed = keys.seal("text", "c");
        let mut bytes = sealed.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.open(&String::from_utf8(bytes).unwrap(), "c"),
            Err(OpenError::Tampered)
        );
        for bad in [
            "",
            "v1",
            "v2.x.y",
            "v1.abc",
            &format!("v1.{}.!!!", keys.current().id()),
        ] {
            assert!(keys.open(bad, "c").is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_verify_under_their_key_and_fail_on_any_change() {
        let old = DataKey::generate();
        let keys = DataKeys::new(old.clone(), Vec::new());
        let tag = keys.tag(b"score=12");
        assert!(tag.starts_with(&format!("m1.{}.", old.id())));
        assert_eq!(keys.verify_tag(&tag, b"score=12"), Ok(()));
        assert_eq!(keys.verify_tag(&tag, b"score=2"), Err(OpenError::Tampered));
        let rotated = DataKeys::new(DataKey::generate(), vec![old]);
        assert_eq!(rotated.verify_tag(&tag, b"score=12"), Ok(()));
        let forgotten = DataKeys::new(DataKey::generate(), Vec::new());
        assert!(matches!(
            forgotten.verify_tag(&tag, b"score=12"),
            Err(OpenError::UnknownKey(_))
        ));
        for bad in ["", "m1", "v1.x.y", &tag.replace("m1.", "m2.")] {
            assert!(keys.verify_tag(bad, b"score=12").is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_parse_from_base64_of_32_bytes() {
        let key = DataKey::generate();
        let parsed = DataKey::parse(&key.to_base64()).unwrap();
        assert_eq!(parsed.id(), key.id());
        assert!(DataKey::parse("c2hvcnQ=").is_err());
        assert!(DataKey::parse("not base64 at all!").is_err());
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }
}
