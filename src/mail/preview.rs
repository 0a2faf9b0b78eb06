//! What a message looks like before anyone gets it: rendered with made-up people and the
//! practice's own name, for staff deciding whether to override a template.

use std::path::Path;

use sea_orm::ConnectionTrait;

use super::{
    Kind, Mailer,
    templates::{self, PracticeView, Rendered},
};
use crate::{practice::PracticeError, types::PublicUrl};

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Practice(#[from] PracticeError),
    /// A practice's own template that does not render.
    #[error("the template does not render: {0}")]
    Render(#[from] handlebars::RenderError),
}

/// `kind` rendered with sample people, the practice's details and links under `public_url`.
pub async fn render(
    db: &impl ConnectionTrait,
    mailer: &Mailer,
    public_url: &PublicUrl,
    kind: Kind,
) -> Result<Rendered, PreviewError> {
    let practice = crate::practice::settings(db).await?;
    let context = templates::sample(
        PracticeView::from(&practice),
        public_url.link("/").trim_end_matches('/'),
    );
    Ok(mailer.templates.render(kind, &context)?)
}

/// A message's template files, and whether the practice keeps its own copy of any in `dir`.
pub fn template_files(dir: Option<&Path>, kind: Kind) -> (Vec<String>, bool) {
    let files: Vec<String> = ["subject.hbs", "body.txt.hbs", "body.html.hbs"]
        .iter()
        .map(|f| format!("email/{}/{f}", kind.as_str()))
        .collect();
    let overridden = dir.is_some_and(|d| files.iter().any(|f| d.join(f).is_file()));
    (files, overridden)
}
