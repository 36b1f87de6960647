//! Outgoing webhooks against a real receiver on loopback: signatures checked independently with
//! the secret the admin showed once, retries, 410, redirects, restarts, per-subscription URLs.

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use sha2::Sha256;

use crate::helpers::{TestApp, location, spawn_app, spawn_app_with, text_of};
use crate::sinks::{HttpSink, ReceivedRequest, Reply};

const HOOKS: &str = "/admin/developers/webhooks";

const ALL_EVENTS: [&str; 9] = [
    "subscription.created",
    "subscription.status_changed",
    "mandate.valid",
    "mandate.revoked",
    "transaction.created",
    "transaction.status_changed",
    "transaction.cancelled",
    "customer.created",
    "customer.updated",
];

/// An app that may send webhooks to loopback, with a one-second receiver timeout.
async fn webhook_app() -> TestApp {
    let app = spawn_app_with(|s| {
        s.webhooks.allow_private_webhooks = true;
        s.webhooks.timeout_seconds = 1;
    })
    .await;
    app.setup().await;
    app
}

/// Creates an endpoint for `events` through the admin; returns (endpoint page, secret shown once).
pub(crate) async fn endpoint(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let mut fields = vec![("url", url)];
    fields.extend(events.iter().map(|e| ("events", *e)));
    let response = app.submit(&format!("{HOOKS}/new"), HOOKS, &fields).await;
    assert_eq!(response.status(), StatusCode::OK, "the endpoint is created");
    let html = response.text().await.unwrap();
    let secret = text_of(&html, "secret").expect("the secret is shown");
    assert!(secret.starts_with("whsec_"));
    let start = html.find("/admin/developers/webhooks/whe_").unwrap();
    let page = html[start..].split('"').next().unwrap().to_string();
    assert!(
        !app.page(&page).await.contains(&secret),
        "the secret is shown only once"
    );
    (page, secret)
}

async fn customer(app: &TestApp, first_name: &str) -> String {
    let email = format!("{}@example.nl", first_name.to_lowercase());
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("first_name", first_name),
                ("last_name", "de Vries"),
                ("email", &email),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// Checks the Standard Webhooks signature with `secret` (computed here, independently of the
/// app) and returns the parsed body.
fn verified(request: &ReceivedRequest, secret: &str) -> serde_json::Value {
    let id = request.header("webhook-id").expect("webhook-id");
    let timestamp = request.header("webhook-timestamp").expect("timestamp");
    let sent_at: i64 = timestamp.parse().unwrap();
    assert!(
        (Utc::now().timestamp() - sent_at).abs() < 60,
        "a fresh timestamp"
    );
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", request.body).as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    let signatures = request.header("webhook-signature").expect("signature");
    assert!(
        signatures.split(' ').any(|s| s == expected),
        "the signature verifies"
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    serde_json::from_str(&request.body).unwrap()
}

fn webhook_id(request: &ReceivedRequest) -> String {
    request.header("webhook-id").unwrap().to_string()
}

/// The first delivery link on a page.
fn first_delivery(html: &str) -> String {
    let start = html
        .find("/admin/developers/webhooks/deliveries/whd_")
        .expect("a delivery is listed");
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn deliveries_are_signed_and_distinct_events_have_distinct_ids() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let (page, secret) = endpoint(&app, &format!("{}/hooks", sink.url), &ALL_EVENTS).await;
    let jan = customer(&app, "Jan").await;
    let piet = customer(&app, "Piet").await;

    let report = app.webhooks.deliver_due().await.unwrap();
    assert_eq!(report.delivered, 2);
    let (first, second) = (sink.next(), sink.next());
    assert!(sink.is_empty());
    assert_ne!(webhook_id(&first), webhook_id(&second));
    assert!(webhook_id(&first).starts_with("evt_"));
    let mut ids = Vec::new();
    for request in [&first, &second] {
        assert_eq!(request.target, "/hooks");
        let body = verified(request, &secret);
        assert_eq!(body["type"], "customer.created");
        assert_eq!(body["data"]["object"], "customer");
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        ids.push(body["data"]["id"].as_str().unwrap().to_string());
    }
    ids.sort();
    let mut expected = vec![
        jan.rsplit('/').next().unwrap().to_string(),
        piet.rsplit('/').next().unwrap().to_string(),
    ];
    expected.sort();
    assert_eq!(ids, expected);

    // The admin shows each delivery with its attempt, response code and body excerpt.
    let html = app.page(&page).await;
    let delivery = app.page(&first_delivery(&html)).await;
    assert_eq!(text_of(&delivery, "status").unwrap(), "Delivered");
    let attempts = text_of(&delivery, "attempts").unwrap();
    assert!(
        attempts.contains("HTTP 200") && attempts.contains("ok"),
        "{attempts}"
    );
}

#[tokio::test]
async fn failures_and_timeouts_are_retried_with_the_same_webhook_id() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start_scripted(vec![
        Reply::status(500),
        Reply::slow(Duration::from_secs(3)),
        Reply::status(204),
    ])
    .await;
    let (page, secret) = endpoint(&app, &sink.url, &["customer.created"]).await;
    customer(&app, "Jan").await;
    let now = abbo::store::now();

    assert_eq!(app.webhooks.deliver_due_at(now).await.unwrap().retried, 1);
    let first = sink.next();
    verified(&first, &secret);
    // Not due again before its backoff.
    assert_eq!(
        app.webhooks.deliver_due_at(now).await.unwrap(),
        Default::default()
    );
    let later = now + chrono::Duration::seconds(6);
    assert_eq!(app.webhooks.deliver_due_at(later).await.unwrap().retried, 1);
    let second = sink.next();
    let later = later + chrono::Duration::minutes(6);
    assert_eq!(
        app.webhooks.deliver_due_at(later).await.unwrap().delivered,
        1
    );
    let third = sink.next();
    verified(&third, &secret);
    assert_eq!(webhook_id(&first), webhook_id(&second));
    assert_eq!(webhook_id(&first), webhook_id(&third));
    assert_eq!(first.body, third.body, "the same payload every time");

    let html = app.page(&first_delivery(&app.page(&page).await)).await;
    let attempts = text_of(&html, "attempts").unwrap();
    assert!(attempts.contains("HTTP 500"), "{attempts}");
    assert!(
        attempts.contains("No answer within 1 seconds"),
        "{attempts}"
    );
    assert!(attempts.contains("HTTP 204"), "{attempts}");
}

#[tokio::test]
async fn after_about_three_days_of_failures_a_delivery_fails_and_can_be_resent() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![503; 12]).await;
    let (page, secret) = endpoint(&app, &sink.url, &["customer.created"]).await;
    customer(&app, "Jan").await;
    let mut at = abbo::store::now();
    let mut attempts = 0;
    for _ in 0..20 {
        let report = app.webhooks.deliver_due_at(at).await.unwrap();
        attempts += report.retried + report.failed;
        if report.failed == 1 {
            break;
        }
        at += chrono::Duration::hours(11);
    }
    assert_eq!(attempts, 12, "twelve attempts before giving up");
    let delivery_page = first_delivery(&app.page(&page).await);
    let html = app.page(&delivery_page).await;
    assert_eq!(text_of(&html, "status").unwrap(), "Failed");
    let id = text_of(&html, "webhook-id").unwrap();

    let response = app
        .submit(&delivery_page, &format!("{delivery_page}/resend"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.webhooks.deliver_due().await.unwrap().delivered, 1);
    let mut last = sink.next();
    while let Some(next) = sink.try_next() {
        last = next;
    }
    verified(&last, &secret);
    assert_eq!(webhook_id(&last), id, "a resend keeps the webhook-id");
    let html = app.page(&delivery_page).await;
    assert_eq!(text_of(&html, "status").unwrap(), "Delivered");
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_redirects_are_not_followed() {
    let app = webhook_app().await;
    let mut target = HttpSink::start(vec![]).await;
    let moved = format!("{}/moved", target.url);
    let mut redirecting = HttpSink::start_scripted(vec![Reply::redirect(&moved)]).await;
    let mut gone = HttpSink::start(vec![410]).await;
    endpoint(&app, &redirecting.url, &["customer.created"]).await;
    let (gone_page, _) = endpoint(&app, &gone.url, &["customer.created"]).await;
    customer(&app, "Jan").await;

    let report = app.webhooks.deliver_due().await.unwrap();
    assert_eq!((report.retried, report.failed), (1, 1));
    redirecting.next();
    assert!(target.is_empty(), "the redirect target was not requested");
    gone.next();
    let html = app.page(&gone_page).await;
    assert_eq!(text_of(&html, "endpoint-status").unwrap(), "Disabled");
    assert!(
        text_of(&html, "disabled-reason")
            .unwrap()
            .contains("410 Gone")
    );

    // A disabled endpoint gets nothing new, until it is enabled again.
    customer(&app, "Piet").await;
    let later = abbo::store::now() + chrono::Duration::seconds(6);
    let report = app.webhooks.deliver_due_at(later).await.unwrap();
    assert_eq!(report.delivered, 2, "only the other endpoint is tried");
    assert!(gone.is_empty());
    let response = app
        .submit(&gone_page, &format!("{gone_page}/enable"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    customer(&app, "Kees").await;
    app.webhooks.deliver_due().await.unwrap();
    assert_eq!(gone.next().method, "POST");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = spawn_app().await;
    app.setup().await;
    for url in [
        "http://127.0.0.1:9/hooks",
        "http://localhost:8080/",
        "http://[::1]/",
        "http://10.0.0.8/",
        "http://169.254.169.254/latest",
    ] {
        let response = app
            .submit(
                &format!("{HOOKS}/new"),
                HOOKS,
                &[("url", url), ("events", "customer.created")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = response.text().await.unwrap();
        assert!(
            text_of(&html, "url-error").unwrap().contains("private"),
            "{url}"
        );
    }
    let response = app
        .submit(
            &format!("{HOOKS}/new"),
            HOOKS,
            &[("url", "ftp://example.com/")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(text_of(&html, "url-error").is_some());
    assert!(text_of(&html, "events-error").is_some());
}

#[tokio::test]
async fn a_queued_delivery_goes_out_after_a_restart() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let (_, secret) = endpoint(&app, &sink.url, &["customer.created"]).await;
    let jan = customer(&app, "Jan").await;
    assert!(sink.is_empty(), "nothing is sent without a worker");

    // A new app on the same database, this time with its background worker.
    app.restart_with(|s| {
        s.webhooks.allow_private_webhooks = true;
        s.outbox.worker = true;
    })
    .await;
    let request = sink.wait_next().await;
    let body = verified(&request, &secret);
    assert_eq!(body["data"]["id"], jan.rsplit('/').next().unwrap());
}

#[tokio::test]
async fn a_subscriptions_own_urls_receive_its_events_signed_with_the_merchant_secret() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let mut everything = HttpSink::start(vec![]).await;
    let (_, endpoint_secret) = endpoint(&app, &everything.url, &ALL_EVENTS).await;
    let response = app
        .submit(HOOKS, &format!("{HOOKS}/signing-secret"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let secret = text_of(&response.text().await.unwrap(), "secret").unwrap();

    // A customer with a paper mandate and a subscription.
    let customer_page = customer(&app, "Jan").await;
    let product = app.product(&[("method_email", "on")]).await;
    let signed = (crate::helpers::today() - chrono::Duration::days(3)).to_string();
    let today = crate::helpers::today().to_string();
    let response = app
        .submit(
            &customer_page,
            &format!("{customer_page}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", "paper"),
                ("iban", "NL91ABNA0417164300"),
                ("account_holder", "Jan"),
                ("reference", "MDT-1"),
                ("signed_on", &signed),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.webhooks.deliver_due().await.unwrap();
    let mut types = Vec::new();
    while let Some(request) = everything.try_next() {
        let body = verified(&request, &endpoint_secret);
        types.push(body["type"].as_str().unwrap().to_string());
    }
    types.sort();
    assert_eq!(
        types,
        ["customer.created", "mandate.valid", "subscription.created"]
    );

    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let customer_id = customer_page.rsplit('/').next().unwrap();
    let subscription = abbo::store::subscriptions::for_customer(&app.db, &merchant.id, customer_id)
        .await
        .unwrap()
        .remove(0);
    let mut tx = app.db.begin().await.unwrap();
    let (sub_url, trx_url) = (format!("{}/sub", sink.url), format!("{}/trx", sink.url));
    abbo::store::subscriptions::set_webhook_urls(
        &mut tx,
        &merchant.id,
        &subscription.id,
        Some(&sub_url),
        Some(&trx_url),
        abbo::store::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Pausing changes the status: the subscription's URL hears of it.
    let page = format!("/admin/subscriptions/{}", subscription.id);
    let response = app
        .submit(
            &format!("{page}/pause"),
            &format!("{page}/pause"),
            &[("when", "now")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A one-off charge of the subscription: its transaction URL hears of it.
    let due = (crate::helpers::today() + chrono::Duration::days(30)).to_string();
    let response = app
        .submit(
            &page,
            &format!("{page}/charges"),
            &[
                ("amount", "12,95"),
                ("due_date", &due),
                ("description", "Extra lock"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.webhooks.deliver_due().await.unwrap();

    let mut by_target = std::collections::BTreeMap::new();
    while let Some(request) = sink.try_next() {
        let body = verified(&request, &secret);
        by_target.insert(request.target.clone(), body);
    }
    assert_eq!(by_target.len(), 2, "{by_target:?}");
    let status = &by_target["/sub"];
    assert_eq!(status["type"], "subscription.status_changed");
    assert_eq!(status["data"]["id"], subscription.id.as_str());
    assert_eq!(status["data"]["status"], "paused");
    assert_eq!(status["data"]["previous_status"], "active");
    assert_eq!(status["data"]["customer_id"], customer_id);
    let transaction = &by_target["/trx"];
    assert_eq!(transaction["type"], "transaction.created");
    assert_eq!(
        transaction["data"]["subscription_id"],
        subscription.id.as_str()
    );
    assert_eq!(transaction["data"]["status"], "scheduled");
}

#[tokio::test]
async fn other_merchants_cannot_see_or_touch_webhooks() {
    let app = webhook_app().await;
    let sink = HttpSink::start(vec![]).await;
    let (page, _) = endpoint(&app, &sink.url, &["customer.created"]).await;
    customer(&app, "Jan").await;
    app.webhooks.deliver_due().await.unwrap();
    let delivery = first_delivery(&app.page(&page).await);

    let other = app.other_merchant().await;
    let html = app.page_as(&other, HOOKS).await;
    assert!(!html.contains(&page));
    for path in [&page, &delivery] {
        let response = app.get_as(&other, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    for action in [
        page.clone(),
        format!("{page}/enable"),
        format!("{page}/disable"),
        format!("{page}/delete"),
        format!("{delivery}/resend"),
    ] {
        let response = app
            .submit_as(
                &other,
                HOOKS,
                &action,
                &[
                    ("url", "http://127.0.0.1:9/"),
                    ("events", "customer.created"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {action}");
    }
    // Still there, unchanged, for its owner.
    let html = app.page(&page).await;
    assert_eq!(text_of(&html, "endpoint-status").unwrap(), "Enabled");
}

/// Events as (type, data) pairs, sorted, from everything the sink received.
fn events_of(sink: &mut HttpSink, secret: &str) -> Vec<(String, serde_json::Value)> {
    let mut events = Vec::new();
    while let Some(request) = sink.try_next() {
        let body = verified(&request, secret);
        events.push((
            body["type"].as_str().unwrap().to_string(),
            body["data"].clone(),
        ));
    }
    events.sort_by(|a, b| a.0.cmp(&b.0));
    events
}

#[tokio::test]
async fn confirming_and_declining_a_mandate_announce_mandate_and_subscription_changes() {
    use abbo::services::mandates::{self, Answered, ConfirmationContext, MandateRequest};
    use abbo::store::activity::System;
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let product = app.product(&[("method_email", "on")]).await;
    let customer_page = customer(&app, "Jan").await;
    let customer_id = customer_page.rsplit('/').next().unwrap().to_string();
    let (_, secret) = endpoint(&app, &sink.url, &ALL_EVENTS).await;
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let links = mandates::LinkSettings {
        base_url: app.address.clone(),
        validity: chrono::Duration::days(14),
    };
    let today = crate::helpers::today();
    let request = || MandateRequest {
        merchant_id: merchant.id.clone(),
        customer_id: customer_id.clone(),
        product_id: product.clone(),
        iban: Some(abbo::domain::Iban::parse("NL91ABNA0417164300").unwrap()),
        bic: None,
        account_holder: "Jan de Vries".into(),
        channel: abbo::notify::Channel::Email,
        start_date: today,
        success_redirect_url: None,
        new_customer: None,
        form_nonce: None,
        options: Default::default(),
        deliver: true,
    };
    let actor = System::new(&merchant.id, "test");
    let context = ConfirmationContext {
        ip_address: "192.0.2.1".into(),
        user_agent: "test".into(),
        language: Default::default(),
    };
    let token = |url: &str| url.rsplit('/').next().unwrap().to_string();

    let accepted = mandates::request(&app.db, &links, &actor, request())
        .await
        .unwrap();
    let answer = mandates::confirm(
        &app.db,
        &links,
        &token(&accepted.confirmation_url),
        &context,
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(matches!(answer, Answered::Confirmed { .. }));
    app.webhooks.deliver_due().await.unwrap();
    let events = events_of(&mut sink, &secret);
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "mandate.valid",
            "subscription.created",
            "subscription.status_changed"
        ]
    );
    assert_eq!(events[0].1["id"], accepted.mandate_id.as_str());
    assert_eq!(events[0].1["previous_status"], "pending");
    assert_eq!(events[1].1["status"], "pending_mandate");
    assert_eq!(events[2].1["id"], accepted.subscription_id.as_str());
    assert_eq!(events[2].1["status"], "active");
    assert_eq!(events[2].1["previous_status"], "pending_mandate");
    assert_eq!(events[2].1["mandate_id"], accepted.mandate_id.as_str());

    let declined = mandates::request(&app.db, &links, &actor, request())
        .await
        .unwrap();
    let answer = mandates::decline(&app.db, &token(&declined.confirmation_url))
        .await
        .unwrap();
    assert!(matches!(answer, Answered::Declined(_)));
    app.webhooks.deliver_due().await.unwrap();
    let events = events_of(&mut sink, &secret);
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "mandate.revoked",
            "subscription.created",
            "subscription.status_changed"
        ]
    );
    assert_eq!(events[0].1["previous_status"], "pending");
    assert_eq!(events[0].1["customer_id"], customer_id.as_str());
    assert_eq!(events[2].1["status"], "ended");
}

#[tokio::test]
async fn endpoints_can_be_edited_disabled_and_deleted_by_staff_who_may_change() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let (page, _) = endpoint(&app, &sink.url, &["customer.created"]).await;

    let response = app
        .submit(
            &page,
            &page,
            &[
                ("url", "mailto:someone@example.com"),
                ("events", "customer.updated"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&response.text().await.unwrap(), "url-error").is_some());
    let url = format!("{}/v2", sink.url);
    let response = app
        .submit(
            &page,
            &page,
            &[("url", &url), ("events", "customer.updated")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert!(html.contains(&url));
    customer(&app, "Jan").await;
    assert_eq!(
        app.webhooks.deliver_due().await.unwrap(),
        Default::default(),
        "the endpoint no longer wants customer.created"
    );
    assert!(sink.is_empty());

    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    assert!(!app.page_as(&viewer, &page).await.contains("/disable"));
    let response = app
        .submit_as(&viewer, &page, &format!("{page}/disable"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let response = app.submit(&page, &format!("{page}/disable"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert_eq!(text_of(&html, "endpoint-status").unwrap(), "Disabled");
    assert!(
        text_of(&html, "disabled-reason")
            .unwrap()
            .contains("owner@example.com")
    );

    let response = app.submit(&page, &format!("{page}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);
    assert!(!app.page(HOOKS).await.contains(&page));
}

#[tokio::test]
async fn a_delivery_whose_worker_stopped_mid_send_is_sent_again_after_its_lease() {
    let app = webhook_app().await;
    let mut sink = HttpSink::start(vec![]).await;
    let (_, secret) = endpoint(&app, &sink.url, &["customer.created"]).await;
    customer(&app, "Jan").await;
    let now = abbo::store::now();
    // A worker claims the delivery and stops before it records anything.
    let due = abbo::store::webhooks::due(&app.db, now, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let lease_until = now + chrono::Duration::seconds(60);
    assert!(
        abbo::store::webhooks::claim(&app.db, &due[0], now, lease_until)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        app.webhooks.deliver_due_at(now).await.unwrap(),
        Default::default(),
        "nobody else takes it while the lease runs"
    );
    let report = app
        .webhooks
        .deliver_due_at(lease_until + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!((report.interrupted, report.delivered), (1, 1));
    verified(&sink.next(), &secret);
}
