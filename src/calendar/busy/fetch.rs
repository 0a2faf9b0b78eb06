//! Fetching an outside calendar: conditional, bounded in time and size, and never towards
//! the server's own network unless the operator allows it.
//!
//! The address is typed by staff, so it could point at a database admin page or a cloud
//! metadata service inside the network Attune runs in. Every address a name resolves to is
//! checked, on every redirect too, before a connection is made.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use futures_util::FutureExt as _;
use reqwest::{
    StatusCode,
    dns::{Addrs, Name, Resolve, Resolving},
    header, redirect,
};
use url::Url;

/// The largest calendar file read.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// The result of a fetch that worked.
#[derive(Debug)]
pub enum Fetched {
    /// The validators still match: the last good copy stands.
    NotModified,
    Body {
        text: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// Why a fetch failed, in words fit for the source's status (no content of the file).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the address must start with http:// or https://")]
    Scheme,
    #[error("the address leads to a private or local network address, which is not allowed")]
    Private,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the file is larger than 5 MiB")]
    TooLarge,
    #[error("the server took too long to answer")]
    Timeout,
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("could not fetch the calendar: {0}")]
    Network(String),
}

/// Fetches calendars. One per application: it keeps connections for reuse.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow_private: bool,
}

impl Fetcher {
    pub fn new(timeout: Duration, allow_private: bool) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let redirects = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if !allow_private && literal_is_private(attempt.url()) {
                attempt.error(FetchError::Private)
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                attempt.error(FetchError::Scheme)
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(GuardedResolver { allow_private })
            .redirect(redirects)
            // A proxy would resolve the name itself, past the guard.
            .no_proxy()
            // The address is usually a secret of the other calendar; a redirect must not
            // carry it to another host.
            .referer(false)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!(
                "Attune/",
                env!("CARGO_PKG_VERSION"),
                " (busy-time import)"
            ))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Fetches `url`, sending the validators of the last good copy.
    pub async fn fetch(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme);
        }
        if !self.allow_private && literal_is_private(url) {
            return Err(FetchError::Private);
        }
        let mut request = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, "text/calendar, */*;q=0.5");
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(at) = last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, at);
        }
        let mut response = request.send().await.map_err(failure)?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header_text(header::ETAG);
        let last_modified = header_text(header::LAST_MODIFIED);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body).map_err(|_| FetchError::NotText)?;
        Ok(Fetched::Body {
            text,
            etag,
            last_modified,
        })
    }
}

fn failure(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    // The resolver's and redirect policy's own refusals, wrapped by reqwest.
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = source {
        if err.downcast_ref::<FetchError>().is_some() || err.to_string() == PRIVATE_ONLY {
            return FetchError::Private;
        }
        source = err.source();
    }
    // Without the address: it may hold a secret of the other calendar.
    FetchError::Network(
        std::error::Error::source(&e)
            .map_or_else(|| "the connection failed".to_owned(), |s| s.to_string()),
    )
}

const PRIVATE_ONLY: &str = "the name resolves only to private or local addresses";

/// Resolves names with the system resolver, keeping only public addresses.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(PRIVATE_ONLY.into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        }
        .boxed()
    }
}

/// Whether the URL's host is an IP address that is not public. (Names are checked when
/// they are resolved.)
fn literal_is_private(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")
        }
        None => true,
    }
}

/// An address on the public internet: not loopback, private, link-local, shared, reserved,
/// documentation, multicast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    // Addresses that carry an IPv4 address inside: judged by that address.
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // NAT64, 64:ff9b::/96 and 64:ff9b:1::/48.
    if first == 0x64 && segments[1] == 0xff9b {
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    // 6to4, 2002::/16.
    if first == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    // Only global unicast, 2000::/3, and within it not the special-purpose blocks. Listing
    // what is allowed rather than what is not is what keeps the odd forms out: IPv4-
    // compatible `::a.b.c.d`, site-local `fec0::/10`, discard-only `100::/64`, and whatever
    // is assigned next outside 2000::/3.
    (first & 0xe000) == 0x2000
        // IETF protocol assignments, 2001::/23 (Teredo, ORCHID, benchmarking …).
        && !(first == 0x2001 && segments[1] < 0x0200)
        // Documentation, 2001:db8::/32 and 3fff::/20.
        && !(first == 0x2001 && segments[1] == 0x0db8)
        && (first & 0xfff0) != 0x3ff0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:c0a8:101::1",
            // IPv4-compatible (deprecated) with a private address inside, site-local,
            // discard-only, Teredo, the newer documentation block.
            "::10.0.0.1",
            "::127.0.0.1",
            "fec0::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "3fff::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "142.250.80.46",
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:4860:4860::8888",
            "2002:808:808::1",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_before_connecting() {
        for url in [
            "http://127.0.0.1:8080/x.ics",
            "http://[::1]/x.ics",
            "http://localhost/x.ics",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(literal_is_private(&Url::parse(url).unwrap()), "{url}");
        }
        assert!(!literal_is_private(
            &Url::parse("https://calendar.google.com/calendar/ical/x/basic.ics").unwrap()
        ));
    }
}
