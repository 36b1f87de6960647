-- Customers, products and subscriptions (the columns the mandate flow needs; the back-office
-- adds more), mandates with their single-use confirmation links and the evidence of each confirmation.

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    reference TEXT,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    language TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customers_reference ON customers (merchant_id, reference) WHERE reference IS NOT NULL;
CREATE INDEX customers_email ON customers (merchant_id, email);

CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'EUR',
    vat_basis_points INTEGER NOT NULL DEFAULT 0,
    prices_include_vat BOOLEAN NOT NULL DEFAULT TRUE,
    billing_interval TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX products_merchant ON products (merchant_id, name);

CREATE TABLE mandates (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    reference TEXT NOT NULL,
    iban TEXT NOT NULL,
    bic TEXT,
    account_holder TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('email', 'sms', 'online_payment', 'paper', 'import', 'api')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'revoked')),
    signed_on DATE,
    first_used_on DATE,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (merchant_id, reference)
);
CREATE INDEX mandates_customer ON mandates (merchant_id, customer_id);
CREATE INDEX mandates_status ON mandates (merchant_id, status, created_at);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    mandate_id TEXT REFERENCES mandates(id),
    description TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    vat_basis_points INTEGER NOT NULL,
    billing_interval TEXT NOT NULL,
    start_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending_mandate', 'planned', 'active', 'paused', 'cancelled', 'ended')),
    success_redirect_url TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (merchant_id, customer_id);
CREATE INDEX subscriptions_mandate ON subscriptions (merchant_id, mandate_id);

CREATE TABLE mandate_links (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    mandate_id TEXT NOT NULL REFERENCES mandates(id),
    token_hash TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mandate_links_mandate ON mandate_links (merchant_id, mandate_id);

CREATE TABLE mandate_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    mandate_id TEXT NOT NULL REFERENCES mandates(id),
    confirmed_at TIMESTAMPTZ NOT NULL,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    language TEXT NOT NULL,
    text_version TEXT NOT NULL
);
CREATE INDEX mandate_evidence_mandate ON mandate_evidence (merchant_id, mandate_id);
