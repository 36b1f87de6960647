//! The admin reads as words and explains itself: styled inputs of every kind, statuses without
//! codes, finished sentences, counts that agree with the status, hints for what a field wants.

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

/// A customer with a product under a paper mandate, started `start`; returns (customer page,
/// subscription page, product id).
async fn subscribed(app: &TestApp, start: chrono::NaiveDate) -> (String, String, String) {
    let product = app.product(&[("method_email", "on")]).await;
    let customer = app.customer("Jan", "de Vries", "jan@example.nl").await;
    app.paper_subscription(&customer, &product, start, "MDT-1")
        .await;
    let html = app.page("/admin/subscriptions").await;
    let at = html.find("/admin/subscriptions/sub_").unwrap();
    let subscription = html[at..].split('"').next().unwrap().to_string();
    (customer, subscription, product)
}

#[tokio::test]
async fn search_url_and_month_inputs_are_styled_like_the_other_fields() {
    let app = spawn_app().await;
    app.setup().await;
    let html = app.page("/admin/customers").await;
    assert!(html.contains(r#"type="search""#));
    let at = html.find("/static/app").unwrap();
    let href = html[at..].split('"').next().unwrap();
    let css = app.get(href).await.text().await.unwrap();
    let rule = css
        .lines()
        .find(|l| l.contains("input[type=text]") && l.ends_with('{'))
        .expect("the rule for text fields");
    for kind in ["search", "url", "month", "email", "date", "number"] {
        assert!(
            rule.contains(&format!("input[type={kind}]")),
            "{kind}: {rule}"
        );
    }
}

#[tokio::test]
async fn statuses_read_as_words_in_filters_and_labels() {
    let app = spawn_app().await;
    app.setup().await;
    for page in ["/admin/customers", "/admin/subscriptions"] {
        let html = app.page(page).await;
        assert!(
            html.contains(r#"value="pending_mandate""#),
            "{page} filters by it"
        );
        assert!(!html.contains(">pending_mandate<"), "{page} shows no code");
        assert!(html.contains(">awaiting mandate<"), "{page}");
    }
    let html = app.page("/admin/transactions").await;
    assert!(!html.contains(">charged_back<"));
    assert!(html.contains(">charged back<"));
    assert_eq!(
        abbo::web::admin::label("pending_mandate"),
        "awaiting mandate"
    );
    assert_eq!(abbo::web::admin::label("online_payment"), "online payment");
    assert_eq!(abbo::web::admin::label("active"), "active");
}

#[tokio::test]
async fn a_cancelled_subscription_still_runs_and_the_customer_page_says_when_it_ends() {
    let app = spawn_app().await;
    app.setup().await;
    let today = crate::helpers::today();
    let (customer, page, product) = subscribed(&app, today - Duration::days(10)).await;
    let cancelled = app
        .submit(
            &format!("{page}/cancel"),
            &format!("{page}/cancel"),
            &[("when", "end_of_period")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    let until = text_of(&app.page(&page).await, "cancel-on").unwrap();

    let list = text_of(&app.page("/admin/customers").await, "customers").unwrap();
    assert!(list.contains("1 running"), "{list}");
    assert!(!list.contains("none running"), "{list}");
    let products = app.page("/admin/products").await;
    let running = products
        .split(&format!("id=\"product-{product}\""))
        .nth(1)
        .and_then(|row| row.split("class=\"running\">").nth(1))
        .and_then(|cell| cell.split('<').next())
        .unwrap();
    assert_eq!(running, "1");

    let upcoming = text_of(&app.page(&customer).await, "upcoming").unwrap();
    assert!(
        upcoming.contains(&format!(
            "{until}: Fiets Plus runs its last day (cancelled)"
        )),
        "{upcoming}"
    );
    assert!(!upcoming.contains("ends after"), "{upcoming}");
}

#[tokio::test]
async fn changing_the_mandate_without_another_one_explains_instead_of_an_empty_choice() {
    let app = spawn_app().await;
    app.setup().await;
    let (_, page, _) = subscribed(&app, crate::helpers::today()).await;
    let step = app.page(&format!("{page}/mandate")).await;
    let explained = text_of(&step, "no-other-mandate").expect("an explanation");
    assert!(explained.contains("no other valid mandate"), "{explained}");
    assert!(
        !step.contains(r#"<select id="mandate_id""#),
        "no empty drop-down"
    );
    assert!(!step.contains(">Confirm<"), "nothing to confirm");
}

#[tokio::test]
async fn the_interval_shows_its_syntax_and_the_title_suggests_the_link() {
    let app = spawn_app().await;
    app.setup().await;
    let form = app.page("/admin/products/new").await;
    let hint = text_of(&form, "interval-hint").expect("the interval's syntax");
    assert!(hint.contains("days, weeks, months or years"), "{hint}");
    assert!(form.contains(r#"aria-describedby="interval-hint""#));

    let product = app.product(&[("method_email", "on")]).await;
    let editor = app.page("/admin/pages/new").await;
    assert!(editor.contains(r#"<label for="slug">Link</label>"#));
    assert!(
        text_of(&editor, "slug-hint")
            .unwrap()
            .contains(&app.url("/s/"))
    );
    let key = format!("product_{product}");
    let saved = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", "Fiets Plus — één maand"),
                ("slug", ""),
                (key.as_str(), "on"),
                ("mandate_type", "email"),
                ("start_rule", "today"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = app.page(&location(&saved)).await;
    assert!(page.contains(&app.url("/s/fiets-plus-een-maand")));
    assert_eq!(
        app.get("/s/fiets-plus-een-maand").await.status(),
        StatusCode::OK
    );
}
