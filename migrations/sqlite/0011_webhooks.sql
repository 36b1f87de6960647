-- Outgoing webhooks: the merchant's endpoints, the events that happened, and one delivery per
-- (event, receiver) with every attempt, written in the transaction of the change (an outbox).

-- Set by the API: where a subscription's own events and its transactions' events go as well.
ALTER TABLE subscriptions ADD COLUMN subscription_webhook_url TEXT;
ALTER TABLE subscriptions ADD COLUMN transaction_webhook_url TEXT;

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Event types, separated by single spaces.
    events TEXT NOT NULL,
    -- The signing secret ("whsec_" and base64); HMAC needs it in the clear.
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- Why the endpoint was disabled (by a person, or by the receiver answering 410 Gone).
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, created_at, id);

-- The secret that signs deliveries to subscriptions' own webhook URLs, one per merchant.
CREATE TABLE webhook_signing_secrets (
    merchant_id TEXT PRIMARY KEY NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    -- The exact JSON body every delivery of the event sends.
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    -- NULL for a subscription's own URL (signed with the merchant's signing secret).
    endpoint_id TEXT REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    subscription_id TEXT,
    url TEXT NOT NULL,
    -- queued → sending → delivered | queued again (retry) | failed; a sending delivery past its
    -- lease goes back to queued: webhooks are at least once, receivers dedupe by webhook-id.
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- attempts when the current round began (a resend starts a new round of retries).
    round_start INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    last_status_code INTEGER,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (merchant_id, endpoint_id, created_at, id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code INTEGER,
    error TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, number)
);
