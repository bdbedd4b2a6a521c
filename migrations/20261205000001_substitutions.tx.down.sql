DROP INDEX audit_log_native_user_idx;
ALTER TABLE audit_log DROP COLUMN substitution_id;
DROP INDEX sessions_substitution_idx;
UPDATE sessions SET substitution_id = NULL;
ALTER TABLE sessions DROP CONSTRAINT sessions_substitution_fk;
DROP TABLE substitutions;
