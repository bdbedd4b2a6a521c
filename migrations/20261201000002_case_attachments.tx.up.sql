-- Attachments on cases themselves (e.g. a candidate's files through a temporary-access grant that
-- opens ATTACHMENTS), beside those of documents: each belongs to exactly one of the two and carries
-- its rights. grant_id names the temporary-access grant whose session uploaded the file; it has no
-- foreign key, like comments.grant_id and audit_log.grant_id.
ALTER TABLE attachments ALTER COLUMN document_id DROP NOT NULL;
ALTER TABLE attachments ADD COLUMN case_id uuid REFERENCES cases (id) ON DELETE CASCADE;
ALTER TABLE attachments ADD COLUMN grant_id uuid;
-- Shared with external principals (guests, temporary-access persons), like comments; what they add
-- is; an employee's file is internal unless shared.
ALTER TABLE attachments ADD COLUMN visible_to_external boolean NOT NULL DEFAULT false;
ALTER TABLE attachments ADD CONSTRAINT attachments_one_owner CHECK (num_nonnulls(document_id, case_id) = 1);
CREATE INDEX attachments_case_idx ON attachments (case_id, created_at) WHERE case_id IS NOT NULL;
