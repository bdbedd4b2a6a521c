DROP TRIGGER positions_facts_update ON positions;
DO $$
DECLARE
    t text;
    op text;
BEGIN
    FOREACH t IN ARRAY ARRAY['group_members', 'position_rights', 'client_grants'] LOOP
        FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            EXECUTE format('DROP TRIGGER %I ON %I', t || '_facts_' || op, t);
        END LOOP;
    END LOOP;
END $$;
DROP FUNCTION user_facts_moved();
DROP FUNCTION user_facts_truncated();
DROP FUNCTION user_facts_changed();
DROP FUNCTION refresh_user_facts(uuid[]);
ALTER TABLE users DROP COLUMN fact_client_grants, DROP COLUMN fact_position_rights, DROP COLUMN fact_groups;
