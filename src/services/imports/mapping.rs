//! Choosing which field each column holds, and checking every row against it.

use std::collections::HashMap;

use anyhow::Context;
use chrono::NaiveDate;

use super::check::Checker;
use super::{ImportError, MANDATE_FIELDS, cells, columns, headers};
use crate::store::imports::{self as import_store, Counts, StagedRow};
use crate::store::{self, Db};

/// A refused mapping, pointing at `column` (an index) when one column is the one to change.
fn refused(message: String, column: Option<usize>) -> ImportError {
    ImportError::Mapping { message, column }
}

/// Refuses a mapping that cannot work: a field on two columns, no name, half a mandate; the
/// message names the column (by its header) to change.
fn check_mapping(mapping: &[String], headers: &[String]) -> Result<(), ImportError> {
    let header = |i: usize| {
        headers
            .get(i)
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1))
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, key) in mapping.iter().enumerate().filter(|(_, k)| !k.is_empty()) {
        let field = columns::field(key).ok_or_else(|| {
            refused(
                format!("Column “{}”: unknown field \"{key}\"", header(i)),
                Some(i),
            )
        })?;
        if let Some(first) = seen.insert(key.as_str(), i) {
            return Err(refused(
                format!(
                    "{} is chosen for two columns, “{}” and “{}”: choose it once",
                    field.label,
                    header(first),
                    header(i)
                ),
                Some(i),
            ));
        }
    }
    if !seen.contains_key("last_name") && !seen.contains_key("company") {
        return Err(refused(
            "Choose the column with the last name or the company name".into(),
            None,
        ));
    }
    // The first mandate or subscription column, which needs the IBAN and the signature date.
    let needs_mandate = mapping
        .iter()
        .position(|k| MANDATE_FIELDS.contains(&k.as_str()) || k == "product");
    if let Some(i) = needs_mandate
        && !(seen.contains_key("iban") && seen.contains_key("signed_on"))
    {
        let label = columns::field(&mapping[i]).map_or("", |f| f.label);
        return Err(refused(
            format!(
                "Column “{}” ({label}): mandates and subscriptions need the IBAN and the mandate \
                 signature date columns too",
                header(i)
            ),
            Some(i),
        ));
    }
    if let Some(&i) = seen.get("start_date")
        && !seen.contains_key("product")
    {
        return Err(refused(
            format!(
                "Column “{}” (subscription start date) needs the product column too",
                header(i)
            ),
            Some(i),
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
    let headers = headers(&import);
    if mapping.len() != headers.len() {
        return Err(refused("Choose a field for every column".into(), None));
    }
    check_mapping(&mapping, &headers)?;
    let mut checker = Checker::load(db, merchant_id, today).await?;
    let rows = import_store::all_rows(db, merchant_id, import_id).await?;
    let mut counts = Counts::default();
    let staged: Vec<StagedRow> = rows
        .iter()
        .map(|row| {
            let cells = cells(row);
            let mut staged = match checker.check(row.line, &cells, &mapping) {
                Ok(record) => {
                    if record
                        .mandate
                        .as_ref()
                        .is_some_and(|m| m.existing_id.is_none())
                    {
                        counts.mandates += 1;
                    }
                    if record.subscription.is_some() {
                        counts.subscriptions += 1;
                    }
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
        let check = |keys: &[&str]| {
            let headers: Vec<String> = (0..keys.len()).map(|i| format!("H{i}")).collect();
            check_mapping(&m(keys), &headers).map_err(|e| match e {
                ImportError::Mapping { message, column } => (message, column),
                other => panic!("{other}"),
            })
        };
        assert!(check(&["last_name", "email"]).is_ok());
        assert_eq!(check(&["email"]).unwrap_err().1, None);
        let (message, column) = check(&["last_name", "email", "email"]).unwrap_err();
        assert_eq!(column, Some(2));
        assert!(message.contains("“H1” and “H2”"), "{message}");
        assert_eq!(check(&["last_name", "iban"]).unwrap_err().1, Some(1));
        assert_eq!(
            check(&["last_name", "mandate_reference", "iban"])
                .unwrap_err()
                .1,
            Some(1)
        );
        assert_eq!(
            check(&["last_name", "iban", "signed_on", "start_date"])
                .unwrap_err()
                .1,
            Some(3)
        );
        assert!(check(&["last_name", "iban", "signed_on", "product"]).is_ok());
    }
}
