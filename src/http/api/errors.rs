//! How operations declare their error responses.
//!
//! poem-openapi documents an operation's responses from its return type. `Failure<S>` carries
//! an [`ApiError`] and documents exactly the problem statuses listed by the set `S`, each with
//! the `Problem` schema and the `application/problem+json` media type. A schema-driven client
//! or fuzzer therefore meets no status the document does not name.

use std::marker::PhantomData;

use poem_openapi::{
    ApiResponse,
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};

use crate::http::problem::{ApiError, PROBLEM_JSON, ProblemBody, ProblemKind};

/// The problem kinds one operation can answer with.
pub trait ErrorSet: Send + Sync + 'static {
    const KINDS: &'static [ProblemKind];
}

/// Declares a named [`ErrorSet`].
#[macro_export]
macro_rules! errors_set {
    ($(#[$meta:meta])* $vis:vis $name:ident = [$($kind:ident),* $(,)?]) => {
        $(#[$meta])*
        $vis struct $name;
        impl $crate::http::api::ErrorSet for $name {
            const KINDS: &'static [$crate::http::problem::ProblemKind] =
                &[$($crate::http::problem::ProblemKind::$kind),*];
        }
    };
}
pub use errors_set;

/// The error half of every operation's result.
pub struct Failure<S: ErrorSet>(pub ApiError, PhantomData<S>);

pub type ApiResult<T, S> = Result<T, Failure<S>>;

impl<S: ErrorSet, E: Into<ApiError>> From<E> for Failure<S> {
    fn from(err: E) -> Self {
        let err = err.into();
        debug_assert!(
            S::KINDS.contains(&err.kind()),
            "{:?} is not among the documented problems of this operation ({:?})",
            err.kind(),
            S::KINDS
        );
        Self(err, PhantomData)
    }
}

impl<S: ErrorSet> From<Failure<S>> for poem::Error {
    fn from(failure: Failure<S>) -> Self {
        failure.0.into()
    }
}

impl<S: ErrorSet> ApiResponse for Failure<S> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: S::KINDS
                .iter()
                .map(|kind| MetaResponse {
                    description: kind.title(),
                    status: Some(kind.status().as_u16()),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: ProblemBody::schema_ref(),
                    }],
                    headers: retry_after_header(*kind),
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ProblemBody::register(registry);
    }
}

fn retry_after_header(kind: ProblemKind) -> Vec<MetaHeader> {
    if kind != ProblemKind::TooManyRequests {
        return Vec::new();
    }
    vec![MetaHeader {
        name: "Retry-After".into(),
        description: Some("Seconds to wait before trying again.".into()),
        required: true,
        deprecated: false,
        schema: u64::schema_ref(),
    }]
}
