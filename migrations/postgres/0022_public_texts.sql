-- What the footer of every customer page shows besides the contact email: the merchant's
-- website (also the way back from a confirmation page), a telephone number, and the privacy
-- statement and terms the customer agrees to. Empty means not shown.
ALTER TABLE merchants ADD COLUMN website_url TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN privacy_url TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN terms_url TEXT NOT NULL DEFAULT '';

-- The page's title and intro and the products' names in other languages than the page's own:
-- {"de": {"title": "...", "intro": "..."}} and {"de": {"name": "..."}}. A language left out
-- falls back to the default text.
ALTER TABLE subscription_pages ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE products ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
