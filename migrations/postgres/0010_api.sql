-- The JSON API: keys (only a hash of the secret is kept), stored responses for idempotency keys,
-- and the subscription options the API accepts.

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The start of the key, shown in the admin so staff can tell keys apart.
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id, created_at);

CREATE TABLE idempotency_keys (
    api_key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash TEXT NOT NULL,
    -- NULL while the first request is still being handled.
    status_code INTEGER,
    content_type TEXT,
    location TEXT,
    response_body TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

ALTER TABLE subscriptions ADD COLUMN metadata TEXT;
ALTER TABLE subscriptions ADD COLUMN create_invoice BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE subscriptions ADD COLUMN invoice_text TEXT NOT NULL DEFAULT '';
