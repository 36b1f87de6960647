use reqwest::StatusCode;

use crate::helpers::{OWNER_EMAIL, browser, csrf_token, location, spawn_app, text_of};

#[tokio::test]
async fn a_viewer_sees_everything_and_every_post_is_forbidden() {
    let app = spawn_app().await;
    app.setup().await;
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;

    for page in ["/admin", "/admin/settings", "/admin/users"] {
        app.page_as(&viewer, page).await;
    }
    let settings = app.page_as(&viewer, "/admin/settings").await;
    assert!(
        settings.contains("<fieldset disabled>"),
        "the form is shown read-only"
    );
    assert!(!settings.contains("Save settings"));

    let token = csrf_token(&settings);
    let owner_id = {
        let html = app.page("/admin/users").await;
        let start = html
            .find("/admin/users/usr_")
            .expect("a user row with actions");
        html[start + "/admin/users/".len()..]
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let posts = [
        (
            "/admin/settings",
            vec![
                ("name", "Viewer was here"),
                ("default_language", "en"),
                ("brand_colour", "#000000"),
            ],
        ),
        ("/admin/settings/logo/remove", vec![]),
        (
            "/admin/users",
            vec![
                ("email", "new@example.com"),
                ("role", "owner"),
                ("password", "a long enough password"),
            ],
        ),
        (
            &format!("/admin/users/{owner_id}/role") as &str,
            vec![("role", "viewer")],
        ),
        (&format!("/admin/users/{owner_id}/remove") as &str, vec![]),
    ];
    for (path, fields) in posts {
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend(fields);
        let response = app.post_form_as(&viewer, path, &all).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "POST {path} as viewer"
        );
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Your role is viewer")
        );
    }
    assert!(
        !app.page("/admin/settings")
            .await
            .contains("Viewer was here")
    );
    assert!(!app.page("/admin/users").await.contains("new@example.com"));
    // The viewer can still sign out.
    let response = app
        .post_form_as(&viewer, "/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(location(&response), "/login");
}

#[tokio::test]
async fn an_admin_changes_settings_but_cannot_manage_users() {
    let app = spawn_app().await;
    app.setup().await;
    let admin = app.user_with_role("admin@example.com", "admin").await;
    let html = app.page_as(&admin, "/admin/users").await;
    assert!(html.contains("Only owners can add"));
    let response = app
        .submit_as(
            &admin,
            "/admin/users",
            "/admin/users",
            &[
                ("email", "x@example.com"),
                ("role", "owner"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .submit_as(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Admin renamed"),
                ("default_language", "nl"),
                ("brand_colour", "#112233"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(app.page("/admin/settings").await.contains("Admin renamed"));
}

fn user_id_of(html: &str, email: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    let form = scraper::Selector::parse("form[action$=\"/role\"]").unwrap();
    for row in document.select(&rows) {
        if row.text().collect::<String>().contains(email) {
            let action = row
                .select(&form)
                .next()
                .unwrap()
                .value()
                .attr("action")
                .unwrap();
            return action
                .trim_start_matches("/admin/users/")
                .trim_end_matches("/role")
                .to_string();
        }
    }
    panic!("no row for {email}");
}

#[tokio::test]
async fn the_owner_adds_changes_and_removes_users_with_clear_refusals() {
    let app = spawn_app().await;
    app.setup().await;
    let colleague = app.user_with_role("colleague@example.com", "viewer").await;
    let html = app.page("/admin/users").await;
    assert!(html.contains("colleague@example.com"));
    let id = user_id_of(&html, "colleague@example.com");

    // Same email again: a field error, not a crash.
    let duplicate = app
        .submit(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "Colleague@example.com"),
                ("role", "admin"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = duplicate.text().await.unwrap();
    assert_eq!(
        text_of(&html, "email-error").as_deref(),
        Some("Another account already uses this email address")
    );

    let bad = app
        .submit(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "nope"),
                ("role", "superuser"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(text_of(&html, "email-error").is_some());
    assert_eq!(
        text_of(&html, "role-error").as_deref(),
        Some("Choose owner, admin or viewer")
    );
    assert_eq!(
        text_of(&html, "password-error").as_deref(),
        Some("Use at least 12 characters")
    );

    // Promote to owner: the change applies to the colleague's very next request.
    let response = app
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page_as(&colleague, "/admin/users")
            .await
            .contains("Add a user")
    );

    // The owner cannot remove themself; the colleague (now owner) can demote and remove the first owner,
    // but the last owner can never be demoted.
    let html = app.page_as(&colleague, "/admin/users").await;
    let first_owner = user_id_of(&html, OWNER_EMAIL);
    let response = app
        .submit_as(
            &colleague,
            "/admin/users",
            &format!("/admin/users/{first_owner}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/role"),
            &[("role", "viewer")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "the first owner is now an admin"
    );
    let response = app
        .submit_as(
            &colleague,
            "/admin/users",
            &format!("/admin/users/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page_as(&colleague, "/admin/users")
            .await
            .contains("You cannot remove yourself")
    );

    let response = app
        .submit_as(
            &colleague,
            "/admin/users",
            &format!("/admin/users/{first_owner}/remove"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page_as(&colleague, "/admin/users").await;
    assert!(html.contains("User removed."));
    assert!(!html.contains(OWNER_EMAIL));
    // The removed user's session no longer works.
    let response = app.get("/admin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // And they cannot sign in any more.
    let response = app
        .try_login(&browser(), OWNER_EMAIL, crate::helpers::OWNER_PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_last_owner_cannot_be_demoted() {
    let app = spawn_app().await;
    app.setup().await;
    let html = app.page("/admin/users").await;
    // The owner's own row has no role form; change it through a crafted post.
    let token = csrf_token(&html);
    let own_id = {
        let users = abbo::store::users::find_by_email(&app.db, OWNER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        users.id
    };
    let response = app
        .post_form(
            &format!("/admin/users/{own_id}/role"),
            &[("csrf_token", &token), ("role", "viewer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page("/admin/users").await;
    assert!(html.contains("A merchant needs at least one owner"));
    assert!(html.contains("Add a user"), "still owner");
}
