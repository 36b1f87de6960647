//! The one place test helpers live: spawning the app, browser-like clients, form scraping.

use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use abbo::Application;
use abbo::config::{Config, Settings};
use abbo::notify::Outbox;
use abbo::services::webhooks::Webhooks;
use abbo::store::Db;
use reqwest::{Client, Response, StatusCode};

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// A running app with its own database, and a browser-like client (cookies, no redirects).
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: Db,
    pub config: Config,
    pub outbox: Arc<Outbox>,
    pub webhooks: Arc<Webhooks>,
    /// Stops the app's server (to start another one on the same database).
    pub server: actix_web::dev::ServerHandle,
    pub data_dir: tempfile::TempDir,
    /// Dropped with the app: removes the PostgreSQL test database.
    _postgres: Option<PostgresDatabase>,
}

/// A throw-away PostgreSQL database, dropped with the test.
struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Settings for a test app: random port, fresh data folder.
pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.storage.data_dir = data_dir.display().to_string();
    settings.database.url = format!("sqlite://{}/abbo.db", data_dir.display());
    settings.email.url = format!("file://{}/outbox", data_dir.display());
    // Tests deliver the outbox themselves (`TestApp::outbox`), so nothing races them.
    settings.outbox.worker = false;
    settings
}

/// Whether this run uses PostgreSQL.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

async fn create_postgres_database(admin_url: &str) -> (String, PostgresDatabase) {
    use sqlx::Connection;
    let name = format!(
        "abbo_test_{}",
        abbo::domain::id::new_id(abbo::domain::id::IdPrefix::Event).replace("evt_", "")
    );
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL must point at a PostgreSQL server that accepts connections");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL needs a database name");
    let url = format!("{base}/{name}");
    (
        url,
        PostgresDatabase {
            admin_url: admin_url.to_string(),
            name,
        },
    )
}

/// Binds a free port (first, so that links in emails carry the real port), applies `adjust`
/// and builds the app on its migrated database; returns (address, config, app).
async fn start(
    mut settings: Settings,
    adjust: impl FnOnce(&mut Settings),
) -> (String, Config, Application) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    settings.server.base_url = address.clone();
    adjust(&mut settings);
    let config = settings.validate().expect("test settings are valid");
    let db = Db::open(&config).await.expect("the database opens");
    let app = Application::with_listener(config.clone(), db, listener).expect("the app starts");
    (address, config, app)
}

/// Starts the app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed the settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    static LOGS: AtomicBool = AtomicBool::new(false);
    if std::env::var("TEST_LOG").is_ok() && !LOGS.swap(true, Ordering::SeqCst) {
        abbo::telemetry::init();
    }
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data_dir.path());
    let mut postgres = None;
    if let Some(admin_url) = postgres_url() {
        let (url, database) = create_postgres_database(&admin_url).await;
        settings.database.url = url;
        postgres = Some(database);
    }
    let (address, config, app) = start(settings, adjust).await;
    let db = app.db().clone();
    let outbox = app.outbox();
    let webhooks = app.webhooks();
    let server = app.server_handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: browser(),
        db,
        config,
        outbox,
        webhooks,
        server,
        data_dir,
        _postgres: postgres,
    }
}

/// A client that keeps cookies and shows redirects instead of following them.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the `csrf_token` field in a page.
pub fn csrf_token(html: &str) -> String {
    hidden_value(html, "csrf_token").expect("the page has a csrf_token field")
}

/// A multipart form as the admin's upload forms send it: the CSRF token first, before the file.
pub fn upload_form(token: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().text("csrf_token", token.to_string())
}

/// A date as Dutch writes it out, written here independently of the app's own function.
pub fn dutch_date(day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    format!(
        "{} {} {}",
        day.day(),
        months[day.month0() as usize],
        day.year()
    )
}

/// What the customer should read of a € 12,95 monthly subscription starting on `start` whose
/// first debited period starts on `first_period`, by the billing run's rule: collected on that
/// day, no earlier than today plus the merchant's pre-notification lead, on a TARGET2 business
/// day.
pub async fn dutch_schedule(
    db: &abbo::store::Db,
    start: chrono::NaiveDate,
    first_period: chrono::NaiveDate,
) -> String {
    let merchant = abbo::store::merchants::list(db).await.unwrap().remove(0);
    let earliest = today() + chrono::Duration::days(i64::from(merchant.notice_lead_days));
    let first = abbo::domain::calendar::business_day_on_or_after(first_period.max(earliest));
    format!(
        "Start op {}. De eerste afschrijving van € 12,95 is op {}, daarna € 12,95 per maand.",
        dutch_date(start),
        dutch_date(first)
    )
}

/// The body of a page fetched without a session (as a customer's browser does).
pub async fn customer_page(url: &str) -> String {
    browser()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of a hidden input by name.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_string)
}

/// The text of the element with this id, if present.
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("#{id}")).unwrap();
    document
        .select(&selector)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
}

/// The `Location` header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_string()
}

impl TestApp {
    /// Stops this app's server and starts another app on the same database and data folder,
    /// after `adjust` has changed its settings (like a restart); returns its address.
    pub async fn restart_with(&self, adjust: impl FnOnce(&mut Settings)) -> String {
        self.server.stop(true).await;
        let mut settings = test_settings(self.data_dir.path());
        settings.database.url = self.config.database_url.clone();
        let (address, _, app) = start(settings, adjust).await;
        tokio::spawn(app.run_until_stopped());
        address
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.get_as(&self.client, path).await
    }

    pub async fn get_as(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    /// GETs a page and returns its HTML, asserting 200.
    pub async fn page(&self, path: &str) -> String {
        self.page_as(&self.client, path).await
    }

    pub async fn page_as(&self, client: &Client, path: &str) -> String {
        let response = self.get_as(client, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_as(&self.client, path, fields).await
    }

    pub async fn post_form_as(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Submits a form the way a browser does: load `page`, take its CSRF token, post `fields`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        self.submit_as(&self.client, page, action, fields).await
    }

    pub async fn submit_as(
        &self,
        client: &Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let html = self.page_as(client, page).await;
        let token = csrf_token(&html);
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_as(client, action, &all).await
    }

    /// Completes first-run setup as the owner; the client is then signed in.
    pub async fn setup(&self) {
        let response = self
            .submit(
                "/setup",
                "/setup",
                &[
                    ("merchant_name", "Fietsabonnement BV"),
                    ("email", OWNER_EMAIL),
                    ("password", OWNER_PASSWORD),
                    ("password_confirm", OWNER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup succeeds");
    }

    /// Signs `client` in; asserts that it worked.
    pub async fn login_as(&self, client: &Client, email: &str, password: &str) {
        let response = self.try_login(client, email, password).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} succeeds"
        );
    }

    pub async fn try_login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.submit_as(
            client,
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Owner adds a user with `role`; returns a client signed in as that user.
    pub async fn user_with_role(&self, email: &str, role: &str) -> Client {
        let response = self
            .submit(
                "/admin/users",
                "/admin/users",
                &[
                    ("email", email),
                    ("role", role),
                    ("password", "another long password"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "owner adds {email}"
        );
        let client = browser();
        self.login_as(&client, email, "another long password").await;
        client
    }

    /// Runs the `abbo` binary on this app's database and data folder with `stdin` as its input.
    pub fn abbo(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_abbo"))
            .arg("--config")
            .arg(self.data_dir.path().join("missing.toml"))
            .args(args)
            .env("ABBO_DATABASE__URL", &self.config.database_url)
            .env("ABBO_STORAGE__DATA_DIR", self.data_dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// A second merchant with its own owner, made the way an operator hosting several merchants
    /// does (`abbo merchant create`); returns a client signed in as that owner.
    pub async fn other_merchant(&self) -> Client {
        let made = self.abbo(
            &[
                "merchant",
                "create",
                "--name",
                "Other shop",
                "--owner-email",
                "other@example.com",
            ],
            "another long password\n",
        );
        assert!(
            made.status.success(),
            "abbo merchant create: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        let client = browser();
        self.login_as(&client, "other@example.com", "another long password")
            .await;
        client
    }

    /// Creates a direct-debit customer; returns their page.
    pub async fn customer(&self, first: &str, last: &str, email: &str) -> String {
        let response = self
            .submit(
                "/admin/customers/new",
                "/admin/customers",
                &[
                    ("first_name", first),
                    ("last_name", last),
                    ("email", email),
                    ("payment_method", "direct_debit"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "customer created");
        location(&response)
    }

    /// Assigns `product` to the customer at `customer` from `start`, under a signed paper
    /// mandate `reference` (accepted at once).
    pub async fn paper_subscription(
        &self,
        customer: &str,
        product: &str,
        start: chrono::NaiveDate,
        reference: &str,
    ) {
        let signed = (start.min(today()) - chrono::Duration::days(1)).to_string();
        let start = start.to_string();
        let response = self
            .submit(
                customer,
                &format!("{customer}/subscriptions"),
                &[
                    ("product_id", product),
                    ("start_date", &start),
                    ("way", "paper"),
                    ("iban", "NL91ABNA0417164300"),
                    ("account_holder", "J. de Vries"),
                    ("reference", reference),
                    ("signed_on", &signed),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "subscription created"
        );
    }

    /// Assigns `product` from today to the customer of admin `page` under a signed paper mandate
    /// (signed today), the way staff do; asserts that it worked.
    pub async fn assign_with_paper_mandate(&self, page: &str, product: &str) {
        let today = today().to_string();
        let response = self
            .submit(
                page,
                &format!("{page}/subscriptions"),
                &[
                    ("product_id", product),
                    ("start_date", &today),
                    ("way", "paper"),
                    ("iban", "NL91ABNA0417164300"),
                    ("account_holder", "J. de Vries"),
                    ("signed_on", &today),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "product assigned");
    }

    /// Creates the product "Fiets Plus" (€ 12.95 incl. 21% VAT a month) offering the given
    /// mandate methods, e.g. `[("method_email", "on")]`; returns its id.
    pub async fn product(&self, methods: &[(&str, &str)]) -> String {
        let mut fields = vec![
            ("name", "Fiets Plus"),
            ("price", "12.95"),
            ("vat_rate", "21"),
            ("prices_include_vat", "on"),
            ("interval", "1 month"),
        ];
        fields.extend_from_slice(methods);
        let response = self
            .submit("/admin/products/new", "/admin/products", &fields)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "product created");
        let merchant = abbo::store::merchants::list(&self.db)
            .await
            .unwrap()
            .remove(0);
        abbo::store::products::list(&self.db, &merchant.id)
            .await
            .unwrap()
            .remove(0)
            .id
    }
}

/// Runs `$body` with `$conn` bound to the app's live pool, for tests that look at rows directly.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            abbo::store::Db::Sqlite { read: $conn, .. } => $body,
            abbo::store::Db::Postgres($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to a transaction's connection, for tests that change rows.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            abbo::store::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            abbo::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Today where the test merchants are (Europe/Amsterdam, the default time zone): every "today" of
/// the app is the merchant's.
pub fn today() -> chrono::NaiveDate {
    abbo::domain::calendar::today_in(chrono_tz::Europe::Amsterdam)
}
