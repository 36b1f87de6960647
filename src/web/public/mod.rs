//! Pages for customers: no session, no cookies, localised.

mod mandate;
mod signup;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    mandate::routes(cfg);
    signup::routes(cfg);
}
