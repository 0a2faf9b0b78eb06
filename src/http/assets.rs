//! Static files compiled into the binary, so a deployment is one file and nothing is ever
//! fetched from a CDN.

use poem::{Response, handler, http::StatusCode, web::Path};

use crate::http::problem::ApiError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "attune.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/attune.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/admin.js"),
    ),
    (
        "book.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/book.js"),
    ),
    (
        "intake.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/intake.js"),
    ),
];

#[handler]
pub async fn serve(Path(file): Path<String>) -> poem::Result<Response> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::not_found("No such asset."))?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type(*content_type)
        .header("cache-control", "public, max-age=3600")
        .body(*body))
}

#[cfg(test)]
mod tests {
    /// The stylesheet's colour pairs that carry text meet WCAG AA (4.5:1 for body text).
    const CSS: &str = include_str!("../../assets/attune.css");

    /// A colour from the stylesheet: `--name`'s value, or a literal `#rrggbb`.
    fn colour(name: &str) -> (f64, f64, f64) {
        let hex = if let Some(var) = name.strip_prefix("--") {
            let at = CSS.find(&format!("--{var}:")).expect(name);
            CSS[at..].split('#').nth(1).unwrap()[..6].to_owned()
        } else {
            name.trim_start_matches('#').to_owned()
        };
        let part = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        (part(0), part(2), part(4))
    }

    fn luminance(name: &str) -> f64 {
        let linear = |c: f64| {
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = colour(name);
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    fn contrast(text: &str, background: &str) -> f64 {
        let (a, b) = (luminance(text), luminance(background));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn text_colours_meet_aa_contrast_on_their_backgrounds() {
        for (text, background) in [
            ("--ink", "--wash"),
            ("--ink", "--paper"),
            ("--muted", "--wash"),
            ("--muted", "--paper"),
            ("--accent", "--wash"),
            ("--accent-ink", "--accent"),
            ("--danger", "--paper"),
            ("--danger", "#fff5f5"),
            ("--danger", "#fde8e8"),
            ("#7c5e10", "#fff3c4"),
            ("#4a5560", "--wash"),
            ("--ink", "#eef6f6"),
        ] {
            let ratio = contrast(text, background);
            assert!(ratio >= 4.5, "{text} on {background}: {ratio:.2}");
        }
    }
}
