//! Abbo: a self-hosted back-office for subscriptions paid by SEPA direct debit.
//!
//! Everything testable lives behind this library; `main.rs` is only the command line.

pub mod config;
pub mod domain;
pub mod i18n;
pub mod notify;
pub mod sepa;
pub mod services;
pub mod store;
pub mod telemetry;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web as aweb};
use anyhow::Context;

use config::Config;
use notify::Outbox;
use services::{api_keys, imports, subscriptions, users, webhooks};
use store::Db;
use web::AppState;

/// A running HTTP server bound to its port.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    outbox: Arc<Outbox>,
    webhooks: Arc<webhooks::Webhooks>,
}

impl Application {
    /// Connects to the database, runs migrations and binds `config.bind` (port 0 picks a free one).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::open(&config).await?;
        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("binding server.bind {}", config.bind))?;
        Self::with_listener(config, db, listener)
    }

    /// Serves on an already bound listener with an already migrated database.
    pub fn with_listener(
        config: Config,
        db: Db,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let documents = Arc::new(services::invoices::Documents::new(
            db.clone(),
            &config.base_url,
        ));
        let outbox = Arc::new(Outbox::new(&config, db.clone())?.with_documents(documents));
        let webhooks = Arc::new(webhooks::Webhooks::new(&config, db.clone()));
        if config.outbox.worker {
            outbox.clone().spawn_worker();
            webhooks.clone().spawn_worker();
            subscriptions::spawn_schedule(db.clone());
            services::billing::spawn_schedule(db.clone());
            api_keys::spawn_cleanup(db.clone());
            users::spawn_cleanup(db.clone(), config.auth.absolute_timeout_hours);
            imports::spawn_worker(db.clone());
        }
        let config = Arc::new(config);
        let state = aweb::Data::new(AppState {
            db: db.clone(),
            config: config.clone(),
            payments: services::payments::Provider::configured(&config.payments, &config.base_url),
            api_document: web::api::document()?,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(aweb::FormConfig::default().limit(256 * 1024))
                .configure(web::routes)
                // Innermost, so that routing sees the GET while the logs and guards see the HEAD.
                .wrap(from_fn(web::head_as_get))
                .wrap(from_fn(web::refuse_control_characters))
                .wrap(from_fn(web::csrf_guard))
                .wrap(web::session_middleware(&config))
                .wrap(from_fn(web::request_context))
                .wrap(tracing_actix_web::TracingLogger::<telemetry::RequestSpan>::new())
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            db,
            outbox,
            webhooks,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle on the database the app uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The outbox, to deliver messages on demand (tests run without the background worker).
    pub fn outbox(&self) -> Arc<Outbox> {
        self.outbox.clone()
    }

    /// The webhook worker, to deliver on demand (tests run without the background worker).
    pub fn webhooks(&self) -> Arc<webhooks::Webhooks> {
        self.webhooks.clone()
    }

    /// A handle to stop the server (tests stop an app to start another on its database).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the process is told to stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.db.close().await;
        result
    }
}
