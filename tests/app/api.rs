//! The JSON API: keys, problem documents, resources, pagination, idempotency, tenancy, OpenAPI.

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_token, spawn_app};

/// A client of the API with one key.
pub(crate) struct Api<'a> {
    app: &'a TestApp,
    key: String,
    http: Client,
}

impl<'a> Api<'a> {
    pub(crate) fn new(app: &'a TestApp, key: String) -> Api<'a> {
        Api {
            app,
            key,
            http: Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.app.url(path))
            .bearer_auth(&self.key)
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// POSTs `body` as an XML document.
    pub(crate) async fn request_raw(&self, path: &str, body: Vec<u8>) -> Response {
        self.request(reqwest::Method::POST, path)
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn patch(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::PATCH, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn delete(&self, path: &str) -> Response {
        self.request(reqwest::Method::DELETE, path)
            .send()
            .await
            .unwrap()
    }

    /// POSTs and asserts `status`; returns the JSON body.
    pub(crate) async fn post_ok(&self, path: &str, body: Value, status: u16) -> Value {
        let response = self.post(path, body).await;
        assert_eq!(response.status().as_u16(), status, "POST {path}");
        response.json().await.unwrap()
    }

    pub(crate) async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }
}

/// Creates an API key on the Developers page as `client`; returns the secret shown once.
pub(crate) async fn create_key_as(app: &TestApp, client: &Client, name: &str) -> String {
    let html = app.page_as(client, "/admin/developers").await;
    let token = csrf_token(&html);
    let response = app
        .post_form_as(
            client,
            "/admin/developers/keys",
            &[("csrf_token", token.as_str()), ("name", name)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let html = response.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let selector = scraper::Selector::parse("#new-api-key").unwrap();
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("the new key is shown")
        .to_string()
}

pub(crate) async fn app_with_key() -> (TestApp, String) {
    let app = spawn_app().await;
    app.setup().await;
    let key = create_key_as(&app, &app.client, "Webshop").await;
    (app, key)
}

pub(crate) async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    body
}

pub(crate) fn fields_of(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn requests_without_a_valid_key_get_401_problems() {
    let (app, key) = app_with_key().await;
    let anonymous = Client::new()
        .get(app.url("/api/v1/customers"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    problem(anonymous, 401).await;
    let wrong = Api::new(&app, format!("{key}x"));
    problem(wrong.get("/api/v1/customers").await, 401).await;

    let api = Api::new(&app, key.clone());
    assert_eq!(api.get("/api/v1/customers").await.status(), StatusCode::OK);

    // The page shows the key's prefix and when it was used, never the secret again.
    let html = app.page("/admin/developers").await;
    assert!(!html.contains(&key));
    assert!(html.contains(&key[..12]));
    let stored = abbo::store::api_keys::list(&app.db, &merchant_id(&app).await)
        .await
        .unwrap()
        .remove(0);
    assert!(stored.last_used_at.is_some(), "the key's use is noted");
    assert!(
        html.contains(
            &stored
                .last_used_at
                .unwrap()
                .format("%Y-%m-%d %H:%M")
                .to_string()
        )
    );
    let key_id = stored.id;
    let response = app
        .submit(
            "/admin/developers",
            &format!("/admin/developers/keys/{key_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    problem(api.get("/api/v1/customers").await, 401).await;
}

#[tokio::test]
async fn a_key_needs_a_name_and_viewers_cannot_create_keys() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/developers",
            "/admin/developers/keys",
            &[("name", "  ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Give the key a name")
    );

    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    let html = app.page_as(&viewer, "/admin/developers").await;
    assert!(!html.contains("Create an API key"));
    let token = csrf_token(&html);
    let response = app
        .post_form_as(
            &viewer,
            "/admin/developers/keys",
            &[("csrf_token", token.as_str()), ("name", "Sneaky")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn merchant_id(app: &TestApp) -> String {
    abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0)
        .id
}

#[tokio::test]
async fn customers_are_created_read_updated_listed_and_deleted() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    let response = api
        .post(
            "/api/v1/customers",
            json!({"first_name": "Jan", "last_name": "de Vries", "email": "jan@example.nl",
                   "phone": "06 12345678", "country": "nl", "reference": "K-1"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/customers/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["email"], "jan@example.nl");
    assert_eq!(created["phone"], "+31612345678");
    assert_eq!(created["country"], "NL");
    assert_eq!(created["automatic_billing"], true);

    let fetched = api.get_json(&location).await;
    assert_eq!(fetched, created);

    let changed = api.patch(&location, json!({"city": "Utrecht"})).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["city"], "Utrecht");
    assert_eq!(
        changed["last_name"], "de Vries",
        "omitted fields keep their value"
    );

    // The admin shows the same customer.
    let html = app
        .page(&format!(
            "/admin/customers/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert!(html.contains("Utrecht"));

    let by_email = api.get_json("/api/v1/customers?email=jan@example.nl").await;
    assert_eq!(by_email["data"].as_array().unwrap().len(), 1);
    let none = api.get_json("/api/v1/customers?reference=K-2").await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);

    let deleted = api.delete(&location).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(api.get(&location).await, 404).await;
}

#[tokio::test]
async fn bad_customer_input_gets_specific_problems_and_stores_nothing() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    let invalid = problem(
        api.post(
            "/api/v1/customers",
            json!({"first_name": "Jan", "email": "not-an-email", "country": "Narnia"}),
        )
        .await,
        422,
    )
    .await;
    let fields = fields_of(&invalid);
    assert!(fields.contains(&"email".to_string()), "{invalid}");
    assert!(fields.contains(&"country".to_string()), "{invalid}");
    assert!(fields.contains(&"last_name".to_string()), "{invalid}");

    let unknown = problem(
        api.post(
            "/api/v1/customers",
            json!({"last_name": "X", "nickname": "Y"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&unknown), vec!["nickname"]);

    let wrong_type = problem(
        api.post("/api/v1/customers", json!({"last_name": 12}))
            .await,
        422,
    )
    .await;
    assert_eq!(wrong_type["errors"][0]["field"], "body");

    let malformed = api
        .request(reqwest::Method::POST, "/api/v1/customers")
        .header("content-type", "application/json")
        .body("{\"last_name\": ")
        .send()
        .await
        .unwrap();
    problem(malformed, 400).await;

    let form = api
        .request(reqwest::Method::POST, "/api/v1/customers")
        .form(&[("last_name", "X")])
        .send()
        .await
        .unwrap();
    problem(form, 415).await;

    let huge = json!({"last_name": "x".repeat(70 * 1024)});
    problem(api.post("/api/v1/customers", huge).await, 413).await;

    // A taken email names the field; the first customer is untouched.
    api.post_ok(
        "/api/v1/customers",
        json!({"last_name": "A", "email": "a@example.nl"}),
        201,
    )
    .await;
    let taken = problem(
        api.post(
            "/api/v1/customers",
            json!({"last_name": "B", "email": "a@example.nl"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&taken), vec!["email"]);
    let list = api.get_json("/api/v1/customers").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["last_name"], "A");

    let not_allowed = api
        .request(reqwest::Method::PUT, "/api/v1/customers")
        .send()
        .await
        .unwrap();
    assert_eq!(not_allowed.headers()["allow"], "GET, POST");
    problem(not_allowed, 405).await;
    problem(api.get("/api/v1/nothing-here").await, 404).await;
}

#[tokio::test]
async fn lists_page_with_cursors_newest_first() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    for n in 0..5 {
        api.post_ok(
            "/api/v1/customers",
            json!({"last_name": format!("Customer {n}")}),
            201,
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/customers?limit=2".to_string();
    loop {
        let page = api.get_json(&path).await;
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/customers?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no customer twice");

    // Products page the same way (their list query joins counts under an alias).
    for n in 0..3 {
        api.post_ok(
            "/api/v1/products",
            json!({"name": format!("Plan {n}"), "amount": "5.00", "interval": "1 month"}),
            201,
        )
        .await;
    }
    let first = api.get_json("/api/v1/products?limit=2").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = api
        .get_json(&format!("/api/v1/products?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    assert!(
        !first["data"]
            .as_array()
            .unwrap()
            .contains(&second["data"][0])
    );

    let bad = problem(api.get("/api/v1/customers?cursor=nonsense").await, 422).await;
    assert_eq!(fields_of(&bad), vec!["cursor"]);
    problem(api.get("/api/v1/customers?limit=0").await, 422).await;
    problem(api.get("/api/v1/customers?limit=abc").await, 400).await;
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_other_bodies_and_in_flight_duplicates() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key.clone());
    let send = |body: Value, idem: &'static str| {
        api.request(reqwest::Method::POST, "/api/v1/customers")
            .header("idempotency-key", idem)
            .json(&body)
            .send()
    };
    let first = send(json!({"last_name": "Once"}), "order-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body: Value = first.json().await.unwrap();
    let again = send(json!({"last_name": "Once"}), "order-1").await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert!(
        again.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(first_body["id"].as_str().unwrap())
    );
    let again_body: Value = again.json().await.unwrap();
    assert_eq!(again_body, first_body);
    let list = api.get_json("/api/v1/customers").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "created once");

    let other = send(json!({"last_name": "Twice"}), "order-1")
        .await
        .unwrap();
    problem(other, 422).await;

    // A first request still running holds the key: its duplicate gets 409.
    let stored = abbo::store::api_keys::list(&app.db, &merchant_id(&app).await)
        .await
        .unwrap()
        .remove(0);
    let body = serde_json::to_vec(&json!({"last_name": "Busy"})).unwrap();
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, b"POST /api/v1/customers\n");
    sha2::Digest::update(&mut hasher, &body);
    let hash = hex::encode(sha2::Digest::finalize(hasher));
    abbo::store::idempotency::claim(
        &app.db,
        &stored.id,
        "order-2",
        &hash,
        abbo::store::now(),
        chrono::Duration::hours(24),
    )
    .await
    .unwrap();
    let busy = api
        .request(reqwest::Method::POST, "/api/v1/customers")
        .header("idempotency-key", "order-2")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    problem(busy, 409).await;

    // After a day the key is forgotten and may name a new request.
    let purged = abbo::store::idempotency::purge_expired(
        &app.db,
        abbo::store::now() + chrono::Duration::hours(25),
    )
    .await
    .unwrap();
    assert_eq!(purged, 2);
    let later = send(json!({"last_name": "Later"}), "order-1")
        .await
        .unwrap();
    assert_eq!(later.status(), StatusCode::CREATED);

    // Keys belong to one API key: another key may reuse the name.
    let second = create_key_as(&app, &app.client, "Backoffice").await;
    let other_api = Api::new(&app, second);
    let response = other_api
        .request(reqwest::Method::POST, "/api/v1/customers")
        .header("idempotency-key", "order-1")
        .json(&json!({"last_name": "Other system"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("idempotent-replayed").is_none());
}

/// A customer and a valid mandate through the API; returns (customer id, mandate).
pub(crate) async fn customer_with_mandate(api: &Api<'_>) -> (String, Value) {
    let customer = api
        .post_ok(
            "/api/v1/customers",
            json!({"first_name": "Jan", "last_name": "de Vries", "email": "jan@example.nl"}),
            201,
        )
        .await;
    let customer_id = customer["id"].as_str().unwrap().to_string();
    let mandate = api
        .post_ok(
            "/api/v1/mandates",
            json!({"customer_id": customer_id, "reference": "FIETS-0001", "signature_date": "2026-01-15",
                   "iban": "NL91 ABNA 0417 1643 00", "account_holder": "J. de Vries"}),
            201,
        )
        .await;
    (customer_id, mandate)
}

#[tokio::test]
async fn mandates_are_recorded_listed_and_revoked() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    let (customer_id, mandate) = customer_with_mandate(&api).await;
    assert_eq!(mandate["status"], "valid");
    assert_eq!(mandate["method"], "api");
    assert_eq!(mandate["iban"], "NL91ABNA0417164300");
    assert_eq!(mandate["signature_date"], "2026-01-15");

    let bad = problem(
        api.post(
            "/api/v1/mandates",
            json!({"customer_id": customer_id, "signature_date": "2099-01-01",
                   "iban": "NL00ABNA0417164300", "account_holder": ""}),
        )
        .await,
        422,
    )
    .await;
    let fields = fields_of(&bad);
    for field in ["signature_date", "iban", "account_holder"] {
        assert!(fields.contains(&field.to_string()), "{field} in {bad}");
    }
    let taken = problem(
        api.post(
            "/api/v1/mandates",
            json!({"customer_id": customer_id, "reference": "FIETS-0001", "signature_date": "2026-01-15",
                   "iban": "NL91ABNA0417164300", "account_holder": "J. de Vries"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&taken), vec!["reference"]);

    let list = api
        .get_json(&format!(
            "/api/v1/mandates?customer_id={customer_id}&status=valid"
        ))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    let id = mandate["id"].as_str().unwrap();
    let revoked = api
        .post_ok(&format!("/api/v1/mandates/{id}/revoke"), json!({}), 200)
        .await;
    assert_eq!(revoked["status"], "revoked");
    problem(
        api.post(&format!("/api/v1/mandates/{id}/revoke"), json!({}))
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn subscriptions_take_the_ecurring_options_and_change_status() {
    let (app, key) = app_with_key().await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let api = Api::new(&app, key);
    let (customer_id, mandate) = customer_with_mandate(&api).await;

    let created = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id,
                   "mandate_code": "FIETS-0001", "metadata": {"order": 42},
                   "create_invoice": true, "invoice_text": "Thank you",
                   "success_redirect_url": "https://shop.example/thanks"}),
            201,
        )
        .await;
    assert_eq!(created["status"], "active");
    assert_eq!(created["mandate_id"], mandate["id"]);
    assert_eq!(created["amount"], "12.95");
    assert_eq!(created["currency"], "EUR");
    assert_eq!(created["interval"], "1 month");
    assert_eq!(created["metadata"], json!({"order": 42}));
    assert_eq!(
        created["options"],
        json!({"create_invoice": true, "invoice_text": "Thank you"})
    );
    assert!(created["renews_at"].is_string());
    assert!(created.get("confirmation_url").is_none());

    let id = created["id"].as_str().unwrap();
    let paused = api
        .post_ok(&format!("/api/v1/subscriptions/{id}/pause"), json!({}), 200)
        .await;
    assert_eq!(paused["status"], "paused");
    let conflict = problem(
        api.post(&format!("/api/v1/subscriptions/{id}/pause"), json!({}))
            .await,
        409,
    )
    .await;
    assert!(conflict["detail"].as_str().unwrap().len() > 10);
    let resumed = api
        .post_ok(
            &format!("/api/v1/subscriptions/{id}/resume"),
            json!({}),
            200,
        )
        .await;
    assert_eq!(resumed["status"], "active");
    let cancelled = api
        .post_ok(
            &format!("/api/v1/subscriptions/{id}/cancel"),
            json!({"cancel_date": "2099-12-31"}),
            200,
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_date"], "2099-12-31");

    // Started paused, with a resume date and a cancel date refused without a valid mandate.
    let paused = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id,
                   "mandate_id": mandate["id"], "status": "paused", "resume_date": "2099-01-01"}),
            201,
        )
        .await;
    assert_eq!(paused["status"], "paused");
    assert_eq!(paused["resume_date"], "2099-01-01");

    let too_big = problem(
        api.post(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id,
                   "mandate_id": mandate["id"], "metadata": {"note": "x".repeat(1100)}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&too_big), vec!["metadata"]);
    let bad_status = problem(
        api.post(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id,
                   "mandate_id": mandate["id"], "status": "ended"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&bad_status), vec!["status"]);

    // A running subscription blocks deleting the customer, with the UI's reason.
    let refused = problem(
        api.delete(&format!("/api/v1/customers/{customer_id}"))
            .await,
        409,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("subscription"));

    let list = api
        .get_json(&format!(
            "/api/v1/subscriptions?customer_id={customer_id}&status=paused"
        ))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_subscription_without_mandate_sends_the_link_or_hands_it_over() {
    let (app, key) = app_with_key().await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let api = Api::new(&app, key);
    let customer = api
        .post_ok(
            "/api/v1/customers",
            json!({"last_name": "de Vries", "email": "jan@example.nl"}),
            201,
        )
        .await;
    let customer_id = customer["id"].as_str().unwrap();
    let sent = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id,
                   "iban": "NL91ABNA0417164300", "account_holder": "J. de Vries"}),
            201,
        )
        .await;
    assert_eq!(sent["status"], "pending_mandate");
    let url = sent["confirmation_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/m/", app.address)), "{url}");
    let confirmation = app.get(url.trim_start_matches(&app.address)).await;
    assert_eq!(confirmation.status(), StatusCode::OK);

    let merchant = merchant_id(&app).await;
    let messages = abbo::store::messages::list(&app.db, &merchant, 10, 0)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1, "the link went out by email");

    let handed = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id, "confirmation_sent": true,
                   "iban": "NL91ABNA0417164300", "account_holder": "J. de Vries"}),
            201,
        )
        .await;
    assert!(handed["confirmation_url"].as_str().unwrap().contains("/m/"));
    let messages = abbo::store::messages::list(&app.db, &merchant, 10, 0)
        .await
        .unwrap();
    assert_eq!(
        messages.len(),
        1,
        "no second message when the merchant sends it"
    );

    // Without IBAN the product must offer an online first payment.
    let refused = problem(
        api.post(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&refused), vec!["mandate_id"]);
    let paused = problem(
        api.post(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id, "status": "paused",
                   "iban": "NL91ABNA0417164300", "account_holder": "J. de Vries"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&paused), vec!["status"]);
}

#[tokio::test]
async fn product_sign_up_answers_like_mijnklantportaal() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    let product = api
        .post_ok(
            "/api/v1/products",
            json!({"name": "Fiets Basis", "amount": "9.95", "vat_rate": "21", "interval": "1 month",
                   "mandate_methods": ["online_payment"]}),
            201,
        )
        .await;
    assert_eq!(product["amount_excluding_vat"], "8.22");
    let product_id = product["id"].as_str().unwrap();
    let (customer_id, mandate) = customer_with_mandate(&api).await;
    let signed_up = api
        .post_ok(
            &format!("/api/v1/products/{product_id}/sign-up"),
            json!({"customer_id": customer_id, "start_date": "2099-02-01",
                   "mandate_id": mandate["id"], "create_invoice": true, "invoice_text": "Fiets"}),
            201,
        )
        .await;
    for field in [
        "id",
        "customer_id",
        "description",
        "starts_at",
        "interval",
        "renews_at",
        "currency",
        "amount",
        "vat_rate",
        "status",
        "options",
        "created_at",
    ] {
        assert!(signed_up.get(field).is_some(), "{field} in {signed_up}");
    }
    assert_eq!(signed_up["status"], "planned");
    assert_eq!(signed_up["starts_at"], "2099-02-01");
    assert_eq!(signed_up["renews_at"], "2099-02-01");
    assert_eq!(signed_up["amount"], "9.95");
    assert_eq!(signed_up["vat_rate"], "21%");
    assert_eq!(signed_up["description"], "Fiets Basis");

    // Without a mandate: the online first payment starts, its checkout is the confirmation URL.
    let paying = api
        .post_ok(
            &format!("/api/v1/products/{product_id}/sign-up"),
            json!({"customer_id": customer_id}),
            201,
        )
        .await;
    assert_eq!(paying["status"], "pending_mandate");
    assert!(
        paying["confirmation_url"]
            .as_str()
            .unwrap()
            .contains("/pay/")
    );

    let archived = api
        .patch(
            &format!("/api/v1/products/{product_id}"),
            json!({"active": false}),
        )
        .await;
    let archived: Value = archived.json().await.unwrap();
    assert_eq!(archived["active"], false);
    let refused = problem(
        api.post(
            &format!("/api/v1/products/{product_id}/sign-up"),
            json!({"customer_id": customer_id, "mandate_id": mandate["id"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&refused), vec!["product_id"]);
}

#[tokio::test]
async fn keys_see_only_their_own_merchant() {
    let (app, key) = app_with_key().await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let api = Api::new(&app, key);
    let (customer_id, mandate) = customer_with_mandate(&api).await;
    let subscription = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id, "mandate_id": mandate["id"]}),
            201,
        )
        .await;

    let other_owner = app.other_merchant().await;
    let other = Api::new(&app, create_key_as(&app, &other_owner, "Other").await);
    let mandate_id = mandate["id"].as_str().unwrap();
    let subscription_id = subscription["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/customers/{customer_id}"),
        format!("/api/v1/products/{product_id}"),
        format!("/api/v1/mandates/{mandate_id}"),
        format!("/api/v1/subscriptions/{subscription_id}"),
    ] {
        problem(other.get(&path).await, 404).await;
    }
    for path in [
        format!("/api/v1/customers/{customer_id}/anonymise"),
        format!("/api/v1/mandates/{mandate_id}/revoke"),
        format!("/api/v1/subscriptions/{subscription_id}/cancel"),
    ] {
        problem(other.post(&path, json!({})).await, 404).await;
    }
    problem(
        other
            .patch(
                &format!("/api/v1/customers/{customer_id}"),
                json!({"city": "X"}),
            )
            .await,
        404,
    )
    .await;
    problem(
        other
            .delete(&format!("/api/v1/customers/{customer_id}"))
            .await,
        404,
    )
    .await;
    let signup = problem(
        other
            .post(
                &format!("/api/v1/products/{product_id}/sign-up"),
                json!({"customer_id": customer_id, "mandate_id": mandate_id}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&signup), vec!["product_id"]);
    for list in [
        "/api/v1/customers",
        "/api/v1/products",
        "/api/v1/mandates",
        "/api/v1/subscriptions",
        "/api/v1/transactions",
        "/api/v1/pages",
    ] {
        let page = other.get_json(list).await;
        assert_eq!(page["data"], json!([]), "{list}");
    }
    // And the first merchant still has everything.
    assert_eq!(
        api.get_json("/api/v1/subscriptions").await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn transactions_of_a_paid_first_payment_are_listed() {
    let (app, key) = app_with_key().await;
    let api = Api::new(&app, key);
    let product = api
        .post_ok(
            "/api/v1/products",
            json!({"name": "Fiets", "amount": "12.95", "interval": "1 month",
                   "mandate_methods": ["online_payment"]}),
            201,
        )
        .await;
    let customer = api
        .post_ok("/api/v1/customers", json!({"last_name": "Payer"}), 201)
        .await;
    let paying = api
        .post_ok(
            &format!(
                "/api/v1/products/{}/sign-up",
                product["id"].as_str().unwrap()
            ),
            json!({"customer_id": customer["id"]}),
            201,
        )
        .await;
    let checkout = paying["confirmation_url"].as_str().unwrap();
    let paid = Client::new()
        .post(checkout)
        .form(&[
            ("outcome", "paid"),
            ("iban", "DE89 3704 0044 0532 0130 00"),
            ("account_holder", "Payer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);

    let list = api
        .get_json(&format!(
            "/api/v1/transactions?subscription_id={}",
            paying["id"].as_str().unwrap()
        ))
        .await;
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(data[0]["status"], "paid");
    assert_eq!(data[0]["amount"], "12.95");
    let id = data[0]["id"].as_str().unwrap();
    assert_eq!(
        api.get_json(&format!("/api/v1/transactions/{id}")).await["sequence_type"],
        "ONLINE"
    );
    problem(api.get("/api/v1/transactions/trx_missing").await, 404).await;
}

#[tokio::test]
async fn the_openapi_document_and_reference_page_describe_every_operation() {
    let (app, _key) = app_with_key().await;
    let response = Client::new()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/products/{id}/sign-up",
        "/api/v1/subscriptions/{id}/cancel",
        "/api/v1/mandates/{id}/revoke",
        "/api/v1/transactions/{id}",
        "/api/v1/pages",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());

    let html = app.page("/admin/developers/api").await;
    assert!(html.contains("POST /api/v1/products/{id}/sign-up"));
    assert!(html.contains("SubscriptionInput"));
}

#[tokio::test]
async fn per_subscription_webhook_urls_are_checked_and_receive_the_subscriptions_events() {
    let (app, key) = app_with_key().await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let api = Api::new(&app, key);
    let (customer_id, mandate) = customer_with_mandate(&api).await;
    // Loopback is refused unless the operator allows private webhook addresses.
    let refused = problem(
        api.post(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id, "mandate_id": mandate["id"],
                   "subscription_webhook_url": "http://127.0.0.1:9/hook"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_of(&refused), vec!["subscription_webhook_url"]);

    let app = crate::helpers::spawn_app_with(|s| s.webhooks.allow_private_webhooks = true).await;
    app.setup().await;
    let key = create_key_as(&app, &app.client, "Webshop").await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let api = Api::new(&app, key);
    let (customer_id, mandate) = customer_with_mandate(&api).await;
    let mut sink = crate::sinks::HttpSink::start(vec![200, 200, 200]).await;
    let created = api
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product_id, "mandate_id": mandate["id"],
                   "subscription_webhook_url": format!("{}/sub", sink.url),
                   "transaction_webhook_url": format!("{}/trx", sink.url)}),
            201,
        )
        .await;
    app.webhooks.deliver_due().await.unwrap();
    let request = sink.next();
    assert_eq!(request.target, "/sub");
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["type"], "subscription.created");
    assert_eq!(body["data"]["id"], created["id"]);
    assert!(
        request
            .header("webhook-signature")
            .unwrap()
            .starts_with("v1,")
    );
}
