//! Calendar helpers: feeds as a calendar app reads them, and a small calendar server to
//! import busy times from.

use std::sync::{Arc, Mutex};

use ical::{IcalParser, parser::ical::component::IcalCalendar, property::Property};
use poem::{
    EndpointExt, Request, Response, Route, Server, handler,
    http::{StatusCode, header},
    listener::TcpAcceptor,
    web::Data,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Caller, TestApp, assert_status};

impl TestApp {
    /// The id of the practitioner the first start created.
    pub async fn first_practitioner_id(&self) -> String {
        let body = self
            .get_json("/api/v1/public/practice", reqwest::StatusCode::OK)
            .await;
        body["practitioners"][0]["id"].as_str().unwrap().to_owned()
    }

    /// Creates (or rotates) `practitioner`'s feed as `caller`; the answer.
    pub async fn issue_feed(&self, caller: &Caller, practitioner: &str, body: Value) -> Value {
        let response = self
            .send_as(
                caller,
                Method::POST,
                &format!("/api/v1/practitioners/{practitioner}/calendar-feed"),
                body,
            )
            .await;
        let status = response.status();
        assert!(
            status == reqwest::StatusCode::CREATED || status == reqwest::StatusCode::OK,
            "{status}"
        );
        response.json().await.unwrap()
    }

    /// Fetches a feed as a calendar app would, returning the response.
    pub async fn fetch_feed(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.unwrap()
    }

    /// The feed's text, asserting a 200 calendar.
    pub async fn feed_text(&self, url: &str) -> String {
        let response = self.fetch_feed(url).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/calendar; charset=utf-8"
        );
        response.text().await.unwrap()
    }
}

/// The one calendar in `text`, parsed as a calendar app would.
pub fn parse_calendar(text: &str) -> IcalCalendar {
    let mut parser = IcalParser::new(text.as_bytes());
    let calendar = parser
        .next()
        .expect("a calendar")
        .unwrap_or_else(|e| panic!("the calendar does not parse: {e}\n{text}"));
    assert!(parser.next().is_none(), "one calendar only");
    calendar
}

/// The first value of `name` among `props`.
pub fn prop<'a>(props: &'a [Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

/// RFC 5545's rules for the text itself: CRLF line ends, no line over 75 octets.
pub fn assert_well_formed(text: &str) {
    assert!(text.ends_with("\r\n"));
    for line in text[..text.len() - 2].split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    }
}

/// A TEXT value as a calendar app reads it.
pub fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// A user linked to a practitioner, signed in.
pub async fn practitioner_user(app: &TestApp, owner: &Caller, practitioner: &str) -> Caller {
    let email = format!(
        "linked-{}@example.org",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/staff",
            json!({"email": email, "name": "Linked Clinician", "role": "clinician",
                   "practitioner_id": practitioner, "password": super::staff::PASSWORD}),
        )
        .await,
        reqwest::StatusCode::CREATED,
    )
    .await;
    let body = assert_status(
        app.try_login(&email, super::staff::PASSWORD).await,
        reqwest::StatusCode::OK,
    )
    .await;
    Caller::Cookie {
        token: body["token"].as_str().unwrap().to_owned(),
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        with_csrf: true,
    }
}

/// What the calendar server answers, and what it was asked.
#[derive(Default)]
pub struct Served {
    pub body: String,
    pub etag: String,
    /// Anything but 200 makes every request fail with it.
    pub status: u16,
    /// The `If-None-Match` of each request, in order.
    pub seen: Vec<Option<String>>,
    /// Waits this long before answering.
    pub delay: std::time::Duration,
    /// Answers every request with a redirect here instead.
    pub redirect_to: Option<String>,
    /// Sends the body in pieces, without a `Content-Length`.
    pub chunked: bool,
}

/// A calendar server on loopback, as Google or iCloud would serve a private address.
pub struct CalendarServer {
    pub url: String,
    pub state: Arc<Mutex<Served>>,
    _task: tokio::task::JoinHandle<()>,
}

impl CalendarServer {
    pub async fn start(body: &str) -> Self {
        let state = Arc::new(Mutex::new(Served {
            body: body.to_owned(),
            etag: "\"v1\"".into(),
            status: 200,
            ..Served::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = Route::new()
            .at("/calendar.ics", poem::get(serve))
            .at("/moved.ics", poem::get(serve))
            .data(state.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let task = tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            url: format!("http://127.0.0.1:{port}/calendar.ics"),
            state,
            _task: task,
        }
    }

    /// Serves a new version of the file.
    pub fn publish(&self, body: &str, etag: &str) {
        let mut state = self.state.lock().unwrap();
        state.body = body.to_owned();
        state.etag = etag.to_owned();
        state.status = 200;
    }

    pub fn fail_with(&self, status: u16) {
        self.state.lock().unwrap().status = status;
    }

    /// Changes how the server misbehaves.
    pub fn set(&self, change: impl FnOnce(&mut Served)) {
        change(&mut self.state.lock().unwrap());
    }

    pub fn requests(&self) -> Vec<Option<String>> {
        self.state.lock().unwrap().seen.clone()
    }
}

impl Drop for CalendarServer {
    fn drop(&mut self) {
        self._task.abort();
    }
}

#[handler]
async fn serve(req: &Request, Data(state): Data<&Arc<Mutex<Served>>>) -> Response {
    let (delay, redirect, chunked, status, etag, body, asked) = {
        let mut state = state.lock().unwrap();
        let asked = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        state.seen.push(asked.clone());
        (
            state.delay,
            state.redirect_to.clone(),
            state.chunked,
            state.status,
            state.etag.clone(),
            state.body.clone(),
            asked,
        )
    };
    tokio::time::sleep(delay).await;
    if let Some(to) = redirect.filter(|_| req.uri().path() == "/calendar.ics") {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, to)
            .finish();
    }
    if status != 200 {
        return Response::builder()
            .status(StatusCode::from_u16(status).unwrap())
            .finish();
    }
    if asked.as_deref() == Some(etag.as_str()) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .finish();
    }
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(header::ETAG, etag)
        .content_type("text/calendar");
    if chunked {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> = body
            .into_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok(c.to_vec()))
            .collect();
        response.body(poem::Body::from_bytes_stream(futures_util::stream::iter(
            pieces,
        )))
    } else {
        response.body(body)
    }
}
