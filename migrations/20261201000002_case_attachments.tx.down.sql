-- Case attachments (and, by cascade, their contents) go: only documents' fit the old table.
DELETE FROM attachments WHERE case_id IS NOT NULL;
DROP INDEX attachments_case_idx;
ALTER TABLE attachments DROP CONSTRAINT attachments_one_owner;
ALTER TABLE attachments DROP COLUMN visible_to_external;
ALTER TABLE attachments DROP COLUMN grant_id;
ALTER TABLE attachments DROP COLUMN case_id;
ALTER TABLE attachments ALTER COLUMN document_id SET NOT NULL;
