//! Static files compiled into the binary, so a deployment is one file and nothing is ever
//! fetched from a CDN.

use poem::{Response, handler, http::StatusCode, web::Path};

use crate::error::ApiError;

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
