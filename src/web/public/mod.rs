//! Pages for customers: no session, no cookies, localised. Every customer-facing response is
//! built here, with its Content-Security-Policy and framing rules.

mod checkout;
mod mandate;
mod sign_ups;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::store::merchants::Merchant;
use crate::store::signup_pages::Page;
use crate::web::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    checkout::routes(cfg);
    mandate::routes(cfg);
    sign_ups::routes(cfg);
}

/// Who may show a customer page in a frame.
#[derive(Debug, Clone, Copy)]
enum Framing<'a> {
    /// Nobody: a framing site could cover the mandate text or the consent.
    Nobody,
    /// The sign-up page's allowed origins, and Abbo itself (the editor's preview).
    Page(&'a Page),
    /// Any site: the test checkout stands in for a payment provider's page, which shops frame.
    Anyone,
}

/// A customer page's response: never cached, no referrer, inline styles only for the merchant's
/// colour, forms posting to Abbo itself and redirecting after the post to `redirects_to` (the
/// merchant's success page or the payment provider: browsers check `form-action` on redirects).
fn respond(
    status: StatusCode,
    framing: Framing<'_>,
    redirects_to: Option<&str>,
    body: String,
) -> HttpResponse {
    let ancestors = match framing {
        Framing::Nobody => "'none'".to_string(),
        Framing::Anyone => "*".to_string(),
        Framing::Page(page) => std::iter::once("'self'")
            .chain(page.origins())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let form_action = match redirects_to.and_then(origin) {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                 script-src 'self'; form-action {form_action}; base-uri 'none'; \
                 object-src 'none'; frame-ancestors {ancestors}"
            ),
        ))
        .body(body)
}

/// `https://host[:port]` of an absolute http(s) address; `None` for anything else.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    valid.then(|| format!("{scheme}://{host}"))
}

/// One thing ordered, on the mandate page and the confirmations.
struct Line {
    product: String,
    amount: String,
    /// When what is debited, as the billing run will make it.
    schedule: String,
}

/// Who the merchant is on every customer page: the logo at the head; at the foot, how to reach
/// them and the privacy statement and terms the customer agrees to (what the settings give;
/// empty parts are left out).
#[derive(Debug, Clone, Default)]
struct Brand {
    name: String,
    logo: Option<String>,
    email: String,
    phone: String,
    website: String,
    privacy: String,
    terms: String,
}

impl Brand {
    fn of(merchant: &Merchant) -> Brand {
        let name = if merchant.legal_name.is_empty() {
            &merchant.name
        } else {
            &merchant.legal_name
        };
        Brand {
            name: name.clone(),
            logo: merchant.logo_path(),
            email: merchant.contact_email.clone(),
            phone: merchant.contact_phone.clone(),
            website: merchant.website_url.clone(),
            privacy: merchant.privacy_url.clone(),
            terms: merchant.terms_url.clone(),
        }
    }

    /// The website's address as people write it: `www.fietsabo.nl`.
    fn website_host(&self) -> &str {
        let rest = self
            .website
            .split_once("://")
            .map_or(self.website.as_str(), |(_, r)| r);
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    }
}

/// Renders a customer page's template.
fn render(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering a customer page: {e}")))
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn form_action_gets_only_a_clean_origin() {
        assert_eq!(
            origin("https://shop.example/thanks?x=1").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/pay/x").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin("javascript:alert(1)"), None);
        assert_eq!(origin("https://evil.example; script-src *"), None);
        assert_eq!(origin("/relative"), None);
    }
}
