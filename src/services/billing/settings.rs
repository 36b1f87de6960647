//! The merchant's billing settings: the time zone every "today" is taken in, the days between a
//! pre-notification and its collection, and the safety bound of a run.

use crate::domain::calendar::parse_time_zone;
use crate::domain::fields::FieldErrors;
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::merchants::{self, BillingSettings, Merchant};
use crate::store::{self, Db};

/// SEPA Core's pre-notification period unless the merchant's terms agree a shorter one.
pub const SEPA_LEAD_DAYS: i32 = 14;
/// Bounds of the settings.
pub const LEAD_DAYS: std::ops::RangeInclusive<i32> = 1..=60;
pub const MAX_PERIODS: std::ops::RangeInclusive<i32> = 1..=120;

/// The settings as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SettingsInput {
    pub time_zone: String,
    pub notice_lead_days: String,
    pub billing_max_periods: String,
}

impl SettingsInput {
    /// The merchant's current settings, for the form.
    pub fn of(merchant: &Merchant) -> SettingsInput {
        SettingsInput {
            time_zone: merchant.time_zone.clone(),
            notice_lead_days: merchant.notice_lead_days.to_string(),
            billing_max_periods: merchant.billing_max_periods.to_string(),
        }
    }

    /// Checks the fields.
    pub fn parse(&self) -> Result<BillingSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let zone = parse_time_zone(&self.time_zone).ok();
        if zone.is_none() {
            errors.add(
                "time_zone",
                "Use a time zone name such as Europe/Amsterdam or Europe/Brussels",
            );
        }
        let number = |errors: &mut FieldErrors,
                      field: &'static str,
                      text: &str,
                      range: std::ops::RangeInclusive<i32>| {
            match text.trim().parse::<i32>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    errors.add(
                        field,
                        format!(
                            "Use a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    );
                    None
                }
            }
        };
        let lead = number(
            &mut errors,
            "notice_lead_days",
            &self.notice_lead_days,
            LEAD_DAYS,
        );
        let max = number(
            &mut errors,
            "billing_max_periods",
            &self.billing_max_periods,
            MAX_PERIODS,
        );
        match (zone, lead, max) {
            (Some(zone), Some(notice_lead_days), Some(billing_max_periods)) => {
                Ok(BillingSettings {
                    time_zone: zone.name().to_string(),
                    notice_lead_days,
                    billing_max_periods,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Saves the settings and logs who changed what.
pub async fn save(db: &Db, actor: &dyn Actor, settings: &BillingSettings) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.begin().await?;
    merchants::update_billing_settings(&mut tx, actor.merchant_id(), settings, now).await?;
    let details = format!(
        "time zone {}, pre-notification {} days, at most {} periods per run",
        settings.time_zone, settings.notice_lead_days, settings.billing_max_periods
    );
    let entry = NewActivity::by(
        actor,
        "merchant",
        actor.merchant_id(),
        "billing.settings_updated",
        details,
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await
}
