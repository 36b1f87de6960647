-- Customer fields of the back-office, and what the overview searches and sorts on.

ALTER TABLE customers ADD COLUMN automatic_billing BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE customers ADD COLUMN payment_method TEXT NOT NULL DEFAULT 'direct_debit';
ALTER TABLE customers ADD COLUMN grey_listed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN grey_list_reason TEXT NOT NULL DEFAULT '';
-- Lower-cased name, company, email and reference: one column for the overview's search box.
ALTER TABLE customers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- Lower-cased last name (or company) then first name: the overview's default order.
ALTER TABLE customers ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
CREATE INDEX customers_recent ON customers (merchant_id, created_at, id);
CREATE INDEX customers_by_name ON customers (merchant_id, sort_name, id);
CREATE INDEX subscriptions_customer_status ON subscriptions (merchant_id, customer_id, status);
CREATE INDEX mandates_customer_status ON mandates (merchant_id, customer_id, status);
