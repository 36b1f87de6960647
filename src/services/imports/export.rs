//! Files an import gives back: the rejected rows and the template, with formula-like cells
//! neutralised and the separator the merchant's spreadsheet expects.

use anyhow::Context;

use super::{ImportError, cells, columns, headers};
use crate::store::Db;
use crate::store::imports::{self as import_store};

/// A cell for a CSV export: text that a spreadsheet would run as a formula gets a leading `'`.
pub fn neutralised(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The separator of CSV files for a merchant whose staff work in `language`: Excel in Dutch,
/// German and French writes decimal commas, so it separates (and expects) semicolons.
pub fn spreadsheet_separator(language: &str) -> u8 {
    if matches!(language, "nl" | "de" | "fr") {
        b';'
    } else {
        b','
    }
}

/// The separator asked for by name (`semicolon`, `comma`, `tab`), if it is one.
pub fn separator_named(name: &str) -> Option<u8> {
    match name {
        "semicolon" => Some(b';'),
        "comma" => Some(b','),
        "tab" => Some(b'\t'),
        _ => None,
    }
}

/// The rejected rows as CSV with the upload's separator: the file's own columns, so that the
/// corrected file maps as the first did, then the line and the reasons; formulas neutralised.
pub async fn rejected_csv(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
) -> Result<Vec<u8>, ImportError> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .ok_or(ImportError::NotFound)?;
    let rows = import_store::rows_with_outcome(db, merchant_id, import_id, "rejected", i64::MAX, 0)
        .await?;
    let separator = import.separator.bytes().next().unwrap_or(b',');
    let mut writer = writer(b"\xEF\xBB\xBF".to_vec(), separator);
    let mut header = headers(&import);
    let width = header.len();
    header.extend(["line".to_string(), "reasons".to_string()]);
    write_record(&mut writer, &header)?;
    for row in &rows {
        let mut record = cells(row);
        // Short rows are padded, so the line and the reasons stay under their headers.
        record.resize(width.max(record.len()), String::new());
        record.extend([row.line.to_string(), row.reasons.replace('\n', "; ")]);
        write_record(&mut writer, &record)?;
    }
    Ok(writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

fn writer(start: Vec<u8>, separator: u8) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .from_writer(start)
}

fn write_record(writer: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> anyhow::Result<()> {
    writer
        .write_record(cells.iter().map(|c| neutralised(c)))
        .context("writing CSV")
}

/// The template file with `separator`: every column an import understands, and one example row.
pub fn template_csv(separator: u8) -> Vec<u8> {
    let example = [
        "K-1001",
        "Anna",
        "de Vries",
        "",
        "anna@example.com",
        "0612345678",
        "Dorpsstraat 1",
        "1234 AB",
        "Utrecht",
        "NL",
        "nl",
        "direct_debit",
        "yes",
        "2019-03-01",
        "",
        "2025-01-15",
        "NL91ABNA0417164300",
        "",
        "A. de Vries",
        "",
        "",
    ];
    let mut writer = writer(Vec::new(), separator);
    let _ = writer.write_record(columns::FIELDS.iter().map(|f| f.key));
    let _ = writer.write_record(example.iter().map(|c| neutralised(c)));
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        for cell in ["=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralised(cell).starts_with('\''), "{cell}");
        }
        assert_eq!(neutralised("Anna"), "Anna");
    }

    #[test]
    fn the_template_has_every_field_and_its_headers_map_back() {
        let text = String::from_utf8(template_csv(b';')).unwrap();
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(';').map(String::from).collect();
        assert_eq!(header.len(), columns::FIELDS.len());
        assert_eq!(lines.next().unwrap().split(';').count(), header.len());
        assert!(columns::suggest(&header).iter().all(|k| !k.is_empty()));
        assert!(
            !text.contains('\''),
            "the example row needs no neutralising: {text}"
        );
    }
}
