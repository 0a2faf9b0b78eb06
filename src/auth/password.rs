//! Passwords: the rules a new one must meet, and argon2id hashing.
//!
//! Hashing takes tens of milliseconds of CPU by design, so it runs on the blocking pool and
//! never stalls the async workers.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 256;

/// A password that met the rules; only [`check`] makes one.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// The rules: 12 to 256 characters, not one character repeated, not a well-known password
/// or a common word dressed up with digits, and not the account's own email address.
pub fn check(password: &str, email: &str) -> Result<NewPassword, &'static str> {
    let length = password.chars().count();
    if length < MIN_LEN {
        return Err("must be at least 12 characters");
    }
    if length > MAX_LEN {
        return Err("must be at most 256 characters");
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err("must not be one character repeated");
    }
    if is_common(&lower) {
        return Err("is too common; choose a passphrase of several unrelated words");
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (local.chars().count() >= 4 && lower.contains(local)) {
        return Err("must not contain your email address");
    }
    Ok(NewPassword(password.to_owned()))
}

/// The built-in list, plus a common word padded with digits and symbols ("Password2024!").
fn is_common(lower: &str) -> bool {
    if common_passwords().contains(&lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    COMMON_WORDS.contains(&core)
}

fn common_passwords() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

const COMMON_WORDS: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssword",
    "p@ssw0rd",
    "welcome",
    "letmein",
    "qwerty",
    "iloveyou",
    "admin",
    "administrator",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "changeme",
    "secret",
    "therapy",
    "therapist",
    "counseling",
    "counselling",
    "attune",
    "practice",
    "couples",
];

/// At most this many hashes run at once, each holding 19 MiB; a burst of sign-ins queues
/// here instead of taking every blocking thread and gigabytes of memory.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(2 * cores)
    })
}

/// Runs one hashing job on the blocking pool once a permit is free.
async fn with_permit<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = hashing_permits()
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(job)
        .await
        .expect("password hashing panicked")
}

/// Hashes with argon2id at the OWASP parameters (19 MiB, 2 passes, 1 lane) and a random salt;
/// the result is a PHC string that carries its own parameters.
pub async fn hash(password: NewPassword) -> String {
    with_permit(move || hash_now(&password.0)).await
}

fn hash_now(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Checks `password` against a stored hash. With no hash (an unknown account) it checks
/// against a fixed dummy hash instead and fails, so both cases cost the same time.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    with_permit(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && known
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("an unguessable placeholder that no account uses"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        let email = "emily.dipalma@example.org";
        for weak in [
            "short",
            "elevenchars",
            "aaaaaaaaaaaaaaaa",
            "password1234",
            "Password2024!",
            "123456789012",
            "qwerty123456",
            "iloveyou1234",
            "emily.dipalma@example.org",
            "my emily.dipalma pass",
        ] {
            assert!(check(weak, email).is_err(), "{weak:?} was accepted");
        }
        assert!(check(&"x".repeat(257), email).is_err());
    }

    #[test]
    fn reasonable_passphrases_are_accepted() {
        for ok in [
            "correct pony staple battery",
            "Tide-Pool-Lantern-42",
            "vermilion kettle over the moor",
            "zoë münster 2026 walk",
        ] {
            assert!(check(ok, "a@example.org").is_ok(), "{ok:?} was refused");
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hash = hash(check("vermilion kettle moor", "a@example.org").unwrap()).await;
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify("vermilion kettle moor".into(), Some(hash.clone())).await);
        assert!(!verify("vermilion kettle moo".into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !verify(
                "an unguessable placeholder that no account uses".into(),
                None
            )
            .await
        );
    }
}
