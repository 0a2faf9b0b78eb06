//! Cursor pagination, the same everywhere: `?limit=&cursor=` → `{items, next_cursor}`.
//!
//! A cursor is the sort key of the last item of a page, as opaque base64url JSON. Keyset
//! pagination stays correct while rows are being added, and costs the same on page 1,000 as
//! on page 1.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of a list and where the next one starts (`None` on the last page).
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn from_overfetch<K: Serialize>(
        mut rows: Vec<T>,
        limit: u64,
        key: impl Fn(&T) -> K,
    ) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| encode(&key(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// `limit` and the decoded `cursor` of a list request.
#[derive(Clone, Debug)]
pub struct PageRequest<K> {
    pub limit: u64,
    pub after: Option<K>,
}

/// Why a `limit` or `cursor` was refused, for a 422 naming the parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadPageParam {
    pub field: &'static str,
    pub message: &'static str,
}

impl<K: DeserializeOwned> PageRequest<K> {
    pub fn parse(limit: Option<u64>, cursor: Option<&str>) -> Result<Self, BadPageParam> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                return Err(BadPageParam {
                    field: "limit",
                    message: "must be from 1 to 200",
                });
            }
        };
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(|c| {
                decode(c).ok_or(BadPageParam {
                    field: "cursor",
                    message: "is not a cursor from this list",
                })
            })
            .transpose()?;
        Ok(Self { limit, after })
    }
}

fn encode<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).expect("cursor keys serialize"))
}

fn decode<K: DeserializeOwned>(cursor: &str) -> Option<K> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overfetched_page_keeps_limit_items_and_points_past_the_last() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, [1, 2]);
        let next: PageRequest<i32> = PageRequest::parse(None, page.next_cursor.as_deref()).unwrap();
        assert_eq!(next.after, Some(2));
        assert_eq!(next.limit, DEFAULT_LIMIT);

        let last = Page::from_overfetch(vec![1, 2], 2, |n| *n);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn bad_limits_and_cursors_name_their_parameter() {
        assert_eq!(
            PageRequest::<i32>::parse(Some(0), None).unwrap_err().field,
            "limit"
        );
        assert_eq!(
            PageRequest::<i32>::parse(Some(201), None)
                .unwrap_err()
                .field,
            "limit"
        );
        assert_eq!(
            PageRequest::<i32>::parse(None, Some("%%%"))
                .unwrap_err()
                .field,
            "cursor"
        );
        let wrong_shape = encode(&"text");
        assert_eq!(
            PageRequest::<i32>::parse(None, Some(&wrong_shape))
                .unwrap_err()
                .field,
            "cursor"
        );
        assert!(
            PageRequest::<i32>::parse(Some(200), Some(""))
                .unwrap()
                .after
                .is_none()
        );
    }
}
