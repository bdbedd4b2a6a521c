-- Ready_ documents: inside a case or on their own, residing at a position, with their own ACL.
CREATE TABLE documents (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid REFERENCES cases (id) ON DELETE CASCADE,
    author_id    uuid NOT NULL REFERENCES users (id),
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    confidential boolean NOT NULL DEFAULT false,
    client_id    uuid REFERENCES clients (id),
    position_id  uuid REFERENCES positions (id),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_list_idx ON documents (created_at DESC, id DESC);
CREATE INDEX documents_author_idx ON documents (author_id, created_at DESC, id DESC);
CREATE INDEX documents_case_idx ON documents (case_id, created_at DESC, id DESC);
CREATE INDEX documents_position_idx ON documents (position_id, created_at DESC, id DESC) WHERE NOT confidential;
CREATE INDEX documents_client_idx ON documents (client_id, created_at DESC, id DESC) WHERE NOT confidential;

-- level 0 is a deny: an entry naming a user directly decides alone (the seed's way to shut the author out).
CREATE TABLE document_acl (
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id    uuid REFERENCES groups (id) ON DELETE CASCADE,
    level       smallint NOT NULL CHECK (level BETWEEN 0 AND 3),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX document_acl_key ON document_acl (document_id, coalesce(user_id, group_id));
CREATE INDEX document_acl_user_idx ON document_acl (user_id, document_id) WHERE user_id IS NOT NULL;
CREATE INDEX document_acl_group_idx ON document_acl (group_id, document_id) WHERE group_id IS NOT NULL;

-- Workflow tasks on documents: an active one gives READ and WRITE until completed.
CREATE TABLE document_tasks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX document_tasks_doc_idx ON document_tasks (document_id);
CREATE INDEX document_tasks_active_idx ON document_tasks (user_id, document_id) WHERE active;

-- Attachments carry their document's rights. Stored here for now, behind an interface an object
-- store can implement; created_at and modified_at are set by the server only.
CREATE TABLE attachments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       bytea NOT NULL,
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    modified_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_document_idx ON attachments (document_id, created_at);

CREATE TABLE attachment_contents (
    attachment_id uuid PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE,
    data          bytea NOT NULL
);

-- Comments on cases and documents; the author is the effective user, the native user is kept.
CREATE TABLE comments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id             uuid REFERENCES cases (id) ON DELETE CASCADE,
    document_id         uuid REFERENCES documents (id) ON DELETE CASCADE,
    author_id           uuid REFERENCES users (id),
    native_user_id      uuid REFERENCES users (id),
    contact_id          uuid REFERENCES clients (id),
    grant_id            uuid,
    text                text NOT NULL,
    visible_to_external boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((case_id IS NULL) <> (document_id IS NULL))
);
CREATE INDEX comments_case_idx ON comments (case_id, created_at, id) WHERE case_id IS NOT NULL;
CREATE INDEX comments_document_idx ON comments (document_id, created_at, id) WHERE document_id IS NOT NULL;

-- Cases' ACL entries that open all of the case's documents (rule CASE), found by user or group.
CREATE INDEX case_acl_all_documents_idx ON case_acl (case_id) WHERE all_documents;
