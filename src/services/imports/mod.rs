//! Importing customers, with the mandates and subscriptions they already have, from CSV or Excel.
//!
//! An upload stages every row of the file; mapping its columns checks every row (with the same
//! parsing as the customer form and the paper mandate) and records its outcome: new, update
//! (matched by reference or email) or rejected with its reasons. Committing hands the import to
//! a worker that writes the accepted rows in chunks, each in one transaction that also marks its
//! rows committed, so an import that stops halfway resumes without duplicating or losing rows.

pub mod columns;
pub mod read;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Bic, Iban, MandateReference};
use crate::services::customers::CustomerInput;
use crate::services::mandates::subscription_for;
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, NewCustomer};
use crate::store::imports::{self as import_store, Counts, Import, NewImport, StagedRow};
use crate::store::mandates::{self, Mandate};
use crate::store::products::{self, Product};
use crate::store::subscriptions::{self, Subscription};
use crate::store::{self, Db, merchants};
pub use read::{ReadError, Table};

/// The fields of the mandate columns.
const MANDATE_FIELDS: [&str; 5] = [
    "mandate_reference",
    "signed_on",
    "iban",
    "bic",
    "account_holder",
];

/// Accepted rows written per transaction.
pub const CHUNK_ROWS: i64 = 500;
/// How long a worker may hold an import between two chunks before another takes over.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// Why an import step was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("That import does not exist")]
    NotFound,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{0}")]
    Mapping(String),
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
    let file_name: String = file_name.chars().take(200).collect();
    let mut tx = db.begin().await?;
    let import = NewImport {
        id: &id,
        merchant_id,
        created_by,
        file_name: &file_name,
        headers: &headers,
        total_rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
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

/// The date formats found in files: ISO, day first with `-` `/` `.`, and Excel serial numbers.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(serial) = s.parse::<i64>() {
        // Excel counts days from 1899-12-30; only plausible dates (1954-2119) are taken.
        return (20_000..=80_000)
            .contains(&serial)
            .then(|| NaiveDate::from_ymd_opt(1899, 12, 30))
            .flatten()
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(serial)));
    }
    let date_part = if s.len() > 10 && s.is_char_boundary(10) {
        &s[..10]
    } else {
        s
    };
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
}

/// Payment method words in four languages.
fn payment_method(s: &str) -> Option<&'static str> {
    match s.trim().to_lowercase().as_str() {
        ""
        | "direct_debit"
        | "direct debit"
        | "directdebit"
        | "sepa"
        | "incasso"
        | "automatische incasso"
        | "prelevement"
        | "prélèvement"
        | "lastschrift" => Some("direct_debit"),
        "manual" | "handmatig" | "factuur" | "invoice" | "overboeking" | "virement" | "manuel"
        | "manuelle" | "überweisung" | "ueberweisung" | "rechnung" => Some("manual"),
        _ => None,
    }
}

/// Yes/no words in four languages; `None` when not understood.
fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "j" | "oui" | "on" | "x" | "wahr" => Some(true),
        "no" | "n" | "false" | "0" | "nee" | "non" | "nein" | "off" | "onwaar" | "falsch" => {
            Some(false)
        }
        _ => None,
    }
}

/// Checks rows against the merchant's data and against earlier rows of the same file.
struct Checker {
    merchant_name: String,
    default_country: String,
    today: NaiveDate,
    by_reference: HashMap<String, String>,
    by_email: HashMap<String, String>,
    /// Mandate reference -> (customer id, mandate id).
    mandates: HashMap<String, (String, String)>,
    subscriptions: HashSet<(String, String)>,
    products_by_id: HashMap<String, Product>,
    products_by_name: HashMap<String, Product>,
    /// Keys already seen in the file -> their line.
    seen: HashMap<String, i64>,
}

impl Checker {
    async fn load(db: &Db, merchant_id: &str, today: NaiveDate) -> anyhow::Result<Checker> {
        let merchant = merchants::get(db, merchant_id).await?.context("merchant")?;
        let mut checker = Checker {
            default_country: if merchant.country.is_empty() {
                "NL".into()
            } else {
                merchant.country.clone()
            },
            merchant_name: merchant.name,
            today,
            by_reference: HashMap::new(),
            by_email: HashMap::new(),
            mandates: HashMap::new(),
            subscriptions: import_store::subscription_keys(db, merchant_id)
                .await?
                .into_iter()
                .collect(),
            products_by_id: HashMap::new(),
            products_by_name: HashMap::new(),
            seen: HashMap::new(),
        };
        for key in import_store::customer_keys(db, merchant_id).await? {
            if let Some(reference) = key.reference {
                checker
                    .by_reference
                    .insert(reference.to_lowercase(), key.id.clone());
            }
            if !key.email.is_empty() {
                checker.by_email.insert(key.email.to_lowercase(), key.id);
            }
        }
        for (reference, customer_id, mandate_id) in
            import_store::mandate_keys(db, merchant_id).await?
        {
            checker
                .mandates
                .insert(reference, (customer_id, mandate_id));
        }
        for row in products::list(db, merchant_id).await? {
            if let Some(product) = products::get(db, merchant_id, &row.id).await? {
                // Active products first, so a name shared with an archived one finds the active one.
                let name = product.name.trim().to_lowercase();
                if product.active || !checker.products_by_name.contains_key(&name) {
                    checker.products_by_name.insert(name, product.clone());
                }
                checker.products_by_id.insert(product.id.clone(), product);
            }
        }
        Ok(checker)
    }

    /// The record of a good row, or every reason it is rejected.
    fn check(
        &mut self,
        line: i64,
        cells: &[String],
        mapping: &[String],
    ) -> Result<ImportRecord, Vec<String>> {
        let get = |key: &str| -> String {
            mapping
                .iter()
                .position(|k| k == key)
                .and_then(|i| cells.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        let mut reasons = Vec::new();
        let label = |key: &str| columns::field(key).map_or(key.to_string(), |f| f.label.into());
        let billing = get("automatic_billing");
        let automatic_billing = if billing.is_empty() {
            true
        } else {
            yes_no(&billing).unwrap_or_else(|| {
                reasons.push(format!(
                    "{}: \"{billing}\" is not yes or no",
                    label("automatic_billing")
                ));
                true
            })
        };
        let method_text = get("payment_method");
        let method = payment_method(&method_text).unwrap_or_else(|| {
            reasons.push(format!(
                "{}: \"{method_text}\" is not direct debit or manual",
                label("payment_method")
            ));
            "direct_debit"
        });
        let input = CustomerInput {
            first_name: get("first_name"),
            last_name: get("last_name"),
            company: get("company"),
            reference: get("reference"),
            email: get("email"),
            phone: get("phone"),
            street: get("street"),
            postal_code: get("postal_code"),
            city: get("city"),
            country: get("country"),
            language: get("language").to_lowercase(),
            automatic_billing: automatic_billing.then(|| "on".into()),
            payment_method: method.into(),
        };
        let mut customer = match input.parse(&self.default_country) {
            Ok(customer) => Some(customer),
            Err(problems) => {
                for (field, message) in problems {
                    reasons.push(format!("{}: {message}", label(field)));
                }
                None
            }
        };
        // Duplicates inside the file, then a match with a stored customer.
        let mut keys = Vec::new();
        if let Some(c) = &customer {
            if let Some(reference) = &c.reference {
                keys.push(("reference", format!("ref:{}", reference.to_lowercase())));
            }
            if !c.email.is_empty() {
                keys.push(("email", format!("email:{}", c.email.to_lowercase())));
            }
        }
        for (what, key) in &keys {
            if let Some(first) = self.seen.get(key) {
                reasons.push(format!(
                    "Duplicate in the file: line {first} has the same {}",
                    label(what).to_lowercase()
                ));
            }
        }
        if let Some(c) = customer.as_mut() {
            let by_reference = c
                .reference
                .as_ref()
                .and_then(|r| self.by_reference.get(&r.to_lowercase()));
            let by_email = (!c.email.is_empty())
                .then(|| self.by_email.get(&c.email.to_lowercase()))
                .flatten();
            match (by_reference, by_email) {
                (Some(a), Some(b)) if a != b => reasons.push(
                    "The reference matches one customer and the email another: fix one of them"
                        .into(),
                ),
                (Some(id), _) | (None, Some(id)) => c.id = id.clone(),
                (None, None) => {}
            }
        }
        let mandate = self.check_mandate(&get, customer.as_ref(), &mut reasons, &label);
        let mandate_given = MANDATE_FIELDS.iter().any(|k| !get(k).is_empty());
        let product_text = get("product");
        let mut subscription = None;
        if !product_text.is_empty() {
            let product = self
                .products_by_id
                .get(&product_text)
                .or_else(|| self.products_by_name.get(&product_text.to_lowercase()));
            match product {
                None => reasons.push(format!("Unknown product \"{product_text}\"")),
                Some(p) if !p.active => {
                    reasons.push(format!("The product \"{}\" is archived", p.name))
                }
                Some(p) => {
                    let start_text = get("start_date");
                    let start = if start_text.is_empty() {
                        Some(self.today)
                    } else {
                        parse_date(&start_text)
                    };
                    match start {
                        None => reasons.push(format!(
                            "{}: \"{start_text}\" is not a date like 2026-12-01 or 01-12-2026",
                            label("start_date")
                        )),
                        Some(_) if mandate.is_none() && !mandate_given => reasons.push(
                            "A subscription needs a mandate: fill in the IBAN and the signature date"
                                .into(),
                        ),
                        Some(start) => {
                            let existing = customer.as_ref().is_some_and(|c| {
                                self.subscriptions.contains(&(c.id.clone(), p.id.clone()))
                            });
                            // A customer who already has this product keeps their subscription.
                            if !existing {
                                subscription = Some((p.id.clone(), start));
                            }
                        }
                    }
                }
            }
        }
        match customer {
            Some(customer) if reasons.is_empty() => {
                for (_, key) in keys {
                    self.seen.insert(key, line);
                }
                if let Some(m) = &mandate {
                    self.seen.insert(format!("mandate:{}", m.reference), line);
                }
                Ok(ImportRecord {
                    customer,
                    keep_billing: billing.is_empty() && method_text.is_empty(),
                    mandate,
                    subscription,
                })
            }
            _ => Err(reasons),
        }
    }

    /// The mandate columns of a row, when any is filled in.
    fn check_mandate(
        &self,
        get: &dyn Fn(&str) -> String,
        customer: Option<&NewCustomer>,
        reasons: &mut Vec<String>,
        label: &dyn Fn(&str) -> String,
    ) -> Option<MandateRecord> {
        let (reference, signed, iban, bic, holder) = (
            get("mandate_reference"),
            get("signed_on"),
            get("iban"),
            get("bic"),
            get("account_holder"),
        );
        if !MANDATE_FIELDS.iter().any(|k| !get(k).is_empty()) {
            return None;
        }
        let before = reasons.len();
        let iban = Iban::parse(&iban)
            .map_err(|e| reasons.push(format!("{}: {e}", label("iban"))))
            .ok();
        let bic = if bic.is_empty() {
            None
        } else {
            Bic::parse(&bic)
                .map_err(|e| reasons.push(format!("{}: {e}", label("bic"))))
                .ok()
        };
        let signed_on = match parse_date(&signed) {
            Some(d) if d > self.today => {
                reasons.push(format!("{}: {d} is in the future", label("signed_on")));
                None
            }
            Some(d) => Some(d),
            None => {
                reasons.push(format!(
                    "{}: \"{signed}\" is not a date like 2026-12-01 or 01-12-2026",
                    label("signed_on")
                ));
                None
            }
        };
        let reference = if reference.is_empty() {
            Some(MandateReference::generate(&self.merchant_name))
        } else {
            MandateReference::parse(&reference)
                .map_err(|e| reasons.push(format!("{}: {e}", label("mandate_reference"))))
                .ok()
        };
        let mut existing_id = None;
        if let Some(r) = &reference {
            if let Some(first) = self.seen.get(&format!("mandate:{}", r.as_str())) {
                reasons.push(format!(
                    "Duplicate in the file: line {first} has the same mandate reference"
                ));
            }
            if let Some((customer_id, mandate_id)) = self.mandates.get(r.as_str()) {
                match customer {
                    Some(c) if !c.id.is_empty() && &c.id == customer_id => {
                        existing_id = Some(mandate_id.clone())
                    }
                    _ => reasons.push(format!(
                        "{}: {} is already used by another customer",
                        label("mandate_reference"),
                        r.as_str()
                    )),
                }
            }
        }
        if reasons.len() > before {
            return None;
        }
        let holder = if holder.is_empty() {
            customer.map(|c| {
                let name = format!("{} {}", c.first_name, c.last_name);
                if name.trim().is_empty() {
                    c.company.clone()
                } else {
                    name.trim().to_string()
                }
            })?
        } else {
            holder.chars().take(70).collect()
        };
        Some(MandateRecord {
            existing_id,
            reference: reference?.to_string(),
            iban: iban?.to_string(),
            bic: bic.map(|b| b.to_string()),
            account_holder: holder,
            signed_on: signed_on?,
        })
    }
}

/// Hands a previewed import (or one that failed) to the worker.
#[tracing::instrument(skip(db))]
pub async fn start_commit(db: &Db, merchant_id: &str, import_id: &str) -> Result<(), ImportError> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .ok_or(ImportError::NotFound)?;
    if !import_store::start_commit(db, &import.merchant_id, &import.id, store::now()).await? {
        return Err(ImportError::NotEditable);
    }
    Ok(())
}

/// Where a run of the commit stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every accepted row is written.
    Done,
    /// `max_chunks` chunks were written; rows remain.
    Stopped,
    /// Another worker holds the import, or it is not being committed.
    Busy,
    /// A chunk failed; the import is marked failed with the reason.
    Failed,
}

/// Commits up to `max_chunks` chunks of an import being committed (all when `None`): claims it
/// with a lease, writes each chunk in one transaction that marks its rows committed, and releases
/// the lease when it stops.
#[tracing::instrument(skip(db))]
pub async fn run_chunks(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    max_chunks: Option<usize>,
) -> anyhow::Result<RunOutcome> {
    let now = store::now();
    let mut lease = now + LEASE;
    if !import_store::claim(db, merchant_id, import_id, now, lease).await? {
        return Ok(RunOutcome::Busy);
    }
    let mut through = import_store::get(db, merchant_id, import_id)
        .await?
        .context("import")?
        .committed_through;
    let mut products: HashMap<String, Product> = HashMap::new();
    let mut chunks = 0;
    loop {
        if max_chunks.is_some_and(|max| chunks >= max) {
            import_store::release(db, merchant_id, import_id, lease).await?;
            return Ok(RunOutcome::Stopped);
        }
        let rows =
            import_store::next_chunk(db, merchant_id, import_id, through, CHUNK_ROWS).await?;
        let Some(last_line) = rows.last().map(|r| r.line) else {
            finish_done(db, merchant_id, import_id).await?;
            return Ok(RunOutcome::Done);
        };
        let chunk = import_store::Chunk {
            last_line,
            rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            held_until: lease,
            lease_until: store::now() + LEASE,
        };
        let written = commit_chunk(db, merchant_id, import_id, &rows, chunk, &mut products).await;
        if let Ok(false) = written {
            tracing::warn!(import_id, "lost the lease on an import to another worker");
            return Ok(RunOutcome::Busy);
        }
        if let Err(e) = written {
            tracing::error!(error = ?e, import_id, "an import chunk failed");
            let message = format!("Line {} or after: {e:#}", rows[0].line);
            let mut tx = db.begin().await?;
            import_store::finish(
                &mut tx,
                merchant_id,
                import_id,
                "failed",
                &message,
                store::now(),
            )
            .await?;
            tx.commit().await?;
            return Ok(RunOutcome::Failed);
        }
        lease = chunk.lease_until;
        through = last_line;
        chunks += 1;
    }
}

/// Marks an import done and logs it, in one transaction.
async fn finish_done(db: &Db, merchant_id: &str, import_id: &str) -> anyhow::Result<()> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .context("import")?;
    // The log names who uploaded it: the user, or the command line.
    let user = if import.created_by.is_empty() {
        None
    } else {
        crate::store::users::get(db, merchant_id, &import.created_by).await?
    };
    let (actor_id, actor_label) = match &user {
        Some(user) => (Some(user.id.as_str()), user.email.as_str()),
        None => (None, "command line"),
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    import_store::finish(&mut tx, merchant_id, import_id, "done", "", now).await?;
    import_store::drop_committed_rows(&mut tx, merchant_id, import_id).await?;
    activity::record(
        &mut tx,
        &NewActivity {
            merchant_id,
            actor_id,
            actor_label,
            subject_type: "import",
            subject_id: import_id,
            action: "import.completed",
            details: format!(
                "{}: {} new, {} updated customers",
                import.file_name, import.new_rows, import.updated_rows
            ),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes one chunk of accepted rows in one transaction that also records it as written, while
/// the chunk's lease is still this worker's; false (nothing written) when it is not.
async fn commit_chunk(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    rows: &[import_store::ImportRow],
    chunk: import_store::Chunk,
    products: &mut HashMap<String, Product>,
) -> anyhow::Result<bool> {
    let now = store::now();
    let today = now.date_naive();
    let mut new_customers = Vec::new();
    let mut updates = Vec::new();
    let mut new_mandates = Vec::new();
    let mut new_subscriptions = Vec::new();
    for row in rows {
        let record: ImportRecord = serde_json::from_str(&row.record)
            .with_context(|| format!("reading the checked row of line {}", row.line))?;
        let mut customer = record.customer;
        customer.merchant_id = merchant_id.to_string();
        if customer.id.is_empty() {
            customer.id = new_id(IdPrefix::Customer);
            new_customers.push(customer.clone());
        } else {
            let stored = customers::get(db, merchant_id, &customer.id)
                .await?
                .with_context(|| format!("line {}: the matched customer is gone", row.line))?;
            updates.push(merged(stored, customer.clone(), record.keep_billing));
        }
        let mandate_id = match record.mandate {
            Some(m) => Some(match m.existing_id {
                Some(id) => id,
                None => {
                    let mandate = Mandate {
                        id: new_id(IdPrefix::Mandate),
                        merchant_id: merchant_id.to_string(),
                        customer_id: customer.id.clone(),
                        reference: m.reference,
                        iban: m.iban,
                        bic: m.bic,
                        account_holder: m.account_holder,
                        method: "import".into(),
                        status: "valid".into(),
                        signed_on: Some(m.signed_on),
                        first_used_on: None,
                        revoked_at: None,
                        created_at: now,
                    };
                    let id = mandate.id.clone();
                    new_mandates.push(mandate);
                    id
                }
            }),
            None => None,
        };
        if let (Some((product_id, start)), Some(mandate_id)) = (record.subscription, mandate_id) {
            if !products.contains_key(&product_id) {
                let product = products::get(db, merchant_id, &product_id)
                    .await?
                    .with_context(|| format!("line {}: the product is gone", row.line))?;
                products.insert(product_id.clone(), product);
            }
            let product = &products[&product_id];
            let status = if start > today { "planned" } else { "active" };
            let subscription: Subscription =
                subscription_for(product, &customer.id, &mandate_id, start, status, None);
            new_subscriptions.push(subscription);
        }
    }
    let mut tx = db.begin().await?;
    customers::insert_many(&mut tx, &new_customers, now)
        .await
        .context("inserting customers (is a reference already taken?)")?;
    for customer in &updates {
        customers::update(&mut tx, customer, now)
            .await
            .context("updating a customer")?;
    }
    mandates::insert_many(&mut tx, &new_mandates, now)
        .await
        .context("inserting mandates (is a mandate reference already taken?)")?;
    subscriptions::insert_many(&mut tx, &new_subscriptions, now).await?;
    let held = import_store::mark_committed(&mut tx, merchant_id, import_id, chunk, now).await?;
    if !held {
        // Another worker took the import over: roll this chunk back, it writes it.
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The stored customer with the file's values where the file has one.
fn merged(stored: customers::Customer, file: NewCustomer, keep_billing: bool) -> NewCustomer {
    let pick = |new: String, old: String| if new.is_empty() { old } else { new };
    NewCustomer {
        id: stored.id,
        merchant_id: stored.merchant_id,
        reference: file.reference.or(stored.reference),
        first_name: pick(file.first_name, stored.first_name),
        last_name: pick(file.last_name, stored.last_name),
        company: pick(file.company, stored.company),
        email: pick(file.email, stored.email),
        phone: pick(file.phone, stored.phone),
        street: pick(file.street, stored.street),
        postal_code: pick(file.postal_code, stored.postal_code),
        city: pick(file.city, stored.city),
        country: pick(file.country, stored.country),
        language: file.language.or(stored.language),
        automatic_billing: if keep_billing {
            stored.automatic_billing
        } else {
            file.automatic_billing
        },
        payment_method: if keep_billing {
            stored.payment_method
        } else {
            file.payment_method
        },
    }
}

/// Commits every import waiting for a worker (a crashed worker's expired lease included).
pub async fn run_due(db: &Db) -> anyhow::Result<()> {
    for (merchant_id, import_id) in import_store::claimable(db, store::now()).await? {
        run_chunks(db, &merchant_id, &import_id, None).await?;
    }
    Ok(())
}

/// Runs the import worker until the process stops.
pub fn spawn_worker(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_due(&db).await {
                tracing::error!(error = ?e, "import round failed");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}

/// A cell for a CSV export: text that a spreadsheet would run as a formula gets a leading `'`.
pub fn neutralised(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The rejected rows as CSV: line, reasons, then the file's own columns, formulas neutralised.
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
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut header = vec!["line".to_string(), "reasons".to_string()];
    header.extend(headers(&import));
    write_record(&mut writer, &header)?;
    for row in &rows {
        let mut record = vec![row.line.to_string(), row.reasons.replace('\n', "; ")];
        record.extend(cells(row));
        write_record(&mut writer, &record)?;
    }
    Ok(writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

fn write_record(writer: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> anyhow::Result<()> {
    writer
        .write_record(cells.iter().map(|c| neutralised(c)))
        .context("writing CSV")
}

/// The template file: every column an import understands, and one example row.
pub fn template_csv() -> Vec<u8> {
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
        "",
        "2025-01-15",
        "NL91ABNA0417164300",
        "",
        "A. de Vries",
        "",
        "",
    ];
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(columns::FIELDS.iter().map(|f| f.key));
    let _ = writer.write_record(example.iter().map(|c| neutralised(c)));
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_several_formats_and_excel_serials() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15);
        assert_eq!(parse_date("2025-01-15"), d);
        assert_eq!(parse_date("15-01-2025"), d);
        assert_eq!(parse_date("15/01/2025"), d);
        assert_eq!(parse_date("15.01.2025"), d);
        assert_eq!(parse_date("2025-01-15 00:00:00"), d);
        assert_eq!(parse_date("45672"), d);
        assert_eq!(parse_date("31-02-2025"), None);
        assert_eq!(parse_date("12"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn formula_like_cells_are_neutralised() {
        for cell in ["=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralised(cell).starts_with('\''), "{cell}");
        }
        assert_eq!(neutralised("Anna"), "Anna");
    }

    #[test]
    fn the_template_has_every_field_and_its_headers_map_back() {
        let text = String::from_utf8(template_csv()).unwrap();
        let header: Vec<String> = text
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        assert_eq!(header.len(), columns::FIELDS.len());
        assert!(columns::suggest(&header).iter().all(|k| !k.is_empty()));
        assert!(
            !text.contains('\''),
            "the example row needs no neutralising: {text}"
        );
    }

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
