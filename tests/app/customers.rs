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

async fn with_product(app: &TestApp) -> (String, String) {
    let customer = create(app, &JAN).await;
    let product = app.product(&[("method_email", "on")]).await;
    (customer, product)
}

fn cell_texts(html: &str, table: &str) -> String {
    text_of(html, table).unwrap_or_default()
}

#[tokio::test]
async fn assigning_a_product_without_a_mandate_sends_the_customer_a_link() {
    let mut sink = crate::sinks::SmtpSink::start().await;
    let url = sink.url.clone();
    let app = crate::helpers::spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let (page, product) = with_product(&app).await;
    let today = crate::helpers::today().to_string();
    let response = app
        .submit(
            &page,
            &format!("{page}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", "email"),
                ("iban", "NL91 ABNA 0417 1643 00"),
                ("account_holder", "J. de Vries"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert!(html.contains("emailed a link"));
    assert!(cell_texts(&html, "subscriptions").contains("awaiting mandate"));
    assert!(cell_texts(&html, "mandates").contains("pending"));
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let email = sink.next();
    assert_eq!(email.to, vec!["<jan@example.nl>"]);
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(
        text.contains("Fiets Plus"),
        "Dutch email names the product: {text}"
    );
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/m/"))
        .unwrap()
        .to_string();
    let confirmed = crate::helpers::browser()
        .post(&link)
        .form(&[("answer", "confirm"), ("lang", "nl")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let html = app.page(&page).await;
    assert!(cell_texts(&html, "subscriptions").contains("active"));
    assert!(text_of(&html, "upcoming").unwrap().contains("Fiets Plus"));
}

#[tokio::test]
async fn assigning_with_a_paper_mandate_accepts_it_at_once() {
    let app = crate::helpers::spawn_app().await;
    app.setup().await;
    let (page, product) = with_product(&app).await;
    let today = crate::helpers::today();
    let future = (today + chrono::Duration::days(20)).to_string();
    let past = (today - chrono::Duration::days(40)).to_string();
    let signed = (today - chrono::Duration::days(50)).to_string();
    let paper = |reference: &'static str, start: String| {
        vec![
            ("product_id", product.clone()),
            ("start_date", start),
            ("way", "paper".to_string()),
            ("iban", "DE89370400440532013000".to_string()),
            ("account_holder", "Jan de Vries".to_string()),
            ("reference", reference.to_string()),
            ("signed_on", signed.clone()),
        ]
    };
    let submit = |fields: Vec<(&'static str, String)>| {
        let page = page.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.submit(&page, &format!("{page}/subscriptions"), &fields)
                .await
        }
    };
    assert_eq!(
        submit(paper("mdt-2024/001", future)).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = app.page(&page).await;
    assert!(html.contains("Mandate recorded"));
    let mandates = cell_texts(&html, "mandates");
    assert!(
        mandates.contains("MDT-2024/001")
            && mandates.contains("valid")
            && mandates.contains("paper"),
        "{mandates}"
    );
    assert!(cell_texts(&html, "subscriptions").contains("planned"));

    assert_eq!(
        submit(paper("", past)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(cell_texts(&app.page(&page).await, "subscriptions").contains("active"));

    let duplicate = submit(paper("MDT-2024/001", today.to_string())).await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = duplicate.text().await.unwrap();
    assert_eq!(
        text_of(&html, "reference-error").as_deref(),
        Some("Another mandate already has this reference")
    );
}

#[tokio::test]
async fn bad_assignments_are_explained_per_field() {
    let app = crate::helpers::spawn_app().await;
    app.setup().await;
    let (page, product) = with_product(&app).await;
    let tomorrow = (crate::helpers::today() + chrono::Duration::days(1)).to_string();
    let response = app
        .submit(
            &page,
            &format!("{page}/subscriptions"),
            &[
                ("start_date", "soon"),
                ("way", "paper"),
                ("iban", "NL91ABNA0417164301"),
                ("reference", "REF_1"),
                ("signed_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in [
        "product_id",
        "start_date",
        "iban",
        "account_holder",
        "reference",
        "signed_on",
    ] {
        assert!(
            text_of(&html, &format!("{field}-error")).is_some(),
            "{field}"
        );
    }
    // A customer without a mobile number cannot get a text message.
    let response = app
        .submit(&page, &format!("{page}/edit"), &with(&JAN, "phone", ""))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .submit(
            &page,
            &format!("{page}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", "2026-12-01"),
                ("way", "sms"),
                ("iban", "NL91ABNA0417164300"),
                ("account_holder", "Jan"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&response.text().await.unwrap(), "way-error")
            .unwrap()
            .contains("no mobile number")
    );
    // An archived product takes no new subscriptions.
    let product_page = format!("/admin/products/{product}");
    app.submit(&product_page, &format!("{product_page}/archive"), &[])
        .await;
    let response = app
        .submit(
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
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&response.text().await.unwrap(), "product_id-error").as_deref(),
        Some("This product is archived")
    );
    assert!(
        text_of(&app.page(&page).await, "subscriptions").is_none(),
        "nothing was created"
    );
}

/// Whether the "Assign a product" form is shown open (it is behind a button until asked for).
fn assign_form_open(html: &str) -> bool {
    let document = scraper::Html::parse_document(html);
    let details = scraper::Selector::parse("#assign details").unwrap();
    let element = document.select(&details).next().expect("the assign toggle");
    element.value().attr("open").is_some()
}

/// The ids of the customer's subscriptions the page links to.
fn subscription_links(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let links = scraper::Selector::parse("#subscriptions a").unwrap();
    document
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect()
}

async fn mandates_of(app: &TestApp, email: &str) -> Vec<(String, String, String, String)> {
    crate::on_db!(&app.db, pool => {
        sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT m.id, m.status, m.iban, m.account_holder FROM mandates m \
             JOIN customers c ON c.id = m.customer_id WHERE c.email = $1 ORDER BY m.created_at",
        )
        .bind(email)
        .fetch_all(pool)
        .await
    })
    .unwrap()
}

#[tokio::test]
async fn a_link_sent_without_the_account_lets_the_customer_enter_it_on_the_mandate_page() {
    let mut sink = crate::sinks::SmtpSink::start().await;
    let url = sink.url.clone();
    let app = crate::helpers::spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let (page, product) = with_product(&app).await;
    let html = app.page(&page).await;
    assert!(!assign_form_open(&html), "the form waits behind its button");
    let today = crate::helpers::today().to_string();
    let response = app
        .submit(
            &page,
            &format!("{page}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", "email"),
                ("iban", ""),
                ("account_holder", ""),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "no IBAN needed for a link"
    );
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(text.contains("bankrekening in te vullen"), "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/m/"))
        .unwrap()
        .to_string();

    let form = crate::helpers::customer_page(&link).await;
    assert!(crate::helpers::text_of(&form, "enter-account").is_some());
    let customer = crate::helpers::browser();
    let confirm = |iban: &'static str, holder: &'static str| {
        customer
            .post(&link)
            .header("User-Agent", "MandateTest/1.0")
            .form(&[
                ("answer", "confirm"),
                ("lang", "nl"),
                ("iban", iban),
                ("account_holder", holder),
            ])
            .send()
    };
    let refused = confirm("NL00 ABNA 0417 1643 00", "").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    let t = abbo::i18n::Texts::new(
        abbo::domain::Language::Nl,
        abbo::domain::Formality::default(),
    );
    assert_eq!(text_of(&html, "iban-error"), Some(t.get("error-iban")));
    assert!(text_of(&html, "account_holder-error").is_some());
    assert!(
        html.contains("value=\"NL00 ABNA 0417 1643 00\""),
        "the input is kept"
    );
    let (_, status, iban, _) = mandates_of(&app, "jan@example.nl").await.remove(0);
    assert_eq!((status.as_str(), iban.as_str()), ("pending", ""));

    let confirmed = confirm("NL91 ABNA 0417 1643 00", "J. de Vries")
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let mandates = mandates_of(&app, "jan@example.nl").await;
    assert_eq!(mandates.len(), 1);
    let (mandate_id, status, iban, holder) = mandates[0].clone();
    assert_eq!(
        (status.as_str(), iban.as_str(), holder.as_str()),
        ("valid", "NL91ABNA0417164300", "J. de Vries")
    );
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let evidence = abbo::store::mandates::evidence_for(&app.db, &merchant.id, &mandate_id)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].iban, "NL91ABNA0417164300");
    assert_eq!(evidence[0].account_holder, "J. de Vries");
    assert_eq!(evidence[0].user_agent, "MandateTest/1.0");

    let html = app.page(&page).await;
    assert!(cell_texts(&html, "subscriptions").contains("active"));
    let links = subscription_links(&html);
    assert_eq!(links.len(), 1);
    assert!(
        links[0].starts_with("/admin/subscriptions/sub_"),
        "{links:?}"
    );
    assert_eq!(app.get(&links[0]).await.status(), StatusCode::OK);
    let mandate_page = app.page(&format!("/admin/mandates/{mandate_id}")).await;
    assert!(cell_texts(&mandate_page, "evidence").contains("J. de Vries"));
}

#[tokio::test]
async fn assigning_again_uses_the_customers_valid_mandate_instead_of_a_duplicate() {
    let app = crate::helpers::spawn_app().await;
    app.setup().await;
    let (page, product) = with_product(&app).await;
    app.assign_with_paper_mandate(&page, &product).await;
    let today = crate::helpers::today().to_string();
    let (mandate_id, ..) = mandates_of(&app, "jan@example.nl").await.remove(0);
    // The page offers the valid mandate, chosen already.
    let html = app.page(&page).await;
    let way = format!("mandate:{mandate_id}");
    let document = scraper::Html::parse_document(&html);
    let checked = scraper::Selector::parse("input[name=way][checked]").unwrap();
    let chosen = document
        .select(&checked)
        .next()
        .unwrap()
        .value()
        .attr("value");
    assert_eq!(chosen, Some(way.as_str()));
    let response = app
        .submit(
            &page,
            &format!("{page}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", &way),
                ("iban", ""),
                ("account_holder", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        mandates_of(&app, "jan@example.nl").await.len(),
        1,
        "no duplicate"
    );
    let html = app.page(&page).await;
    assert_eq!(subscription_links(&html).len(), 2);
    assert_eq!(
        cell_texts(&html, "subscriptions").matches("active").count(),
        2
    );
    // Another customer's mandate cannot be used.
    let other = create(
        &app,
        &with(&with(&JAN, "email", "piet@example.nl"), "reference", "K-2"),
    )
    .await;
    let response = app
        .submit(
            &other,
            &format!("{other}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", &way),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(text_of(&html, "way-error").is_some());
    assert!(
        assign_form_open(&html),
        "sent back with errors, the form is open"
    );
}
