-- Product settings of the back-office: which mandate methods a product offers, minimum term
-- and notice period.

ALTER TABLE products ADD COLUMN mandate_methods TEXT NOT NULL DEFAULT 'email';
ALTER TABLE products ADD COLUMN minimum_term_months INTEGER;
ALTER TABLE products ADD COLUMN notice_period_days INTEGER;
CREATE INDEX subscriptions_product ON subscriptions (merchant_id, product_id, status);
