//! Sign-up pages: the editor, and customers signing themselves up on the hosted page.

use reqwest::StatusCode;

use crate::helpers::{
    TestApp, browser, customer_page, location, spawn_app, spawn_app_with, text_of,
};
use crate::sinks::{HttpSink, SmtpSink};

/// Creates a page and returns its admin URL.
pub(crate) async fn page(
    app: &TestApp,
    product: &str,
    mandate_type: &str,
    extra: &[(&str, &str)],
) -> String {
    let key = format!("product_{product}");
    let mut fields = vec![
        ("title", "Word lid van Fietsabo"),
        ("slug", "fiets-plus"),
        ("intro", "Twee fietsen per maand."),
        (key.as_str(), "on"),
        ("mandate_type", mandate_type),
        ("start_rule", "today"),
        ("allowed_origins", "https://www.fietsabo.example"),
        ("language", "nl"),
        ("active", "on"),
        ("field_phone", "optional"),
    ];
    for (k, v) in extra {
        fields.retain(|(key, _)| key != k);
        fields.push((k, v));
    }
    let response = app
        .submit("/admin/pages/new", "/admin/pages", &fields)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// A form token issued long enough ago to pass the minimum fill time.
pub(crate) fn token(app: &TestApp, page_id: &str) -> String {
    abbo::services::signup_pages::issue_token(
        &app.config.secrets.link_key,
        page_id,
        abbo::store::now().timestamp() - 30,
    )
}

pub(crate) fn page_id(admin_url: &str) -> String {
    admin_url.trim_start_matches("/admin/pages/").to_string()
}

pub(crate) async fn sign_up(
    app: &TestApp,
    token: &str,
    product: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut all = vec![
        ("token", token),
        ("product_id", product),
        ("first_name", "Jan"),
        ("last_name", "de Vries"),
        ("email", "jan@example.nl"),
        ("iban", "NL91 ABNA 0417 1643 00"),
        ("account_holder", "J. de Vries"),
        ("consent", "on"),
    ];
    for (k, v) in fields {
        all.retain(|(key, _)| key != k);
        all.push((k, v));
    }
    browser()
        .post(app.url("/s/fiets-plus"))
        .form(&all)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_editor_checks_every_field_and_shares_link_snippet_and_qr() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let key = format!("product_{product}");
    let response = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", ""),
                ("slug", "Not A Slug!"),
                ("mandate_type", "email"),
                ("start_rule", "today"),
                ("success_url", "javascript:alert(1)"),
                ("allowed_origins", "https://shop.example/path"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in [
        "title",
        "slug",
        "products",
        "success_url",
        "allowed_origins",
    ] {
        assert!(
            text_of(&html, &format!("{field}-error")).is_some(),
            "{field}"
        );
    }
    let response = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", "T"),
                ("slug", "sms-page"),
                (key.as_str(), "on"),
                ("mandate_type", "sms"),
                ("start_rule", "today"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&response.text().await.unwrap(), "mandate_type-error")
            .unwrap()
            .contains("does not offer")
    );

    let admin = page(&app, &product, "email", &[]).await;
    let html = app.page(&admin).await;
    assert!(html.contains(&format!("value=\"{}\"", app.url("/s/fiets-plus"))));
    assert!(html.contains("?embed=1"), "the iFrame snippet");
    let qr = app.get(&format!("{admin}/qr.svg")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    let duplicate = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", "Again"),
                ("slug", "fiets-plus"),
                (key.as_str(), "on"),
                ("mandate_type", "email"),
                ("start_rule", "today"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&duplicate.text().await.unwrap(), "slug-error").as_deref(),
        Some("Another page already uses this address")
    );
}

#[tokio::test]
async fn the_public_page_is_localised_cookie_free_and_framable_only_by_allowed_origins() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    page(&app, &product, "email", &[]).await;
    let response = browser()
        .get(app.url("/s/fiets-plus"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("set-cookie").is_none());
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'self' https://www.fietsabo.example"),
        "{csp}"
    );
    assert!(response.headers().get("x-frame-options").is_none());
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Word lid van Fietsabo")
    );
    assert!(html.contains("Kies uw abonnement") && html.contains("€ 12,95 per maand"));
    let english = browser()
        .get(app.url("/s/fiets-plus?lang=en&embed=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Choose your subscription"));
    assert!(
        !english.contains("class=\"brand\""),
        "no page chrome when embedded"
    );
    // The admin is never framable.
    assert!(
        app.get("/admin").await.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );

    // Branded with the merchant's logo once there is one.
    upload_logo(&app).await;
    let html = customer_page(&app.url("/s/fiets-plus")).await;
    assert!(
        html.contains("<img src=\"/media/logo/mer_"),
        "the logo shows"
    );

    let missing = browser()
        .get(app.url("/s/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("This page is not available")
    );
}

#[tokio::test]
async fn a_customer_signs_up_and_confirms_the_mandate_from_the_email() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let admin = page(&app, &product, "email", &[]).await;
    let token = token(&app, &page_id(&admin));
    let response = sign_up(&app, &token, &product, &[("phone", "06 12345678")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Kijk in uw e-mail")
    );
    assert!(text_of(&html, "text").unwrap().contains("jan@example.nl"));

    // A double click sends the same form again: still one sign-up.
    let again = sign_up(&app, &token, &product, &[]).await;
    assert_eq!(again.status(), StatusCode::OK);
    let customers = app.page("/admin/customers").await;
    assert_eq!(customers.matches("/admin/customers/cst_").count(), 1);
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/m/"))
        .unwrap()
        .to_string();
    let confirmed = browser()
        .post(&link)
        .form(&[("answer", "confirm"), ("lang", "nl")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let html = app.page("/admin/subscriptions").await;
    assert!(text_of(&html, "subscriptions").unwrap().contains("active"));
    let customer = &customers[customers.find("/admin/customers/cst_").unwrap()..];
    let customer = customer.split('"').next().unwrap();
    assert!(
        text_of(&app.page(customer).await, "profile")
            .unwrap()
            .contains("+31612345678")
    );

    // Signing up again with the same email matches the existing customer.
    let second = sign_up(
        &app,
        &crate::signup::token(&app, &page_id(&admin)),
        &product,
        &[],
    )
    .await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(
        app.page("/admin/customers")
            .await
            .matches("/admin/customers/cst_")
            .count(),
        1
    );
}

#[tokio::test]
async fn bad_sign_ups_are_explained_in_the_customers_language() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let admin = page(&app, &product, "email", &[("field_address", "required")]).await;
    let id = page_id(&admin);
    let response = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[
            ("iban", "NL91ABNA0417164301"),
            ("email", "jan@"),
            ("consent", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "iban-error").as_deref(),
        Some("Vul een geldig IBAN in, zoals NL91 ABNA 0417 1643 00")
    );
    assert!(text_of(&html, "email-error").is_some());
    assert_eq!(
        text_of(&html, "street-error").as_deref(),
        Some("Vul dit veld in")
    );
    assert!(html.contains("value=\"J. de Vries\""), "input kept");

    // Too fast, forged, and honeypot submissions are refused with a clear notice.
    let fresh = abbo::services::signup_pages::issue_token(
        &app.config.secrets.link_key,
        &id,
        abbo::store::now().timestamp(),
    );
    let response = sign_up(&app, &fresh, &product, &[]).await;
    assert!(
        text_of(&response.text().await.unwrap(), "notice")
            .unwrap()
            .contains("Neem even de tijd")
    );
    let response = sign_up(&app, "pag_x.1.abc.forged", &product, &[]).await;
    assert!(
        text_of(&response.text().await.unwrap(), "notice")
            .unwrap()
            .contains("verlopen")
    );
    let response = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[("website", "http://spam.example")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.page("/admin/customers")
            .await
            .contains("No customers match.")
    );

    // A cross-site post is refused before anything else.
    let forged = browser()
        .post(app.url("/s/fiets-plus"))
        .header("Origin", "https://evil.example")
        .form(&[("token", token(&app, &id).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn text_message_sign_ups_are_capped_per_number_per_day() {
    let _gateway = HttpSink::start(vec![]).await;
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_sms", "on")]).await;
    let admin = page(&app, &product, "sms", &[]).await;
    let id = page_id(&admin);
    let missing_phone = sign_up(&app, &token(&app, &id), &product, &[]).await;
    assert_eq!(
        text_of(&missing_phone.text().await.unwrap(), "phone-error").as_deref(),
        Some("Vul dit veld in")
    );
    for i in 0..3 {
        let email = format!("jan{i}@example.nl");
        let response = sign_up(
            &app,
            &token(&app, &id),
            &product,
            &[("phone", "06 12345678"), ("email", &email)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "sign-up {i}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Kijk op uw telefoon")
        );
    }
    let capped = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[("phone", "+31 6 12345678"), ("email", "jan9@example.nl")],
    )
    .await;
    assert_eq!(capped.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        text_of(&capped.text().await.unwrap(), "notice")
            .unwrap()
            .contains("te veel aanmeldingen")
    );
}

#[tokio::test]
async fn an_inactive_page_takes_no_sign_ups() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let key = format!("product_{product}");
    let admin = page(&app, &product, "email", &[]).await;
    let response = app
        .submit(
            &admin,
            &admin,
            &[
                ("title", "Closed"),
                ("slug", "fiets-plus"),
                (key.as_str(), "on"),
                ("mandate_type", "email"),
                ("start_rule", "today"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser()
            .get(app.url("/s/fiets-plus"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let response = sign_up(&app, &token(&app, &page_id(&admin)), &product, &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_online_first_payment_makes_the_mandate_valid_and_failures_can_be_retried() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let product = app.product(&[("method_online_payment", "on")]).await;
    let admin = page(&app, &product, "online_payment", &[]).await;
    let html = customer_page(&app.url("/s/fiets-plus")).await;
    assert!(
        !html.contains("name=\"iban\""),
        "the account comes from the payment"
    );
    // The form says what is paid now, on the button too, and when the collections start: the
    // payment covers the first month, the first debit is for the second.
    assert_eq!(
        text_of(&html, "submit").as_deref(),
        Some("Aanmelden en € 12,95 betalen")
    );
    assert!(html.contains("Nu te betalen: € 12,95 voor de eerste periode."));
    let today = crate::helpers::today();
    let second_period = today.checked_add_months(chrono::Months::new(1)).unwrap();
    let schedule = crate::helpers::dutch_schedule(&app.db, today, second_period).await;
    assert!(html.contains(&schedule), "{schedule}");
    let response = sign_up(
        &app,
        &token(&app, &page_id(&admin)),
        &product,
        &[("iban", ""), ("account_holder", "")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let checkout = location(&response);
    assert!(checkout.starts_with(&app.url("/pay/pay_")), "{checkout}");
    let page_html = customer_page(&checkout).await;
    assert!(page_html.contains("Test mode") && page_html.contains("€ 12.95"));

    // Failed: a clear page with a way to try again; nothing valid yet.
    let failed = browser()
        .post(&checkout)
        .form(&[("outcome", "failed")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::PAYMENT_REQUIRED);
    let html = failed.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("De betaling is niet gelukt")
    );
    assert!(html.contains("Opnieuw proberen"));
    assert!(app.page("/admin/mandates").await.contains("pending"));
    // No email link can be sent for a mandate given by payment (it would carry no account).
    let mandates = app.page("/admin/mandates").await;
    let start = mandates.find("/admin/mandates/mdt_").unwrap();
    let mandate_page = mandates[start..].split('"').next().unwrap().to_string();
    assert!(!app.page(&mandate_page).await.contains("Send a new link"));
    app.submit(&mandate_page, &format!("{mandate_page}/resend"), &[])
        .await;
    assert!(app.page(&mandate_page).await.contains("no link is sent"));
    let retry = browser()
        .post(format!("{checkout}/retry"))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::SEE_OTHER);
    let second = location(&retry);
    assert_ne!(second, checkout);

    // Paid with an account: the mandate is valid with it, the subscription runs, the first period is paid.
    let bad = browser()
        .post(&second)
        .form(&[
            ("outcome", "paid"),
            ("iban", "nope"),
            ("account_holder", "Jan"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let paid = browser()
        .post(&second)
        .form(&[
            ("outcome", "paid"),
            ("iban", "DE89 3704 0044 0532 0130 00"),
            ("account_holder", "Jan de Vries"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(
        text_of(&paid.text().await.unwrap(), "title").as_deref(),
        Some("Bedankt, uw betaling is ontvangen")
    );
    // The mandate's confirmation arrives with a receipt of the payment.
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0]
        .get_body()
        .unwrap()
        .replace("\r\n", " ")
        .replace('\n', " ");
    let payment_id = second.rsplit('/').next().unwrap();
    assert!(
        text.contains(&format!(
            "Betalingsbewijs: u hebt op {} € 12,95 betaald voor",
            crate::helpers::dutch_date(today)
        )) && text.contains(payment_id),
        "{text}"
    );
    assert!(
        text.contains("DE89 **** **** **** **30 00"),
        "the paying account: {text}"
    );
    assert!(text.contains(&schedule), "{text}");
    let again = browser()
        .post(&second)
        .form(&[("outcome", "failed")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a settled payment stays paid"
    );
    assert_eq!(
        app.outbox.deliver_due().await.unwrap().sent,
        0,
        "one confirmation"
    );
    let mandates = app.page("/admin/mandates").await;
    assert!(
        mandates.contains("online payment")
            && mandates.contains("valid")
            && mandates.contains("DE89")
    );
    assert!(
        text_of(&app.page("/admin/subscriptions").await, "subscriptions")
            .unwrap()
            .contains("active")
    );
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let subscription = abbo::store::subscriptions::list(&app.db, &merchant.id, "", 10, 0)
        .await
        .unwrap()
        .remove(0);
    let transactions =
        abbo::store::transactions::for_subscription(&app.db, &merchant.id, &subscription.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.status, t.amount_minor, t.sequence_type, t.period_start))
            .collect::<Vec<_>>();
    assert_eq!(
        transactions,
        vec![(
            "paid".to_string(),
            1295,
            "ONLINE".to_string(),
            Some(subscription.start_date)
        )]
    );
    // The first SEPA debit will still be a FRST.
    let mandate =
        abbo::store::mandates::for_customer(&app.db, &merchant.id, &subscription.customer_id)
            .await
            .unwrap()
            .remove(0);
    assert_eq!(mandate.first_used_on, None);
    // Retrying a paid sign-up is refused.
    let late = browser()
        .post(format!("{checkout}/retry"))
        .send()
        .await
        .unwrap();
    assert_ne!(late.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser()
            .get(app.url("/pay/pay_unknown"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_form_says_in_the_customers_language_what_is_debited_when() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    page(&app, &product, "email", &[("start_rule", "customer")]).await;
    let get = |lang: &'static str| {
        let url = app.url(&format!("/s/fiets-plus?lang={lang}"));
        async move {
            let response = browser().get(url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.text().await.unwrap()
        }
    };
    let html = get("nl").await;
    let today = crate::helpers::today();
    // The start date the customer picks defaults to today.
    let document = scraper::Html::parse_document(&html);
    let start = document
        .select(&scraper::Selector::parse("#start_date").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        start.value().attr("value"),
        Some(today.to_string().as_str())
    );
    assert!(html.contains("€ 12,95 per maand"), "Dutch amounts");
    assert!(!html.contains("12.95"));
    let schedule = crate::helpers::dutch_schedule(&app.db, today, today).await;
    assert!(html.contains(&schedule), "{schedule}");
    assert_eq!(text_of(&html, "submit").as_deref(), Some("Aanmelden"));
    let french = get("fr").await;
    assert!(french.contains("12,95\u{a0}€ par mois"), "French amounts");
    assert!(french.contains("Le premier prélèvement de 12,95\u{a0}€ aura lieu le"));
    let german = get("de").await;
    assert!(german.contains("€ 12,95 monatlich"));
}

#[tokio::test]
async fn inside_the_iframe_an_online_sign_up_opens_the_payment_in_the_whole_window() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_online_payment", "on")]).await;
    let success = [("success_url", "https://www.fietsabo.example/bedankt")];
    let online = page(&app, &product, "online_payment", &success).await;
    let embedded = [("embed", "1"), ("iban", ""), ("account_holder", "")];
    let response = sign_up(&app, &token(&app, &page_id(&online)), &product, &embedded).await;
    // No redirect inside the frame: the frame hands the payment page to the whole window, and
    // the customer can follow the link if the website has no script.
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let start = html
        .find("data-pay=\"")
        .expect("the payment address for embed.js")
        + 10;
    let checkout = &html[start..start + html[start..].find('"').unwrap()];
    assert!(checkout.starts_with(&app.url("/pay/pay_")), "{checkout}");
    assert!(html.contains(&format!("href=\"{checkout}\" target=\"_top\"")));
    assert!(html.contains("data-look=\"title\""));
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Betaal de eerste periode")
    );
    assert!(
        !html.contains("bedankt"),
        "the success page waits for the payment"
    );
}

#[tokio::test]
async fn inside_the_iframe_an_email_sign_up_tells_the_parent_and_the_success_page_waits() {
    // The frame says "signed up by email", not the success address (that follows the
    // confirmation); a refused form asks the parent to show the error summary.
    let app = spawn_app().await;
    app.setup().await;
    let success = [("success_url", "https://www.fietsabo.example/bedankt")];
    let product = app.product(&[("method_email", "on")]).await;
    let by_email = page(&app, &product, "email", &success).await;
    let id = page_id(&by_email);
    let refused = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[("embed", "1"), ("email", "x")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("data-look=\"notice\"")
    );
    let response = sign_up(&app, &token(&app, &id), &product, &[("embed", "1")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-signed-up=\"email\""), "{html}");
    assert!(!html.contains("bedankt"));
    // The same page outside a frame carries none of it.
    let direct = sign_up(
        &app,
        &token(&app, &id),
        &product,
        &[("email", "piet@example.nl")],
    )
    .await;
    let html = direct.text().await.unwrap();
    assert!(!html.contains("data-signed-up") && !html.contains("data-look"));
}

/// The settings page's fields with the footer's four, as `extra` changes them.
fn settings_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Fietsabo"),
        ("legal_name", "Fietsabonnement B.V."),
        ("contact_email", "hallo@fietsabo.nl"),
        ("country", "NL"),
        ("default_language", "nl"),
        ("brand_colour", "#1f5f8b"),
        ("website_url", "https://www.fietsabo.nl/"),
        ("contact_phone", "020 123 4567"),
        ("privacy_url", "https://www.fietsabo.nl/privacy"),
        ("terms_url", "https://www.fietsabo.nl/voorwaarden"),
    ];
    for (k, v) in extra {
        fields.retain(|(key, _)| key != k);
        fields.push((k, v));
    }
    fields
}

#[tokio::test]
async fn every_customer_page_ends_with_the_merchants_contact_privacy_and_terms() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    // Bad addresses are refused field by field and nothing is saved.
    let bad = settings_with(&[
        ("website_url", "javascript:alert(1)"),
        ("contact_phone", "bel ons"),
        ("privacy_url", "www.fietsabo.nl/privacy"),
        ("terms_url", "https://www.fietsabo.nl/<script>"),
    ]);
    let refused = app.submit("/admin/settings", "/admin/settings", &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    for field in ["website_url", "contact_phone", "privacy_url", "terms_url"] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field} is explained"
        );
    }
    assert!(
        !app.page("/admin/settings")
            .await
            .contains("Fietsabonnement B.V.")
    );
    let saved = app
        .submit("/admin/settings", "/admin/settings", &settings_with(&[]))
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let product = app.product(&[("method_email", "on")]).await;
    let admin = page(&app, &product, "email", &[]).await;
    let footer = |html: &str| {
        let start = html.find("<footer").expect("a footer");
        html[start..html.find("</footer>").unwrap()].to_string()
    };
    let expect = |html: &str| {
        let footer = footer(html);
        assert!(footer.contains("Fietsabonnement B.V."), "{footer}");
        assert!(
            footer.contains("href=\"https://www.fietsabo.nl/\""),
            "{footer}"
        );
        assert!(footer.contains(">www.fietsabo.nl</a>"), "{footer}");
        assert!(
            footer.contains("href=\"mailto:hallo@fietsabo.nl\""),
            "{footer}"
        );
        assert!(footer.contains("href=\"tel:+31201234567\""), "{footer}");
        assert!(
            footer.contains("href=\"https://www.fietsabo.nl/privacy\"")
                && footer.contains("Privacyverklaring")
        );
        assert!(
            footer.contains("href=\"https://www.fietsabo.nl/voorwaarden\"")
                && footer.contains("Algemene voorwaarden")
        );
    };
    expect(&customer_page(&app.url("/s/fiets-plus")).await);
    expect(&customer_page(&app.url("/s/fiets-plus?embed=1")).await);
    let done = sign_up(&app, &token(&app, &page_id(&admin)), &product, &[]).await;
    expect(&done.text().await.unwrap());
    app.outbox.deliver_due().await.unwrap();
    let link = sink.next().link("/m/");
    expect(&customer_page(&link).await);
    // In English on the English page.
    let english = customer_page(&format!("{link}?lang=en")).await;
    assert!(
        footer(&english).contains("Privacy statement")
            && footer(&english).contains("Terms and conditions")
    );

    // Left empty, a part is left out.
    let fewer = settings_with(&[("terms_url", ""), ("contact_phone", "")]);
    app.submit("/admin/settings", "/admin/settings", &fewer)
        .await;
    let html = customer_page(&app.url("/s/fiets-plus")).await;
    let footer = footer(&html);
    assert!(
        !footer.contains("voorwaarden") && !footer.contains("tel:"),
        "{footer}"
    );
    assert!(footer.contains("Privacyverklaring"));
}

#[tokio::test]
async fn the_page_speaks_the_customers_language_and_the_confirmations_say_what_was_ordered() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    app.submit("/admin/settings", "/admin/settings", &settings_with(&[]))
        .await;
    // The product's name and the page's title and intro per language; too long is refused.
    let long = "x".repeat(101);
    let refused = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", "Fiets Plus"),
                ("price", "12.95"),
                ("name_fr", &long),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("id=\"name_fr-error\"")
    );
    let product = app
        .product(&[("method_email", "on"), ("name_de", "Fahrrad Plus")])
        .await;
    let refused = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", "Word lid"),
                ("slug", "fiets-plus"),
                ("mandate_type", "email"),
                ("start_rule", "today"),
                (&format!("product_{product}"), "on"),
                ("title_de", &long),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("id=\"title_de-error\"")
            && html.contains("<details class=\"field\" id=\"translations\" open>")
    );
    let translated = [
        ("title_de", "Werden Sie Mitglied"),
        ("intro_de", "Zwei Fahrräder im Monat."),
    ];
    let admin = page(&app, &product, "email", &translated).await;
    // The editor shows them again.
    let editor = app.page(&admin).await;
    assert!(
        editor.contains("value=\"Werden Sie Mitglied\"")
            && editor.contains("Zwei Fahrräder im Monat.")
    );

    let dutch = customer_page(&app.url("/s/fiets-plus")).await;
    assert_eq!(
        text_of(&dutch, "title").as_deref(),
        Some("Word lid van Fietsabo")
    );
    assert!(dutch.contains("<strong>Fiets Plus</strong>"));
    // A language switcher like the mandate page's, keeping the frame's mode.
    assert!(dutch.contains("href=\"/s/fiets-plus?lang=de\""), "switcher");
    let framed = customer_page(&app.url("/s/fiets-plus?embed=1")).await;
    assert!(framed.contains("href=\"/s/fiets-plus?lang=de&amp;embed=1\""));
    let german = customer_page(&app.url("/s/fiets-plus?lang=de")).await;
    assert_eq!(
        text_of(&german, "title").as_deref(),
        Some("Werden Sie Mitglied")
    );
    assert!(
        german.contains("Zwei Fahrräder im Monat.")
            && german.contains("<strong>Fahrrad Plus</strong>")
    );
    // French has none: the default texts.
    let french = customer_page(&app.url("/s/fiets-plus?lang=fr")).await;
    assert_eq!(
        text_of(&french, "title").as_deref(),
        Some("Word lid van Fietsabo")
    );
    assert!(french.contains("<strong>Fiets Plus</strong>") && french.contains("Choisissez"));

    // The sign-up's confirmation: logo, what was ordered, when it is debited, the way back.
    upload_logo(&app).await;
    let done = sign_up(&app, &token_for(&app, &admin), &product, &[("lang", "de")]).await;
    let html = done.text().await.unwrap();
    assert!(html.contains("<img src=\"/media/logo/mer_"), "the logo");
    let summary = &html[html.find("id=\"summary\"").expect("a summary")..];
    assert!(
        summary.contains("Fahrrad Plus") && summary.contains("12,95"),
        "{summary}"
    );
    assert!(summary.contains("erste Abbuchung"), "{summary}");
    assert!(html.contains(
        "href=\"https://www.fietsabo.nl/\" target=\"_top\">Zurück zu www.fietsabo.nl</a>"
    ));
    // Not inside the website's own frame.
    let framed = sign_up(
        &app,
        &token_for(&app, &admin),
        &product,
        &[("embed", "1"), ("email", "piet@example.nl")],
    )
    .await;
    let html = framed.text().await.unwrap();
    assert!(html.contains("id=\"summary\"") && !html.contains("id=\"back\""));

    // The mandate's confirmation too (Jan's, in German; Piet's went out as well, in any order).
    app.outbox.deliver_due().await.unwrap();
    let (first, second) = (sink.next(), sink.next());
    let email = if first.to == vec!["<jan@example.nl>"] {
        first
    } else {
        second
    };
    assert_eq!(email.to, vec!["<jan@example.nl>"]);
    let confirmed = browser()
        .post(email.link("/m/"))
        .form(&[("answer", "confirm"), ("lang", "de")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let html = confirmed.text().await.unwrap();
    assert!(html.contains("<img src=\"/media/logo/mer_"), "the logo");
    let summary = &html[html.find("id=\"summary\"").expect("a summary")..];
    assert!(
        summary.contains("12,95") && summary.contains("Fahrrad Plus"),
        "named as the form showed it: {summary}"
    );
    assert!(html.contains("Zurück zu www.fietsabo.nl"));
}

/// The merchant uploads a (tiny) PNG logo.
async fn upload_logo(app: &TestApp) {
    let token = crate::helpers::csrf_token(&app.page("/admin/settings").await);
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 32]].concat();
    let logo = crate::helpers::upload_form(&token).part(
        "logo",
        reqwest::multipart::Part::bytes(png).file_name("logo.png"),
    );
    let response = app
        .client
        .post(app.url("/admin/settings/logo"))
        .multipart(logo)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "logo uploaded");
}

fn token_for(app: &TestApp, admin: &str) -> String {
    token(app, &page_id(admin))
}

/// Sets how Dutch and German texts address customers, through the settings page.
async fn address_customers(app: &TestApp, formality: &str) {
    let response = app
        .submit(
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Fietsabo"),
                ("default_language", "nl"),
                ("brand_colour", "#1f5f8b"),
                ("formality", formality),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{formality}");
}

/// The subject and plain text of the next email.
fn next_email(sink: &mut SmtpSink) -> (String, String) {
    use mailparse::MailHeaderMap;
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let subject = parsed.headers.get_first_value("Subject").unwrap();
    (subject, parsed.subparts[0].get_body().unwrap())
}

/// Signs `email` up on the page `page_id`; returns the page's title and the email with the link.
async fn sign_up_by_email(
    app: &TestApp,
    sink: &mut SmtpSink,
    page_id: &str,
    product: &str,
    email: &str,
) -> (String, String, String) {
    let token = token(app, page_id);
    let response = sign_up(app, &token, product, &[("email", email)]).await;
    assert_eq!(response.status(), StatusCode::OK, "{email}");
    let title = text_of(&response.text().await.unwrap(), "title").unwrap();
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let (subject, text) = next_email(sink);
    (title, subject, text)
}

/// Opens and confirms the mandate link in `text`; returns the confirmation page and email.
async fn confirm_by_link(
    app: &TestApp,
    sink: &mut SmtpSink,
    text: &str,
) -> (String, String, String) {
    let link = text.split_whitespace().find(|w| w.contains("/m/")).unwrap();
    let mandate = browser()
        .get(link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let confirmed = browser()
        .post(link)
        .form(&[("answer", "confirm"), ("lang", "nl")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    let page = format!("{mandate}{}", confirmed.text().await.unwrap());
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let (subject, text) = next_email(sink);
    (page, subject, text)
}

#[tokio::test]
async fn informal_address_reaches_the_dutch_page_and_emails_until_switched_back() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    let id = page_id(&page(&app, &product, "email", &[]).await);

    address_customers(&app, "informal").await;
    let form = app.page("/s/fiets-plus").await;
    assert!(form.contains("Kies je abonnement"), "the form says je");
    assert!(!form.contains("Kies uw abonnement"));
    let (title, subject, text) =
        sign_up_by_email(&app, &mut sink, &id, &product, "jan@example.nl").await;
    assert_eq!(title, "Kijk in je e-mail");
    assert_eq!(
        subject,
        "Fietsabo: bevestig je machtiging voor automatische incasso"
    );
    assert!(text.contains("Om je abonnement"), "{text}");
    assert!(text.contains("Heb je je niet aangemeld?"), "{text}");
    let (pages, subject, text) = confirm_by_link(&app, &mut sink, &text).await;
    assert!(
        pages.contains("geef je toestemming aan Fietsabo"),
        "the mandate says je"
    );
    assert!(pages.contains("Bedankt, je machtiging is bevestigd"));
    assert_eq!(subject, "Fietsabo: je machtiging is bevestigd");
    assert!(
        text.contains("Je kunt een afschrijving binnen 8 weken via je bank laten terugboeken."),
        "{text}"
    );

    // Back to formal: the same page and emails say "u" again.
    address_customers(&app, "formal").await;
    let form = app.page("/s/fiets-plus").await;
    assert!(form.contains("Kies uw abonnement"));
    let (title, subject, text) =
        sign_up_by_email(&app, &mut sink, &id, &product, "els@example.nl").await;
    assert_eq!(title, "Kijk in uw e-mail");
    assert_eq!(
        subject,
        "Fietsabo: bevestig uw machtiging voor automatische incasso"
    );
    assert!(text.contains("Om uw abonnement"), "{text}");
    let (pages, subject, text) = confirm_by_link(&app, &mut sink, &text).await;
    assert!(pages.contains("geeft u toestemming aan Fietsabo"));
    assert!(pages.contains("Bedankt, uw machtiging is bevestigd"));
    assert_eq!(subject, "Fietsabo: uw machtiging is bevestigd");
    assert!(text.contains("U kunt een afschrijving"), "{text}");
}
