-- Hosted sign-up pages, the single-use tokens of their forms, and counters against abuse.

CREATE TABLE subscription_pages (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    -- Comma-separated product ids the customer chooses from (one or several).
    product_ids TEXT NOT NULL,
    -- Comma-separated: phone, address, company, birth_date (asked); *_required when required.
    fields TEXT NOT NULL DEFAULT '',
    mandate_type TEXT NOT NULL CHECK (mandate_type IN ('email', 'sms', 'online_payment')),
    start_rule TEXT NOT NULL CHECK (start_rule IN ('today', 'first_of_next_month', 'customer')),
    success_url TEXT NOT NULL DEFAULT '',
    -- One origin per line, e.g. https://www.example.nl
    allowed_origins TEXT NOT NULL DEFAULT '',
    language TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscription_pages_merchant ON subscription_pages (merchant_id, created_at);

CREATE TABLE used_form_tokens (
    nonce TEXT PRIMARY KEY NOT NULL,
    used_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE rate_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rate_key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (rate_key, at);

ALTER TABLE customers ADD COLUMN birth_date DATE;
