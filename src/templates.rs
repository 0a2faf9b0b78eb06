//! Handlebars templates, compiled into the binary and registered once at start-up.
//!
//! Strict mode: a template that names a value its context does not have is an error, caught by
//! the tests, instead of an empty gap on a client's page.

use handlebars::Handlebars;
use serde::Serialize;

/// Every template, by the name it is rendered under.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout", include_str!("../templates/partials/layout.hbs")),
    ("field", include_str!("../templates/partials/field.hbs")),
    ("pages/home", include_str!("../templates/pages/home.hbs")),
    (
        "pages/problems",
        include_str!("../templates/pages/problems.hbs"),
    ),
    ("pages/error", include_str!("../templates/pages/error.hbs")),
    (
        "pages/book_types",
        include_str!("../templates/pages/book_types.hbs"),
    ),
    (
        "pages/book_times",
        include_str!("../templates/pages/book_times.hbs"),
    ),
    (
        "pages/book_details",
        include_str!("../templates/pages/book_details.hbs"),
    ),
    (
        "pages/booking",
        include_str!("../templates/pages/booking.hbs"),
    ),
    (
        "pages/booking_cancel",
        include_str!("../templates/pages/booking_cancel.hbs"),
    ),
];

pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    pub fn load() -> Result<Self, Box<handlebars::TemplateError>> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.set_prevent_indent(true);
        for (name, source) in TEMPLATES {
            if name.starts_with("pages/") {
                registry.register_template_string(name, source)?;
            } else {
                registry.register_partial(name, source)?;
            }
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
