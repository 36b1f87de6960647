//! The email/SMS mandate flow end to end: link, page in the customer's language, confirmation
//! with evidence, and every bad path.

use abbo::domain::Iban;
use abbo::domain::id::{IdPrefix, new_id};
use abbo::notify::Channel;
use abbo::services::mandates::{self, LinkSettings, MandateRequest, Requested};
use abbo::store::customers::{self, NewCustomer};
use abbo::store::products::{self, NewProduct};
use abbo::store::{self, mandates as mandate_store, merchants, subscriptions};
use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;

use crate::helpers::{TestApp, browser, customer_page, dutch_date, spawn_app_with, text_of};
use crate::sinks::{HttpSink, SmtpSink};

struct Flow {
    app: TestApp,
    sink: SmtpSink,
    merchant_id: String,
}

async fn flow() -> Flow {
    flow_with(|_| {}).await
}

async fn flow_with(adjust: impl FnOnce(&mut abbo::config::Settings)) -> Flow {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = spawn_app_with(|s| {
        s.email.url = url;
        adjust(s);
    })
    .await;
    app.setup().await;
    let response = app
        .submit(
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Fietsabo"),
                ("legal_name", "Fietsabo B.V."),
                ("street", "Keizersgracht 1"),
                ("postal_code", "1015 CJ"),
                ("city", "Amsterdam"),
                ("country", "NL"),
                ("creditor_id", "NL79ZZZ999999990000"),
                ("creditor_iban", "NL91ABNA0417164300"),
                ("default_language", "en"),
                ("brand_colour", "#1f5f8b"),
                ("contact_email", "help@fietsabo.nl"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let merchant_id = merchants::list(&app.db).await.unwrap().remove(0).id;
    Flow {
        app,
        sink,
        merchant_id,
    }
}

struct Options {
    channel: Channel,
    language: Option<&'static str>,
    start_date: NaiveDate,
    redirect: Option<String>,
    validity: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            channel: Channel::Email,
            language: Some("nl"),
            start_date: crate::helpers::today(),
            redirect: None,
            validity: Duration::days(14),
        }
    }
}

impl Flow {
    /// A customer and product, and a mandate request for them; returns what was created.
    async fn request(&self, options: Options) -> Requested {
        let db = &self.app.db;
        let customer_id = new_id(IdPrefix::Customer);
        let product_id = new_id(IdPrefix::Product);
        let mut tx = db.begin().await.unwrap();
        customers::insert(
            &mut tx,
            &NewCustomer {
                id: customer_id.clone(),
                merchant_id: self.merchant_id.clone(),
                first_name: "Jan".into(),
                last_name: "de Vries".into(),
                email: "jan@example.nl".into(),
                phone: "+31612345678".into(),
                language: options.language.map(str::to_string),
                ..NewCustomer::default()
            },
            store::now(),
        )
        .await
        .unwrap();
        products::insert(
            &mut tx,
            &NewProduct {
                id: product_id.clone(),
                merchant_id: self.merchant_id.clone(),
                name: "Fiets Plus".into(),
                description: String::new(),
                amount_minor: 1295,
                vat_basis_points: 2100,
                prices_include_vat: true,
                billing_interval: "1 month".into(),
            },
            store::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let links = LinkSettings {
            base_url: self.app.address.clone(),
            validity: options.validity,
        };
        let user = abbo::store::users::find_by_email(db, crate::helpers::OWNER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        mandates::request(
            db,
            &links,
            &user,
            MandateRequest {
                merchant_id: self.merchant_id.clone(),
                customer_id,
                product_id,
                iban: Some(Iban::parse("NL91ABNA0417164300").unwrap()),
                bic: None,
                account_holder: "J. de Vries".into(),
                channel: options.channel,
                start_date: options.start_date,
                success_redirect_url: options.redirect,
                new_customer: None,
                form_nonce: None,
                options: Default::default(),
                deliver: true,
            },
        )
        .await
        .unwrap()
    }

    /// Delivers the outbox and returns the link in the one email the customer got.
    async fn link_from_email(&mut self) -> String {
        self.app.outbox.deliver_due().await.unwrap();
        let email = self.sink.next();
        assert_eq!(email.to, vec!["<jan@example.nl>"]);
        let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
        let text = parsed.subparts[0].get_body().unwrap();
        text.split_whitespace()
            .find(|w| w.contains("/m/"))
            .expect("a confirmation link")
            .to_string()
    }

    fn path(link: &str) -> String {
        link[link.find("/m/").unwrap()..].to_string()
    }

    async fn answer(&self, link: &str, answer: &str, lang: &str) -> reqwest::Response {
        browser()
            .post(self.app.url(&Self::path(link)))
            .header("User-Agent", "MandateTest/1.0")
            .form(&[("answer", answer), ("lang", lang)])
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_customer_confirms_the_mandate_from_the_email_link() {
    let mut flow = flow().await;
    let requested = flow.request(Options::default()).await;
    let link = flow.link_from_email().await;
    assert_eq!(link, requested.confirmation_url);

    // The page speaks the customer's language (Dutch) and shows the SEPA mandate.
    let visitor = browser();
    let response = visitor.get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "customer pages set no cookies"
    );
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Machtiging SEPA-incasso")
    );
    assert_eq!(text_of(&html, "creditor").as_deref(), Some("Fietsabo B.V."));
    assert_eq!(
        text_of(&html, "creditor-id").as_deref(),
        Some("NL79ZZZ999999990000")
    );
    assert_eq!(
        text_of(&html, "iban").as_deref(),
        Some("NL91 **** **** **43 00")
    );
    assert!(
        text_of(&html, "reference")
            .unwrap()
            .starts_with("FIETSABO-")
    );
    assert!(
        text_of(&html, "consent")
            .unwrap()
            .contains("binnen 8 weken")
    );
    assert!(html.contains("€ 12,95 per maand"), "Dutch amounts");

    // And in English on request.
    let html = visitor
        .get(format!("{link}?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("SEPA Direct Debit Mandate")
    );
    assert!(
        text_of(&html, "consent")
            .unwrap()
            .contains("within 8 weeks")
    );

    let response = flow.answer(&link, "confirm", "en").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Thank you, your mandate is confirmed")
    );

    let db = &flow.app.db;
    let mandate = mandate_store::get(db, &flow.merchant_id, &requested.mandate_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mandate.status, "valid");
    assert_eq!(mandate.signed_on, Some(crate::helpers::today()));
    let evidence = mandate_store::evidence_for(db, &flow.merchant_id, &mandate.id)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].ip_address, "127.0.0.1");
    assert_eq!(evidence[0].user_agent, "MandateTest/1.0");
    assert_eq!(evidence[0].language, "en");
    assert_eq!(evidence[0].text_version, mandates::MANDATE_TEXT_VERSION);
    let subs = subscriptions::for_mandate(db, &flow.merchant_id, &mandate.id)
        .await
        .unwrap();
    assert_eq!(subs[0].status, "active", "starts today");

    // A confirmation email follows, in the language the customer confirmed in.
    flow.app.outbox.deliver_due().await.unwrap();
    let email = flow.sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key_ref() == "Subject")
        .unwrap()
        .get_value();
    assert_eq!(
        subject,
        "Fietsabo B.V.: your direct debit mandate is confirmed"
    );
    // It says when the first collection is: the start (today) plus the 14 days' notice, on a
    // business day.
    let text = parsed.subparts[0].get_body().unwrap();
    let first = abbo::domain::calendar::business_day_on_or_after(
        crate::helpers::today() + chrono::Duration::days(14),
    );
    let expected = abbo::i18n::long_date(abbo::domain::Language::En, first);
    assert!(
        text.contains(&format!("The first collection of € 12.95 is on {expected}")),
        "{text}"
    );

    // The merchant sees the evidence and the activity.
    let admin = flow
        .app
        .page(&format!("/admin/mandates/{}", mandate.id))
        .await;
    assert_eq!(text_of(&admin, "status").as_deref(), Some("valid"));
    assert!(
        text_of(&admin, "evidence")
            .unwrap()
            .contains("MandateTest/1.0")
    );
    assert!(flow.app.page("/admin").await.contains("mandate.confirmed"));

    // The link works once: a second confirmation and a later visit say it is confirmed.
    let again = flow.answer(&link, "confirm", "en").await;
    assert_eq!(again.status(), StatusCode::OK);
    let html = again.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Your mandate is confirmed")
    );
    assert!(!html.contains("already been used"));
    assert_eq!(
        visitor.get(&link).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        mandate_store::evidence_for(db, &flow.merchant_id, &mandate.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_double_click_confirms_once() {
    let mut flow = flow().await;
    flow.request(Options::default()).await;
    let link = flow.link_from_email().await;
    let (a, b) = tokio::join!(
        flow.answer(&link, "confirm", "nl"),
        flow.answer(&link, "confirm", "nl")
    );
    assert_eq!([a.status(), b.status()], [StatusCode::OK, StatusCode::OK]);
    let titles = [
        text_of(&a.text().await.unwrap(), "title").unwrap(),
        text_of(&b.text().await.unwrap(), "title").unwrap(),
    ];
    assert!(
        titles.contains(&"Uw machtiging is bevestigd".to_string()),
        "the second click is told it is confirmed: {titles:?}"
    );
    let report = flow.app.outbox.deliver_due().await.unwrap();
    assert_eq!(report.sent, 1, "one confirmation email");
}

#[tokio::test]
async fn a_future_start_is_planned_and_the_success_url_is_followed() {
    let mut flow = flow().await;
    let start = crate::helpers::today() + Duration::days(10);
    let requested = flow
        .request(Options {
            start_date: start,
            redirect: Some("https://fietsabo.example/welkom".into()),
            ..Options::default()
        })
        .await;
    let link = flow.link_from_email().await;
    let response = flow.answer(&link, "confirm", "nl").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::helpers::location(&response),
        "https://fietsabo.example/welkom"
    );
    let subs = subscriptions::for_mandate(&flow.app.db, &flow.merchant_id, &requested.mandate_id)
        .await
        .unwrap();
    assert_eq!(subs[0].status, "planned");
}

#[tokio::test]
async fn this_is_not_me_ends_the_sign_up() {
    let mut flow = flow().await;
    let requested = flow.request(Options::default()).await;
    let link = flow.link_from_email().await;
    let response = flow.answer(&link, "decline", "de").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Die Anmeldung wurde abgebrochen")
    );
    // The legal name ends in a full stop: the sentence it ends has one, not two.
    let notice = text_of(&html, "notice").unwrap();
    assert!(notice.contains("Fietsabo B.V."), "{notice}");
    assert!(!notice.contains("B.V.."), "{notice}");
    let db = &flow.app.db;
    let mandate = mandate_store::get(db, &flow.merchant_id, &requested.mandate_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mandate.status, "revoked");
    let subs = subscriptions::for_mandate(db, &flow.merchant_id, &mandate.id)
        .await
        .unwrap();
    assert_eq!(subs[0].status, "ended");
    assert_eq!(
        browser().get(&link).send().await.unwrap().status(),
        StatusCode::GONE
    );
    assert!(
        flow.sink.is_empty() && flow.app.outbox.deliver_due().await.unwrap().sent == 0,
        "no confirmation email"
    );
}

#[tokio::test]
async fn expired_unknown_and_tampered_links_get_a_friendly_page() {
    let mut flow = flow().await;
    flow.request(Options {
        validity: Duration::seconds(-1),
        language: Some("fr"),
        ..Options::default()
    })
    .await;
    let link = flow.link_from_email().await;
    let response = browser().get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let html = response.text().await.unwrap();
    assert!(html.contains("Ce lien a expiré."));
    assert!(html.contains("help@fietsabo.nl"));
    assert_eq!(
        flow.answer(&link, "confirm", "fr").await.status(),
        StatusCode::GONE
    );

    let mut tampered = link.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for url in [
        tampered,
        flow.app.url("/m/not-a-token"),
        flow.app.url("/m/%00%ff"),
    ] {
        let response = browser().get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This link is not valid")
        );
    }
    let response = flow
        .answer(&flow.app.url("/m/not-a-token"), "confirm", "en")
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_resent_link_withdraws_the_old_one() {
    let mut flow = flow().await;
    let requested = flow.request(Options::default()).await;
    let old = flow.link_from_email().await;
    let page = format!("/admin/mandates/{}", requested.mandate_id);
    let response = flow.app.submit(&page, &format!("{page}/resend"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        flow.app
            .page(&page)
            .await
            .contains("A new link is on its way")
    );
    let new = flow.link_from_email().await;
    assert_ne!(old, new);
    let response = browser().get(&old).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Deze link is ingetrokken.")
    );
    assert_eq!(
        flow.answer(&new, "confirm", "nl").await.status(),
        StatusCode::OK
    );
    // A valid mandate gets no new link.
    flow.app.submit(&page, &format!("{page}/resend"), &[]).await;
    assert!(
        flow.app
            .page(&page)
            .await
            .contains("Only a mandate that waits for confirmation")
    );
}

#[tokio::test]
async fn the_merchant_revokes_a_mandate_and_its_link_stops_working() {
    let mut flow = flow().await;
    let requested = flow.request(Options::default()).await;
    let link = flow.link_from_email().await;
    let page = format!("/admin/mandates/{}", requested.mandate_id);

    let viewer = flow
        .app
        .user_with_role("viewer@example.com", "viewer")
        .await;
    let refused = flow
        .app
        .submit_as(&viewer, &page, &format!("{page}/revoke"), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let response = flow.app.submit(&page, &format!("{page}/revoke"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = flow.app.page(&page).await;
    assert_eq!(text_of(&html, "status").as_deref(), Some("revoked"));
    assert!(html.contains("ended"));
    let response = browser().get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    flow.app.submit(&page, &format!("{page}/revoke"), &[]).await;
    assert!(flow.app.page(&page).await.contains("already revoked"));
    assert!(
        flow.app
            .page("/admin/mandates")
            .await
            .contains("Jan de Vries")
    );
}

#[tokio::test]
async fn the_link_can_go_by_text_message() {
    let mut gateway = HttpSink::start(vec![]).await;
    let url = gateway.url.clone();
    let flow = flow_with(|s| s.sms.url = url).await;
    let requested = flow
        .request(Options {
            channel: Channel::Sms,
            ..Options::default()
        })
        .await;
    assert_eq!(flow.app.outbox.deliver_due().await.unwrap().sent, 1);
    let request = gateway.next();
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["recipients"][0], "+31612345678");
    let text = body["body"].as_str().unwrap();
    assert!(
        text.starts_with("Fietsabo B.V.: bevestig uw machtiging voor Fiets Plus: "),
        "{text}"
    );
    assert!(text.ends_with(&requested.confirmation_url));
    assert_eq!(
        browser()
            .get(&requested.confirmation_url)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cross_site_posts_to_a_link_are_refused() {
    let mut flow = flow().await;
    flow.request(Options::default()).await;
    let link = flow.link_from_email().await;
    let response = browser()
        .post(&link)
        .header("Origin", "https://evil.example")
        .form(&[("answer", "confirm")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        browser().get(&link).send().await.unwrap().status(),
        StatusCode::OK,
        "still usable"
    );
}

#[tokio::test]
async fn another_merchants_mandates_are_not_found() {
    let flow = flow().await;
    let requested = flow.request(Options::default()).await;
    let other = flow.app.other_merchant().await;
    let page = format!("/admin/mandates/{}", requested.mandate_id);
    assert_eq!(
        flow.app.get_as(&other, &page).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        !flow
            .app
            .page_as(&other, "/admin/mandates")
            .await
            .contains("Jan de Vries")
    );
    for action in ["resend", "revoke"] {
        let response = flow
            .app
            .submit_as(&other, "/admin/mandates", &format!("{page}/{action}"), &[])
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{action}");
    }
}

#[tokio::test]
async fn the_customer_is_told_what_is_debited_when_and_a_reopened_link_says_it_was_confirmed() {
    use chrono::Datelike;
    let mut flow = flow().await;
    let today = crate::helpers::today();
    let start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .unwrap()
        .checked_add_months(chrono::Months::new(1))
        .unwrap();
    let requested = flow
        .request(Options {
            start_date: start,
            ..Options::default()
        })
        .await;
    let link = flow.link_from_email().await;
    let schedule = crate::helpers::dutch_schedule(&flow.app.db, start, start).await;

    let html = customer_page(&link).await;
    let product = scraper::Html::parse_document(&html);
    let line = product
        .select(&scraper::Selector::parse("dd.product").unwrap())
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert!(line.contains("Fiets Plus: € 12,95 per maand"), "{line}");
    assert!(line.contains(&schedule), "{line}");
    assert!(
        html.contains("Keizersgracht 1, 1015 CJ Amsterdam, Nederland"),
        "the country is named, not coded"
    );
    // French writes the euro sign after the amount, German names the country its own way.
    let french = customer_page(&format!("{link}?lang=fr")).await;
    assert!(french.contains("12,95\u{a0}€ par mois"), "French amounts");
    assert!(french.contains("Amsterdam, Pays-Bas"));
    let german = customer_page(&format!("{link}?lang=de")).await;
    assert!(german.contains("Amsterdam, Niederlande"));
    assert!(german.contains("€ 12,95 monatlich"));

    let confirmed = flow.answer(&link, "confirm", "nl").await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    flow.app.outbox.deliver_due().await.unwrap();
    let email = flow.sink.next();
    let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
    let text = parsed.subparts[0].get_body().unwrap();
    assert!(
        text.replace("\r\n", " ")
            .replace('\n', " ")
            .contains(&schedule),
        "the confirmation email says what is debited when: {text}"
    );
    assert!(!text.contains("B.V.."), "{text}");

    // Opening the link again says when it was confirmed and what happens next.
    let again = browser().get(&link).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let html = again.text().await.unwrap();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Uw machtiging is bevestigd")
    );
    let notice = text_of(&html, "notice").unwrap();
    assert!(
        notice.contains(&format!("op {} bevestigd", dutch_date(today))),
        "{notice}"
    );
    assert!(notice.contains(&schedule), "{notice}");
    assert!(
        !notice.contains("kan niet"),
        "not called unusable: {notice}"
    );
    let mandate = mandate_store::get(&flow.app.db, &flow.merchant_id, &requested.mandate_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mandate.status, "valid");
}
