-- A preview session (startPreview) belongs to the employee previewing (user_id) and shows the user
-- preview_user_id, read-only. It lives within the session that started it (preview_parent_id):
-- logging out of that one, or its expiry, ends the preview too.
ALTER TABLE sessions
    ADD COLUMN preview_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    ADD COLUMN preview_parent_id uuid REFERENCES sessions (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD CONSTRAINT sessions_preview
    CHECK ((preview_user_id IS NULL) = (preview_parent_id IS NULL)
       AND (preview_user_id IS NULL OR (kind = 'INTERNAL' AND substitution_id IS NULL)));
CREATE INDEX sessions_preview_parent_idx ON sessions (preview_parent_id) WHERE preview_parent_id IS NOT NULL;
