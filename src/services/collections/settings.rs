//! The merchant's collection settings: the pain.008 version their bank takes, the bank's
//! cut-off time, the settle window, retries and grey-listing, and the reason code table.

use chrono::NaiveTime;

use crate::domain::collection::{MAX_RETRIES, MIN_RETRY_DAYS, ReturnPolicy};
use crate::domain::fields::FieldErrors;
use crate::sepa::pain008::Version;
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::collections::{self, Settings};
use crate::store::{self, Db};

/// The settings as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub pain_format: String,
    pub bank_cutoff: String,
    pub settle_days: String,
    pub retry_count: String,
    pub retry_after_days: String,
    pub grey_list_after: String,
    pub return_actions: String,
}

impl SettingsInput {
    /// The stored settings, for the form.
    pub fn of(s: &Settings) -> SettingsInput {
        SettingsInput {
            pain_format: s.pain_format.clone(),
            bank_cutoff: s.bank_cutoff.clone(),
            settle_days: s.settle_days.to_string(),
            retry_count: s.retry_count.to_string(),
            retry_after_days: s.retry_after_days.to_string(),
            grey_list_after: s.grey_list_after.to_string(),
            return_actions: s.return_actions.replace(' ', "\n"),
        }
    }

    /// Checks the fields.
    pub fn parse(&self) -> Result<Settings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let format = Version::parse(self.pain_format.trim());
        if format.is_none() {
            errors.add(
                "pain_format",
                "Choose pain.008.001.02 or pain.008.001.08 (ask your bank which it takes)",
            );
        }
        let cutoff = NaiveTime::parse_from_str(self.bank_cutoff.trim(), "%H:%M").ok();
        if cutoff.is_none() {
            errors.add("bank_cutoff", "Use a time such as 16:00");
        }
        let mut number = |field: &'static str, text: &str, min: i32, max: i32, why: &str| match text
            .trim()
            .parse::<i32>()
        {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.add(
                    field,
                    format!("Use a whole number from {min} to {max}{why}"),
                );
                0
            }
        };
        let settle_days = number("settle_days", &self.settle_days, 0, 30, "");
        let retry_count = number(
            "retry_count",
            &self.retry_count,
            0,
            MAX_RETRIES,
            ": more attempts make the debtor's bank block you",
        );
        let retry_after_days = number(
            "retry_after_days",
            &self.retry_after_days,
            MIN_RETRY_DAYS,
            60,
            ": banks re-offer a debit for a few days themselves",
        );
        let grey_list_after = number(
            "grey_list_after",
            &self.grey_list_after,
            0,
            24,
            " (0: never)",
        );
        let policy = ReturnPolicy::parse(&self.return_actions);
        if let Err(e) = &policy {
            errors.add("return_actions", e.to_string());
        }
        match (format, cutoff, policy) {
            (Some(format), Some(cutoff), Ok(policy)) if errors.is_empty() => Ok(Settings {
                pain_format: format.as_str().to_string(),
                bank_cutoff: cutoff.format("%H:%M").to_string(),
                settle_days,
                retry_count,
                retry_after_days,
                grey_list_after,
                return_actions: policy.to_stored(),
            }),
            _ => Err(errors),
        }
    }
}

/// Saves the settings and logs who changed what.
pub async fn save(db: &Db, actor: &dyn Actor, s: &Settings) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.begin().await?;
    collections::update_settings(&mut tx, actor.merchant_id(), s, now).await?;
    let details = format!(
        "{}, cut-off {}, settled after {} business days, {} retries after {} days, grey list after {} failures{}",
        s.pain_format,
        s.bank_cutoff,
        s.settle_days,
        s.retry_count,
        s.retry_after_days,
        s.grey_list_after,
        if s.return_actions.is_empty() {
            String::new()
        } else {
            format!(", reason codes changed: {}", s.return_actions)
        }
    );
    let entry = NewActivity::by(
        actor,
        "merchant",
        actor.merchant_id(),
        "collections.settings_updated",
        details,
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await
}
