-- The outbox of emails and text messages, and the address customers can reply to.

ALTER TABLE merchants ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';

CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    customer_id TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL,
    reply_to TEXT NOT NULL DEFAULT '',
    -- queued → sending → sent | stored (no SMS gateway) | queued again (retry) | failed;
    -- sending past its lease (a crash mid-send) → unconfirmed, never re-sent automatically.
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'stored', 'failed', 'unconfirmed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_due ON messages (status, next_attempt_at);
CREATE INDEX messages_merchant ON messages (merchant_id, created_at, id);
