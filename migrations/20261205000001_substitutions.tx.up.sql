-- Substitutions (zastępstwa): the substitute works with the substituted user's permissions from the
-- start of date_from to the end of date_to in the server's time zone. A session working in one
-- names it in sessions.substitution_id; whether it still applies is checked on every request.
CREATE TABLE substitutions (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    substituted_id    uuid NOT NULL REFERENCES users (id),
    substitute_id     uuid NOT NULL REFERENCES users (id),
    date_from         date NOT NULL,
    date_to           date NOT NULL,
    active            boolean NOT NULL DEFAULT true,
    forward_emails    boolean NOT NULL DEFAULT true,
    created_by        uuid REFERENCES users (id),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    -- When the jobs told both users the period began, and reminded them that it ends soon: each
    -- notice goes out once. Changing date_to clears reminded_at, so an extension is reminded again.
    start_notified_at timestamptz,
    reminded_at       timestamptz,
    CHECK (substituted_id <> substitute_id),
    CHECK (date_to >= date_from)
);
CREATE INDEX substitutions_substituted_idx ON substitutions (substituted_id, date_to);
CREATE INDEX substitutions_substitute_idx ON substitutions (substitute_id, date_to);
-- The lists page newest first within ACTIVE (active, not ended) and INACTIVE.
CREATE INDEX substitutions_list_idx ON substitutions (date_to, id);

ALTER TABLE sessions
    ADD CONSTRAINT sessions_substitution_fk FOREIGN KEY (substitution_id) REFERENCES substitutions (id) ON DELETE SET NULL;
CREATE INDEX sessions_substitution_idx ON sessions (substitution_id) WHERE substitution_id IS NOT NULL;

-- The audit log names the substitution a write was made in, and is searched by native user.
ALTER TABLE audit_log ADD COLUMN substitution_id uuid;
CREATE INDEX audit_log_native_user_idx ON audit_log (native_user_id, id);
