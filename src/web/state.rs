//! What every handler can reach: the database, the settings and the payment provider, and the
//! service contexts built from them.

use std::sync::Arc;

use crate::config::Config;
use crate::services::mandates::LinkSettings;
use crate::services::payments::Provider;
use crate::services::sign_ups;
use crate::store::Db;

/// The application's shared state, one per process.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Takes online first payments; `None` when they are off (`payments.provider = "none"`).
    pub payments: Option<Provider>,
    /// The JSON API's OpenAPI document, which the admin's API reference shows.
    pub api_document: serde_json::Value,
}

impl AppState {
    /// Where mandate links point and how long they live.
    pub fn link_settings(&self) -> LinkSettings {
        LinkSettings {
            base_url: self.config.base_url.clone(),
            validity: chrono::Duration::days(self.config.mandates.link_validity_days),
        }
    }

    /// Where payment links point and what signs them.
    pub fn dunning_links(&self) -> crate::services::collections::dunning::Links {
        crate::services::collections::dunning::Links {
            base_url: self.config.base_url.clone(),
            key: self.config.secrets.link_key.clone(),
            online: self.payments.is_some(),
        }
    }

    /// What a sign-up needs.
    pub fn sign_ups(&self) -> sign_ups::Context<'_> {
        sign_ups::Context {
            db: &self.db,
            links: self.link_settings(),
            provider: self.payments.as_ref(),
            limits: &self.config.signup,
        }
    }
}
