-- How customer-facing Dutch and German texts address the customer: formally ("u", "Sie"), as
-- every text did before, or informally ("je", "du"). Existing merchants stay formal.
ALTER TABLE merchants ADD COLUMN formality TEXT NOT NULL DEFAULT 'formal'
    CHECK (formality IN ('formal', 'informal'));
