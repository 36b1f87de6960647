//! Tenant isolation, systematically: every customer, product, subscription, mandate and message
//! URL of merchant A answers 404 to merchant B, for reading and for every action.

use reqwest::StatusCode;

use crate::helpers::{location, spawn_app};

fn id_after(html: &str, prefix: &str) -> String {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in the page"));
    html[start..]
        .split(['"', '/', '#', '?'])
        .take(4)
        .collect::<Vec<_>>()[3]
        .to_string()
}

#[tokio::test]
async fn merchant_b_gets_404_for_every_url_of_merchant_a() {
    let app = spawn_app().await;
    app.setup().await;
    // Merchant A: a product, a customer with a paper mandate and subscription, a message.
    app.submit(
        "/admin/products/new",
        "/admin/products",
        &[
            ("name", "A-Plan"),
            ("price", "9.95"),
            ("vat_rate", "21"),
            ("interval", "1 month"),
            ("method_email", "on"),
        ],
    )
    .await;
    let customer_page = location(
        &app.submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("first_name", "Ann"),
                ("last_name", "A-Customer"),
                ("email", "ann@example.nl"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await,
    );
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let product = abbo::store::products::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .remove(0)
        .id;
    let today = crate::helpers::today().to_string();
    app.submit(
        &customer_page,
        &format!("{customer_page}/subscriptions"),
        &[
            ("product_id", &product),
            ("start_date", &today),
            ("way", "paper"),
            ("iban", "NL91ABNA0417164300"),
            ("account_holder", "Ann"),
            ("signed_on", &today),
        ],
    )
    .await;
    app.submit(
        "/admin/users",
        "/admin/users",
        &[
            ("email", "colleague@a.example"),
            ("role", "admin"),
            ("password", "another long password"),
        ],
    )
    .await;
    let customer = customer_page
        .trim_start_matches("/admin/customers/")
        .to_string();
    let subscription = id_after(
        &app.page("/admin/subscriptions").await,
        "/admin/subscriptions/sub_",
    );
    let mandate = id_after(&app.page("/admin/mandates").await, "/admin/mandates/mdt_");
    let message = id_after(&app.page("/admin/messages").await, "/admin/messages/msg_");
    let user = id_after(&app.page("/admin/users").await, "/admin/users/usr_");

    let b = app.other_merchant().await;
    for list in [
        "/admin/customers",
        "/admin/products",
        "/admin/subscriptions",
        "/admin/mandates",
        "/admin/messages",
        "/admin/users",
        "/admin",
    ] {
        let html = app.page_as(&b, list).await;
        for secret in [
            "A-Customer",
            "A-Plan",
            "ann@example.nl",
            "colleague@a.example",
        ] {
            assert!(!html.contains(secret), "{list} shows {secret}");
        }
    }
    let gets = [
        format!("/admin/customers/{customer}"),
        format!("/admin/customers/{customer}/edit"),
        format!("/admin/customers/{customer}/export"),
        format!("/admin/products/{product}"),
        format!("/admin/subscriptions/{subscription}"),
        format!("/admin/subscriptions/{subscription}/pause"),
        format!("/admin/subscriptions/{subscription}/cancel"),
        format!("/admin/subscriptions/{subscription}/mandate"),
        format!("/admin/mandates/{mandate}"),
        format!("/admin/messages/{message}"),
        format!("/admin/messages/{message}/html"),
    ];
    for path in &gets {
        assert_eq!(
            app.get_as(&b, path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    let posts = [
        format!("/admin/customers/{customer}/edit"),
        format!("/admin/customers/{customer}/subscriptions"),
        format!("/admin/customers/{customer}/anonymise"),
        format!("/admin/customers/{customer}/delete"),
        format!("/admin/customers/{customer}/revoke-links"),
        format!("/admin/customers/{customer}/grey-list"),
        format!("/admin/products/{product}"),
        format!("/admin/products/{product}/archive"),
        format!("/admin/products/{product}/restore"),
        format!("/admin/products/{product}/delete"),
        format!("/admin/subscriptions/{subscription}/pause"),
        format!("/admin/subscriptions/{subscription}/resume"),
        format!("/admin/subscriptions/{subscription}/cancel"),
        format!("/admin/subscriptions/{subscription}/mandate"),
        format!("/admin/mandates/{mandate}/resend"),
        format!("/admin/mandates/{mandate}/revoke"),
        format!("/admin/messages/{message}/resend"),
        format!("/admin/users/{user}/role"),
        format!("/admin/users/{user}/remove"),
    ];
    let fields = [
        ("first_name", "X"),
        ("last_name", "Hijack"),
        ("name", "Hijack"),
        ("price", "1"),
        ("vat_rate", "0"),
        ("interval", "1 month"),
        ("method_email", "on"),
        ("when", "now"),
        ("reason", "x"),
        ("change", "add"),
        ("role", "viewer"),
        ("payment_method", "manual"),
        ("product_id", "x"),
        ("start_date", "2026-01-01"),
        ("way", "paper"),
        ("iban", "NL91ABNA0417164300"),
        ("account_holder", "x"),
        ("signed_on", "2026-01-01"),
    ];
    for path in &posts {
        let response = app.submit_as(&b, "/admin", path, &fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    // Nothing of merchant A changed.
    let html = app.page(&customer_page).await;
    assert!(html.contains("A-Customer") && !html.contains("Hijack"));
    assert!(
        app.page(&format!("/admin/subscriptions/{subscription}"))
            .await
            .contains("active")
    );
    assert!(
        app.page(&format!("/admin/mandates/{mandate}"))
            .await
            .contains("valid")
    );
    assert!(app.page("/admin/products").await.contains("A-Plan"));
    assert!(
        app.page("/admin/users")
            .await
            .contains("colleague@a.example")
    );
}
