//! Server-rendered pages: the front page, booking and managing a booking, and the
//! problem-type reference. Plain HTML forms that work without JavaScript; one stylesheet.

pub mod admin;
pub mod booking;
pub mod consent;
pub mod intake;
pub mod join;
pub mod portal;

use poem::{
    IntoResponse, Response, handler,
    http::StatusCode,
    web::{Data, Html, Path},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    AppState,
    http::problem::{ApiError, ProblemKind},
    practice,
};

/// What a page handler answers: a failure is an [`ApiError`], so `?` works on every
/// capability's errors, and the middleware shows it as an error page.
pub type PageResult<T = Response> = Result<T, ApiError>;

#[derive(Serialize)]
struct ProblemEntry {
    slug: &'static str,
    status: u16,
    title: &'static str,
    explanation: &'static str,
}

#[handler]
pub async fn home(Data(state): Data<&AppState>) -> PageResult {
    page(state, StatusCode::OK, "pages/home", "Welcome", json!({})).await
}

#[handler]
pub async fn problems(Data(state): Data<&AppState>) -> PageResult {
    render_problems(state, ProblemKind::ALL.to_vec()).await
}

#[handler]
pub async fn problem(Data(state): Data<&AppState>, Path(slug): Path<String>) -> PageResult {
    let kind = ProblemKind::ALL
        .into_iter()
        .find(|k| k.slug() == slug)
        .ok_or_else(|| ApiError::not_found("There is no problem type of that name."))?;
    render_problems(state, vec![kind]).await
}

async fn render_problems(state: &AppState, kinds: Vec<ProblemKind>) -> PageResult {
    let entries: Vec<ProblemEntry> = kinds
        .into_iter()
        .map(|k| ProblemEntry {
            slug: k.slug(),
            status: k.status().as_u16(),
            title: k.title(),
            explanation: k.explanation(),
        })
        .collect();
    page(
        state,
        StatusCode::OK,
        "pages/problems",
        "Problem types",
        json!({ "problems": entries }),
    )
    .await
}

/// A field's problem as a sentence beside it: "Your email is not an email address."
pub(crate) fn sentence(label: &str, message: &str) -> String {
    format!("{label} {}.", message.trim_end_matches('.'))
}

/// Renders `template` inside the layout. `context` is merged with what every page shows (the
/// practice's name, the page title).
pub async fn page(
    state: &AppState,
    status: StatusCode,
    template: &str,
    title: &str,
    context: Value,
) -> PageResult {
    let practice_name = practice::settings(&state.db).await?.name;
    let mut context = context;
    if let Value::Object(map) = &mut context {
        map.insert("practice_name".into(), practice_name.into());
        map.insert("page_title".into(), title.into());
    }
    render_html(state, status, template, &context)
}

/// What a client reads of fees before committing to anything: the late-cancellation and
/// no-show policy and, where the practice gives them, the right to a Good Faith Estimate.
pub async fn client_notices(state: &AppState) -> Result<Value, ApiError> {
    let policy = crate::billing::policy::policy(&state.db).await?;
    Ok(serde_json::json!({
        "fee_policy": policy.fee_notice(),
        "good_faith_estimates": policy.good_faith_estimates,
    }))
}

/// A PDF to save, never kept by a shared cache: signed copies, superbills, estimates.
pub fn pdf_attachment(bytes: Vec<u8>, filename: &str) -> poem::Response {
    poem::Response::builder()
        .content_type("application/pdf")
        .header(
            poem::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        )
        .header(poem::http::header::CACHE_CONTROL, "no-store")
        .body(bytes)
}

/// Renders `template` with a context that is already complete.
pub fn render_html(
    state: &AppState,
    status: StatusCode,
    template: &str,
    context: &Value,
) -> PageResult {
    let html = state
        .templates
        .render(template, context)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("rendering {template}: {e}")))?;
    let mut response = Html(html).into_response();
    response.set_status(status);
    Ok(response)
}

/// An error as a page, for browsers: the same status, a plain explanation, and the request id
/// to quote. Used by the middleware for any failure on a page route.
pub async fn error_page(state: &AppState, failure: &ApiError) -> Response {
    let body = failure.body();
    let context = json!({
        "status": body.status,
        "title": body.title,
        "detail": body.detail,
        "request_id": body.request_id,
    });
    let as_problem = poem::error::ResponseError::as_response(failure);
    match page(state, failure.status(), "pages/error", &body.title, context).await {
        Ok(mut response) => {
            // Keep what the problem answer says beyond its body (Retry-After and the like).
            for (name, value) in as_problem.headers() {
                if name != poem::http::header::CONTENT_TYPE
                    && name != poem::http::header::CONTENT_LENGTH
                {
                    response.headers_mut().insert(name.clone(), value.clone());
                }
            }
            response
        }
        // The database may be what failed: fall back to the problem document.
        Err(_) => as_problem,
    }
}
