//! Hosted sign-up pages and the single-use tokens of their forms.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A sign-up page as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Page {
    pub id: String,
    pub merchant_id: String,
    pub slug: String,
    pub title: String,
    pub intro: String,
    pub product_ids: String,
    pub fields: String,
    pub mandate_type: String,
    pub start_rule: String,
    pub success_url: String,
    pub allowed_origins: String,
    pub language: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The title and intro in other languages (`i18n::translated`).
    pub translations: String,
}

impl Page {
    /// Whether the form asks for `field` (phone, address, company, birth_date).
    pub fn asks(&self, field: &str) -> bool {
        self.fields
            .split(',')
            .any(|f| f == field || f.strip_suffix("_required") == Some(field))
    }

    /// Whether `field` must be filled in.
    pub fn requires(&self, field: &str) -> bool {
        self.fields
            .split(',')
            .any(|f| f.strip_suffix("_required") == Some(field))
    }

    /// The products offered, in order.
    pub fn products(&self) -> Vec<&str> {
        self.product_ids
            .split(',')
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// The title in `language`: the merchant's translation, else the page's own.
    pub fn title_in(&self, language: crate::domain::Language) -> String {
        crate::i18n::translated(&self.translations, language, "title")
            .unwrap_or_else(|| self.title.clone())
    }

    /// The intro in `language`: the merchant's translation, else the page's own.
    pub fn intro_in(&self, language: crate::domain::Language) -> String {
        crate::i18n::translated(&self.translations, language, "intro")
            .unwrap_or_else(|| self.intro.clone())
    }

    /// The origins allowed to frame the page.
    pub fn origins(&self) -> Vec<&str> {
        self.allowed_origins
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect()
    }
}

const COLUMNS: &str = "id, merchant_id, slug, title, intro, product_ids, fields, mandate_type, start_rule, \
     success_url, allowed_origins, language, active, created_at, translations";

/// Creates or replaces a page (all fields of `p`); a unique violation means the slug is taken.
pub async fn save(tx: &mut Tx, p: &Page, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO subscription_pages (id, merchant_id, slug, title, intro, product_ids, fields, mandate_type, \
             start_rule, success_url, allowed_origins, language, active, created_at, updated_at, translations) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) \
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, title = excluded.title, intro = excluded.intro, \
             product_ids = excluded.product_ids, fields = excluded.fields, mandate_type = excluded.mandate_type, \
             start_rule = excluded.start_rule, success_url = excluded.success_url, \
             allowed_origins = excluded.allowed_origins, language = excluded.language, active = excluded.active, \
             translations = excluded.translations, updated_at = excluded.updated_at WHERE subscription_pages.merchant_id = excluded.merchant_id",
        )
        .bind(&p.id)
        .bind(&p.merchant_id)
        .bind(&p.slug)
        .bind(&p.title)
        .bind(&p.intro)
        .bind(&p.product_ids)
        .bind(&p.fields)
        .bind(&p.mandate_type)
        .bind(&p.start_rule)
        .bind(&p.success_url)
        .bind(&p.allowed_origins)
        .bind(&p.language)
        .bind(p.active)
        .bind(at)
        .bind(&p.translations)
        .execute(conn)
        .await
        .map(|_| ())
    })
}

/// One of the merchant's pages.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Page>> {
    let sql =
        format!("SELECT {COLUMNS} FROM subscription_pages WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => sqlx::query_as::<_, Page>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await)
        .context("loading a sign-up page")
}

/// The page at `/s/{slug}` (the public side, before the merchant is known).
pub async fn by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Page>> {
    let sql = format!("SELECT {COLUMNS} FROM subscription_pages WHERE slug = $1");
    on_db!(db, pool => sqlx::query_as::<_, Page>(&sql).bind(slug).fetch_optional(pool).await)
        .context("loading a sign-up page by slug")
}

/// The merchant's pages, newest first.
pub async fn list(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<Page>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscription_pages WHERE merchant_id = $1 ORDER BY created_at DESC, id"
    );
    on_db!(db, pool => sqlx::query_as::<_, Page>(&sql).bind(merchant_id).fetch_all(pool).await)
        .context("listing sign-up pages")
}

/// Marks a form token as used; false when it already was (a double submit).
pub async fn use_form_token(tx: &mut Tx, nonce: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query("INSERT INTO used_form_tokens (nonce, used_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING")
            .bind(nonce)
            .bind(at)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("using a form token")?;
    Ok(n == 1)
}

/// A page of the merchant's sign-up pages for the API, newest first.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    limit: i64,
) -> anyhow::Result<Vec<Page>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscription_pages WHERE merchant_id = $1 AND {} \
         ORDER BY created_at DESC, id DESC LIMIT $4",
        super::after_cursor("")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Page>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing sign-up pages")
}
