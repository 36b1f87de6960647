use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

const JAN: [(&str, &str); 12] = [
    ("first_name", "Jan"),
    ("last_name", "de Vries"),
    ("company", "Fietskoeriers BV"),
    ("reference", "K-1001"),
    ("email", "jan@example.nl"),
    ("phone", "06 12345678"),
    ("street", "Damrak 1"),
    ("postal_code", "1012 LG"),
    ("city", "Amsterdam"),
    ("country", "nl"),
    ("language", "nl"),
    ("payment_method", "direct_debit"),
];

fn with(
    base: &[(&'static str, &'static str)],
    field: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    base.iter()
        .map(|&(k, v)| if k == field { (k, value) } else { (k, v) })
        .collect()
}

async fn create(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let response = app
        .submit("/admin/customers/new", "/admin/customers", fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

#[tokio::test]
async fn a_customer_is_created_normalised_shown_and_edited() {
    let app = spawn_app().await;
    app.setup().await;
    let page = create(&app, &JAN).await;
    let html = app.page(&page).await;
    assert!(html.contains("Customer created."));
    assert_eq!(
        text_of(&html, "customer-name").as_deref(),
        Some("Jan de Vries")
    );
    let profile = text_of(&html, "profile").unwrap();
    assert!(profile.contains("+31612345678"), "{profile}");
    assert!(profile.contains("K-1001"));
    assert!(app.page("/admin").await.contains("customer.created"));

    let edit = format!("{page}/edit");
    let response = app
        .submit(&edit, &edit, &with(&JAN, "city", "Utrecht"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert!(text_of(&html, "profile").unwrap().contains("Utrecht"));
    assert!(
        text_of(&html, "activity")
            .unwrap()
            .contains("customer.updated")
    );
}

#[tokio::test]
async fn bad_customer_input_is_explained_per_field() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("first_name", "Jan"),
                ("email", "jan@"),
                ("phone", "call me"),
                ("country", "XX"),
                ("reference", &"R".repeat(36)),
                ("payment_method", "cash"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "last_name-error").as_deref(),
        Some("Enter a last name or a company name")
    );
    for field in ["email", "phone", "country", "reference", "payment_method"] {
        assert!(
            text_of(&html, &format!("{field}-error")).is_some(),
            "{field}"
        );
    }
    assert!(html.contains("value=\"call me\""), "input kept");
    assert!(
        app.page("/admin/customers")
            .await
            .contains("No customers match.")
    );
}

#[tokio::test]
async fn duplicate_emails_and_references_are_explained() {
    let app = spawn_app().await;
    app.setup().await;
    create(&app, &JAN).await;
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &with(&JAN, "reference", "K-2"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "email-error").as_deref(),
        Some("Jan de Vries already uses this email address")
    );
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &with(&JAN, "email", "other@example.nl"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "reference-error").as_deref(),
        Some("Another customer already has this reference")
    );
}

fn names(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("#customers tbody tr td:first-child a").unwrap();
    document
        .select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn the_overview_searches_filters_and_sorts() {
    let app = spawn_app().await;
    app.setup().await;
    create(&app, &JAN).await;
    create(
        &app,
        &[
            ("first_name", "Anna"),
            ("last_name", "Bakker"),
            ("email", "anna@bakker.nl"),
            ("reference", "K-2002"),
            ("payment_method", "manual"),
        ],
    )
    .await;
    create(
        &app,
        &[
            ("company", "Zeilschool Noord"),
            ("email", "info@zeilschool.nl"),
            ("payment_method", "direct_debit"),
        ],
    )
    .await;

    assert_eq!(
        names(&app.page("/admin/customers").await),
        ["Anna Bakker", "Jan de Vries", "Zeilschool Noord"],
        "by last name"
    );
    // Created within the same second here, so only check that the two date orders mirror each other.
    let newest = names(&app.page("/admin/customers?sort=newest").await);
    let mut oldest = names(&app.page("/admin/customers?sort=oldest").await);
    oldest.reverse();
    assert_eq!(newest.len(), 3);
    assert_eq!(newest, oldest);
    for (q, expected) in [
        ("vries", "Jan de Vries"),
        ("BAKKER.NL", "Anna Bakker"),
        ("k-2002", "Anna Bakker"),
        ("fietskoeriers", "Jan de Vries"),
        ("zeil", "Zeilschool Noord"),
    ] {
        let html = app
            .page(&format!("/admin/customers?q={}", urlencode(q)))
            .await;
        assert_eq!(names(&html), [expected], "search {q}");
    }
    assert!(
        app.page("/admin/customers?q=nobody")
            .await
            .contains("No customers match.")
    );
    assert!(
        app.page("/admin/customers?mandate_status=valid")
            .await
            .contains("No customers match.")
    );
    assert!(
        app.page("/admin/customers?subscription_status=active")
            .await
            .contains("No customers match.")
    );
    // An unknown filter value is ignored rather than failing.
    assert_eq!(
        names(
            &app.page("/admin/customers?subscription_status=bogus&sort=bogus")
                .await
        )
        .len(),
        3
    );
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

#[tokio::test]
async fn viewers_and_other_merchants_cannot_change_customers() {
    let app = spawn_app().await;
    app.setup().await;
    let page = create(&app, &JAN).await;
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    assert!(app.page_as(&viewer, &page).await.contains("Jan de Vries"));
    let edit = format!("{page}/edit");
    let refused = app
        .submit_as(&viewer, &edit, &edit, &with(&JAN, "city", "Hacked"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let other = app.other_merchant().await;
    assert!(
        !app.page_as(&other, "/admin/customers")
            .await
            .contains("Jan de Vries")
    );
    assert!(
        !app.page_as(&other, "/admin/customers?q=vries")
            .await
            .contains("Jan de Vries")
    );
    for path in [page.clone(), edit.clone()] {
        assert_eq!(
            app.get_as(&other, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let response = app
        .submit_as(
            &other,
            "/admin/customers",
            &edit,
            &with(&JAN, "city", "Hacked"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!app.page(&page).await.contains("Hacked"));
}
