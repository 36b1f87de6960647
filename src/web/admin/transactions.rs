//! Transactions: the list with filters and totals, its CSV download, and one transaction's page
//! (cancel it while it is still scheduled).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Layout, PageQuery, Pagination};
use crate::domain::Money;
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::services::imports::neutralised;
use crate::services::transactions::{self as service, TransactionError};
use crate::store::customers::{self, Customer};
use crate::store::subscriptions::{self, Subscription};
use crate::store::transactions::{self, STATUSES, Transaction, TransactionFilter, TransactionRow};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/transactions", web::get().to(list))
        .route("/transactions.csv", web::get().to(download))
        .route("/transactions/{id}", web::get().to(show))
        .route("/transactions/{id}/cancel", web::post().to(cancel));
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ListQuery {
    status: String,
    due_from: String,
    due_to: String,
    customer_id: String,
    subscription_id: String,
    page: Option<i64>,
}

impl ListQuery {
    /// The filter, or the fields' problems (shown next to the filter form).
    fn filter(&self) -> (TransactionFilter, FieldErrors) {
        let mut errors = FieldErrors::default();
        let status = if self.status.is_empty() {
            None
        } else if STATUSES.contains(&self.status.as_str()) {
            Some(self.status.clone())
        } else {
            errors.add("status", "Choose one of the listed statuses");
            None
        };
        let mut date = |field: &'static str, text: &str| -> Option<NaiveDate> {
            if text.trim().is_empty() {
                None
            } else {
                errors.check(field, parse_date(text))
            }
        };
        let due_from = date("due_from", &self.due_from);
        let due_to = date("due_to", &self.due_to);
        if let (Some(from), Some(to)) = (due_from, due_to)
            && to < from
        {
            errors.add("due_to", "The end of the range is before its start");
        }
        let id = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_string());
        let filter = TransactionFilter {
            status,
            due_from,
            due_to,
            customer_id: id(&self.customer_id),
            subscription_id: id(&self.subscription_id),
        };
        (filter, errors)
    }

    /// The filters again, for the page links and the download, ending in `&` unless empty.
    fn params(&self) -> String {
        super::kept_params(&[
            ("status", self.status.as_str()),
            ("due_from", &self.due_from),
            ("due_to", &self.due_to),
            ("customer_id", &self.customer_id),
            ("subscription_id", &self.subscription_id),
        ])
    }
}

#[derive(Template)]
#[template(path = "admin/transactions.html")]
struct ListPage {
    layout: Layout,
    transactions: Vec<TransactionRow>,
    query: ListQuery,
    errors: FieldErrors,
    statuses: &'static [&'static str],
    /// The customer or subscription the list is narrowed to, named.
    customer: Option<Customer>,
    subscription: Option<Subscription>,
    count: i64,
    total: Money,
    pagination: Pagination,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let merchant = user.merchant_id();
    let (filter, errors) = query.filter();
    let page_query = PageQuery::new(query.page);
    let (mut rows, (count, total)) = if errors.is_empty() {
        let rows = transactions::list(
            &state.db,
            merchant,
            &filter,
            page_query.limit(),
            page_query.offset(),
        )
        .await?;
        (
            rows,
            transactions::totals(&state.db, merchant, &filter).await?,
        )
    } else {
        (Vec::new(), (0, 0))
    };
    let customer = match &filter.customer_id {
        Some(id) => customers::get(&state.db, merchant, id).await?,
        None => None,
    };
    let subscription = match &filter.subscription_id {
        Some(id) => subscriptions::get(&state.db, merchant, id).await?,
        None => None,
    };
    let mut pagination = Pagination::of(&page_query, &mut rows, "/admin/transactions");
    pagination.params = query.params();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        layout: Layout::new(&session, &user, "Transactions", "transactions")?,
        transactions: rows,
        query,
        errors,
        statuses: STATUSES,
        customer,
        subscription,
        count,
        total: Money::from_minor(total),
        pagination,
    };
    render(status, &page)
}

/// Rows read per query while the download streams.
const EXPORT_CHUNK: i64 = 1000;

/// The filtered transactions as CSV, streamed in chunks (flat memory for any number of rows).
async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, errors) = query.filter();
    if !errors.is_empty() {
        // The list shows what is wrong with the filter.
        return Ok(see_other(&format!(
            "/admin/transactions?{}",
            query.params().trim_end_matches('&')
        )));
    }
    let db = state.db.clone();
    let merchant_id = user.merchant_id().to_string();
    struct Cursor {
        after: Option<(NaiveDate, String)>,
        header: bool,
        done: bool,
    }
    let start = Cursor {
        after: None,
        header: true,
        done: false,
    };
    let body = futures_util::stream::unfold(start, move |mut cursor| {
        let (db, merchant_id, filter) = (db.clone(), merchant_id.clone(), filter.clone());
        async move {
            if cursor.done {
                return None;
            }
            let mut out = if cursor.header {
                cursor.header = false;
                let mut bom = b"\xEF\xBB\xBF".to_vec();
                bom.extend(csv_line(&HEADER.map(String::from)));
                bom
            } else {
                Vec::new()
            };
            let rows = match transactions::rows_after(
                &db,
                &merchant_id,
                &filter,
                cursor.after.as_ref(),
                EXPORT_CHUNK,
            )
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = ?e, "transaction export failed");
                    return Some((Err(std::io::Error::other("export failed")), cursor));
                }
            };
            cursor.done = (rows.len() as i64) < EXPORT_CHUNK;
            if let Some(last) = rows.last() {
                cursor.after = Some((last.transaction.due_date, last.transaction.id.clone()));
            }
            for row in &rows {
                out.extend(csv_line(&record(row)));
            }
            Some((Ok::<_, std::io::Error>(web::Bytes::from(out)), cursor))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"transactions.csv\"",
        ))
        .streaming(body))
}

const HEADER: [&str; 14] = [
    "id",
    "due_date",
    "status",
    "amount",
    "currency",
    "sequence_type",
    "kind",
    "period_start",
    "period_end",
    "description",
    "customer_id",
    "customer",
    "subscription_id",
    "created_at",
];

fn record(row: &TransactionRow) -> [String; 14] {
    let t = &row.transaction;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    [
        t.id.clone(),
        t.due_date.to_string(),
        t.status.clone(),
        t.amount().to_decimal().to_string(),
        "EUR".into(),
        t.sequence_type.clone(),
        t.kind.clone(),
        date(t.period_start),
        date(t.period_end),
        t.description.clone(),
        t.customer_id.clone(),
        row.customer_name(),
        t.subscription_id.clone(),
        t.created_at.to_rfc3339(),
    ]
}

/// One CSV line, formula-like cells neutralised.
pub(super) fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory does not fail.
    let _ = writer.write_record(cells.iter().map(|c| neutralised(c)));
    writer.into_inner().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "admin/transaction.html")]
struct ShowPage {
    layout: Layout,
    transaction: Transaction,
    customer: Customer,
    subscription: Subscription,
    /// The collection history with each entry's local time.
    history: Vec<(crate::store::collections::HistoryEntry, String)>,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let merchant = user.merchant_id();
    let transaction = transactions::get(&state.db, merchant, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = customers::get(&state.db, merchant, &transaction.customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let subscription = subscriptions::get(&state.db, merchant, &transaction.subscription_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = crate::store::collections::history(&state.db, merchant, &transaction.id).await?;
    let page = ShowPage {
        layout: Layout::new(&session, &user, "Transaction", "transactions")?,
        history: history
            .into_iter()
            .map(|h| {
                let at =
                    h.at.with_timezone(&user.zone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string();
                (h, at)
            })
            .collect(),
        transaction,
        customer,
        subscription,
    };
    render(StatusCode::OK, &page)
}

async fn cancel(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = format!("/admin/transactions/{id}");
    match service::cancel(&state.db, &user.user, &id).await {
        Ok(t) => flash(
            &session,
            FlashKind::Success,
            &format!(
                "The transaction of {} due {} is cancelled; nothing is collected for it.",
                t.amount().format_eur(),
                t.due_date
            ),
        ),
        Err(TransactionError::NotFound) => return Err(AppError::NotFound),
        Err(e @ (TransactionError::NotScheduled(_) | TransactionError::InBatch)) => {
            flash(&session, FlashKind::Error, &e.to_string());
        }
        Err(e) => return Err(AppError::Unexpected(anyhow::anyhow!(e))),
    }
    Ok(see_other(&page))
}
