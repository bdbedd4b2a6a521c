-- A revision also snapshots the procedure's grants ([{userId, groupId, level}] ordered by
-- principal), and granting or revoking procedure access adds a revision, so that
-- accessMatrix(at:) shows the grants in force then, not today's.
ALTER TABLE procedure_settings_revisions ADD COLUMN grants jsonb;

-- Grants were not versioned before: the revisions written until now get the grants as they are at
-- this migration (the nearest we know), so the latest revision still agrees with what is stored.
UPDATE procedure_settings_revisions r SET grants = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object('userId', g.user_id, 'groupId', g.group_id, 'level', g.level)
        ORDER BY coalesce(g.user_id, g.group_id)), '[]')
    FROM procedure_grants g WHERE g.procedure = r.procedure);

-- A procedure with grants and no revision gets its first one, holding the grants.
INSERT INTO procedure_settings_revisions (procedure, version, settings, grants, changed_at, operation, cells)
SELECT g.procedure, 1, '{}',
    jsonb_agg(jsonb_build_object('userId', g.user_id, 'groupId', g.group_id, 'level', g.level) ORDER BY coalesce(g.user_id, g.group_id)),
    max(g.created_at), 'migration', '{grants}'
FROM procedure_grants g
WHERE NOT EXISTS (SELECT 1 FROM procedure_settings_revisions r WHERE r.procedure = g.procedure)
GROUP BY g.procedure;

ALTER TABLE procedure_settings_revisions ALTER COLUMN grants SET NOT NULL;
