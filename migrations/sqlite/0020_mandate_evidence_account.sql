-- The evidence of a confirmation names the account the customer confirmed the mandate for: the
-- one staff entered, or the one the customer entered on the mandate page (a link sent without).
ALTER TABLE mandate_evidence ADD COLUMN iban TEXT NOT NULL DEFAULT '';
ALTER TABLE mandate_evidence ADD COLUMN account_holder TEXT NOT NULL DEFAULT '';
