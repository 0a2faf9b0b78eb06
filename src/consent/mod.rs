//! Consent documents each partner signs: informed consent, the couples confidentiality
//! policy, telehealth consent and practice policies. Each is a series of versions kept
//! forever, so a signature always points at the exact text that was given.

pub mod builtin;
pub mod copy;
pub mod documents;
pub mod followups;
pub mod markdown;
pub mod reminders;
pub mod requests;
pub mod requirements;
pub mod revision;

use sea_orm::DbErr;

/// What a document is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    InformedConsent,
    Confidentiality,
    Telehealth,
    PracticePolicies,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::InformedConsent,
        Kind::Confidentiality,
        Kind::Telehealth,
        Kind::PracticePolicies,
        Kind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::InformedConsent => "informed_consent",
            Kind::Confidentiality => "confidentiality",
            Kind::Telehealth => "telehealth",
            Kind::PracticePolicies => "practice_policies",
            Kind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// How a couples therapist handles what one partner tells her alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretsPolicy {
    /// Nothing relevant to the couple's work is kept from the other partner.
    NoSecrets,
    /// The therapist may keep some things private, using her judgement.
    LimitedSecrets,
}

impl SecretsPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretsPolicy::NoSecrets => "no_secrets",
            SecretsPolicy::LimitedSecrets => "limited_secrets",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [SecretsPolicy::NoSecrets, SecretsPolicy::LimitedSecrets]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("no such consent document")]
    NotFound,
    #[error("no such client")]
    UnknownClient,
    #[error("already signed")]
    AlreadySigned,
    /// A sealed link cannot be opened with the configured keys.
    #[error("a stored signing link cannot be decrypted with the configured keys")]
    Unreadable,
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    #[error(transparent)]
    Db(#[from] DbErr),
}
