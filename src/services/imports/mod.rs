//! Importing customers, with the mandates and subscriptions they already have, from CSV or Excel.
//!
//! An upload stages every row of the file; mapping its columns checks every row (with the same
//! parsing as the customer form and the paper mandate) and records its outcome: new, update
//! (matched by reference or email) or rejected with its reasons. Committing hands the import to
//! a worker that writes the accepted rows in chunks, each in one transaction that also marks its
//! rows committed, so an import that stops halfway resumes without duplicating or losing rows.

mod check;
pub mod columns;
mod commit;
mod export;
mod mapping;
pub mod read;

pub use check::parse_date;
pub use commit::{CHUNK_ROWS, RunOutcome, run_chunks, run_due, spawn_worker, start_commit};
pub use export::{neutralised, rejected_csv, separator_named, spreadsheet_separator, template_csv};
pub use mapping::apply_mapping;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::id::{IdPrefix, new_id};
use crate::store::customers::NewCustomer;
use crate::store::imports::{self as import_store, Import, NewImport, StagedRow};
use crate::store::{self, Db};
pub use read::{ReadError, Table};

/// The fields of the mandate columns.
pub(super) const MANDATE_FIELDS: [&str; 5] = [
    "mandate_reference",
    "signed_on",
    "iban",
    "bic",
    "account_holder",
];

/// Why an import step was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("That import does not exist")]
    NotFound,
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A mapping that cannot work; `column` is the column to change, when one is.
    #[error("{message}")]
    Mapping {
        message: String,
        column: Option<usize>,
    },
    #[error("This import cannot be changed any more")]
    NotEditable,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A checked row as staged: what the commit writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportRecord {
    /// The customer's fields; `id` is set when the row updates an existing customer.
    pub customer: NewCustomer,
    /// Since when the customer is one (their old system's date), when the file says.
    #[serde(default)]
    pub customer_since: Option<NaiveDate>,
    /// Keep the existing customer's billing settings (the file left them empty).
    pub keep_billing: bool,
    pub mandate: Option<MandateRecord>,
    /// A subscription to this product from `start_date`.
    pub subscription: Option<(String, NaiveDate)>,
}

/// A mandate the merchant already holds, from the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MandateRecord {
    /// The stored mandate of the matched customer with the same reference, if any.
    pub existing_id: Option<String>,
    pub reference: String,
    pub iban: String,
    pub bic: Option<String>,
    pub account_holder: String,
    pub signed_on: NaiveDate,
}

/// Reads an uploaded file and stages its rows; returns the new import's id.
#[tracing::instrument(skip(db, bytes), fields(bytes = bytes.len()))]
pub async fn upload(
    db: &Db,
    merchant_id: &str,
    created_by: &str,
    file_name: &str,
    bytes: &[u8],
    sheet: &str,
    max_unpacked: u64,
) -> Result<String, ImportError> {
    let table = read::read_table(file_name, bytes, sheet, max_unpacked)?;
    // Files given back (the rejected rows) use the upload's separator; for an Excel file the
    // one the merchant's spreadsheet expects.
    let separator = match table.separator {
        Some(separator) => separator,
        None => spreadsheet_separator(
            &store::merchants::get(db, merchant_id)
                .await?
                .context("the merchant")?
                .default_language,
        ),
    };
    let separator = char::from(separator).to_string();
    let id = new_id(IdPrefix::Import);
    let headers = serde_json::to_string(&table.headers).context("encoding headers")?;
    let rows: Vec<StagedRow> = table
        .rows
        .iter()
        .map(|(line, cells)| StagedRow {
            line: *line,
            cells: serde_json::to_string(cells).unwrap_or_else(|_| "[]".into()),
            outcome: "pending",
            reasons: String::new(),
            record: String::new(),
        })
        .collect();
    let now = store::now();
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let mut tx = db.begin().await?;
    let import = NewImport {
        id: &id,
        merchant_id,
        created_by,
        file_name: &file_name,
        headers: &headers,
        total_rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        separator: &separator,
    };
    import_store::insert(&mut tx, &import, now).await?;
    import_store::replace_rows(&mut tx, merchant_id, &id, &rows).await?;
    tx.commit().await?;
    Ok(id)
}

/// The column headers of an import.
pub fn headers(import: &Import) -> Vec<String> {
    serde_json::from_str(&import.headers).unwrap_or_default()
}

/// The mapping of an import: the chosen one, or the one suggested by its headers.
pub fn mapping(import: &Import) -> Vec<String> {
    let headers = headers(import);
    let chosen: Vec<String> = serde_json::from_str(&import.mapping).unwrap_or_default();
    if chosen.len() == headers.len() {
        chosen
    } else {
        columns::suggest(&headers)
    }
}

/// The cells of a staged row.
pub fn cells(row: &import_store::ImportRow) -> Vec<String> {
    serde_json::from_str(&row.cells).unwrap_or_default()
}
