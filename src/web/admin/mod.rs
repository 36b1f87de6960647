//! The merchant back-office under `/admin`.

mod billing;
mod collections;
mod customers;
mod developers;
mod imports;
mod invoices;
mod mandates;
mod messages;
mod products;
mod settings;
mod signup_pages;
mod subscriptions;
mod transactions;
mod users;
mod webhooks;

pub use collections::file_response as collection_file;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::error::{AppError, render};
use super::session::{CurrentUser, Flash, csrf_token, take_flashes};
use crate::domain::role::Role;
use crate::store::activity::{self, Activity};
use crate::store::merchants;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", web::get().to(dashboard))
            .route("/", web::get().to(dashboard))
            .configure(billing::routes)
            .configure(collections::routes)
            .configure(customers::routes)
            .configure(developers::routes)
            .configure(imports::routes)
            .configure(invoices::routes)
            .configure(mandates::routes)
            .configure(messages::routes)
            .configure(signup_pages::routes)
            .configure(products::routes)
            .configure(settings::routes)
            .configure(subscriptions::routes)
            .configure(transactions::routes)
            .configure(users::routes)
            .configure(webhooks::routes),
    );
}

/// A section in the navigation; only sections that exist are listed.
pub struct NavItem {
    pub key: &'static str,
    pub label: &'static str,
    pub href: &'static str,
}

const NAV: &[NavItem] = &[
    NavItem {
        key: "dashboard",
        label: "Dashboard",
        href: "/admin",
    },
    NavItem {
        key: "customers",
        label: "Customers",
        href: "/admin/customers",
    },
    NavItem {
        key: "import",
        label: "Import",
        href: "/admin/import",
    },
    NavItem {
        key: "subscriptions",
        label: "Subscriptions",
        href: "/admin/subscriptions",
    },
    NavItem {
        key: "transactions",
        label: "Transactions",
        href: "/admin/transactions",
    },
    NavItem {
        key: "invoices",
        label: "Invoices",
        href: "/admin/invoices",
    },
    NavItem {
        key: "billing",
        label: "Billing",
        href: "/admin/billing",
    },
    NavItem {
        key: "collections",
        label: "Collections",
        href: "/admin/collections",
    },
    NavItem {
        key: "mandates",
        label: "Mandates",
        href: "/admin/mandates",
    },
    NavItem {
        key: "products",
        label: "Products",
        href: "/admin/products",
    },
    NavItem {
        key: "pages",
        label: "Sign-up pages",
        href: "/admin/pages",
    },
    NavItem {
        key: "messages",
        label: "Messages",
        href: "/admin/messages",
    },
    NavItem {
        key: "developers",
        label: "Developers",
        href: "/admin/developers",
    },
    NavItem {
        key: "users",
        label: "Users",
        href: "/admin/users",
    },
    NavItem {
        key: "settings",
        label: "Settings",
        href: "/admin/settings",
    },
];

/// What the admin chrome needs on every page.
pub struct Layout {
    pub title: String,
    pub active: &'static str,
    pub nav: &'static [NavItem],
    pub csrf: String,
    pub user_email: String,
    pub role: Role,
    pub merchant_name: String,
    pub flashes: Vec<Flash>,
    /// Online payments go to the built-in test checkout.
    pub test_payments: bool,
}

impl Layout {
    /// The chrome for `user`, taking the pending flash messages.
    pub fn new(
        session: &Session,
        user: &CurrentUser,
        title: &str,
        active: &'static str,
    ) -> Result<Layout, AppError> {
        Ok(Layout {
            title: title.to_string(),
            active,
            nav: NAV,
            csrf: csrf_token(session)?,
            user_email: user.user.email.clone(),
            role: user.role,
            merchant_name: user.merchant_name.clone(),
            flashes: take_flashes(session),
            test_payments: user.test_payments,
        })
    }

    /// Whether forms that change data are shown.
    pub fn can_change(&self) -> bool {
        self.role.can_change()
    }

    /// Whether user management is shown.
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }
}

/// The step before an action that cannot be undone (or not easily): what it does to what, and
/// what is lost. Its form posts to `action`, where the action itself is done.
pub struct Confirmation {
    /// The question in the heading: "Delete Jan de Vries?".
    pub question: String,
    /// What will be lost or change, one sentence each.
    pub losses: Vec<String>,
    /// Where the form posts.
    pub action: String,
    /// The button's label.
    pub button: &'static str,
    /// The page to go back to without doing it.
    pub back: String,
}

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmationPage {
    layout: Layout,
    c: Confirmation,
}

impl Confirmation {
    /// Renders the confirmation page in the admin section `active`.
    pub fn render(
        self,
        session: &Session,
        user: &CurrentUser,
        active: &'static str,
    ) -> Result<HttpResponse, AppError> {
        let page = ConfirmationPage {
            layout: Layout::new(session, user, &self.question, active)?,
            c: self,
        };
        render(StatusCode::OK, &page)
    }
}

/// A stored code (a status, a mandate method) as staff read it: words, not `pending_mandate`.
pub fn label(code: &str) -> String {
    match code {
        "pending_mandate" => "awaiting mandate".to_string(),
        "one_off" => "one-off".to_string(),
        other => other.replace('_', " "),
    }
}

/// A list's filters for its page links: the non-empty ones, encoded and ending in `&` (empty
/// when there are none).
pub fn kept_params(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let encoded = serde_urlencoded::to_string(kept).unwrap_or_default();
    if encoded.is_empty() {
        encoded
    } else {
        format!("{encoded}&")
    }
}

/// `?page=N` of a list; pages hold 50 rows.
#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

const PAGE_SIZE: i64 = 50;

impl PageQuery {
    /// A query for page `page` (1 when absent).
    pub fn new(page: Option<i64>) -> PageQuery {
        PageQuery { page }
    }

    /// The page asked for, 1 or more.
    pub fn number(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    /// Rows to fetch: one more than a page, to know whether another page follows.
    pub fn limit(&self) -> i64 {
        PAGE_SIZE + 1
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        (self.number() - 1).saturating_mul(PAGE_SIZE)
    }
}

/// Where a list page stands, for the "Newer / Older" links.
pub struct Pagination {
    pub page: i64,
    pub has_next: bool,
    pub base: String,
    /// Other query parameters to keep, encoded and ending in `&` (or empty).
    pub params: String,
}

impl Pagination {
    /// Drops the extra row fetched by `PageQuery::limit` and says whether it was there.
    pub fn of<T>(query: &PageQuery, rows: &mut Vec<T>, base: impl Into<String>) -> Pagination {
        let has_next = rows.len() as i64 > PAGE_SIZE;
        rows.truncate(PAGE_SIZE as usize);
        Pagination {
            page: query.number(),
            has_next,
            base: base.into(),
            params: String::new(),
        }
    }
}

/// Something the merchant still has to do before collecting.
struct Todo {
    text: &'static str,
    href: &'static str,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    todos: Vec<Todo>,
    activity: Vec<Activity>,
}

async fn dashboard(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let merchant = merchants::get(&state.db, user.merchant_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut todos = Vec::new();
    if merchant.creditor_id.is_none() {
        todos.push(Todo {
            text: "Add your SEPA creditor identifier",
            href: "/admin/settings#creditor_id",
        });
    }
    if merchant.creditor_iban.is_none() {
        todos.push(Todo {
            text: "Add the IBAN the collections are paid into",
            href: "/admin/settings#creditor_iban",
        });
    }
    if merchant.street.is_empty() || merchant.city.is_empty() || merchant.country.is_empty() {
        todos.push(Todo {
            text: "Add your business address (it appears on every mandate)",
            href: "/admin/settings#street",
        });
    }
    let page = DashboardPage {
        layout: Layout::new(&session, &user, "Dashboard", "dashboard")?,
        todos,
        activity: activity::recent(&state.db, user.merchant_id(), 20).await?,
    };
    render(StatusCode::OK, &page)
}
