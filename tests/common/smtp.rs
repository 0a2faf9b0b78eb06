//! A real SMTP server on loopback for the tests: mailin's protocol state machine behind a
//! tokio listener, one per test on its own port. It keeps every message it accepts, raw, and
//! can be told to refuse recipients (550), to turn connections away (421) or to be down.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use mailin::{Action, Handler, Response, SessionBuilder, response};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    task::JoinHandle,
};

/// How the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// `550 Mailbox unavailable` for every recipient: a permanent refusal.
    RejectRecipients,
    /// `421` on connect: busy, try later.
    Busy,
}

/// One accepted message.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as it came over the wire (dot-unstuffed), headers and all.
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    mode: Option<Mode>,
    received: Vec<Received>,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: Option<JoinHandle<()>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, Arc::default())
    }

    /// A port with nothing listening on it yet: connections are refused until
    /// [`SmtpServer::come_up`].
    pub async fn down() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        Self {
            addr,
            shared: Arc::default(),
            task: None,
        }
    }

    /// Starts listening on the port reserved by [`SmtpServer::down`].
    pub async fn come_up(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        let served = Self::serve(listener, self.shared.clone());
        let mut served = served;
        self.task = served.task.take();
    }

    fn serve(listener: TcpListener, shared: Arc<Mutex<Shared>>) -> Self {
        let addr = listener.local_addr().unwrap();
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, peer)) = listener.accept().await {
                tokio::spawn(session(socket, peer, state.clone()));
            }
        });
        Self {
            addr,
            shared,
            task: Some(task),
        }
    }

    /// `smtp://127.0.0.1:<port>`: plain SMTP, no TLS, as a local catcher speaks.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().unwrap().mode = Some(mode);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// The messages to one address.
    pub fn received_by(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// The plain-text part of each message to `address` whose raw form contains `marker`,
    /// oldest first.
    pub fn texts_to(&self, address: &str, marker: &str) -> Vec<String> {
        self.received_by(address)
            .into_iter()
            .filter(|m| m.raw.contains(marker))
            .map(|m| {
                let parsed = mailparse::parse_mail(m.raw.as_bytes()).unwrap();
                parsed
                    .subparts
                    .iter()
                    .find_map(|p| {
                        p.subparts
                            .iter()
                            .chain(std::iter::once(p))
                            .find(|q| q.ctype.mimetype == "text/plain")
                            .map(|q| q.get_body().unwrap())
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Collector {
    shared: Arc<Mutex<Shared>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Collector {
    fn mode(&self) -> Mode {
        self.shared.lock().unwrap().mode.unwrap_or(Mode::Accept)
    }
}

impl Handler for Collector {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, _from: &str) -> Response {
        self.to.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if self.mode() == Mode::RejectRecipients {
            return response::NO_MAILBOX;
        }
        self.to.push(to.to_owned());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        self.shared.lock().unwrap().received.push(message);
        response::OK
    }
}

async fn session(socket: tokio::net::TcpStream, peer: SocketAddr, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = socket.into_split();
    let busy = shared.lock().unwrap().mode == Some(Mode::Busy);
    if busy {
        let _ = write
            .write_all(&response::NO_SERVICE.buffer().unwrap())
            .await;
        return;
    }
    let handler = Collector {
        shared,
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = SessionBuilder::new("attune-test").build(peer.ip(), handler);
    if write
        .write_all(&session.greeting().buffer().unwrap())
        .await
        .is_err()
    {
        return;
    }
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => continue,
            Action::Reply => {
                if write.write_all(&response.buffer().unwrap()).await.is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = write.write_all(&response.buffer().unwrap()).await;
                return;
            }
        }
    }
}

/// Queues a plain message straight into the outbox, due at `at`: for tests of the sender that
/// need many messages or a kind nothing sends yet.
pub async fn queue_plain(
    state: &attune::AppState,
    kind: attune::mail::Kind,
    recipient: &str,
    key: &str,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    use attune::mail::{compose::Content, outbox};
    outbox::enqueue(
        &state.db,
        &state.keys,
        outbox::NewEmail {
            kind,
            recipient: recipient.to_owned(),
            subject: format!("About {key}"),
            content: Content {
                to_name: None,
                from_name: "Practice".into(),
                from_address: "practice@example.org".into(),
                text: text.to_owned(),
                html: format!("<p>{text}</p>"),
                attachments: Vec::new(),
                not_after: None,
            },
            scheduled_at: at,
            key: key.to_owned(),
            appointment_id: None,
            intake_id: None,
        },
        at,
    )
    .await
    .unwrap();
}
