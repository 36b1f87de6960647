-- A customer whose mandate became unusable (account closed, no mandate at the bank…) gives a
-- new one through the link in the email: the old mandate names its successor, set once, so a
-- double submit or a second tab makes one new mandate.
ALTER TABLE mandates ADD COLUMN replaced_by TEXT REFERENCES mandates(id);
