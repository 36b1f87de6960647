use abbo::store::Db;
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

/// A customer; with `subscribe`, also an active subscription under a paper mandate.
async fn customer(app: &TestApp, subscribe: bool) -> String {
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("first_name", "Jan"),
                ("last_name", "de Vries"),
                ("email", "jan@example.nl"),
                ("phone", "0612345678"),
                ("city", "Utrecht"),
                ("country", "NL"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    let page = location(&response);
    if subscribe {
        let product = app.product(&[("method_email", "on")]).await;
        app.assign_with_paper_mandate(&page, &product).await;
    }
    page
}

#[tokio::test]
async fn a_customers_data_exports_as_json() {
    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, true).await;
    let response = app.get(&format!("{page}/export")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let data: serde_json::Value = response.json().await.unwrap();
    assert_eq!(data["customer"]["email"], "jan@example.nl");
    assert_eq!(data["customer"]["phone"], "+31612345678");
    assert_eq!(data["mandates"][0]["iban"], "NL91ABNA0417164300");
    assert_eq!(data["subscriptions"][0]["amount"], "12.95");
    assert!(
        data["activity"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "customer.created")
    );
}

#[tokio::test]
async fn anonymising_waits_for_subscriptions_to_end_and_keeps_the_books() {
    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, true).await;
    let response = app.submit(&page, &format!("{page}/anonymise"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&page)
            .await
            .contains("still has a running or waiting subscription")
    );

    // End the subscription, then anonymise.
    let html = app.page("/admin/subscriptions").await;
    let start = html.find("/admin/subscriptions/sub_").unwrap();
    let subscription = html[start..].split('"').next().unwrap().to_string();
    app.submit(
        &format!("{subscription}/cancel"),
        &format!("{subscription}/cancel"),
        &[("when", "now")],
    )
    .await;
    abbo::services::subscriptions::apply_dates(
        &app.db,
        crate::helpers::today() + Duration::days(1),
    )
    .await
    .unwrap();
    let response = app.submit(&page, &format!("{page}/anonymise"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert!(html.contains("Personal data removed; financial records kept."));
    assert_eq!(
        text_of(&html, "customer-name").as_deref(),
        Some("Anonymised customer")
    );
    let profile = text_of(&html, "profile").unwrap();
    assert!(
        !profile.contains("jan@example.nl")
            && !profile.contains("+31612345678")
            && !profile.contains("Utrecht")
    );
    assert!(profile.contains("NL"), "the country stays");
    assert!(
        text_of(&html, "subscriptions").unwrap().contains("€ 12.95"),
        "amounts stay"
    );
    assert!(!text_of(&html, "mandates").unwrap().contains("NL91"));
    assert!(
        app.page("/admin/customers?q=vries")
            .await
            .contains("No customers match.")
    );
    let data: serde_json::Value = app
        .get(&format!("{page}/export"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(data["mandates"][0]["iban"], "XX00ANONYMISED");
    assert!(!data["customer"]["anonymised_at"].is_null());
}

async fn mark_collected(db: &Db) {
    let sql = "UPDATE mandates SET first_used_on = '2026-01-01'";
    match db {
        Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(|_| ()),
        Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

#[tokio::test]
async fn deleting_is_refused_once_anything_financial_refers_to_the_customer() {
    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, true).await;
    app.submit(&page, &format!("{page}/delete"), &[]).await;
    assert!(
        app.page(&page)
            .await
            .contains("still has a running or waiting subscription")
    );
    mark_collected(&app.db).await;
    app.submit(&page, &format!("{page}/delete"), &[]).await;
    assert!(
        app.page(&page)
            .await
            .contains("Payments were collected from this customer")
    );

    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, false).await;
    assert!(app.page("/admin").await.contains("Jan de Vries"), "logged");
    let response = app.submit(&page, &format!("{page}/delete"), &[]).await;
    assert_eq!(location(&response), "/admin/customers");
    assert!(
        app.page("/admin/customers")
            .await
            .contains("Customer deleted.")
    );
    assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);
    // The activity log keeps that it happened, not who it was.
    assert!(!app.page("/admin").await.contains("Jan de Vries"));
}

#[tokio::test]
async fn the_grey_list_needs_a_reason_and_shows_in_the_overview() {
    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, false).await;
    app.submit(
        &page,
        &format!("{page}/grey-list"),
        &[("change", "add"), ("reason", "  ")],
    )
    .await;
    assert!(app.page(&page).await.contains("Give a reason"));
    app.submit(
        &page,
        &format!("{page}/grey-list"),
        &[("change", "add"), ("reason", "Two failed debits")],
    )
    .await;
    let html = app.page(&page).await;
    assert!(html.contains("Grey-listed: Two failed debits"));
    assert!(
        text_of(
            &app.page("/admin/customers?grey_listed=on").await,
            "customers"
        )
        .unwrap()
        .contains("grey-listed")
    );
    app.submit(
        &page,
        &format!("{page}/grey-list"),
        &[("change", "remove"), ("reason", "Paid by bank transfer")],
    )
    .await;
    assert!(
        app.page("/admin/customers?grey_listed=on")
            .await
            .contains("No customers match.")
    );
    let activity = text_of(&app.page(&page).await, "activity").unwrap();
    assert!(activity.contains("Two failed debits") && activity.contains("Paid by bank transfer"));
}

#[tokio::test]
async fn open_links_can_be_withdrawn() {
    let mut sink = crate::sinks::SmtpSink::start().await;
    let url = sink.url.clone();
    let app = crate::helpers::spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let page = customer(&app, false).await;
    let product = app.product(&[("method_email", "on")]).await;
    app.submit(
        &page,
        &format!("{page}/subscriptions"),
        &[
            ("product_id", &product),
            ("start_date", "2026-12-01"),
            ("way", "email"),
            ("iban", "NL91ABNA0417164300"),
            ("account_holder", "Jan"),
        ],
    )
    .await;
    app.outbox.deliver_due().await.unwrap();
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/m/"))
        .unwrap()
        .to_string();
    app.submit(&page, &format!("{page}/revoke-links"), &[])
        .await;
    assert!(
        app.page(&page)
            .await
            .contains("Every open link of this customer is withdrawn.")
    );
    assert_eq!(
        crate::helpers::browser()
            .get(&link)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn other_merchants_cannot_use_privacy_actions() {
    let app = spawn_app().await;
    app.setup().await;
    let page = customer(&app, false).await;
    let other = app.other_merchant().await;
    assert_eq!(
        app.get_as(&other, &format!("{page}/export")).await.status(),
        StatusCode::NOT_FOUND
    );
    for action in ["anonymise", "delete", "revoke-links", "grey-list"] {
        let response = app
            .submit_as(
                &other,
                "/admin/customers",
                &format!("{page}/{action}"),
                &[("change", "add"), ("reason", "x")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(app.get(&page).await.status(), StatusCode::OK);
}
