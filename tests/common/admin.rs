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

/// The session cookie a browser signed in as `caller` sends, if any.
fn cookie_of(caller: &Caller) -> Option<String> {
    (!matches!(caller, Caller::Anonymous)).then(|| cookie(caller))
}

impl TestApp {
    /// A page as a browser asks for it, with the `cookie` header it holds, if any.
    pub async fn get_html(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .get(self.url(path))
            .header("accept", "text/html");
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        request.send().await.unwrap()
    }

    /// A form posted as a browser posts it, with the `cookie` header it holds, if any.
    pub async fn post_html(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header("accept", "text/html")
            .form(fields);
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        request.send().await.unwrap()
    }

    /// A dashboard page as `caller`'s browser fetches it.
    pub async fn page(&self, caller: &Caller, path: &str) -> reqwest::Response {
        self.get_html(path, cookie_of(caller).as_deref()).await
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
        self.post_html(path, cookie_of(caller).as_deref(), fields)
            .await
    }
}
