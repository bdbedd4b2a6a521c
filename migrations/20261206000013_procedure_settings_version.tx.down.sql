DROP TRIGGER procedure_grants_version ON procedure_grants;
DROP TRIGGER procedure_settings_version ON procedure_settings;
DROP FUNCTION bump_procedure_settings_version();
DROP TABLE procedure_settings_version;
