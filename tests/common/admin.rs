//! The dashboard as a browser uses it: the session cookie, HTML pages, forms that carry the
//! page's CSRF token.

use reqwest::StatusCode;

use super::{Caller, TestApp};

/// Where a redirect leads.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The page's HTML, after checking its status.
pub async fn html(r: reqwest::Response, status: StatusCode) -> String {
    let got = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

fn cookie(caller: &Caller) -> String {
    format!("attune_session={}", caller.token())
}

fn csrf(caller: &Caller) -> String {
    match caller {
        Caller::Cookie { csrf, .. } => csrf.clone(),
        _ => String::new(),
    }
}

impl TestApp {
    /// A dashboard page as `caller`'s browser fetches it.
    pub async fn page(&self, caller: &Caller, path: &str) -> reqwest::Response {
        let mut request = self
            .client
            .get(self.url(path))
            .header("accept", "text/html");
        if !matches!(caller, Caller::Anonymous) {
            request = request.header("cookie", cookie(caller));
        }
        request.send().await.unwrap()
    }

    /// A dashboard form sent with the session's CSRF token.
    pub async fn submit(
        &self,
        caller: &Caller,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = csrf(caller);
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.submit_raw(caller, path, &all).await
    }

    /// A form sent exactly as given (no CSRF token added).
    pub async fn submit_raw(
        &self,
        caller: &Caller,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header("accept", "text/html")
            .form(fields);
        if !matches!(caller, Caller::Anonymous) {
            request = request.header("cookie", cookie(caller));
        }
        request.send().await.unwrap()
    }
}
