-- The list order's key, (created_at, id) of the case or document, beside the rows that name who may
-- read it, so that each rule of a principal without broad rules is an ordered index stream of keys
-- (access.KeyedCases, access.KeyedDocuments) and a list page probes cases or documents only for
-- the rows it shows. A case's or document's created_at never changes, so the copy is filled once:
-- by the triggers on insert (also for rows inserted by a replica that predates this migration) or
-- when the row is moved to another parent.
ALTER TABLE case_acl ADD COLUMN case_created_at timestamptz;
ALTER TABLE case_tasks ADD COLUMN case_created_at timestamptz;
ALTER TABLE case_participants ADD COLUMN case_created_at timestamptz;
ALTER TABLE document_acl ADD COLUMN document_created_at timestamptz;
ALTER TABLE document_tasks ADD COLUMN document_created_at timestamptz;

UPDATE case_acl r SET case_created_at = c.created_at FROM cases c WHERE c.id = r.case_id;
UPDATE case_tasks r SET case_created_at = c.created_at FROM cases c WHERE c.id = r.case_id;
UPDATE case_participants r SET case_created_at = c.created_at FROM cases c WHERE c.id = r.case_id;
UPDATE document_acl r SET document_created_at = d.created_at FROM documents d WHERE d.id = r.document_id;
UPDATE document_tasks r SET document_created_at = d.created_at FROM documents d WHERE d.id = r.document_id;

ALTER TABLE case_acl ALTER COLUMN case_created_at SET NOT NULL;
ALTER TABLE case_tasks ALTER COLUMN case_created_at SET NOT NULL;
ALTER TABLE case_participants ALTER COLUMN case_created_at SET NOT NULL;
ALTER TABLE document_acl ALTER COLUMN document_created_at SET NOT NULL;
ALTER TABLE document_tasks ALTER COLUMN document_created_at SET NOT NULL;

-- The parent's created_at, whatever the insert wrote. A missing parent gives -infinity rather than
-- NULL, so the insert fails on its foreign key, as it did before this column.
CREATE FUNCTION case_sort_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.case_created_at := coalesce((SELECT c.created_at FROM cases c WHERE c.id = NEW.case_id), '-infinity');
    RETURN NEW;
END $$;
CREATE FUNCTION document_sort_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.document_created_at := coalesce((SELECT d.created_at FROM documents d WHERE d.id = NEW.document_id), '-infinity');
    RETURN NEW;
END $$;
CREATE TRIGGER case_acl_sort_key BEFORE INSERT OR UPDATE OF case_id, case_created_at ON case_acl
    FOR EACH ROW EXECUTE FUNCTION case_sort_key();
CREATE TRIGGER case_tasks_sort_key BEFORE INSERT OR UPDATE OF case_id, case_created_at ON case_tasks
    FOR EACH ROW EXECUTE FUNCTION case_sort_key();
CREATE TRIGGER case_participants_sort_key BEFORE INSERT OR UPDATE OF case_id, case_created_at ON case_participants
    FOR EACH ROW EXECUTE FUNCTION case_sort_key();
CREATE TRIGGER document_acl_sort_key BEFORE INSERT OR UPDATE OF document_id, document_created_at ON document_acl
    FOR EACH ROW EXECUTE FUNCTION document_sort_key();
CREATE TRIGGER document_tasks_sort_key BEFORE INSERT OR UPDATE OF document_id, document_created_at ON document_tasks
    FOR EACH ROW EXECUTE FUNCTION document_sort_key();

-- One ordered stream per rule: (who, key DESC). Each replaces an index on (who, id) or (who), which
-- it also serves; document_acl_user_idx stays, since the broad form of the document rules probes it
-- per document (NOT EXISTS … x.document_id = d.id AND x.user_id = …).
DROP INDEX cases_creator_idx;
DROP INDEX cases_position_idx;
DROP INDEX cases_client_idx;
CREATE INDEX cases_creator_idx ON cases (creator_id, created_at DESC, id DESC);
CREATE INDEX cases_position_idx ON cases (position_id, created_at DESC, id DESC);
CREATE INDEX cases_client_idx ON cases (client_id, created_at DESC, id DESC);

DROP INDEX case_tasks_user_idx;
DROP INDEX case_tasks_active_idx;
CREATE INDEX case_tasks_user_idx ON case_tasks (user_id, case_created_at DESC, case_id DESC) INCLUDE (active);
CREATE INDEX case_tasks_active_idx ON case_tasks (user_id, case_created_at DESC, case_id DESC) WHERE active;

DROP INDEX case_acl_user_idx;
DROP INDEX case_acl_group_idx;
CREATE INDEX case_acl_user_idx ON case_acl (user_id, case_created_at DESC, case_id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX case_acl_group_idx ON case_acl (group_id, case_created_at DESC, case_id DESC) WHERE group_id IS NOT NULL;

DROP INDEX case_participants_user_idx;
CREATE INDEX case_participants_user_idx ON case_participants (user_id, case_created_at DESC, case_id DESC) WHERE user_id IS NOT NULL;

-- The allDocuments rule reads the entries' level from the index, and each case's open documents in
-- order from the index alone.
DROP INDEX case_acl_user_docs_idx;
DROP INDEX case_acl_group_docs_idx;
CREATE INDEX case_acl_user_docs_idx ON case_acl (user_id, case_id) INCLUDE (level) WHERE all_documents AND user_id IS NOT NULL;
CREATE INDEX case_acl_group_docs_idx ON case_acl (group_id, case_id) INCLUDE (level) WHERE all_documents AND group_id IS NOT NULL;
CREATE INDEX documents_case_open_idx ON documents (case_id, created_at DESC, id DESC) WHERE NOT confidential;

CREATE INDEX document_acl_user_sort_idx ON document_acl (user_id, document_created_at DESC, document_id DESC) INCLUDE (level) WHERE user_id IS NOT NULL;
DROP INDEX document_acl_group_idx;
CREATE INDEX document_acl_group_idx ON document_acl (group_id, document_created_at DESC, document_id DESC) INCLUDE (level) WHERE group_id IS NOT NULL;

DROP INDEX document_tasks_active_idx;
CREATE INDEX document_tasks_active_idx ON document_tasks (user_id, document_created_at DESC, document_id DESC) WHERE active;
