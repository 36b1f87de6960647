use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{csrf_token, spawn_app, text_of};

const VALID: [(&str, &str); 12] = [
    ("contact_email", "Klantenservice@Fietsabo.NL"),
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
    ("brand_colour", "#AbC"),
];

/// The valid settings with `field` set to `value` (added when it is not one of them).
fn with(field: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut fields: Vec<_> = VALID.iter().filter(|(k, _)| *k != field).copied().collect();
    fields.push((field, value));
    fields
}

#[tokio::test]
async fn valid_settings_are_normalised_saved_and_shown() {
    let app = spawn_app().await;
    app.setup().await;
    let response = app
        .submit("/admin/settings", "/admin/settings", &VALID)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = app.page("/admin/settings").await;
    assert!(html.contains("Settings saved."));
    assert!(
        html.contains("value=\"DE98ZZZ09999999999\""),
        "creditor id normalised"
    );
    assert!(
        html.contains("value=\"NL91 ABNA 0417 1643 00\""),
        "IBAN shown grouped"
    );
    assert!(html.contains("value=\"ABNANL2A\""));
    assert!(html.contains("value=\"NL\""));
    assert!(html.contains("value=\"#aabbcc\""), "colour expanded");
    assert!(
        html.contains("value=\"Klantenservice@fietsabo.nl\""),
        "email domain lower-cased"
    );
    assert!(html.contains("<option value=\"nl\" selected>"));

    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        merchant.creditor_iban.as_deref(),
        Some("NL91ABNA0417164300")
    );
    assert_eq!(merchant.default_language, "nl");
    // The change is in the activity log with who did it.
    let dashboard = app.page("/admin").await;
    assert!(dashboard.contains("settings.updated"));
    assert!(
        !dashboard.contains("Add your SEPA creditor identifier"),
        "checklist done"
    );
}

#[tokio::test]
async fn each_invalid_setting_is_reported_next_to_its_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.setup().await;
    let cases = [
        ("name", "", "name-error"),
        ("creditor_id", "DE71ZZZ00000111111", "creditor_id-error"),
        (
            "creditor_iban",
            "GB01BARC20714583608387",
            "creditor_iban-error",
        ),
        ("creditor_iban", "NL91ABNA0417164301", "creditor_iban-error"),
        ("creditor_bic", "ABN", "creditor_bic-error"),
        ("country", "XX", "country-error"),
        ("contact_email", "not an email", "contact_email-error"),
        ("default_language", "klingon", "default_language-error"),
        ("brand_colour", "blue", "brand_colour-error"),
        ("formality", "casual", "formality-error"),
        (
            "city",
            "A city name that is far too long for a SEPA file",
            "city-error",
        ),
    ];
    for (field, value, error_id) in cases {
        let response = app
            .submit("/admin/settings", "/admin/settings", &with(field, value))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        let html = response.text().await.unwrap();
        let message =
            text_of(&html, error_id).unwrap_or_else(|| panic!("no message for {field}={value}"));
        assert!(!message.is_empty());
        assert!(html.contains("Please correct the following"));
        // A select shows its options, not the refused value.
        if !value.is_empty() && !["default_language", "formality"].contains(&field) {
            assert!(
                html.contains(&format!("value=\"{value}\"")),
                "the typed value is kept for {field}"
            );
        }
    }
    let merchant = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(merchant.creditor_id, None);
    assert_eq!(merchant.name, "Fietsabonnement BV");
}

#[tokio::test]
async fn the_address_setting_is_saved_kept_when_not_sent_and_refused_when_unknown() {
    let app = spawn_app().await;
    app.setup().await;
    let formality = async || {
        abbo::store::merchants::list(&app.db)
            .await
            .unwrap()
            .remove(0)
            .formality
    };
    assert_eq!(
        formality().await,
        "formal",
        "existing merchants stay formal"
    );
    let html = app.page("/admin/settings").await;
    assert!(html.contains("Address customers as"));
    assert!(html.contains("<option value=\"formal\" selected>"));

    let mut informal = VALID.to_vec();
    informal.push(("formality", "informal"));
    let response = app
        .submit("/admin/settings", "/admin/settings", &informal)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(formality().await, "informal");
    let html = app.page("/admin/settings").await;
    assert!(html.contains("<option value=\"informal\" selected>"));

    // A form without the field (an older page, a script) leaves the choice alone.
    let response = app
        .submit("/admin/settings", "/admin/settings", &VALID)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(formality().await, "informal");

    for bad in ["", "tutoyeren", "Sie"] {
        let mut fields = VALID.to_vec();
        fields.push(("formality", bad));
        let response = app
            .submit("/admin/settings", "/admin/settings", &fields)
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let html = response.text().await.unwrap();
        assert_eq!(
            text_of(&html, "formality-error").as_deref(),
            Some("Choose formal or informal"),
            "{bad}"
        );
        assert_eq!(formality().await, "informal", "{bad} saved nothing");
    }
}

fn png() -> Vec<u8> {
    let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
    data.extend_from_slice(&[0u8; 64]);
    data
}

#[tokio::test]
async fn a_logo_is_uploaded_served_and_removed_and_bad_files_are_refused() {
    let app = spawn_app().await;
    app.setup().await;
    let token = csrf_token(&app.page("/admin/settings").await);
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form =
            crate::helpers::upload_form(&token).part("logo", Part::bytes(bytes).file_name(name));
        app.client
            .post(app.url("/admin/settings/logo"))
            .multipart(form)
            .send()
    };

    let svg = upload(
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        "logo.png",
    )
    .await
    .unwrap();
    assert_eq!(svg.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&svg.text().await.unwrap(), "logo-error").as_deref(),
        Some("Upload a PNG, JPEG or WebP image")
    );

    let big = upload([png(), vec![0u8; 600 * 1024]].concat(), "big.png")
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&big.text().await.unwrap(), "logo-error").as_deref(),
        Some("The logo may be at most 512 kB")
    );

    let ok = upload(png(), "logo.png").await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let html = app.page("/admin/settings").await;
    let start = html.find("/media/logo/").expect("the logo is shown");
    let url = &html[start..html[start..].find('"').unwrap() + start];
    let image = app.get(url).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(image.headers()["x-content-type-options"], "nosniff");
    assert_eq!(image.bytes().await.unwrap().to_vec(), png());

    // Without the token, the upload is refused.
    let form = Form::new().part("logo", Part::bytes(png()).file_name("logo.png"));
    let forged = app
        .client
        .post(app.url("/admin/settings/logo"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let response = app
        .submit("/admin/settings", "/admin/settings/logo/remove", &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(url).await.status(), StatusCode::NOT_FOUND);
}
