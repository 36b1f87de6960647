//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{customers, mandates, products, subscriptions, transactions};

/// The API's description; `ApiDoc::openapi()` builds it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Abbo API",
        description = "Customers, products, mandates and subscriptions paid by SEPA direct debit. \
            Authenticate with `Authorization: Bearer <API key>` (create keys under Developers in the \
            admin). Errors are RFC 9457 problem documents. Every POST accepts an `Idempotency-Key` \
            header: the first response is stored for 24 hours and replayed."
    ),
    paths(
        customers::create, customers::list, customers::get, customers::update, customers::delete,
        customers::anonymise,
        products::list, products::get, products::create, products::update,
        products::list_pages, products::get_page,
        mandates::create, mandates::list, mandates::get, mandates::revoke,
        subscriptions::create, subscriptions::product_sign_up, subscriptions::list,
        subscriptions::get, subscriptions::pause, subscriptions::resume, subscriptions::cancel,
        transactions::list, transactions::get,
    ),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    tags(
        (name = "customers"), (name = "products"), (name = "pages", description = "Hosted sign-up pages"),
        (name = "mandates"), (name = "subscriptions"), (name = "transactions"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from the admin's Developers page"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
