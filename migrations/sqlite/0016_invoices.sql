-- Invoices, credit notes and pre-notifications: what the Dutch rules need on an invoice, the
-- gapless number series, the issued documents (never updated but for status and PDF), and
-- each transaction's notice as its own outbox column.

ALTER TABLE merchants ADD COLUMN kvk_number TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN invoice_footer TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN invoice_number_format TEXT NOT NULL DEFAULT '{YYYY}-{SEQ:5}';
ALTER TABLE merchants ADD COLUMN credit_note_number_format TEXT NOT NULL DEFAULT 'C{YYYY}-{SEQ:5}';
-- Whether new subscriptions ask for invoices when neither the request nor the product says.
ALTER TABLE merchants ADD COLUMN invoice_by_default BOOLEAN NOT NULL DEFAULT FALSE;
-- Off only when the merchant tells customers the schedule some other way (with a warning).
ALTER TABLE merchants ADD COLUMN send_notices BOOLEAN NOT NULL DEFAULT TRUE;
-- 'merchant' (the merchant's default), 'always' or 'never'.
ALTER TABLE products ADD COLUMN invoice_default TEXT NOT NULL DEFAULT 'merchant'
    CHECK (invoice_default IN ('merchant', 'always', 'never'));
ALTER TABLE customers ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';

-- One row per number series (a format with its date parts filled in, e.g. '2027-{SEQ}'):
-- bumped in the transaction that issues, so a number is used exactly when its invoice exists.
CREATE TABLE invoice_counters (
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    series TEXT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, series)
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number TEXT NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES transactions(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    -- The invoice a credit note corrects.
    credits_invoice_id TEXT REFERENCES invoices(id),
    credit_reason TEXT NOT NULL DEFAULT '',
    issue_date TEXT NOT NULL,
    supply_start TEXT,
    supply_end TEXT,
    language TEXT NOT NULL,
    -- Lines, VAT per rate and both parties' details as they were at issue (JSON).
    lines TEXT NOT NULL,
    supplier TEXT NOT NULL,
    recipient TEXT NOT NULL,
    net_minor BIGINT NOT NULL,
    vat_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    -- Invoices: open → paid | failed | overdue | credited. Credit notes: issued.
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'failed', 'overdue', 'credited', 'issued')),
    -- Rendered once; the same bytes on every download.
    pdf BLOB,
    pdf_sha256 TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((kind = 'credit_note') = (credits_invoice_id IS NOT NULL)),
    UNIQUE (merchant_id, number),
    -- One invoice per transaction, and one (full) credit note.
    UNIQUE (transaction_id, kind)
);
CREATE INDEX invoices_recent ON invoices (merchant_id, issue_date, id);
CREATE INDEX invoices_customer ON invoices (customer_id);

-- The transaction's pre-notification (or invoice email), as an outbox column written with the
-- transaction: 'pending' (to be queued), 'queued' (notice_message_id says which message),
-- 'none' (nothing to send: online payments, or notices off without an invoice).
ALTER TABLE transactions ADD COLUMN notice_status TEXT NOT NULL DEFAULT 'none'
    CHECK (notice_status IN ('pending', 'queued', 'none'));
ALTER TABLE transactions ADD COLUMN notice_message_id TEXT REFERENCES messages(id);
ALTER TABLE transactions ADD COLUMN notice_queued_at TEXT;
-- By creation, so that a billing run appends to it instead of inserting at random ids.
CREATE INDEX transactions_notice_pending ON transactions (created_at, id) WHERE notice_status = 'pending';
UPDATE transactions SET notice_status = 'pending'
 WHERE status = 'scheduled' AND sequence_type IN ('FRST', 'RCUR');

-- An email's attachment: the PDF of this invoice or credit note.
ALTER TABLE messages ADD COLUMN attachment_invoice_id TEXT REFERENCES invoices(id);
