use std::fmt;

use url::Url;

/// The address clients and calendar apps reach Attune at, e.g. `https://book.example.org`.
/// Kept without a trailing slash so links join cleanly.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn new(url: &Url) -> Self {
        Self(url.as_str().trim_end_matches('/').to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `path` must start with `/`.
    pub fn link(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "{path}");
        format!("{}{path}", self.0)
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The host name alone (`book.example.org`), which names Attune in calendar UIDs: it
    /// stays the same when the scheme or port changes.
    pub fn host(&self) -> String {
        Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "attune.invalid".to_owned())
    }

    /// The link with the `webcal://` scheme, which opens the subscribe dialog of a calendar
    /// app instead of downloading the file once.
    pub fn webcal_link(&self, path: &str) -> String {
        let link = self.link(path);
        let rest = link
            .split_once("://")
            .map_or(link.as_str(), |(_, rest)| rest);
        format!("webcal://{rest}")
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicUrl({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_join_without_doubled_slashes() {
        let root = PublicUrl::new(&Url::parse("http://127.0.0.1:8080/").unwrap());
        assert_eq!(root.as_str(), "http://127.0.0.1:8080");
        assert_eq!(root.link("/book"), "http://127.0.0.1:8080/book");
        let https = PublicUrl::new(&Url::parse("https://book.example.org").unwrap());
        assert_eq!(https.link("/book"), "https://book.example.org/book");
        assert!(https.is_https());
    }

    #[test]
    fn the_host_names_attune_and_webcal_links_open_a_subscription() {
        let url = PublicUrl::new(&Url::parse("https://book.example.org:8443/").unwrap());
        assert_eq!(url.host(), "book.example.org");
        assert_eq!(
            url.webcal_link("/calendar/x.ics"),
            "webcal://book.example.org:8443/calendar/x.ics"
        );
        let local = PublicUrl::new(&Url::parse("http://127.0.0.1:8080").unwrap());
        assert_eq!(local.host(), "127.0.0.1");
        assert_eq!(local.webcal_link("/c"), "webcal://127.0.0.1:8080/c");
    }
}
