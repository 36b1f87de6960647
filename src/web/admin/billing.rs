//! The billing page: the latest runs and when the next one is due, a preview of what a run on a
//! chosen day would create, and the billing settings.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::Layout;
use crate::domain::Money;
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::services::billing::settings::{self, SEPA_LEAD_DAYS, SettingsInput};
use crate::services::billing::{self, RunOptions, RunReport};
use crate::store::billing::{self as store, Run};
use crate::store::merchants;
use crate::web::AppState;
use crate::web::error::{AppError, render};
use crate::web::forms::{self, Saved};
use crate::web::session::CurrentUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/billing", web::get().to(show))
        .route("/billing/settings", web::post().to(save));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PreviewQuery {
    /// Preview a run as if this were today.
    date: String,
}

/// A run as the page lists it, its times in the merchant's time zone.
struct RunRow {
    run: Run,
    started: String,
    /// The refused subscriptions named in the record, with their periods.
    refusals: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/billing.html")]
struct BillingPage {
    layout: Layout,
    runs: Vec<RunRow>,
    /// When the hourly run is next due, or why there is none.
    next_run: String,
    zone: String,
    date: String,
    date_error: Option<String>,
    preview: Option<RunReport>,
    preview_total: Money,
    form: SettingsInput,
    errors: FieldErrors,
    /// The lead is below SEPA Core's 14 days.
    short_lead: bool,
}

impl BillingPage {
    fn money(&self, minor: &i64) -> String {
        Money::from_minor(*minor).format_eur()
    }
}

fn local(at: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

async fn page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    date: String,
    form: SettingsInput,
    errors: FieldErrors,
) -> Result<BillingPage, AppError> {
    let merchant_id = user.merchant_id();
    let merchant = merchants::get(&state.db, merchant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = merchant.zone();
    let runs: Vec<RunRow> = store::recent_runs(&state.db, merchant_id, 10)
        .await?
        .into_iter()
        .map(|run| RunRow {
            started: local(run.started_at, zone),
            refusals: run
                .refusals
                .split_whitespace()
                .filter_map(|r| r.split_once(':'))
                .map(|(id, n)| (id.to_string(), n.to_string()))
                .collect(),
            run,
        })
        .collect();
    let next_run = if !state.config.outbox.worker {
        "This instance does not run the hourly run (outbox.worker is off): another instance \
         does, or run `abbo billing run`."
            .to_string()
    } else {
        match runs.iter().find(|r| r.run.started_by == "schedule") {
            Some(last) => format!(
                "The hourly run is next due around {}.",
                local(last.run.started_at + Duration::hours(1), zone)
            ),
            None => "The hourly run is due within the hour.".to_string(),
        }
    };
    let (preview, date_error) = if date.trim().is_empty() {
        (None, None)
    } else {
        match parse_date(&date) {
            Ok(as_of) => {
                let options = RunOptions {
                    as_of: Some(as_of),
                    dry_run: true,
                    ..RunOptions::now(&user.user.email)
                };
                (
                    Some(billing::run(&state.db, merchant_id, &options).await?),
                    None,
                )
            }
            Err(e) => (None, Some(e.to_string())),
        }
    };
    let short_lead = merchant.notice_lead_days < SEPA_LEAD_DAYS;
    Ok(BillingPage {
        layout: Layout::new(session, user, "Billing", "billing")?,
        runs,
        next_run,
        zone: merchant.time_zone.clone(),
        date,
        date_error,
        preview_total: Money::from_minor(preview.as_ref().map_or(0, |p| p.total_minor)),
        preview,
        form,
        errors,
        short_lead,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    let merchant = merchants::get(&state.db, user.merchant_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let form = SettingsInput::of(&merchant);
    let page = page(
        &state,
        &session,
        &user,
        query.into_inner().date,
        form,
        FieldErrors::default(),
    )
    .await?;
    let status = if page.date_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

async fn save(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let checked = form.parse();
    let save = async |s: merchants::BillingSettings| {
        settings::save(&state.db, &user.user, &s).await?;
        let mut message = "Billing settings saved.".to_string();
        if s.notice_lead_days < SEPA_LEAD_DAYS {
            message.push_str(&format!(
                " Customers are told {} days ahead: SEPA Core asks for {SEPA_LEAD_DAYS} unless \
                 your terms agree a shorter period.",
                s.notice_lead_days
            ));
        }
        Ok::<_, anyhow::Error>(Saved::new(message, "/admin/billing"))
    };
    let again = async |errors| page(&state, &session, &user, String::new(), form, errors).await;
    forms::submit(&session, checked, save, again).await
}
