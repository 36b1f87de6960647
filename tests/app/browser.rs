//! Real-browser tests: headless Chromium driven through chromedriver (WebDriver). CI installs both
//! and fails without them; locally the tests skip with a printed reason when they are missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::AsyncWriteExt;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::sinks::SmtpSink;

/// A chromedriver process and a Chromium session.
struct Browser {
    client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Runs a test body, then closes Chromium whether the body passed or panicked (otherwise
    /// Chromium processes would outlive the test).
    async fn run<F: std::future::Future<Output = ()>>(self, body: impl FnOnce(Client) -> F) {
        use futures_util::FutureExt;
        let outcome = std::panic::AssertUnwindSafe(body(self.client.clone()))
            .catch_unwind()
            .await;
        let _ = self.client.clone().close().await;
        drop(self);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts Chromium, or says why not: `None` locally, a failure in CI.
async fn browser() -> Option<Browser> {
    if !installed("chromedriver") || !installed("chromium") {
        let reason =
            "chromium and chromedriver are not installed (Debian: chromium, chromium-driver)";
        assert!(std::env::var("CI").is_err(), "browser tests need {reason}");
        eprintln!("skipping browser test: {reason}");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // chromedriver says when it listens.
    let stdout = driver.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        if line.unwrap_or_default().contains("started successfully") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let profile = tempfile::tempdir().unwrap().keep();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,1400", format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    Some(Browser { client, driver })
}

/// Saves what the browser shows under target/screenshots/ for people to look at.
async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.png")),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
}

async fn fill(client: &Client, name: &str, value: &str) {
    let field = client
        .find(Locator::Css(&format!("[name='{name}']")))
        .await
        .unwrap_or_else(|_| panic!("field {name}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the page shows `css` (after a click that navigates), then returns its text. A
/// page that replaces the element between finding and reading it (a refresh) is read again.
async fn wait_for(client: &Client, css: &str) -> String {
    use fantoccini::error::{CmdError, ErrorStatus};
    for _ in 0..5 {
        let element = client
            .wait()
            .at_most(std::time::Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("the page never showed {css}"));
        match element.text().await {
            Ok(text) => return text,
            Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {}
            Err(e) => panic!("reading {css}: {e}"),
        }
    }
    panic!("the page kept replacing {css}")
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .text()
        .await
        .unwrap()
}

/// A web server on another port serving one page: the merchant's own website.
async fn website(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    origin
}

/// First-run setup through the form; ends on the settings page it leads to.
async fn set_up_in_the_browser(client: &Client, address: &str) {
    client.goto(&format!("{address}/")).await.unwrap();
    fill(client, "merchant_name", "Fietsabo").await;
    fill(client, "email", "owner@example.com").await;
    fill(client, "password", "correct horse battery").await;
    fill(client, "password_confirm", "correct horse battery").await;
    click(client, "button[type=submit]").await;
    wait_for(client, "input[name='creditor_id']").await;
}

/// The merchant sets everything up in the browser: setup, product, sign-up page; returns the link.
async fn merchant_creates_a_page(
    app: &TestApp,
    client: &Client,
    allowed_origin: &str,
    success_url: &str,
) -> String {
    set_up_in_the_browser(client, &app.address).await;

    client.goto(&app.url("/admin/products/new")).await.unwrap();
    fill(client, "name", "Fiets Plus").await;
    fill(client, "price", "12.95").await;
    click(client, "form.panel button[type=submit]").await;
    assert!(
        wait_for(client, "tr[id^='product-']")
            .await
            .contains("Fiets Plus")
    );

    client.goto(&app.url("/admin/pages/new")).await.unwrap();
    fill(client, "title", "Word lid van Fietsabo").await;
    fill(client, "slug", "fiets-plus").await;
    click(client, "input[name^='product_']").await;
    fill(client, "allowed_origins", allowed_origin).await;
    fill(client, "success_url", success_url).await;
    click(client, "form.panel button[type=submit]").await;
    wait_for(client, "#public-link").await;
    let link = client
        .find(Locator::Id("public-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link, app.url("/s/fiets-plus"));
    screenshot(client, "1-merchant-sign-up-page").await;
    link
}

#[tokio::test]
async fn a_customer_signs_up_on_the_hosted_page_and_confirms_by_email() {
    let Some(browser) = browser().await else {
        return;
    };
    browser.run(customer_signs_up).await;
}

async fn customer_signs_up(client: Client) {
    let client = &client;
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        s.mandates.min_fill_seconds = 0;
    })
    .await;
    let link = merchant_creates_a_page(&app, client, "https://www.fietsabo.example", "").await;

    client.goto(&link).await.unwrap();
    client.set_window_size(390, 844).await.unwrap();
    // The language switcher, as on the mandate page.
    click(client, "nav.languages a[lang='nl']").await;
    until(
        client,
        "document.getElementById('submit').textContent.trim() === 'Aanmelden'",
        "the page in Dutch",
    )
    .await;
    click(client, "nav.languages a[lang='en']").await;
    until(
        client,
        "document.getElementById('submit').textContent.trim() === 'Sign up'",
        "the page in English",
    )
    .await;
    fill(client, "first_name", "Jan").await;
    fill(client, "last_name", "de Vries").await;
    fill(client, "email", "jan@example.nl").await;
    fill(client, "account_holder", "J. de Vries").await;
    click(client, "#consent").await;
    // The wrong IBAN typed last: the tap on the button that leaves the field must land (a
    // message appearing under the finger would move the button away and lose the tap).
    fill(client, "iban", "NL91 ABNA 0417 1643 01").await;
    click(client, "#submit").await;
    assert!(
        wait_for(client, "#notice").await.contains("correct"),
        "the first tap submitted the form"
    );
    assert!(text(client, "#iban-error").await.contains("IBAN"));
    // Checked as typed (leaving the field) in the field's one message, the server's.
    fill(client, "iban", "NL91 ABNA 0417 1643 02").await;
    fill(client, "account_holder", "J. de Vries").await;
    let messages = client
        .find_all(Locator::Css(".field:has(#iban) .field-error"))
        .await
        .unwrap();
    assert_eq!(messages.len(), 1, "one message under the IBAN field");
    assert!(
        messages[0].text().await.unwrap().contains("IBAN"),
        "live IBAN check"
    );
    screenshot(client, "2-customer-iban-message").await;
    fill(client, "iban", "NL91 ABNA 0417 1643 00").await;
    fill(client, "account_holder", "J. de Vries").await;
    assert_eq!(
        text(client, "#iban-error").await,
        "",
        "the message goes once the IBAN is right"
    );
    click(client, "#submit").await;
    wait_for(client, "#text").await;
    assert_eq!(text(client, "#title").await, "Check your email");
    assert!(
        text(client, "#summary").await.contains("Fiets Plus"),
        "what was ordered"
    );
    screenshot(client, "2-customer-check-email").await;

    app.outbox.deliver_due().await.unwrap();
    let email = sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let body = parsed.subparts[0].get_body().unwrap();
    let confirm = body
        .split_whitespace()
        .find(|w| w.contains("/m/"))
        .unwrap()
        .to_string();
    client.goto(&confirm).await.unwrap();
    assert!(text(client, "#title").await.contains("SEPA"));
    click(client, "button[value=confirm]").await;
    wait_for(client, "#notice").await;
    assert_eq!(
        text(client, "#title").await,
        "Thank you, your mandate is confirmed"
    );
    let summary = text(client, "#summary").await;
    assert!(
        summary.contains("Fiets Plus") && summary.contains("12.95"),
        "{summary}"
    );
    screenshot(client, "2-customer-confirmed").await;

    client.goto(&app.url("/admin/subscriptions")).await.unwrap();
    assert!(wait_for(client, "#subscriptions").await.contains("active"));
    screenshot(client, "2-merchant-sees-active-subscription").await;
}

#[tokio::test]
async fn the_page_works_inside_an_iframe_on_an_allowed_site_only() {
    let Some(browser) = browser().await else {
        return;
    };
    browser.run(iframe_on_allowed_sites).await;
}

/// Evaluates a JavaScript expression in the current frame as a number.
async fn number(client: &Client, js: &str) -> f64 {
    client
        .execute(&format!("return {js}"), vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("{js} is not a number"))
}

/// Asks `probe` every 50 ms, for up to 30 s (as `wait_for`), until it answers `Ok`; the last
/// `Err` says what never happened.
async fn poll<T>(mut probe: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
    loop {
        tick.tick().await;
        match probe().await {
            Ok(done) => return done,
            Err(what) => assert!(std::time::Instant::now() < deadline, "never {what}"),
        }
    }
}

/// Waits until a JavaScript condition holds in the current frame.
async fn until(client: &Client, js: &str, what: &str) {
    poll(async || {
        let held = client.execute(&format!("return !!({js})"), vec![]).await;
        match held.ok().and_then(|v| v.as_bool()) {
            Some(true) => Ok(()),
            _ => Err(what.to_string()),
        }
    })
    .await
}

/// Waits until the frame (entered from the embedding page) is as tall as the page inside it;
/// returns that height.
async fn until_fitted(client: &Client, what: &str) -> f64 {
    poll(async || {
        client.enter_frame(0).await.unwrap();
        let inside = number(
            client,
            "document.documentElement.getBoundingClientRect().height",
        )
        .await;
        client.enter_parent_frame().await.unwrap();
        let frame = number(
            client,
            "document.getElementById('signup').getBoundingClientRect().height",
        )
        .await;
        if (frame - inside).abs() < 2.0 {
            Ok(inside)
        } else {
            Err(format!("{what}: frame {frame}, page {inside}"))
        }
    })
    .await
}

/// Waits until the frame's element `#{id}` is on the embedding page's screen (entered from the
/// embedding page: the frame's document is another origin, so its offset is read inside it).
async fn until_in_view(client: &Client, id: &str) {
    let offset =
        format!("document.getElementById('{id}').getBoundingClientRect().top + window.scrollY");
    poll(async || {
        client.enter_frame(0).await.unwrap();
        let inside = number(client, &offset).await;
        client.enter_parent_frame().await.unwrap();
        let top = inside
            + number(
                client,
                "document.getElementById('signup').getBoundingClientRect().top",
            )
            .await;
        let screen = number(client, "window.innerHeight").await;
        if (0.0..screen - 40.0).contains(&top) {
            Ok(())
        } else {
            Err(format!("#{id} in view: at {top} of {screen}"))
        }
    })
    .await
}

async fn iframe_on_allowed_sites(client: Client) {
    let client = &client;
    let app = spawn_app_with(|s| s.mandates.min_fill_seconds = 0).await;
    // The merchant's page, in Dutch, with a tall header above the frame (the snippet's height),
    // counting the sign-ups the frame reports.
    let frame = |src: String| {
        format!(
            "<!doctype html><html lang=\"nl\"><title>Shop</title><h1 style=\"height:900px\">Our shop</h1>\
             <iframe id=\"signup\" src=\"{src}\" style=\"width:100%;border:0;height:640px\"></iframe>\
             <p>Footer</p><script src=\"{}/static/embed.js\" defer></script>\
             <script>window.signedUp = []; document.addEventListener('abbo:signed-up', function (e) {{ window.signedUp.push(e.detail.channel); }});</script>",
            app.address
        )
    };
    let src = app.url("/s/fiets-plus?embed=1");
    let allowed = website(frame(src.clone())).await;
    let other = website(frame(src)).await;
    merchant_creates_a_page(
        &app,
        client,
        &allowed,
        "https://www.fietsabo.example/bedankt",
    )
    .await;
    // The editor documents the event the embedding page gets.
    assert!(
        text(client, "#snippet-hint")
            .await
            .contains("abbo:signed-up")
    );

    client.set_window_size(390, 844).await.unwrap();
    client.goto(&allowed).await.unwrap();
    let form_height = until_fitted(client, "fitted to the form").await;

    // A mistake: the error summary is brought into view, the frame fits the longer page.
    client.enter_frame(0).await.unwrap();
    assert_eq!(text(client, "#title").await, "Word lid van Fietsabo");
    fill(client, "first_name", "Ann").await;
    fill(client, "last_name", "Bakker").await;
    fill(client, "email", "ann@example").await;
    fill(client, "iban", "DE89370400440532013000").await;
    fill(client, "account_holder", "Ann Bakker").await;
    click(client, "#consent").await;
    click(client, "#submit").await;
    wait_for(client, "#notice").await;
    client.enter_parent_frame().await.unwrap();
    let error_height = until_fitted(client, "fitted to the form with its errors").await;
    assert!(
        error_height > form_height,
        "the errors make the form longer"
    );
    until_in_view(client, "notice").await;
    screenshot(client, "3-iframe-error-in-view").await;

    // Signed up: the frame shrinks to the message and shows it; the embedding page hears of it
    // and stays (the success page follows the confirmation, not the sign-up).
    client.enter_frame(0).await.unwrap();
    fill(client, "email", "ann@example.nl").await;
    click(client, "#submit").await;
    wait_for(client, "#text").await;
    assert_eq!(text(client, "#title").await, "Check your email");
    client.enter_parent_frame().await.unwrap();
    let done_height = until_fitted(client, "fitted to the message").await;
    assert!(
        done_height < form_height / 2.0,
        "the frame shrank to the message ({done_height}) from the form ({form_height})"
    );
    until_in_view(client, "title").await;
    until(
        client,
        "window.signedUp.length === 1 && window.signedUp[0] === 'email'",
        "the abbo:signed-up event",
    )
    .await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(&allowed),
        "no navigation"
    );
    screenshot(client, "3-iframe-signed-up").await;

    // Another site gets no form: the browser refuses to frame the page, and embed.js offers it
    // in a new tab instead of an empty box.
    client.goto(&other).await.unwrap();
    let fallback = wait_for(client, "a.abbo-fallback").await;
    assert!(
        fallback.contains("nieuw tabblad"),
        "in the page's language: {fallback}"
    );
    let href = client
        .find(Locator::Css("a.abbo-fallback"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(href, app.url("/s/fiets-plus"));
    assert_eq!(
        number(
            client,
            "document.getElementById('signup').getBoundingClientRect().height"
        )
        .await,
        0.0,
        "the broken frame is hidden"
    );
    client.enter_frame(0).await.unwrap();
    assert!(
        client.find(Locator::Css("#title")).await.is_err(),
        "the form must not load on a site that is not allowed"
    );
    client.enter_parent_frame().await.unwrap();
    client
        .execute(
            "document.querySelector('a.abbo-fallback').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(client, "3-iframe-refused-site").await;
}

#[tokio::test]
async fn a_customer_pays_the_first_period_online_after_a_failed_attempt() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app_with(|s| s.mandates.min_fill_seconds = 0).await;
    app.setup().await;
    let product = app.product(&[("method_online_payment", "on")]).await;
    let key = format!("product_{product}");
    let response = app
        .submit(
            "/admin/pages/new",
            "/admin/pages",
            &[
                ("title", "Pay online"),
                ("slug", "online"),
                (key.as_str(), "on"),
                ("mandate_type", "online_payment"),
                ("start_rule", "today"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let link = app.url("/s/online");
    browser
        .run(|client| async move {
            let client = &client;
            client.goto(&link).await.unwrap();
            fill(client, "first_name", "Piet").await;
            fill(client, "last_name", "Visser").await;
            fill(client, "email", "piet@example.nl").await;
            click(client, "#consent").await;
            click(client, "#submit").await;
            assert!(wait_for(client, "#title").await.starts_with("Pay"));
            click(client, "#pay-failed").await;
            wait_for(client, "#retry").await;
            assert_eq!(
                text(client, "#title").await,
                "The payment did not go through"
            );
            screenshot(client, "4-online-payment-failed").await;
            click(client, "#retry").await;
            wait_for(client, "#pay-paid").await;
            fill(client, "iban", "NL91 ABNA 0417 1643 00").await;
            click(client, "#pay-paid").await;
            wait_for(client, "#text").await;
            assert_eq!(
                text(client, "#title").await,
                "Thank you, your payment is received"
            );
            screenshot(client, "4-online-payment-paid").await;
        })
        .await;
    assert!(app.page("/admin/mandates").await.contains("online payment"));
    assert!(
        crate::helpers::text_of(&app.page("/admin/subscriptions").await, "subscriptions")
            .unwrap()
            .contains("active")
    );
}

#[tokio::test]
async fn a_developer_creates_an_api_key_in_the_browser_and_uses_it() {
    let Some(browser) = browser().await else {
        return;
    };
    let app = spawn_app().await;
    let address = app.address.clone();
    let key = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let shown = key.clone();
    browser
        .run(|client| async move {
            let client = &client;
            set_up_in_the_browser(client, &address).await;

            client.goto(&format!("{address}/admin")).await.unwrap();
            click(client, "nav a[href='/admin/developers']").await;
            fill(client, "name", "Webshop").await;
            click(
                client,
                "form[action='/admin/developers/keys'] button[type=submit]",
            )
            .await;
            wait_for(client, "#new-api-key").await;
            let value = client
                .find(Locator::Id("new-api-key"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .unwrap();
            *shown.lock().unwrap() = value;
            screenshot(client, "5-developer-new-api-key").await;

            click(client, "a[href='/admin/developers/api']").await;
            assert!(wait_for(client, "h1").await.contains("API reference"));
            screenshot(client, "5-developer-api-reference").await;
        })
        .await;
    let key = key.lock().unwrap().clone();
    assert!(key.starts_with("abbo_"), "{key}");
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"last_name": "de Vries"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
}

#[tokio::test]
async fn a_merchant_imports_a_csv_in_the_browser_and_watches_it_finish() {
    let Some(browser) = browser().await else {
        return;
    };
    // The background workers run, as in production: the commit happens after the request.
    let app = spawn_app_with(|s| s.outbox.worker = true).await;
    let file = app.data_dir.path().join("klanten.csv");
    std::fs::write(
        &file,
        "Voornaam;Achternaam;E-mailadres;IBAN;Tenaamstelling;Datum ondertekening\n\
         Jan;de Vries;jan@example.nl;NL91ABNA0417164300;J. de Vries;15-01-2026\n\
         Piet;Visser;piet@example.nl;NL00BANK0000000000;P. Visser;15-01-2026\n",
    )
    .unwrap();
    let address = app.address.clone();
    browser
        .run(|client| async move {
            let client = &client;
            set_up_in_the_browser(client, &address).await;
            client.goto(&format!("{address}/admin")).await.unwrap();
            click(client, "nav a[href='/admin/import']").await;
            client
                .find(Locator::Id("import-file"))
                .await
                .unwrap()
                .send_keys(&file.display().to_string())
                .await
                .unwrap();
            click(
                client,
                "form[enctype='multipart/form-data'] button[type=submit]",
            )
            .await;
            wait_for(client, "#mapping").await;
            click(client, "#mapping button[type=submit]").await;
            assert_eq!(wait_for(client, "#count-new").await, "1");
            assert_eq!(text(client, "#count-rejected").await, "1");
            assert!(text(client, "#rejected").await.contains("IBAN"));
            screenshot(client, "6-import-preview").await;
            click(client, "form[action$='/commit'] button[type=submit]").await;
            // The page refreshes itself until the worker is done.
            assert!(
                wait_for(client, "#done")
                    .await
                    .contains("Done: 1 row written")
            );
            screenshot(client, "6-import-done").await;
        })
        .await;
    app.login_as(&app.client, "owner@example.com", "correct horse battery")
        .await;
    let customers = app.page("/admin/customers").await;
    assert!(customers.contains("de Vries") && !customers.contains("Visser"));
}

#[tokio::test]
async fn a_merchant_collects_a_file_and_reads_the_banks_return_in_the_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    use crate::collections::{Collector, camt054, end_to_end_ids};
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    let date = c.file_date().await.to_string();
    let transaction = c.transaction_of(&ids.subscription).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let returns = c.app.data_dir.path().join("camt054.xml");
    let address = c.app.address.clone();
    let c = &c;
    browser
        .run(|client| async move {
            let client = &client;
            client.goto(&format!("{address}/login")).await.unwrap();
            fill(client, "email", crate::helpers::OWNER_EMAIL).await;
            fill(client, "password", crate::helpers::OWNER_PASSWORD).await;
            click(client, "button[type=submit]").await;
            wait_for(client, "nav").await;
            click(client, "nav a[href='/admin/collections']").await;
            let proposed = wait_for(client, "#proposed").await;
            assert!(proposed.contains("earliest possible collection date"), "{proposed}");
            fill(client, "date", &date).await;
            screenshot(client, "7-collections").await;
            click(client, "#create-form button[type=submit]").await;
            assert_eq!(wait_for(client, "#status").await, "exported");
            assert!(text(client, "#count").await.starts_with('1'));
            screenshot(client, "7-collection-file").await;
            // The download, as the browser gets it.
            let xml = client
                .execute_async(
                    "const done = arguments[arguments.length - 1]; \
                     fetch(document.getElementById('download').href).then(r => r.text()).then(done);",
                    vec![],
                )
                .await
                .unwrap();
            let xml = xml.as_str().unwrap().to_string();
            assert!(xml.contains("<NbOfTxs>1</NbOfTxs>") && xml.contains("pain.008.001.02"));
            click(client, "#submit").await;
            wait_for(client, ".flash-success").await;
            assert_eq!(text(client, "#status").await, "submitted");
            // The bank returns the debit: insufficient funds, no retry left after one.
            let e2e = end_to_end_ids(c, &transaction).await;
            c.exec("UPDATE merchants SET retry_count = 0").await;
            std::fs::write(&returns, camt054("RET-B", &[(&e2e[0], "AM04", 1295)])).unwrap();
            client.goto(&format!("{address}/admin/collections")).await.unwrap();
            client
                .find(Locator::Id("return-file"))
                .await
                .unwrap()
                .send_keys(&returns.display().to_string())
                .await
                .unwrap();
            click(client, "#returns-form button[type=submit]").await;
            assert_eq!(wait_for(client, "#applied").await, "1");
            screenshot(client, "7-return-file").await;
            client
                .goto(&format!("{address}/admin/transactions/{transaction}"))
                .await
                .unwrap();
            assert_eq!(wait_for(client, "#status").await, "failed");
            let timeline = text(client, "#timeline").await;
            for step in ["exported", "submitted", "returned", "failed", "AM04"] {
                assert!(timeline.contains(step), "{step} in {timeline}");
            }
            screenshot(client, "7-failed-transaction").await;
        })
        .await;
}
