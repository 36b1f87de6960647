-- Online first payments through a payment provider, and the transactions they settle.

CREATE TABLE payments (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    customer_id TEXT NOT NULL REFERENCES customers(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    mandate_id TEXT NOT NULL REFERENCES mandates(id),
    amount_minor BIGINT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'failed', 'cancelled', 'expired')),
    checkout_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX payments_subscription ON payments (merchant_id, subscription_id);

CREATE TABLE transactions (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    period_start TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    -- FRST / RCUR for direct debits, ONLINE for a payment through the provider.
    sequence_type TEXT NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR', 'ONLINE')),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'submitted', 'paid', 'failed', 'charged_back', 'cancelled')),
    payment_id TEXT REFERENCES payments(id),
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- One transaction per subscription period, so a re-run never charges twice.
    UNIQUE (subscription_id, period_start)
);
CREATE INDEX transactions_merchant ON transactions (merchant_id, due_date);
