-- One customer per email address at a merchant, compared case-insensitively: the key is the
-- lower-cased address (NULL without one). Where customers already share an address, the oldest
-- keeps it as its key; the others keep the address for messages but have no key, and their page
-- says so until staff merge or correct them.
ALTER TABLE customers ADD COLUMN email_key TEXT;
UPDATE customers SET email_key = lower(email)
 WHERE email <> ''
   AND NOT EXISTS (
       SELECT 1 FROM customers older
        WHERE older.merchant_id = customers.merchant_id
          AND older.email <> ''
          AND lower(older.email) = lower(customers.email)
          AND (older.created_at < customers.created_at
               OR (older.created_at = customers.created_at AND older.id < customers.id)));
DROP INDEX customers_email;
CREATE UNIQUE INDEX customers_email_key ON customers (merchant_id, email_key);

-- Signed-in sessions, so that signing out, a password reset, a role change or a removal ends a
-- session even when its cookie is copied. The id is the SHA-256 of the cookie's token.
CREATE TABLE user_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- An idempotency key's claim is leased, so a request lost in a crash can be taken over; the
-- transactions of its work record that they committed, and which resources they created.
ALTER TABLE idempotency_keys ADD COLUMN locked_until TIMESTAMPTZ;
ALTER TABLE idempotency_keys ADD COLUMN work_committed_at TIMESTAMPTZ;
ALTER TABLE idempotency_keys ADD COLUMN created_resources TEXT NOT NULL DEFAULT '';

-- A row per rate-limit key, locked while an event is counted so that concurrent requests count
-- one after the other (PostgreSQL; SQLite has one writer anyway).
CREATE TABLE rate_limit_keys (
    rate_key TEXT PRIMARY KEY NOT NULL,
    touched_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_limit_keys_touched ON rate_limit_keys (touched_at);
