DO $$
DECLARE
    t text;
    op text;
BEGIN
    FOREACH t IN ARRAY ARRAY['case_acl', 'case_tasks', 'case_participants', 'case_field_modes'] LOOP
        FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
            EXECUTE format('DROP TRIGGER %I ON %I', t || '_facts_' || op, t);
        END LOOP;
    END LOOP;
END $$;
DROP FUNCTION refresh_all_case_facts();
DROP FUNCTION refresh_case_facts();
DROP FUNCTION case_facts(uuid[]);
ALTER TABLE cases DROP COLUMN facts;
