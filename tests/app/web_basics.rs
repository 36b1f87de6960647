use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn every_response_has_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let first = app.get("/setup").await;
    let second = app.get("/setup").await;
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(!id(&first).is_empty());
    assert_ne!(id(&first), id(&second));
    let csp = first.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(first.headers()["x-frame-options"], "DENY");
    assert_eq!(first.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_failure_shows_a_page_with_the_request_id() {
    let app = spawn_app().await;
    app.setup().await;
    app.db.close().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let response = app.get("/admin").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong"));
    assert!(html.contains(&id), "the page shows the request id {id}");
    assert!(
        !html.contains("PoolClosed") && !html.contains("pool"),
        "no internals leak"
    );
}

#[tokio::test]
async fn static_assets_are_served_with_long_caching() {
    let app = spawn_app().await;
    let html = app.page("/setup").await;
    let start = html
        .find("/static/app.css?v=")
        .expect("a versioned stylesheet link");
    let url = &html[start..html[start..].find('"').unwrap() + start];
    let response = app.get(url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(response.text().await.unwrap().contains("--brand"));
}

/// Uptime monitors send `HEAD`: every page that answers `GET` answers `HEAD` with the same status
/// and headers, and no body.
#[tokio::test]
async fn head_is_answered_wherever_get_is() {
    let app = spawn_app().await;
    app.setup().await;
    let product = app.product(&[("method_email", "on")]).await;
    crate::signup::page(&app, &product, "email", &[]).await;
    let setup_html = app.page("/admin").await;
    let start = setup_html
        .find("/static/app.css?v=")
        .expect("a versioned stylesheet link");
    let asset = setup_html[start..start + setup_html[start..].find('"').unwrap()].to_string();
    for (path, client) in [
        ("/s/fiets-plus", crate::helpers::browser()),
        ("/admin", app.client.clone()),
        ("/admin/customers", app.client.clone()),
        ("/healthz", crate::helpers::browser()),
        (asset.as_str(), crate::helpers::browser()),
    ] {
        let get = client.get(app.url(path)).send().await.unwrap();
        let head = client.head(app.url(path)).send().await.unwrap();
        assert_eq!(get.status(), StatusCode::OK, "GET {path}");
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path} names the type of what GET sends"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    let head = app
        .client
        .head(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    let post_only = app.client.head(app.url("/logout")).send().await.unwrap();
    assert_ne!(
        post_only.status(),
        StatusCode::OK,
        "HEAD does not run a POST-only action"
    );
}
