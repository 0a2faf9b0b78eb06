//! Server-rendered pages: the front page and the problem-type reference.

use poem::{
    IntoResponse, Response, handler,
    web::{Data, Html, Path},
};
use serde::Serialize;

use crate::{
    AppState,
    error::{ApiError, ProblemKind},
    practice,
};

#[derive(Serialize)]
struct HomePage {
    practice_name: String,
}

#[derive(Serialize)]
struct ProblemsPage {
    practice_name: String,
    problems: Vec<ProblemEntry>,
}

#[derive(Serialize)]
struct ProblemEntry {
    slug: &'static str,
    status: u16,
    title: &'static str,
    explanation: &'static str,
}

#[handler]
pub async fn home(Data(state): Data<&AppState>) -> poem::Result<Response> {
    let practice_name = practice::settings(&state.db)
        .await
        .map_err(ApiError::from)?
        .name;
    render(state, "pages/home", &HomePage { practice_name })
}

#[handler]
pub async fn problems(Data(state): Data<&AppState>) -> poem::Result<Response> {
    render_problems(state, ProblemKind::ALL.to_vec()).await
}

#[handler]
pub async fn problem(
    Data(state): Data<&AppState>,
    Path(slug): Path<String>,
) -> poem::Result<Response> {
    let kind = ProblemKind::ALL
        .into_iter()
        .find(|k| k.slug() == slug)
        .ok_or_else(|| ApiError::not_found("There is no problem type of that name."))?;
    render_problems(state, vec![kind]).await
}

async fn render_problems(state: &AppState, kinds: Vec<ProblemKind>) -> poem::Result<Response> {
    let practice_name = practice::settings(&state.db)
        .await
        .map_err(ApiError::from)?
        .name;
    let entries = kinds
        .into_iter()
        .map(|k| ProblemEntry {
            slug: k.slug(),
            status: k.status().as_u16(),
            title: k.title(),
            explanation: k.explanation(),
        })
        .collect();
    render(
        state,
        "pages/problems",
        &ProblemsPage {
            practice_name,
            problems: entries,
        },
    )
}

fn render(state: &AppState, template: &str, context: &impl Serialize) -> poem::Result<Response> {
    let html = state
        .templates
        .render(template, context)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("rendering {template}: {e}")))?;
    Ok(Html(html).into_response())
}
