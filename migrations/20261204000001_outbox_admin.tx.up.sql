-- outboxMessages lists FAILED or PENDING messages newest first; both are few among many sent ones.
CREATE INDEX outbox_failed_idx ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NOT NULL;
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
