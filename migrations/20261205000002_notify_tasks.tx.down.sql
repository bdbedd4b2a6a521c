ALTER TABLE users DROP COLUMN notify_tasks;
