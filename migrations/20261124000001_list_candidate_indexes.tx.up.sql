-- Index-only probes for the list predicates' candidate sets (internal/access/visible.go).
CREATE UNIQUE INDEX cases_id_sort_idx ON cases (id) INCLUDE (created_at, procedure);
CREATE UNIQUE INDEX documents_id_sort_idx ON documents (id) INCLUDE (created_at);
DROP INDEX document_acl_user_idx;
DROP INDEX document_acl_group_idx;
CREATE INDEX document_acl_user_idx ON document_acl (user_id, document_id) INCLUDE (level) WHERE user_id IS NOT NULL;
CREATE INDEX document_acl_group_idx ON document_acl (group_id, document_id) INCLUDE (level) WHERE group_id IS NOT NULL;
CREATE INDEX case_acl_user_docs_idx ON case_acl (user_id, case_id) WHERE all_documents AND user_id IS NOT NULL;
CREATE INDEX case_acl_group_docs_idx ON case_acl (group_id, case_id) WHERE all_documents AND group_id IS NOT NULL;
