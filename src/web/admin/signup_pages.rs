//! Sign-up page editor: which products, which fields, how the mandate is given, where the page
//! may be embedded; with the public link, a QR code and the iFrame snippet.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::Layout;
use crate::domain::Language;
use crate::domain::fields::FieldErrors;
use crate::services::signup_pages::{self as service, PageError};
use crate::store::products::{self, ProductRow};
use crate::store::signup_pages::{self as pages, Page};
use crate::web::AppState;
use crate::web::error::{AppError, render};
use crate::web::forms::{self, Refusal, Saved};
use crate::web::session::CurrentUser;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pages", web::get().to(list))
        .route("/pages", web::post().to(create))
        .route("/pages/new", web::get().to(new))
        .route("/pages/{id}", web::get().to(edit))
        .route("/pages/{id}", web::post().to(update))
        .route("/pages/{id}/qr.svg", web::get().to(qr));
}

/// Optional fields a page can ask for.
const OPTIONAL_FIELDS: &[(&str, &str)] = &[
    ("phone", "Mobile number"),
    ("address", "Address"),
    ("company", "Company"),
    ("birth_date", "Date of birth"),
];

#[derive(Template)]
#[template(path = "admin/signup_pages.html")]
struct PagesPage {
    layout: Layout,
    pages: Vec<Page>,
    base_url: String,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let page = PagesPage {
        layout: Layout::new(&session, &user, "Sign-up pages", "pages")?,
        pages: pages::list(&state.db, user.merchant_id()).await?,
        base_url: state.config.base_url.clone(),
    };
    render(StatusCode::OK, &page)
}

/// The editor as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PageForm {
    title: String,
    slug: String,
    intro: String,
    /// Repeated `product` fields are not supported by the form decoder; products come as
    /// `product_<id>=on`, collected in `products`.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
    mandate_type: String,
    start_rule: String,
    success_url: String,
    allowed_origins: String,
    language: String,
    active: Option<String>,
}

impl PageForm {
    fn from_page(p: &Page) -> PageForm {
        let mut rest = std::collections::HashMap::new();
        for id in p.products() {
            rest.insert(format!("product_{id}"), "on".into());
        }
        for (field, _) in OPTIONAL_FIELDS {
            let value = if p.requires(field) {
                "required"
            } else if p.asks(field) {
                "optional"
            } else {
                ""
            };
            rest.insert(format!("field_{field}"), value.into());
        }
        for (text, language, field, _) in TRANSLATED {
            if let Some(typed) = crate::i18n::translated(&p.translations, language, text) {
                rest.insert(field.to_string(), typed);
            }
        }
        PageForm {
            title: p.title.clone(),
            slug: p.slug.clone(),
            intro: p.intro.clone(),
            rest,
            mandate_type: p.mandate_type.clone(),
            start_rule: p.start_rule.clone(),
            success_url: p.success_url.clone(),
            allowed_origins: p.allowed_origins.clone(),
            language: p.language.clone().unwrap_or_default(),
            active: p.active.then(|| "on".into()),
        }
    }

    fn blank() -> PageForm {
        PageForm {
            mandate_type: "email".into(),
            start_rule: "today".into(),
            active: Some("on".into()),
            ..PageForm::default()
        }
    }

    /// A translated text as typed (`title_de`).
    fn text(&self, field: &str) -> &str {
        self.rest.get(field).map_or("", String::as_str)
    }

    /// Whether product `id` is ticked.
    fn has_product(&self, id: &str) -> bool {
        self.rest.contains_key(&format!("product_{id}"))
    }

    /// "", "optional" or "required" for an optional field.
    fn field(&self, name: &str) -> &str {
        self.rest
            .get(&format!("field_{name}"))
            .map_or("", String::as_str)
    }

    /// Checks every field; `online_payments` says whether a payment provider is configured.
    fn parse(
        &self,
        id: &str,
        products: &[ProductRow],
        online_payments: bool,
    ) -> Result<Page, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim();
        if title.is_empty() {
            errors.add("title", "Enter a title customers see");
        } else if title.chars().count() > 100 {
            errors.add("title", "Use at most 100 characters");
        }
        let slug = self.slug.trim().to_lowercase();
        if !(3..=60).contains(&slug.len())
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || slug.starts_with('-')
            || slug.ends_with('-')
        {
            errors.add(
                "slug",
                "Use 3 to 60 lower-case letters, digits and dashes, like fiets-plus",
            );
        }
        if self.intro.chars().count() > 2000 {
            errors.add("intro", "Use at most 2000 characters");
        }
        let chosen: Vec<&ProductRow> = products
            .iter()
            .filter(|p| self.has_product(&p.id))
            .collect();
        if chosen.is_empty() {
            errors.add("products", "Choose at least one product");
        }
        if !matches!(
            self.mandate_type.as_str(),
            "email" | "sms" | "online_payment"
        ) {
            errors.add("mandate_type", "Choose how customers give the mandate");
        } else if self.mandate_type == "online_payment" && !online_payments {
            errors.add(
                "mandate_type",
                "Online payments are off on this instance (payments.provider): choose a link by \
                 email or text message",
            );
        } else if let Some(p) = chosen.iter().find(|p| !p.offers(&self.mandate_type)) {
            errors.add("mandate_type", format!("{} does not offer this way of giving the mandate; change the product or choose another way", p.name));
        }
        if !matches!(
            self.start_rule.as_str(),
            "today" | "first_of_next_month" | "customer"
        ) {
            errors.add("start_rule", "Choose when subscriptions start");
        }
        let success_url = self.success_url.trim();
        if !success_url.is_empty() && !valid_url(success_url, true) {
            errors.add("success_url", "Enter a full address starting with https://");
        }
        let origins: Vec<&str> = self
            .allowed_origins
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        if let Some(bad) = origins.iter().find(|o| !valid_url(o, false)) {
            errors.add(
                "allowed_origins",
                format!("\"{bad}\" is not an origin like https://www.example.nl (no path)"),
            );
        }
        let language = if self.language.is_empty() {
            None
        } else {
            Language::parse(&self.language)
                .ok()
                .map(|l| l.code().to_string())
        };
        let mut fields = Vec::new();
        for (field, _) in OPTIONAL_FIELDS {
            match self.field(field) {
                "optional" => fields.push(field.to_string()),
                "required" => fields.push(format!("{field}_required")),
                _ => {}
            }
        }
        let mut texts = Vec::new();
        for (text, language, field, max) in TRANSLATED {
            let typed = self.rest.get(field).map_or("", |v| v.trim());
            if typed.chars().count() > max {
                errors.add(field, format!("Use at most {max} characters"));
            }
            texts.push((language, text, typed));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Page {
            translations: crate::i18n::translations(&texts),
            id: id.to_string(),
            merchant_id: String::new(),
            slug,
            title: title.to_string(),
            intro: self.intro.trim().to_string(),
            product_ids: chosen
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            fields: fields.join(","),
            mandate_type: self.mandate_type.clone(),
            start_rule: self.start_rule.clone(),
            success_url: success_url.to_string(),
            allowed_origins: origins.join("\n"),
            language,
            active: self.active.is_some(),
            created_at: chrono::Utc::now(),
        })
    }
}

/// `https://host[:port]` with a path only when `path_allowed` (origins have none).
pub(crate) fn valid_url(s: &str, path_allowed: bool) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        && !host.starts_with('.')
        && !host.contains(' ');
    host_ok && (path_allowed || path.is_empty()) && !s.contains(['"', '<', '>', ' ', '\'', '\\'])
}

/// The texts a merchant gives per language: (text, language, form field, most characters).
const TRANSLATED: [(&str, Language, &str, usize); 8] = [
    ("title", Language::En, "title_en", 100),
    ("title", Language::Nl, "title_nl", 100),
    ("title", Language::Fr, "title_fr", 100),
    ("title", Language::De, "title_de", 100),
    ("intro", Language::En, "intro_en", 2000),
    ("intro", Language::Nl, "intro_nl", 2000),
    ("intro", Language::Fr, "intro_fr", 2000),
    ("intro", Language::De, "intro_de", 2000),
];

#[derive(Template)]
#[template(path = "admin/signup_page_form.html")]
struct EditorPage {
    layout: Layout,
    page: Option<Page>,
    form: PageForm,
    errors: FieldErrors,
    products: Vec<ProductRow>,
    optional_fields: &'static [(&'static str, &'static str)],
    languages: &'static [Language],
    public_url: String,
    base_url: String,
    /// What the link field is: the address it makes, and that the title suggests it.
    slug_hint: String,
    /// The configured payment provider's name for the online-payment option; `None` when off.
    payments: Option<&'static str>,
}

impl EditorPage {
    /// Whether the translations are shown open: some are given, or one needs correcting.
    fn translations_open(&self) -> bool {
        TRANSLATED.iter().any(|(_, _, field, _)| {
            self.errors.get(field).is_some() || !self.form.text(field).is_empty()
        })
    }
}

/// A link suggested by the title: "Fiets Plus — één maand" becomes `fiets-plus-een-maand`.
fn slug_from(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().replace('ß', "ss").chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(60);
    slug.trim_end_matches('-').to_string()
}

async fn editor(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    page: Option<Page>,
    form: PageForm,
    errors: FieldErrors,
) -> Result<EditorPage, AppError> {
    let mut products = products::list(&state.db, user.merchant_id()).await?;
    products.retain(|p| p.active || form.has_product(&p.id));
    let public_url = page
        .as_ref()
        .map(|p| format!("{}/s/{}", state.config.base_url, p.slug))
        .unwrap_or_default();
    let title = page
        .as_ref()
        .map_or("New sign-up page".to_string(), |p| p.title.clone());
    Ok(EditorPage {
        layout: Layout::new(session, user, &title, "pages")?,
        page,
        form,
        errors,
        products,
        optional_fields: OPTIONAL_FIELDS,
        languages: Language::ALL,
        public_url,
        slug_hint: format!(
            "The page's address: {}/s/ followed by this, like fiets-plus. Left empty, it is made \
             from the title.",
            state.config.base_url
        ),
        base_url: state.config.base_url.clone(),
        payments: state.payments.as_ref().map(|p| p.description()),
    })
}

async fn new(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &editor(
            &state,
            &session,
            &user,
            None,
            PageForm::blank(),
            FieldErrors::default(),
        )
        .await?,
    )
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Page, AppError> {
    pages::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = load(&state, &user, &id).await?;
    let form = PageForm::from_page(&page);
    render(
        StatusCode::OK,
        &editor(
            &state,
            &session,
            &user,
            Some(page),
            form,
            FieldErrors::default(),
        )
        .await?,
    )
}

async fn store_form(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    page: Option<Page>,
    mut form: PageForm,
) -> Result<HttpResponse, AppError> {
    if form.slug.trim().is_empty() {
        form.slug = slug_from(&form.title);
    }
    let products = products::list(&state.db, user.merchant_id()).await?;
    let id = page.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    let checked = form.parse(&id, &products, state.payments.is_some());
    let save = async |parsed| {
        let id = service::save(&state.db, &user.user, parsed).await?;
        Ok::<_, PageError>(Saved::new(
            "Sign-up page saved.",
            format!("/admin/pages/{id}"),
        ))
    };
    let again = async |errors| editor(state, session, user, page, form, errors).await;
    forms::submit(session, checked, save, again).await
}

impl From<PageError> for Refusal {
    fn from(e: PageError) -> Refusal {
        match e {
            PageError::SlugTaken => Refusal::field("slug", e),
            PageError::NotFound => Refusal::Page(AppError::NotFound),
            PageError::Unexpected(e) => e.into(),
        }
    }
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<PageForm>,
) -> Result<HttpResponse, AppError> {
    store_form(&state, &session, &user, None, form.into_inner()).await
}

async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<PageForm>,
) -> Result<HttpResponse, AppError> {
    let page = load(&state, &user, &id).await?;
    store_form(&state, &session, &user, Some(page), form.into_inner()).await
}

/// A QR code of the page's public link, drawn on the server.
async fn qr(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let page = load(&state, &user, &id).await?;
    let url = format!("{}/s/{}", state.config.base_url, page.slug);
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| anyhow::anyhow!("drawing a QR code: {e}"))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}

#[cfg(test)]
mod tests {
    use super::slug_from;

    #[test]
    fn the_title_suggests_a_link() {
        assert_eq!(slug_from("Fiets Plus"), "fiets-plus");
        assert_eq!(
            slug_from("  Fiets Plus — één maand! "),
            "fiets-plus-een-maand"
        );
        assert_eq!(slug_from("Crème brûlée & Straße"), "creme-brulee-strasse");
        assert_eq!(slug_from("!!!"), "");
        assert!(slug_from(&"lang ".repeat(30)).len() <= 60);
        assert!(!slug_from(&"lang ".repeat(30)).ends_with('-'));
    }
}
