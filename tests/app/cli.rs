//! The `abbo` binary: user management and configuration errors.

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::{browser, spawn_app, text_of};

fn abbo(app: &crate::helpers::TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    app.abbo(args, stdin)
}

#[tokio::test]
async fn user_create_and_reset_password_work_from_the_command_line() {
    let app = spawn_app().await;
    app.setup().await;

    let output = abbo(
        &app,
        &[
            "user",
            "create",
            "--email",
            "ops@example.com",
            "--role",
            "viewer",
        ],
        "a very long password\n",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("ops@example.com"));
    let client = browser();
    app.login_as(&client, "ops@example.com", "a very long password")
        .await;
    assert!(app.page_as(&client, "/admin").await.contains("viewer"));

    let output = abbo(
        &app,
        &["user", "reset-password", "--email", "ops@example.com"],
        "another long password\n",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let old = app
        .try_login(&browser(), "ops@example.com", "a very long password")
        .await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.login_as(&browser(), "ops@example.com", "another long password")
        .await;

    // Bad input is refused with a message naming what is wrong.
    let output = abbo(
        &app,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--role",
            "root",
        ],
        "a very long password\n",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--role"));
    let output = abbo(
        &app,
        &["user", "create", "--email", "y@example.com"],
        "short\n",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("12 characters"));
    let output = abbo(
        &app,
        &["user", "reset-password", "--email", "nobody@example.com"],
        "a very long password\n",
    );
    assert!(!output.status.success());
    let html = app.page("/admin/users").await;
    assert!(!html.contains("x@example.com") && !html.contains("y@example.com"));
    assert!(text_of(&html, "main").is_some());
}

#[tokio::test]
async fn a_bad_configuration_stops_the_start_with_one_line_naming_the_key() {
    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_abbo"));
    child
        .arg("--config")
        .arg(app.data_dir.path().join("missing.toml"))
        .arg("migrate")
        .env("ABBO_STORAGE__DATA_DIR", app.data_dir.path());
    let output = child
        .env("ABBO_DATABASE__URL", "mysql://localhost/abbo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("database.url"), "{stderr}");

    let output = child
        .env("ABBO_DATABASE__URL", &app.config.database_url)
        .env("ABBO_SERVER__BIND", "not an address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("server.bind"));
}

#[tokio::test]
async fn api_key_create_prints_a_working_key_once_with_the_config_file_from_the_environment() {
    let app = spawn_app().await;
    app.setup().await;
    // ABBO_CONFIG names the settings file; it must not be read as a setting itself.
    let output = Command::new(env!("CARGO_BIN_EXE_abbo"))
        .args(["api-key", "create", "--name", "Webshop"])
        .env("ABBO_CONFIG", app.data_dir.path().join("missing.toml"))
        .env("ABBO_DATABASE__URL", &app.config.database_url)
        .env("ABBO_STORAGE__DATA_DIR", app.data_dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let key = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("abbo_"), "{key}");
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/customers"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = app.page("/admin/developers").await;
    assert!(html.contains("Webshop") && !html.contains(&key));

    let output = abbo(&app, &["api-key", "create", "--name", ""], "");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("name"));
}
