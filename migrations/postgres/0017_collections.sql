-- SEPA collections: pain.008 batches for the merchant's own bank, one attempt per debit
-- instruction, the bank's return files, and every transaction's history.

-- The merchant's collection settings (one creditor account per merchant).
ALTER TABLE merchants ADD COLUMN pain_format TEXT NOT NULL DEFAULT 'pain.008.001.02'
    CHECK (pain_format IN ('pain.008.001.02', 'pain.008.001.08'));
-- The bank's cut-off time for a file to count as uploaded that day (HH:MM, merchant's zone).
ALTER TABLE merchants ADD COLUMN bank_cutoff TEXT NOT NULL DEFAULT '16:00';
-- Business days after the collection date without a return before a batch counts as paid.
ALTER TABLE merchants ADD COLUMN settle_days INTEGER NOT NULL DEFAULT 5;
-- New attempts after an insufficient-funds return (the database caps them at 2 below).
ALTER TABLE merchants ADD COLUMN retry_count INTEGER NOT NULL DEFAULT 1 CHECK (retry_count >= 0);
ALTER TABLE merchants ADD COLUMN retry_after_days INTEGER NOT NULL DEFAULT 5;
-- Failed transactions in a row that grey-list a customer (0: never).
ALTER TABLE merchants ADD COLUMN grey_list_after INTEGER NOT NULL DEFAULT 3;
-- The merchant's changes to the reason code table, "CODE=action" separated by spaces.
ALTER TABLE merchants ADD COLUMN return_actions TEXT NOT NULL DEFAULT '';

-- New attempts a transaction had after returns: never more than two, whatever a setting says
-- (Open Collective once charged one contribution 28 times).
ALTER TABLE transactions ADD COLUMN retries INTEGER NOT NULL DEFAULT 0 CHECK (retries BETWEEN 0 AND 2);

CREATE TABLE collection_batches (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    collection_date DATE NOT NULL,
    format TEXT NOT NULL,
    -- GrpHdr/MsgId: unique per merchant, so the bank's reports name the batch.
    message_id TEXT NOT NULL,
    -- draft: attempts chosen, file being written; exported: file stored; submitted: the merchant
    -- uploaded it; settled: paid; cancelled: before upload, its transactions scheduled again.
    status TEXT NOT NULL CHECK (status IN ('draft', 'exported', 'submitted', 'settled', 'cancelled')),
    transactions BIGINT NOT NULL DEFAULT 0,
    total_minor BIGINT NOT NULL DEFAULT 0,
    first_count BIGINT NOT NULL DEFAULT 0,
    first_minor BIGINT NOT NULL DEFAULT 0,
    file_sha256 TEXT NOT NULL DEFAULT '',
    file_bytes BIGINT NOT NULL DEFAULT 0,
    -- Transactions included although their notice went out less than the lead before.
    overrides BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    -- The day a submitted batch without returns counts as paid.
    settle_on DATE,
    settled_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    UNIQUE (merchant_id, message_id)
);
CREATE INDEX collection_batches_merchant ON collection_batches (merchant_id, created_at);
CREATE INDEX collection_batches_settle ON collection_batches (status, settle_on);

-- The stored file in parts of about a megabyte, written as it is generated.
CREATE TABLE collection_file_parts (
    batch_id TEXT NOT NULL REFERENCES collection_batches(id) ON DELETE CASCADE,
    part INTEGER NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (batch_id, part)
);

-- One debit instruction in one batch for one transaction; a retry is a new attempt.
CREATE TABLE collection_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    batch_id TEXT NOT NULL REFERENCES collection_batches(id),
    transaction_id TEXT NOT NULL REFERENCES transactions(id),
    attempt INTEGER NOT NULL CHECK (attempt BETWEEN 1 AND 3),
    end_to_end_id TEXT NOT NULL,
    sequence_type TEXT NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR')),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    status TEXT NOT NULL CHECK (status IN ('exported', 'submitted', 'settled', 'rejected', 'returned', 'cancelled')),
    reason_code TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (merchant_id, end_to_end_id)
);
-- A transaction is never in two live batches.
CREATE UNIQUE INDEX collection_attempts_live ON collection_attempts (transaction_id)
    WHERE status IN ('exported', 'submitted');
CREATE UNIQUE INDEX collection_attempts_number ON collection_attempts (transaction_id, attempt)
    WHERE status <> 'cancelled';
CREATE INDEX collection_attempts_batch ON collection_attempts (batch_id, sequence_type, id);
CREATE INDEX collection_attempts_transaction ON collection_attempts (transaction_id);

-- Append-only: every change of a transaction's collection.
CREATE TABLE transaction_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL REFERENCES transactions(id),
    -- exported, submitted, rejected, returned, rescheduled, paid, failed, charged_back, cancelled
    event TEXT NOT NULL,
    -- The transaction's status after it.
    status TEXT NOT NULL,
    attempt INTEGER,
    reason_code TEXT NOT NULL DEFAULT '',
    -- The batch or return file it came from.
    source TEXT NOT NULL DEFAULT '',
    due_date DATE,
    note TEXT NOT NULL DEFAULT '',
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX transaction_history_transaction ON transaction_history (transaction_id, id);

-- Return files read (pain.002, camt.053, camt.054); the same file twice changes nothing.
CREATE TABLE collection_returns (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    message_type TEXT NOT NULL,
    message_id TEXT NOT NULL,
    entries BIGINT NOT NULL,
    applied BIGINT NOT NULL,
    known BIGINT NOT NULL,
    -- JSON list of the entries that matched no attempt.
    unmatched TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (merchant_id, file_sha256)
);
CREATE INDEX collection_returns_merchant ON collection_returns (merchant_id, created_at);

-- The transactions a collection file can take, by due date.
CREATE INDEX transactions_collectable ON transactions (merchant_id, due_date, id) WHERE status = 'scheduled';
-- A customer's latest collections (grey-listing after failures in a row).
CREATE INDEX transactions_customer ON transactions (customer_id, due_date);

-- Online payments of failed transactions (the payment link of dunning).
ALTER TABLE payments ADD COLUMN transaction_id TEXT REFERENCES transactions(id);
