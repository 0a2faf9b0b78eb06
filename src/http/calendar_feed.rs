//! `GET /calendar/{token}.ics`: a practitioner's subscription feed, for calendar apps.
//!
//! Apps poll it; the validators let them skip a body that has not changed. An unknown and a
//! revoked address answer the same 404.

use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::{HeaderMap, StatusCode, header},
    web::{Data, Path},
};

use crate::{
    AppState,
    calendar::feed::{self, Served},
    http::problem::ApiError,
};

#[handler]
pub async fn serve(
    req: &Request,
    Path(file): Path<String>,
    Data(state): Data<&AppState>,
) -> poem::Result<Response> {
    let not_found = || ApiError::not_found("There is no calendar at this address.");
    let token = file
        .strip_suffix(".ics")
        .filter(|t| t.len() <= 100)
        .ok_or_else(not_found)?;
    // A burst of revalidations of a feed just found unchanged is answered from memory.
    if req.headers().contains_key(header::IF_NONE_MATCH)
        && let Some(recent) = state.feeds.current(token)
        && not_modified(req.headers(), &recent)
    {
        return Ok(validators(&recent)
            .status(StatusCode::NOT_MODIFIED)
            .finish());
    }
    let found = feed::by_token(&state.db, token)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(not_found)?;
    let (now, past_days) = (state.clock.now(), state.config.calendar.feed_past_days);
    let versions = state
        .schedule
        .versions(&state.db)
        .await
        .map_err(ApiError::from)?;
    // An app revalidating a copy that is still current is answered without a render.
    if let Some(current) = feed::current_validators(&found, versions.schedule, now, past_days)
        && not_modified(req.headers(), &current)
    {
        feed::touch(&state.db, &found, now)
            .await
            .map_err(ApiError::from)?;
        state.feeds.remember(token, &current);
        return Ok(validators(&current)
            .status(StatusCode::NOT_MODIFIED)
            .finish());
    }
    let served = feed::serve(
        &state.db,
        &state.schedule,
        versions,
        &found,
        &state.public_url,
        now,
        past_days,
    )
    .await
    .map_err(ApiError::from)?;
    state.feeds.remember(token, &served);
    let response = validators(&served);
    if not_modified(req.headers(), &served) {
        return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
    }
    Ok(response
        .status(StatusCode::OK)
        .content_type("text/calendar; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "inline; filename=\"calendar.ics\"",
        )
        .body(served.body))
}

fn validators(served: &Served) -> poem::ResponseBuilder {
    Response::builder()
        .header(header::ETAG, served.etag.as_str())
        .header(header::LAST_MODIFIED, http_date(served.modified_at))
        // Private: the body names the practice's appointments; five minutes spares the
        // database from apps that poll too eagerly.
        .header(header::CACHE_CONTROL, "private, max-age=300")
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client's copy is current (RFC 9110 §13.1): `If-None-Match` decides when
/// present; otherwise `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, served: &Served) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH) {
        let Ok(tags) = tags.to_str() else {
            return false;
        };
        return tags.split(',').map(str::trim).any(|tag| {
            // A weak comparison: an app may hand back the tag marked weak.
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == served.etag
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| served.modified_at <= since.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use poem::http::HeaderValue;

    use super::*;

    fn served() -> Served {
        Served {
            body: String::new(),
            etag: "\"abc\"".into(),
            modified_at: Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap(),
        }
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn dates_are_http_dates() {
        assert_eq!(
            http_date(served().modified_at),
            "Mon, 07 Dec 2026 15:00:00 GMT"
        );
    }

    #[test]
    fn either_validator_can_say_the_copy_is_current() {
        let s = served();
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"abc\"")]),
            &s
        ));
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")]),
            &s
        ));
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "*")]), &s));
        assert!(!not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"old\"")]),
            &s
        ));
        let at = "Mon, 07 Dec 2026 15:00:00 GMT";
        assert!(not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, at)]),
            &s
        ));
        let before = "Mon, 07 Dec 2026 14:59:59 GMT";
        assert!(!not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, before)]),
            &s
        ));
        assert!(!not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, "yesterday")]),
            &s
        ));
        // A tag that does not match wins over a date that would.
        assert!(!not_modified(
            &headers(&[
                (header::IF_NONE_MATCH, "\"old\""),
                (header::IF_MODIFIED_SINCE, at)
            ]),
            &s
        ));
        assert!(!not_modified(&HeaderMap::new(), &s));
    }
}
