//! The request id: taken from the client's `x-request-id` when it is a sensible token,
//! otherwise made here; echoed on the response, attached to the request's log span and
//! quoted in problem bodies, so one id ties a user's report to the server's log.

use poem::Request;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    CURRENT.scope(id, fut).await
}

/// The client's id if it is 1–128 characters of letters, digits and `-_.:/+=` (what tracing
/// systems and load balancers send), else a fresh UUID. Anything else could smuggle control
/// characters or megabytes into our logs.
pub fn from_request(req: &Request) -> String {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| is_acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn is_acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn tokens_from_tracing_systems_are_kept() {
        for id in [
            "abc",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "Root=1-67891233-abcdef012345678912345678",
            "req_01HZX3/7+9=",
        ] {
            assert!(is_acceptable(id), "{id}");
        }
    }

    #[test]
    fn empty_overlong_or_odd_ids_are_replaced() {
        for id in ["", "a b", "<script>", "ünïcode", &"x".repeat(129)] {
            assert!(!is_acceptable(id), "{id}");
        }
    }
}
