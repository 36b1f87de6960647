//! What an outside test run found under concurrency, crashes and hostile input, each with the
//! test that shows it fixed: idempotency keys across a crash, control characters, limits and
//! "same email = same customer" under parallel requests, sessions after sign-out, ranges of
//! amounts and dates, import uploads, worker leases, caching, the payment provider setting.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, browser, location, spawn_app, spawn_app_with, text_of};
use crate::signup::{page, page_id, sign_up, token};
use crate::sinks::{HttpSink, Reply, SmtpSink, within};

/// An API key of the app's (only) merchant, made with the command line.
fn api_key(app: &TestApp) -> String {
    let out = app.abbo(&["api-key", "create", "--name", "Tests"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    crate::on_db!(&app.db, pool => {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await
    })
    .unwrap()
}

/// The real binary serving this app's database on its own port, as a separate process.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `abbo serve` with the extra environment `env` and waits until it answers.
    async fn start(app: &TestApp, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_abbo"))
            .arg("--config")
            .arg(app.data_dir.path().join("missing.toml"))
            .arg("serve")
            .env("ABBO_DATABASE__URL", &app.config.database_url)
            .env("ABBO_STORAGE__DATA_DIR", app.data_dir.path())
            .env("ABBO_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("ABBO_OUTBOX__WORKER", "false")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        within("the server to answer", async {
            loop {
                if let Ok(r) = reqwest::get(format!("{url}/healthz")).await
                    && r.status().is_success()
                {
                    break;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    let mut stderr = String::new();
                    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr)
                        .unwrap();
                    panic!("abbo serve stopped ({status}): {stderr}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        Server { child, url }
    }
}

impl Server {
    /// Stops the server and returns what it logged (to standard output).
    fn logs(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut logs = String::new();
        if let Some(stdout) = self.child.stdout.as_mut() {
            std::io::Read::read_to_string(stdout, &mut logs).unwrap();
        }
        logs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keyed(url: &str, key: &str, idempotency_key: &str, body: &Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(url)
        .bearer_auth(key)
        .header("Idempotency-Key", idempotency_key)
        .json(body)
}

#[tokio::test]
async fn a_request_whose_server_died_after_its_work_is_answered_by_its_key_after_a_restart() {
    let app = spawn_app().await;
    app.setup().await;
    let key = api_key(&app);
    let mut crashing = Server::start(&app, &[("CRASH_AFTER_WORK_FOR_TESTS", "1")]).await;
    let body = json!({"first_name": "Kim", "last_name": "Crash", "email": "kim@example.nl"});
    let url = format!("{}/api/v1/customers", crashing.url);
    let lost = keyed(&url, &key, "crash-1", &body).send().await;
    assert!(lost.is_err(), "the server died before answering: {lost:?}");
    let status = crashing.child.wait().unwrap();
    assert!(
        !status.success(),
        "the server was stopped by the crash hook"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE email = 'kim@example.nl'"
        )
        .await,
        1,
        "the work committed before the crash"
    );

    // After the restart the key gives the created customer, not a 409 and not a second one.
    let restarted = Server::start(&app, &[]).await;
    let url = format!("{}/api/v1/customers", restarted.url);
    let replay = keyed(&url, &key, "crash-1", &body).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let location = replay.headers()["location"].to_str().unwrap().to_string();
    let customer: Value = replay.json().await.unwrap();
    assert_eq!(customer["email"], "kim@example.nl");
    assert!(location.ends_with(customer["id"].as_str().unwrap()));
    let again: Value = keyed(&url, &key, "crash-1", &body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], customer["id"]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE email = 'kim@example.nl'"
        )
        .await,
        1
    );
    // The same key with another request is still refused.
    let other = keyed(&url, &key, "crash-1", &json!({"last_name": "Other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_claim_left_by_a_request_that_died_before_its_work_is_taken_over_after_its_lease() {
    let app = spawn_app().await;
    app.setup().await;
    let key = api_key(&app);
    let key_id = abbo::store::api_keys::list(&app.db, &merchant_id(&app).await)
        .await
        .unwrap()
        .remove(0)
        .id;
    let body = json!({"last_name": "Lease", "email": "lease@example.nl"});
    let url = app.url("/api/v1/customers");
    // The first request claims the key; its server dies before the work (the claim is left).
    let hash = request_hash("/api/v1/customers", &body);
    let claim = |locked_until: chrono::DateTime<chrono::Utc>, k: &'static str| {
        let (db, key_id, hash) = (app.db.clone(), key_id.clone(), hash.clone());
        async move {
            let mut tx = db.begin().await.unwrap();
            crate::on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, \
                     created_at, expires_at, locked_until) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&key_id)
                .bind(k)
                .bind(&hash)
                .bind(abbo::store::now())
                .bind(abbo::store::now() + chrono::Duration::hours(24))
                .bind(locked_until)
                .execute(conn)
                .await
                .map(|_| ())
            })
            .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let now = abbo::store::now();
    claim(now + chrono::Duration::seconds(30), "held").await;
    claim(now - chrono::Duration::seconds(1), "expired").await;
    let held = keyed(&url, &key, "held", &body).send().await.unwrap();
    assert_eq!(held.status(), StatusCode::CONFLICT, "within the lease");
    let taken = keyed(&url, &key, "expired", &body).send().await.unwrap();
    assert_eq!(taken.status(), StatusCode::CREATED, "a fresh completion");
    let replay = keyed(&url, &key, "expired", &body).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE email = 'lease@example.nl'"
        )
        .await,
        1
    );
}

/// The hash the API keeps of a JSON POST (method, path and body).
fn request_hash(path: &str, body: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"POST ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(body).unwrap());
    hex::encode(hasher.finalize())
}

async fn merchant_id(app: &TestApp) -> String {
    abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0)
        .id
}

#[tokio::test]
async fn control_characters_are_refused_in_every_input_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.setup().await;
    let key = api_key(&app);
    let api = reqwest::Client::new();
    // The JSON API names the field.
    let response = api
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&key)
        .json(&json!({"last_name": "Nul\u{0}byte", "email": "nul@example.nl"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "last_name");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("U+0000")
    );
    // A path and a query.
    let response = api
        .get(app.url("/api/v1/customers/%00"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = api
        .get(app.url("/api/v1/customers?email=%00"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An admin form: a page naming the field; multi-line fields may hold line breaks.
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("last_name", "Tab\tin a name"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("last name"));
    let product = app.product(&[("method_email", "on")]).await;
    let response = app
        .submit(
            &format!("/admin/products/{product}"),
            &format!("/admin/products/{product}"),
            &[
                ("name", "Fiets Plus"),
                ("description", "Two lines:\r\nthe second"),
                ("price", "12.95"),
                ("vat_rate", "21"),
                ("interval", "1 month"),
                ("method_email", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The anonymous public form.
    let admin = page(&app, &product, "email", &[]).await;
    let id = page_id(&admin);
    let response = sign_up(&app, &token(&app, &id), &product, &[("city", "Gou\u{0}da")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A value too long is said to be so, not cut short.
    let long = "L".repeat(71);
    let response = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[("last_name", long.as_str())],
    )
    .await;
    assert_eq!(
        text_of(&response.text().await.unwrap(), "last_name-error").as_deref(),
        Some("Gebruik ten hoogste 70 tekens")
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, 0);
    let page = browser().get(app.url("/s/%00")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn amounts_beyond_one_direct_debit_and_dates_in_year_0_are_refused() {
    let app = spawn_app().await;
    app.setup().await;
    let key = api_key(&app);
    let product = |price: &'static str| {
        [
            ("name", "Big"),
            ("price", price),
            ("vat_rate", "21"),
            ("interval", "1 month"),
            ("method_email", "on"),
        ]
    };
    let response = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &product("99999999999999.00"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&response.text().await.unwrap(), "price-error")
            .unwrap()
            .contains("999999999.99")
    );
    let response = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &product("999999999.99"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let api = reqwest::Client::new();
    let response = api
        .post(app.url("/api/v1/products"))
        .bearer_auth(&key)
        .json(&json!({"name": "Huge", "amount": "1000000000.00", "interval": "1 month", "mandate_methods": ["email"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let customer: Value = api
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&key)
        .json(&json!({"last_name": "Year", "email": "year@example.nl"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = api
        .post(app.url("/api/v1/mandates"))
        .bearer_auth(&key)
        .json(&json!({"customer_id": customer["id"], "signature_date": "0000-01-01", "iban": "NL91ABNA0417164300", "account_holder": "Y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "signature_date");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1900")
    );
    // The admin's start date, and the sign-up page's birth date.
    let customer_page = format!("/admin/customers/{}", customer["id"].as_str().unwrap());
    let products = abbo::store::products::list(&app.db, &merchant_id(&app).await)
        .await
        .unwrap();
    let response = app
        .submit(
            &customer_page,
            &format!("{customer_page}/subscriptions"),
            &[
                ("product_id", products[0].id.as_str()),
                ("start_date", "0000-01-01"),
                ("way", "paper"),
                ("iban", "NL91ABNA0417164300"),
                ("account_holder", "Y"),
                ("signed_on", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&response.text().await.unwrap(), "start_date-error").as_deref(),
        Some("Enter a date between 1900 and 2199")
    );
    let admin = page(
        &app,
        &products[0].id,
        "email",
        &[("field_birth_date", "optional")],
    )
    .await;
    let response = sign_up(
        &app,
        &token(&app, &page_id(&admin)),
        &products[0].id,
        &[("birth_date", "0000-01-01")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&response.text().await.unwrap(), "birth_date-error").is_some());
}

#[tokio::test]
async fn mac_csv_binary_files_and_uploads_without_a_file_get_a_clear_message() {
    let app = spawn_app().await;
    app.setup().await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move {
            let html = app.page("/admin/import").await;
            let csrf = crate::helpers::csrf_token(&html);
            let form = crate::helpers::upload_form(&csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
            app.client
                .post(app.url("/admin/import"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let mac = upload(
        "mac.csv",
        b"Achternaam;E-mailadres\rJansen;jan@example.nl\rPietersen;piet@example.nl\r".to_vec(),
    )
    .await;
    assert_eq!(
        mac.status(),
        StatusCode::SEE_OTHER,
        "Excel's CSV (Macintosh) is read"
    );
    let binary = upload("logo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0".to_vec()).await;
    assert_eq!(binary.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(binary.text().await.unwrap().contains("binary data"));
    // Not a multipart form at all: the import and the logo forms say to choose a file.
    let html = app.page("/admin/import").await;
    let csrf = crate::helpers::csrf_token(&html);
    let plain = app
        .client
        .post(app.url("/admin/import"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/plain")
        .body("not a file")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        plain
            .text()
            .await
            .unwrap()
            .contains("Choose a CSV or Excel file")
    );
    let html = app.page("/admin/settings").await;
    let csrf = crate::helpers::csrf_token(&html);
    let plain = app
        .client
        .post(app.url("/admin/settings/logo"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(plain.text().await.unwrap().contains("Choose an image file"));
    let imported = count(&app, "SELECT COUNT(*) FROM import_rows").await;
    assert_eq!(
        imported, 2,
        "the two rows of the Mac file, each its own line"
    );
}

#[tokio::test]
async fn limits_hold_when_forty_sign_ups_come_at_once() {
    let app = spawn_app_with(|s| {
        s.signup.max_per_address_per_hour = 20;
        s.signup.max_sms_per_number_per_day = 3;
    })
    .await;
    app.setup().await;
    let product = app
        .product(&[("method_email", "on"), ("method_sms", "on")])
        .await;
    let admin = page(&app, &product, "email", &[]).await;
    let id = page_id(&admin);
    let emails: Vec<String> = (0..40).map(|i| format!("rush{i}@example.nl")).collect();
    let tokens: Vec<String> = (0..40).map(|_| token(&app, &id)).collect();
    let responses = join_all(emails.iter().zip(&tokens).map(async |(email, token)| {
        sign_up(&app, token, &product, &[("email", email.as_str())]).await
    }))
    .await;
    let ok = responses
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let limited = responses
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (20, 20));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, 20);

    // Text messages to one number: three a day, however many ask at once.
    let sms_app = spawn_app_with(|s| s.signup.max_sms_per_number_per_day = 3).await;
    sms_app.setup().await;
    let sms_product = sms_app.product(&[("method_sms", "on")]).await;
    let admin = page(&sms_app, &sms_product, "sms", &[]).await;
    let id = page_id(&admin);
    let emails: Vec<String> = (0..10).map(|i| format!("pump{i}@example.nl")).collect();
    let tokens: Vec<String> = (0..10).map(|_| token(&sms_app, &id)).collect();
    join_all(emails.iter().zip(&tokens).map(async |(email, token)| {
        sign_up(
            &sms_app,
            token,
            &sms_product,
            &[("email", email.as_str()), ("phone", "06 12345678")],
        )
        .await
    }))
    .await;
    assert_eq!(
        count(
            &sms_app,
            "SELECT COUNT(*) FROM messages WHERE channel = 'sms'"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_are_checked_against_the_limit_of_five() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_ip = 1000).await;
    app.setup().await;
    let clients: Vec<reqwest::Client> = (0..40).map(|_| browser()).collect();
    let responses = join_all(
        clients
            .iter()
            .map(|c| app.try_login(c, crate::helpers::OWNER_EMAIL, "wrong password!!")),
    )
    .await;
    let wrong = responses
        .iter()
        .filter(|r| r.status() == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = responses
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((wrong, throttled), (5, 35));
    // Even the right password waits now.
    let right = app
        .try_login(
            &browser(),
            crate::helpers::OWNER_EMAIL,
            crate::helpers::OWNER_PASSWORD,
        )
        .await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn twenty_parallel_sign_ups_with_one_email_make_one_customer() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let admin = page(&app, &product, "email", &[]).await;
    let id = page_id(&admin);
    let tokens: Vec<String> = (0..20).map(|_| token(&app, &id)).collect();
    let responses = join_all(
        tokens
            .iter()
            .map(|t| sign_up(&app, t, &product, &[("email", "Same@Example.nl")])),
    )
    .await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM subscriptions").await, 20);
    // The admin and the API refuse the address for another customer, in any case.
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("last_name", "Other"),
                ("email", "same@example.NL"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&response.text().await.unwrap(), "email-error").is_some());

    // Customers that shared an address before the rule (the migration left the newer one without
    // the address as its key) are pointed out on the newer one's page.
    let older = merchant_customer(&app, "same@example.nl").await;
    let newer = location(
        &app.submit(
            "/admin/customers/new",
            "/admin/customers",
            &[("last_name", "Newer"), ("payment_method", "direct_debit")],
        )
        .await,
    );
    let newer_id = newer.rsplit('/').next().unwrap().to_string();
    let mut tx = app.db.begin().await.unwrap();
    crate::on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE customers SET email = 'Same@Example.nl', email_key = NULL WHERE id = $1")
            .bind(&newer_id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .unwrap();
    tx.commit().await.unwrap();
    let notice = text_of(&app.page(&newer).await, "same-email").unwrap();
    assert!(notice.contains("Merge the two"), "{notice}");
    assert!(
        app.page(&newer)
            .await
            .contains(&format!("/admin/customers/{older}"))
    );
    assert!(
        text_of(
            &app.page(&format!("/admin/customers/{older}")).await,
            "same-email"
        )
        .is_none()
    );
}

/// The id of the customer with this email.
async fn merchant_customer(app: &TestApp, email: &str) -> String {
    let merchant = merchant_id(app).await;
    abbo::store::customers::with_email(&app.db, &merchant, email, "")
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The signed-in session cookie of a fresh sign-in (read from its answer, as a thief would copy it).
async fn session_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie_of = |r: &reqwest::Response| refreshed(r).unwrap();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let cookie = cookie_of(&form);
    let csrf = crate::helpers::csrf_token(&form.text().await.unwrap());
    let signed_in = client
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    cookie_of(&signed_in)
}

/// The session cookie a response sets, if it sets one.
fn refreshed(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("abbo_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

async fn with_cookie(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_copied_cookie_stops_working_after_sign_out_and_after_a_password_reset() {
    let app = spawn_app().await;
    app.setup().await;
    let (email, password) = (crate::helpers::OWNER_EMAIL, crate::helpers::OWNER_PASSWORD);
    let cookie = session_cookie(&app, email, password).await;
    let admin = with_cookie(&app, &cookie, "/admin/settings").await;
    assert_eq!(admin.status(), StatusCode::OK);
    // The page puts its form token into the session: the cookie a thief copies is this one.
    let cookie = refreshed(&admin).unwrap_or(cookie);
    let csrf = crate::helpers::csrf_token(&admin.text().await.unwrap());
    let out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let copied = with_cookie(&app, &cookie, "/admin/settings").await;
    assert_eq!(copied.status(), StatusCode::SEE_OTHER);
    assert!(location(&copied).starts_with("/login"));

    let cookie = session_cookie(&app, email, password).await;
    assert_eq!(
        with_cookie(&app, &cookie, "/admin").await.status(),
        StatusCode::OK
    );
    let reset = app.abbo(
        &["user", "reset-password", "--email", email],
        "a brand new password\n",
    );
    assert!(reset.status.success());
    assert_eq!(
        with_cookie(&app, &cookie, "/admin").await.status(),
        StatusCode::SEE_OTHER,
        "the reset ended the old session"
    );
}

#[tokio::test]
async fn a_second_worker_does_not_take_an_email_the_first_is_still_sending() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        s.outbox.lease_seconds = 3;
    })
    .await;
    app.setup().await;
    let mut sink = sink;
    let merchant = merchant_id(&app).await;
    let mut tx = app.db.begin().await.unwrap();
    for id in ["msg_slow1", "msg_slow2"] {
        let message = abbo::store::messages::NewMessage {
            id,
            merchant_id: &merchant,
            customer_id: None,
            channel: "email",
            recipient: "slow@example.com",
            subject: id,
            body_text: "text",
            body_html: "",
            sender_name: "Shop",
            reply_to: "",
            attachment_invoice_id: None,
        };
        abbo::store::messages::enqueue(&mut tx, &message, abbo::store::now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    // Each email takes the mail server 2 seconds: the second is claimed two seconds into the
    // first worker's round, and its lease must count from then.
    sink.slow_ms
        .store(2000, std::sync::atomic::Ordering::SeqCst);
    let first = app.outbox.clone();
    let round = tokio::spawn(async move { first.deliver_due().await.unwrap() });
    sink.wait_next().await;
    within("the first worker to take the second email", async {
        let sql = "SELECT COUNT(*) FROM messages WHERE (id = 'msg_slow1' AND status = 'sent') \
                   OR (id = 'msg_slow2' AND status = 'sending')";
        while count(&app, sql).await < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let second = app
        .outbox
        .deliver_due_at(abbo::store::now() + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(
        second.interrupted, 0,
        "the second email is still being sent"
    );
    let report = within("the first round", round).await.unwrap();
    assert_eq!(report.sent, 2);
    sink.wait_next().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages WHERE status = 'sent'").await,
        2
    );
}

#[tokio::test]
async fn a_second_worker_does_not_send_again_a_webhook_the_first_is_still_delivering() {
    let mut sink = HttpSink::start_scripted(vec![
        Reply::slow(Duration::from_secs(2)),
        Reply::slow(Duration::from_secs(2)),
    ])
    .await;
    let app = spawn_app_with(|s| {
        s.webhooks.allow_private_webhooks = true;
        s.webhooks.timeout_seconds = 5;
    })
    .await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/developers/webhooks/new",
            "/admin/developers/webhooks",
            &[("url", sink.url.as_str()), ("events", "customer.created")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the endpoint is made");
    for name in ["Een", "Twee"] {
        app.submit(
            "/admin/customers/new",
            "/admin/customers",
            &[("last_name", name), ("payment_method", "direct_debit")],
        )
        .await;
    }
    let first = app.webhooks.clone();
    let round = tokio::spawn(async move { first.deliver_due().await.unwrap() });
    sink.wait_next().await;
    sink.wait_next().await;
    // The second delivery was claimed two seconds into the round: its lease (timeout + 30 s)
    // runs from then, so a worker 34 seconds later still leaves it alone.
    let second = app
        .webhooks
        .deliver_due_at(abbo::store::now() + chrono::Duration::seconds(34))
        .await
        .unwrap();
    assert_eq!(second.interrupted, 0);
    assert_eq!(second.delivered, 0);
    let report = within("the first round", round).await.unwrap();
    assert_eq!(report.delivered, 2);
    assert!(sink.is_empty(), "nothing was sent twice");
}

#[tokio::test]
async fn admin_pages_exports_and_api_answers_are_not_cached() {
    let app = spawn_app().await;
    app.setup().await;
    let key = api_key(&app);
    for path in ["/admin", "/admin/customers", "/admin/import/template.csv"] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/customers"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let asset = app.page("/admin").await;
    let css = asset
        .split('"')
        .find(|s| s.starts_with("/static/app.css"))
        .unwrap()
        .to_string();
    let response = app.get(&css).await;
    assert_ne!(
        response.headers()["cache-control"],
        "no-store",
        "assets stay cached"
    );
}

#[tokio::test]
async fn without_a_payment_provider_online_payment_is_neither_offered_nor_accepted() {
    // The default for a first run is the test provider: every admin page says so.
    let app = spawn_app().await;
    app.setup().await;
    let product = app
        .product(&[("method_email", "on"), ("method_online_payment", "on")])
        .await;
    assert!(text_of(&app.page("/admin").await, "test-mode").is_some());
    let online = page(&app, &product, "online_payment", &[]).await;
    assert!(
        browser()
            .get(app.url("/s/fiets-plus"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    let url = app
        .restart_with(|s| s.payments.provider = "none".into())
        .await;
    let at = |path: &str| format!("{url}{path}");
    let get = |path: &str| {
        let url = at(path);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(text_of(&get("/admin").await, "test-mode").is_none());
    let editor = get(&online).await;
    assert!(!editor.contains("value=\"online_payment\""), "not offered");
    let csrf = crate::helpers::csrf_token(&editor);
    let product_field = format!("product_{product}");
    let response = app
        .client
        .post(at(&online))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Online"),
            ("slug", "fiets-plus"),
            (product_field.as_str(), "on"),
            ("mandate_type", "online_payment"),
            ("start_rule", "today"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&response.text().await.unwrap(), "mandate_type-error")
            .unwrap()
            .contains("payments.provider")
    );
    let public = browser().get(at("/s/fiets-plus")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    let key = api_key(&app);
    let api = reqwest::Client::new();
    let customer: Value = api
        .post(at("/api/v1/customers"))
        .bearer_auth(&key)
        .json(&json!({"last_name": "Online", "email": "online@example.nl"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = api
        .post(at("/api/v1/subscriptions"))
        .bearer_auth(&key)
        .json(&json!({"customer_id": customer["id"], "product_id": product}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Online first payments are off")
    );
}

#[tokio::test]
async fn smaller_findings_one_rule_for_references_next_with_line_breaks_and_6to4_webhooks() {
    let app = spawn_app_with(|s| s.webhooks.allow_private_webhooks = false).await;
    app.setup().await;
    let key = api_key(&app);
    // One rule for mandate references, in the admin and the API: no spaces.
    let customer = location(
        &app.submit(
            "/admin/customers/new",
            "/admin/customers",
            &[("last_name", "Ref"), ("payment_method", "direct_debit")],
        )
        .await,
    );
    let product = app.product(&[("method_email", "on")]).await;
    let response = app
        .submit(
            &customer,
            &format!("{customer}/subscriptions"),
            &[
                ("product_id", product.as_str()),
                ("start_date", "2026-12-01"),
                ("way", "paper"),
                ("iban", "NL91ABNA0417164300"),
                ("account_holder", "R"),
                ("reference", "MDT 001"),
                ("signed_on", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let admin_message = text_of(&response.text().await.unwrap(), "reference-error").unwrap();
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/mandates"))
        .bearer_auth(&key)
        .json(&json!({"customer_id": customer.rsplit('/').next().unwrap(), "reference": "MDT 001", "signature_date": "2025-01-01", "iban": "NL91ABNA0417164300", "account_holder": "R"}))
        .send()
        .await
        .unwrap();
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["message"], admin_message.as_str());
    // A line break in `next=` after signing in is no failure.
    let client = browser();
    let html = app.page_as(&client, "/login").await;
    let csrf = crate::helpers::csrf_token(&html);
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", crate::helpers::OWNER_EMAIL),
            ("password", crate::helpers::OWNER_PASSWORD),
            ("next", "/admin\r\nSet-Cookie: x=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a 500"
    );
    assert!(response.text().await.unwrap().contains("next"));
    // Webhook URLs into 6to4 and the benchmarking network are refused.
    for url in ["http://[2002:c0a8:101::1]/hook", "http://198.18.0.1/hook"] {
        let response = app
            .submit(
                "/admin/developers/webhooks/new",
                "/admin/developers/webhooks",
                &[("url", url), ("events", "customer.created")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
}

#[tokio::test]
async fn redirects_to_sign_in_and_refused_requests_are_not_logged_as_errors() {
    let app = spawn_app().await;
    app.setup().await;
    let server = Server::start(&app, &[]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_out = client
        .get(format!("{}/admin", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let no_key = client
        .get(format!("{}/api/v1/customers", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let missing = client
        .get(format!("{}/nothing-here", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let logs = server.logs();
    assert!(logs.contains("/admin"), "the requests are logged: {logs}");
    assert!(!logs.contains("ERROR"), "{logs}");
    assert!(!logs.contains("stack backtrace"), "{logs}");
}

#[tokio::test]
async fn an_operator_adds_and_lists_merchants_from_the_command_line() {
    let app = spawn_app().await;
    app.setup().await;
    let made = app.abbo(
        &[
            "merchant",
            "create",
            "--name",
            "Second shop",
            "--owner-email",
            "second@example.com",
        ],
        "a very long password\n",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let list = String::from_utf8(app.abbo(&["merchant", "list"], "").stdout).unwrap();
    assert!(
        list.contains("Fietsabonnement BV") && list.contains("Second shop"),
        "{list}"
    );
    let client = browser();
    app.login_as(&client, "second@example.com", "a very long password")
        .await;
    assert!(app.page_as(&client, "/admin").await.contains("Second shop"));
    // Bad input names the option; the taken owner email changes nothing.
    let taken = app.abbo(
        &[
            "merchant",
            "create",
            "--name",
            "Third",
            "--owner-email",
            "second@example.com",
        ],
        "a very long password\n",
    );
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("--owner-email"));
    let nameless = app.abbo(
        &[
            "merchant",
            "create",
            "--name",
            " ",
            "--owner-email",
            "third@example.com",
        ],
        "a very long password\n",
    );
    assert!(String::from_utf8_lossy(&nameless.stderr).contains("--name"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM merchants").await, 2);
}
