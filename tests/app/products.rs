use abbo::domain::id::{IdPrefix, new_id};
use abbo::store::customers::{self, NewCustomer};
use abbo::store::subscriptions::{self, Subscription};
use abbo::store::{self, merchants, products};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app, text_of};

fn product(
    name: &'static str,
    price: &'static str,
    include_vat: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("name", name),
        ("description", "Two bikes a month"),
        ("price", price),
        ("vat_rate", "21"),
        ("interval", "1 month"),
        ("method_email", "on"),
        ("method_sms", "on"),
        ("minimum_term_months", "12"),
        ("notice_period_days", "30"),
    ];
    if include_vat {
        fields.push(("prices_include_vat", "on"));
    }
    fields
}

fn row_text(html: &str, id: &str, class: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("#product-{id} .{class}")).unwrap();
    document
        .select(&selector)
        .next()
        .unwrap()
        .text()
        .collect::<String>()
        .trim()
        .to_string()
}

async fn only_product_id(app: &TestApp, name: &str) -> String {
    let merchant = merchants::list(&app.db).await.unwrap().remove(0);
    products::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .id
}

#[tokio::test]
async fn products_show_prices_with_and_without_vat() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &product("Fiets Plus", "12,10", true),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &product("Zakelijk", "10.00", false),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page("/admin/products").await;
    let plus = only_product_id(&app, "Fiets Plus").await;
    let business = only_product_id(&app, "Zakelijk").await;
    assert_eq!(row_text(&html, &plus, "gross"), "€ 12.10");
    assert_eq!(row_text(&html, &plus, "net"), "€ 10.00");
    assert_eq!(row_text(&html, &business, "gross"), "€ 12.10");
    assert_eq!(row_text(&html, &business, "net"), "€ 10.00");
    assert_eq!(row_text(&html, &plus, "running"), "0");

    // The edit form shows what was saved.
    let form = app.page(&format!("/admin/products/{plus}")).await;
    assert!(form.contains("value=\"12.10\""));
    assert!(form.contains("name=\"method_sms\" checked"));
    assert!(!form.contains("name=\"method_online_payment\" checked"));
    assert!(form.contains("value=\"12\""), "minimum term");
}

#[tokio::test]
async fn bad_product_input_is_explained_per_field_and_nothing_is_created() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", " "),
                ("price", "12.955"),
                ("vat_rate", "abc"),
                ("interval", "1 fortnight"),
                ("minimum_term_months", "twelve"),
                ("notice_period_days", "-1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in [
        "name",
        "price",
        "vat_rate",
        "interval",
        "method_email",
        "minimum_term_months",
        "notice_period_days",
    ] {
        assert!(
            text_of(&html, &format!("{field}-error")).is_some(),
            "{field}"
        );
    }
    assert_eq!(
        text_of(&html, "price-error").as_deref(),
        Some("Enter an amount with at most 2 decimals, like 12.95")
    );
    assert!(html.contains("value=\"1 fortnight\""), "input kept");
    let zero = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &product("Gratis", "0", true),
        )
        .await;
    assert_eq!(zero.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.page("/admin/products")
            .await
            .contains("No products yet")
    );
}

async fn subscribe(app: &TestApp, product_id: &str, status: &str) {
    let merchant_id = merchants::list(&app.db).await.unwrap().remove(0).id;
    let customer_id = new_id(IdPrefix::Customer);
    let mut tx = app.db.begin().await.unwrap();
    customers::insert(
        &mut tx,
        &NewCustomer {
            id: customer_id.clone(),
            merchant_id: merchant_id.clone(),
            first_name: "Ann".into(),
            ..NewCustomer::default()
        },
        store::now(),
    )
    .await
    .unwrap();
    let subscription = Subscription {
        id: new_id(IdPrefix::Subscription),
        merchant_id,
        customer_id,
        product_id: product_id.to_string(),
        mandate_id: None,
        description: "Fiets Plus".into(),
        amount_minor: 1210,
        vat_basis_points: 2100,
        billing_interval: "1 month".into(),
        start_date: crate::helpers::today(),
        billing_from: Some(crate::helpers::today()),
        status: status.into(),
        success_redirect_url: None,
        pause_on: None,
        resume_on: None,
        cancel_on: None,
        subscription_webhook_url: None,
        transaction_webhook_url: None,
        metadata: None,
        create_invoice: false,
        invoice_text: String::new(),
        created_at: store::now(),
    };
    subscriptions::insert(&mut tx, &subscription, store::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_product_in_use_is_archived_never_deleted() {
    let app = spawn_app().await;
    app.setup().await;
    app.submit(
        "/admin/products/new",
        "/admin/products",
        &product("Fiets Plus", "12.10", true),
    )
    .await;
    app.submit(
        "/admin/products/new",
        "/admin/products",
        &product("Unused", "5", true),
    )
    .await;
    let plus = only_product_id(&app, "Fiets Plus").await;
    let unused = only_product_id(&app, "Unused").await;
    subscribe(&app, &plus, "active").await;
    subscribe(&app, &plus, "ended").await;
    let html = app.page("/admin/products").await;
    assert_eq!(row_text(&html, &plus, "running"), "1");

    let page = format!("/admin/products/{plus}");
    assert!(
        !app.page(&page).await.contains(">Delete<"),
        "no delete button for a product in use"
    );
    let response = app.submit(&page, &format!("{page}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page("/admin/products")
            .await
            .contains("Subscriptions use this product")
    );
    assert!(app.page("/admin/products").await.contains("Fiets Plus"));

    app.submit(&page, &format!("{page}/archive"), &[]).await;
    let html = app.page("/admin/products").await;
    assert!(html.contains("Product archived"));
    assert!(html.contains(">archived<"));
    app.submit(&page, &format!("{page}/restore"), &[]).await;
    assert!(
        app.page("/admin/products")
            .await
            .contains("Product restored.")
    );

    let unused_page = format!("/admin/products/{unused}");
    app.submit(&unused_page, &format!("{unused_page}/delete"), &[])
        .await;
    assert!(!app.page("/admin/products").await.contains("Unused"));
    assert_eq!(app.get(&unused_page).await.status(), StatusCode::NOT_FOUND);

    // Editing changes the product, not running subscriptions.
    let mut changed = product("Fiets Plus", "14.95", true);
    changed.retain(|(k, _)| *k != "method_sms");
    let response = app.submit(&page, &page, &changed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        row_text(&app.page("/admin/products").await, &plus, "gross"),
        "€ 14.95"
    );
}

#[tokio::test]
async fn viewers_and_other_merchants_cannot_touch_products() {
    let app = spawn_app().await;
    app.setup().await;
    app.submit(
        "/admin/products/new",
        "/admin/products",
        &product("Fiets Plus", "12.10", true),
    )
    .await;
    let plus = only_product_id(&app, "Fiets Plus").await;
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    assert!(
        app.page_as(&viewer, "/admin/products")
            .await
            .contains("Fiets Plus")
    );
    let refused = app
        .submit_as(
            &viewer,
            "/admin/products",
            "/admin/products",
            &product("Sneaky", "1", true),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let other = app.other_merchant().await;
    assert!(
        !app.page_as(&other, "/admin/products")
            .await
            .contains("Fiets Plus")
    );
    let page = format!("/admin/products/{plus}");
    assert_eq!(
        app.get_as(&other, &page).await.status(),
        StatusCode::NOT_FOUND
    );
    for action in ["", "/archive", "/restore", "/delete"] {
        let response = app
            .submit_as(
                &other,
                "/admin/products",
                &format!("{page}{action}"),
                &product("Hijack", "1", true),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "POST {page}{action}"
        );
    }
    assert!(app.page("/admin/products").await.contains("Fiets Plus"));
}
