//! Collections: what is due per collection date and why some transactions wait, creating the
//! pain.008 file for a date, each batch's page (download, mark uploaded, cancel, settle), the
//! bank's return files, and the collection settings.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::{Layout, PageQuery, Pagination};
use crate::domain::Money;
use crate::domain::collection::{REASON_CODES, ReturnPolicy};
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::sepa::pain008::Version;
use crate::services::collections::returns::{self, ReturnError, Unmatched};
use crate::services::collections::settings::{self, SettingsInput};
use crate::services::collections::{
    self as service, CollectionError, ExportRequest, Overview, Step,
};
use crate::store::collections::{self as store, Batch, BatchLine, ReturnImport};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

/// The largest return file accepted (the reader refuses larger ones too).
const MAX_RETURN_FILE: usize = crate::sepa::returns::MAX_BYTES;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections", web::get().to(index))
        .route("/collections", web::post().to(create))
        .route("/collections/settings", web::post().to(save_settings))
        .route("/collections/returns", web::post().to(upload_returns))
        .route("/collections/returns/{id}", web::get().to(show_returns))
        .route("/collections/{id}", web::get().to(show))
        .route("/collections/{id}/file", web::get().to(file))
        .route("/collections/{id}/{step}", web::post().to(take_step));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DateQuery {
    date: String,
}

/// A reason code row of the settings table.
struct CodeRow {
    code: &'static str,
    meaning: &'static str,
    default: &'static str,
    action: &'static str,
}

#[derive(Template)]
#[template(path = "admin/collections.html")]
struct CollectionsPage {
    layout: Layout,
    overview: Overview,
    batches: Vec<Batch>,
    imports: Vec<ReturnImport>,
    /// The date the form proposes.
    date: String,
    include_recent: bool,
    error: Option<String>,
    upload_error: Option<String>,
    form: SettingsInput,
    errors: FieldErrors,
    codes: Vec<CodeRow>,
    versions: [Version; 2],
}

impl CollectionsPage {
    fn money(&self, minor: &i64) -> String {
        Money::from_minor(*minor).format_eur()
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    date: String,
    include_recent: bool,
    error: Option<String>,
    upload_error: Option<String>,
    form: Option<(SettingsInput, FieldErrors)>,
) -> Result<CollectionsPage, AppError> {
    let merchant_id = user.merchant_id();
    let chosen = parse_date(&date).ok();
    let overview = service::overview(&state.db, merchant_id, chosen).await?;
    let batches = store::batches(&state.db, merchant_id, None, 20).await?;
    let imports = store::imports(&state.db, merchant_id, 10).await?;
    let policy = ReturnPolicy::parse(&overview.settings.return_actions).unwrap_or_default();
    let codes = REASON_CODES
        .iter()
        .map(|(code, meaning, default)| CodeRow {
            code,
            meaning,
            default: default.label(),
            action: policy.action(code).label(),
        })
        .collect();
    let (form, errors) = form.unwrap_or_else(|| {
        (
            SettingsInput::of(&overview.settings),
            FieldErrors::default(),
        )
    });
    Ok(CollectionsPage {
        layout: Layout::new(session, user, "Collections", "collections")?,
        date: overview.date.to_string(),
        overview,
        batches,
        imports,
        include_recent,
        error,
        upload_error,
        form,
        errors,
        codes,
        versions: Version::ALL,
    })
}

async fn index(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, AppError> {
    let p = page(
        &state,
        &session,
        &user,
        query.into_inner().date,
        false,
        None,
        None,
        None,
    )
    .await?;
    render(StatusCode::OK, &p)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateForm {
    date: String,
    format: String,
    include_recent: Option<String>,
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let include_recent = form.include_recent.is_some();
    let error = match parse_date(&form.date) {
        Err(e) => e.to_string(),
        Ok(date) => {
            let mut request = ExportRequest::on(date);
            request.include_recent = include_recent;
            request.format = Version::parse(&form.format);
            match service::export(&state.db, &user.user, &request).await {
                Ok(done) => {
                    let b = &done.batch;
                    flash(
                        &session,
                        FlashKind::Success,
                        &format!(
                            "Collection file for {} created: {} debits, {}. Download it, upload it \
                             to your bank, then mark it uploaded.",
                            b.collection_date,
                            b.transactions,
                            Money::from_minor(b.total_minor).format_eur()
                        ),
                    );
                    return Ok(see_other(&format!("/admin/collections/{}", b.id)));
                }
                Err(CollectionError::Unexpected(e)) => return Err(e.into()),
                Err(e) => e.to_string(),
            }
        }
    };
    let p = page(
        &state,
        &session,
        &user,
        form.date,
        include_recent,
        Some(error),
        None,
        None,
    )
    .await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

async fn save_settings(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let checked = input.parse();
    forms::submit(
        &session,
        checked,
        async |s| {
            settings::save(&state.db, &user.user, &s).await?;
            Ok::<_, anyhow::Error>(Saved::new(
                "Collection settings saved.",
                "/admin/collections#settings",
            ))
        },
        async |errors| {
            page(
                &state,
                &session,
                &user,
                String::new(),
                false,
                None,
                None,
                Some((input.clone(), errors)),
            )
            .await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "admin/collection.html")]
struct BatchPage {
    layout: Layout,
    batch: Batch,
    lines: Vec<BatchLine>,
    pagination: Pagination,
    file_name: String,
}

impl BatchPage {
    fn money(&self, minor: &i64) -> String {
        Money::from_minor(*minor).format_eur()
    }

    fn name(line: &BatchLine) -> String {
        let n = format!("{} {}", line.first_name, line.last_name);
        if n.trim().is_empty() {
            line.company.clone()
        } else {
            n.trim().to_string()
        }
    }
}

async fn found(state: &AppState, user: &CurrentUser, id: &str) -> Result<Batch, AppError> {
    match service::batch(&state.db, user.merchant_id(), id).await {
        Ok(b) => Ok(b),
        Err(CollectionError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(anyhow::Error::new(e).into()),
    }
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let batch = found(&state, &user, &id).await?;
    let mut lines = store::lines(
        &state.db,
        user.merchant_id(),
        &batch.id,
        query.limit(),
        query.offset(),
    )
    .await?;
    let pagination = Pagination::of(
        &query,
        &mut lines,
        format!("/admin/collections/{}", batch.id),
    );
    let p = BatchPage {
        layout: Layout::new(
            &session,
            &user,
            &format!("Collection {}", batch.collection_date),
            "collections",
        )?,
        file_name: service::file_name(&batch),
        batch,
        lines,
        pagination,
    };
    render(StatusCode::OK, &p)
}

/// The stored file, streamed part by part: the same bytes every time.
async fn file(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let batch = found(&state, &user, &id).await?;
    Ok(file_response(state.db.clone(), batch))
}

/// A streamed download of a batch's file (the admin's and the API's).
pub fn file_response(db: crate::store::Db, batch: Batch) -> HttpResponse {
    let name = service::file_name(&batch);
    let size = batch.file_bytes;
    let stream = futures_util::stream::unfold((db, batch, 0i32), |(db, batch, n)| async move {
        match service::file_part(&db, &batch, n).await {
            Ok(Some(bytes)) => Some((
                Ok::<_, actix_web::Error>(web::Bytes::from(bytes)),
                (db, batch, n + 1),
            )),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = ?e, "reading a stored collection file");
                Some((
                    Err(actix_web::error::ErrorInternalServerError(
                        "reading the file",
                    )),
                    (db, batch, i32::MAX),
                ))
            }
        }
    })
    .take_while(|r| std::future::ready(r.is_ok()));
    HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("X-File-Size", size.to_string()))
        .streaming(stream)
}

async fn take_step(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, step) = path.into_inner();
    let step = Step::parse(&step).ok_or(AppError::NotFound)?;
    match service::step(&state.db, &user.user, &id, step).await {
        Ok(b) => {
            let message = match step {
                Step::Submit => format!(
                    "Marked uploaded: {} debits are submitted. Without returns they count as paid on {}.",
                    b.transactions,
                    b.settle_on.map(|d| d.to_string()).unwrap_or_default()
                ),
                Step::Cancel => {
                    "Batch cancelled: its transactions go into the next collection file.".into()
                }
                Step::Settle => "Batch settled: its collected transactions are paid.".into(),
            };
            flash(&session, FlashKind::Success, &message);
        }
        Err(CollectionError::NotFound) => return Err(AppError::NotFound),
        Err(CollectionError::Unexpected(e)) => return Err(e.into()),
        Err(e) => flash(&session, FlashKind::Error, &e.to_string()),
    }
    Ok(see_other(&format!("/admin/collections/{id}")))
}

/// Reads the `file` field, stopping as soon as it is over `max` bytes (`None`: too large).
async fn read_file(mut multipart: Multipart, max: usize) -> (String, Option<Vec<u8>>) {
    let mut name = String::new();
    let mut bytes = Vec::new();
    while let Some(Ok(mut field)) = multipart.next().await {
        if field.name() != Some("file") {
            continue;
        }
        name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or_default()
            .to_string();
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else {
                return (name, Some(Vec::new()));
            };
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max {
                return (name, None);
            }
        }
    }
    (name, Some(bytes))
}

async fn upload_returns(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let (name, bytes) = read_file(multipart, MAX_RETURN_FILE).await;
    let error = match bytes {
        None => crate::sepa::returns::ReadError::TooLarge {
            max: MAX_RETURN_FILE,
        }
        .to_string(),
        Some(b) if b.is_empty() => "Choose the pain.002 or camt.053/054 file from your bank".into(),
        Some(b) => {
            let links = state.dunning_links();
            match returns::import(&state.db, &user.user, &links, &name, &b).await {
                Ok(done) => {
                    if done.again {
                        flash(
                            &session,
                            FlashKind::Info,
                            &format!(
                                "This file was read before, on {}: nothing changed.",
                                done.import
                                    .created_at
                                    .with_timezone(&user.zone)
                                    .format("%Y-%m-%d %H:%M")
                            ),
                        );
                    }
                    return Ok(see_other(&format!(
                        "/admin/collections/returns/{}",
                        done.import.id
                    )));
                }
                Err(ReturnError::Unexpected(e)) => return Err(e.into()),
                Err(e) => e.to_string(),
            }
        }
    };
    let p = page(
        &state,
        &session,
        &user,
        String::new(),
        false,
        None,
        Some(error),
        None,
    )
    .await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

#[derive(Template)]
#[template(path = "admin/collection_returns.html")]
struct ReturnsPage {
    layout: Layout,
    import: ReturnImport,
    unmatched: Vec<Unmatched>,
    created: String,
}

impl ReturnsPage {
    fn money(&self, minor: &Option<i64>) -> String {
        minor
            .map(|m| Money::from_minor(m).format_eur())
            .unwrap_or_default()
    }

    fn meaning(&self, code: &str) -> &'static str {
        crate::domain::collection::meaning(code)
    }
}

async fn show_returns(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let import = store::import(&state.db, user.merchant_id(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unmatched = serde_json::from_str(&import.unmatched).unwrap_or_default();
    let p = ReturnsPage {
        layout: Layout::new(&session, &user, "Return file", "collections")?,
        created: import
            .created_at
            .with_timezone(&user.zone)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        import,
        unmatched,
    };
    render(StatusCode::OK, &p)
}
