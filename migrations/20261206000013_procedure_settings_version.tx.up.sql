-- The version of every procedure's settings and grants: one row, bumped in the same transaction as
-- any change to procedure_settings or procedure_grants (also a cascaded delete). The principal query
-- reads it on every request, so a replica may reuse the settings it compiled at that version, or a
-- later one, and never decides on settings older than the request.
CREATE TABLE procedure_settings_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO procedure_settings_version (id, version) VALUES (true, 1);

CREATE FUNCTION bump_procedure_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE procedure_settings_version SET version = version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER procedure_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procedure_settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_procedure_settings_version();
CREATE TRIGGER procedure_grants_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procedure_grants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_procedure_settings_version();
