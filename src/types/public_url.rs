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
}
