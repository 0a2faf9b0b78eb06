//! How operations name their caller. An operation that takes a [`Staff`] argument is
//! documented as needing the session cookie or a bearer token; the argument itself is the
//! staff member the API gate (`http::guard`) already authenticated.

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaSecurityScheme, Registry},
};

use crate::{
    auth::Staff,
    http::guard::SESSION_COOKIE,
    http::problem::{ApiError, ProblemKind},
};

const COOKIE_SCHEME: &str = "sessionCookie";
const BEARER_SCHEME: &str = "bearerToken";

impl<'a> ApiExtractor<'a> for Staff {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            COOKIE_SCHEME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "The session cookie set by `POST /auth/login` (named \
                     `__Host-attune_session` when Attune is served over https). Requests \
                     that change anything must also send the session's `X-CSRF-Token` header.",
                ),
                name: Some(SESSION_COOKIE),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            BEARER_SCHEME,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "`Authorization: Bearer <token>` with an API token (`atk_…`) or the \
                     session token returned by `POST /auth/login` (`ats_…`). No CSRF header \
                     needed.",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("opaque"),
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![COOKIE_SCHEME, BEARER_SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        request.data::<Staff>().cloned().ok_or_else(|| {
            // Only reachable if an operation taking `Staff` sits on a public path.
            ApiError::new(ProblemKind::Unauthorized, "Sign in first.").into()
        })
    }
}
