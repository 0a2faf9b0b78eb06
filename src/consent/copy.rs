//! A signed copy as a PDF, for the partner who signed and for staff: the exact text they
//! were shown, then the signature with the fingerprint of that text.

use super::{documents, markdown, requests::Opened};
use crate::{
    pdf::{self, Block},
    types::{TimeZone, joined},
    when,
};

/// `opened` as a PDF; `practice` names the practice in the footer, `tz` sets the times.
pub fn pdf(opened: &Opened, practice: &str, tz: TimeZone) -> Vec<u8> {
    let v = &opened.version;
    let mut blocks = vec![Block::Title(v.title.clone())];
    blocks.push(Block::Paragraph(format!(
        "{practice}. Version {} of this document.",
        v.version
    )));
    blocks.extend(markdown::to_blocks(&documents::text_of(v)));
    blocks.push(Block::KeepLines(12));
    blocks.push(Block::Rule);
    blocks.push(Block::Heading("Signature".into()));
    let person = joined(
        &opened.participant.first_name,
        &opened.participant.last_name,
    );
    match (opened.request.signed_at, &opened.signature) {
        (Some(at), Some(signature)) => {
            blocks.push(Block::Field("Signed by".into(), signature.name.clone()));
            blocks.push(Block::Field("For".into(), person));
            blocks.push(Block::Field("Signed at".into(), when::with_zone(at, tz)));
            if let Some(ip) = &signature.ip {
                blocks.push(Block::Field("From address".into(), ip.clone()));
            }
            if let Some(ua) = &signature.user_agent {
                blocks.push(Block::Field("Browser".into(), ua.clone()));
            }
            blocks.push(Block::Field(
                "SHA-256 of the text".into(),
                opened.request.text_sha256.clone().unwrap_or_default(),
            ));
            blocks.push(Block::Paragraph(
                "They typed their full name and ticked \"I agree\". The fingerprint identifies the exact text shown to them; the practice's record of this signature is sealed and checked against tampering."
                    .into(),
            ));
            if !opened.intact {
                blocks.push(Block::Paragraph(
                    "Warning: the stored signature no longer matches its integrity check; it was changed outside Attune."
                        .into(),
                ));
            }
        }
        _ => blocks.push(Block::Paragraph(format!("Not signed yet by {person}."))),
    }
    let made = opened.request.signed_at.unwrap_or(v.created_at);
    pdf::render(
        &v.title,
        &format!("{} - signed copy", v.title),
        &blocks,
        made,
    )
}
