//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{collections, customers, invoices, mandates, products, subscriptions, transactions};

/// The API's description; `ApiDoc::openapi()` builds it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Abbo API",
        description = "Customers, products, mandates and subscriptions paid by SEPA direct debit. \
            Authenticate with the header Authorization: Bearer followed by an API key (create keys under \
            Developers in the admin). Errors are RFC 9457 problem documents. Every POST accepts an \
            Idempotency-Key header: the first response is stored for 24 hours and replayed."
    ),
    paths(
        customers::create, customers::list, customers::get, customers::update, customers::delete,
        customers::anonymise,
        products::list, products::get, products::create, products::update,
        products::list_pages, products::get_page,
        mandates::create, mandates::list, mandates::get, mandates::revoke,
        subscriptions::create, subscriptions::product_sign_up, subscriptions::list,
        subscriptions::get, subscriptions::pause, subscriptions::resume, subscriptions::cancel,
        transactions::list, transactions::get, transactions::create, transactions::cancel,
        invoices::list, invoices::get, invoices::pdf, invoices::credit,
        collections::list, collections::get, collections::file, collections::submit,
        collections::cancel, collections::settle, collections::import_returns,
    ),
    modifiers(&BearerAuth, &CommonProblems),
    security(("api_key" = [])),
    tags(
        (name = "customers"), (name = "products"), (name = "pages", description = "Hosted sign-up pages"),
        (name = "mandates"), (name = "subscriptions"), (name = "transactions"),
        (name = "invoices", description = "Issued invoices and credit notes; never changed after issue"),
        (name = "collections", description = "SEPA collection files (pain.008) and the bank's return files"),
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

/// The problems any operation can answer, documented once instead of on every handler.
struct CommonProblems;

fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.patch, false),
                (&mut item.delete, false),
            ];
            for (operation, is_post) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description));
                };
                add("400", "Malformed request: bad JSON, query or header");
                add("401", "Missing, wrong or revoked API key");
                add(
                    "422",
                    "Invalid fields (each listed) or a request the current state refuses",
                );
                if operation.request_body.is_some() {
                    add("413", "The body is too large");
                    add("415", "The body is not application/json");
                }
                if is_post {
                    add(
                        "409",
                        "A request with the same Idempotency-Key is still being handled",
                    );
                }
            }
        }
    }
}

/// `GET /api/v1/openapi.json`: the document built once at start.
pub async fn openapi(state: actix_web::web::Data<crate::web::AppState>) -> HttpResponse {
    HttpResponse::Ok().json(&state.api_document)
}
