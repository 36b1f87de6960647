use abbo::services::subscriptions::apply_dates;
use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

/// A customer with a product under a paper mandate; returns (customer page, subscription page).
async fn subscribed(app: &TestApp, start: NaiveDate, reference: &str) -> (String, String) {
    let customer = {
        let response = app
            .submit(
                "/admin/customers/new",
                "/admin/customers",
                &[
                    ("first_name", "Jan"),
                    ("last_name", "de Vries"),
                    ("email", "jan@example.nl"),
                    ("payment_method", "direct_debit"),
                ],
            )
            .await;
        if response.status() == StatusCode::SEE_OTHER {
            location(&response)
        } else {
            // The second call for the same customer: find the existing page.
            let html = app.page("/admin/customers?q=vries").await;
            let start = html.find("/admin/customers/cst_").unwrap();
            html[start..].split('"').next().unwrap().to_string()
        }
    };
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let products = abbo::store::products::list(&app.db, &merchant.id)
        .await
        .unwrap();
    let product = match products.into_iter().next() {
        Some(p) => p.id,
        None => {
            app.submit(
                "/admin/products/new",
                "/admin/products",
                &[
                    ("name", "Fiets Plus"),
                    ("price", "12.95"),
                    ("vat_rate", "21"),
                    ("interval", "1 month"),
                    ("method_email", "on"),
                ],
            )
            .await;
            abbo::store::products::list(&app.db, &merchant.id)
                .await
                .unwrap()
                .remove(0)
                .id
        }
    };
    let signed = (crate::helpers::today() - Duration::days(60)).to_string();
    let start = start.to_string();
    let response = app
        .submit(
            &customer,
            &format!("{customer}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &start),
                ("way", "paper"),
                ("iban", "NL91ABNA0417164300"),
                ("account_holder", "Jan"),
                ("reference", reference),
                ("signed_on", &signed),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page("/admin/subscriptions").await;
    let start = html.find("/admin/subscriptions/sub_").unwrap();
    let subscription = html[start..].split('"').next().unwrap().to_string();
    (customer, subscription)
}

async fn act(
    app: &TestApp,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.submit(
        &format!("{page}/{action}"),
        &format!("{page}/{action}"),
        fields,
    )
    .await
}

async fn status(app: &TestApp, page: &str) -> String {
    text_of(&app.page(page).await, "status").unwrap()
}

#[tokio::test]
async fn pause_resume_and_cancel_follow_the_state_machine() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let (_, page) = subscribed(&app, today, "MDT-1").await;
    assert_eq!(status(&app, &page).await, "active");
    let html = app.page(&page).await;
    assert!(text_of(&html, "actions").unwrap().contains("Pause"));
    assert!(!text_of(&html, "actions").unwrap().contains("Resume"));

    // The confirmation step comes first; nothing changes on GET.
    let confirm = app.page(&format!("{page}/pause")).await;
    assert!(confirm.contains("Pause “Fiets Plus” of Jan de Vries?"));
    assert_eq!(status(&app, &page).await, "active");

    let resume_on = (today + Duration::days(30)).to_string();
    assert_eq!(
        act(
            &app,
            &page,
            "pause",
            &[("when", "now"), ("resume_on", &resume_on)]
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    let html = app.page(&page).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("paused"));
    assert_eq!(text_of(&html, "resume-on"), Some(resume_on.clone()));

    let again = act(&app, &page, "pause", &[("when", "now")]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&again.text().await.unwrap(), "action-error").as_deref(),
        Some("This subscription is already paused")
    );

    assert_eq!(
        act(&app, &page, "resume", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(status(&app, &page).await, "active");
    let refused = act(&app, &page, "resume", &[]).await;
    assert_eq!(
        text_of(&refused.text().await.unwrap(), "action-error").as_deref(),
        Some("This subscription is not paused")
    );

    // Cancel at the end of the period: it runs until the day before the next charge.
    assert_eq!(
        act(&app, &page, "cancel", &[("when", "end_of_period")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let html = app.page(&page).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("cancelled"));
    let until =
        NaiveDate::parse_from_str(&text_of(&html, "cancel-on").unwrap(), "%Y-%m-%d").unwrap();
    let interval = abbo::domain::Interval::parse("1 month").unwrap();
    assert_eq!(
        Some(until),
        interval.charge_date(today, 1).and_then(|d| d.pred_opt())
    );
    assert_eq!(
        apply_dates(&app.db, until).await.unwrap(),
        0,
        "still runs on its last day"
    );
    assert_eq!(
        apply_dates(&app.db, until + Duration::days(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(status(&app, &page).await, "ended");
    let ended = act(&app, &page, "cancel", &[("when", "now")]).await;
    assert_eq!(
        text_of(&ended.text().await.unwrap(), "action-error").as_deref(),
        Some("This subscription has ended")
    );
    // Every change is in the customer's activity.
    let activity = app.page("/admin").await;
    for action in [
        "subscription.paused",
        "subscription.resumed",
        "subscription.cancelled",
        "subscription.ended",
    ] {
        assert!(activity.contains(action), "{action}");
    }
}

#[tokio::test]
async fn dates_drive_planned_starts_and_scheduled_pauses() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let start = today + Duration::days(5);
    let (customer, page) = subscribed(&app, start, "MDT-2").await;
    assert_eq!(status(&app, &page).await, "planned");
    let html = app.page(&page).await;
    assert!(
        !text_of(&html, "actions").unwrap().contains("Pause"),
        "a planned subscription can only be cancelled"
    );
    apply_dates(&app.db, start - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(status(&app, &page).await, "planned");
    assert_eq!(apply_dates(&app.db, start).await.unwrap(), 1);
    assert_eq!(status(&app, &page).await, "active");

    let pause_on = (today + Duration::days(10)).to_string();
    let resume_on = (today + Duration::days(20)).to_string();
    let response = act(
        &app,
        &page,
        "pause",
        &[
            ("when", "date"),
            ("date", &pause_on),
            ("resume_on", &resume_on),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page(&page).await;
    assert_eq!(
        text_of(&html, "status").as_deref(),
        Some("active"),
        "until the pause date"
    );
    assert_eq!(text_of(&html, "pause-on"), Some(pause_on.clone()));
    let upcoming = text_of(&app.page(&customer).await, "upcoming").unwrap();
    assert!(
        upcoming.contains(&format!("{pause_on}: Fiets Plus pauses")),
        "{upcoming}"
    );
    assert!(
        upcoming.contains(&format!("{resume_on}: Fiets Plus resumes")),
        "{upcoming}"
    );
    apply_dates(&app.db, today + Duration::days(10))
        .await
        .unwrap();
    assert_eq!(status(&app, &page).await, "paused");
    apply_dates(&app.db, today + Duration::days(20))
        .await
        .unwrap();
    assert_eq!(status(&app, &page).await, "active");
    assert_eq!(
        apply_dates(&app.db, today + Duration::days(20))
            .await
            .unwrap(),
        0,
        "idempotent"
    );
}

#[tokio::test]
async fn bad_action_input_is_explained() {
    let app = spawn_app().await;
    app.setup().await;
    let (_, page) = subscribed(&app, crate::helpers::today(), "MDT-3").await;
    let yesterday = (crate::helpers::today() - Duration::days(1)).to_string();
    let response = act(
        &app,
        &page,
        "cancel",
        &[("when", "date"), ("date", &yesterday)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&response.text().await.unwrap(), "date-error").as_deref(),
        Some("The cancel date cannot be in the past")
    );
    let response = act(
        &app,
        &page,
        "pause",
        &[("when", "date"), ("date", "next week")],
    )
    .await;
    assert_eq!(
        text_of(&response.text().await.unwrap(), "date-error").as_deref(),
        Some("Enter a date like 2026-12-01")
    );
    let today = crate::helpers::today().to_string();
    let response = act(
        &app,
        &page,
        "pause",
        &[("when", "now"), ("resume_on", &today)],
    )
    .await;
    assert_eq!(
        text_of(&response.text().await.unwrap(), "date-error").as_deref(),
        Some("The resume date must be after the pause starts")
    );
    let response = act(&app, &page, "mandate", &[("mandate_id", "mdt_nothing")]).await;
    assert_eq!(
        text_of(&response.text().await.unwrap(), "mandate_id-error").as_deref(),
        Some("Choose a valid mandate of this customer")
    );
    assert_eq!(
        app.get(&format!("{page}/explode")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(status(&app, &page).await, "active");
}

#[tokio::test]
async fn the_mandate_can_change_to_another_valid_one_of_the_customer() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let (_, first) = subscribed(&app, today, "MDT-A").await;
    let (_, _second) = subscribed(&app, today, "MDT-B").await;
    let form = app.page(&format!("{first}/mandate")).await;
    assert!(form.contains("MDT-A") || form.contains("MDT-B"));
    let start = form
        .find("value=\"mdt_")
        .expect("another mandate is offered");
    let mandate_id = form[start + 7..].split('"').next().unwrap().to_string();
    let response = act(&app, &first, "mandate", &[("mandate_id", &mandate_id)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&first)
            .await
            .contains(&format!("/admin/mandates/{mandate_id}"))
    );
}

#[tokio::test]
async fn the_list_filters_and_others_cannot_act() {
    let app = spawn_app().await;
    app.setup().await;
    let (_, page) = subscribed(&app, crate::helpers::today(), "MDT-4").await;
    act(&app, &page, "pause", &[("when", "now")]).await;
    assert!(
        text_of(
            &app.page("/admin/subscriptions?status=paused").await,
            "subscriptions"
        )
        .is_some()
    );
    assert!(
        app.page("/admin/subscriptions?status=active")
            .await
            .contains("No subscriptions match.")
    );

    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    let html = app.page_as(&viewer, &page).await;
    assert!(
        text_of(&html, "actions").is_none(),
        "no action buttons for viewers"
    );
    let refused = app
        .submit_as(&viewer, &page, &format!("{page}/resume"), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let other = app.other_merchant().await;
    assert!(
        app.page_as(&other, "/admin/subscriptions")
            .await
            .contains("No subscriptions match.")
    );
    for path in [
        page.clone(),
        format!("{page}/resume"),
        format!("{page}/cancel"),
    ] {
        assert_eq!(
            app.get_as(&other, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let response = app
        .submit_as(
            &other,
            "/admin/subscriptions",
            &format!("{page}/cancel"),
            &[("when", "now")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(status(&app, &page).await, "paused");
}

/// The emails the customer was sent, newest first: (subject, text).
async fn customer_emails(app: &TestApp, customer_page: &str) -> Vec<(String, String)> {
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let id = customer_page.trim_start_matches("/admin/customers/");
    let mut emails = Vec::new();
    for m in abbo::store::messages::for_customer(&app.db, &merchant.id, id, 50)
        .await
        .unwrap()
    {
        let m = abbo::store::messages::get(&app.db, &merchant.id, &m.id)
            .await
            .unwrap()
            .unwrap();
        emails.push((m.subject, m.body_text));
    }
    emails
}

#[tokio::test]
async fn cancelling_defaults_to_the_end_of_the_period_shows_that_day_and_can_be_undone() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let start = today - Duration::days(10);
    let (customer, page) = subscribed(&app, start, "MDT-1").await;
    let last_day = abbo::domain::Interval::parse("1 month")
        .unwrap()
        .charge_date(start, 1)
        .and_then(|d| d.pred_opt())
        .unwrap();

    let step = app.page(&format!("{page}/cancel")).await;
    assert!(
        step.contains(r#"value="end_of_period" checked"#),
        "the default"
    );
    assert!(!step.contains(r#"value="now" checked"#));
    assert_eq!(
        text_of(&step, "cancel-end-of-period"),
        Some(format!("runs until {last_day}"))
    );
    assert_eq!(
        text_of(&step, "cancel-now"),
        Some(format!("runs until {today}"))
    );
    // A form without a choice cancels at the end of the period too.
    assert_eq!(
        act(&app, &page, "cancel", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = app.page(&page).await;
    assert_eq!(status(&app, &page).await, "cancelled");
    assert_eq!(text_of(&html, "cancel-on"), Some(last_day.to_string()));
    let actions = text_of(&html, "actions").unwrap();
    assert!(actions.contains("Undo the cancellation"), "{actions}");

    // Undoing it: a confirmation step, then it runs on without an end.
    let step = app.page(&format!("{page}/undo-cancel")).await;
    assert!(step.contains("Undo the cancellation of “Fiets Plus” of Jan de Vries?"));
    assert!(
        text_of(&step, "undo-cancel")
            .unwrap()
            .contains(&last_day.to_string())
    );
    assert_eq!(
        status(&app, &page).await,
        "cancelled",
        "nothing changes on GET"
    );
    assert_eq!(
        act(&app, &page, "undo-cancel", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = app.page(&page).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("active"));
    assert_eq!(text_of(&html, "cancel-on"), None);
    assert!(!text_of(&html, "actions").unwrap().contains("Undo"));
    assert_eq!(
        apply_dates(&app.db, last_day + Duration::days(1))
            .await
            .unwrap(),
        0,
        "it no longer ends"
    );
    let refused = act(&app, &page, "undo-cancel", &[]).await;
    assert_eq!(
        text_of(&refused.text().await.unwrap(), "action-error").as_deref(),
        Some("This subscription is not cancelled")
    );
    assert!(
        app.page("/admin")
            .await
            .contains("subscription.uncancelled")
    );
    let subjects: Vec<String> = customer_emails(&app, &customer)
        .await
        .into_iter()
        .map(|(subject, _)| subject)
        .collect();
    assert!(
        subjects.iter().any(|s| s.contains("continues")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn the_customer_is_emailed_once_in_their_language_on_pause_resume_and_cancel() {
    let app = spawn_app().await;
    app.setup().await;
    let created = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("first_name", "Jan"),
                ("last_name", "de Vries"),
                ("email", "jan@example.nl"),
                ("language", "nl"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let today = crate::helpers::today();
    let (customer, page) = subscribed(&app, today, "MDT-1").await;
    let before = customer_emails(&app, &customer).await.len();
    let resume_on = today + Duration::days(30);
    let resume_text = resume_on.to_string();

    // (action, its fields, the email's subject, a line of its text)
    let steps = [
        (
            "pause",
            vec![("when", "now"), ("resume_on", resume_text.as_str())],
            "uw abonnement \"Fiets Plus\" is gepauzeerd",
            format!(
                "van {} tot {}",
                crate::helpers::dutch_date(today),
                crate::helpers::dutch_date(resume_on)
            ),
        ),
        (
            "resume",
            vec![],
            "uw abonnement \"Fiets Plus\" loopt weer",
            format!("loopt weer vanaf {}", crate::helpers::dutch_date(today)),
        ),
        (
            "cancel",
            vec![("when", "now")],
            "bevestiging van uw opzegging van \"Fiets Plus\"",
            format!("loopt tot en met {}", crate::helpers::dutch_date(today)),
        ),
    ];
    for (n, (action, fields, subject, text)) in steps.iter().enumerate() {
        assert_eq!(
            act(&app, &page, action, fields).await.status(),
            StatusCode::SEE_OTHER,
            "{action}"
        );
        let emails = customer_emails(&app, &customer).await;
        assert_eq!(emails.len(), before + n + 1, "one email for {action}");
        let newest = emails
            .iter()
            .find(|(s, _)| s.contains(subject))
            .unwrap_or_else(|| panic!("{action}: {emails:?}"));
        assert!(newest.1.contains("Beste Jan de Vries"), "{}", newest.1);
        assert!(newest.1.contains(text.as_str()), "{action}: {}", newest.1);
    }
    // A refused change sends nothing.
    let refused = act(&app, &page, "pause", &[("when", "now")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(customer_emails(&app, &customer).await.len(), before + 3);
}

#[tokio::test]
async fn without_another_mandate_staff_email_a_link_and_the_new_mandate_takes_over() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let (customer, page) = subscribed(&app, today, "MDT-OLD").await;
    let step = app.page(&format!("{page}/mandate")).await;
    assert!(
        step.contains("id=\"no-other-mandate\"") && !step.contains("<select id=\"mandate_id\"")
    );
    assert!(step.contains("id=\"send-mandate-link\""), "the offer");
    let sent = app
        .submit(
            &format!("{page}/mandate"),
            &format!("{page}/mandate"),
            &[("mandate_id", "new")],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&page)
            .await
            .contains("A link for a new mandate is on its way to jan@example.nl")
    );
    let emails = customer_emails(&app, &customer).await;
    let (subject, text) = emails
        .iter()
        .find(|(subject, _)| subject.contains("new direct debit mandate"))
        .expect("the email asking for a new mandate");
    assert!(text.contains("MDT-OLD"), "{subject}: {text}");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/m/new/"))
        .expect("the link");
    let path = &link[link.find("/m/new/").unwrap()..];
    let form = app.get(path).await.text().await.unwrap();
    assert!(
        form.contains("asks you for a new mandate in place of mandate MDT-OLD"),
        "{form}"
    );

    // The customer's new account: the subscription moves, the old mandate ends, once.
    let give = || {
        let url = app.url(path);
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("iban", "NL44 RABO 0123 4567 89"),
                    ("account_holder", "Jan de Vries"),
                    ("consent", "on"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let given = give().await;
    let status = given.status();
    let body = given.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path} {body}");
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            crate::on_db!(&db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM mandates WHERE reference = 'MDT-OLD' AND status = 'revoked'")
            .await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM subscriptions s JOIN mandates m ON m.id = s.mandate_id WHERE m.status = 'valid' AND m.iban = 'NL44RABO0123456789'").await,
        1,
        "the subscription runs under the new mandate"
    );
    assert!(
        give()
            .await
            .text()
            .await
            .unwrap()
            .contains("You gave a new mandate"),
        "a second post changes nothing"
    );
    assert_eq!(count("SELECT COUNT(*) FROM mandates").await, 2);

    // A tampered link does not open.
    let (head, last) = path.split_at(path.len() - 1);
    let other = if last == "0" { "1" } else { "0" };
    assert_eq!(
        app.get(&format!("{head}{other}")).await.status(),
        StatusCode::NOT_FOUND
    );
}
