//! Choosing which field each column holds, and checking every row against it.

use std::collections::HashSet;

use anyhow::Context;
use chrono::NaiveDate;

use super::check::Checker;
use super::{ImportError, cells, columns, headers};
use crate::store::imports::{self as import_store, Counts, StagedRow};
use crate::store::{self, Db};

/// Refuses a mapping that cannot work: a field on two columns, no name, half a mandate.
fn check_mapping(mapping: &[String]) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    for key in mapping.iter().filter(|k| !k.is_empty()) {
        let field = columns::field(key)
            .ok_or_else(|| ImportError::Mapping(format!("Unknown field \"{key}\"")))?;
        if !seen.insert(key.as_str()) {
            return Err(ImportError::Mapping(format!(
                "{} is chosen for two columns: choose it once",
                field.label
            )));
        }
    }
    if !seen.contains("last_name") && !seen.contains("company") {
        return Err(ImportError::Mapping(
            "Choose the column with the last name or the company name".into(),
        ));
    }
    let mandate = [
        "mandate_reference",
        "signed_on",
        "iban",
        "bic",
        "account_holder",
    ]
    .iter()
    .any(|k| seen.contains(k));
    if (mandate || seen.contains("product"))
        && !(seen.contains("iban") && seen.contains("signed_on"))
    {
        return Err(ImportError::Mapping(
            "Mandates and subscriptions need the IBAN and the mandate signature date columns"
                .into(),
        ));
    }
    if seen.contains("start_date") && !seen.contains("product") {
        return Err(ImportError::Mapping(
            "A subscription start date needs the product column".into(),
        ));
    }
    Ok(())
}

/// Maps the columns of an uploaded import and checks every row; returns the counts of the preview.
#[tracing::instrument(skip(db, mapping))]
pub async fn apply_mapping(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    mapping: Vec<String>,
    today: NaiveDate,
) -> Result<Counts, ImportError> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .ok_or(ImportError::NotFound)?;
    if !matches!(import.status.as_str(), "uploaded" | "previewed") {
        return Err(ImportError::NotEditable);
    }
    if mapping.len() != headers(&import).len() {
        return Err(ImportError::Mapping(
            "Choose a field for every column".into(),
        ));
    }
    check_mapping(&mapping)?;
    let mut checker = Checker::load(db, merchant_id, today).await?;
    let rows = import_store::all_rows(db, merchant_id, import_id).await?;
    let mut counts = Counts::default();
    let staged: Vec<StagedRow> = rows
        .iter()
        .map(|row| {
            let cells = cells(row);
            let mut staged = match checker.check(row.line, &cells, &mapping) {
                Ok(record) => {
                    let outcome = if record.customer.id.is_empty() {
                        counts.new += 1;
                        "new"
                    } else {
                        counts.updated += 1;
                        "update"
                    };
                    StagedRow {
                        line: row.line,
                        cells: String::new(),
                        outcome,
                        reasons: String::new(),
                        record: serde_json::to_string(&record).unwrap_or_default(),
                    }
                }
                Err(reasons) => {
                    counts.rejected += 1;
                    StagedRow {
                        line: row.line,
                        cells: String::new(),
                        outcome: "rejected",
                        reasons: reasons.join("\n"),
                        record: String::new(),
                    }
                }
            };
            staged.cells = row.cells.clone();
            staged
        })
        .collect();
    let mapping_json = serde_json::to_string(&mapping).context("encoding the mapping")?;
    let mut tx = db.begin().await?;
    // The status first: a commit that started meanwhile must keep its rows.
    if !import_store::set_previewed(
        &mut tx,
        merchant_id,
        import_id,
        &mapping_json,
        counts,
        store::now(),
    )
    .await?
    {
        return Err(ImportError::NotEditable);
    }
    import_store::replace_rows(&mut tx, merchant_id, import_id, &staged).await?;
    tx.commit().await?;
    import_store::analyze(db).await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_needs_a_name_and_a_whole_mandate() {
        let m = |keys: &[&str]| keys.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_mapping(&m(&["last_name", "email"])).is_ok());
        assert!(check_mapping(&m(&["email"])).is_err());
        assert!(check_mapping(&m(&["last_name", "email", "email"])).is_err());
        assert!(check_mapping(&m(&["last_name", "iban"])).is_err());
        assert!(check_mapping(&m(&["last_name", "mandate_reference", "iban"])).is_err());
        assert!(check_mapping(&m(&["last_name", "iban", "signed_on", "product"])).is_ok());
    }
}
