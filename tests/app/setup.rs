use reqwest::StatusCode;

use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, browser, location, spawn_app, text_of};

#[tokio::test]
async fn first_visit_without_merchant_leads_to_setup() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/setup");
    let html = app.page("/setup").await;
    assert!(html.contains("Business name"));
    // Sign-in has nothing to offer before setup.
    assert_eq!(location(&app.get("/login").await), "/setup");
}

#[tokio::test]
async fn setup_creates_the_owner_signs_them_in_and_then_disappears() {
    let app = spawn_app().await;
    app.setup().await;

    let html = app.page("/admin/settings").await;
    assert!(html.contains("Welcome to Abbo"), "flash after setup");
    assert!(html.contains("Fietsabonnement BV"));
    assert!(html.contains(OWNER_EMAIL));

    assert_eq!(app.get("/setup").await.status(), StatusCode::NOT_FOUND);
    let again = app
        .post_form(
            "/setup",
            &[("merchant_name", "Second"), ("email", "x@example.com")],
        )
        .await;
    assert_ne!(
        again.status(),
        StatusCode::SEE_OTHER,
        "a second setup is refused"
    );

    // A new visitor is sent to sign in, then reaches the admin.
    let visitor = browser();
    let response = app.get_as(&visitor, "/").await;
    assert_eq!(location(&response), "/login");
    app.login_as(&visitor, OWNER_EMAIL, OWNER_PASSWORD).await;
    let dashboard = app.page_as(&visitor, "/admin").await;
    assert!(dashboard.contains("Dashboard"));
    assert!(dashboard.contains("Add your SEPA creditor identifier"));
}

#[tokio::test]
async fn setup_with_bad_input_shows_each_fields_error_and_keeps_input() {
    let app = spawn_app().await;
    let response = app
        .submit(
            "/setup",
            "/setup",
            &[
                ("merchant_name", "  "),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "merchant_name-error").as_deref(),
        Some("Enter your business name")
    );
    assert!(text_of(&html, "email-error").is_some());
    assert_eq!(
        text_of(&html, "password-error").as_deref(),
        Some("Use at least 12 characters")
    );
    assert!(html.contains("value=\"not-an-email\""), "input is kept");
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );

    let mismatch = app
        .submit(
            "/setup",
            "/setup",
            &[
                ("merchant_name", "Shop"),
                ("email", "a@example.com"),
                ("password", OWNER_PASSWORD),
                ("password_confirm", "something else entirely"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = mismatch.text().await.unwrap();
    assert_eq!(
        text_of(&html, "password_confirm-error").as_deref(),
        Some("The two passwords are not the same")
    );

    // Nothing was created: setup is still open.
    assert_eq!(app.get("/setup").await.status(), StatusCode::OK);
}
