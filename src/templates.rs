//! Handlebars templates, compiled into the binary and registered once at start-up.
//!
//! Strict mode: a template that names a value its context does not have is an error, caught by
//! the tests, instead of an empty gap on a client's page. A practice may replace any template
//! file by putting its own at the same path under `ATTUNE_TEMPLATES_DIR`; a file there that
//! does not compile stops start-up, naming the file and the line.

use std::{
    borrow::Cow,
    fmt,
    path::{Path, PathBuf},
};

use handlebars::Handlebars;
use serde::Serialize;

/// A template shipped in the binary.
pub struct Embedded {
    /// The name it is rendered or included under.
    pub name: &'static str,
    /// Its path under `templates/` (and under `ATTUNE_TEMPLATES_DIR`).
    pub path: &'static str,
    pub source: &'static str,
}

/// An [`Embedded`] template from `templates/<path>`.
#[macro_export]
macro_rules! embedded_template {
    ($name:literal, $path:literal) => {
        $crate::templates::Embedded {
            name: $name,
            path: $path,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)),
        }
    };
}

/// The page templates.
const PAGES: &[Embedded] = &[
    embedded_template!("layout", "partials/layout.hbs"),
    embedded_template!("field", "partials/field.hbs"),
    embedded_template!("intake_item", "partials/intake_item.hbs"),
    embedded_template!("client_notices", "partials/client_notices.hbs"),
    embedded_template!("pages/home", "pages/home.hbs"),
    embedded_template!("pages/problems", "pages/problems.hbs"),
    embedded_template!("pages/error", "pages/error.hbs"),
    embedded_template!("pages/book_types", "pages/book_types.hbs"),
    embedded_template!("pages/book_times", "pages/book_times.hbs"),
    embedded_template!("pages/book_details", "pages/book_details.hbs"),
    embedded_template!("pages/booking", "pages/booking.hbs"),
    embedded_template!("pages/booking_cancel", "pages/booking_cancel.hbs"),
    embedded_template!("pages/intake", "pages/intake.hbs"),
    embedded_template!("pages/intake_done", "pages/intake_done.hbs"),
    embedded_template!("pages/join", "pages/join.hbs"),
    embedded_template!("pages/consent", "pages/consent.hbs"),
    embedded_template!("pages/portal", "pages/portal.hbs"),
    embedded_template!("pages/admin/login", "pages/admin/login.hbs"),
    embedded_template!("admin_layout", "partials/admin_layout.hbs"),
    embedded_template!("pages/admin/agenda", "pages/admin/agenda.hbs"),
    embedded_template!("pages/admin/appointment", "pages/admin/appointment.hbs"),
    embedded_template!("pages/admin/series", "pages/admin/series.hbs"),
    embedded_template!("pages/admin/clients", "pages/admin/clients.hbs"),
    embedded_template!("pages/admin/client", "pages/admin/client.hbs"),
    embedded_template!("pages/admin/note_new", "pages/admin/note_new.hbs"),
    embedded_template!("pages/admin/note", "pages/admin/note.hbs"),
    embedded_template!("pages/admin/note_sign", "pages/admin/note_sign.hbs"),
    embedded_template!("pages/admin/psychotherapy", "pages/admin/psychotherapy.hbs"),
    embedded_template!("pages/admin/settings", "pages/admin/settings.hbs"),
    embedded_template!("pages/admin/hours", "pages/admin/hours.hbs"),
    embedded_template!("pages/admin/calendar", "pages/admin/calendar.hbs"),
    embedded_template!("pages/admin/audit", "pages/admin/audit.hbs"),
    embedded_template!("admin_fields", "partials/admin_fields.hbs"),
    embedded_template!("pages/admin/form", "pages/admin/form.hbs"),
    embedded_template!("pages/admin/table", "pages/admin/table.hbs"),
    embedded_template!("pages/admin/email_preview", "pages/admin/email_preview.hbs"),
    embedded_template!("pages/admin/response", "pages/admin/response.hbs"),
    embedded_template!("pages/admin/billing", "pages/admin/billing.hbs"),
    embedded_template!("pages/admin/diagnoses", "pages/admin/diagnoses.hbs"),
    embedded_template!("pages/admin/measures", "pages/admin/measures.hbs"),
    embedded_template!("pages/admin/invoice", "pages/admin/invoice.hbs"),
    embedded_template!(
        "pages/admin/client_billing",
        "pages/admin/client_billing.hbs"
    ),
    embedded_template!(
        "pages/admin/consent_version",
        "pages/admin/consent_version.hbs"
    ),
];

/// A template that cannot be used, with where.
#[derive(Debug, thiserror::Error)]
pub struct TemplateLoadError {
    /// As the practice would find it: `templates/…` or the override directory's file.
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for TemplateLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Where the practice's own templates are, if anywhere.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    dir: Option<PathBuf>,
}

impl Overrides {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// The template's text: the practice's file if there is one, else the built-in one;
    /// with the file name to report.
    pub fn source(&self, t: &Embedded) -> Result<(Cow<'static, str>, String), TemplateLoadError> {
        if let Some(dir) = &self.dir {
            let path = dir.join(t.path);
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok((Cow::Owned(text), path.display().to_string())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(TemplateLoadError {
                        file: path.display().to_string(),
                        line: None,
                        column: None,
                        message: format!("cannot be read ({e})"),
                    });
                }
            }
        }
        Ok((Cow::Borrowed(t.source), format!("templates/{}", t.path)))
    }

    /// Registers `t` in `registry` as a template or (for partials) a partial.
    pub fn register(
        &self,
        registry: &mut Handlebars<'static>,
        t: &Embedded,
        partial: bool,
    ) -> Result<(), TemplateLoadError> {
        let (source, file) = self.source(t)?;
        let result = if partial {
            registry.register_partial(t.name, source.as_ref())
        } else {
            registry.register_template_string(t.name, source.as_ref())
        };
        result.map_err(|e| {
            let (line, column) = e.pos().map_or((None, None), |(l, c)| (Some(l), Some(c)));
            TemplateLoadError {
                file,
                line,
                column,
                message: e.reason().to_string(),
            }
        })
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

/// A registry in strict mode, not indenting partials.
pub fn strict_registry() -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.set_prevent_indent(true);
    registry
}

pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    /// The page templates, each from `overrides` where the practice has its own.
    pub fn load(overrides: &Overrides) -> Result<Self, TemplateLoadError> {
        let mut registry = strict_registry();
        for t in PAGES {
            overrides.register(&mut registry, t, !t.name.starts_with("pages/"))?;
        }
        Ok(Self { registry })
    }

    pub fn render(
        &self,
        name: &str,
        context: &impl Serialize,
    ) -> Result<String, handlebars::RenderError> {
        self.registry.render(name, context)
    }
}
