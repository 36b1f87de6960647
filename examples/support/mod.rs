//! What the benchmark programs share: the real app on a random port with a fresh database
//! (SQLite in a temporary folder, or PostgreSQL when `BENCH_DATABASE_URL` is set) and a client
//! signed in as the owner of a new merchant.

// Each benchmark program compiles this module and uses a part of it.
#![allow(dead_code)]

use abbo::Application;
use abbo::config::Settings;
use abbo::store::Db;

/// A running app and a signed-in client.
pub struct BenchApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub merchant_id: String,
    /// Removed with the app.
    _dir: tempfile::TempDir,
}

/// The value of the first `csrf_token` field of a page.
pub fn csrf_token(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .map(|i| i + 25)
        .unwrap_or(0);
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl BenchApp {
    /// Starts the app after `adjust` has changed the settings, and completes the setup.
    pub async fn start(adjust: impl FnOnce(&mut Settings)) -> anyhow::Result<BenchApp> {
        let dir = tempfile::tempdir()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let address = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let mut settings = Settings::default();
        settings.storage.data_dir = dir.path().display().to_string();
        settings.database.url = std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
        settings.email.url = format!("file://{}/outbox", dir.path().display());
        settings.outbox.worker = false;
        settings.server.base_url = address.clone();
        adjust(&mut settings);
        let config = settings.validate()?;
        let db = Db::open(&config).await?;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let app = Application::with_listener(config, db.clone(), listener)?;
        tokio::spawn(app.run_until_stopped());
        let mut bench = BenchApp {
            address,
            client,
            db,
            merchant_id: String::new(),
            _dir: dir,
        };
        bench
            .submit(
                "/setup",
                "/setup",
                &[
                    ("merchant_name", "Bench BV"),
                    ("email", "bench@example.com"),
                    ("password", "bench bench bench"),
                    ("password_confirm", "bench bench bench"),
                ],
            )
            .await?;
        bench.merchant_id = abbo::store::merchants::list(&bench.db)
            .await?
            .first()
            .map(|m| m.id.clone())
            .ok_or_else(|| anyhow::anyhow!("the setup did not create a merchant"))?;
        Ok(bench)
    }

    /// The CSRF token of a page.
    pub async fn token(&self, page: &str) -> anyhow::Result<String> {
        let html = self
            .client
            .get(format!("{}{page}", self.address))
            .send()
            .await?
            .text()
            .await?;
        Ok(csrf_token(&html))
    }

    /// Posts `fields` to `action` with the CSRF token of `page`, as a browser does.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let token = self.token(page).await?;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        Ok(self
            .client
            .post(format!("{}{action}", self.address))
            .form(&all)
            .send()
            .await?)
    }
}

/// Resident and peak resident size in kB (Linux; zero elsewhere).
pub fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Gives freed heap memory back to the system, so that a job's growth shows in its RSS.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free memory of the allocator.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Starts measuring a job's peak memory: frees what can be freed and resets the peak (Linux).
/// Returns the resident size before and whether the peak could be reset.
pub fn start_peak() -> (u64, bool) {
    trim_heap();
    let (rss, _) = memory_kb();
    (rss, std::fs::write("/proc/self/clear_refs", "5").is_ok())
}

/// Says on stderr which step runs, so that a long benchmark shows where it is.
pub fn step(what: &str) {
    let (rss, _) = memory_kb();
    eprintln!("… {what} (RSS {:.0} MB)", mb(rss));
}

/// Kilobytes as megabytes.
pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}
