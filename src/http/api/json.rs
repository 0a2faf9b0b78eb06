//! `JsonBody<T>`: the request body extractor of the JSON API.
//!
//! poem-openapi's own `Json<T>` reports a wrongly typed body as one 400 whose message loses
//! the field's name. This one parses in two steps: bytes that are not JSON at all are a 400
//! (`bad-request`, with line and column), while JSON of the wrong shape is a 422
//! (`validation-error`) whose `errors` name the exact path (`partner.email`, `items[2].id`).
//! The OpenAPI schema still comes from `T`'s `#[derive(Object)]`.

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    error::ContentTypeError,
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry},
    types::Type,
};
use serde::de::DeserializeOwned;

use crate::{http::problem::ApiError, validation::FieldError};

/// A JSON request body of type `T`. `T` derives both `poem_openapi::Object` (for the document)
/// and `serde::Deserialize` (for parsing).
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    /// `application/json`, with or without parameters, and `application/<x>+json`.
    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m)
            if m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read(body).await?;
        Ok(Self(parse_json(&bytes)?))
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: DeserializeOwned + Type + Send);

/// A JSON body that may be left out: no body at all (and then no `Content-Type` either)
/// reads as `{}`, so every field of `T` must be optional.
pub struct OptionalJsonBody<T>(pub T);

impl<T: Type> Payload for OptionalJsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        JsonBody::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: DeserializeOwned + Send> ParsePayload for OptionalJsonBody<T> {
    const IS_REQUIRED: bool = false;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read(body).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(parse_json(b"{}")?));
        }
        Ok(Self(parse_json(&bytes)?))
    }
}

impl<'a, T: DeserializeOwned + Type + Send> ApiExtractor<'a> for OptionalJsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if Self::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_string(),
            }
            .into()),
            // No type: fine only with nothing sent.
            None => {
                let bytes = read(body).await?;
                if bytes.is_empty() {
                    Ok(Self(parse_json(b"{}")?))
                } else {
                    Err(ContentTypeError::ExpectContentType.into())
                }
            }
        }
    }
}

async fn read(body: &mut RequestBody) -> poem::Result<Vec<u8>> {
    Ok(body
        .take()?
        .into_vec()
        .await
        .map_err(|_| ApiError::bad_request("The request body could not be read."))?)
}

/// Parses a request body, naming the offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; send a JSON object.",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "The request body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    // Every body of this API is an object. serde would also read a struct from an array of
    // its fields in order, which no client means to send.
    if !value.is_object() {
        return Err(ApiError::invalid("body", "must be an object"));
    }
    // PostgreSQL cannot store a NUL character in text; refuse it here, naming the field,
    // rather than fail at the database.
    if let Some(path) = nul_path(&value, String::new()) {
        return Err(ApiError::invalid(path, "must not contain a NUL character"));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::validation(vec![describe(&path, &e.into_inner().to_string())])
    })
}

/// The path of the first string (or key) holding a NUL character.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { "body".into() } else { path })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(child)
            } else {
                nul_path(v, child)
            }
        }),
        _ => None,
    }
}

/// Rewrites serde's messages into ones a form can show next to a field, and never echoes the
/// rejected value back (it may be a name or a note).
fn describe(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    let join = |child: &str| {
        if parent.is_empty() {
            child.to_owned()
        } else {
            format!("{parent}.{child}")
        }
    };
    let field_or_body = || {
        if parent.is_empty() {
            "body".to_owned()
        } else {
            parent.to_owned()
        }
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return FieldError::new(join(name), "is required");
    }
    if message.starts_with("invalid type:") || message.starts_with("invalid value:") {
        let expected = message
            .rsplit_once(", expected ")
            .map(|(_, e)| e)
            .unwrap_or("a different value");
        let expected = if expected.starts_with("struct ") || expected.starts_with("a map") {
            "an object"
        } else {
            expected
        };
        return FieldError::new(field_or_body(), format!("must be {expected}"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let allowed = rest.split_once(", expected ").map(|(_, e)| e).unwrap_or("");
        return FieldError::new(field_or_body(), format!("must be {allowed}"));
    }
    FieldError::new(field_or_body(), message.to_owned())
}

/// A JSON answer already written out (kept with what it answers, so a repeat is not written
/// again), described in the OpenAPI document exactly as `Json<T>` would be.
pub struct PreparedJson<T> {
    pub bytes: std::sync::Arc<[u8]>,
    _shape: std::marker::PhantomData<fn() -> T>,
}

impl<T: poem_openapi::types::ToJSON + serde::Serialize> PreparedJson<T> {
    /// `value` written out, straight from its fields: going through poem-openapi's
    /// `ToJSON` would build a tree of the whole answer first, several times its size.
    /// `T` derives `Serialize` with the same names as its `Object`; the test of each such
    /// body holds the two to the same JSON.
    pub fn write(value: &T) -> std::sync::Arc<[u8]> {
        serde_json::to_vec(value)
            .expect("a body of plain fields always serialises")
            .into()
    }

    pub fn new(bytes: std::sync::Arc<[u8]>) -> Self {
        Self {
            bytes,
            _shape: std::marker::PhantomData,
        }
    }
}

impl<T: poem_openapi::types::ToJSON> poem::IntoResponse for PreparedJson<T> {
    fn into_response(self) -> poem::Response {
        // Shared, not copied: the same answer may be going out on many connections.
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(poem::Body::from_bytes(bytes::Bytes::from_owner(self.bytes)))
    }
}

impl<T: poem_openapi::types::ToJSON> poem_openapi::ApiResponse for PreparedJson<T> {
    fn meta() -> poem_openapi::registry::MetaResponses {
        <poem_openapi::payload::Json<T> as poem_openapi::ApiResponse>::meta()
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        <poem_openapi::payload::Json<T> as poem_openapi::ApiResponse>::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::problem::ProblemKind;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Booking {
        name: String,
        seats: u8,
        partner: Option<Partner>,
        kind: Option<Kind>,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Partner {
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Couple,
        Individual,
    }

    fn err(body: &str) -> ApiError {
        parse_json::<Booking>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_well_formed_body_parses() {
        let b: Booking = parse_json(br#"{"name":"A","seats":2,"kind":"couple"}"#).unwrap();
        assert_eq!(b.seats, 2);
        assert!(matches!(b.kind, Some(Kind::Couple)));
        let _ = Kind::Individual;
    }

    #[test]
    fn empty_and_malformed_bodies_are_bad_requests() {
        for body in ["", "  \n", "{", "{\"name\": }", "nonsense"] {
            assert_eq!(err(body).kind(), ProblemKind::BadRequest, "{body:?}");
        }
        assert!(err("{\n\"a\":").detail().contains("line 2"));
    }

    #[test]
    fn wrong_shapes_name_the_field() {
        let cases = [
            (r#"{"seats":1}"#, "name", "is required"),
            (r#"{"name":5,"seats":1}"#, "name", "must be a string"),
            (r#"{"name":"A","seats":"two"}"#, "seats", "must be u8"),
            (r#"{"name":"A","seats":300}"#, "seats", "must be u8"),
            (
                r#"{"name":"A","seats":1,"partner":{}}"#,
                "partner.email",
                "is required",
            ),
            (
                r#"{"name":"A","seats":1,"partner":{"email":[]}}"#,
                "partner.email",
                "must be a string",
            ),
            (
                r#"{"name":"A","seats":1,"kind":"triad"}"#,
                "kind",
                "must be `couple` or `individual`",
            ),
            ("[]", "body", "must be an object"),
            ("null", "body", "must be an object"),
        ];
        for (body, field, message) in cases {
            let e = err(body);
            assert_eq!(e.kind(), ProblemKind::Validation, "{body}");
            assert_eq!(e.errors(), [FieldError::new(field, message)], "{body}");
        }
    }

    #[test]
    fn a_nul_character_anywhere_is_refused_naming_its_field() {
        let e = err(r#"{"name":"A\u0000B","seats":1}"#);
        assert_eq!(
            e.errors(),
            [FieldError::new("name", "must not contain a NUL character")]
        );
        let e = err(r#"{"name":"A","seats":1,"partner":{"email":"\u0000"}}"#);
        assert_eq!(e.errors()[0].field, "partner.email");
        let e = err(r#"{"name":"A","seats":1,"x":["ok","\u0000"]}"#);
        assert_eq!(e.errors()[0].field, "x[1]");
    }

    #[test]
    fn rejected_values_are_not_echoed() {
        let e = err(r#"{"name":"Jane Secret","seats":"Jane Secret"}"#);
        assert!(!format!("{:?}", e.body()).contains("Jane"));
    }
}
