use reqwest::StatusCode;

use crate::helpers::{
    OWNER_EMAIL, OWNER_PASSWORD, browser, csrf_token, location, spawn_app, spawn_app_with, text_of,
};

#[tokio::test]
async fn admin_pages_require_sign_in_and_return_to_the_page_after() {
    let app = spawn_app().await;
    app.setup().await;
    let visitor = browser();
    let response = app.get_as(&visitor, "/admin/users").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=%2Fadmin%2Fusers");

    let html = app.page_as(&visitor, "/login?next=%2Fadmin%2Fusers").await;
    let token = csrf_token(&html);
    let response = app
        .post_form_as(
            &visitor,
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "OWNER@example.com"),
                ("password", OWNER_PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in ignores the email's case"
    );
    assert_eq!(location(&response), "/admin/users");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.setup().await;
    let visitor = browser();
    let wrong = app
        .try_login(&visitor, OWNER_EMAIL, "wrong password!!")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = text_of(&wrong.text().await.unwrap(), "login-error").unwrap();
    let unknown = app
        .try_login(&visitor, "nobody@example.com", "wrong password!!")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = text_of(&unknown.text().await.unwrap(), "login-error").unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, "The email address or password is not right");
    // Still signed out.
    assert_eq!(
        app.get_as(&visitor, "/admin").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_account = 3).await;
    app.setup().await;
    let attacker = browser();
    for _ in 0..3 {
        let response = app
            .try_login(&attacker, OWNER_EMAIL, "guess guess guess")
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = app.try_login(&attacker, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "login-error")
            .unwrap()
            .contains("Too many failed attempts")
    );
    // A locked account looks the same whether or not it exists: no enumeration.
    for _ in 0..3 {
        app.try_login(&attacker, "ghost@example.com", "guess guess guess")
            .await;
    }
    let ghost = app
        .try_login(&attacker, "ghost@example.com", "guess guess guess")
        .await;
    assert_eq!(ghost.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_ip = 4).await;
    app.setup().await;
    let attacker = browser();
    for i in 0..4 {
        let email = format!("user{i}@example.com");
        let response = app.try_login(&attacker, &email, "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = app.try_login(&attacker, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sign_in_issues_a_new_session_and_sign_out_ends_it() {
    let app = spawn_app().await;
    app.setup().await;
    let visitor = browser();
    let login_page = app.get_as(&visitor, "/login").await;
    let before = login_page
        .cookies()
        .find(|c| c.name() == "abbo_session")
        .map(|c| c.value().to_string())
        .expect("the sign-in page sets a session cookie for its form token");
    let html = login_page.text().await.unwrap();
    let token = csrf_token(&html);
    let response = app
        .post_form_as(
            &visitor,
            "/login",
            &[
                ("csrf_token", &token),
                ("email", OWNER_EMAIL),
                ("password", OWNER_PASSWORD),
            ],
        )
        .await;
    let cookie = response
        .cookies()
        .find(|c| c.name() == "abbo_session")
        .expect("a new cookie");
    assert!(cookie.http_only());
    assert_ne!(cookie.value(), before, "the session is renewed on sign-in");

    // The pre-login form token is no longer valid (no session fixation via a planted token).
    let html = app.page_as(&visitor, "/admin").await;
    assert_ne!(csrf_token(&html), token);

    let response = app
        .post_form_as(&visitor, "/logout", &[("csrf_token", &csrf_token(&html))])
        .await;
    assert_eq!(location(&response), "/login");
    assert!(
        app.page_as(&visitor, "/login")
            .await
            .contains("You are signed out.")
    );
    assert_eq!(
        app.get_as(&visitor, "/admin").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    app.setup().await;
    let fields = [
        ("name", "Hijacked"),
        ("default_language", "en"),
        ("brand_colour", "#000000"),
    ];

    let missing = app.post_form("/admin/settings", &fields).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );

    let mut wrong = vec![("csrf_token", "forged-token")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        app.post_form("/admin/settings", &wrong).await.status(),
        StatusCode::FORBIDDEN
    );

    // The right token, but sent from another site.
    let token = csrf_token(&app.page("/admin/settings").await);
    let mut right = vec![("csrf_token", token.as_str())];
    right.extend_from_slice(&fields);
    let cross_site = app
        .client
        .post(app.url("/admin/settings"))
        .header("Origin", "https://evil.example")
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let fetch_cross_site = app
        .client
        .post(app.url("/admin/settings"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_cross_site.status(), StatusCode::FORBIDDEN);

    // Nothing changed.
    assert!(!app.page("/admin/settings").await.contains("Hijacked"));

    // Sign-in and logout are guarded too.
    let visitor = browser();
    let login = app
        .post_form_as(
            &visitor,
            "/login",
            &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_form("/logout", &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    // With the right token from the same origin it works.
    let response = app
        .client
        .post(app.url("/admin/settings"))
        .header("Origin", app.address.as_str())
        .form(&right)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(app.page("/admin/settings").await.contains("Hijacked"));
}

/// File uploads carry the CSRF token as their first form field, never in the URL (where it ends
/// up in logs and Referer headers); the server checks it before it reads the file.
#[tokio::test]
async fn upload_forms_carry_the_csrf_token_first_in_the_body_not_in_the_url() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    app.setup().await;
    let uploads = [
        ("/admin/settings", "/admin/settings/logo", "logo"),
        ("/admin/import", "/admin/import", "file"),
        ("/admin/collections", "/admin/collections/returns", "file"),
    ];
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 32]].concat();
    for (page, action, file_field) in uploads {
        let html = app.page(page).await;
        let document = scraper::Html::parse_document(&html);
        let forms = scraper::Selector::parse("form[enctype='multipart/form-data']").unwrap();
        let inputs = scraper::Selector::parse("input").unwrap();
        let form = document.select(&forms).next().expect("an upload form");
        assert_eq!(form.value().attr("action"), Some(action), "{page}");
        let first = form.select(&inputs).next().unwrap().value();
        assert_eq!(
            (first.attr("type"), first.attr("name")),
            (Some("hidden"), Some("csrf_token")),
            "the token is the first field of the form on {page}"
        );
        assert!(!html.contains("csrf_token="), "no token in a URL on {page}");
        let token = csrf_token(&html);
        let file = || Part::bytes(png.clone()).file_name("logo.png");

        let send = |url: String, form: Form| app.client.post(url).multipart(form).send();
        let token_first = |token: &str| Form::new().text("csrf_token", token.to_string());
        let in_url = send(
            app.url(&format!("{action}?csrf_token={token}")),
            Form::new().part(file_field, file()),
        );
        assert_eq!(
            in_url.await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "token in the URL of {action}"
        );
        let after_the_file = Form::new()
            .part(file_field, file())
            .text("csrf_token", token.clone());
        assert_eq!(
            send(app.url(action), after_the_file)
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN,
            "a token behind the file is not looked for in {action}"
        );
        let wrong = token_first("forged-token").part(file_field, file());
        assert_eq!(
            send(app.url(action), wrong).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "a wrong token for {action}"
        );
        let in_field = send(
            app.url(action),
            token_first(&token).part(file_field, file()),
        )
        .await
        .unwrap();
        assert_ne!(
            in_field.status(),
            StatusCode::FORBIDDEN,
            "token first in {action}"
        );
        assert!(in_field.status().is_client_error() || in_field.status() == StatusCode::SEE_OTHER);
    }
    // The logo upload with its token first is taken.
    let token = csrf_token(&app.page("/admin/settings").await);
    let taken = app
        .client
        .post(app.url("/admin/settings/logo"))
        .multipart(
            Form::new()
                .text("csrf_token", token)
                .part("logo", Part::bytes(png).file_name("logo.png")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
}
