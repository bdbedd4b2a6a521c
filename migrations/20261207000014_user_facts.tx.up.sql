-- The principal query runs on every request; reading a user's groups, position rights (with each
-- position's path) and client grants through three sub-selects cost about a third of its time. They
-- are kept on the user's row instead, recomputed by triggers in the same transaction as any change
-- to group_members, position_rights, client_grants or a position's path, so the row is never
-- stale: a revoked grant or a removed member is in force on the next request on every replica.
-- Older replicas keep working: their writes to those tables fire the same triggers.
ALTER TABLE users
    ADD COLUMN fact_groups          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN fact_position_rights jsonb  NOT NULL DEFAULT '[]',
    ADD COLUMN fact_client_grants   text[] NOT NULL DEFAULT '{}';

-- refresh_user_facts recomputes the facts of the users ids. The rows are locked first, in id
-- order, and only then read: under READ COMMITTED the UPDATE takes a new snapshot after the lock,
-- so two transactions changing one user's memberships at once cannot overwrite each other's change
-- with facts read before the other committed. A row whose facts did not change is not rewritten.
CREATE FUNCTION refresh_user_facts(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE users u
    SET fact_groups = f.groups, fact_position_rights = f.position_rights, fact_client_grants = f.client_grants
    FROM (SELECT DISTINCT t.id FROM unnest(ids) t(id)) t
    CROSS JOIN LATERAL (SELECT
        ARRAY(SELECT gm.group_id::text FROM group_members gm WHERE gm.user_id = t.id ORDER BY 1) AS groups,
        COALESCE((SELECT jsonb_agg(jsonb_build_object('PositionID', pr.position_id, 'Path', p.path,
                                                      'IncludeSubtree', pr.include_subtree) ORDER BY pr.position_id)
                  FROM position_rights pr JOIN positions p ON p.id = pr.position_id
                  WHERE pr.user_id = t.id), '[]') AS position_rights,
        ARRAY(SELECT cg.client_id::text FROM client_grants cg WHERE cg.user_id = t.id ORDER BY 1) AS client_grants) f
    WHERE u.id = t.id
      AND (u.fact_groups, u.fact_position_rights, u.fact_client_grants)
          IS DISTINCT FROM (f.groups, f.position_rights, f.client_grants);
END $$;

-- user_facts_changed refreshes the users of the rows a statement on group_members, position_rights
-- or client_grants inserted, updated or deleted (once per statement: a bulk change costs one pass).
CREATE FUNCTION user_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM refresh_user_facts(ARRAY(SELECT user_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_user_facts(ARRAY(SELECT user_id FROM old_rows));
    ELSE
        PERFORM refresh_user_facts(ARRAY(SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

-- user_facts_truncated empties the facts a truncated table held.
CREATE FUNCTION user_facts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'group_members' THEN
        UPDATE users SET fact_groups = '{}' WHERE fact_groups <> '{}';
    ELSIF TG_TABLE_NAME = 'position_rights' THEN
        UPDATE users SET fact_position_rights = '[]' WHERE fact_position_rights <> '[]';
    ELSE
        UPDATE users SET fact_client_grants = '{}' WHERE fact_client_grants <> '{}';
    END IF;
    RETURN NULL;
END $$;

-- user_facts_moved refreshes the holders of a right on a position whose path an UPDATE changed
-- (moving a subtree rewrites every descendant's path in one statement).
CREATE FUNCTION user_facts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_user_facts(ARRAY(
        SELECT pr.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN position_rights pr ON pr.position_id = n.id
        WHERE n.path IS DISTINCT FROM o.path));
    RETURN NULL;
END $$;

-- Four triggers on each table of rights, named <table>_facts_insert, _update, _delete and _truncate.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['group_members', 'position_rights', 'client_grants'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_facts_changed()', t || '_facts_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_facts_changed()', t || '_facts_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_facts_changed()', t || '_facts_delete', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION user_facts_truncated()', t || '_facts_truncate', t);
    END LOOP;
END $$;

CREATE TRIGGER positions_facts_update AFTER UPDATE ON positions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_facts_moved();

SELECT refresh_user_facts(ARRAY(SELECT id FROM users));
