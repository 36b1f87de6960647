//! The outbox: email through a real SMTP server, SMS through an HTTP gateway, retries,
//! at-most-once delivery after a crash, and the admin's view of every message.

use abbo::notify::email::EmailSender;
use abbo::store::messages::{self, NewMessage};
use abbo::store::{self, merchants};
use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{OWNER_EMAIL, TestApp, browser, spawn_app, spawn_app_with, text_of};
use crate::sinks::{HttpSink, SmtpSink};

async fn add_user(app: &TestApp, email: &str) {
    let response = app
        .submit(
            "/admin/users",
            "/admin/users",
            &[
                ("email", email),
                ("role", "admin"),
                ("password", "another long password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

async fn only_message_id(app: &TestApp) -> String {
    let merchant = merchants::list(&app.db).await.unwrap().remove(0);
    let mut all = messages::list(&app.db, &merchant.id, 10, 0).await.unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0).id
}

#[tokio::test]
async fn adding_a_user_emails_them_a_multipart_message_whose_link_works() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    add_user(&app, "new.colleague@example.com").await;
    assert!(sink.is_empty(), "nothing is sent inside the request");

    let report = app.outbox.deliver_due().await.unwrap();
    assert_eq!(report.sent, 1);
    let email = sink.next();
    assert_eq!(email.to, vec!["<new.colleague@example.com>"]);
    assert_eq!(email.from, "<noreply@localhost>");
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
    };
    assert_eq!(
        header("Subject").as_deref(),
        Some("You have access to Fietsabonnement BV on Abbo")
    );
    assert_eq!(
        header("From").as_deref(),
        Some("\"Fietsabonnement BV\" <noreply@localhost>")
    );
    assert_eq!(header("Reply-To").as_deref(), Some(OWNER_EMAIL));
    assert!(header("Message-ID").unwrap().starts_with("<msg_"));
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let types: Vec<&str> = parsed
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(
        !text.contains("another long password"),
        "the password is never emailed"
    );
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a sign-in link");
    assert_eq!(link, app.url("/login"));
    let page = browser().get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Sign in"));

    // The admin shows it as sent, with both bodies.
    let id = only_message_id(&app).await;
    let html = app.page(&format!("/admin/messages/{id}")).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("Sent"));
    assert!(
        text_of(&html, "body-text")
            .unwrap()
            .contains(&app.url("/login"))
    );
    let body = app.get(&format!("/admin/messages/{id}/html")).await;
    assert!(
        body.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert!(body.text().await.unwrap().contains("Sign in to Abbo"));
    assert!(
        app.page("/admin/messages")
            .await
            .contains("new.colleague@example.com")
    );
}

#[tokio::test]
async fn a_temporary_smtp_failure_is_retried_after_a_backoff() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    add_user(&app, "retry@example.com").await;
    sink.refuse_next
        .store(1, std::sync::atomic::Ordering::SeqCst);

    let first = app.outbox.deliver_due().await.unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    assert!(sink.is_empty());
    let id = only_message_id(&app).await;
    let html = app.page(&format!("/admin/messages/{id}")).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("Queued"));
    assert!(text_of(&html, "last-error").unwrap().contains("451"));

    // Not yet due again: the backoff is 30 seconds.
    let early = app
        .outbox
        .deliver_due_at(store::now() + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(early.sent, 0);
    let later = app
        .outbox
        .deliver_due_at(store::now() + Duration::seconds(31))
        .await
        .unwrap();
    assert_eq!(later.sent, 1);
    assert_eq!(sink.next().to, vec!["<retry@example.com>"]);
    assert!(sink.is_empty());
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_marked_failed_and_can_be_sent_again() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        s.outbox.max_attempts = 2;
    })
    .await;
    app.setup().await;
    add_user(&app, "unlucky@example.com").await;
    sink.refuse_next
        .store(2, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.outbox.deliver_due().await.unwrap().retried, 1);
    let second = app
        .outbox
        .deliver_due_at(store::now() + Duration::seconds(31))
        .await
        .unwrap();
    assert_eq!(second.failed, 1);
    let id = only_message_id(&app).await;
    let html = app.page(&format!("/admin/messages/{id}")).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("Failed"));

    // A viewer cannot send it again; the owner can.
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    let refused = app
        .submit_as(
            &viewer,
            &format!("/admin/messages/{id}"),
            &format!("/admin/messages/{id}/resend"),
            &[],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let response = app
        .submit(
            &format!("/admin/messages/{id}"),
            &format!("/admin/messages/{id}/resend"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&format!("/admin/messages/{id}"))
            .await
            .contains("queued to be sent again")
    );
    let report = app.outbox.deliver_due().await.unwrap();
    assert_eq!(
        report.sent, 2,
        "the failed message and the viewer's welcome"
    );
    let recipients: Vec<Vec<String>> = vec![sink.next().to, sink.next().to];
    assert!(recipients.contains(&vec!["<unlucky@example.com>".to_string()]));

    // Sending a sent message again is refused with a clear message.
    let response = app
        .submit(
            &format!("/admin/messages/{id}"),
            &format!("/admin/messages/{id}/resend"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.page(&format!("/admin/messages/{id}"))
            .await
            .contains("Only failed or unconfirmed messages")
    );
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_is_never_repeated() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| s.email.url = url).await;
    app.setup().await;
    add_user(&app, "once@example.com").await;
    let id = only_message_id(&app).await;

    // A worker claims the message and sends it, then dies before recording the result.
    let now = store::now();
    let lease = Duration::seconds(app.config.outbox.lease_seconds);
    let claimed = messages::claim(&app.db, &id, now, now + lease)
        .await
        .unwrap()
        .expect("claimed");
    EmailSender::from_url(&app.config.email.url)
        .unwrap()
        .send(&claimed, &app.config.email.from, None)
        .await
        .unwrap();
    assert_eq!(sink.next().to, vec!["<once@example.com>"]);

    // While the lease runs, nobody else takes it; after it, it is marked unconfirmed, not resent.
    let during = app
        .outbox
        .deliver_due_at(now + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(during, Default::default());
    let after = app
        .outbox
        .deliver_due_at(now + lease + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!((after.interrupted, after.sent), (1, 0));
    let again = app.outbox.deliver_due_at(now + lease * 10).await.unwrap();
    assert_eq!(again.sent, 0);
    assert!(sink.is_empty(), "the email went out exactly once");
    let html = app.page(&format!("/admin/messages/{id}")).await;
    assert_eq!(
        text_of(&html, "status").as_deref(),
        Some("Unconfirmed: check with the recipient")
    );
    assert!(html.contains("Send again"));
}

async fn queue_sms(app: &TestApp, to: &str, text: &str) -> String {
    let merchant = merchants::list(&app.db).await.unwrap().remove(0);
    let id = abbo::domain::id::new_id(abbo::domain::id::IdPrefix::Message);
    let mut tx = app.db.begin().await.unwrap();
    let message = NewMessage {
        id: &id,
        merchant_id: &merchant.id,
        customer_id: None,
        channel: "sms",
        recipient: to,
        subject: "Text message",
        body_text: text,
        body_html: "",
        sender_name: &merchant.name,
        reply_to: "",
        attachment_invoice_id: None,
    };
    messages::enqueue(&mut tx, &message, store::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn text_messages_go_through_the_http_gateway_and_are_retried() {
    let mut gateway = HttpSink::start(vec![503, 201]).await;
    let url = format!("{}/messages", gateway.url);
    let app = spawn_app_with(|s| {
        s.sms.url = url;
        s.sms.authorization = "AccessKey test-key".into();
    })
    .await;
    app.setup().await;
    queue_sms(
        &app,
        "+31612345678",
        "Fietsabonnement: confirm \"now\": http://x/m/abc",
    )
    .await;

    let first = app.outbox.deliver_due().await.unwrap();
    assert_eq!(first.retried, 1);
    let refused = gateway.next();
    assert_eq!(refused.method, "POST");
    let second = app
        .outbox
        .deliver_due_at(store::now() + Duration::seconds(31))
        .await
        .unwrap();
    assert_eq!(second.sent, 1);
    let request = gateway.next();
    assert_eq!(request.target, "/messages");
    assert_eq!(request.header("authorization"), Some("AccessKey test-key"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["recipients"][0], "+31612345678");
    assert_eq!(
        body["body"],
        "Fietsabonnement: confirm \"now\": http://x/m/abc"
    );
    assert_eq!(body["originator"], "Abbo");
}

#[tokio::test]
async fn without_a_gateway_text_messages_are_kept_in_the_outbox() {
    let app = spawn_app().await;
    app.setup().await;
    let id = queue_sms(&app, "+32470123456", "Hello").await;
    assert_eq!(app.outbox.deliver_due().await.unwrap().stored, 1);
    let html = app.page(&format!("/admin/messages/{id}")).await;
    assert_eq!(
        text_of(&html, "status").as_deref(),
        Some("Stored (no SMS gateway configured)")
    );
    assert_eq!(text_of(&html, "body-text").as_deref(), Some("Hello"));
}

#[tokio::test]
async fn the_background_worker_delivers_as_soon_as_a_message_is_queued() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        s.outbox.worker = true;
        s.outbox.poll_seconds = 3600;
    })
    .await;
    app.setup().await;
    add_user(&app, "quick@example.com").await;
    // Woken by the request, not by the hourly poll.
    assert_eq!(sink.wait_next().await.to, vec!["<quick@example.com>"]);
}

#[tokio::test]
async fn another_merchants_messages_are_not_found() {
    let app = spawn_app().await;
    app.setup().await;
    let mut tx = app.db.begin().await.unwrap();
    merchants::insert(&mut tx, "mer_other", "Other shop", store::now())
        .await
        .unwrap();
    let message = NewMessage {
        id: "msg_other",
        merchant_id: "mer_other",
        customer_id: None,
        channel: "email",
        recipient: "secret@example.com",
        subject: "Other shop's secret",
        body_text: "secret",
        body_html: "<p>secret</p>",
        sender_name: "Other shop",
        reply_to: "",
        attachment_invoice_id: None,
    };
    messages::enqueue(&mut tx, &message, store::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(
        !app.page("/admin/messages")
            .await
            .contains("secret@example.com")
    );
    for path in [
        "/admin/messages/msg_other",
        "/admin/messages/msg_other/html",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let response = app
        .submit("/admin/messages", "/admin/messages/msg_other/resend", &[])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_messages_list_pages_by_fifty() {
    let app = spawn_app().await;
    app.setup().await;
    for i in 0..51 {
        queue_sms(&app, "+31612345678", &format!("Message {i}")).await;
    }
    let rows = |html: &str| {
        scraper::Html::parse_document(html)
            .select(&scraper::Selector::parse("tbody tr").unwrap())
            .count()
    };
    let first = app.page("/admin/messages").await;
    assert_eq!(rows(&first), 50);
    assert!(first.contains("href=\"/admin/messages?page=2\" rel=\"next\""));
    assert!(!first.contains("rel=\"prev\""));
    let second = app.page("/admin/messages?page=2").await;
    assert_eq!(rows(&second), 1);
    assert!(second.contains("href=\"/admin/messages?page=1\" rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""));
    assert!(
        app.page("/admin/messages?page=3")
            .await
            .contains("No more messages.")
    );
}

#[tokio::test]
async fn staff_read_mandate_links_redacted_and_sending_again_sends_the_real_one() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        s.outbox.max_attempts = 1;
    })
    .await;
    app.setup().await;
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    sink.drain();
    let product = app.product(&[("method_email", "on")]).await;
    let customer = app.customer("Jan", "de Vries", "jan@example.nl").await;
    let today = crate::helpers::today().to_string();
    let assigned = app
        .submit(
            &customer,
            &format!("{customer}/subscriptions"),
            &[
                ("product_id", &product),
                ("start_date", &today),
                ("way", "email"),
                ("iban", "NL91 ABNA 0417 1643 00"),
                ("account_holder", "J. de Vries"),
            ],
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    // The first attempt fails, so the message can be sent again.
    sink.refuse_next
        .store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.outbox.deliver_due().await.unwrap().failed, 1);
    let merchant = merchants::list(&app.db).await.unwrap().remove(0);
    let stored = messages::list(&app.db, &merchant.id, 10, 0)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == "jan@example.nl")
        .unwrap();
    let stored = messages::get(&app.db, &merchant.id, &stored.id)
        .await
        .unwrap()
        .unwrap();
    let link = stored
        .body_text
        .split_whitespace()
        .find(|w| w.starts_with(&app.url("/m/")))
        .expect("the stored message holds the live link")
        .to_string();
    let token = link.trim_start_matches(&app.url("/m/")).to_string();
    assert!(token.len() > 10);

    // Neither the owner nor a viewer can read the link.
    let page = format!("/admin/messages/{}", stored.id);
    for client in [&app.client, &viewer] {
        let html = app.page_as(client, &page).await;
        let text = text_of(&html, "body-text").unwrap();
        assert!(!html.contains(&token), "the token is hidden");
        assert!(text.contains(&app.url("/m/[hidden")), "{text}");
        let body = app
            .get_as(client, &format!("{page}/html"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !body.contains(&token),
            "the token is hidden in the HTML too"
        );
        assert!(body.contains("hidden: only the customer"));
    }

    // Sending it again sends the real link, which still works.
    let again = app.submit(&page, &format!("{page}/resend"), &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.outbox.deliver_due().await.unwrap().sent, 1);
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(text.contains(&link), "the customer gets the live link");
    let opened = browser().get(&link).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
}
