//! Invoice and credit-note PDFs, laid out in process by Typst from `templates/invoice.typ`.
//!
//! The caller hands over plain, already chosen data ([`InvoicePdf`]); this module computes the
//! totals per VAT rate, formats every value in the customer's language and passes it all to the
//! template as `sys.inputs`, so no caller text is ever parsed as Typst markup. Fonts (Libertinus
//! Serif, from `typst-assets`) are compiled into the binary and nothing is read from disk or
//! the network. The same input gives byte-identical output: the PDF's date is the issue date at
//! 00:00 UTC and its identifier is a hash of its title and author.

use std::sync::LazyLock;

use anyhow::{Context, anyhow};
use chrono::{Datelike, NaiveDate};
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart, Str, Value};
use typst::text::Font;
use typst::visualize::ExchangeFormat;
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::domain::invoice::{LineAmount, per_rate, vat_included};
use crate::domain::{Formality, Language};
use crate::i18n::{Texts, long_date, money};

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("../../../templates/invoice.typ");

/// The only font family the engine knows (so no glyph silently falls back to another face).
const FONT_FAMILY: &str = "Libertinus Serif";

/// The accent colour when the merchant's is not a `#rrggbb` colour.
const DEFAULT_BRAND_COLOUR: &str = "#1f6feb";

/// Whether a document is an invoice or a credit note correcting one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

/// One line of an invoice: its amount includes VAT (negative on a credit note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfLine {
    pub description: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub amount_minor: i64,
    /// 2100 = 21 %.
    pub vat_basis_points: u32,
}

/// Everything printed on an invoice or credit note, as the caller chose it (an issued
/// invoice's snapshot of both parties). Empty strings are left out of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePdf {
    pub kind: DocumentKind,
    /// The customer's language: every label, date and amount is written in it.
    pub language: Language,
    /// How the labels address the customer ("Uw referentie" or "Jouw referentie").
    pub formality: Formality,
    pub number: String,
    pub issue_date: NaiveDate,
    pub supply_start: Option<NaiveDate>,
    pub supply_end: Option<NaiveDate>,
    /// On a credit note: the number of the invoice it corrects.
    pub credits_number: Option<String>,
    /// On a credit note: why.
    pub credit_reason: String,

    pub merchant_name: String,
    pub merchant_address: Vec<String>,
    pub merchant_email: String,
    pub merchant_kvk: String,
    pub merchant_vat_number: String,
    pub merchant_iban: String,
    pub creditor_id: String,

    pub customer_name: String,
    pub customer_company: String,
    pub customer_address: Vec<String>,
    pub customer_email: String,
    pub customer_vat_number: String,
    pub customer_reference: String,

    pub lines: Vec<PdfLine>,
    /// A ready-made sentence saying what will be collected when, from which account.
    pub collection: Option<String>,
    /// The merchant's own footer text.
    pub footer: String,
    /// The accent colour, like `#1f6feb`.
    pub brand_colour: String,
    /// The logo's bytes and content type (image/png, image/jpeg or image/webp); left out when it
    /// cannot be shown.
    pub logo: Option<(Vec<u8>, String)>,
}

/// The Typst engine with its fonts and template, built once: parsing fonts is slow.
static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .filter(|font| font.info().family == FONT_FAMILY)
        .collect();
    TypstEngine::builder()
        .main_file(("invoice.typ", TEMPLATE))
        .fonts(fonts)
        // Keep Typst's memoised layout of recent renders: warm renders reuse most of it.
        .comemo_evict_max_age(Some(10))
        .build()
});

/// Renders `doc` to PDF bytes; the same `doc` always gives the same bytes.
#[tracing::instrument(skip_all, fields(number = %doc.number))]
pub fn render(doc: &InvoicePdf) -> anyhow::Result<Vec<u8>> {
    let logo = doc
        .logo
        .as_ref()
        .and_then(|(bytes, content_type)| showable_logo(bytes, content_type));
    match compile(doc, logo.clone()) {
        Ok(pdf) => Ok(pdf),
        // A logo that looked right but does not decode is left out rather than failing the
        // invoice.
        Err(error) if logo.is_some() => {
            tracing::warn!(error = %format!("{error:#}"), "leaving out a logo Typst cannot show");
            compile(doc, None)
        }
        Err(error) => Err(error),
    }
}

/// The logo as Typst bytes when its content type is one we show and its bytes are of that type.
fn showable_logo(bytes: &[u8], content_type: &str) -> Option<Bytes> {
    let expected = match content_type.trim().to_ascii_lowercase().as_str() {
        "image/png" => ExchangeFormat::Png,
        "image/jpeg" | "image/jpg" => ExchangeFormat::Jpg,
        "image/webp" => ExchangeFormat::Webp,
        other => {
            tracing::warn!(
                content_type = other,
                "leaving out a logo of a type Typst cannot show"
            );
            return None;
        }
    };
    if ExchangeFormat::detect(bytes) != Some(expected) {
        tracing::warn!(
            content_type,
            "leaving out a logo whose bytes are not its type"
        );
        return None;
    }
    Some(Bytes::new(bytes.to_vec()))
}

fn compile(doc: &InvoicePdf, logo: Option<Bytes>) -> anyhow::Result<Vec<u8>> {
    let inputs = inputs(doc, logo);
    let warned = ENGINE.compile_with_input::<_, PagedDocument>(inputs);
    for warning in &warned.warnings {
        tracing::warn!(warning = %warning.message, "typst warned while laying out an invoice");
    }
    let document = warned
        .output
        .map_err(|error| anyhow!(describe_compile_error(&error)))
        .context("laying out the invoice PDF")?;
    let timestamp = Datetime::from_ymd_hms(
        doc.issue_date.year(),
        doc.issue_date.month() as u8,
        doc.issue_date.day() as u8,
        0,
        0,
        0,
    )
    .map(Timestamp::new_utc);
    let options = PdfOptions {
        // Derived from the document's title and author: stable across renders.
        ident: Smart::Auto,
        timestamp,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| anyhow!(describe_diagnostics(&errors)))
        .context("writing the invoice PDF")
}

fn describe_compile_error(error: &TypstAsLibError) -> String {
    match error {
        TypstAsLibError::TypstSource(diagnostics) => describe_diagnostics(diagnostics),
        other => other.to_string(),
    }
}

fn describe_diagnostics(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// `sys.inputs` for the template: every value a string (already formatted), none, an array or
/// a dictionary of those, or the logo's bytes.
fn inputs(doc: &InvoicePdf, logo: Option<Bytes>) -> Dict {
    let language = doc.language;
    let texts = Texts::new(language, doc.formality);
    let label = |key: &str| texts.get(key).into_value();
    let date = |date: NaiveDate| long_date(language, date);
    let amount = |minor: i64| money(language, minor);
    let credit_note = doc.kind == DocumentKind::CreditNote;

    let labels = dict([
        (
            "title",
            label(if credit_note {
                "invoice-credit-note-title"
            } else {
                "invoice-title"
            }),
        ),
        (
            "number",
            label(if credit_note {
                "invoice-credit-note-number"
            } else {
                "invoice-number"
            }),
        ),
        (
            "date",
            label(if credit_note {
                "invoice-credit-note-date"
            } else {
                "invoice-date"
            }),
        ),
        ("supply_period", label("invoice-supply-period")),
        ("customer_reference", label("invoice-customer-reference")),
        ("corrects", label("invoice-corrects")),
        ("credit_reason", label("invoice-credit-reason")),
        ("supplier", label("invoice-supplier")),
        ("customer", label("invoice-customer")),
        ("description", label("invoice-description")),
        ("period", label("invoice-period")),
        ("excl_vat", label("invoice-excl-vat")),
        ("vat_rate", label("invoice-vat-rate")),
        ("vat", label("invoice-vat")),
        ("incl_vat", label("invoice-incl-vat")),
        ("vat_summary", label("invoice-vat-summary")),
        ("total", label("invoice-total")),
        ("kvk", label("invoice-kvk")),
        ("vat_number", label("invoice-vat-number")),
        ("iban", label("invoice-iban")),
        ("creditor_id", label("invoice-creditor-id")),
    ]);

    let supply_period = match (doc.supply_start, doc.supply_end) {
        (Some(start), Some(end)) if start != end => {
            Some(format!("{} – {}", date(start), date(end)))
        }
        (Some(day), _) | (None, Some(day)) => Some(date(day)),
        (None, None) => None,
    };

    let merchant = dict([
        ("name", doc.merchant_name.clone().into_value()),
        ("address", text_lines(&doc.merchant_address)),
        ("email", optional(&doc.merchant_email)),
        ("kvk", optional(&doc.merchant_kvk)),
        ("vat_number", optional(&doc.merchant_vat_number)),
        ("iban", optional(&doc.merchant_iban)),
        ("creditor_id", optional(&doc.creditor_id)),
    ]);
    let customer = dict([
        ("name", doc.customer_name.clone().into_value()),
        ("company", optional(&doc.customer_company)),
        ("address", text_lines(&doc.customer_address)),
        ("email", optional(&doc.customer_email)),
        ("vat_number", optional(&doc.customer_vat_number)),
    ]);

    let lines: Vec<Value> = doc
        .lines
        .iter()
        .map(|line| {
            // Per line for information only: the VAT owed is the per-rate summary's.
            let vat = vat_included(line.amount_minor, line.vat_basis_points);
            dict([
                ("description", line.description.clone().into_value()),
                ("period_start", line.period_start.map(date).into_value()),
                ("period_end", line.period_end.map(date).into_value()),
                ("net", amount(line.amount_minor - vat).into_value()),
                (
                    "vat_rate",
                    vat_percent(language, line.vat_basis_points).into_value(),
                ),
                ("vat", amount(vat).into_value()),
                ("gross", amount(line.amount_minor).into_value()),
            ])
        })
        .collect();

    let line_amounts: Vec<LineAmount> = doc
        .lines
        .iter()
        .map(|line| LineAmount {
            amount_minor: line.amount_minor,
            vat_basis_points: line.vat_basis_points,
        })
        .collect();
    let rate_totals = per_rate(&line_amounts);
    let total: i64 = rate_totals.iter().map(|rate| rate.gross_minor).sum();
    let rates: Vec<Value> = rate_totals
        .iter()
        .map(|rate| {
            dict([
                (
                    "rate",
                    vat_percent(language, rate.vat_basis_points).into_value(),
                ),
                ("net", amount(rate.net_minor).into_value()),
                ("vat", amount(rate.vat_minor).into_value()),
                ("gross", amount(rate.gross_minor).into_value()),
            ])
        })
        .collect();

    let Value::Dict(inputs) = dict([
        ("lang", language.code().into_value()),
        ("brand", brand_colour(&doc.brand_colour).into_value()),
        ("labels", labels),
        ("number", doc.number.clone().into_value()),
        ("issue_date", date(doc.issue_date).into_value()),
        ("supply_period", supply_period.into_value()),
        ("customer_reference", optional(&doc.customer_reference)),
        (
            "credits_number",
            optional(doc.credits_number.as_deref().unwrap_or_default()),
        ),
        (
            "credit_reason",
            if credit_note {
                optional(&doc.credit_reason)
            } else {
                Value::None
            },
        ),
        ("merchant", merchant),
        ("customer", customer),
        ("lines", lines.into_value()),
        ("rates", rates.into_value()),
        ("total", amount(total).into_value()),
        (
            "collection",
            optional(doc.collection.as_deref().unwrap_or_default()),
        ),
        ("footer", optional(&doc.footer)),
        ("logo", logo.into_value()),
    ]) else {
        unreachable!("dict() makes a dictionary")
    };
    inputs
}

fn dict<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (Str::from(key), value))
            .collect(),
    )
}

/// `none` for an empty (or blank) text, so the template leaves it out.
fn optional(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        Value::None
    } else {
        text.into_value()
    }
}

/// The non-blank lines of an address.
fn text_lines(lines: &[String]) -> Value {
    lines
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(|line| line.into_value())
        .collect::<Vec<_>>()
        .into_value()
}

/// The merchant's colour when it is `#rgb` or `#rrggbb`, else Abbo's blue.
fn brand_colour(colour: &str) -> String {
    let colour = colour.trim();
    let hex = colour.strip_prefix('#').unwrap_or_default();
    if matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        colour.to_ascii_lowercase()
    } else {
        DEFAULT_BRAND_COLOUR.to_string()
    }
}

/// A VAT rate as the language writes it: "21%", "9%" (en, nl), "21 %" (fr, de: no-break
/// space), "5.5%" / "5,5 %".
fn vat_percent(language: Language, basis_points: u32) -> String {
    let whole = basis_points / 100;
    let fraction = basis_points % 100;
    let decimal = if language == Language::En { '.' } else { ',' };
    let number = match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{decimal}{}", f / 10),
        f => format!("{whole}{decimal}{f:02}"),
    };
    match language {
        Language::En | Language::Nl => format!("{number}%"),
        Language::Fr | Language::De => format!("{number}\u{a0}%"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;
    use std::time::Instant;

    use super::*;
    use crate::domain::invoice::RateTotal;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn line(description: &str, amount_minor: i64, vat_basis_points: u32) -> PdfLine {
        PdfLine {
            description: description.to_string(),
            period_start: Some(day(2027, 3, 1)),
            period_end: Some(day(2027, 3, 31)),
            amount_minor,
            vat_basis_points,
        }
    }

    /// An invoice of a Dutch merchant to a Danish company: three one-cent lines at 21 % (whose
    /// VAT only exists per rate) and one at 9 %.
    fn invoice() -> InvoicePdf {
        InvoicePdf {
            kind: DocumentKind::Invoice,
            language: Language::En,
            formality: Formality::Formal,
            number: "2027-00042".to_string(),
            issue_date: day(2027, 3, 1),
            supply_start: Some(day(2027, 3, 1)),
            supply_end: Some(day(2027, 3, 31)),
            credits_number: None,
            credit_reason: String::new(),
            merchant_name: "Fietsabo B.V.".to_string(),
            merchant_address: vec![
                "Keizersgracht 123".to_string(),
                "1015 CJ Amsterdam".to_string(),
                "Netherlands".to_string(),
            ],
            merchant_email: "billing@fietsabo.example".to_string(),
            merchant_kvk: "87654321".to_string(),
            merchant_vat_number: "NL123456789B01".to_string(),
            merchant_iban: "NL91 ABNA 0417 1643 00".to_string(),
            creditor_id: "NL98ZZZ999999999999".to_string(),
            customer_name: "Łukasz Żółć".to_string(),
            customer_company: "Zoë Ørsted ApS".to_string(),
            customer_address: vec![
                "Vestergade 7".to_string(),
                "5970 Ærøskøbing".to_string(),
                "Denmark".to_string(),
            ],
            customer_email: "lukasz@orsted.example".to_string(),
            customer_vat_number: "DK12345678".to_string(),
            customer_reference: "PO-4711".to_string(),
            lines: vec![
                line("Bell service", 1, 2100),
                line("Light service", 1, 2100),
                line("Reflector service", 1, 2100),
                line("Bicycle lease, monthly", 1090, 900),
            ],
            collection: Some(
                "€ 10.93 will be collected from IBAN DK** **** **** **67 89 on 5 March 2027 \
                 under mandate reference ABBO-1 by creditor ID NL98ZZZ999999999999."
                    .to_string(),
            ),
            footer: "Thank you for riding with Fietsabo. Questions? Reply to this email."
                .to_string(),
            brand_colour: "#1f6feb".to_string(),
            logo: None,
        }
    }

    fn credit_note() -> InvoicePdf {
        let mut note = invoice();
        note.kind = DocumentKind::CreditNote;
        note.number = "C2027-00007".to_string();
        note.issue_date = day(2027, 3, 9);
        note.credits_number = Some("2027-00042".to_string());
        note.credit_reason = "Cancelled within the cooling-off period".to_string();
        note.collection = None;
        for line in &mut note.lines {
            line.amount_minor = -line.amount_minor;
        }
        note
    }

    /// Whether pdftotext and pdftoppm are here; in CI their absence fails the test.
    fn poppler_installed(test: &str) -> bool {
        let found = ["pdftotext", "pdftoppm"].iter().all(|tool| {
            Command::new(tool)
                .arg("-v")
                .output()
                .is_ok_and(|out| out.status.success())
        });
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: poppler-utils is not installed (scripts/install-test-deps.sh)"
            );
            eprintln!("skipping {test}: poppler-utils is not installed");
        }
        found
    }

    fn write_pdf(dir: &Path, pdf: &[u8]) -> std::path::PathBuf {
        let path = dir.join("document.pdf");
        std::fs::write(&path, pdf).unwrap();
        path
    }

    /// The text of a PDF as pdftotext lays it out, with every run of white space (no-break
    /// spaces included) made one space, so that a wrapped sentence reads as one.
    fn text_of(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = write_pdf(dir.path(), pdf);
        let out = Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        flat(&String::from_utf8(out.stdout).unwrap())
    }

    fn flat(text: &str) -> String {
        text.split(|c: char| c.is_whitespace() || c == '\u{a0}')
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[track_caller]
    fn assert_shows(text: &str, expected: &str) {
        let expected = flat(expected);
        assert!(text.contains(&expected), "{expected:?} is not in:\n{text}");
    }

    fn rates_of(doc: &InvoicePdf) -> Vec<RateTotal> {
        let amounts: Vec<LineAmount> = doc
            .lines
            .iter()
            .map(|line| LineAmount {
                amount_minor: line.amount_minor,
                vat_basis_points: line.vat_basis_points,
            })
            .collect();
        per_rate(&amounts)
    }

    #[test]
    fn the_bundled_font_has_every_glyph_of_european_names_and_the_euro() {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .filter(|font| font.info().family == FONT_FAMILY)
            .collect();
        assert!(fonts.len() >= 4, "regular, italic, semibold and bold");
        for font in &fonts {
            for c in "Łukasz Żółć Zoë Ørsted ApS Ærøskøbing € – · ß Ü é ç ñ š".chars()
            {
                assert!(
                    font.info().coverage.contains(c as u32),
                    "{c:?} is missing from {:?}",
                    font.info().variant
                );
            }
        }
    }

    #[test]
    fn an_invoice_shows_every_required_field_with_exact_diacritics() {
        if !poppler_installed("an_invoice_shows_every_required_field_with_exact_diacritics") {
            return;
        }
        let doc = invoice();
        let text = text_of(&render(&doc).unwrap());
        for expected in [
            "Invoice",
            "Invoice number 2027-00042",
            "Invoice date 1 March 2027",
            "Supply period 1 March 2027 – 31 March 2027",
            "Your reference PO-4711",
            "Fietsabo B.V.",
            "Keizersgracht 123",
            "1015 CJ Amsterdam",
            "billing@fietsabo.example",
            "KvK number 87654321",
            "VAT number NL123456789B01",
            "IBAN NL91 ABNA 0417 1643 00",
            "Creditor ID NL98ZZZ999999999999",
            "Łukasz Żółć",
            "Zoë Ørsted ApS",
            "Vestergade 7",
            "5970 Ærøskøbing",
            "Denmark",
            "lukasz@orsted.example",
            "VAT number DK12345678",
            "Bell service",
            "Bicycle lease, monthly",
            "1 March 2027 –",
            "31 March 2027",
            "VAT summary",
            doc.collection.as_deref().unwrap(),
            &doc.footer,
        ] {
            assert_shows(&text, expected);
        }
        // Each line: net, rate, VAT and gross (VAT per line is for information only).
        assert_shows(&text, "€ 0.01 21% € 0.00 € 0.01");
        assert_shows(&text, "€ 10.00 9% € 0.90 € 10.90");
        // The summary per rate carries the VAT of the summed amounts: 1 cent at 21 %.
        let rates = rates_of(&doc);
        assert_eq!(rates.len(), 2);
        for rate in &rates {
            let row = format!(
                "{} {} {} {}",
                vat_percent(Language::En, rate.vat_basis_points),
                money(Language::En, rate.net_minor),
                money(Language::En, rate.vat_minor),
                money(Language::En, rate.gross_minor),
            );
            assert_shows(&text, &row);
        }
        assert_shows(&text, "21% € 0.02 € 0.01 € 0.03");
        assert_shows(&text, "Total € 10.93");
    }

    #[test]
    fn the_same_invoice_gives_the_same_bytes_and_a_change_shows() {
        let first = render(&invoice()).unwrap();
        let second = render(&invoice()).unwrap();
        assert!(first.starts_with(b"%PDF-"));
        assert!(first == second, "two renders of one invoice differ");
        let mut changed = invoice();
        changed.customer_reference = "PO-4712".to_string();
        assert!(render(&changed).unwrap() != first);
        let mut later = invoice();
        later.issue_date = day(2027, 3, 2);
        assert!(render(&later).unwrap() != first);
    }

    #[test]
    fn a_credit_note_shows_its_label_the_invoice_it_corrects_the_reason_and_negative_amounts() {
        if !poppler_installed("a_credit_note_shows_its_label…") {
            return;
        }
        let note = credit_note();
        let text = text_of(&render(&note).unwrap());
        for expected in [
            "Credit note",
            "Credit note number C2027-00007",
            "Credit note date 9 March 2027",
            "Corrects invoice 2027-00042",
            "Reason Cancelled within the cooling-off period",
            "-€ 10.00 9% -€ 0.90 -€ 10.90",
            "21% -€ 0.02 -€ 0.01 -€ 0.03",
            "Total -€ 10.93",
        ] {
            assert_shows(&text, expected);
        }
        assert!(!text.contains("Invoice number"), "{text}");
    }

    #[test]
    fn every_language_shows_its_own_labels_dates_and_amounts() {
        if !poppler_installed("every_language_shows_its_own_labels_dates_and_amounts") {
            return;
        }
        let expectations: [(Language, &[&str]); 4] = [
            (
                Language::En,
                &[
                    "Invoice",
                    "Invoice date 1 March 2027",
                    "Excl. VAT",
                    "Total € 10.93",
                ],
            ),
            (
                Language::Nl,
                &[
                    "Factuur",
                    "Factuurnummer 2027-00042",
                    "Factuurdatum 1 maart 2027",
                    "Leveringsperiode 1 maart 2027 – 31 maart 2027",
                    "Excl. btw",
                    "Btw-specificatie",
                    "KvK-nummer 87654321",
                    "Btw-nummer NL123456789B01",
                    "21% € 0,02 € 0,01 € 0,03",
                    "Totaal € 10,93",
                ],
            ),
            (
                Language::Fr,
                &[
                    "Facture",
                    "Numéro de facture 2027-00042",
                    "Date de facture 1 mars 2027",
                    "HT",
                    "TTC",
                    "Récapitulatif TVA",
                    "N° de TVA NL123456789B01",
                    "21 % 0,02 € 0,01 € 0,03 €",
                    "Total TTC 10,93 €",
                ],
            ),
            (
                Language::De,
                &[
                    "Rechnung",
                    "Rechnungsnummer 2027-00042",
                    "Rechnungsdatum 1. März 2027",
                    "Leistungszeitraum 1. März 2027 – 31. März 2027",
                    "Netto",
                    "USt.-Übersicht",
                    "USt-IdNr. NL123456789B01",
                    "21 % € 0,02 € 0,01 € 0,03",
                    "Gesamtbetrag € 10,93",
                ],
            ),
        ];
        for (language, expected) in expectations {
            let mut doc = invoice();
            doc.language = language;
            let text = text_of(&render(&doc).unwrap());
            for expected in expected {
                assert_shows(&text, expected);
            }
        }
        let mut credit = credit_note();
        for (language, label) in [
            (Language::Nl, "Creditnota"),
            (Language::Fr, "Avoir"),
            (Language::De, "Gutschrift"),
        ] {
            credit.language = language;
            assert_shows(&text_of(&render(&credit).unwrap()), label);
        }
    }

    #[test]
    fn typst_markup_in_the_callers_text_prints_literally() {
        let hostile = r#"#panic("x") ] $ \ *bold*"#;
        let mut doc = invoice();
        doc.customer_name = hostile.to_string();
        doc.customer_company = "[#eval(\"1+1\")]".to_string();
        doc.customer_address = vec!["= Heading".to_string(), "// comment".to_string()];
        doc.lines[0].description = hostile.to_string();
        doc.footer = "#set text(fill: red) _emph_ @ref <label>".to_string();
        doc.brand_colour = "\"); panic(\"".to_string();
        let pdf = render(&doc).expect("markup in the data must not reach Typst's parser");
        if !poppler_installed("typst_markup_in_the_callers_text_prints_literally") {
            return;
        }
        let text = text_of(&pdf);
        for expected in [
            hostile,
            "[#eval(\"1+1\")]",
            "= Heading",
            "// comment",
            "#set text(fill: red) _emph_ @ref <label>",
        ] {
            assert_shows(&text, expected);
        }
    }

    #[test]
    fn a_logo_typst_cannot_show_is_left_out() {
        let plain = render(&invoice()).unwrap();
        for logo in [
            (b"not an image at all".to_vec(), "image/png"),
            (logo_png(), "image/gif"),
            (logo_png(), "image/jpeg"),
            // PNG's signature, then garbage: only Typst's decoder finds out.
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken".to_vec(), "image/png"),
        ] {
            let mut doc = invoice();
            doc.logo = Some((logo.0, logo.1.to_string()));
            assert!(render(&doc).unwrap() == plain, "{}", logo.1);
        }
        let mut with_logo = invoice();
        with_logo.logo = Some((logo_png(), "image/png".to_string()));
        assert!(render(&with_logo).unwrap() != plain);
    }

    #[test]
    fn a_long_invoice_continues_on_numbered_pages() {
        if !poppler_installed("a_long_invoice_continues_on_numbered_pages") {
            return;
        }
        let mut doc = invoice();
        doc.lines = (1..=60)
            .map(|n| line(&format!("Extra service {n}"), 1295, 2100))
            .collect();
        let text = text_of(&render(&doc).unwrap());
        // The header row comes back on every page.
        assert_eq!(text.matches("Description Period").count(), 3, "{text}");
        // pdftotext may or may not see the narrow spaces around the slash.
        let numbers = text.replace(" / ", "/");
        assert!(numbers.contains("1/3") && numbers.contains("3/3"), "{text}");
        assert_shows(&text, "Extra service 60");
        assert_shows(&text, &format!("Total {}", money(Language::En, 60 * 1295)));
    }

    #[test]
    fn screenshots_of_an_invoice_and_a_credit_note_for_people_to_look_at() {
        if !poppler_installed("screenshots_of_an_invoice_and_a_credit_note…") {
            return;
        }
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&folder).unwrap();
        let mut doc = invoice();
        doc.logo = Some((logo_png(), "image/png".to_string()));
        let mut note = credit_note();
        note.language = Language::Nl;
        note.brand_colour = "#c2410c".to_string();
        for (name, doc) in [("invoice", doc), ("credit-note", note)] {
            let dir = tempfile::tempdir().unwrap();
            let path = write_pdf(dir.path(), &render(&doc).unwrap());
            let status = Command::new("pdftoppm")
                .args(["-png", "-r", "80", "-singlefile"])
                .arg(&path)
                .arg(folder.join(name))
                .status()
                .unwrap();
            assert!(status.success());
            assert!(folder.join(format!("{name}.png")).exists());
        }
    }

    #[test]
    fn twenty_renders_are_timed() {
        let doc = invoice();
        let cold = Instant::now();
        render(&doc).unwrap();
        let cold = cold.elapsed();
        let warm = Instant::now();
        for n in 0..20 {
            let mut doc = doc.clone();
            doc.number = format!("2027-{n:05}");
            render(&doc).unwrap();
        }
        let warm = warm.elapsed();
        eprintln!(
            "first render (engine and fonts included) {cold:?}; 20 more {warm:?}, {:?} each \
             ({} build)",
            warm / 20,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
    }

    /// A 240 × 60 PNG: an orange band with a white bar, written by hand (stored deflate
    /// blocks) so that the tests need no image crate.
    fn logo_png() -> Vec<u8> {
        let (width, height) = (240u32, 60u32);
        let mut raw = Vec::new();
        for y in 0..height {
            raw.push(0); // no filter
            for x in 0..width {
                let white = (20..40).contains(&y) && (20..140).contains(&x);
                raw.extend_from_slice(if white {
                    &[255, 255, 255]
                } else {
                    &[234, 88, 12]
                });
            }
        }
        let mut zlib = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
        for (i, block) in blocks.iter().enumerate() {
            zlib.push(u8::from(i + 1 == blocks.len()));
            let len = block.len() as u16;
            zlib.extend_from_slice(&len.to_le_bytes());
            zlib.extend_from_slice(&(!len).to_le_bytes());
            zlib.extend_from_slice(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for byte in &raw {
            a = (a + u32::from(*byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut chunk = kind.to_vec();
            chunk.extend_from_slice(&data);
            png.extend_from_slice(&chunk);
            png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        png
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
