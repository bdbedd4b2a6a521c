DROP INDEX case_acl_group_docs_idx;
DROP INDEX case_acl_user_docs_idx;
DROP INDEX document_acl_group_idx;
DROP INDEX document_acl_user_idx;
CREATE INDEX document_acl_user_idx ON document_acl (user_id, document_id) WHERE user_id IS NOT NULL;
CREATE INDEX document_acl_group_idx ON document_acl (group_id, document_id) WHERE group_id IS NOT NULL;
DROP INDEX documents_id_sort_idx;
DROP INDEX cases_id_sort_idx;
