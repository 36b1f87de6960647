//! The merchant's billing settings: the time zone every "today" is taken in, the days between a
//! pre-notification and its collection, the safety bound of a run, and what invoices need (the
//! Dutch rules' KvK and VAT numbers, footer, numbering, whether subscriptions get them).

use crate::domain::calendar::parse_time_zone;
use crate::domain::fields::FieldErrors;
use crate::domain::invoice::NumberFormat;
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
    /// A checkbox: present when ticked.
    pub send_notices: Option<String>,
    pub invoice_by_default: Option<String>,
    pub kvk_number: String,
    pub vat_number: String,
    pub invoice_footer: String,
    pub invoice_number_format: String,
    pub credit_note_number_format: String,
}

/// The longest invoice footer.
pub const MAX_FOOTER: usize = 500;

impl SettingsInput {
    /// The merchant's current settings, for the form.
    pub fn of(merchant: &Merchant) -> SettingsInput {
        SettingsInput {
            time_zone: merchant.time_zone.clone(),
            notice_lead_days: merchant.notice_lead_days.to_string(),
            billing_max_periods: merchant.billing_max_periods.to_string(),
            send_notices: merchant.send_notices.then(|| "on".into()),
            invoice_by_default: merchant.invoice_by_default.then(|| "on".into()),
            kvk_number: merchant.kvk_number.clone(),
            vat_number: merchant.vat_number.clone(),
            invoice_footer: merchant.invoice_footer.clone(),
            invoice_number_format: merchant.invoice_number_format.clone(),
            credit_note_number_format: merchant.credit_note_number_format.clone(),
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
        let kvk_number: String = self.kvk_number.split_whitespace().collect();
        let kvk_ok = kvk_number.is_empty()
            || (kvk_number.len() == 8 && kvk_number.chars().all(|c| c.is_ascii_digit()));
        if !kvk_ok {
            errors.add("kvk_number", "A KvK number has 8 digits");
        }
        let vat_number = crate::domain::invoice::vat_number(&self.vat_number);
        if let Err(e) = &vat_number {
            errors.add("vat_number", e.to_string());
        }
        let invoice_footer = self.invoice_footer.trim().to_string();
        if invoice_footer.chars().count() > MAX_FOOTER {
            errors.add(
                "invoice_footer",
                format!("Keep the footer to at most {MAX_FOOTER} characters"),
            );
        }
        let format =
            |errors: &mut FieldErrors, field: &'static str, text: &str| match NumberFormat::parse(
                text,
            ) {
                Ok(f) => Some(f.to_string()),
                Err(e) => {
                    errors.add(field, e.to_string());
                    None
                }
            };
        let invoice_format = format(
            &mut errors,
            "invoice_number_format",
            &self.invoice_number_format,
        );
        let credit_format = format(
            &mut errors,
            "credit_note_number_format",
            &self.credit_note_number_format,
        );
        if let (Some(a), Some(b)) = (&invoice_format, &credit_format) {
            let today = chrono::Utc::now().date_naive();
            let (a, b) = (
                NumberFormat::parse(a).map(|f| f.series(today)),
                NumberFormat::parse(b).map(|f| f.series(today)),
            );
            if a == b {
                errors.add(
                    "credit_note_number_format",
                    "Credit notes need a series of their own: put a letter before the number, e.g. C{YYYY}-{SEQ:5}",
                );
            }
        }
        match (zone, lead, max, vat_number, invoice_format, credit_format) {
            (
                Some(zone),
                Some(notice_lead_days),
                Some(billing_max_periods),
                Ok(vat_number),
                Some(invoice_number_format),
                Some(credit_note_number_format),
            ) if errors.is_empty() => Ok(BillingSettings {
                time_zone: zone.name().to_string(),
                notice_lead_days,
                billing_max_periods,
                send_notices: self.send_notices.is_some(),
                invoice_by_default: self.invoice_by_default.is_some(),
                kvk_number,
                vat_number,
                invoice_footer,
                invoice_number_format,
                credit_note_number_format,
            }),
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
        "time zone {}, pre-notification {} days{}, at most {} periods per run, invoices {} by \
         default, numbers {} and {}",
        settings.time_zone,
        settings.notice_lead_days,
        if settings.send_notices {
            ""
        } else {
            " (notices off)"
        },
        settings.billing_max_periods,
        if settings.invoice_by_default {
            "on"
        } else {
            "off"
        },
        settings.invoice_number_format,
        settings.credit_note_number_format
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
