//! Importing customers from CSV or Excel: upload, map columns, preview, commit with progress.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::Layout;
use crate::services::imports::columns::{FIELDS, Field};
use crate::services::imports::{self as service, ImportError, ReadError};
use crate::store::imports::{self as import_store, Import, ImportRow};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/import", web::get().to(index))
        .route("/import", web::post().to(upload))
        .route("/import/template.csv", web::get().to(template))
        .route("/import/{id}", web::get().to(show))
        .route("/import/{id}/mapping", web::post().to(map_columns))
        .route("/import/{id}/commit", web::post().to(commit))
        .route("/import/{id}/rejected.csv", web::get().to(rejected_csv));
}

/// Rejected rows shown per page of the preview.
const REJECTED_PER_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "admin/imports.html")]
struct ImportsPage {
    layout: Layout,
    imports: Vec<Import>,
    error: Option<String>,
    max_upload_mb: u64,
    /// The merchant's spreadsheets separate with semicolons (Excel in Dutch, German, French).
    semicolons: bool,
}

async fn index_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    error: Option<String>,
) -> Result<ImportsPage, AppError> {
    Ok(ImportsPage {
        layout: Layout::new(session, user, "Import customers", "import")?,
        imports: import_store::recent(&state.db, user.merchant_id(), 20).await?,
        error,
        max_upload_mb: state.config.import.max_upload_mb,
        semicolons: service::spreadsheet_separator(&merchant_language(state, user).await?) == b';',
    })
}

async fn index(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &index_page(&state, &session, &user, None).await?,
    )
}

/// The uploaded file and the sheet asked for.
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    sheet: String,
    too_large: bool,
}

/// Reads the `file` and `sheet` fields, stopping as soon as the file is over `max` bytes.
async fn read_upload(mut multipart: Multipart, max: u64) -> Result<Upload, AppError> {
    let mut upload = Upload {
        file_name: String::new(),
        bytes: Vec::new(),
        sheet: String::new(),
        too_large: false,
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    // A body that is no multipart form (or breaks off) holds no file: the page says to choose one.
    while let Some(Ok(mut field)) = multipart.next().await {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            upload.file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .to_string();
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else {
                upload.bytes.clear();
                return Ok(upload);
            };
            data.extend_from_slice(&chunk);
            if data.len() > max {
                upload.too_large = true;
                return Ok(upload);
            }
        }
        match name.as_str() {
            "file" => upload.bytes = data,
            "sheet" => upload.sheet = String::from_utf8_lossy(&data).chars().take(100).collect(),
            _ => {}
        }
    }
    Ok(upload)
}

async fn upload(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let settings = &state.config.import;
    let upload = read_upload(multipart, settings.max_upload_bytes()).await?;
    let error = if upload.too_large {
        ReadError::TooLarge {
            max_mb: settings.max_upload_mb,
        }
        .to_string()
    } else if upload.bytes.is_empty() {
        "Choose a CSV or Excel file".to_string()
    } else {
        match service::upload(
            &state.db,
            user.merchant_id(),
            &user.user.id,
            &upload.file_name,
            &upload.bytes,
            &upload.sheet,
            settings.max_uncompressed_bytes(),
        )
        .await
        {
            Ok(id) => return Ok(see_other(&format!("/admin/import/{id}"))),
            Err(ImportError::Unexpected(e)) => return Err(e.into()),
            Err(e) => e.to_string(),
        }
    };
    let page = index_page(&state, &session, &user, Some(error)).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize)]
struct TemplateQuery {
    /// `semicolon`, `comma` or `tab`; the merchant's spreadsheet's when absent.
    separator: Option<String>,
}

async fn template(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, AppError> {
    let separator = match query
        .separator
        .as_deref()
        .and_then(service::separator_named)
    {
        Some(separator) => separator,
        None => service::spreadsheet_separator(&merchant_language(&state, &user).await?),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"abbo-customers-template.csv\"",
        ))
        .body(service::template_csv(separator)))
}

/// The merchant's default language, which decides the separator its spreadsheets expect.
async fn merchant_language(state: &AppState, user: &CurrentUser) -> Result<String, AppError> {
    Ok(crate::store::merchants::get(&state.db, user.merchant_id())
        .await?
        .ok_or(AppError::NotFound)?
        .default_language)
}

/// One column of the mapping form.
struct Column {
    index: usize,
    header: String,
    chosen: String,
    samples: Vec<String>,
    /// Why the mapping of this column is refused.
    error: Option<String>,
}

/// A rejected row with its reasons.
struct Rejected {
    line: i64,
    reasons: Vec<String>,
    cells: String,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    layout: Layout,
    import: Import,
    columns: Vec<Column>,
    fields: &'static [Field],
    /// Show the mapping form (an upload not checked yet, a change asked for, or a bad mapping).
    mapping: bool,
    error: Option<String>,
    rejected: Vec<Rejected>,
    page: i64,
    has_next: bool,
    /// Percentage of the accepted rows written.
    percent: i64,
}

#[derive(Deserialize)]
struct ShowQuery {
    page: Option<i64>,
    mapping: Option<String>,
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Import, AppError> {
    import_store::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn import_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    import: Import,
    mapping: Option<Vec<String>>,
    error: Option<(String, Option<usize>)>,
    page: i64,
) -> Result<ImportPage, AppError> {
    let merchant_id = user.merchant_id();
    let samples = import_store::rows_with_outcome(&state.db, merchant_id, &import.id, "", 3, 0)
        .await?
        .iter()
        .map(service::cells)
        .collect::<Vec<_>>();
    let chosen = mapping.clone().unwrap_or_else(|| service::mapping(&import));
    let columns = service::headers(&import)
        .into_iter()
        .enumerate()
        .map(|(index, header)| Column {
            index,
            header,
            chosen: chosen.get(index).cloned().unwrap_or_default(),
            samples: samples
                .iter()
                .filter_map(|row| row.get(index).cloned())
                .collect(),
            error: error
                .as_ref()
                .filter(|(_, column)| *column == Some(index))
                .map(|(message, _)| message.clone()),
        })
        .collect();
    let page = page.max(1);
    let mut rows: Vec<ImportRow> = if import.status == "uploaded" {
        Vec::new()
    } else {
        import_store::rows_with_outcome(
            &state.db,
            merchant_id,
            &import.id,
            "rejected",
            REJECTED_PER_PAGE + 1,
            (page - 1).saturating_mul(REJECTED_PER_PAGE),
        )
        .await?
    };
    let has_next = rows.len() as i64 > REJECTED_PER_PAGE;
    rows.truncate(REJECTED_PER_PAGE as usize);
    let accepted = import.new_rows + import.updated_rows;
    let percent = if accepted == 0 {
        100
    } else {
        (import.committed_rows * 100 / accepted).clamp(0, 100)
    };
    Ok(ImportPage {
        layout: Layout::new(session, user, "Import customers", "import")?,
        mapping: mapping.is_some() || import.status == "uploaded",
        import,
        columns,
        fields: FIELDS,
        error: error.map(|(message, _)| message),
        rejected: rows
            .iter()
            .map(|r| Rejected {
                line: r.line,
                reasons: r.reasons.lines().map(str::to_string).collect(),
                cells: service::cells(r).join(" | "),
            })
            .collect(),
        page,
        has_next,
        percent,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let import = load(&state, &user, &id).await?;
    let mapping = (query.mapping.is_some() && matches!(import.status.as_str(), "previewed"))
        .then(|| service::mapping(&import));
    let page = import_page(
        &state,
        &session,
        &user,
        import,
        mapping,
        None,
        query.page.unwrap_or(1),
    )
    .await?;
    render(StatusCode::OK, &page)
}

async fn map_columns(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let import = load(&state, &user, &id).await?;
    let mapping: Vec<String> = (0..service::headers(&import).len())
        .map(|i| {
            form.get(&format!("column_{i}"))
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let today = user.today();
    let error = match service::apply_mapping(
        &state.db,
        user.merchant_id(),
        &import.id,
        mapping.clone(),
        today,
    )
    .await
    {
        Ok(_) => return Ok(see_other(&format!("/admin/import/{}", import.id))),
        Err(ImportError::NotFound) => return Err(AppError::NotFound),
        Err(ImportError::Unexpected(e)) => return Err(e.into()),
        Err(ImportError::Mapping { message, column }) => (message, column),
        Err(e) => (e.to_string(), None),
    };
    let page = import_page(
        &state,
        &session,
        &user,
        import,
        Some(mapping),
        Some(error),
        1,
    )
    .await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn commit(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let import = load(&state, &user, &id).await?;
    match service::start_commit(&state.db, user.merchant_id(), &import.id).await {
        Ok(()) => {
            flash(
                &session,
                FlashKind::Success,
                "The import runs: you may close this page, it continues.",
            );
            Ok(see_other(&format!("/admin/import/{}", import.id)))
        }
        Err(ImportError::NotFound) => Err(AppError::NotFound),
        Err(ImportError::Unexpected(e)) => Err(e.into()),
        Err(e) => {
            let page = import_page(
                &state,
                &session,
                &user,
                import,
                None,
                Some((e.to_string(), None)),
                1,
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn rejected_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let csv = match service::rejected_csv(&state.db, user.merchant_id(), &id).await {
        Ok(csv) => csv,
        Err(ImportError::Unexpected(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"rejected-rows.csv\"",
        ))
        .body(csv))
}
