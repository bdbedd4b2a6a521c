-- Every change to a procedure's access settings adds a revision: the snapshot of all that
-- procedure's overrides after the change ({"target": settings, ...}), who made it, which operation
-- and which cells. Settings are versioned, not overwritten: accessMatrix(at:) compiles the snapshot
-- in force at a time, and accessSettingsHistory lists the revisions. version counts per procedure
-- from 1; the primary key makes two writers of the same version fail instead of both winning.
CREATE TABLE procedure_settings_revisions (
    procedure      text        NOT NULL,
    version        integer     NOT NULL CHECK (version > 0),
    settings       jsonb       NOT NULL,
    changed_at     timestamptz NOT NULL,
    user_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    native_user_id uuid        REFERENCES users (id) ON DELETE SET NULL,
    actor_email    text,
    operation      text        NOT NULL,
    cells          text[]      NOT NULL,
    PRIMARY KEY (procedure, version)
);
CREATE INDEX procedure_settings_revisions_at ON procedure_settings_revisions (procedure, changed_at DESC, version DESC);

-- Overrides made before revisions existed become each procedure's first revision, so that a
-- procedure's version and its snapshot agree with what is stored.
INSERT INTO procedure_settings_revisions (procedure, version, settings, changed_at, operation, cells)
SELECT procedure, 1, jsonb_object_agg(target, settings), max(updated_at), 'migration', '{}'
FROM procedure_settings GROUP BY procedure;
