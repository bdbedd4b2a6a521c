DELETE FROM procedure_settings_revisions WHERE operation = 'migration' AND cells = '{grants}';
ALTER TABLE procedure_settings_revisions DROP COLUMN grants;
