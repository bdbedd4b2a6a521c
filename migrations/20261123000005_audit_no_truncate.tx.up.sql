-- TRUNCATE fires no row triggers, so the append-only trigger of 20261123000002 did not stop it:
-- refuse it with a statement trigger (same function, same message).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
