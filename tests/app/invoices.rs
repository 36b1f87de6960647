//! Invoices, credit notes and pre-notifications: gapless numbers under concurrency, the PDF
//! (same bytes every time, every required field, names with diacritics), crediting, no way to
//! change an issued invoice, emails with the PDF exactly once, notices in four languages, and
//! tenant isolation.

use std::process::{Command, Stdio};

use abbo::services::billing::{self, RunOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, create_key_as, problem};
use crate::helpers::{TestApp, location, spawn_app_with, text_of, today};
use crate::sinks::SmtpSink;

/// The merchant's details as the Dutch rules want them on an invoice.
const SETTINGS: [(&str, &str); 12] = [
    ("contact_email", "klantenservice@fietsabo.nl"),
    ("name", "Fietsabonnement"),
    ("legal_name", "Fietsabonnement B.V."),
    ("street", "Keizersgracht 1"),
    ("postal_code", "1015 CJ"),
    ("city", "Amsterdam"),
    ("country", "nl"),
    ("creditor_id", "de98 zzz0 9999 9999 99"),
    ("creditor_iban", "nl91 abna 0417 1643 00"),
    ("creditor_bic", "abnanl2a"),
    ("default_language", "nl"),
    ("brand_colour", "#1f6feb"),
];

/// A shop with invoice details, an API key and an SMTP server catching its email.
struct Shop {
    app: TestApp,
    key: String,
    sink: SmtpSink,
    merchant_id: String,
    product_id: String,
}

impl Shop {
    async fn new() -> Shop {
        let sink = SmtpSink::start().await;
        let url = sink.url.clone();
        let app = spawn_app_with(|s| s.email.url = url).await;
        app.setup().await;
        let response = app
            .submit("/admin/settings", "/admin/settings", &SETTINGS)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "settings saved");
        let response = app
            .submit(
                "/admin/billing",
                "/admin/billing/settings",
                &[
                    ("time_zone", "Europe/Amsterdam"),
                    ("notice_lead_days", "14"),
                    ("billing_max_periods", "4"),
                    ("send_notices", "on"),
                    ("kvk_number", "1234 5678"),
                    ("vat_number", "nl 8536.75.620.B01"),
                    ("invoice_footer", "Betaling binnen 14 dagen. Bedankt!"),
                    ("invoice_number_format", "{YYYY}-{SEQ:5}"),
                    ("credit_note_number_format", "C{YYYY}-{SEQ:5}"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "invoice settings saved"
        );
        let product_id = app.product(&[("method_email", "on")]).await;
        let key = create_key_as(&app, &app.client, "Webshop").await;
        let merchant_id = abbo::store::merchants::list(&app.db)
            .await
            .unwrap()
            .remove(0)
            .id;
        Shop {
            app,
            key,
            sink,
            merchant_id,
            product_id,
        }
    }

    fn api(&self) -> Api<'_> {
        Api::new(&self.app, self.key.clone())
    }

    /// A customer with a valid mandate and a subscription asking for invoices (or not).
    async fn subscriber(&self, customer: Value, invoices: bool) -> (String, String) {
        let api = self.api();
        let customer = api.post_ok("/api/v1/customers", customer, 201).await;
        let customer_id = customer["id"].as_str().unwrap().to_string();
        let n = self.count("SELECT COUNT(*) FROM mandates").await + 1;
        let mandate = api
            .post_ok(
                "/api/v1/mandates",
                json!({"customer_id": customer_id, "reference": format!("FIETS-{n:04}"),
                       "signature_date": "2026-01-15", "iban": "NL91 ABNA 0417 1643 00",
                       "account_holder": "Ł. Żółć"}),
                201,
            )
            .await;
        let subscription = api
            .post_ok(
                "/api/v1/subscriptions",
                json!({"customer_id": customer_id, "product_id": self.product_id,
                       "mandate_id": mandate["id"], "create_invoice": invoices,
                       "start_date": today().to_string()}),
                201,
            )
            .await;
        (
            customer_id,
            subscription["id"].as_str().unwrap().to_string(),
        )
    }

    async fn count(&self, sql: &str) -> i64 {
        let sql = sql.to_string();
        match &self.app.db {
            abbo::store::Db::Sqlite { read, .. } => sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(read)
                .await
                .unwrap(),
            abbo::store::Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(pool)
                .await
                .unwrap(),
        }
    }

    /// A billing run as of today (the app's own clock).
    async fn bill(&self) -> u64 {
        billing::run(&self.app.db, &self.merchant_id, &RunOptions::now("test"))
            .await
            .unwrap()
            .created
    }

    async fn invoices(&self, query: &str) -> Vec<Value> {
        let page = self
            .api()
            .get_json(&format!("/api/v1/invoices?limit=100{query}"))
            .await;
        page["data"].as_array().unwrap().clone()
    }

    async fn pdf(&self, id: &str) -> Vec<u8> {
        let response = self.api().get(&format!("/api/v1/invoices/{id}/pdf")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        response.bytes().await.unwrap().to_vec()
    }
}

fn polish_customer() -> Value {
    json!({"first_name": "Łukasz", "last_name": "Żółć", "company": "Zoë Ørsted ApS",
           "email": "lukasz@example.dk", "street": "Vestergade 3", "postal_code": "5970",
           "city": "Ærøskøbing", "country": "DK", "language": "en"})
}

/// Whether `program` runs here; in CI it must.
fn installed(program: &str) -> bool {
    let found = Command::new(program)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found || std::env::var("CI").is_err(),
        "{program} is needed in CI (Debian: poppler-utils)"
    );
    if !found {
        eprintln!("skipping the PDF text checks: {program} (poppler-utils) is not installed");
    }
    found
}

/// The text of a PDF, by `pdftotext`.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext reads the PDF");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn fifty_concurrent_issues_take_numbers_one_to_fifty() {
    let shop = Shop::new().await;
    let (_, subscription) = shop.subscriber(polish_customer(), true).await;
    let due = (today() + chrono::Duration::days(30)).to_string();
    let api = shop.api();
    let charges = (0..50).map(|n| {
        let body = json!({"subscription_id": subscription, "amount": "1.00",
                          "due_date": due, "description": format!("Extra {n}")});
        let api = &api;
        async move {
            let response = api.post("/api/v1/transactions", body).await;
            let status = response.status();
            if status.is_server_error() {
                eprintln!("{}", response.text().await.unwrap_or_default());
            }
            status
        }
    });
    let statuses = futures_util::future::join_all(charges).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let year = chrono::Datelike::year(&today());
    let mut numbers: Vec<String> = shop
        .invoices("&kind=invoice")
        .await
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("{year}-{n:05}")).collect();
    assert_eq!(numbers, expected, "no gap, no repeat");
    assert_eq!(
        shop.count("SELECT COUNT(*) FROM invoices").await,
        50,
        "one invoice per charge"
    );
}

#[tokio::test]
async fn a_billed_period_gets_an_invoice_whose_pdf_never_changes_and_names_everything() {
    let shop = Shop::new().await;
    let (customer_id, subscription) = shop.subscriber(polish_customer(), true).await;
    shop.subscriber(
        json!({"first_name": "Geen", "last_name": "Factuur", "email": "geen@example.nl"}),
        false,
    )
    .await;
    assert!(shop.bill().await >= 2);
    let invoices = shop.invoices("").await;
    assert_eq!(
        invoices.len(),
        1,
        "only the subscription asking for invoices"
    );
    let invoice = &invoices[0];
    let year = chrono::Datelike::year(&today());
    assert_eq!(invoice["number"], format!("{year}-00001"));
    assert_eq!(invoice["customer_id"], customer_id.as_str());
    assert_eq!(invoice["subscription_id"], subscription.as_str());
    assert_eq!(invoice["status"], "open");
    assert_eq!(invoice["total"], "12.95");
    // € 12.95 at 21 % included: VAT round(1295 × 21 / 121) = 225 cents.
    assert_eq!(invoice["vat_amount"], "2.25");
    assert_eq!(invoice["amount_excl_vat"], "10.70");
    assert_eq!(invoice["vat"][0]["vat_rate"], "21.00");
    assert_eq!(invoice["language"], "en");
    assert_eq!(invoice["issue_date"], today().to_string());

    let id = invoice["id"].as_str().unwrap();
    let first = shop.pdf(id).await;
    assert!(first.starts_with(b"%PDF"));
    let again = shop.pdf(id).await;
    assert_eq!(first, again, "the same bytes on every download");
    let admin = shop.app.get(&format!("/admin/invoices/{id}/pdf")).await;
    assert_eq!(admin.bytes().await.unwrap().to_vec(), first);
    let stored = shop.api().get_json(&format!("/api/v1/invoices/{id}")).await;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&first));
    assert_eq!(stored["pdf_sha256"], sha.as_str());

    if installed("pdftotext") {
        let text = pdf_text(&first);
        for needle in [
            "Łukasz Żółć",
            "Zoë Ørsted ApS",
            "Ærøskøbing",
            "Vestergade 3",
            "Fietsabonnement B.V.",
            "Keizersgracht 1",
            "1015 CJ Amsterdam",
            "12345678",
            "NL853675620B01",
            &format!("{year}-00001"),
            "Fiets Plus",
            "10.70",
            "2.25",
            "12.95",
            "21",
            "NL91 **** **** **43 00",
            "Betaling binnen 14 dagen. Bedankt!",
        ] {
            assert!(text.contains(needle), "the PDF shows {needle:?}:\n{text}");
        }
    }
    // The admin shows it in the list, on its page and on the customer's.
    let list = shop.app.page("/admin/invoices").await;
    assert!(list.contains(&format!("{year}-00001")));
    assert!(text_of(&list, "totals").unwrap().contains("€ 12.95"));
    let page = shop.app.page(&format!("/admin/invoices/{id}")).await;
    assert!(page.contains(&sha));
    // The month's ZIP holds the same PDF under its number.
    let month = format!("{year}-{:02}", chrono::Datelike::month(&today()));
    let zip = shop
        .app
        .get(&format!("/admin/invoices.zip?month={month}"))
        .await;
    assert_eq!(zip.status(), StatusCode::OK);
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut file = archive.by_name(&format!("{year}-00001.pdf")).unwrap();
    let mut zipped = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut zipped).unwrap();
    assert_eq!(zipped, first, "the stored PDF");
    let bad = shop.app.get("/admin/invoices.zip?month=2027-13").await;
    assert_eq!(location(&bad), "/admin/invoices");
    assert!(
        shop.app
            .page("/admin/invoices")
            .await
            .contains("Choose a month as YYYY-MM")
    );
    let csv = shop
        .app
        .get("/admin/invoices.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&format!("{year}-00001,invoice,")), "{csv}");
    assert!(csv.contains("10.70,2.25,12.95,EUR"), "{csv}");
}

#[tokio::test]
async fn crediting_issues_a_negative_credit_note_and_cancels_the_collection() {
    let shop = Shop::new().await;
    shop.subscriber(polish_customer(), true).await;
    shop.bill().await;
    let invoice = shop.invoices("").await.remove(0);
    let id = invoice["id"].as_str().unwrap().to_string();
    let page = format!("/admin/invoices/{id}");

    // Without a reason nothing happens.
    let response = shop
        .app
        .submit(&page, &format!("{page}/credit"), &[("reason", "  ")])
        .await;
    assert_eq!(location(&response), page);
    let html = shop.app.page(&page).await;
    assert!(html.contains("Say why the invoice is credited"), "{html}");
    assert_eq!(shop.count("SELECT COUNT(*) FROM invoices").await, 1);

    let response = shop
        .app
        .submit(
            &page,
            &format!("{page}/credit"),
            &[("reason", "Dubbel gefactureerd")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let note_page = location(&response);
    let html = shop.app.page(&note_page).await;
    let year = chrono::Datelike::year(&today());
    assert!(
        html.contains(&format!("Credit note C{year}-00001")),
        "{html}"
    );
    let note = shop
        .api()
        .get_json(&format!(
            "/api/v1/invoices/{}",
            note_page.rsplit('/').next().unwrap()
        ))
        .await;
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["total"], "-12.95");
    assert_eq!(note["vat_amount"], "-2.25");
    assert_eq!(note["credits_invoice_id"], id.as_str());
    assert_eq!(note["credit_reason"], "Dubbel gefactureerd");
    let credited = shop.api().get_json(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(credited["status"], "credited");
    let transaction = shop
        .api()
        .get_json(&format!(
            "/api/v1/transactions/{}",
            credited["transaction_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(transaction["status"], "cancelled", "nothing is collected");

    // The bookkeeper's CSV names the invoice a credit note corrects.
    let csv = shop
        .app
        .get("/admin/invoices.csv")
        .await
        .text()
        .await
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with(&format!("C{year}-00001,credit_note,")))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(line.contains(&format!(",EUR,{year}-00001,inv_")), "{line}");
    // Twice is refused; a credit note is not credited.
    let again = problem(
        shop.api()
            .post(
                &format!("/api/v1/invoices/{id}/credit"),
                json!({"reason": "again"}),
            )
            .await,
        409,
    )
    .await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap()
            .contains("credited already")
    );
    problem(
        shop.api()
            .post(
                &format!("/api/v1/invoices/{}/credit", note["id"].as_str().unwrap()),
                json!({"reason": "x"}),
            )
            .await,
        409,
    )
    .await;
    let empty = problem(
        shop.api()
            .post(
                &format!("/api/v1/invoices/{id}/credit"),
                json!({"reason": ""}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(empty["errors"][0]["field"], "reason");
    if installed("pdftotext") {
        let text = pdf_text(&shop.pdf(note["id"].as_str().unwrap()).await);
        assert!(text.contains(&format!("C{year}-00001")));
        assert!(text.contains(&format!("{year}-00001")));
        assert!(text.contains("Dubbel gefactureerd"));
        assert!(text.contains("-€ 12.95"), "{text}");
    }
}

#[tokio::test]
async fn an_issued_invoice_cannot_be_changed_through_any_url() {
    let shop = Shop::new().await;
    shop.subscriber(polish_customer(), true).await;
    shop.bill().await;
    let before = shop.invoices("").await.remove(0);
    let id = before["id"].as_str().unwrap();
    let api = shop.api();
    for response in [
        api.patch(&format!("/api/v1/invoices/{id}"), json!({"total": "0.01"}))
            .await,
        api.delete(&format!("/api/v1/invoices/{id}")).await,
        api.post(&format!("/api/v1/invoices/{id}"), json!({"total": "0.01"}))
            .await,
        api.post("/api/v1/invoices", json!({"number": "X"})).await,
    ] {
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let response = shop
        .app
        .submit(
            &format!("/admin/invoices/{id}"),
            &format!("/admin/invoices/{id}"),
            &[("number", "X")],
        )
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let after = api.get_json(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_invoice_email_carries_the_pdf_and_arrives_once_despite_an_interrupted_worker() {
    let mut shop = Shop::new().await;
    shop.subscriber(polish_customer(), true).await;
    shop.bill().await;
    let invoice = shop.invoices("").await.remove(0);
    // A worker composed the notice and stopped before sending: the next rounds send it once,
    // even two at a time.
    let documents =
        abbo::services::invoices::notices::queue_pending(&shop.app.db, "http://localhost")
            .await
            .unwrap();
    assert_eq!(documents, 1);
    let outbox = shop.app.outbox.clone();
    let (a, b) = tokio::join!(outbox.deliver_due(), shop.app.outbox.deliver_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 1, "{a:?} {b:?}");
    assert_eq!(a.composed + b.composed, 0, "composed once");
    let again = shop.app.outbox.deliver_due().await.unwrap();
    assert_eq!((again.sent, again.composed), (0, 0));
    let email = shop.sink.wait_next().await;
    assert!(shop.sink.is_empty(), "exactly one email");
    assert_eq!(email.to, vec!["<lukasz@example.dk>"]);
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    assert_eq!(parsed.ctype.mimetype, "multipart/mixed");
    let text = parsed.subparts[0].subparts[0].get_body().unwrap();
    let year = chrono::Datelike::year(&today());
    assert!(text.contains(&format!("invoice {year}-00001")), "{text}");
    let attachment = &parsed.subparts[1];
    assert_eq!(attachment.ctype.mimetype, "application/pdf");
    let bytes = attachment.get_body_raw().unwrap();
    assert_eq!(
        bytes,
        shop.pdf(invoice["id"].as_str().unwrap()).await,
        "the stored PDF is what was sent"
    );
    // "Send again" queues a copy with the same PDF.
    let page = format!("/admin/invoices/{}", invoice["id"].as_str().unwrap());
    let response = shop.app.submit(&page, &format!("{page}/send"), &[]).await;
    assert_eq!(location(&response), page);
    assert!(
        shop.app
            .page(&page)
            .await
            .contains("queued to be emailed again")
    );
    assert_eq!(shop.app.outbox.deliver_due().await.unwrap().sent, 1);
    let copy = shop.sink.wait_next().await;
    let copy = mailparse::parse_mail(copy.data.as_bytes()).unwrap();
    assert_eq!(copy.subparts[1].get_body_raw().unwrap(), bytes);
    // The transaction records its notice.
    let notices = shop
        .count("SELECT COUNT(*) FROM transactions WHERE notice_status = 'queued' AND notice_message_id IS NOT NULL")
        .await;
    assert!(notices >= 1);
}

#[tokio::test]
async fn pre_notifications_say_amount_date_iban_mandate_and_creditor_in_four_languages() {
    let mut shop = Shop::new().await;
    let expected = [
        ("en", "will be collected from IBAN NL91 **** **** **43 00"),
        ("nl", "wordt op"),
        ("fr", "sera prélevé sur l'IBAN NL91 **** **** **43 00"),
        ("de", "vom IBAN NL91 **** **** **43 00"),
    ];
    for (language, _) in expected {
        shop.subscriber(
            json!({"first_name": "Klant", "last_name": language,
                   "email": format!("{language}@example.eu"), "language": language}),
            false,
        )
        .await;
    }
    let created = shop.bill().await;
    assert!(created >= 4);
    let report = shop.app.outbox.deliver_due().await.unwrap();
    assert_eq!(
        report.composed as u64, created,
        "one notice per transaction"
    );
    let mut emails = Vec::new();
    for _ in 0..created {
        emails.push(shop.sink.wait_next().await);
    }
    assert!(shop.sink.is_empty(), "one notice each");
    for (language, phrase) in expected {
        let email = emails
            .iter()
            .find(|e| e.to == vec![format!("<{language}@example.eu>")])
            .unwrap_or_else(|| {
                let to: Vec<_> = emails.iter().map(|e| e.to.clone()).collect();
                panic!("a notice in {language} among {to:?} ({report:?})")
            });
        let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
        let text = parsed.subparts[0].get_body().unwrap();
        assert!(text.contains(phrase), "{language}: {text}");
        assert!(
            text.contains("DE98ZZZ09999999999"),
            "{language}: creditor id in {text}"
        );
        assert!(
            text.contains("FIETS-"),
            "{language}: mandate reference in {text}"
        );
        assert!(text.contains("12"), "{language}: amount in {text}");
    }
    let nl = emails
        .iter()
        .find(|e| e.to == vec!["<nl@example.eu>".to_string()])
        .unwrap();
    let parsed = mailparse::parse_mail(nl.data.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref().eq_ignore_ascii_case("Subject"))
        .unwrap()
        .get_value();
    assert!(subject.contains("incasso van € 12,95"), "{subject}");
}

#[tokio::test]
async fn another_merchant_finds_no_invoice_and_a_viewer_changes_none() {
    let shop = Shop::new().await;
    shop.subscriber(polish_customer(), true).await;
    shop.bill().await;
    let id = shop.invoices("").await.remove(0)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = shop.app.other_merchant().await;
    for path in [
        format!("/admin/invoices/{id}"),
        format!("/admin/invoices/{id}/pdf"),
    ] {
        let response = shop.app.get_as(&other, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let list = shop.app.page_as(&other, "/admin/invoices").await;
    assert!(!list.contains(&id));
    let other_key = create_key_as(&shop.app, &other, "Other").await;
    let other_api = Api::new(&shop.app, other_key);
    for path in [
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/pdf"),
    ] {
        problem(other_api.get(&path).await, 404).await;
    }
    problem(
        other_api
            .post(
                &format!("/api/v1/invoices/{id}/credit"),
                json!({"reason": "x"}),
            )
            .await,
        404,
    )
    .await;
    let listed = other_api.get_json("/api/v1/invoices").await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 0);

    let viewer = shop.app.user_with_role("viewer@example.nl", "viewer").await;
    let page = format!("/admin/invoices/{id}");
    assert_eq!(
        shop.app.get_as(&viewer, &page).await.status(),
        StatusCode::OK
    );
    for action in ["credit", "send"] {
        let response = shop
            .app
            .submit_as(
                &viewer,
                &page,
                &format!("{page}/{action}"),
                &[("reason", "x")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{action}");
    }
    let invoice = shop.api().get_json(&format!("/api/v1/invoices/{id}")).await;
    assert_eq!(invoice["status"], "open");
}

#[tokio::test]
async fn bad_invoice_settings_are_named_next_to_their_fields_and_nothing_is_saved() {
    let shop = Shop::new().await;
    let response = shop
        .app
        .submit(
            "/admin/billing",
            "/admin/billing/settings",
            &[
                ("time_zone", "Europe/Amsterdam"),
                ("notice_lead_days", "14"),
                ("billing_max_periods", "4"),
                ("kvk_number", "1234"),
                ("vat_number", "NL12345"),
                ("invoice_number_format", "INV {YYYY}"),
                ("credit_note_number_format", "{YYYY}-{SEQ:5}"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for (field, message) in [
        ("kvk_number-error", "8 digits"),
        ("vat_number-error", "NL123456789B01"),
        ("invoice_number_format-error", "Use letters, digits"),
    ] {
        let text = text_of(&html, field).unwrap_or_else(|| panic!("{field} in {html}"));
        assert!(text.contains(message), "{field}: {text}");
    }
    // The same series for both is refused too.
    let response = shop
        .app
        .submit(
            "/admin/billing",
            "/admin/billing/settings",
            &[
                ("time_zone", "Europe/Amsterdam"),
                ("notice_lead_days", "14"),
                ("billing_max_periods", "4"),
                ("invoice_number_format", "{YYYY}-{SEQ:5}"),
                ("credit_note_number_format", "{YYYY}-{SEQ:4}"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(text_of(&html, "credit_note_number_format-error").is_some());
    let merchant = abbo::store::merchants::get(&shop.app.db, &shop.merchant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (merchant.kvk_number.as_str(), merchant.vat_number.as_str()),
        ("12345678", "NL853675620B01"),
        "nothing saved"
    );
    // Turning notices off warns on the page.
    let response = shop
        .app
        .submit(
            "/admin/billing",
            "/admin/billing/settings",
            &[
                ("time_zone", "Europe/Amsterdam"),
                ("notice_lead_days", "14"),
                ("billing_max_periods", "4"),
                ("invoice_number_format", "{YYYY}-{SEQ:5}"),
                ("credit_note_number_format", "C{YYYY}-{SEQ:5}"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page("/admin/billing").await;
    assert!(text_of(&html, "notices-off").is_some());
}

#[tokio::test]
async fn a_product_asking_for_invoices_gives_them_to_business_customers_with_their_vat_number() {
    let shop = Shop::new().await;
    // The product says "always"; the request says nothing.
    let product = shop
        .api()
        .post_ok(
            "/api/v1/products",
            json!({"name": "Zakelijk", "amount": "100.00", "vat_rate": "21", "interval": "1 month",
                   "prices_include_vat": false, "invoices": "always"}),
            201,
        )
        .await;
    assert_eq!(product["invoices"], "always");
    let bad = problem(
        shop.api()
            .post(
                "/api/v1/customers",
                json!({"company": "Bedrijf", "vat_number": "NL12"}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "vat_number");
    let customer = shop
        .api()
        .post_ok(
            "/api/v1/customers",
            json!({"company": "Brouwerij De Zon", "last_name": "Peeters", "email": "zon@example.be",
                   "vat_number": "be 0123.456.789", "language": "nl"}),
            201,
        )
        .await;
    assert_eq!(customer["vat_number"], "BE0123456789");
    let customer_id = customer["id"].as_str().unwrap();
    let mandate = shop
        .api()
        .post_ok(
            "/api/v1/mandates",
            json!({"customer_id": customer_id, "reference": "ZON-1", "signature_date": "2026-01-15",
                   "iban": "NL91 ABNA 0417 1643 00", "account_holder": "De Zon"}),
            201,
        )
        .await;
    let subscription = shop
        .api()
        .post_ok(
            "/api/v1/subscriptions",
            json!({"customer_id": customer_id, "product_id": product["id"],
                   "mandate_id": mandate["id"], "start_date": today().to_string()}),
            201,
        )
        .await;
    assert_eq!(
        subscription["options"]["create_invoice"], true,
        "from the product"
    );
    shop.bill().await;
    let invoice = shop.invoices("").await.remove(0);
    // € 100.00 excluding VAT is collected as € 121.00: the invoice gives the net back exactly.
    assert_eq!(invoice["amount_excl_vat"], "100.00");
    assert_eq!(invoice["vat_amount"], "21.00");
    assert_eq!(invoice["language"], "nl");
    let number = invoice["number"].as_str().unwrap();
    let customer_page = shop
        .app
        .page(&format!("/admin/customers/{customer_id}"))
        .await;
    assert!(
        text_of(&customer_page, "recent-invoices")
            .unwrap()
            .contains(number)
    );
    assert!(
        text_of(&customer_page, "vat-number")
            .unwrap()
            .contains("BE0123456789")
    );
    let subscription_page = shop
        .app
        .page(&format!(
            "/admin/subscriptions/{}",
            subscription["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        text_of(&subscription_page, "recent-invoices")
            .unwrap()
            .contains(number)
    );
    if installed("pdftotext") {
        let text = pdf_text(&shop.pdf(invoice["id"].as_str().unwrap()).await);
        for needle in [
            "Factuur",
            "BE0123456789",
            "Brouwerij De Zon",
            "€ 100,00",
            "€ 121,00",
        ] {
            assert!(text.contains(needle), "{needle:?} in {text}");
        }
    }
    // The admin form refuses a bad VAT number next to the field.
    let response = shop
        .app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("last_name", "Jansen"),
                ("vat_number", "NL1234"),
                ("payment_method", "direct_debit"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "vat_number-error")
            .unwrap()
            .contains("NL123456789B01")
    );
}
