//! The rules of collecting direct debits: which day a file can collect on, when a batch counts
//! as paid, what each bank reason code means and does, and how debit instructions are named.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::calendar::{business_day_on_or_after, is_business_day, next_business_day};

/// The most new attempts a transaction gets after returns, whatever the merchant's setting
/// says (the database enforces it too).
pub const MAX_RETRIES: i32 = 2;
/// The fewest days between a return and the next attempt: Dutch banks already re-offer a
/// debit for 2–4 days.
pub const MIN_RETRY_DAYS: i32 = 5;

/// The earliest collection date of a file created at `now` (the merchant's local time): SEPA
/// Core collects from the business day after the upload, and a file uploaded after the bank's
/// cut-off counts as uploaded the next business day.
pub fn earliest_collection(now: NaiveDateTime, cutoff: NaiveTime) -> NaiveDate {
    let today = now.date();
    let upload = if is_business_day(today) && now.time() < cutoff {
        today
    } else {
        next_business_day(today)
    };
    next_business_day(upload)
}

/// The day a batch collected on `collection_date` counts as paid when no return came:
/// `days` business days later.
pub fn settle_on(collection_date: NaiveDate, days: u32) -> NaiveDate {
    let mut day = business_day_on_or_after(collection_date);
    for _ in 0..days {
        day = next_business_day(day);
    }
    day
}

/// The day of a new attempt after a return on `today`: at least the retry wait and the
/// pre-notification lead later (the retry gets its own notice), on a business day.
pub fn retry_date(today: NaiveDate, retry_after_days: i32, lead_days: i32) -> NaiveDate {
    let wait = retry_after_days.max(MIN_RETRY_DAYS).max(lead_days);
    business_day_on_or_after(today + chrono::Duration::days(i64::from(wait)))
}

/// The EndToEndId of a transaction's attempt in a batch: the transaction id in the SEPA
/// identifier set (no underscore), the attempt number and the start of the batch's id (an
/// attempt of a cancelled batch keeps its id), at most 35 characters.
pub fn end_to_end_id(transaction_id: &str, attempt: i32, batch_id: &str) -> String {
    let batch = batch_id.rsplit('_').next().unwrap_or(batch_id);
    let mut id = format!(
        "{}-{attempt}-{}",
        transaction_id.replace('_', "-"),
        batch.chars().take(8).collect::<String>()
    );
    id.truncate(35);
    id
}

/// What a bank reason code makes Abbo do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnAction {
    /// A new attempt with its own notice, while retries are left; then failed.
    Retry,
    /// Failed; the mandate is unusable and the customer is asked for a new one.
    NewMandate,
    /// The debtor had the money refunded: charged back, no retry.
    Refund,
    /// Failed without retry; the customer is asked to pay another way.
    Fail,
}

impl ReturnAction {
    /// Every action, in the order the settings list them.
    pub const ALL: [ReturnAction; 4] = [
        ReturnAction::Retry,
        ReturnAction::NewMandate,
        ReturnAction::Refund,
        ReturnAction::Fail,
    ];

    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReturnAction::Retry => "retry",
            ReturnAction::NewMandate => "new_mandate",
            ReturnAction::Refund => "refund",
            ReturnAction::Fail => "fail",
        }
    }

    /// What staff read.
    pub fn label(&self) -> &'static str {
        match self {
            ReturnAction::Retry => "retry, then ask for payment",
            ReturnAction::NewMandate => "failed, ask for a new mandate",
            ReturnAction::Refund => "charged back, no retry",
            ReturnAction::Fail => "failed, ask for payment",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<ReturnAction> {
        ReturnAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The reason codes banks send with rejects and returns, what they mean and what Abbo does by
/// default (MONEY.md's table).
pub const REASON_CODES: &[(&str, &str, ReturnAction)] = &[
    ("AM04", "insufficient funds", ReturnAction::Retry),
    ("MS03", "reason not specified", ReturnAction::Retry),
    ("AC01", "account number incorrect", ReturnAction::NewMandate),
    ("AC04", "account closed", ReturnAction::NewMandate),
    ("AC06", "account blocked", ReturnAction::NewMandate),
    (
        "AG01",
        "direct debit not allowed on this account",
        ReturnAction::NewMandate,
    ),
    ("MD07", "debtor deceased", ReturnAction::NewMandate),
    ("MD01", "no valid mandate", ReturnAction::NewMandate),
    (
        "MD02",
        "mandate data missing or wrong",
        ReturnAction::NewMandate,
    ),
    (
        "MD06",
        "refund requested by the debtor",
        ReturnAction::Refund,
    ),
    ("MS02", "refused by the debtor", ReturnAction::Fail),
    (
        "SL01",
        "blocked by the debtor's bank for this creditor",
        ReturnAction::Fail,
    ),
    ("RR04", "regulatory reason", ReturnAction::Fail),
    ("AM05", "duplicate collection", ReturnAction::Fail),
    (
        "BE05",
        "creditor identifier unknown to the bank",
        ReturnAction::Fail,
    ),
    ("FF01", "file or format error", ReturnAction::Fail),
];

/// What a reason code means, for people.
pub fn meaning(code: &str) -> &'static str {
    REASON_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, m, _)| *m)
        .unwrap_or("other reason")
}

/// The merchant's reason code table: the defaults with the merchant's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnPolicy {
    /// The merchant's changes, by code.
    changes: Vec<(String, ReturnAction)>,
}

/// Why a reason code table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("“{0}” is not a reason code: use four letters or digits such as AM04")]
    BadCode(String),
    #[error("“{0}” is not an action: use retry, new_mandate, refund or fail")]
    BadAction(String),
}

impl ReturnPolicy {
    /// Parses the stored changes, `CODE=action` separated by spaces or new lines.
    pub fn parse(text: &str) -> Result<ReturnPolicy, PolicyError> {
        let mut changes: Vec<(String, ReturnAction)> = Vec::new();
        for item in text.split_whitespace() {
            let (code, action) = item
                .split_once('=')
                .ok_or_else(|| PolicyError::BadCode(item.to_string()))?;
            let code = code.trim().to_ascii_uppercase();
            if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyError::BadCode(code));
            }
            let action = ReturnAction::parse(action.trim())
                .ok_or_else(|| PolicyError::BadAction(action.to_string()))?;
            changes.retain(|(c, _)| *c != code);
            changes.push((code, action));
        }
        Ok(ReturnPolicy { changes })
    }

    /// A policy with `action` for `code`, dropping a change that equals the default.
    pub fn with(mut self, code: &str, action: ReturnAction) -> ReturnPolicy {
        self.changes.retain(|(c, _)| c != code);
        if default_action(code) != action {
            self.changes.push((code.to_string(), action));
        }
        self
    }

    /// What `code` does.
    pub fn action(&self, code: &str) -> ReturnAction {
        self.changes
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| default_action(code))
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.changes
            .iter()
            .map(|(c, a)| format!("{c}={}", a.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a code does unless the merchant changed it; unknown codes fail without retry.
pub fn default_action(code: &str) -> ReturnAction {
    REASON_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, a)| *a)
        .unwrap_or(ReturnAction::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
        date.and_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn earliest_collection_is_the_business_day_after_the_upload() {
        let cutoff = NaiveTime::from_hms_opt(16, 0, 0).unwrap();
        // Wednesday 2 December 2026 before the cut-off: upload today, collect Thursday.
        assert_eq!(
            earliest_collection(at(d(2026, 12, 2), 9, 0), cutoff),
            d(2026, 12, 3)
        );
        // After the cut-off: upload Thursday, collect Friday.
        assert_eq!(
            earliest_collection(at(d(2026, 12, 2), 16, 0), cutoff),
            d(2026, 12, 4)
        );
        // Friday after the cut-off: upload Monday, collect Tuesday.
        assert_eq!(
            earliest_collection(at(d(2026, 12, 4), 17, 0), cutoff),
            d(2026, 12, 8)
        );
        // Christmas Eve after the cut-off: 25 and 26 December and the weekend are closed.
        assert_eq!(
            earliest_collection(at(d(2026, 12, 24), 18, 0), cutoff),
            d(2026, 12, 29)
        );
        // Saturday: upload Monday, collect Tuesday.
        assert_eq!(
            earliest_collection(at(d(2026, 12, 5), 8, 0), cutoff),
            d(2026, 12, 8)
        );
    }

    #[test]
    fn settle_day_counts_business_days() {
        assert_eq!(settle_on(d(2026, 12, 3), 5), d(2026, 12, 10));
        assert_eq!(settle_on(d(2026, 12, 22), 5), d(2026, 12, 30));
        assert_eq!(settle_on(d(2026, 12, 3), 0), d(2026, 12, 3));
    }

    #[test]
    fn a_retry_waits_for_its_notice_and_at_least_five_days() {
        assert_eq!(retry_date(d(2026, 12, 1), 5, 2), d(2026, 12, 7));
        assert_eq!(retry_date(d(2026, 12, 1), 1, 1), d(2026, 12, 7));
        assert_eq!(retry_date(d(2026, 12, 1), 5, 14), d(2026, 12, 15));
    }

    #[test]
    fn end_to_end_ids_are_sepa_identifiers() {
        let id = end_to_end_id("trx_abcdefghij0123456789", 3, "bat_k3j9x8w7v6u5t4s3r2q1");
        assert_eq!(id, "trx-abcdefghij0123456789-3-k3j9x8w7");
        assert!(id.len() <= 35);
        assert!(!id.contains('_'));
    }

    #[test]
    fn the_policy_starts_from_the_table_and_takes_changes() {
        let p = ReturnPolicy::default();
        assert_eq!(p.action("AM04"), ReturnAction::Retry);
        assert_eq!(p.action("AC04"), ReturnAction::NewMandate);
        assert_eq!(p.action("MD06"), ReturnAction::Refund);
        assert_eq!(p.action("ZZ99"), ReturnAction::Fail);
        let changed = ReturnPolicy::parse("ms03=fail  AC01=retry").unwrap();
        assert_eq!(changed.action("MS03"), ReturnAction::Fail);
        assert_eq!(changed.action("AC01"), ReturnAction::Retry);
        assert_eq!(changed.to_stored(), "MS03=fail AC01=retry");
        let back = changed.with("MS03", ReturnAction::Retry);
        assert_eq!(back.to_stored(), "AC01=retry");
        assert_eq!(
            ReturnPolicy::parse("AM04=maybe"),
            Err(PolicyError::BadAction("maybe".into()))
        );
        assert_eq!(
            ReturnPolicy::parse("AM4=retry"),
            Err(PolicyError::BadCode("AM4".into()))
        );
        assert_eq!(meaning("AM04"), "insufficient funds");
    }
}
