//! A queued message's content, and the MIME message built from it when it is sent:
//! `multipart/alternative` (text, then HTML), inside `multipart/mixed` when there are
//! attachments.

use chrono::{DateTime, Utc};
use lettre::{
    Message,
    message::{Attachment as MimeAttachment, Mailbox, MultiPart, header::ContentType},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::MailSettings;

/// What is sealed in the outbox row: everything but the subject and the address, which staff
/// see in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    /// The recipient's name for the `To` header.
    pub to_name: Option<String>,
    /// The practice as sender, used unless `ATTUNE_MAIL_FROM` says otherwise.
    pub from_name: String,
    pub from_address: String,
    pub text: String,
    pub html: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// After this the message is pointless (a reminder for an appointment that has begun)
    /// and is cancelled instead of sent late.
    pub not_after: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// The full `Content-Type`, e.g. `text/calendar; charset=utf-8; method=REQUEST`.
    pub content_type: String,
    pub body: String,
}

/// A row's message, ready for the transport.
pub struct Outgoing<'a> {
    pub id: Uuid,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub content: &'a Content,
    pub date: DateTime<Utc>,
    /// The host part of the `Message-ID`: the public address's host.
    pub host: &'a str,
}

/// The `Message-ID` of an outbox row: the same on every attempt, so a receiving server that
/// got an attempt whose answer was lost can recognise the retry.
pub fn message_id(id: Uuid, host: &str) -> String {
    format!("<{id}@{host}>")
}

pub fn build(out: &Outgoing<'_>, settings: &MailSettings) -> Result<Message, String> {
    let to = Mailbox::new(
        out.content.to_name.clone(),
        out.recipient
            .parse()
            .map_err(|e| format!("the recipient address is not valid ({e})"))?,
    );
    let from = match &settings.from {
        Some(from) => from.clone(),
        None => Mailbox::new(
            Some(out.content.from_name.clone()),
            out.content
                .from_address
                .parse()
                .map_err(|e| format!("the practice's address is not valid ({e})"))?,
        ),
    };
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(out.subject)
        .message_id(Some(message_id(out.id, out.host)))
        .date(out.date.into());
    if let Some(reply_to) = &settings.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let bodies =
        MultiPart::alternative_plain_html(out.content.text.clone(), out.content.html.clone());
    let message = if out.content.attachments.is_empty() {
        builder.multipart(bodies)
    } else {
        let mut mixed = MultiPart::mixed().multipart(bodies);
        for a in &out.content.attachments {
            let content_type = ContentType::parse(&a.content_type)
                .map_err(|e| format!("attachment type {:?} is not valid ({e})", a.content_type))?;
            mixed = mixed.singlepart(
                MimeAttachment::new(a.filename.clone()).body(a.body.clone(), content_type),
            );
        }
        builder.multipart(mixed)
    };
    message.map_err(|e| format!("the message cannot be built ({e})"))
}
