//! Reading an uploaded table: CSV (`,` `;` or tab, UTF-8 with or without BOM, Windows-1252
//! fallback) or Excel `.xlsx` (cached values only: formulas are never evaluated).

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// The rows of a file: the header row and every non-blank row after it with its line number.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
    /// The separator of a CSV file (`None` for Excel).
    pub separator: Option<u8>,
}

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("The file is larger than {max_mb} MB: split it into smaller files")]
    TooLarge { max_mb: u64 },
    #[error(
        "This Excel file unpacks to more than {max_mb} MB: remove unused sheets or save it as CSV"
    )]
    Unpacked { max_mb: u64 },
    #[error("The file is empty: it needs a header row and at least one row")]
    Empty,
    #[error("There is no sheet \"{name}\" in this file; its sheets are: {sheets}")]
    UnknownSheet { name: String, sheets: String },
    #[error("This is not a readable Excel file (.xlsx): {0}")]
    BadSpreadsheet(String),
    #[error("This is not a readable CSV file: {0}")]
    BadCsv(String),
    #[error("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV")]
    OldExcel,
    #[error(
        "This is not a CSV or Excel file: it holds binary data (for a CSV from Excel, choose \
         \"CSV UTF-8\" when saving)"
    )]
    Binary,
}

/// Reads `bytes` as an `.xlsx` (by content or name) or as CSV; `sheet` chooses an Excel sheet
/// (the first when empty); an Excel file that would unpack to more than `max_unpacked` bytes is
/// refused before it is read.
pub fn read_table(
    file_name: &str,
    bytes: &[u8],
    sheet: &str,
    max_unpacked: u64,
) -> Result<Table, ReadError> {
    let lower = file_name.to_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        read_xlsx(bytes, sheet, max_unpacked)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || lower.ends_with(".xls") {
        Err(ReadError::OldExcel)
    } else if bytes.contains(&0) {
        // No text file holds NUL bytes (UTF-16 text does: Excel's "Unicode text").
        Err(ReadError::Binary)
    } else {
        read_csv(bytes)
    }
}

/// The text of a CSV file: UTF-8 (a BOM is dropped), else Windows-1252.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// The separator of the header line: whichever of `;`, tab and `,` occurs most outside quotes.
fn separator(text: &str) -> u8 {
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ';' if !quoted => counts[0] += 1,
            '\t' if !quoted => counts[1] += 1,
            ',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b';', b'\t', b','];
    let best = (0..3).max_by_key(|&i| (counts[i], i)).unwrap_or(2);
    if counts[best] == 0 { b',' } else { seps[best] }
}

/// Line breaks in `bytes`: `\r\n`, `\n`, or a lone `\r` (Excel's "CSV (Macintosh)").
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let text = decode(bytes);
    let separator = separator(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table {
        separator: Some(separator),
        ..Table::default()
    };
    let mut have_headers = false;
    let mut record = csv::StringRecord::new();
    // The csv crate counts records, not lines: count the newlines before each record instead,
    // so quoted newlines and blank lines keep the line numbers a text editor shows.
    let (mut line, mut counted_to) = (1usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ReadError::BadCsv(e.to_string())),
        }
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if !have_headers {
            table.headers = cells;
            have_headers = true;
        } else {
            let mut start = record
                .position()
                .and_then(|p| usize::try_from(p.byte()).ok())
                .unwrap_or(counted_to)
                .min(text.len());
            // The position may point at the line end before the record: step over line ends.
            while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            line += line_breaks(&text.as_bytes()[counted_to.min(start)..start]);
            counted_to = start;
            // Each row its own line, whatever the file's line ends (the line is a row's key).
            if let Some((last, _)) = table.rows.last()
                && usize::try_from(*last).is_ok_and(|last| line <= last)
            {
                line = usize::try_from(*last).unwrap_or(line) + 1;
            }
            table
                .rows
                .push((i64::try_from(line).unwrap_or(i64::MAX), cells));
        }
    }
    if table.rows.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

fn read_xlsx(bytes: &[u8], sheet: &str, max_unpacked: u64) -> Result<Table, ReadError> {
    // An .xlsx is a zip: add up the sizes its central directory declares before unpacking.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError::BadSpreadsheet(e.to_string()))?;
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ReadError::BadSpreadsheet(e.to_string()))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > max_unpacked {
        return Err(ReadError::Unpacked {
            max_mb: max_unpacked / (1024 * 1024),
        });
    }
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ReadError::BadSpreadsheet(e.to_string()))?;
    let names = workbook.sheet_names();
    let name = if sheet.trim().is_empty() {
        names.first().cloned().ok_or(ReadError::Empty)?
    } else {
        names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(sheet.trim()))
            .cloned()
            .ok_or_else(|| ReadError::UnknownSheet {
                name: sheet.trim().to_string(),
                sheets: names.join(", "),
            })?
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ReadError::BadSpreadsheet(e.to_string()))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut table = Table::default();
    let mut have_headers = false;
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let line = i64::from(first_row) + i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if !have_headers {
            table.headers = cells;
            have_headers = true;
        } else {
            table.rows.push((line, cells));
        }
    }
    if table.rows.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

/// A cell as text: whole numbers without `.0`, dates as `YYYY-MM-DD`, formulas by their cached value.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
            Some(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_bom_and_windows_1252_are_read() {
        let mut bytes = b"\xEF\xBB\xBFNaam;E-mail\r\nJos\xE9;jose@example.com\r\n".to_vec();
        // Not valid UTF-8 once the BOM is gone: falls back to Windows-1252.
        let table = read_table("a.csv", &bytes, "", 1).unwrap();
        assert_eq!(table.headers, ["Naam", "E-mail"]);
        assert_eq!(table.rows[0].1[0], "José");
        bytes = "Name,Note\n\"Jan\",\"two\nlines\"\n\nPiet,x\n"
            .as_bytes()
            .to_vec();
        let table = read_table("a.csv", &bytes, "", 1).unwrap();
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].1[1], "two\nlines");
        assert_eq!(table.rows[1].0, 5);
    }

    #[test]
    fn mac_line_ends_give_each_row_its_own_line_and_binary_files_are_refused() {
        let table = read_table("mac.csv", b"Name;City\rAnna;Utrecht\rPiet;Gouda\r", "", 1).unwrap();
        let lines: Vec<i64> = table.rows.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 3]);
        assert_eq!(table.rows[1].1, ["Piet", "Gouda"]);
        assert!(matches!(
            read_table("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "", 1),
            Err(ReadError::Binary)
        ));
        assert_eq!(line_breaks(b"a\r\nb\nc\rd"), 3);
    }

    #[test]
    fn the_separator_is_guessed_from_the_header_line() {
        assert_eq!(separator("a;b;\"c,d\"\n1,2,3"), b';');
        assert_eq!(separator("a\tb\tc"), b'\t');
        assert_eq!(separator("a,b"), b',');
        assert_eq!(separator("a"), b',');
    }
}
