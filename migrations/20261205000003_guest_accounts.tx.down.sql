DELETE FROM sessions WHERE kind = 'EXTERNAL';
ALTER TABLE users DROP COLUMN contact_id;
