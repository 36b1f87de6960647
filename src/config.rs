//! Settings: `config.toml` with `ABBO_<SECTION>__<KEY>` environment overrides, validated at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Raw settings as read from the file and the environment; see `Config` for the checked form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub secrets: SecretSettings,
    pub email: EmailSettings,
    pub sms: SmsSettings,
    pub outbox: OutboxSettings,
    pub mandates: MandateSettings,
    pub webhooks: WebhookSettings,
    pub import: ImportSettings,
    pub signup: SignupSettings,
    pub payments: PaymentSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub base_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub behind_proxy: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub data_dir: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub idle_timeout_minutes: i64,
    pub absolute_timeout_hours: i64,
    pub max_failures_per_account: i64,
    pub max_failures_per_ip: i64,
    pub lockout_minutes: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSettings {
    /// 64+ bytes, base64; generated into `data_dir/cookie.key` when empty.
    pub cookie_key: String,
    /// 32+ bytes, base64; generated into `data_dir/link.key` when empty.
    pub link_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `file://data/outbox` (.eml files), or `smtp://user:pass@host:587?tls=required` / `smtps://…`.
    pub url: String,
    /// The sender address; the display name is the merchant's.
    pub from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSettings {
    /// `outbox` (kept, not sent) or the `https://` address of an SMS gateway.
    pub url: String,
    /// HTTP method for the gateway: POST or GET.
    pub method: String,
    /// Request body with `{to}`, `{text}` and `{sender}` placeholders, escaped for `content_type`.
    pub body: String,
    /// `application/json` or `application/x-www-form-urlencoded`.
    pub content_type: String,
    /// Value of the Authorization header, e.g. `AccessKey …` or `Basic …`; empty for none.
    pub authorization: String,
    /// Sender name or number shown on the phone (max 11 characters for a name).
    pub sender: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Whether this instance runs the delivery worker.
    pub worker: bool,
    /// How often the worker looks for due messages when nobody wakes it.
    pub poll_seconds: u64,
    /// Attempts before a message is marked failed.
    pub max_attempts: i32,
    /// How long a worker may take to send one message before it counts as interrupted.
    pub lease_seconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Let webhooks go to loopback and private-network addresses (tests, closed networks).
    pub allow_private_webhooks: bool,
    /// Seconds a receiver has to answer one delivery.
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MandateSettings {
    /// Days a mandate confirmation link stays valid.
    pub link_validity_days: i64,
    /// Seconds a person needs at least to fill in a sign-up form; faster counts as a robot.
    pub min_fill_seconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// The largest CSV or Excel file accepted for an import, in MB.
    pub max_upload_mb: u64,
    /// The largest total an Excel file (a zip) may unpack to, in MB; checked before reading it.
    pub max_uncompressed_mb: u64,
}

/// Online first payments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    /// `test` (the built-in checkout where the tester chooses the outcome: never for a live
    /// site) or `none` (no online payments: pages and the API offer only email or SMS links).
    pub provider: String,
}

/// Limits of the public sign-up pages against abuse.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupSettings {
    /// Sign-ups accepted from one client address per hour.
    pub max_per_address_per_hour: i64,
    /// Sign-ups accepted by one page per hour, from all addresses together.
    pub max_per_page_per_hour: i64,
    /// Confirmation text messages sent to one phone number per day.
    pub max_sms_per_number_per_day: i64,
}

impl ImportSettings {
    /// `max_upload_mb` in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }

    /// `max_uncompressed_mb` in bytes.
    pub fn max_uncompressed_bytes(&self) -> u64 {
        self.max_uncompressed_mb.saturating_mul(1024 * 1024)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings {
                bind: "127.0.0.1:8080".into(),
                base_url: "http://127.0.0.1:8080".into(),
                behind_proxy: false,
            },
            storage: StorageSettings {
                data_dir: "data".into(),
            },
            database: DatabaseSettings {
                url: "sqlite://data/abbo.db".into(),
                max_connections: 10,
            },
            auth: AuthSettings {
                idle_timeout_minutes: 60,
                absolute_timeout_hours: 12,
                max_failures_per_account: 5,
                max_failures_per_ip: 20,
                lockout_minutes: 15,
            },
            secrets: SecretSettings::default(),
            email: EmailSettings {
                url: "file://data/outbox".into(),
                from: "noreply@localhost".into(),
            },
            sms: SmsSettings {
                url: "outbox".into(),
                method: "POST".into(),
                body: r#"{"recipients":["{to}"],"originator":"{sender}","body":"{text}"}"#.into(),
                content_type: "application/json".into(),
                authorization: String::new(),
                sender: "Abbo".into(),
            },
            outbox: OutboxSettings {
                worker: true,
                poll_seconds: 5,
                max_attempts: 8,
                lease_seconds: 120,
            },
            mandates: MandateSettings {
                link_validity_days: 14,
                min_fill_seconds: 3,
            },
            webhooks: WebhookSettings {
                allow_private_webhooks: false,
                timeout_seconds: 15,
            },
            import: ImportSettings {
                max_upload_mb: 20,
                max_uncompressed_mb: 200,
            },
            signup: SignupSettings {
                max_per_address_per_hour: 30,
                max_per_page_per_hour: 3000,
                max_sms_per_number_per_day: 3,
            },
            payments: PaymentSettings {
                provider: "test".into(),
            },
        }
    }
}

/// A configuration problem, always naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration error in {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Which database the URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// Checked settings the application runs with.
#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub base_url: String,
    pub behind_proxy: bool,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_kind: DatabaseKind,
    pub max_connections: u32,
    pub auth: AuthSettings,
    pub secrets: Secrets,
    pub email: EmailSettings,
    pub sms: SmsSettings,
    pub outbox: OutboxSettings,
    pub mandates: MandateSettings,
    pub webhooks: WebhookSettings,
    pub import: ImportSettings,
    pub signup: SignupSettings,
    pub payments: PaymentSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("base_url", &self.base_url)
            .field("data_dir", &self.data_dir)
            .field("database_kind", &self.database_kind)
            .finish_non_exhaustive()
    }
}

/// Keys the app signs and encrypts with. Never logged.
#[derive(Clone)]
pub struct Secrets {
    pub cookie_key: Vec<u8>,
    pub link_key: Vec<u8>,
}

impl Settings {
    /// Reads `path` (missing file = defaults) and `ABBO_*` environment variables.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(path))
            // ABBO_CONFIG names the settings file itself (the command line reads it).
            .merge(Env::prefixed("ABBO_").ignore(&["config"]).split("__"))
            .extract()
            .map_err(|e| {
                let key = e.path.join(".");
                let key = if key.is_empty() {
                    path.display().to_string()
                } else {
                    key
                };
                ConfigError::new(&key, e.kind.to_string())
            })
    }

    /// Checks every value and loads (or creates) the secrets.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let bind: SocketAddr = self.server.bind.parse().map_err(|_| {
            ConfigError::new(
                "server.bind",
                format!(
                    "'{}' is not an address like 127.0.0.1:8080",
                    self.server.bind
                ),
            )
        })?;
        let base_url = self.server.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConfigError::new(
                "server.base_url",
                "must start with http:// or https://",
            ));
        }
        let database_kind = if self.database.url.starts_with("sqlite:") {
            DatabaseKind::Sqlite
        } else if self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://")
        {
            DatabaseKind::Postgres
        } else {
            let scheme = self.database.url.split(':').next().unwrap_or_default();
            return Err(ConfigError::new(
                "database.url",
                format!("unknown scheme '{scheme}': use sqlite://… or postgres://…"),
            ));
        };
        if self.database.max_connections == 0 {
            return Err(ConfigError::new(
                "database.max_connections",
                "must be at least 1",
            ));
        }
        for (key, value) in [
            ("auth.idle_timeout_minutes", self.auth.idle_timeout_minutes),
            (
                "auth.absolute_timeout_hours",
                self.auth.absolute_timeout_hours,
            ),
            (
                "auth.max_failures_per_account",
                self.auth.max_failures_per_account,
            ),
            ("auth.max_failures_per_ip", self.auth.max_failures_per_ip),
            ("auth.lockout_minutes", self.auth.lockout_minutes),
            (
                "signup.max_per_address_per_hour",
                self.signup.max_per_address_per_hour,
            ),
            (
                "signup.max_per_page_per_hour",
                self.signup.max_per_page_per_hour,
            ),
            (
                "signup.max_sms_per_number_per_day",
                self.signup.max_sms_per_number_per_day,
            ),
        ] {
            if value < 1 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        // Counted events are kept for store::rate_limits::RETENTION (8 days).
        if self.auth.lockout_minutes > 7 * 24 * 60 {
            return Err(ConfigError::new(
                "auth.lockout_minutes",
                "must be at most 10080 (a week)",
            ));
        }
        if !(self.email.url.starts_with("file://")
            || self.email.url.starts_with("smtp://")
            || self.email.url.starts_with("smtps://"))
        {
            return Err(ConfigError::new(
                "email.url",
                "use file://FOLDER, smtp://… or smtps://…",
            ));
        }
        if !self.email.from.contains('@') {
            return Err(ConfigError::new("email.from", "must be an email address"));
        }
        if self.sms.url != "outbox"
            && !(self.sms.url.starts_with("https://") || self.sms.url.starts_with("http://"))
        {
            return Err(ConfigError::new(
                "sms.url",
                "use outbox or the http(s):// address of a gateway",
            ));
        }
        if !matches!(self.sms.method.as_str(), "POST" | "GET") {
            return Err(ConfigError::new("sms.method", "use POST or GET"));
        }
        if !matches!(
            self.sms.content_type.as_str(),
            "application/json" | "application/x-www-form-urlencoded"
        ) {
            return Err(ConfigError::new(
                "sms.content_type",
                "use application/json or application/x-www-form-urlencoded",
            ));
        }
        if self.outbox.poll_seconds == 0
            || self.outbox.max_attempts < 1
            || self.outbox.lease_seconds < 1
        {
            return Err(ConfigError::new(
                "outbox",
                "poll_seconds, max_attempts and lease_seconds must be at least 1",
            ));
        }
        if !(1..=365).contains(&self.mandates.link_validity_days) {
            return Err(ConfigError::new(
                "mandates.link_validity_days",
                "must be between 1 and 365",
            ));
        }
        if !(0..=600).contains(&self.mandates.min_fill_seconds) {
            return Err(ConfigError::new(
                "mandates.min_fill_seconds",
                "must be between 0 and 600",
            ));
        }
        if !matches!(self.payments.provider.as_str(), "test" | "none") {
            return Err(ConfigError::new(
                "payments.provider",
                "use test (the built-in test checkout) or none",
            ));
        }
        if !(1..=60).contains(&self.webhooks.timeout_seconds) {
            return Err(ConfigError::new(
                "webhooks.timeout_seconds",
                "must be between 1 and 60",
            ));
        }
        if !(1..=1024).contains(&self.import.max_upload_mb) {
            return Err(ConfigError::new(
                "import.max_upload_mb",
                "must be between 1 and 1024",
            ));
        }
        if !(1..=10240).contains(&self.import.max_uncompressed_mb) {
            return Err(ConfigError::new(
                "import.max_uncompressed_mb",
                "must be between 1 and 10240",
            ));
        }
        let data_dir = PathBuf::from(&self.storage.data_dir);
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            ConfigError::new(
                "storage.data_dir",
                format!("cannot create {}: {e}", data_dir.display()),
            )
        })?;
        let secrets = Secrets {
            cookie_key: secret(
                &self.secrets.cookie_key,
                "secrets.cookie_key",
                &data_dir.join("cookie.key"),
                64,
            )?,
            link_key: secret(
                &self.secrets.link_key,
                "secrets.link_key",
                &data_dir.join("link.key"),
                32,
            )?,
        };
        Ok(Config {
            bind,
            base_url,
            behind_proxy: self.server.behind_proxy,
            data_dir,
            database_url: self.database.url,
            database_kind,
            max_connections: self.database.max_connections,
            auth: self.auth,
            secrets,
            email: self.email,
            sms: self.sms,
            outbox: self.outbox,
            mandates: self.mandates,
            webhooks: self.webhooks,
            import: self.import,
            signup: self.signup,
            payments: self.payments,
        })
    }
}

impl Config {
    /// Cookies get the `Secure` flag when the app is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// A configured secret, or the one kept in `file`, created with mode 0600 on first start.
fn secret(
    configured: &str,
    key: &str,
    file: &Path,
    min_len: usize,
) -> Result<Vec<u8>, ConfigError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    if !configured.is_empty() {
        let bytes = b64
            .decode(configured.trim())
            .map_err(|_| ConfigError::new(key, "is not valid base64"))?;
        if bytes.len() < min_len {
            return Err(ConfigError::new(
                key,
                format!("must decode to at least {min_len} bytes"),
            ));
        }
        return Ok(bytes);
    }
    let shown = file.display();
    if file.exists() {
        check_private(file, key)?;
        let text = std::fs::read_to_string(file)
            .map_err(|e| ConfigError::new(key, format!("cannot read {shown}: {e}")))?;
        let bytes = b64
            .decode(text.trim())
            .map_err(|_| ConfigError::new(key, format!("{shown} is not valid base64")))?;
        if bytes.len() < min_len {
            return Err(ConfigError::new(
                key,
                format!("{shown} holds fewer than {min_len} bytes"),
            ));
        }
        return Ok(bytes);
    }
    let mut bytes = vec![0u8; min_len];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    write_private(file, b64.encode(&bytes).as_bytes())
        .map_err(|e| ConfigError::new(key, format!("cannot write {shown}: {e}")))?;
    Ok(bytes)
}

#[cfg(unix)]
fn check_private(file: &Path, key: &str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file)
        .map_err(|e| ConfigError::new(key, format!("cannot read {}: {e}", file.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(ConfigError::new(
            key,
            format!(
                "{} is readable by other users (mode {:o}); run: chmod 600 {}",
                file.display(),
                mode & 0o777,
                file.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_file: &Path, _key: &str) -> Result<(), ConfigError> {
    Ok(())
}

fn write_private(file: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_in(dir: &Path) -> Settings {
        let mut s = Settings::default();
        s.storage.data_dir = dir.display().to_string();
        s
    }

    #[test]
    fn defaults_validate_and_generate_private_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let config = settings_in(dir.path()).validate().unwrap();
        assert_eq!(config.bind.port(), 8080);
        assert_eq!(config.database_kind, DatabaseKind::Sqlite);
        assert_eq!(config.secrets.cookie_key.len(), 64);
        // A second start reads the same secrets back.
        let again = settings_in(dir.path()).validate().unwrap();
        assert_eq!(config.secrets.cookie_key, again.secrets.cookie_key);
        assert_eq!(config.secrets.link_key, again.secrets.link_key);
    }

    #[test]
    fn unknown_database_scheme_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings_in(dir.path());
        s.database.url = "mysql://localhost/abbo".into();
        let err = s.validate().unwrap_err();
        assert_eq!(err.key, "database.url");
        assert!(err.to_string().contains("mysql"), "{err}");
    }

    #[test]
    fn unparsable_bind_address_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings_in(dir.path());
        s.server.bind = "localhost:eighty".into();
        let err = s.validate().unwrap_err();
        assert_eq!(err.key, "server.bind");
    }

    #[cfg(unix)]
    #[test]
    fn secret_file_readable_by_others_stops_the_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        settings_in(dir.path()).validate().unwrap();
        let file = dir.path().join("cookie.key");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = settings_in(dir.path()).validate().unwrap_err();
        assert_eq!(err.key, "secrets.cookie_key");
        assert!(err.message.contains("chmod 600"), "{err}");
    }

    #[test]
    fn import_limits_must_be_positive() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(dir.path());
        settings.import.max_upload_mb = 0;
        assert_eq!(settings.validate().unwrap_err().key, "import.max_upload_mb");
        let mut settings = settings_in(dir.path());
        settings.import.max_uncompressed_mb = 0;
        assert_eq!(
            settings.validate().unwrap_err().key,
            "import.max_uncompressed_mb"
        );
    }

    #[test]
    fn unknown_key_in_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "[server]\nbnd = \"x\"\n").unwrap();
        let err = Settings::load(&file).unwrap_err();
        assert!(err.to_string().contains("bnd"), "{err}");
    }
}
