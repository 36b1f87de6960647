//! SEPA collections: pain.008 files of both versions checked against the XSDs, their batch life
//! (upload, cancel, settle), the bank's return files (pain.002 rejects, camt.054 returns) with
//! retries, payment links and charge-backs exactly once, hostile uploads refused, the command
//! line, and tenant isolation.

use std::process::{Command, Stdio};

use abbo::services::billing::{self, RunOptions};
use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{Api, create_key_as, problem};
use crate::helpers::{TestApp, csrf_token, location, spawn_app_with, text_of, today};
use crate::sinks::SmtpSink;

const SETTINGS: [(&str, &str); 12] = [
    ("contact_email", "incasso@fietsabo.nl"),
    ("name", "Fietsabonnement"),
    ("legal_name", "Fietsabonnement B.V."),
    ("street", "Keizersgracht 1"),
    ("postal_code", "1015 CJ"),
    ("city", "Amsterdam"),
    ("country", "nl"),
    ("creditor_id", "DE98ZZZ09999999999"),
    ("creditor_iban", "NL91ABNA0417164300"),
    ("creditor_bic", "ABNANL2A"),
    ("default_language", "en"),
    ("brand_colour", "#1f6feb"),
];

/// A merchant ready to collect: creditor details, a one-day notice period (so a notice sent
/// today allows a file for tomorrow), an API key and an SMTP server catching its email.
pub(crate) struct Collector {
    pub(crate) app: TestApp,
    key: String,
    sink: SmtpSink,
    pub(crate) merchant_id: String,
    product_id: String,
}

impl Collector {
    pub(crate) async fn new() -> Collector {
        let sink = SmtpSink::start().await;
        let url = sink.url.clone();
        let app = spawn_app_with(|s| {
            s.email.url = url;
            s.payments.provider = "test".into();
            s.webhooks.allow_private_webhooks = true;
        })
        .await;
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
                    ("notice_lead_days", "1"),
                    ("billing_max_periods", "4"),
                    ("send_notices", "on"),
                    ("invoice_number_format", "{YYYY}-{SEQ:5}"),
                    ("credit_note_number_format", "C{YYYY}-{SEQ:5}"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "billing settings");
        let product_id = app.product(&[("method_email", "on")]).await;
        let key = create_key_as(&app, &app.client, "Webshop").await;
        let merchant_id = abbo::store::merchants::list(&app.db)
            .await
            .unwrap()
            .remove(0)
            .id;
        Collector {
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

    /// A customer with a valid mandate (its BIC if given) and a running subscription.
    pub(crate) async fn subscriber(
        &self,
        first: &str,
        last: &str,
        holder: &str,
        bic: Option<&str>,
    ) -> Ids {
        let api = self.api();
        let n = self.count("SELECT COUNT(*) FROM customers").await + 1;
        let customer = api
            .post_ok(
                "/api/v1/customers",
                json!({"first_name": first, "last_name": last,
                       "email": format!("klant{n}@example.nl"), "language": "en"}),
                201,
            )
            .await;
        let customer_id = customer["id"].as_str().unwrap().to_string();
        let mut mandate = json!({"customer_id": customer_id, "reference": format!("FIETS-{n:04}"),
                                 "signature_date": "2026-01-15", "iban": "NL91 ABNA 0417 1643 00",
                                 "account_holder": holder});
        if let Some(bic) = bic {
            mandate["bic"] = json!(bic);
        }
        let mandate = api.post_ok("/api/v1/mandates", mandate, 201).await;
        let subscription = api
            .post_ok(
                "/api/v1/subscriptions",
                json!({"customer_id": customer_id, "product_id": self.product_id,
                       "mandate_id": mandate["id"], "create_invoice": true,
                       "start_date": today().to_string()}),
                201,
            )
            .await;
        Ids {
            customer: customer_id,
            mandate: mandate["id"].as_str().unwrap().to_string(),
            subscription: subscription["id"].as_str().unwrap().to_string(),
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        crate::on_db!(&self.app.db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
    }

    async fn text(&self, sql: &str) -> String {
        crate::on_db!(&self.app.db, pool => sqlx::query_scalar::<_, String>(sql).fetch_one(pool).await.unwrap())
    }

    pub(crate) async fn exec(&self, sql: &str) {
        let mut tx = self.app.db.begin().await.unwrap();
        crate::on_tx!(&mut tx, conn => {
            sqlx::query(sql).execute(conn).await.unwrap();
        });
        tx.commit().await.unwrap();
    }

    /// Bills as of today and delivers the notices (and invoices) it queued.
    pub(crate) async fn bill_and_notify(&mut self) -> u64 {
        let created = billing::run(&self.app.db, &self.merchant_id, &RunOptions::now("test"))
            .await
            .unwrap()
            .created;
        self.app.outbox.deliver_due().await.unwrap();
        created
    }

    /// Delivers queued email and returns what arrived (subject and plain text).
    async fn deliver(&mut self) -> Vec<Mail> {
        self.app.outbox.deliver_due().await.unwrap();
        self.sink
            .drain()
            .iter()
            .map(|email| {
                let parsed = mailparse::parse_mail(email.data.as_bytes()).unwrap();
                let subject = parsed
                    .headers
                    .iter()
                    .find(|h| h.get_key_ref().eq_ignore_ascii_case("Subject"))
                    .map(|h| h.get_value())
                    .unwrap_or_default();
                let text = if parsed.subparts.is_empty() {
                    parsed.get_body().unwrap()
                } else {
                    parsed.subparts[0].get_body().unwrap()
                };
                Mail { subject, text }
            })
            .collect()
    }

    /// The earliest collection date the page proposes, or the latest due date if later.
    pub(crate) async fn file_date(&self) -> NaiveDate {
        let overview = abbo::services::collections::overview(&self.app.db, &self.merchant_id, None)
            .await
            .unwrap();
        let latest = self
            .count("SELECT COUNT(*) FROM transactions WHERE status = 'scheduled'")
            .await;
        assert!(latest > 0, "something is scheduled");
        let due: String = self
            .text("SELECT MAX(CAST(due_date AS TEXT)) FROM transactions WHERE status = 'scheduled'")
            .await;
        let due = NaiveDate::parse_from_str(&due[..10], "%Y-%m-%d").unwrap();
        abbo::domain::calendar::business_day_on_or_after(overview.earliest.max(due))
    }

    /// Creates the file for `date` through the admin; returns the batch id.
    async fn export(&self, date: NaiveDate, format: &str, include_recent: bool) -> String {
        let mut fields = vec![("date", date.to_string()), ("format", format.to_string())];
        if include_recent {
            fields.push(("include_recent", "on".into()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = self
            .app
            .submit("/admin/collections", "/admin/collections", &fields)
            .await;
        let status = response.status();
        if status != StatusCode::SEE_OTHER {
            // Say why (reading the Location header first hid it).
            let html = response.text().await.unwrap();
            panic!(
                "file for {date} not created ({status}): {}",
                text_of(&html, "create-error").unwrap_or(html)
            );
        }
        location(&response).rsplit('/').next().unwrap().to_string()
    }

    async fn file(&self, batch: &str) -> String {
        let response = self
            .app
            .get(&format!("/admin/collections/{batch}/file"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/xml");
        response.text().await.unwrap()
    }

    async fn step(&self, batch: &str, step: &str) -> String {
        let page = format!("/admin/collections/{batch}");
        let response = self.app.submit(&page, &format!("{page}/{step}"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        self.app.page(&page).await
    }

    /// Uploads a return file through the admin.
    async fn upload(&self, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        upload_as(&self.app, &self.app.client, name, bytes).await
    }

    /// Bills a subscriber, files and submits its debit, and has the bank reject it with
    /// `code`; returns the transaction's id.
    async fn rejected(&mut self, ids: &Ids, code: &str) -> String {
        self.bill_and_notify().await;
        self.deliver().await;
        let tid = self.transaction_of(&ids.subscription).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let date = self.file_date().await;
        let batch = self.export(date, "pain.008.001.02", false).await;
        self.step(&batch, "submit").await;
        let e2e = end_to_end_ids(self, &tid).await;
        let response = self
            .upload(
                "status.xml",
                pain002(&batch.replace('_', "-"), &[(&e2e[0], code)]),
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(self.transaction(&tid).await["status"], "failed");
        tid
    }

    pub(crate) async fn transaction(&self, id: &str) -> Value {
        self.api()
            .get_json(&format!("/api/v1/transactions/{id}"))
            .await
    }

    /// The one transaction of a subscription in `status`.
    pub(crate) async fn transaction_of(&self, subscription: &str) -> Value {
        let list = self
            .api()
            .get_json(&format!(
                "/api/v1/transactions?subscription_id={subscription}"
            ))
            .await;
        let all = list["data"].as_array().unwrap();
        assert_eq!(all.len(), 1, "one transaction: {all:?}");
        all[0].clone()
    }
}

struct Mail {
    subject: String,
    text: String,
}

pub(crate) struct Ids {
    pub(crate) customer: String,
    pub(crate) mandate: String,
    pub(crate) subscription: String,
}

async fn upload_as(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let html = app.page_as(client, "/admin/collections").await;
    let token = csrf_token(&html);
    let form = crate::helpers::upload_form(&token).part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    client
        .post(app.url("/admin/collections/returns"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Whether xmllint runs here; in CI it must.
fn xmllint() -> bool {
    let found = Command::new("xmllint")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found || std::env::var("CI").is_err(),
        "xmllint is needed in CI (Debian: libxml2-utils)"
    );
    if !found {
        eprintln!("skipping the XSD checks: xmllint (libxml2-utils) is not installed");
    }
    found
}

/// Asserts that `xml` validates against the XSD of `version`.
fn assert_valid(xml: &str, version: &str) {
    if !xmllint() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.xml");
    std::fs::write(&path, xml).unwrap();
    let xsd = format!(
        "{}/../shared/sepa/{version}.xsd",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", &xsd])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{version} validates: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The text of every `<name>` element, in order.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .map(|rest| rest.split(&close).next().unwrap().to_string())
        .collect()
}

/// A pain.002 status report rejecting these (EndToEndId, reason) debits of message `original`.
fn pain002(original: &str, rejects: &[(&str, &str)]) -> Vec<u8> {
    let txs: String = rejects
        .iter()
        .map(|(e2e, code)| {
            format!(
                "<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>\
                 <StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03\"><CstmrPmtStsRpt>\
         <GrpHdr><MsgId>STS-{original}</MsgId><CreDtTm>2026-12-02T10:00:00</CreDtTm></GrpHdr>\
         <OrgnlGrpInfAndSts><OrgnlMsgId>{original}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>\
         <GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>\
         <OrgnlPmtInfAndSts><OrgnlPmtInfId>{original}-FRST</OrgnlPmtInfId>{txs}</OrgnlPmtInfAndSts>\
         </CstmrPmtStsRpt></Document>"
    )
    .into_bytes()
}

/// A camt.054 notification with one batch booking returning these (EndToEndId, reason, cents).
pub(crate) fn camt054(id: &str, returns: &[(&str, &str, i64)]) -> Vec<u8> {
    let amount = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
    let total: i64 = returns.iter().map(|r| r.2).sum();
    let details: String = returns
        .iter()
        .map(|(e2e, code, cents)| {
            format!(
                "<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>\
                 <AmtDtls><TxAmt><Amt Ccy=\"EUR\">{}</Amt></TxAmt></AmtDtls>\
                 <RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls>",
                amount(*cents)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\"><BkToCstmrDbtCdtNtfctn>\
         <GrpHdr><MsgId>{id}</MsgId><CreDtTm>2026-12-09T08:00:00</CreDtTm></GrpHdr>\
         <Ntfctn><Id>{id}-1</Id><CreDtTm>2026-12-09T08:00:00</CreDtTm>\
         <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>\
         <Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>\
         <BookgDt><Dt>2026-12-09</Dt></BookgDt><ValDt><Dt>2026-12-09</Dt></ValDt>\
         <BkTxCd><Prtry><Cd>RTRN</Cd></Prtry></BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>\
         </Ntfctn></BkToCstmrDbtCdtNtfctn></Document>",
        amount(total)
    )
    .into_bytes()
}

/// The EndToEndIds of a transaction's attempts, oldest first.
pub(crate) async fn end_to_end_ids(c: &Collector, transaction: &str) -> Vec<String> {
    let sql = format!(
        "SELECT end_to_end_id FROM collection_attempts WHERE transaction_id = '{transaction}' ORDER BY created_at, attempt"
    );
    crate::on_db!(&c.app.db, pool => sqlx::query_scalar::<_, String>(&sql).fetch_all(pool).await.unwrap())
}

#[tokio::test]
async fn files_of_both_versions_validate_and_write_names_in_the_sepa_character_set() {
    let mut c = Collector::new().await;
    let zoe = c
        .subscriber("Zoë", "Ødegård", "Zoë Ødegård & Søn <Test> 😀", None)
        .await;
    let lukasz = c
        .subscriber("Łukasz", "Straße", "Łukasz Straße", Some("ABNANL2A"))
        .await;
    let ivan = c.subscriber("Иван", "Петров", "Иван Петров", None).await;
    // A customer whose mandate was used already: RCUR in the same file.
    let regular = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.exec(&format!(
        "UPDATE mandates SET first_used_on = '2026-06-01' WHERE id = '{}'",
        regular.mandate
    ))
    .await;
    assert_eq!(c.bill_and_notify().await, 4, "four periods billed");
    let date = c.file_date().await;

    // The page says why the Cyrillic name waits.
    let page = c.app.page(&format!("/admin/collections?date={date}")).await;
    let ivan_tx = c.transaction_of(&ivan.subscription).await;
    let waiting = text_of(
        &page,
        &format!("waiting-{}", ivan_tx["id"].as_str().unwrap()),
    )
    .expect("the Cyrillic name waits");
    assert!(waiting.contains("SEPA character set"), "{waiting}");

    for (n, version) in ["pain.008.001.02", "pain.008.001.08"].iter().enumerate() {
        let batch = c.export(date, version, false).await;
        let xml = c.file(&batch).await;
        assert_valid(&xml, version);
        assert!(xml.contains(&format!("urn:iso:std:iso:20022:tech:xsd:{version}")));
        assert_eq!(elements(&xml, "NbOfTxs")[0], "3", "three debits: {xml}");
        assert_eq!(elements(&xml, "CtrlSum")[0], "38.85");
        let sequences = elements(&xml, "SeqTp");
        assert_eq!(sequences, ["FRST", "RCUR"], "one block per sequence type");
        let names = elements(&xml, "Nm");
        assert!(
            names.iter().any(|n| n == "Zoe Odegard + Son (Test)"),
            "{names:?}"
        );
        assert!(names.iter().any(|n| n == "Lukasz Strasse"), "{names:?}");
        assert!(!xml.contains("Иван") && !xml.contains("<Nm></Nm>"));
        assert!(xml.contains("NOTPROVIDED"), "a debtor without BIC");
        assert!(xml.contains("FIETS-0001") && xml.contains("2026-01-15"));
        // Remittance: the invoice number.
        assert!(
            elements(&xml, "Ustrd")
                .iter()
                .all(|u| u.len() <= 140 && !u.is_empty())
        );
        // Downloads are byte-identical and match the stored hash.
        let again = c.file(&batch).await;
        assert_eq!(xml, again);
        let sha = text_of(
            &c.app.page(&format!("/admin/collections/{batch}")).await,
            "sha",
        )
        .unwrap();
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(xml.as_bytes())));
        // The API serves the same bytes.
        let api_file = c
            .api()
            .get(&format!("/api/v1/collections/{batch}/file"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(api_file, xml);
        if n == 0 {
            // A transaction is never in two live batches: the second file needs this one gone.
            let response = c
                .app
                .submit(
                    "/admin/collections",
                    "/admin/collections",
                    &[("date", &date.to_string()), ("format", version)],
                )
                .await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let html = response.text().await.unwrap();
            assert!(
                text_of(&html, "create-error")
                    .unwrap()
                    .contains("Nothing can be collected"),
                "{html}"
            );
            let page = c.step(&batch, "cancel").await;
            assert_eq!(text_of(&page, "status").unwrap(), "cancelled");
            // Cancelled: the mandates' first use is undone, so the next file is FRST again.
        }
    }
    let _ = (zoe, lukasz);
}

#[tokio::test]
async fn ten_thousand_one_cent_debits_add_up_to_one_hundred_euros() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    let date = c.file_date().await;
    // 10,000 one-off charges of one cent under the same mandate, notices out long ago.
    let postgres = matches!(c.app.db, abbo::store::Db::Postgres(_));
    let (day, at) = if postgres {
        (
            format!("DATE '{date}'"),
            "TIMESTAMPTZ '2026-11-01T00:00:00Z'".to_string(),
        )
    } else {
        (format!("'{date}'"), "'2026-11-01T00:00:00Z'".to_string())
    };
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
         INSERT INTO transactions (id, merchant_id, subscription_id, customer_id, mandate_id, kind, \
         due_date, amount_minor, description, sequence_type, status, notice_status, created_at, updated_at) \
         SELECT 'trx_cent' || CAST(i AS TEXT), '{m}', '{s}', '{cu}', '{md}', 'one_off', {day}, 1, \
         'Cent ' || CAST(i AS TEXT), 'RCUR', 'scheduled', 'none', {at}, {at} FROM n",
        m = c.merchant_id,
        s = ids.subscription,
        cu = ids.customer,
        md = ids.mandate,
    );
    c.exec(&sql).await;
    // Only the cents, all RCUR: the period charge is cancelled and the mandate used before.
    c.exec("UPDATE transactions SET status = 'cancelled' WHERE id NOT LIKE 'trx_cent%'")
        .await;
    c.exec("UPDATE mandates SET first_used_on = '2026-06-01'")
        .await;
    let batch = c.export(date, "pain.008.001.02", true).await;
    let xml = c.file(&batch).await;
    assert_valid(&xml, "pain.008.001.02");
    assert_eq!(elements(&xml, "NbOfTxs"), ["10000", "10000"]);
    assert_eq!(
        elements(&xml, "CtrlSum"),
        ["100.00", "100.00"],
        "10,000 × 0.01"
    );
    assert_eq!(elements(&xml, "SeqTp"), ["RCUR"]);
}

#[tokio::test]
async fn a_rejected_frst_is_retried_as_frst_and_a_second_am04_sends_a_payment_link() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    c.deliver().await;
    let t = c.transaction_of(&ids.subscription).await;
    let tid = t["id"].as_str().unwrap().to_string();
    let date = c.file_date().await;
    let batch = c.export(date, "pain.008.001.02", false).await;
    let message_id = batch.replace('_', "-");
    c.step(&batch, "submit").await;
    assert_eq!(c.transaction(&tid).await["status"], "submitted");

    // The bank rejects the FRST (insufficient funds): a new attempt, again FRST, with a notice.
    let e2e = end_to_end_ids(&c, &tid).await;
    let response = c
        .upload("status.xml", pain002(&message_id, &[(&e2e[0], "AM04")]))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = c.app.page(&location(&response)).await;
    assert_eq!(text_of(&page, "applied").unwrap(), "1");
    let after = c.transaction(&tid).await;
    assert_eq!(after["status"], "scheduled");
    assert_eq!(after["sequence_type"], "FRST", "a rejected FRST stays FRST");
    let events: Vec<&str> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["exported", "submitted", "rejected", "rescheduled"]);
    let new_due = after["due_date"].as_str().unwrap().to_string();
    assert!(new_due.as_str() >= (today() + chrono::Duration::days(5)).to_string().as_str());
    let mails = c.deliver().await;
    let retry_notice = mails
        .iter()
        .find(|m| m.subject.contains("new direct debit"))
        .expect("the retry has its own notice");
    assert!(
        retry_notice.text.contains("insufficient funds"),
        "{}",
        retry_notice.text
    );

    // The same file again changes nothing.
    let response = c
        .upload("status.xml", pain002(&message_id, &[(&e2e[0], "AM04")]))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        c.transaction(&tid).await["history"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // The retry goes into a file for its new date as FRST; the bank returns it again: no
    // retries left (the merchant allows one), so it fails and the customer gets a payment link.
    c.exec("UPDATE messages SET sent_at = '2026-01-01T00:00:00Z' WHERE sent_at IS NOT NULL")
        .await;
    let due = NaiveDate::parse_from_str(&new_due, "%Y-%m-%d").unwrap();
    let second = c.export(due, "pain.008.001.02", false).await;
    let xml = c.file(&second).await;
    assert_eq!(elements(&xml, "SeqTp"), ["FRST"]);
    c.step(&second, "submit").await;
    let e2e = end_to_end_ids(&c, &tid).await;
    assert_eq!(e2e.len(), 2, "two attempts, two EndToEndIds");
    assert_ne!(e2e[0], e2e[1]);
    let response = c
        .upload("returns.xml", camt054("RET-1", &[(&e2e[1], "AM04", 1295)]))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let failed = c.transaction(&tid).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["failure_reason"], "AM04");
    let invoice = c
        .api()
        .get_json(&format!(
            "/api/v1/invoices?subscription_id={}",
            ids.subscription
        ))
        .await;
    assert_eq!(invoice["data"][0]["status"], "overdue");
    let mails = c.deliver().await;
    let dunning = mails
        .iter()
        .find(|m| m.subject.contains("failed"))
        .expect("a payment request");
    let link = dunning
        .text
        .split_whitespace()
        .find(|w| w.contains("/pay/due/"))
        .expect("a payment link")
        .to_string();
    // A forged link is refused; the real one opens the checkout; paying marks it paid.
    let forged = c
        .app
        .client
        .get(link.replace("?s=", "?s=00"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let response = c.app.client.get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let checkout = location(&response);
    assert!(checkout.contains("/pay/pay_"), "{checkout}");
    let path = checkout.trim_start_matches(&c.app.address).to_string();
    let response = c.app.post_form(&path, &[("outcome", "paid")]).await;
    assert_eq!(response.status(), StatusCode::OK, "paid without an IBAN");
    let paid = c.transaction(&tid).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(
        paid["history"].as_array().unwrap().last().unwrap()["event"],
        "paid"
    );
    let invoice = c
        .api()
        .get_json(&format!(
            "/api/v1/invoices?subscription_id={}",
            ids.subscription
        ))
        .await;
    assert_eq!(invoice["data"][0]["status"], "paid");
    // The link of a paid transaction opens nothing.
    let response = c.app.client.get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
}

#[tokio::test]
async fn settled_batches_are_paid_and_an_md06_after_that_is_a_charge_back_once() {
    let mut c = Collector::new().await;
    crate::webhooks::endpoint(
        &c.app,
        "http://127.0.0.1:9/hooks",
        &[
            "transaction.submitted",
            "transaction.paid",
            "transaction.charged_back",
            "invoice.paid",
        ],
    )
    .await;
    let events =
        |name: &str| format!("SELECT COUNT(*) FROM webhook_events WHERE event_type = '{name}'");
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    let tid = c.transaction_of(&ids.subscription).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let date = c.file_date().await;
    let batch = c.export(date, "pain.008.001.08", false).await;
    let api = c.api();
    // Only an uploaded batch settles; a settled one is not cancelled.
    let early = api
        .post(&format!("/api/v1/collections/{batch}/settle"), json!({}))
        .await;
    problem(early, 409).await;
    let submitted = api
        .post_ok(
            &format!("/api/v1/collections/{batch}/submit"),
            json!({}),
            200,
        )
        .await;
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["settle_on"].as_str().unwrap() > date.to_string().as_str());
    // The settle window: a run as of the settle day pays it.
    c.exec(&format!(
        "UPDATE collection_batches SET settle_on = '{}' WHERE id = '{batch}'",
        today() - chrono::Duration::days(1)
    ))
    .await;
    assert_eq!(
        abbo::services::collections::settle_due(&c.app.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        abbo::services::collections::settle_due(&c.app.db)
            .await
            .unwrap(),
        0,
        "once"
    );
    assert_eq!(c.transaction(&tid).await["status"], "paid");
    // Each step announced once, in the transaction that made it.
    assert_eq!(c.count(&events("transaction.submitted")).await, 1);
    assert_eq!(c.count(&events("transaction.paid")).await, 1);
    assert_eq!(c.count(&events("invoice.paid")).await, 1);
    let cancel = api
        .post(&format!("/api/v1/collections/{batch}/cancel"), json!({}))
        .await;
    problem(cancel, 409).await;

    // Weeks later the debtor asks the bank for the money back.
    let e2e = end_to_end_ids(&c, &tid).await;
    let file = camt054(
        "RET-MD06",
        &[(&e2e[0], "MD06", 1295), ("NOT-OURS-1", "MD06", 500)],
    );
    let first = c
        .api()
        .request_raw("/api/v1/collections/returns", file.clone())
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["applied"], 1);
    assert_eq!(body["unmatched"][0]["reference"], "NOT-OURS-1");
    let t = c.transaction(&tid).await;
    assert_eq!(t["status"], "charged_back");
    assert_eq!(c.count(&events("transaction.charged_back")).await, 1);
    let again = c
        .api()
        .request_raw("/api/v1/collections/returns", file)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["read_before"], true);
    assert_eq!(c.transaction(&tid).await["history"], t["history"]);
    assert_eq!(
        c.count(&events("transaction.charged_back")).await,
        1,
        "once"
    );
    let events: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["exported", "submitted", "paid", "returned", "charged_back"]
    );
}

#[tokio::test]
async fn retries_stop_at_two_even_when_the_setting_says_five() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    c.exec("UPDATE merchants SET retry_count = 5").await;
    let tid = c.transaction_of(&ids.subscription).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for round in 0..3 {
        c.app.outbox.deliver_due().await.unwrap();
        c.exec("UPDATE messages SET sent_at = '2026-01-01T00:00:00Z' WHERE sent_at IS NOT NULL")
            .await;
        let date = c.file_date().await;
        let batch = c.export(date, "pain.008.001.02", false).await;
        c.step(&batch, "submit").await;
        let e2e = end_to_end_ids(&c, &tid).await;
        let file = camt054(
            &format!("RET-{round}"),
            &[(e2e.last().unwrap(), "AM04", 1295)],
        );
        let response = c.upload("r.xml", file).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let t = c.transaction(&tid).await;
        let expected = if round < 2 { "scheduled" } else { "failed" };
        assert_eq!(t["status"], expected, "after return {}", round + 1);
    }
    assert_eq!(
        c.count(&format!(
            "SELECT COUNT(*) FROM collection_attempts WHERE transaction_id = '{tid}'"
        ))
        .await,
        3
    );
    // The database refuses a third retry whatever the code does.
    let mut tx = c.app.db.begin().await.unwrap();
    let sql = format!("UPDATE transactions SET retries = 3 WHERE id = '{tid}'");
    let refused = crate::on_tx!(&mut tx, conn => {
        sqlx::query(&sql).execute(conn).await.is_err()
    });
    assert!(refused, "the check constraint holds");
}

#[tokio::test]
async fn an_unusable_account_revokes_the_mandate_asks_for_a_new_one_and_grey_lists() {
    let mut c = Collector::new().await;
    c.exec("UPDATE merchants SET grey_list_after = 1").await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.rejected(&ids, "AC04").await;
    let mandate = c
        .api()
        .get_json(&format!("/api/v1/mandates/{}", ids.mandate))
        .await;
    assert_eq!(mandate["status"], "revoked");
    let mails = c.deliver().await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("could not be collected")
                && m.text.contains("account closed")),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let customer = c
        .api()
        .get_json(&format!("/api/v1/customers/{}", ids.customer))
        .await;
    assert_eq!(customer["grey_listed"], true, "{customer}");
    // The subscription waits: a run much later bills nothing under the revoked mandate.
    let later = RunOptions {
        as_of: Some(today() + chrono::Duration::days(70)),
        ..RunOptions::now("test")
    };
    let report = billing::run(&c.app.db, &c.merchant_id, &later)
        .await
        .unwrap();
    assert_eq!(report.created, 0);
}

/// The path of the first link in `text` that starts with `marker`.
fn link_in(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("a {marker} link in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == ')')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_new_mandate_from_the_emailed_link_collects_the_failed_debit_again_once() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    let tid = c.rejected(&ids, "MD01").await;
    let mails = c.deliver().await;
    let asked = mails
        .iter()
        .find(|m| m.text.contains("/m/new/"))
        .unwrap_or_else(|| {
            panic!(
                "a new-mandate link: {:?}",
                mails.iter().map(|m| &m.text).collect::<Vec<_>>()
            )
        });
    let path = link_in(&asked.text, "/m/new/");
    let page = c.app.page(&path).await;
    assert!(
        page.contains("Fietsabonnement B.V."),
        "the creditor is named"
    );
    assert!(
        page.contains("id=\"consent-text\""),
        "the mandate text is shown"
    );
    assert_eq!(
        page.matches("class=\"outstanding\"").count(),
        1,
        "the failed debit is listed"
    );

    let post = |fields: Vec<(&'static str, &'static str)>| {
        let url = c.app.url(&path);
        let client = c.app.client.clone();
        async move { client.post(url).form(&fields).send().await.unwrap() }
    };
    let bad = post(vec![
        ("iban", "NL00 ABNA 0000 0000 00"),
        ("account_holder", "J. Jansen"),
        ("consent", "on"),
    ])
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"iban-error\""), "the IBAN is refused");
    assert!(
        html.contains("value=\"NL00 ABNA 0000 0000 00\""),
        "the answer is kept"
    );
    let same = post(vec![
        ("iban", "NL91ABNA0417164300"),
        ("account_holder", "J. Jansen"),
        ("consent", "on"),
    ])
    .await;
    assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text_of(&same.text().await.unwrap(), "iban-error")
            .unwrap()
            .contains("could not debit"),
        "the unusable account again is refused"
    );
    let no_consent = post(vec![("iban", "NL44RABO0123456789"), ("account_holder", "")]).await;
    assert_eq!(no_consent.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = no_consent.text().await.unwrap();
    assert!(html.contains("id=\"consent-error\"") && html.contains("id=\"account_holder-error\""));
    assert_eq!(
        c.count("SELECT COUNT(*) FROM mandates").await,
        1,
        "nothing stored yet"
    );

    // The signature's last character changed (to another one, whatever it was).
    let (head, last) = path.split_at(path.len() - 1);
    let other = if last == "0" { "1" } else { "0" };
    let tampered = c.app.get(&format!("{head}{other}")).await;
    assert_eq!(tampered.status(), StatusCode::NOT_FOUND);

    let good = post(vec![
        ("iban", "NL44 RABO 0123 4567 89"),
        ("account_holder", "Jan Jansen"),
        ("consent", "on"),
    ])
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    let done = good.text().await.unwrap();
    assert!(done.contains("could not be collected before"), "{done}");
    let again = post(vec![
        ("iban", "NL44 RABO 0123 4567 89"),
        ("account_holder", "Jan Jansen"),
        ("consent", "on"),
    ])
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("You gave a new mandate"),
        "a second post changes nothing"
    );
    assert_eq!(
        c.count("SELECT COUNT(*) FROM mandates").await,
        2,
        "one new mandate"
    );

    let new_id = c
        .text(&format!(
            "SELECT replaced_by FROM mandates WHERE id = '{}'",
            ids.mandate
        ))
        .await;
    let new = c
        .api()
        .get_json(&format!("/api/v1/mandates/{new_id}"))
        .await;
    assert_eq!(new["status"], "valid", "{new}");
    assert_eq!(new["iban"], "NL44RABO0123456789");
    assert_eq!(new["account_holder"], "Jan Jansen");
    assert_eq!(
        c.count(&format!(
            "SELECT COUNT(*) FROM mandate_evidence WHERE mandate_id = '{new_id}'"
        ))
        .await,
        1,
        "the confirmation is on record"
    );
    let subscription = c
        .api()
        .get_json(&format!("/api/v1/subscriptions/{}", ids.subscription))
        .await;
    assert_eq!(subscription["mandate_id"], new_id.as_str());
    let t = c.transaction(&tid).await;
    assert_eq!(t["status"], "scheduled", "{t}");
    assert_eq!(
        c.text(&format!(
            "SELECT mandate_id FROM transactions WHERE id = '{tid}'"
        ))
        .await,
        new_id
    );
    assert_eq!(
        c.text(&format!(
            "SELECT sequence_type FROM transactions WHERE id = '{tid}'"
        ))
        .await,
        "FRST",
        "a new mandate starts with FRST"
    );
    assert_eq!(
        c.count(&format!(
            "SELECT COUNT(*) FROM transaction_history WHERE transaction_id = '{tid}' AND event = 'rescheduled'"
        ))
        .await,
        1
    );
    let mails = c.deliver().await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("your new direct debit mandate")),
        "a confirmation: {:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // The next file collects it under the new mandate, as FRST.
    let date = c.file_date().await;
    let batch = c.export(date, "pain.008.001.02", true).await;
    let xml = c.file(&batch).await;
    assert_valid(&xml, "pain.008.001.02");
    assert_eq!(elements(&xml, "SeqTp"), vec!["FRST"]);
    assert!(
        xml.contains("NL44RABO0123456789"),
        "the new account is debited"
    );

    // The subscription runs on: a later run bills it under the new mandate.
    let later = RunOptions {
        as_of: Some(today() + chrono::Duration::days(40)),
        ..RunOptions::now("test")
    };
    let report = billing::run(&c.app.db, &c.merchant_id, &later)
        .await
        .unwrap();
    assert!(report.created > 0, "billed again");
    assert_eq!(
        c.count(&format!(
            "SELECT COUNT(*) FROM transactions WHERE mandate_id = '{}' AND id <> '{tid}'",
            ids.mandate
        ))
        .await,
        0,
        "nothing new under the unusable mandate"
    );

    // An expired link names the merchant's contact instead.
    let links = abbo::services::collections::dunning::Links {
        base_url: String::new(),
        key: c.app.config.secrets.link_key.clone(),
        online: false,
    };
    let old =
        abbo::services::mandates::renew::link(&links, &new_id, today() - chrono::Duration::days(1));
    let expired = c.app.get(&old).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(
        expired
            .text()
            .await
            .unwrap()
            .contains("incasso@fietsabo.nl")
    );
}

#[tokio::test]
async fn an_interrupted_export_is_redone_without_doubles() {
    let mut c = Collector::new().await;
    for n in 0..5 {
        c.subscriber("Klant", &n.to_string(), "Klant", None).await;
    }
    c.bill_and_notify().await;
    let date = c.file_date().await;
    let actor = abbo::store::activity::System::new(&c.merchant_id, "test");
    let mut request = abbo::services::collections::ExportRequest::on(date);
    request.chunk = 2;
    request.max_chunks = Some(1);
    let stopped = abbo::services::collections::export(&c.app.db, &actor, &request).await;
    assert!(matches!(
        stopped,
        Err(abbo::services::collections::CollectionError::Interrupted)
    ));
    assert_eq!(
        c.count("SELECT COUNT(*) FROM collection_attempts").await,
        2,
        "the first chunk's attempts were written"
    );
    assert!(
        c.app
            .page("/admin/collections")
            .await
            .contains("no-batches"),
        "a draft is not listed"
    );
    request.max_chunks = None;
    let done = abbo::services::collections::export(&c.app.db, &actor, &request)
        .await
        .unwrap();
    assert_eq!(done.batch.transactions, 5);
    assert_eq!(c.count("SELECT COUNT(*) FROM collection_attempts").await, 5);
    assert_eq!(c.count("SELECT COUNT(*) FROM collection_batches").await, 1);
    let xml = c.file(&done.batch.id).await;
    assert_valid(&xml, "pain.008.001.02");
    assert_eq!(elements(&xml, "NbOfTxs")[0], "5");
}

#[tokio::test]
async fn notices_too_recent_wait_unless_the_merchant_overrides() {
    let mut c = Collector::new().await;
    c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    // The notice went out today for a collection tomorrow; then the terms say 14 days.
    c.exec("UPDATE merchants SET notice_lead_days = 14").await;
    let date = c.file_date().await;
    let page = c.app.page(&format!("/admin/collections?date={date}")).await;
    assert!(page.contains("less than the notice period"), "{page}");
    let response = c
        .app
        .submit(
            "/admin/collections",
            "/admin/collections",
            &[("date", &date.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let batch = c.export(date, "pain.008.001.02", true).await;
    let page = c.app.page(&format!("/admin/collections/{batch}")).await;
    assert!(
        text_of(&page, "overrides")
            .unwrap()
            .starts_with("1 included")
    );
    let logged = c
        .count("SELECT COUNT(*) FROM activity WHERE action = 'collection.exported' AND details LIKE '%1 included%'")
        .await;
    assert_eq!(logged, 1, "the override is logged");
}

#[tokio::test]
async fn hostile_or_wrong_return_files_are_refused_and_change_nothing() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    let date = c.file_date().await;
    let batch = c.export(date, "pain.008.001.02", false).await;
    c.step(&batch, "submit").await;
    let before = c.count("SELECT COUNT(*) FROM transaction_history").await;
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
        <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol3;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn></Document>";
    let pain001 = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\"><CstmrCdtTrfInitn><GrpHdr><MsgId>X</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not-xml.xml",
            b"IBAN;amount\nNL91;12.95\n".to_vec(),
            "not XML",
        ),
        (
            "credit-transfer.xml",
            pain001.as_bytes().to_vec(),
            "pain.002, camt.053 or camt.054",
        ),
        ("bomb.xml", bomb.as_bytes().to_vec(), "DTD"),
        ("huge.xml", vec![b' '; 33 * 1024 * 1024], "larger than"),
        ("empty.xml", Vec::new(), "Choose"),
    ];
    for (name, bytes, message) in cases {
        let response = c.upload(name, bytes.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let html = response.text().await.unwrap();
        let error = text_of(&html, "upload-error").unwrap_or_default();
        assert!(error.contains(message), "{name}: {error}");
        if name != "huge.xml" && !bytes.is_empty() {
            let api = c
                .api()
                .request_raw("/api/v1/collections/returns", bytes)
                .await;
            let p = problem(api, 422).await;
            assert!(
                p["detail"].as_str().unwrap().contains(message),
                "{name}: {p}"
            );
        }
    }
    assert_eq!(
        c.count("SELECT COUNT(*) FROM transaction_history").await,
        before,
        "nothing changed"
    );
    assert_eq!(c.count("SELECT COUNT(*) FROM collection_returns").await, 0);
    assert_eq!(
        c.transaction_of(&ids.subscription).await["status"],
        "submitted"
    );
}

#[tokio::test]
async fn the_command_line_exports_steps_and_imports_with_clear_failures() {
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("file.xml");
    let out = out.to_str().unwrap();
    // Nothing billed yet: nothing due.
    let date = abbo::services::collections::overview(&c.app.db, &c.merchant_id, None)
        .await
        .unwrap()
        .earliest
        .to_string();
    let nothing = c.app.abbo(
        &["collections", "export", "--date", &date, "--out", out],
        "",
    );
    assert!(!nothing.status.success());
    assert!(
        String::from_utf8_lossy(&nothing.stderr).contains("Nothing can be collected"),
        "{}",
        String::from_utf8_lossy(&nothing.stderr)
    );
    let bad = c.app.abbo(
        &[
            "collections",
            "export",
            "--date",
            "2026-13-01",
            "--out",
            out,
        ],
        "",
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--date"));
    c.bill_and_notify().await;
    let date = c.file_date().await.to_string();
    let made = c.app.abbo(
        &[
            "collections",
            "export",
            "--date",
            &date,
            "--format",
            "pain.008.001.08",
            "--out",
            out,
        ],
        "",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let printed = String::from_utf8_lossy(&made.stdout).to_string();
    let line = printed
        .lines()
        .find(|l| l.starts_with("bat_"))
        .unwrap_or_else(|| panic!("a batch line in {printed}"));
    let batch = line.split('\t').next().unwrap().to_string();
    assert!(batch.starts_with("bat_"), "{printed}");
    assert!(
        printed.contains("1 debits") && printed.contains("12.95"),
        "{printed}"
    );
    let xml = std::fs::read_to_string(out).unwrap();
    assert_valid(&xml, "pain.008.001.08");
    assert_eq!(xml, c.file(&batch).await, "the CLI writes the stored bytes");
    let submitted = c.app.abbo(&["collections", "submit", &batch], "");
    assert!(submitted.status.success());
    let again = c.app.abbo(&["collections", "submit", &batch], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("submitted"));
    let tid = c.transaction_of(&ids.subscription).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let e2e = end_to_end_ids(&c, &tid).await;
    let returns = dir.path().join("camt.xml");
    std::fs::write(&returns, camt054("CLI-1", &[(&e2e[0], "MS02", 1295)])).unwrap();
    let read = c
        .app
        .abbo(&["collections", "import", returns.to_str().unwrap()], "");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert!(String::from_utf8_lossy(&read.stdout).contains("1 applied"));
    assert_eq!(c.transaction(&tid).await["status"], "failed");
    let junk = dir.path().join("junk.xml");
    std::fs::write(&junk, "not xml").unwrap();
    let refused = c
        .app
        .abbo(&["collections", "import", junk.to_str().unwrap()], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not XML"));
    let unknown = c.app.abbo(&["collections", "cancel", "bat_nope"], "");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no collection batch"));
}

#[tokio::test]
async fn files_need_creditor_details_and_stay_with_their_merchant() {
    let mut c = Collector::new().await;
    c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    c.bill_and_notify().await;
    let date = c.file_date().await;
    let batch = c.export(date, "pain.008.001.02", false).await;
    let other = c.app.other_merchant().await;
    // Another merchant's staff and keys see none of it.
    for path in [
        format!("/admin/collections/{batch}"),
        format!("/admin/collections/{batch}/file"),
    ] {
        let response = c.app.get_as(&other, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let html = c.app.page_as(&other, "/admin/collections").await;
    assert!(html.contains("no-batches"));
    assert!(
        html.contains("missing-settings"),
        "the other merchant has no creditor id"
    );
    let other_key = create_key_as(&c.app, &other, "Other").await;
    let other_api = Api::new(&c.app, other_key);
    for path in [
        format!("/api/v1/collections/{batch}"),
        format!("/api/v1/collections/{batch}/file"),
    ] {
        problem(other_api.get(&path).await, 404).await;
    }
    for step in ["submit", "cancel", "settle"] {
        problem(
            other_api
                .post(&format!("/api/v1/collections/{batch}/{step}"), json!({}))
                .await,
            404,
        )
        .await;
    }
    let list = other_api.get_json("/api/v1/collections").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let token = csrf_token(&c.app.page_as(&other, "/admin/collections").await);
    let response = c
        .app
        .post_form_as(
            &other,
            &format!("/admin/collections/{batch}/cancel"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = c
        .app
        .submit_as(
            &other,
            "/admin/collections",
            "/admin/collections",
            &[("date", &date.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("creditor identifier")
    );
    // A viewer of the merchant reads but changes nothing.
    let viewer = c.app.user_with_role("viewer@fietsabo.nl", "viewer").await;
    assert_eq!(
        c.app
            .get_as(&viewer, &format!("/admin/collections/{batch}"))
            .await
            .status(),
        StatusCode::OK
    );
    let token = csrf_token(&c.app.page_as(&viewer, "/admin/collections").await);
    for path in [
        "/admin/collections".to_string(),
        "/admin/collections/settings".to_string(),
        format!("/admin/collections/{batch}/submit"),
        format!("/admin/collections/{batch}/cancel"),
    ] {
        let response = c
            .app
            .post_form_as(
                &viewer,
                &path,
                &[("csrf_token", &token), ("date", &date.to_string())],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let response = upload_as(&c.app, &viewer, "r.xml", camt054("V", &[])).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.api()
            .get_json(&format!("/api/v1/collections/{batch}"))
            .await["status"],
        "exported"
    );
}

#[tokio::test]
async fn bad_collection_settings_get_field_errors() {
    let c = Collector::new().await;
    let response = c
        .app
        .submit(
            "/admin/collections",
            "/admin/collections/settings",
            &[
                ("pain_format", "pain.008.003.02"),
                ("bank_cutoff", "25:00"),
                ("settle_days", "-1"),
                ("retry_count", "5"),
                ("retry_after_days", "2"),
                ("grey_list_after", "x"),
                ("return_actions", "AM04=maybe"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in [
        "pain_format",
        "bank_cutoff",
        "settle_days",
        "retry_count",
        "retry_after_days",
        "grey_list_after",
        "return_actions",
    ] {
        assert!(
            text_of(&html, &format!("{field}-error")).is_some(),
            "{field} has its message"
        );
    }
    let response = c
        .app
        .submit(
            "/admin/collections",
            "/admin/collections/settings",
            &[
                ("pain_format", "pain.008.001.08"),
                ("bank_cutoff", "15:30"),
                ("settle_days", "3"),
                ("retry_count", "2"),
                ("retry_after_days", "7"),
                ("grey_list_after", "2"),
                ("return_actions", "ms03=fail"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let settings = abbo::store::collections::settings(&c.app.db, &c.merchant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settings.pain_format, "pain.008.001.08");
    assert_eq!(settings.retry_count, 2);
    assert_eq!(settings.return_actions, "MS03=fail");
}

#[tokio::test]
async fn a_subscription_cancelled_at_the_period_end_moves_to_the_new_mandate_too() {
    // Cancelled at the end of its period, it still runs until then: its last debits need the
    // new mandate as much as an active one does.
    let mut c = Collector::new().await;
    let ids = c.subscriber("Jan", "Jansen", "J. Jansen", None).await;
    let page = format!("/admin/subscriptions/{}", ids.subscription);
    let cancelled = c
        .app
        .submit(
            &format!("{page}/cancel"),
            &format!("{page}/cancel"),
            &[("when", "end_of_period")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    let status = format!(
        "SELECT COUNT(*) FROM subscriptions WHERE id = '{}' AND status = 'cancelled'",
        ids.subscription
    );
    assert_eq!(c.count(&status).await, 1, "cancelled, still running");
    c.rejected(&ids, "MD01").await;
    let mails = c.deliver().await;
    let asked = mails
        .iter()
        .find(|m| m.text.contains("/m/new/"))
        .expect("a new-mandate link");
    let path = link_in(&asked.text, "/m/new/");
    assert!(
        c.app.page(&path).await.contains("id=\"consent-text\""),
        "the page asks for the new mandate"
    );
    let good = c
        .app
        .client
        .post(c.app.url(&path))
        .form(&[
            ("iban", "NL44 RABO 0123 4567 89"),
            ("account_holder", "Jan Jansen"),
            ("consent", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::OK);
    let moved = format!(
        "SELECT COUNT(*) FROM subscriptions s JOIN mandates m ON m.id = s.mandate_id \
         WHERE s.id = '{}' AND m.status = 'valid' AND m.id <> '{}'",
        ids.subscription, ids.mandate
    );
    assert_eq!(
        c.count(&moved).await,
        1,
        "the subscription runs on under the new mandate"
    );
}
