-- Scheduled changes of a subscription: a pause from a date, a resume date, a cancel date.

ALTER TABLE subscriptions ADD COLUMN pause_on DATE;
ALTER TABLE subscriptions ADD COLUMN resume_on DATE;
ALTER TABLE subscriptions ADD COLUMN cancel_on DATE;
CREATE INDEX subscriptions_status ON subscriptions (merchant_id, status, created_at);
