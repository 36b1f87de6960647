-- Merchants (tenants), their staff, the activity log, sign-in throttling.

CREATE TABLE app_state (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE merchants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    legal_name TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    creditor_id TEXT,
    creditor_iban TEXT,
    creditor_bic TEXT,
    default_language TEXT NOT NULL DEFAULT 'en',
    brand_colour TEXT NOT NULL DEFAULT '#1f5f8b',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE merchant_logos (
    merchant_id TEXT PRIMARY KEY NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE INDEX users_merchant ON users (merchant_id);

CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX activity_merchant_recent ON activity (merchant_id, id);
CREATE INDEX activity_subject ON activity (merchant_id, subject_type, subject_id, id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (throttle_key, failed_at);
