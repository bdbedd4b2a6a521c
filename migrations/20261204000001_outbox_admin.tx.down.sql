DROP INDEX outbox_pending_idx;
DROP INDEX outbox_failed_idx;
