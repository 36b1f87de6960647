-- What the footer of every customer page shows besides the contact email: the merchant's
-- website (also the way back from a confirmation page), a telephone number, and the privacy
-- statement and terms the customer agrees to. Empty means not shown.
ALTER TABLE merchants ADD COLUMN website_url TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN privacy_url TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN terms_url TEXT NOT NULL DEFAULT '';
