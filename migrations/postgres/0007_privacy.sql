-- When a customer's personal data was removed (financial records stay).
ALTER TABLE customers ADD COLUMN anonymised_at TIMESTAMPTZ;
