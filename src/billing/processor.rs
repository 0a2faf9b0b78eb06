//! The seam for taking card payments online. None ships: a processor (Stripe, Square ...)
//! needs its service reachable to be built and tested against, and none is from where this
//! is made. One plugs in by implementing [`CardProcessor`] and being chosen by
//! `ATTUNE_CARD_PROCESSOR`; what it reports as paid is recorded like any other payment
//! (method `online_card`), so invoices, statements and superbills need nothing new.

use std::future::Future;
use std::pin::Pin;

use uuid::Uuid;

/// Where to send a partner to pay, and the processor's own reference for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    pub url: String,
    pub reference: String,
}

/// A payment the processor reports as completed, after checking it came from the processor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    pub invoice_id: Uuid,
    pub amount_minor: i64,
    pub reference: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    /// No processor is configured.
    #[error("no online card processor is configured")]
    Unavailable,
    /// A notification whose signature does not check out.
    #[error("the notification is not from the processor")]
    Forged,
    #[error("the processor failed: {0}")]
    Failed(String),
}

pub type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProcessorError>> + Send + 'a>>;

pub trait CardProcessor: Send + Sync {
    /// Its name as `ATTUNE_CARD_PROCESSOR` gives it.
    fn name(&self) -> &'static str;

    /// Starts paying `amount_minor` of invoice `invoice_id` in `currency`; the partner comes
    /// back to `return_url` whatever the outcome. Card numbers never reach Attune.
    fn checkout<'a>(
        &'a self,
        invoice_id: Uuid,
        amount_minor: i64,
        currency: &'a str,
        return_url: &'a str,
    ) -> Answer<'a, Checkout>;

    /// Checks a notification the processor sent (`payload` as received, with its signature
    /// header) and answers the payment it reports.
    fn completed<'a>(&'a self, payload: &'a [u8], signature: &'a str) -> Answer<'a, Completed>;
}

/// What runs when none is configured: every attempt is refused plainly.
pub struct NoProcessor;

impl CardProcessor for NoProcessor {
    fn name(&self) -> &'static str {
        "none"
    }

    fn checkout<'a>(
        &'a self,
        _invoice_id: Uuid,
        _amount_minor: i64,
        _currency: &'a str,
        _return_url: &'a str,
    ) -> Answer<'a, Checkout> {
        Box::pin(async { Err(ProcessorError::Unavailable) })
    }

    fn completed<'a>(&'a self, _payload: &'a [u8], _signature: &'a str) -> Answer<'a, Completed> {
        Box::pin(async { Err(ProcessorError::Unavailable) })
    }
}

/// The processor `name` (from the settings, already checked) stands for.
pub fn from_setting(name: &str) -> Box<dyn CardProcessor> {
    debug_assert_eq!(name, "none", "the settings accept no other");
    Box::new(NoProcessor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_processor_every_attempt_is_refused() {
        let p = from_setting("none");
        assert_eq!(p.name(), "none");
        assert!(matches!(
            p.checkout(Uuid::nil(), 100, "USD", "https://x.example/")
                .await,
            Err(ProcessorError::Unavailable)
        ));
        assert!(matches!(
            p.completed(b"{}", "sig").await,
            Err(ProcessorError::Unavailable)
        ));
    }
}
