DELETE FROM sessions WHERE preview_user_id IS NOT NULL;
DROP INDEX sessions_preview_parent_idx;
ALTER TABLE sessions DROP CONSTRAINT sessions_preview;
ALTER TABLE sessions DROP COLUMN preview_parent_id, DROP COLUMN preview_user_id;
