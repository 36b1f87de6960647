-- An import remembers the separator of its file, so the rejected rows come back in the same
-- form (semicolons for Excel in Dutch), and its preview counts the mandates and subscriptions the
-- accepted rows bring.
ALTER TABLE imports ADD COLUMN separator TEXT NOT NULL DEFAULT ',';
ALTER TABLE imports ADD COLUMN mandate_rows BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN subscription_rows BIGINT NOT NULL DEFAULT 0;
