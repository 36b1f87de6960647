//! Irreversible actions in the admin (anonymise, delete a customer, archive or delete a product,
//! revoke a mandate or an API key) take a confirmation step that names what is lost, the way
//! pausing and cancelling a subscription do: the button leads to a page, only its form acts.

use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

/// Checks the step: `page` only links to `action`, whose page asks `question`, names `loss`
/// and posts to itself; loading it changes nothing. Then confirms it; the response.
async fn confirm(
    app: &TestApp,
    page: &str,
    action: &str,
    question: &str,
    loss: &str,
) -> reqwest::Response {
    let html = app.page(page).await;
    assert!(
        !html.contains(&format!("action=\"{action}\"")),
        "{page} does not act in one click"
    );
    assert!(
        html.contains(&format!("href=\"{action}\"")),
        "{page} links to {action}"
    );
    let step = app.page(action).await;
    assert_eq!(
        text_of(&step, "confirmation-question").as_deref(),
        Some(question)
    );
    let losses = text_of(&step, "losses").unwrap();
    assert!(losses.contains(loss), "{losses}");
    assert!(step.contains(&format!("action=\"{action}\"")));
    app.submit(action, action, &[]).await
}

#[tokio::test]
async fn irreversible_actions_ask_first_and_name_what_is_lost() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;

    // Revoking a mandate names the subscriptions it stops.
    let kees = app.customer("Kees", "Bakker", "kees@example.nl").await;
    app.paper_subscription(&kees, &product, crate::helpers::today(), "MDT-KEES")
        .await;
    let html = app.page(&kees).await;
    let start = html.find("/admin/mandates/mdt_").unwrap();
    let mandate = html[start..].split('"').next().unwrap().to_string();
    let step = app.page(&format!("{mandate}/revoke")).await;
    assert!(
        text_of(&step, "losses")
            .unwrap()
            .contains("1 running subscription(s)")
    );
    assert_eq!(
        text_of(&app.page(&mandate).await, "status").as_deref(),
        Some("valid")
    );
    let revoked = confirm(
        &app,
        &mandate,
        &format!("{mandate}/revoke"),
        "Revoke mandate MDT-KEES of Kees Bakker?",
        "cannot be made valid again",
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        text_of(&app.page(&mandate).await, "status").as_deref(),
        Some("revoked")
    );

    // Anonymising and deleting customers.
    let jan = app.customer("Jan", "de Vries", "jan@example.nl").await;
    let anonymised = confirm(
        &app,
        &jan,
        &format!("{jan}/anonymise"),
        "Anonymise Jan de Vries?",
        "removed for good",
    )
    .await;
    assert_eq!(anonymised.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&jan).await.contains("Personal data removed"));
    let piet = app.customer("Piet", "Visser", "piet@example.nl").await;
    let deleted = confirm(
        &app,
        &piet,
        &format!("{piet}/delete"),
        "Delete Piet Visser?",
        "deleted for good",
    )
    .await;
    assert_eq!(location(&deleted), "/admin/customers");
    assert_eq!(app.get(&piet).await.status(), StatusCode::NOT_FOUND);

    // Archiving and deleting products.
    let page = format!("/admin/products/{product}");
    let archived = confirm(
        &app,
        &page,
        &format!("{page}/archive"),
        "Archive “Fiets Plus”?",
        "1 running subscription(s) go on",
    )
    .await;
    assert_eq!(archived.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&page).await.contains(">Restore<"));
    let unused = app
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", "Proefles"),
                ("price", "5.00"),
                ("vat_rate", "21"),
                ("interval", "1 month"),
                ("method_email", "on"),
            ],
        )
        .await;
    assert_eq!(unused.status(), StatusCode::SEE_OTHER);
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let unused = abbo::store::products::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Proefles")
        .unwrap()
        .id;
    let page = format!("/admin/products/{unused}");
    confirm(
        &app,
        &page,
        &format!("{page}/delete"),
        "Delete “Proefles”?",
        "deleted for good",
    )
    .await;
    assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);

    // Revoking an API key.
    let created = app
        .submit(
            "/admin/developers",
            "/admin/developers/keys",
            &[("name", "Kassa")],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let key = abbo::store::api_keys::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .remove(0);
    let revoke = format!("/admin/developers/keys/{}/revoke", key.id);
    let question = format!("Revoke the API key “Kassa” ({}…)?", key.prefix);
    let revoked = confirm(&app, "/admin/developers", &revoke, &question, "refused").await;
    assert_eq!(location(&revoked), "/admin/developers");
    let key = abbo::store::api_keys::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .remove(0);
    assert!(key.revoked_at.is_some());
}

#[tokio::test]
async fn confirmation_steps_show_nothing_of_another_merchant() {
    let app = spawn_app().await;
    app.setup().await;
    let jan = app.customer("Jan", "de Vries", "jan@example.nl").await;
    let product = app.product(&[("method_email", "on")]).await;
    let other = app.other_merchant().await;
    for path in [
        format!("{jan}/anonymise"),
        format!("{jan}/delete"),
        format!("/admin/products/{product}/archive"),
        format!("/admin/products/{product}/delete"),
    ] {
        let response = app.get_as(&other, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn deleting_a_webhook_endpoint_and_removing_a_user_ask_first_too() {
    let app = crate::helpers::spawn_app_with(|s| s.webhooks.allow_private_webhooks = true).await;
    app.setup().await;
    let sink = crate::sinks::HttpSink::start(vec![]).await;
    let (page, _) = crate::webhooks::endpoint(&app, &sink.url, &["customer.created"]).await;
    let question = format!("Delete the webhook endpoint {}/?", sink.url);
    let deleted = confirm(
        &app,
        &page,
        &format!("{page}/delete"),
        &question,
        "deleted for good",
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);

    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    let id = abbo::store::users::list(&app.db, &merchant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "viewer@example.com")
        .unwrap()
        .id;
    let remove = format!("/admin/users/{id}/remove");
    assert_eq!(
        app.get_as(&viewer, &remove).await.status(),
        StatusCode::FORBIDDEN,
        "only owners"
    );
    let removed = confirm(
        &app,
        "/admin/users",
        &remove,
        "Remove viewer@example.com (viewer)?",
        "can no longer sign in",
    )
    .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert!(
        !app.page("/admin/users")
            .await
            .contains("viewer@example.com")
    );
}
