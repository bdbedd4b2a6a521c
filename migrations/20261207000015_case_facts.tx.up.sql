-- A case's access facts (its tasks' users, ACL, participants and field-mode overrides) kept on the
-- case row as one jsonb value, rewritten in the same transaction as any change to those tables, so
-- that reading a case (and a page of cases) reads one row instead of five sub-selects per case.
-- The facts tables stay the truth; cases.facts is derived from them and never stale.
ALTER TABLE cases ADD COLUMN facts jsonb NOT NULL DEFAULT '{}';

-- case_facts computes the facts of the given cases from the facts tables. The keys and their
-- entries are those the server decodes: assignees (active tasks' users, oldest task first),
-- pastAssignees (users of inactive tasks), acl, participants, overrides, and people (every user a
-- task, an ACL entry or a participant names, for showing them with the case).
CREATE FUNCTION case_facts(ids uuid[]) RETURNS TABLE (case_id uuid, facts jsonb) LANGUAGE sql AS $$
    SELECT c.id, jsonb_build_object(
        'assignees', COALESCE((SELECT jsonb_agg(t.user_id ORDER BY t.created_at) FROM case_tasks t
                               WHERE t.case_id = c.id AND t.active), '[]'),
        'pastAssignees', COALESCE((SELECT jsonb_agg(DISTINCT t.user_id) FROM case_tasks t
                                   WHERE t.case_id = c.id AND NOT t.active), '[]'),
        'acl', COALESCE((SELECT jsonb_agg(jsonb_build_object('userId', a.user_id, 'groupId', a.group_id,
                                 'contactId', a.contact_id, 'level', a.level, 'allDocuments', a.all_documents))
                         FROM case_acl a WHERE a.case_id = c.id), '[]'),
        'participants', COALESCE((SELECT jsonb_agg(jsonb_build_object('userId', cp.user_id, 'contactId', cp.contact_id,
                                          'role', cp.role) ORDER BY cp.created_at)
                                  FROM case_participants cp WHERE cp.case_id = c.id), '[]'),
        'overrides', COALESCE((SELECT jsonb_agg(jsonb_build_object('target', m.target, 'mode', m.mode))
                               FROM case_field_modes m WHERE m.case_id = c.id), '[]'),
        'people', COALESCE((SELECT jsonb_agg(DISTINCT x.user_id) FROM (
                               SELECT t.user_id FROM case_tasks t WHERE t.case_id = c.id
                               UNION SELECT a.user_id FROM case_acl a WHERE a.case_id = c.id AND a.user_id IS NOT NULL
                               UNION SELECT cp.user_id FROM case_participants cp WHERE cp.case_id = c.id AND cp.user_id IS NOT NULL) x), '[]'))
    FROM cases c WHERE c.id = ANY(ids)
$$;

-- refresh_case_facts rewrites the facts of the cases a statement on a facts table touched. It locks
-- those cases first and reads the facts in a later statement: under READ COMMITTED that statement's
-- snapshot is taken after the lock is held, so it sees every change committed by a transaction that
-- held the lock before, and two transactions changing one case's facts at once cannot lose either
-- change. The lock is the one the UPDATE takes anyway (NO KEY UPDATE): it does not conflict with the
-- KEY SHARE lock that the facts row's foreign key already holds on the case, so two writers do not
-- deadlock on it.
CREATE FUNCTION refresh_case_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.case_id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.case_id) INTO ids FROM old_rows o;
    ELSE
        SELECT array_agg(DISTINCT x.case_id) INTO ids FROM (SELECT case_id FROM new_rows UNION SELECT case_id FROM old_rows) x;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM cases WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE cases c SET facts = f.facts FROM case_facts(ids) f WHERE c.id = f.case_id;
    RETURN NULL;
END $$;

-- Three triggers on each facts table, named <table>_facts_insert, _update and _delete (casegate-gen
-- turns them off by these names while it loads).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_acl', 'case_tasks', 'case_participants', 'case_field_modes'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_facts()', t || '_facts_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_facts()', t || '_facts_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION refresh_case_facts()', t || '_facts_delete', t);
    END LOOP;
END $$;

-- refresh_all_case_facts fills every case's facts at once, set-based: for this migration and for a
-- bulk load that ran with the triggers above disabled (casegate-gen).
CREATE FUNCTION refresh_all_case_facts() RETURNS void LANGUAGE sql AS $$
    WITH t AS (
        SELECT case_id,
               COALESCE(jsonb_agg(user_id ORDER BY created_at) FILTER (WHERE active), '[]') AS assignees,
               COALESCE(jsonb_agg(DISTINCT user_id) FILTER (WHERE NOT active), '[]') AS past
        FROM case_tasks GROUP BY case_id
    ), a AS (
        SELECT case_id, jsonb_agg(jsonb_build_object('userId', user_id, 'groupId', group_id, 'contactId', contact_id,
                                  'level', level, 'allDocuments', all_documents)) AS acl
        FROM case_acl GROUP BY case_id
    ), p AS (
        SELECT case_id, jsonb_agg(jsonb_build_object('userId', user_id, 'contactId', contact_id, 'role', role) ORDER BY created_at) AS participants
        FROM case_participants GROUP BY case_id
    ), m AS (
        SELECT case_id, jsonb_agg(jsonb_build_object('target', target, 'mode', mode)) AS overrides
        FROM case_field_modes GROUP BY case_id
    ), u AS (
        SELECT case_id, jsonb_agg(DISTINCT user_id) AS people FROM (
            SELECT case_id, user_id FROM case_tasks
            UNION SELECT case_id, user_id FROM case_acl WHERE user_id IS NOT NULL
            UNION SELECT case_id, user_id FROM case_participants WHERE user_id IS NOT NULL) x
        GROUP BY case_id
    ), ids AS (
        SELECT case_id FROM t UNION SELECT case_id FROM a UNION SELECT case_id FROM p UNION SELECT case_id FROM m
    )
    UPDATE cases c SET facts = jsonb_build_object(
        'assignees', COALESCE(t.assignees, '[]'), 'pastAssignees', COALESCE(t.past, '[]'),
        'acl', COALESCE(a.acl, '[]'), 'participants', COALESCE(p.participants, '[]'),
        'overrides', COALESCE(m.overrides, '[]'), 'people', COALESCE(u.people, '[]'))
    FROM ids
    LEFT JOIN t ON t.case_id = ids.case_id LEFT JOIN a ON a.case_id = ids.case_id
    LEFT JOIN p ON p.case_id = ids.case_id LEFT JOIN m ON m.case_id = ids.case_id
    LEFT JOIN u ON u.case_id = ids.case_id
    WHERE c.id = ids.case_id
$$;

SELECT refresh_all_case_facts();
