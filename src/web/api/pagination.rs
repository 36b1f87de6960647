//! Cursor pagination of API lists: `?limit=&cursor=`, one query per page fetching one row more
//! than asked to know whether another page follows.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use actix_web::HttpResponse;

use super::ApiError;
use crate::store::After;

/// `?limit=&cursor=` of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]{1,200}$")]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size and where the page starts.
    pub fn parse(&self) -> Result<(i64, Option<After>), ApiError> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("limit", "Use a limit from 1 to 100"));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::invalid("cursor", "This cursor is not one this API gave out")
            })?),
        };
        Ok((limit, after))
    }
}

fn decode_cursor(cursor: &str) -> Option<After> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    let created_at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some(After {
        created_at,
        id: id.to_string(),
    })
}

fn encode_cursor(created_at: DateTime<Utc>, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{id}", created_at.to_rfc3339()))
}

/// One page of a list and the cursor of the next page (`null` on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T: ToSchema> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> ListOf<T> {
    /// A page from `rows` fetched with `limit + 1`: the extra row only says there is more.
    fn page<R: Listed>(mut rows: Vec<R>, limit: i64, view: impl Fn(R) -> T) -> ListOf<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(r.created_at(), r.id()))
        } else {
            None
        };
        ListOf {
            data: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// A row of a list, newest first by creation time, then id: where a cursor points.
pub trait Listed {
    fn created_at(&self) -> DateTime<Utc>;
    fn id(&self) -> &str;
}

impl<R: Listed, X> Listed for (R, X) {
    fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at()
    }
    fn id(&self) -> &str {
        self.0.id()
    }
}

/// Implements `Listed` for stored rows with `created_at` and `id` fields.
macro_rules! listed {
    ($($row:ty),* $(,)?) => {
        $(impl Listed for $row {
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
            }
            fn id(&self) -> &str {
                &self.id
            }
        })*
    };
}

listed!(
    crate::store::customers::Customer,
    crate::store::mandates::Mandate,
    crate::store::signup_pages::Page,
    crate::store::transactions::Transaction,
    crate::store::invoices::Invoice,
    crate::store::products::ProductRow,
    crate::store::subscriptions::Subscription,
    crate::store::collections::Batch,
);

/// Every list of the API: `fetch` gets one page of rows (up to the limit it is given, after the
/// cursor) in one query, `view` turns each row into its JSON.
pub async fn list<R: Listed, T: ToSchema + Serialize>(
    params: &PageParams,
    fetch: impl AsyncFnOnce(i64, Option<&After>) -> anyhow::Result<Vec<R>>,
    view: impl Fn(R) -> T,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = params.parse()?;
    let rows = fetch(limit + 1, after.as_ref()).await?;
    Ok(HttpResponse::Ok().json(ListOf::page(rows, limit, view)))
}

/// A filter's value, or `None` when it is absent or empty (`?status=` filters nothing).
pub fn filter(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let cursor = encode_cursor(at, "cst_abc");
        assert_eq!(
            decode_cursor(&cursor),
            Some(After {
                created_at: at,
                id: "cst_abc".into()
            })
        );
        assert_eq!(decode_cursor("nonsense"), None);
        assert_eq!(decode_cursor(""), None);
    }
}
