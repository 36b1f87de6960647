//! Importing customers from CSV and Excel files: upload, mapping, preview, commit, limits.

use std::io::Write;

use abbo::services::imports::{self, RunOutcome};
use reqwest::{Client, Response, StatusCode};

use crate::helpers::{TestApp, csrf_token, location, spawn_app, spawn_app_with, text_of};

async fn merchant_id(app: &TestApp) -> String {
    abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0)
        .id
}

/// Uploads a file the way the import page's form does (the CSRF token as the first field).
async fn upload_as(
    app: &TestApp,
    client: &Client,
    name: &str,
    bytes: Vec<u8>,
    sheet: &str,
) -> Response {
    let html = app.page_as(client, "/admin/import").await;
    let token = csrf_token(&html);
    let form = crate::helpers::upload_form(&token)
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        )
        .text("sheet", sheet.to_string());
    client
        .post(app.url("/admin/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads a file and returns the import's page address.
async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>, sheet: &str) -> String {
    let response = upload_as(app, &app.client, name, bytes, sheet).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "upload accepted");
    location(&response)
}

/// The mapping the page suggests: (field name, chosen field) for every column.
fn suggested_mapping(html: &str) -> Vec<(String, String)> {
    let document = scraper::Html::parse_document(html);
    let selects = scraper::Selector::parse("select[name^=column_]").unwrap();
    let selected = scraper::Selector::parse("option[selected]").unwrap();
    document
        .select(&selects)
        .map(|s| {
            let value = s
                .select(&selected)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default();
            (
                s.value().attr("name").unwrap().to_string(),
                value.to_string(),
            )
        })
        .collect()
}

/// Accepts the suggested mapping; returns the preview page.
async fn accept_mapping(app: &TestApp, page: &str) -> String {
    let html = app.page(page).await;
    let mapping = suggested_mapping(&html);
    let fields: Vec<(&str, &str)> = mapping
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app.submit(page, &format!("{page}/mapping"), &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "mapping accepted");
    app.page(page).await
}

/// Commits through the page and runs the worker's job to the end.
async fn commit(app: &TestApp, page: &str) {
    let response = app.submit(page, &format!("{page}/commit"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = page.rsplit('/').next().unwrap();
    let outcome = imports::run_chunks(&app.db, &merchant_id(app).await, id, None)
        .await
        .unwrap();
    assert_eq!(outcome, RunOutcome::Done);
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    crate::on_db!(&app.db, pool => {
        sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await
    })
    .unwrap()
}

async fn mandate_of(app: &TestApp, email: &str) -> (String, String, String, Option<String>) {
    crate::on_db!(&app.db, pool => {
        sqlx::query_as::<_, (String, String, String, Option<String>)>(
            "SELECT m.method, m.status, m.iban, CAST(m.signed_on AS TEXT) FROM mandates m \
             JOIN customers c ON c.id = m.customer_id WHERE c.email = $1",
        )
        .bind(email)
        .fetch_one(pool)
        .await
    })
    .unwrap()
}

async fn subscription_of(app: &TestApp, email: &str) -> (String, String) {
    crate::on_db!(&app.db, pool => {
        sqlx::query_as::<_, (String, String)>(
            "SELECT s.status, CAST(s.start_date AS TEXT) FROM subscriptions s \
             JOIN customers c ON c.id = s.customer_id WHERE c.email = $1",
        )
        .bind(email)
        .fetch_one(pool)
        .await
    })
    .unwrap()
}

/// A messy export: BOM, semicolons, Windows-1252, a quoted newline, blank lines, an extra column.
fn messy_csv() -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    let text = "Klantnummer;Voornaam;Achternaam;E-mailadres;IBAN;Ondertekeningsdatum;Mandaatreferentie;Product;Ingangsdatum;Opmerking\r\n\
K1;Jos\u{e9};Jansen;jose@example.com;NL91 ABNA 0417 1643 00;15-01-2025;MDT-001;Fiets Plus;2025-02-01;\"belt\r\nop maandag\"\r\n\
\r\n\
K2;Piet;de Boer;piet@example.com;NL00ABNA0417164300;15-01-2025;MDT-002;Fiets Plus;2025-02-01;\r\n\
K3;Anna;Bakker;anna@example.com;NL91ABNA0417164300;31-02-2025;MDT-003;Fiets Plus;2025-02-01;\r\n\
K4;Kees;Smit;kees@example.com;NL91ABNA0417164300;15-01-2025;MDT-004;Onbekend pakket;2025-02-01;\r\n\
K1;Jos\u{e9};Jansen;jose2@example.com;;;;;;dubbel\r\n\
K6;Eva;=HYPERLINK(\"http://evil\");evil@example.com;NL12;15-01-2025;MDT-006;;;\r\n\
;Ute;Updated;bestaand@example.com;;;;;;\r\n\
;;;;;;;;;\r\n";
    // Windows-1252: é is one byte.
    let (encoded, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.extend_from_slice(&encoded);
    bytes
}

#[tokio::test]
async fn a_messy_csv_is_previewed_with_every_rejected_row_and_then_imported() {
    let app = spawn_app().await;
    app.setup().await;
    app.product(&[("method_email", "on")]).await;
    let response = app
        .submit(
            "/admin/customers/new",
            "/admin/customers",
            &[
                ("last_name", "Bestaand"),
                ("email", "bestaand@example.com"),
                ("payment_method", "manual"),
                ("city", "Gouda"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = upload(&app, "klanten.csv", messy_csv(), "").await;
    let html = app.page(&page).await;
    let mapping = suggested_mapping(&html);
    let chosen: Vec<&str> = mapping.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        chosen,
        [
            "reference",
            "first_name",
            "last_name",
            "email",
            "iban",
            "signed_on",
            "mandate_reference",
            "product",
            "start_date",
            ""
        ]
    );
    assert!(html.contains("José"), "Windows-1252 is decoded");

    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "1");
    assert_eq!(text_of(&preview, "count-updated").unwrap(), "1");
    assert_eq!(text_of(&preview, "count-rejected").unwrap(), "5");
    let rejected = text_of(&preview, "rejected").unwrap();
    for expected in [
        "IBAN:",
        "Mandate signature date: \"31-02-2025\" is not a date",
        "Unknown product \"Onbekend pakket\"",
        "Duplicate in the file: line 2 has the same customer reference",
    ] {
        assert!(rejected.contains(expected), "{expected} in {rejected}");
    }
    // Line numbers are the file's: the quoted newline and the blank line count.
    assert!(preview.contains("<td>5</td>"), "K2 starts on line 5");
    assert_eq!(count(&app, "customers").await, 1, "nothing written yet");

    let csv = app.get(&format!("{page}/rejected.csv")).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(";=HYPERLINK"), "{csv}");
    // The upload's semicolons, its own columns first, the line and the reasons last.
    let header = csv.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert!(header.starts_with("Klantnummer;Voornaam;"), "{header}");
    assert!(header.ends_with(";Opmerking;line;reasons"), "{header}");

    commit(&app, &page).await;
    let done = app.page(&page).await;
    assert!(text_of(&done, "done").unwrap().contains("2 rows written"));
    let dashboard = app.page("/admin").await;
    assert!(dashboard.contains("klanten.csv: 1 new, 1 updated customers"));
    assert!(dashboard.contains("<td>owner@example.com</td><td>import.completed</td>"));
    assert_eq!(count(&app, "customers").await, 2);
    let (method, status, iban, signed) = mandate_of(&app, "jose@example.com").await;
    assert_eq!((method.as_str(), status.as_str()), ("import", "valid"));
    assert_eq!(iban, "NL91ABNA0417164300");
    assert!(signed.unwrap().starts_with("2025-01-15"));
    let (status, start) = subscription_of(&app, "jose@example.com").await;
    assert_eq!(status, "active");
    assert!(start.starts_with("2025-02-01"));
    let customers = app.page("/admin/customers?q=jansen").await;
    assert!(customers.contains("José Jansen"));
    // The matched customer got the file's name and kept what the file left empty.
    let updated = app.page("/admin/customers?q=bestaand@example.com").await;
    assert!(updated.contains("Ute Updated"), "{updated}");
    let payment: (String, String) = crate::on_db!(&app.db, pool => {
        sqlx::query_as("SELECT payment_method, city FROM customers WHERE email = 'bestaand@example.com'")
            .fetch_one(pool)
            .await
    })
    .unwrap();
    assert_eq!(payment, ("manual".to_string(), "Gouda".to_string()));
}

/// A minimal .xlsx: the given sheets, cells as raw `<c>` XML; style 1 is a date format.
fn xlsx(sheets: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    );
    let mut workbook = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{main}\" xmlns:r=\"{rels}\"><sheets>"
    );
    let mut workbook_rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!("<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"));
        workbook.push_str(&format!(
            "<sheet name=\"{name}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
        ));
        workbook_rels.push_str(&format!("<Relationship Id=\"rId{n}\" Type=\"{rels}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"));
    }
    types.push_str("</Types>");
    workbook.push_str("</sheets></workbook>");
    workbook_rels.push_str(&format!(
        "<Relationship Id=\"rId99\" Type=\"{rels}/styles\" Target=\"styles.xml\"/></Relationships>"
    ));
    let files = [
        ("[Content_Types].xml", types),
        (
            "_rels/.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rels}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        (
            "xl/styles.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"{main}\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"
            ),
        ),
    ];
    for (name, content) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    for (i, (_, cells)) in sheets.iter().enumerate() {
        zip.start_file(format!("xl/worksheets/sheet{}.xml", i + 1), options)
            .unwrap();
        zip.write_all(
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{main}\"><sheetData>{cells}</sheetData></worksheet>")
                .as_bytes(),
        )
        .unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn text_cell(r: &str, text: &str) -> String {
    format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

#[tokio::test]
async fn an_excel_export_with_dates_as_numbers_is_read_from_the_chosen_sheet() {
    let app = spawn_app().await;
    app.setup().await;
    let product_id = app.product(&[("method_email", "on")]).await;
    let header = [
        "Prénom",
        "Nom",
        "Courriel",
        "IBAN",
        "Date de signature",
        "Produit",
        "Date de début",
    ]
    .iter()
    .zip('A'..)
    .map(|(h, col)| text_cell(&format!("{col}1"), h))
    .collect::<String>();
    let row = |n: u32, first: &str, email: &str, product: &str| {
        format!(
            "<row r=\"{n}\">{}<c r=\"B{n}\" t=\"str\"><f>UPPER(\"x\")</f><v>Formule</v></c>{}{}<c r=\"E{n}\" s=\"1\"><v>45672</v></c>{}<c r=\"G{n}\"><v>45689</v></c></row>",
            text_cell(&format!("A{n}"), first),
            text_cell(&format!("C{n}"), email),
            text_cell(&format!("D{n}"), "BE68539007547034"),
            text_cell(&format!("F{n}"), product),
        )
    };
    let klanten = format!(
        "<row r=\"1\">{header}</row>{}{}",
        row(2, "Marie", "marie@example.be", "Fiets Plus"),
        row(4, "Luc", "luc@example.be", &product_id),
    );
    let info = format!(
        "<row r=\"1\">{}</row>",
        text_cell("A1", "Exported by OtherTool")
    );
    let file = xlsx(&[("Info", &info), ("Klanten", &klanten)]);

    let response = upload_as(&app, &app.client, "export.xlsx", file.clone(), "Nope").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "upload-error")
            .unwrap()
            .contains("Info, Klanten")
    );

    let page = upload(&app, "export.xlsx", file, "klanten").await;
    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "2", "{preview}");
    assert_eq!(text_of(&preview, "count-rejected").unwrap(), "0");
    commit(&app, &page).await;
    let (method, _, iban, signed) = mandate_of(&app, "luc@example.be").await;
    assert_eq!(method, "import");
    assert_eq!(iban, "BE68539007547034");
    assert!(signed.unwrap().starts_with("2025-01-15"));
    let (_, start) = subscription_of(&app, "marie@example.be").await;
    assert!(start.starts_with("2025-02-01"));
    // The formula's cached value is used; it is never evaluated.
    let name: String = crate::on_db!(&app.db, pool => {
        sqlx::query_scalar("SELECT last_name FROM customers WHERE email = 'marie@example.be'")
            .fetch_one(pool)
            .await
    })
    .unwrap();
    assert_eq!(name, "Formule");
}

fn many_rows(n: usize) -> Vec<u8> {
    let mut text = String::from("reference,last_name,email,iban,signed_on,mandate_reference\n");
    for i in 0..n {
        text.push_str(&format!(
            "C{i},Klant {i},klant{i}@example.com,NL91ABNA0417164300,2024-03-01,IMP-{i}\n"
        ));
    }
    text.into_bytes()
}

#[tokio::test]
async fn an_interrupted_import_resumes_without_duplicating_or_losing_rows() {
    let app = spawn_app().await;
    app.setup().await;
    let merchant = merchant_id(&app).await;
    let page = upload(&app, "many.csv", many_rows(1200), "").await;
    let id = page.rsplit('/').next().unwrap().to_string();
    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "1200");

    let response = app.submit(&page, &format!("{page}/commit"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The worker stops after one chunk (as if the process was stopped).
    let outcome = imports::run_chunks(&app.db, &merchant, &id, Some(1))
        .await
        .unwrap();
    assert_eq!(outcome, RunOutcome::Stopped);
    assert_eq!(count(&app, "customers").await, 500);
    let progress = app.page(&page).await;
    assert!(progress.contains("http-equiv=\"refresh\""));
    assert!(progress.contains("Written 500 of 1200 rows"));
    assert!(progress.contains("<progress"));

    // A worker whose lease has not expired blocks a second one.
    let soon = abbo::store::now() + chrono::Duration::minutes(1);
    assert!(
        abbo::store::imports::claim(&app.db, &merchant, &id, abbo::store::now(), soon)
            .await
            .unwrap()
    );
    assert_eq!(
        imports::run_chunks(&app.db, &merchant, &id, None)
            .await
            .unwrap(),
        RunOutcome::Busy
    );
    // Once that lease has expired (the worker crashed), the next run takes over and finishes.
    let expired = abbo::store::now() - chrono::Duration::minutes(10);
    let mut tx = app.db.begin().await.unwrap();
    crate::on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE imports SET locked_until = $1 WHERE id = $2")
            .bind(expired)
            .bind(&id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .unwrap();
    tx.commit().await.unwrap();
    imports::run_due(&app.db).await.unwrap();
    assert_eq!(count(&app, "customers").await, 1200);
    assert_eq!(count(&app, "mandates").await, 1200);
    assert!(
        text_of(&app.page(&page).await, "done")
            .unwrap()
            .contains("1200 rows written")
    );

    // Importing the same file again updates the same customers and reuses their mandates.
    let again = upload(&app, "many.csv", many_rows(1200), "").await;
    let preview = accept_mapping(&app, &again).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "0");
    assert_eq!(text_of(&preview, "count-updated").unwrap(), "1200");
    commit(&app, &again).await;
    assert_eq!(count(&app, "customers").await, 1200);
    assert_eq!(count(&app, "mandates").await, 1200);
}

#[tokio::test]
async fn files_over_the_size_limits_are_refused_with_a_clear_message() {
    let app = spawn_app_with(|s| {
        s.import.max_upload_mb = 1;
        s.import.max_uncompressed_mb = 1;
    })
    .await;
    app.setup().await;
    let big = many_rows(20_000);
    assert!(big.len() > 1024 * 1024);
    let response = upload_as(&app, &app.client, "big.csv", big, "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "upload-error")
            .unwrap()
            .contains("larger than 1 MB")
    );

    // Small on the wire, but it would unpack to 2 MB.
    let padding = format!(
        "<row r=\"2\">{}</row>",
        text_cell("A2", &" ".repeat(2 * 1024 * 1024))
    );
    let bomb = xlsx(&[("Sheet1", &padding)]);
    assert!(bomb.len() < 100 * 1024);
    let response = upload_as(&app, &app.client, "bomb.xlsx", bomb, "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "upload-error")
            .unwrap()
            .contains("unpacks to more than 1 MB")
    );

    let response = upload_as(&app, &app.client, "empty.csv", b"naam\n".to_vec(), "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "imports").await, 0);
}

#[tokio::test]
async fn a_bad_mapping_is_shown_again_with_a_message() {
    let app = spawn_app().await;
    app.setup().await;
    let page = upload(
        &app,
        "a.csv",
        b"Naam,Email,Mail\nJansen,a@example.com,b@example.com\n".to_vec(),
        "",
    )
    .await;
    let response = app
        .submit(
            &page,
            &format!("{page}/mapping"),
            &[
                ("column_0", "last_name"),
                ("column_1", "email"),
                ("column_2", "email"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        text_of(&html, "import-error")
            .unwrap()
            .contains("Email is chosen for two columns")
    );
    assert!(html.contains("id=\"mapping\""));
    // The message points at the column to change, next to its field.
    let at_column = text_of(&html, "column_2-error").expect("an error at the third column");
    assert!(at_column.contains("“Email” and “Mail”"), "{at_column}");
    assert!(text_of(&html, "column_1-error").is_none());
    assert!(html.contains("aria-describedby=\"column_2-error\""));

    let page = upload(
        &app,
        "b.csv",
        b"Naam;Rekening\nJansen;NL91ABNA0417164300\n".to_vec(),
        "",
    )
    .await;
    let response = app
        .submit(
            &page,
            &format!("{page}/mapping"),
            &[("column_0", "last_name"), ("column_1", "iban")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let at_column = text_of(&html, "column_1-error").expect("an error at the IBAN column");
    assert!(at_column.contains("“Rekening”"), "{at_column}");
    assert!(at_column.contains("signature date"), "{at_column}");
}

/// A file as Dutch Excel saves it: semicolons, mobile numbers that lost their 0 or +, the
/// "Datum machtiging" header and a "Klant sinds" column.
fn dutch_excel_csv() -> Vec<u8> {
    "Klantnummer;Voornaam;Achternaam;E-mailadres;Mobiel;Land;IBAN;Datum machtiging;Product;Klant sinds\r\n\
K1;Anna;Jansen;anna@example.com;612345999;NL;NL91ABNA0417164300;15-01-2025;Fiets Plus;01-03-2019\r\n\
K2;Bert;Visser;bert@example.com;31612340001;;NL91ABNA0417164300;15-01-2025;;\r\n\
K3;Cor;Fout;cor@example.com;;NL;NL00ABNA0417164300;15-01-2025;;\r\n"
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_dutch_excel_file_is_understood_counted_and_its_rejected_rows_come_back_alike() {
    let app = spawn_app().await;
    app.setup().await;
    app.product(&[("method_email", "on")]).await;
    let page = upload(&app, "klanten.csv", dutch_excel_csv(), "").await;
    let html = app.page(&page).await;
    let chosen: Vec<String> = suggested_mapping(&html)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        chosen,
        [
            "reference",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "iban",
            "signed_on",
            "product",
            "customer_since"
        ]
    );
    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "2", "{preview}");
    assert_eq!(text_of(&preview, "count-rejected").unwrap(), "1");
    assert_eq!(text_of(&preview, "count-mandates").unwrap(), "2");
    assert_eq!(text_of(&preview, "count-subscriptions").unwrap(), "1");

    let csv = app
        .get(&format!("{page}/rejected.csv"))
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        "Klantnummer;Voornaam;Achternaam;E-mailadres;Mobiel;Land;IBAN;Datum machtiging;Product;Klant sinds;line;reasons"
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("K3;Cor;Fout;cor@example.com;;NL;NL00ABNA0417164300;15-01-2025;;;4;IBAN:"),
        "{row}"
    );

    commit(&app, &page).await;
    let customer = |email: &'static str| {
        let db = app.db.clone();
        async move {
            crate::on_db!(&db, pool => {
                sqlx::query_as::<_, (String, String)>(
                    "SELECT phone, CAST(created_at AS TEXT) FROM customers WHERE email = $1",
                )
                .bind(email)
                .fetch_one(pool)
                .await
            })
            .unwrap()
        }
    };
    let (phone, since) = customer("anna@example.com").await;
    assert_eq!(phone, "+31612345999", "the lost 0 is back");
    assert!(since.starts_with("2019-03-01"), "customer since {since}");
    let (phone, since) = customer("bert@example.com").await;
    assert_eq!(phone, "+31612340001", "the lost + is back");
    assert!(!since.starts_with("2019"), "no date in the file: today");
    let id = crate::on_db!(&app.db, pool => {
        sqlx::query_scalar::<_, String>("SELECT id FROM customers WHERE email = 'anna@example.com'")
            .fetch_one(pool)
            .await
    })
    .unwrap();
    let customer_page = app.page(&format!("/admin/customers/{id}")).await;
    assert!(customer_page.contains("<dt>Customer since</dt><dd>2019-03-01</dd>"));
}

#[tokio::test]
async fn the_template_uses_the_separator_of_the_merchants_spreadsheets() {
    let app = spawn_app().await;
    app.setup().await;
    let template = |query: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/admin/import/template.csv{query}"))
                .await
                .text()
                .await
                .unwrap()
        }
    };
    assert!(template("").await.starts_with("reference,first_name,"));
    let semicolons = template("?separator=semicolon").await;
    assert!(
        semicolons.starts_with("reference;first_name;"),
        "{semicolons}"
    );
    assert!(
        app.page("/admin/import")
            .await
            .contains("separator=semicolon")
    );
    let mut tx = app.db.begin().await.unwrap();
    crate::on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE merchants SET default_language = 'nl'").execute(conn).await.unwrap();
    });
    tx.commit().await.unwrap();
    assert!(template("").await.starts_with("reference;first_name;"));
    assert!(
        template("?separator=comma")
            .await
            .starts_with("reference,first_name,")
    );
    // The semicolon template imports as it is.
    let page = upload(&app, "template.csv", semicolons.into_bytes(), "").await;
    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "1", "{preview}");
    assert_eq!(text_of(&preview, "count-rejected").unwrap(), "0");
    assert_eq!(text_of(&preview, "count-mandates").unwrap(), "1");
}

#[tokio::test]
async fn imports_of_another_merchant_are_not_found() {
    let app = spawn_app().await;
    app.setup().await;
    let page = upload(&app, "a.csv", b"Naam\nJansen\n".to_vec(), "").await;
    let other = app.other_merchant().await;
    for path in [page.clone(), format!("{page}/rejected.csv")] {
        let response = app.get_as(&other, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let html = app.page_as(&other, "/admin/import").await;
    assert!(!html.contains("a.csv"));
    for action in ["mapping", "commit"] {
        let response = app
            .submit_as(
                &other,
                "/admin/import",
                &format!("{page}/{action}"),
                &[("column_0", "last_name")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{action}");
    }
}

#[tokio::test]
async fn the_template_lists_every_column_and_the_nav_links_to_import() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app.get("/admin/import/template.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with("reference,first_name,last_name,company,email"));
    // The template's example row imports as it is.
    let page = upload(&app, "template.csv", text.into_bytes(), "").await;
    let preview = accept_mapping(&app, &page).await;
    assert_eq!(text_of(&preview, "count-new").unwrap(), "1", "{preview}");
    assert_eq!(text_of(&preview, "count-rejected").unwrap(), "0");
    assert!(app.page("/admin").await.contains("href=\"/admin/import\""));
}

fn abbo(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_abbo"))
        .arg("--config")
        .arg(app.data_dir.path().join("missing.toml"))
        .args(args)
        .env("ABBO_DATABASE__URL", &app.config.database_url)
        .env("ABBO_STORAGE__DATA_DIR", app.data_dir.path())
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_command_line_previews_and_commits_an_import() {
    let app = spawn_app().await;
    app.setup().await;
    let file = app.data_dir.path().join("klanten.csv");
    std::fs::write(
        &file,
        "Achternaam;E-mailadres;IBAN;Ondertekeningsdatum\nJansen;jan@example.com;NL91ABNA0417164300;2025-01-15\nPieters;bad;NL91ABNA0417164300;2025-01-15\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let output = abbo(&app, &["import", path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("E-mailadres -> Email"), "{stdout}");
    assert!(stdout.contains("1 new, 0 updated, 1 rejected"), "{stdout}");
    assert!(stdout.contains("line 3: Email:"), "{stdout}");
    assert_eq!(count(&app, "customers").await, 0);

    let output = abbo(&app, &["import", path, "--commit"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Imported: 1 row written"));
    assert_eq!(count(&app, "customers").await, 1);

    let bad = app.data_dir.path().join("broken.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    let output = abbo(&app, &["import", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a readable Excel file"));
}

#[tokio::test]
async fn a_viewer_sees_imports_but_cannot_upload() {
    let app = spawn_app().await;
    app.setup().await;
    let viewer = app.user_with_role("viewer@example.com", "viewer").await;
    let html = app.page_as(&viewer, "/admin/import").await;
    assert!(!html.contains("enctype=\"multipart/form-data\""));
    let response = upload_as(&app, &viewer, "a.csv", b"Naam\nJansen\n".to_vec(), "").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "imports").await, 0);
}
