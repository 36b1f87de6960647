//! Pages for customers: no session, no cookies, localised.

mod checkout;
mod mandate;
mod signup;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    checkout::routes(cfg);
    mandate::routes(cfg);
    signup::routes(cfg);
}
