-- Imports of customers (with their mandates and subscriptions) from CSV and Excel files.
-- Every parsed row is staged in import_rows with its outcome; a commit writes the accepted rows in
-- chunks of consecutive lines and moves imports.committed_through to the chunk's last line in the
-- same transaction, so an interrupted import resumes after the last written chunk. (A high-water
-- mark rather than a flag per row: updating every staged row would double the writes, and on
-- PostgreSQL leave dead index entries that each next chunk would scan again.)

CREATE TABLE imports (
    id TEXT PRIMARY KEY NOT NULL,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- JSON array of the file's column headers.
    headers TEXT NOT NULL,
    -- JSON array: the field each column maps to ('' = ignored).
    mapping TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('uploaded', 'previewed', 'committing', 'done', 'failed')),
    total_rows BIGINT NOT NULL DEFAULT 0,
    new_rows BIGINT NOT NULL DEFAULT 0,
    updated_rows BIGINT NOT NULL DEFAULT 0,
    rejected_rows BIGINT NOT NULL DEFAULT 0,
    committed_rows BIGINT NOT NULL DEFAULT 0,
    -- Every accepted row up to this line is written.
    committed_through BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    -- The lease of the worker committing it; an expired lease is taken over.
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX imports_merchant ON imports (merchant_id, created_at);
CREATE INDEX imports_status ON imports (status, locked_until);

CREATE TABLE import_rows (
    import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    merchant_id TEXT NOT NULL REFERENCES merchants(id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    -- JSON array of the row's cells as read.
    cells TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'new', 'update', 'rejected')),
    -- One reason per line of text.
    reasons TEXT NOT NULL DEFAULT '',
    -- JSON of the checked row, with the ids it will be written under.
    record TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, line)
);
