-- The billing engine: transactions of periods and one-off charges, the pauses that skip periods,
-- the merchant's billing settings, and the runs with the lease that lets one instance run them.

ALTER TABLE transactions ALTER COLUMN period_start DROP NOT NULL;
-- The mandate it is collected under (decides FRST or RCUR); none for an online payment.
ALTER TABLE transactions ADD COLUMN mandate_id TEXT REFERENCES mandates(id);
-- 'period': one period of the subscription, billed in advance; 'one_off': an extra charge.
ALTER TABLE transactions ADD COLUMN kind TEXT NOT NULL DEFAULT 'period' CHECK (kind IN ('period', 'one_off'));
ALTER TABLE transactions ADD COLUMN period_end DATE;
ALTER TABLE transactions ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE transactions ADD CONSTRAINT transactions_period CHECK ((kind = 'period') = (period_start IS NOT NULL));
ALTER TABLE transactions ADD CONSTRAINT transactions_positive CHECK (amount_minor > 0);
UPDATE transactions t SET mandate_id = s.mandate_id FROM subscriptions s WHERE s.id = t.subscription_id;
CREATE INDEX transactions_mandate ON transactions (mandate_id);
CREATE INDEX transactions_recent ON transactions (merchant_id, created_at, id);

-- A subscription's amount is what each period collects, VAT included (products may be priced
-- without VAT: their subscriptions so far copied the net price).
UPDATE subscriptions SET amount_minor = amount_minor + (amount_minor * vat_basis_points + 5000) / 10000
 WHERE product_id IN (SELECT id FROM products WHERE prices_include_vat = FALSE);

-- No period starting before this day is charged: earlier ones were billed before the
-- subscription came to Abbo (an import of running subscriptions).
ALTER TABLE subscriptions ADD COLUMN billing_from DATE;
UPDATE subscriptions SET billing_from = GREATEST(start_date, created_at::date);
CREATE INDEX subscriptions_billing ON subscriptions (merchant_id, id);

-- Pauses, so that periods starting in one are skipped also when billed after the resume.
CREATE TABLE subscription_pauses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    paused_from DATE NOT NULL,
    resumed_on DATE
);
CREATE INDEX subscription_pauses_subscription ON subscription_pauses (subscription_id);
INSERT INTO subscription_pauses (merchant_id, subscription_id, paused_from, resumed_on)
SELECT merchant_id, id, updated_at::date, resume_on FROM subscriptions WHERE status = 'paused';

ALTER TABLE merchants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';
-- Days between a pre-notification and its collection (SEPA Core: 14 unless the terms say less).
ALTER TABLE merchants ADD COLUMN notice_lead_days INTEGER NOT NULL DEFAULT 14;
-- A run creating more periods than this for one subscription at once stops for it and reports.
ALTER TABLE merchants ADD COLUMN billing_max_periods INTEGER NOT NULL DEFAULT 4;

CREATE TABLE billing_runs (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    -- The day it ran as (the merchant's today, or the --date asked for) and how far it looked.
    as_of DATE NOT NULL,
    horizon DATE NOT NULL,
    started_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    created BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    refusals TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX billing_runs_recent ON billing_runs (merchant_id, started_at);

-- Leases of background work that one instance of several does at a time (the hourly billing run).
CREATE TABLE worker_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    locked_until TIMESTAMPTZ NOT NULL
);
