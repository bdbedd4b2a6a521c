ALTER TABLE outbox DROP COLUMN expires_at;
ALTER TABLE audit_log DROP COLUMN actor_email;
DROP INDEX sessions_grant_idx;
ALTER TABLE sessions DROP CONSTRAINT sessions_temporary_grant;
ALTER TABLE sessions DROP CONSTRAINT sessions_grant_fkey;
DROP TABLE access_code_failures;
DROP TABLE access_codes;
DROP TABLE temporary_access_grants;
