DROP INDEX document_tasks_active_idx;
CREATE INDEX document_tasks_active_idx ON document_tasks (user_id, document_id) WHERE active;
DROP INDEX document_acl_group_idx;
CREATE INDEX document_acl_group_idx ON document_acl (group_id, document_id) INCLUDE (level) WHERE group_id IS NOT NULL;
DROP INDEX document_acl_user_sort_idx;

DROP INDEX documents_case_open_idx;
DROP INDEX case_acl_group_docs_idx;
DROP INDEX case_acl_user_docs_idx;
CREATE INDEX case_acl_user_docs_idx ON case_acl (user_id, case_id) WHERE all_documents AND user_id IS NOT NULL;
CREATE INDEX case_acl_group_docs_idx ON case_acl (group_id, case_id) WHERE all_documents AND group_id IS NOT NULL;

DROP INDEX case_participants_user_idx;
CREATE INDEX case_participants_user_idx ON case_participants (user_id, case_id) WHERE user_id IS NOT NULL;

DROP INDEX case_acl_group_idx;
DROP INDEX case_acl_user_idx;
CREATE INDEX case_acl_user_idx ON case_acl (user_id, case_id) WHERE user_id IS NOT NULL;
CREATE INDEX case_acl_group_idx ON case_acl (group_id, case_id) WHERE group_id IS NOT NULL;

DROP INDEX case_tasks_active_idx;
DROP INDEX case_tasks_user_idx;
CREATE INDEX case_tasks_user_idx ON case_tasks (user_id, case_id) INCLUDE (active);
CREATE INDEX case_tasks_active_idx ON case_tasks (user_id, case_id) WHERE active;

DROP INDEX cases_client_idx;
DROP INDEX cases_position_idx;
DROP INDEX cases_creator_idx;
CREATE INDEX cases_creator_idx ON cases (creator_id);
CREATE INDEX cases_position_idx ON cases (position_id);
CREATE INDEX cases_client_idx ON cases (client_id);

DROP TRIGGER document_tasks_sort_key ON document_tasks;
DROP TRIGGER document_acl_sort_key ON document_acl;
DROP TRIGGER case_participants_sort_key ON case_participants;
DROP TRIGGER case_tasks_sort_key ON case_tasks;
DROP TRIGGER case_acl_sort_key ON case_acl;
DROP FUNCTION document_sort_key();
DROP FUNCTION case_sort_key();

ALTER TABLE document_tasks DROP COLUMN document_created_at;
ALTER TABLE document_acl DROP COLUMN document_created_at;
ALTER TABLE case_participants DROP COLUMN case_created_at;
ALTER TABLE case_tasks DROP COLUMN case_created_at;
ALTER TABLE case_acl DROP COLUMN case_created_at;
