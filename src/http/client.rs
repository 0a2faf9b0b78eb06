//! Who is on the other end of a request: address and user agent, for rate limits and the
//! audit log.

use std::net::IpAddr;

use poem::Request;

use crate::audit::Origin;

/// The client's address. Behind a reverse proxy (`ATTUNE_TRUST_PROXY=true`) that is the last
/// `X-Forwarded-For` entry, the one our proxy added; earlier entries come from the client and
/// can say anything. Without a proxy, the header is ignored for the same reason.
pub fn ip(req: &Request, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(forwarded) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .next_back()
            .and_then(|v| v.parse::<IpAddr>().ok())
    {
        return Some(forwarded);
    }
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

pub fn origin(req: &Request, trust_proxy: bool, request_id: &str) -> Origin {
    Origin {
        ip: ip(req, trust_proxy).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(poem::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        request_id: Some(request_id.to_owned()),
    }
}
