-- The billing engine: transactions of periods and one-off charges, the pauses that skip periods,
-- the merchant's billing settings, and the runs with the lease that lets one instance run them.

CREATE TABLE transactions_new (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    -- The mandate it is collected under (decides FRST or RCUR); none for an online payment.
    mandate_id TEXT REFERENCES mandates(id),
    -- 'period': one period of the subscription, billed in advance; 'one_off': an extra charge.
    kind TEXT NOT NULL DEFAULT 'period' CHECK (kind IN ('period', 'one_off')),
    period_start TEXT,
    period_end TEXT,
    due_date TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    description TEXT NOT NULL DEFAULT '',
    sequence_type TEXT NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR', 'ONLINE')),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'submitted', 'paid', 'failed', 'charged_back', 'cancelled')),
    payment_id TEXT REFERENCES payments(id),
    failure_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((kind = 'period') = (period_start IS NOT NULL)),
    -- One transaction per subscription period, so a re-run, a second instance or a crash and
    -- restart never charges twice.
    UNIQUE (subscription_id, period_start)
);
INSERT INTO transactions_new (id, merchant_id, subscription_id, customer_id, mandate_id, kind,
    period_start, due_date, amount_minor, sequence_type, status, payment_id, failure_reason,
    created_at, updated_at)
SELECT t.id, t.merchant_id, t.subscription_id, t.customer_id, s.mandate_id, 'period',
    t.period_start, t.due_date, t.amount_minor, t.sequence_type, t.status, t.payment_id,
    t.failure_reason, t.created_at, t.updated_at
FROM transactions t JOIN subscriptions s ON s.id = t.subscription_id;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
CREATE INDEX transactions_merchant ON transactions (merchant_id, due_date);
CREATE INDEX transactions_mandate ON transactions (mandate_id);
CREATE INDEX transactions_recent ON transactions (merchant_id, created_at, id);

-- A subscription's amount is what each period collects, VAT included (products may be priced
-- without VAT: their subscriptions so far copied the net price).
UPDATE subscriptions SET amount_minor = amount_minor + (amount_minor * vat_basis_points + 5000) / 10000
 WHERE product_id IN (SELECT id FROM products WHERE prices_include_vat = FALSE);

-- No period starting before this day is charged: earlier ones were billed before the
-- subscription came to Abbo (an import of running subscriptions).
ALTER TABLE subscriptions ADD COLUMN billing_from TEXT;
UPDATE subscriptions SET billing_from = CASE WHEN start_date > date(created_at)
    THEN start_date ELSE date(created_at) END;
CREATE INDEX subscriptions_billing ON subscriptions (merchant_id, id);

-- Pauses, so that periods starting in one are skipped also when billed after the resume.
CREATE TABLE subscription_pauses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    paused_from TEXT NOT NULL,
    resumed_on TEXT
);
CREATE INDEX subscription_pauses_subscription ON subscription_pauses (subscription_id);
INSERT INTO subscription_pauses (merchant_id, subscription_id, paused_from, resumed_on)
SELECT merchant_id, id, date(updated_at), resume_on FROM subscriptions WHERE status = 'paused';

ALTER TABLE merchants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';
-- Days between a pre-notification and its collection (SEPA Core: 14 unless the terms say less).
ALTER TABLE merchants ADD COLUMN notice_lead_days INTEGER NOT NULL DEFAULT 14;
-- A run creating more periods than this for one subscription at once stops for it and reports.
ALTER TABLE merchants ADD COLUMN billing_max_periods INTEGER NOT NULL DEFAULT 4;

CREATE TABLE billing_runs (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    -- The day it ran as (the merchant's today, or the --date asked for) and how far it looked.
    as_of TEXT NOT NULL,
    horizon TEXT NOT NULL,
    started_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    created BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    refusals TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX billing_runs_recent ON billing_runs (merchant_id, started_at);

-- Leases of background work that one instance of several does at a time (the hourly billing run).
CREATE TABLE worker_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    locked_until TEXT NOT NULL
);
