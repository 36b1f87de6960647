//! Static files, built into the binary and served with a content hash for cache busting.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::AppError;
use crate::store::merchants;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    Asset {
        name: "admin.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/admin.js"),
    },
    Asset {
        name: "embed.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/embed.js"),
    },
    Asset {
        name: "embed-frame.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/embed-frame.js"),
    },
    Asset {
        name: "signup.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/signup.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{name}", web::get().to(serve))
        .route("/media/logo/{merchant_id}", web::get().to(logo));
}

/// The versioned URL of an asset, e.g. `/static/app.css?v=1a2b3c4d`.
pub fn url(name: &str) -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    let version = VERSION.get_or_init(|| {
        let mut hasher = Sha256::new();
        for asset in ASSETS {
            hasher.update(asset.body);
        }
        hex::encode(&hasher.finalize()[..6])
    });
    format!("/static/{name}?v={version}")
}

async fn serve(
    req: actix_web::HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        // Versioned links never change; the unversioned embed script on merchants' sites may.
        .insert_header((
            header::CACHE_CONTROL,
            if req.query_string().starts_with("v=") {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=3600"
            },
        ))
        .body(asset.body))
}

/// A merchant's logo; public, because sign-up pages and emails show it.
async fn logo(
    state: web::Data<AppState>,
    merchant_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let logo = merchants::logo(&state.db, &merchant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(logo.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(logo.data))
}
