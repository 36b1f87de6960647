//! Subscriptions: the list, one subscription, and its actions, each behind a confirmation page.

use std::collections::HashSet;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Layout, PageQuery, Pagination};
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::domain::subscription::{Event, Status};
use crate::services::billing;
use crate::services::mandates::renew::{self, AskError};
use crate::services::subscriptions::{self as service, CancelWhen, ChangeError};
use crate::services::transactions::{self as transaction_service, ChargeInput, TransactionError};
use crate::store::customers::{self, Customer};
use crate::store::mandates::{self as mandate_store, Mandate};
use crate::store::subscriptions::{self as store, Subscription, SubscriptionRow};
use crate::store::transactions::{self, Transaction};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Refusal, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscriptions", web::get().to(list))
        .route("/subscriptions/{id}", web::get().to(show))
        .route("/subscriptions/{id}/charges", web::post().to(add_charge))
        .route("/subscriptions/{id}/{action}", web::get().to(confirm))
        .route("/subscriptions/{id}/{action}", web::post().to(act));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/subscriptions.html")]
struct ListPage {
    layout: Layout,
    subscriptions: Vec<SubscriptionRow>,
    status: String,
    statuses: [Status; 6],
    pagination: Pagination,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let status = Status::parse(&query.status)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let page_query = PageQuery::new(query.page);
    let mut rows = store::list(
        &state.db,
        user.merchant_id(),
        &status,
        page_query.limit(),
        page_query.offset(),
    )
    .await?;
    let mut pagination = Pagination::of(&page_query, &mut rows, "/admin/subscriptions");
    if !status.is_empty() {
        pagination.params = format!("status={status}&");
    }
    let page = ListPage {
        layout: Layout::new(&session, &user, "Subscriptions", "subscriptions")?,
        subscriptions: rows,
        status,
        statuses: Status::ALL,
        pagination,
    };
    render(StatusCode::OK, &page)
}

/// What staff can do to a subscription, each behind a confirmation page at
/// `/admin/subscriptions/{id}/{key}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Pause,
    Resume,
    ChangeMandate,
    Cancel,
    UndoCancel,
}

impl Action {
    /// In the order the subscription page offers them.
    const ALL: [Action; 5] = [
        Action::Pause,
        Action::Resume,
        Action::ChangeMandate,
        Action::Cancel,
        Action::UndoCancel,
    ];

    /// The action named by the last part of its address.
    fn parse(key: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The last part of its address.
    fn key(&self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::ChangeMandate => "mandate",
            Action::Cancel => "cancel",
            Action::UndoCancel => "undo-cancel",
        }
    }

    /// Its button.
    fn label(&self) -> &'static str {
        match self {
            Action::Pause => "Pause",
            Action::Resume => "Resume",
            Action::ChangeMandate => "Change mandate",
            Action::Cancel => "Cancel",
            Action::UndoCancel => "Undo the cancellation",
        }
    }

    /// Whether it ends the subscription (its button says so in red).
    fn is_final(&self) -> bool {
        *self == Action::Cancel
    }

    /// Whether the state machine allows it in `status`.
    fn allowed(&self, status: Status) -> bool {
        match self {
            Action::Pause => status.next(Event::Pause).is_ok(),
            Action::Resume => status.next(Event::Resume).is_ok(),
            Action::ChangeMandate => status.is_running(),
            Action::Cancel => status.next(Event::Cancel).is_ok(),
            Action::UndoCancel => status.next(Event::UndoCancel).is_ok(),
        }
    }
}

/// The actions the state machine allows now.
fn actions_for(status: Status) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| a.allowed(status))
        .collect()
}

#[derive(Template)]
#[template(path = "admin/subscription.html")]
struct ShowPage {
    layout: Layout,
    subscription: Subscription,
    customer: Customer,
    actions: Vec<Action>,
    /// Its transactions: charged periods and one-off charges.
    transactions: Vec<Transaction>,
    /// The next periods to be charged, as the billing run will create them.
    upcoming: Vec<billing::Charge>,
    charge: ChargeInput,
    errors: FieldErrors,
    /// When a one-off charge added now can be collected at the earliest.
    earliest_hint: String,
    /// Whether it takes one-off charges (running under a valid mandate).
    chargeable: bool,
    /// The newest invoices and credit notes.
    invoices: Vec<crate::store::invoices::Invoice>,
    invoices_link: String,
}

/// How many of the next periods the page shows.
const UPCOMING: usize = 6;

async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(Subscription, Customer), AppError> {
    let subscription = store::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = customers::get(&state.db, user.merchant_id(), &subscription.customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((subscription, customer))
}

async fn show_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    id: &str,
    charge: ChargeInput,
    errors: FieldErrors,
) -> Result<ShowPage, AppError> {
    let (subscription, customer) = load(state, user, id).await?;
    let status = Status::parse(&subscription.status).map_err(|e| anyhow::anyhow!(e))?;
    let merchant = user.merchant_id();
    let transactions = transactions::for_subscription(&state.db, merchant, id).await?;
    let charged: HashSet<NaiveDate> = transactions.iter().filter_map(|t| t.period_start).collect();
    let pauses = billing::pauses_by_subscription(
        crate::store::billing::pauses_of(&state.db, merchant, &[id]).await?,
    );
    let earliest = transaction_service::earliest_collection(&state.db, merchant).await?;
    let today = user.today();
    let mut upcoming = billing::upcoming(
        &subscription,
        pauses.get(id).map(Vec::as_slice).unwrap_or_default(),
        &charged,
        today,
        today + chrono::Duration::days(3 * 366),
        earliest,
    );
    upcoming.truncate(UPCOMING);
    let chargeable = status.is_running() || status == Status::Cancelled;
    let invoice_filter = crate::store::invoices::InvoiceFilter {
        subscription_id: Some(id.to_string()),
        ..Default::default()
    };
    let invoices =
        crate::store::invoices::rows_after(&state.db, merchant, &invoice_filter, None, 10, 0)
            .await?;
    Ok(ShowPage {
        invoices_link: format!("/admin/invoices?subscription_id={id}"),
        invoices,
        layout: Layout::new(session, user, &subscription.description, "subscriptions")?,
        actions: if user.role.can_change() {
            actions_for(status)
        } else {
            Vec::new()
        },
        subscription,
        customer,
        transactions,
        upcoming,
        charge,
        errors,
        earliest_hint: format!("{earliest} at the earliest: the customer is told in advance"),
        chargeable,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = show_page(
        &state,
        &session,
        &user,
        &id,
        ChargeInput::default(),
        FieldErrors::default(),
    )
    .await?;
    render(StatusCode::OK, &page)
}

/// A one-off charge added from the subscription's page.
async fn add_charge(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<ChargeInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let earliest = transaction_service::earliest_collection(&state.db, user.merchant_id()).await?;
    let checked = form.parse(earliest);
    let save = async |charge| {
        let t = transaction_service::charge(&state.db, &user.user, &id, charge).await?;
        let message = format!(
            "One-off charge of {} added, collected on {}.",
            t.amount().format_eur(),
            t.due_date
        );
        Ok::<_, TransactionError>(Saved::new(message, format!("/admin/subscriptions/{id}")))
    };
    let again = async |errors| show_page(&state, &session, &user, &id, form, errors).await;
    forms::submit(&session, checked, save, again).await
}

impl From<TransactionError> for Refusal {
    fn from(e: TransactionError) -> Refusal {
        match e {
            TransactionError::SubscriptionNotFound | TransactionError::NotFound => {
                Refusal::Page(AppError::NotFound)
            }
            TransactionError::Unexpected(e) => e.into(),
            other => Refusal::field("amount", other),
        }
    }
}

/// The options of an action as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    /// pause: `now` or `date`; cancel: `now`, `end_of_period` or `date`.
    when: String,
    date: String,
    resume_on: String,
    mandate_id: String,
}

#[derive(Template)]
#[template(path = "admin/subscription_action.html")]
struct ConfirmPage {
    layout: Layout,
    subscription: Subscription,
    customer: Customer,
    action: Action,
    form: ActionForm,
    errors: FieldErrors,
    mandates: Vec<Mandate>,
    /// For a cancellation: how each choice comes out ("runs until 2027-03-31").
    cancel_now: String,
    cancel_end_of_period: String,
}

/// How cancelling `when` would come out, for the confirmation page.
async fn cancel_preview(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    when: CancelWhen,
) -> Result<String, AppError> {
    match service::preview_cancel(&state.db, &user.user, id, when, user.today()).await {
        Ok(c) => Ok(c.summary()),
        Err(ChangeError::NotFound) => Err(AppError::NotFound),
        Err(ChangeError::Unexpected(e)) => Err(e.into()),
        Err(_) => Ok(String::new()),
    }
}

async fn confirm_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    id: &str,
    action: Action,
    form: ActionForm,
    errors: FieldErrors,
) -> Result<ConfirmPage, AppError> {
    let (subscription, customer) = load(state, user, id).await?;
    let mut mandates =
        mandate_store::for_customer(&state.db, user.merchant_id(), &customer.id).await?;
    mandates.retain(|m| m.status == "valid" && Some(&m.id) != subscription.mandate_id.as_ref());
    let (cancel_now, cancel_end_of_period) = if action == Action::Cancel {
        (
            cancel_preview(state, user, id, CancelWhen::Now).await?,
            cancel_preview(state, user, id, CancelWhen::EndOfPeriod).await?,
        )
    } else {
        Default::default()
    };
    Ok(ConfirmPage {
        cancel_now,
        cancel_end_of_period,
        layout: Layout::new(session, user, &subscription.description, "subscriptions")?,
        subscription,
        customer,
        action,
        form,
        errors,
        mandates,
    })
}

async fn confirm(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    // A cancellation runs to the end of the period by default: what the customer paid for.
    let when = if action == Action::Cancel {
        "end_of_period"
    } else {
        "now"
    };
    let form = ActionForm {
        when: when.into(),
        ..ActionForm::default()
    };
    render(
        StatusCode::OK,
        &confirm_page(
            &state,
            &session,
            &user,
            &id,
            action,
            form,
            FieldErrors::default(),
        )
        .await?,
    )
}

fn date(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<NaiveDate> {
    errors.check(field, parse_date(value))
}

async fn act(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    let form = form.into_inner();
    let today = user.today();
    let mut errors = FieldErrors::default();
    let result = match action {
        Action::Pause => {
            let from = if form.when == "date" {
                date(&mut errors, "date", &form.date)
            } else {
                None
            };
            let resume_on = if form.resume_on.trim().is_empty() {
                None
            } else {
                date(&mut errors, "resume_on", &form.resume_on)
            };
            if !errors.is_empty() {
                None
            } else {
                Some(
                    service::pause(&state.db, &user.user, &id, from, resume_on, today)
                        .await
                        .map(|()| "Subscription paused.".to_string()),
                )
            }
        }
        Action::Resume => Some(
            service::resume(&state.db, &user.user, &id, today)
                .await
                .map(|()| "Subscription resumed.".to_string()),
        ),
        Action::Cancel => {
            let when = match form.when.as_str() {
                "end_of_period" => Some(CancelWhen::EndOfPeriod),
                "now" => Some(CancelWhen::Now),
                "date" => date(&mut errors, "date", &form.date).map(CancelWhen::On),
                _ => Some(CancelWhen::EndOfPeriod),
            };
            match when {
                Some(when) => Some(
                    service::cancel(&state.db, &user.user, &id, when, today)
                        .await
                        .map(|c| format!("Subscription cancelled: it {}.", c.summary())),
                ),
                None => None,
            }
        }
        // No other mandate: the customer is emailed a link to give a new one.
        Action::ChangeMandate if form.mandate_id == "new" => {
            let links = state.dunning_links();
            match renew::ask(&state.db, &links, &user.user, &id).await {
                Ok(email) => {
                    let message = format!(
                        "A link for a new mandate is on its way to {email}; the subscription moves                          to the new mandate once it is given."
                    );
                    flash(&session, FlashKind::Success, &message);
                    return Ok(see_other(&format!("/admin/subscriptions/{id}")));
                }
                Err(AskError::NotFound) => return Err(AppError::NotFound),
                Err(AskError::Unexpected(e)) => return Err(e.into()),
                Err(e) => {
                    errors.add("mandate_id", e);
                    None
                }
            }
        }
        Action::ChangeMandate => Some(
            service::change_mandate(&state.db, &user.user, &id, &form.mandate_id)
                .await
                .map(|()| "Mandate changed.".to_string()),
        ),
        Action::UndoCancel => Some(
            service::undo_cancel(&state.db, &user.user, &id, today)
                .await
                .map(|()| "Cancellation undone: the subscription runs on.".to_string()),
        ),
    };
    match result {
        Some(Ok(message)) => {
            flash(&session, FlashKind::Success, &message);
            return Ok(see_other(&format!("/admin/subscriptions/{id}")));
        }
        Some(Err(ChangeError::NotFound)) => return Err(AppError::NotFound),
        Some(Err(ChangeError::Unexpected(e))) => return Err(e.into()),
        Some(Err(ChangeError::BadDate(message))) => errors.add("date", message),
        Some(Err(ChangeError::BadMandate)) => errors.add("mandate_id", ChangeError::BadMandate),
        Some(Err(e)) => errors.add("action", e),
        None => {}
    }
    let page = confirm_page(&state, &session, &user, &id, action, form, errors).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
