//! Customers: the overview with search and filters, the form, and one customer's page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Confirmation, Layout, PageQuery, Pagination};
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::domain::{Bic, Iban, Language, MandateReference};
use crate::notify::Channel;
use crate::services::billing;
use crate::services::customers::{self as service, CustomerError, CustomerInput, PrivacyError};
use crate::services::sign_ups::{self, MandateSource, SignUp, SignUpError};
use crate::services::transactions as transaction_service;
use crate::store::activity::{self, Activity};
use crate::store::customers::{self, Customer, CustomerFilter, CustomerRow};
use crate::store::mandates::{self as mandate_store, Mandate};
use crate::store::messages::{self, MessageSummary};
use crate::store::products::{self, ProductRow};
use crate::store::subscriptions::{self, Subscription};
use crate::store::transactions;
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Refusal, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers", web::get().to(list))
        .route("/customers", web::post().to(create))
        .route("/customers/new", web::get().to(new))
        .route("/customers/{id}", web::get().to(show))
        .route("/customers/{id}/edit", web::get().to(edit))
        .route("/customers/{id}/edit", web::post().to(update))
        .route("/customers/{id}/subscriptions", web::post().to(assign))
        .route("/customers/{id}/export", web::get().to(export))
        .route(
            "/customers/{id}/anonymise",
            web::get().to(confirm_anonymise),
        )
        .route("/customers/{id}/anonymise", web::post().to(anonymise))
        .route("/customers/{id}/delete", web::get().to(confirm_delete))
        .route("/customers/{id}/delete", web::post().to(delete))
        .route("/customers/{id}/revoke-links", web::post().to(revoke_links))
        .route("/customers/{id}/grey-list", web::post().to(grey_list));
}

const SUBSCRIPTION_STATUSES: &[&str] = &[
    "pending_mandate",
    "planned",
    "active",
    "paused",
    "cancelled",
    "ended",
];
const MANDATE_STATUSES: &[&str] = &["pending", "valid", "revoked"];

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    subscription_status: String,
    mandate_status: String,
    grey_listed: String,
    sort: String,
    page: Option<i64>,
}

impl ListQuery {
    /// The filters again, for the page links.
    fn params(&self) -> String {
        super::kept_params(&[
            ("q", self.q.as_str()),
            ("subscription_status", &self.subscription_status),
            ("mandate_status", &self.mandate_status),
            ("grey_listed", &self.grey_listed),
            ("sort", &self.sort),
        ])
    }
}

#[derive(Template)]
#[template(path = "admin/customers.html")]
struct CustomersPage {
    layout: Layout,
    customers: Vec<CustomerRow>,
    query: ListQuery,
    pagination: Pagination,
    subscription_statuses: &'static [&'static str],
    mandate_statuses: &'static [&'static str],
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let pick = |value: &str, allowed: &[&str]| allowed.contains(&value).then(|| value.to_string());
    let filter = CustomerFilter {
        search: query.q.chars().take(100).collect(),
        subscription_status: pick(&query.subscription_status, SUBSCRIPTION_STATUSES),
        mandate_status: pick(&query.mandate_status, MANDATE_STATUSES),
        grey_listed_only: query.grey_listed == "on",
        sort: query.sort.clone(),
    };
    let page_query = PageQuery::new(query.page);
    let mut rows = customers::list(
        &state.db,
        user.merchant_id(),
        &filter,
        page_query.limit(),
        page_query.offset(),
    )
    .await?;
    let mut pagination = Pagination::of(&page_query, &mut rows, "/admin/customers");
    pagination.params = query.params();
    let page = CustomersPage {
        layout: Layout::new(&session, &user, "Customers", "customers")?,
        customers: rows,
        query,
        pagination,
        subscription_statuses: SUBSCRIPTION_STATUSES,
        mandate_statuses: MANDATE_STATUSES,
    };
    render(StatusCode::OK, &page)
}

/// The customer form as typed: the same fields an import maps columns to.
type CustomerForm = CustomerInput;

#[derive(Template)]
#[template(path = "admin/customer_form.html")]
struct CustomerFormPage {
    layout: Layout,
    customer_id: Option<String>,
    form: CustomerForm,
    errors: FieldErrors,
    languages: &'static [Language],
}

fn form_page(
    session: &Session,
    user: &CurrentUser,
    customer_id: Option<String>,
    form: CustomerForm,
    errors: FieldErrors,
) -> Result<CustomerFormPage, AppError> {
    let title = if customer_id.is_some() {
        "Edit customer"
    } else {
        "New customer"
    };
    Ok(CustomerFormPage {
        layout: Layout::new(session, user, title, "customers")?,
        customer_id,
        form,
        errors,
        languages: Language::ALL,
    })
}

async fn new(session: Session, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &form_page(
            &session,
            &user,
            None,
            CustomerForm::blank(),
            FieldErrors::default(),
        )?,
    )
}

impl From<CustomerError> for Refusal {
    fn from(e: CustomerError) -> Refusal {
        match e {
            CustomerError::ReferenceTaken => Refusal::field("reference", e),
            CustomerError::EmailTaken => Refusal::field("email", e),
            CustomerError::NotFound => Refusal::Page(AppError::NotFound),
            CustomerError::Unexpected(e) => e.into(),
        }
    }
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<CustomerForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let checked = service::check(&state.db, user.merchant_id(), &form, "").await?;
    let save = async |customer| {
        let id = service::create(&state.db, &user.user, customer).await?;
        Ok::<_, CustomerError>(Saved::new(
            "Customer created.",
            format!("/admin/customers/{id}"),
        ))
    };
    let page = async |errors| form_page(&session, &user, None, form, errors);
    forms::submit(&session, checked, save, page).await
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Customer, AppError> {
    customers::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, &id).await?;
    let form = CustomerForm::from(&customer);
    render(
        StatusCode::OK,
        &form_page(
            &session,
            &user,
            Some(customer.id),
            form,
            FieldErrors::default(),
        )?,
    )
}

async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<CustomerForm>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, &id).await?;
    let form = form.into_inner();
    let checked = service::check(&state.db, user.merchant_id(), &form, &customer.id).await?;
    let save = async |fields| {
        service::update(&state.db, &user.user, &customer.id, fields).await?;
        Ok::<_, CustomerError>(Saved::new(
            "Customer saved.",
            format!("/admin/customers/{}", customer.id),
        ))
    };
    let page = async |errors| form_page(&session, &user, Some(customer.id.clone()), form, errors);
    forms::submit(&session, checked, save, page).await
}

/// A coming charge of a running subscription.
struct Upcoming {
    date: NaiveDate,
    description: String,
    amount: String,
}

/// "Assign a product" as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    product_id: String,
    start_date: String,
    /// `email` or `sms` (send the customer a link) or `paper` (a signed mandate is held).
    way: String,
    iban: String,
    account_holder: String,
    bic: String,
    reference: String,
    signed_on: String,
}

impl AssignForm {
    /// The empty form; the way is chosen by the page (the customer's valid mandate, if any).
    fn blank(today: NaiveDate) -> AssignForm {
        AssignForm {
            start_date: today.to_string(),
            ..AssignForm::default()
        }
    }

    fn parse(&self, customer: &Customer, today: NaiveDate) -> Result<SignUp, FieldErrors> {
        let mut errors = FieldErrors::default();
        let date = |errors: &mut FieldErrors, field: &'static str, value: &str| {
            errors.check(field, parse_date(value))
        };
        if self.product_id.is_empty() {
            errors.add("product_id", "Choose a product");
        }
        let start_date = date(&mut errors, "start_date", &self.start_date);
        // One of the customer's valid mandates: no new mandate, no account asked.
        if let Some(mandate_id) = self.way.strip_prefix("mandate:") {
            let (Some(start_date), true) = (start_date, errors.is_empty()) else {
                return Err(errors);
            };
            let mandate = MandateSource::Existing {
                mandate_id: mandate_id.to_string(),
                accepted_on: None,
            };
            return Ok(SignUp::new(
                customer.id.clone(),
                self.product_id.clone(),
                start_date,
                mandate,
            ));
        }
        // A link may go without the account: the customer then enters it on the link's page.
        let link = matches!(self.way.as_str(), "email" | "sms");
        let without_account = link && self.iban.trim().is_empty();
        let iban = if without_account {
            None
        } else {
            errors.check("iban", Iban::parse(&self.iban))
        };
        let account_holder = self.account_holder.trim().to_string();
        if account_holder.is_empty() && !without_account {
            errors.add("account_holder", "Enter the name of the account holder");
        } else if account_holder.chars().count() > 70 {
            errors.add("account_holder", "Use at most 70 characters");
        }
        let bic = if self.bic.trim().is_empty() {
            None
        } else {
            errors.check("bic", Bic::parse(&self.bic))
        };
        let way = match self.way.as_str() {
            "email" if customer.email.is_empty() => {
                errors.add(
                    "way",
                    "The customer has no email address: add one, or choose another way",
                );
                None
            }
            "sms" if customer.phone.is_empty() => {
                errors.add(
                    "way",
                    "The customer has no mobile number: add one, or choose another way",
                );
                None
            }
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "paper" => None,
            _ => {
                errors.add("way", "Choose how the mandate is given");
                None
            }
        };
        let paper = if self.way == "paper" {
            let reference = if self.reference.trim().is_empty() {
                None
            } else {
                errors.check("reference", MandateReference::parse(&self.reference))
            };
            let signed_on = date(&mut errors, "signed_on", &self.signed_on);
            if signed_on.is_some_and(|d| d > today) {
                errors.add("signed_on", "The signature date cannot be in the future");
            }
            Some((reference, signed_on))
        } else {
            None
        };
        let (Some(start_date), true) = (start_date, errors.is_empty()) else {
            return Err(errors);
        };
        let mandate = match (way, paper, iban) {
            (Some(channel), _, iban) => MandateSource::Link {
                channel,
                iban,
                bic,
                account_holder,
                deliver: true,
            },
            (None, Some((reference, Some(signed_on))), Some(iban)) => MandateSource::Paper {
                reference,
                signed_on,
                iban,
                bic,
                account_holder,
            },
            _ => return Err(errors),
        };
        Ok(SignUp::new(
            customer.id.clone(),
            self.product_id.clone(),
            start_date,
            mandate,
        ))
    }
}

#[derive(Template)]
#[template(path = "admin/customer.html")]
struct CustomerPage {
    layout: Layout,
    customer: Customer,
    mandates: Vec<Mandate>,
    subscriptions: Vec<Subscription>,
    upcoming: Vec<Upcoming>,
    activity: Vec<Activity>,
    messages: Vec<MessageSummary>,
    products: Vec<ProductRow>,
    /// The newest invoices and credit notes.
    invoices: Vec<crate::store::invoices::Invoice>,
    invoices_link: String,
    assign: AssignForm,
    errors: FieldErrors,
    /// The customer that has this customer's email address as its key (customers that shared
    /// an address before it had to be unique).
    same_email: Option<Customer>,
}

async fn customer_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    customer: Customer,
    mut assign: AssignForm,
    errors: FieldErrors,
) -> Result<CustomerPage, AppError> {
    let merchant_id = user.merchant_id();
    let mandates = mandate_store::for_customer(&state.db, merchant_id, &customer.id).await?;
    if assign.way.is_empty() {
        // A customer with a valid mandate needs no second one (the newest valid comes first).
        assign.way = match mandates.iter().find(|m| m.status == "valid") {
            Some(m) => format!("mandate:{}", m.id),
            None => "email".into(),
        };
    }
    let subscriptions = subscriptions::for_customer(&state.db, merchant_id, &customer.id).await?;
    let today = user.today();
    // Charges to come: those created and not yet collected, then the periods the billing run
    // will create (the same function decides both), over the next three months.
    let mut upcoming: Vec<Upcoming> =
        transactions::scheduled_for_customer(&state.db, merchant_id, &customer.id)
            .await?
            .into_iter()
            .map(|t| Upcoming {
                date: t.due_date,
                description: match (t.period_start, t.period_end) {
                    (Some(start), Some(end)) => format!("{}: {start} – {end}", t.description),
                    _ => t.description.clone(),
                },
                amount: t.amount().format_eur(),
            })
            .collect();
    let ids: Vec<&str> = subscriptions.iter().map(|s| s.id.as_str()).collect();
    let charged = billing::charged_periods(&state.db, merchant_id, &ids).await?;
    let pauses = billing::pauses_by_subscription(
        crate::store::billing::pauses_of(&state.db, merchant_id, &ids).await?,
    );
    let earliest = transaction_service::earliest_collection(&state.db, merchant_id).await?;
    let none = std::collections::HashSet::new();
    for s in &subscriptions {
        let recorded = pauses.get(&s.id).map(Vec::as_slice).unwrap_or_default();
        let done = charged.get(&s.id).unwrap_or(&none);
        let through = today + chrono::Duration::days(92);
        for c in billing::upcoming(s, recorded, done, today, through, earliest) {
            upcoming.push(Upcoming {
                date: c.collection_date,
                description: format!("{}: {} – {}", s.description, c.period.start, c.period.end),
                amount: c.amount().format_eur(),
            });
        }
    }
    // Scheduled pauses, resumes and cancellations.
    for s in &subscriptions {
        let changes = [
            (s.pause_on, "pauses"),
            (s.resume_on, "resumes"),
            (s.cancel_on, "runs its last day (cancelled)"),
        ];
        for (date, what) in changes {
            if let Some(date) = date.filter(|d| *d >= today) {
                upcoming.push(Upcoming {
                    date,
                    description: format!("{} {what}", s.description),
                    amount: String::new(),
                });
            }
        }
    }
    upcoming.sort_by_key(|u| u.date);
    let mut products = products::list(&state.db, merchant_id).await?;
    products.retain(|p| p.active);
    let same_email = if customer.email.is_empty() {
        None
    } else {
        customers::with_email(&state.db, merchant_id, &customer.email, &customer.id).await?
    };
    let invoice_filter = crate::store::invoices::InvoiceFilter {
        customer_id: Some(customer.id.clone()),
        ..Default::default()
    };
    Ok(CustomerPage {
        invoices_link: format!("/admin/invoices?customer_id={}", customer.id),
        invoices: crate::store::invoices::rows_after(
            &state.db,
            merchant_id,
            &invoice_filter,
            None,
            10,
            0,
        )
        .await?,
        layout: Layout::new(session, user, &customer.display_name(), "customers")?,
        mandates,
        activity: activity::for_customer(&state.db, merchant_id, &customer.id, 50).await?,
        messages: messages::for_customer(&state.db, merchant_id, &customer.id, 20).await?,
        subscriptions,
        upcoming,
        customer,
        products,
        assign,
        errors,
        same_email,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, &id).await?;
    let assign = AssignForm::blank(user.today());
    let page = customer_page(
        &state,
        &session,
        &user,
        customer,
        assign,
        FieldErrors::default(),
    )
    .await?;
    render(StatusCode::OK, &page)
}

/// Assigns a product: either the customer gets a link to issue the mandate, or a signed paper
/// mandate is recorded and accepted at once.
async fn assign(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, &id).await?;
    let form = form.into_inner();
    let today = user.today();
    let signup = match form.parse(&customer, today) {
        Ok(signup) => signup,
        Err(errors) => {
            let page = customer_page(&state, &session, &user, customer, form, errors).await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let message = match &signup.mandate {
        MandateSource::Link {
            channel: Channel::Sms,
            ..
        } => "The customer has been sent a text message with a link to confirm the mandate.",
        MandateSource::Link { .. } => {
            "The customer has been emailed a link to confirm the mandate."
        }
        _ => "Mandate recorded and subscription created.",
    };
    match sign_ups::sign_up(&state.sign_ups(), &user.user, signup, today).await {
        Ok(_) => {
            flash(&session, FlashKind::Success, message);
            Ok(see_other(&format!("/admin/customers/{}", customer.id)))
        }
        Err(SignUpError::Unexpected(e)) => Err(e.into()),
        Err(SignUpError::Invalid {
            field: "customer_id",
            ..
        }) => Err(AppError::NotFound),
        Err(e) => {
            // The form's names for the fields the service names.
            let field = match &e {
                SignUpError::Invalid {
                    field: "reference", ..
                } => "reference",
                SignUpError::Invalid {
                    field: "channel" | "mandate_id",
                    ..
                } => "way",
                _ => "product_id",
            };
            let mut errors = FieldErrors::default();
            errors.add(field, e.to_string());
            let page = customer_page(&state, &session, &user, customer, form, errors).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Everything stored about a customer, as a JSON download (GDPR access request).
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let c = load(&state, &user, &id).await?;
    let merchant_id = user.merchant_id();
    let mandates = mandate_store::for_customer(&state.db, merchant_id, &c.id).await?;
    let subscriptions = subscriptions::for_customer(&state.db, merchant_id, &c.id).await?;
    let messages = messages::for_customer(&state.db, merchant_id, &c.id, 1000).await?;
    let activity = activity::for_customer(&state.db, merchant_id, &c.id, 1000).await?;
    let document = serde_json::json!({
        "customer": {
            "id": c.id, "reference": c.reference, "first_name": c.first_name, "last_name": c.last_name,
            "company": c.company, "email": c.email, "phone": c.phone, "street": c.street,
            "postal_code": c.postal_code, "city": c.city, "country": c.country, "language": c.language,
            "automatic_billing": c.automatic_billing, "payment_method": c.payment_method,
            "grey_listed": c.grey_listed, "grey_list_reason": c.grey_list_reason,
            "anonymised_at": c.anonymised_at, "created_at": c.created_at,
        },
        "mandates": mandates.iter().map(|m| serde_json::json!({
            "id": m.id, "reference": m.reference, "iban": m.iban, "bic": m.bic,
            "account_holder": m.account_holder, "method": m.method, "status": m.status,
            "signed_on": m.signed_on, "first_used_on": m.first_used_on, "revoked_at": m.revoked_at,
            "created_at": m.created_at,
        })).collect::<Vec<_>>(),
        "subscriptions": subscriptions.iter().map(|s| serde_json::json!({
            "id": s.id, "description": s.description, "amount": s.amount().to_string(), "currency": "EUR",
            "vat_rate_basis_points": s.vat_basis_points, "interval": s.billing_interval,
            "start_date": s.start_date, "status": s.status, "pause_on": s.pause_on,
            "resume_on": s.resume_on, "cancel_on": s.cancel_on,
        })).collect::<Vec<_>>(),
        "messages": messages.iter().map(|m| serde_json::json!({
            "id": m.id, "channel": m.channel, "recipient": m.recipient, "subject": m.subject,
            "status": m.status, "created_at": m.created_at,
        })).collect::<Vec<_>>(),
        "activity": activity.iter().map(|a| serde_json::json!({
            "at": a.created_at, "by": a.actor_label, "action": a.action, "details": a.details,
        })).collect::<Vec<_>>(),
    });
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"customer-{}.json\"", c.id),
        ))
        .body(serde_json::to_string_pretty(&document).map_err(|e| anyhow::anyhow!(e))?))
}

/// Shows a privacy refusal as a flash message.
fn privacy_outcome(session: &Session, result: Result<&str, PrivacyError>) -> Result<(), AppError> {
    match result {
        Ok(message) => flash(session, FlashKind::Success, message),
        Err(PrivacyError::NotFound) => return Err(AppError::NotFound),
        Err(PrivacyError::Unexpected(e)) => return Err(e.into()),
        Err(e) => flash(session, FlashKind::Error, &e.to_string()),
    }
    Ok(())
}

async fn confirm_anonymise(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let c = load(&state, &user, &id).await?;
    Confirmation {
        question: format!("Anonymise {}?", c.display_name()),
        losses: vec![
            "Name, company, email, mobile number and address are removed for good: they cannot be \
             restored, and the customer can no longer be found by them."
                .into(),
            "Mandates, transactions and invoices are kept, as the law requires, without the \
             personal data."
                .into(),
            "Export the data first if the customer asked for a copy.".into(),
        ],
        action: format!("/admin/customers/{}/anonymise", c.id),
        button: "Anonymise",
        back: format!("/admin/customers/{}", c.id),
    }
    .render(&session, &user, "customers")
}

async fn confirm_delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let c = load(&state, &user, &id).await?;
    Confirmation {
        question: format!("Delete {}?", c.display_name()),
        losses: vec![
            "The customer, their mandates and subscriptions are deleted for good; the messages \
             sent to them are emptied."
                .into(),
            "A customer with collected transactions or a running subscription cannot be deleted: \
             anonymise them instead."
                .into(),
        ],
        action: format!("/admin/customers/{}/delete", c.id),
        button: "Delete",
        back: format!("/admin/customers/{}", c.id),
    }
    .render(&session, &user, "customers")
}

async fn anonymise(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let result = service::anonymise(&state.db, &user.user, &id)
        .await
        .map(|()| "Personal data removed; financial records kept.");
    privacy_outcome(&session, result)?;
    Ok(see_other(&format!("/admin/customers/{id}")))
}

async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match service::delete(&state.db, &user.user, &id).await {
        Ok(()) => {
            flash(&session, FlashKind::Success, "Customer deleted.");
            Ok(see_other("/admin/customers"))
        }
        Err(e) => {
            privacy_outcome(&session, Err(e))?;
            Ok(see_other(&format!("/admin/customers/{id}")))
        }
    }
}

async fn revoke_links(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let result = service::revoke_links(&state.db, &user.user, &id)
        .await
        .map(|n| {
            if n == 0 {
                "There were no open links."
            } else {
                "Every open link of this customer is withdrawn."
            }
        });
    privacy_outcome(&session, result)?;
    Ok(see_other(&format!("/admin/customers/{id}")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GreyListForm {
    /// `add` or `remove`.
    change: String,
    reason: String,
}

async fn grey_list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<GreyListForm>,
) -> Result<HttpResponse, AppError> {
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        load(&state, &user, &id).await?;
        flash(
            &session,
            FlashKind::Error,
            "Give a reason (at most 200 characters) for the grey list change.",
        );
        return Ok(see_other(&format!("/admin/customers/{id}")));
    }
    let on = form.change == "add";
    let result = service::set_grey_listed(&state.db, &user.user, &id, on, reason)
        .await
        .map(|()| {
            if on {
                "Customer grey-listed."
            } else {
                "Customer removed from the grey list."
            }
        });
    privacy_outcome(&session, result)?;
    Ok(see_other(&format!("/admin/customers/{id}")))
}
