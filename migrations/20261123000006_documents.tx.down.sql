DROP INDEX IF EXISTS case_acl_all_documents_idx;
DROP TABLE IF EXISTS comments, attachment_contents, attachments, document_tasks, document_acl, documents;
