//! Customers: the overview with search and filters, the form, and one customer's page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Layout, PageQuery, Pagination};
use crate::customers::{self as service, CustomerError};
use crate::domain::{CountryCode, EmailAddress, Interval, Language, PhoneNumber};
use crate::store::activity::{self, Activity};
use crate::store::customers::{self, Customer, CustomerFilter, CustomerRow, NewCustomer};
use crate::store::mandates::{self as mandate_store, Mandate};
use crate::store::merchants;
use crate::store::messages::{self, MessageSummary};
use crate::store::subscriptions::{self, Subscription};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::FieldErrors;
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers", web::get().to(list))
        .route("/customers", web::post().to(create))
        .route("/customers/new", web::get().to(new))
        .route("/customers/{id}", web::get().to(show))
        .route("/customers/{id}/edit", web::get().to(edit))
        .route("/customers/{id}/edit", web::post().to(update));
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
        let pairs: Vec<(&str, &str)> = [
            ("q", self.q.as_str()),
            ("subscription_status", &self.subscription_status),
            ("mandate_status", &self.mandate_status),
            ("grey_listed", &self.grey_listed),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if encoded.is_empty() {
            encoded
        } else {
            format!("{encoded}&")
        }
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

/// The customer form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CustomerForm {
    first_name: String,
    last_name: String,
    company: String,
    reference: String,
    email: String,
    phone: String,
    street: String,
    postal_code: String,
    city: String,
    country: String,
    language: String,
    automatic_billing: Option<String>,
    payment_method: String,
}

impl CustomerForm {
    fn from_customer(c: &Customer) -> CustomerForm {
        CustomerForm {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            company: c.company.clone(),
            reference: c.reference.clone().unwrap_or_default(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            street: c.street.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            country: c.country.clone(),
            language: c.language.clone().unwrap_or_default(),
            automatic_billing: c.automatic_billing.then(|| "on".into()),
            payment_method: c.payment_method.clone(),
        }
    }

    fn blank() -> CustomerForm {
        CustomerForm {
            automatic_billing: Some("on".into()),
            payment_method: "direct_debit".into(),
            ..CustomerForm::default()
        }
    }

    /// Checks every field; `default_country` completes national phone numbers.
    fn parse(&self, default_country: &str) -> Result<NewCustomer, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = |errors: &mut FieldErrors, field: &'static str, value: &str, max: usize| {
            let value = value.trim();
            if value.chars().count() > max {
                errors.add(field, format!("Use at most {max} characters"));
            }
            value.to_string()
        };
        let first_name = text(&mut errors, "first_name", &self.first_name, 70);
        let last_name = text(&mut errors, "last_name", &self.last_name, 70);
        let company = text(&mut errors, "company", &self.company, 70);
        if last_name.is_empty() && company.is_empty() {
            errors.add("last_name", "Enter a last name or a company name");
        }
        let reference = text(&mut errors, "reference", &self.reference, 35);
        let email = if self.email.trim().is_empty() {
            String::new()
        } else {
            errors
                .check("email", EmailAddress::parse(&self.email))
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let country = if self.country.trim().is_empty() {
            String::new()
        } else {
            errors
                .check("country", CountryCode::parse(&self.country))
                .map(|c| c.to_string())
                .unwrap_or_default()
        };
        let phone_country = if country.is_empty() {
            default_country
        } else {
            country.as_str()
        };
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            errors
                .check("phone", PhoneNumber::parse(&self.phone, phone_country))
                .map(|p| p.to_string())
                .unwrap_or_default()
        };
        let language = if self.language.is_empty() {
            None
        } else {
            errors
                .check("language", Language::parse(&self.language))
                .map(|l| l.code().to_string())
        };
        let payment_method = match self.payment_method.as_str() {
            "direct_debit" | "manual" => self.payment_method.clone(),
            _ => {
                errors.add("payment_method", "Choose direct debit or manual payment");
                String::new()
            }
        };
        let customer = NewCustomer {
            reference: Some(reference).filter(|r| !r.is_empty()),
            first_name,
            last_name,
            company,
            email,
            phone,
            street: text(&mut errors, "street", &self.street, 70),
            postal_code: text(&mut errors, "postal_code", &self.postal_code, 16),
            city: text(&mut errors, "city", &self.city, 35),
            country,
            language,
            automatic_billing: self.automatic_billing.is_some(),
            payment_method,
            ..NewCustomer::default()
        };
        if errors.is_empty() {
            Ok(customer)
        } else {
            Err(errors)
        }
    }
}

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

/// Parses the form and refuses an email another customer already has.
async fn checked(
    state: &AppState,
    user: &CurrentUser,
    form: &CustomerForm,
    except_id: &str,
) -> Result<Result<NewCustomer, FieldErrors>, AppError> {
    let merchant = merchants::get(&state.db, user.merchant_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let default_country = if merchant.country.is_empty() {
        "NL"
    } else {
        merchant.country.as_str()
    };
    let mut parsed = form.parse(default_country);
    if let Ok(customer) = &parsed
        && !customer.email.is_empty()
        && let Some(other) =
            customers::with_email(&state.db, user.merchant_id(), &customer.email, except_id).await?
    {
        let mut errors = FieldErrors::default();
        errors.add(
            "email",
            format!("{} already uses this email address", other.display_name()),
        );
        parsed = Err(errors);
    }
    Ok(parsed)
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<CustomerForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = match checked(&state, &user, &form, "").await? {
        Ok(customer) => match service::create(&state.db, &user.user, customer).await {
            Ok(id) => {
                flash(&session, FlashKind::Success, "Customer created.");
                return Ok(see_other(&format!("/admin/customers/{id}")));
            }
            Err(CustomerError::ReferenceTaken) => {
                let mut errors = FieldErrors::default();
                errors.add("reference", CustomerError::ReferenceTaken);
                errors
            }
            Err(CustomerError::NotFound) => return Err(AppError::NotFound),
            Err(CustomerError::Unexpected(e)) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    if errors.is_empty() {
        errors.add("last_name", "Check the form");
    }
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(&session, &user, None, form, errors)?,
    )
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
    let form = CustomerForm::from_customer(&customer);
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
    let errors = match checked(&state, &user, &form, &customer.id).await? {
        Ok(fields) => match service::update(&state.db, &user.user, &customer.id, fields).await {
            Ok(()) => {
                flash(&session, FlashKind::Success, "Customer saved.");
                return Ok(see_other(&format!("/admin/customers/{}", customer.id)));
            }
            Err(CustomerError::ReferenceTaken) => {
                let mut errors = FieldErrors::default();
                errors.add("reference", CustomerError::ReferenceTaken);
                errors
            }
            Err(CustomerError::NotFound) => return Err(AppError::NotFound),
            Err(CustomerError::Unexpected(e)) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(&session, &user, Some(customer.id), form, errors)?,
    )
}

/// A coming charge of a running subscription.
struct Upcoming {
    date: NaiveDate,
    description: String,
    amount: String,
}

/// The next charge date on or after `today`, counted from the start date.
fn next_charge(subscription: &Subscription, today: NaiveDate) -> Option<NaiveDate> {
    let interval = Interval::parse(&subscription.billing_interval).ok()?;
    (0..5000).find_map(|k| {
        interval
            .charge_date(subscription.start_date, k)
            .filter(|d| *d >= today)
    })
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
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, &id).await?;
    let merchant_id = user.merchant_id();
    let subscriptions = subscriptions::for_customer(&state.db, merchant_id, &customer.id).await?;
    let today = chrono::Utc::now().date_naive();
    let mut upcoming: Vec<Upcoming> = subscriptions
        .iter()
        .filter(|s| matches!(s.status.as_str(), "active" | "planned"))
        .filter_map(|s| {
            next_charge(s, today).map(|date| Upcoming {
                date,
                description: s.description.clone(),
                amount: s.amount().format_eur(),
            })
        })
        .collect();
    upcoming.sort_by_key(|u| u.date);
    let page = CustomerPage {
        layout: Layout::new(&session, &user, &customer.display_name(), "customers")?,
        mandates: mandate_store::for_customer(&state.db, merchant_id, &customer.id).await?,
        activity: activity::for_customer(&state.db, merchant_id, &customer.id, 50).await?,
        messages: messages::for_customer(&state.db, merchant_id, &customer.id, 20).await?,
        subscriptions,
        upcoming,
        customer,
    };
    render(StatusCode::OK, &page)
}
