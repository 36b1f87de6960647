-- One mechanism for every rate limit: failed sign-ins join the sign-up counters in rate_events.
INSERT INTO rate_events (rate_key, at)
    SELECT 'login-' || throttle_key, failed_at FROM login_failures;
DROP TABLE login_failures;
CREATE INDEX rate_events_at ON rate_events (at);
