//! Values checked once at the edge. Past a `parse`, code trusts the type.

mod email;
mod public_url;
mod time_zone;

pub use email::EmailAddress;
pub use public_url::PublicUrl;
pub use time_zone::TimeZone;
