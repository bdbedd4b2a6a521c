-- Clients (Planfix counterparties: companies and their contacts) and projects.
CREATE TABLE clients (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text NOT NULL CHECK (kind IN ('COMPANY', 'CONTACT')),
    name       text NOT NULL,
    email      text,
    phone      text,
    company_id uuid REFERENCES clients (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'CONTACT' OR company_id IS NULL)
);
CREATE INDEX clients_company_idx ON clients (company_id);
CREATE INDEX clients_name_idx ON clients (kind, name, id);

CREATE TABLE client_grants (
    client_id  uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE projects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    counterparty_id uuid REFERENCES clients (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_counterparty_idx ON projects (counterparty_id);

-- Administrators' overrides of the schema's default access settings, per section or field.
CREATE TABLE procedure_settings (
    procedure  text NOT NULL,
    target     text NOT NULL, -- 'section' or 'section.field'
    settings   jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (procedure, target)
);

CREATE TABLE procedure_grants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    procedure  text NOT NULL,
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id   uuid REFERENCES groups (id) ON DELETE CASCADE,
    level      smallint NOT NULL CHECK (level IN (1, 3)),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX procedure_grants_key ON procedure_grants (procedure, coalesce(user_id, group_id));
CREATE INDEX procedure_grants_user_idx ON procedure_grants (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX procedure_grants_group_idx ON procedure_grants (group_id) WHERE group_id IS NOT NULL;

CREATE TABLE cases (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    procedure   text NOT NULL,
    stage       text NOT NULL,
    title       text NOT NULL,
    form_values jsonb NOT NULL DEFAULT '{}',
    creator_id  uuid REFERENCES users (id),
    project_id  uuid REFERENCES projects (id),
    client_id   uuid REFERENCES clients (id),
    position_id uuid REFERENCES positions (id),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_list_idx ON cases (created_at DESC, id DESC);
CREATE INDEX cases_procedure_idx ON cases (procedure, created_at DESC, id DESC);
CREATE INDEX cases_creator_idx ON cases (creator_id);
CREATE INDEX cases_position_idx ON cases (position_id);
CREATE INDEX cases_client_idx ON cases (client_id);
CREATE INDEX cases_project_idx ON cases (project_id);

-- Workflow tasks: the current assignees hold active tasks; ended tasks make past assignees.
CREATE TABLE case_tasks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id),
    stage        text NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX case_tasks_case_idx ON case_tasks (case_id);
CREATE INDEX case_tasks_user_idx ON case_tasks (user_id, case_id) INCLUDE (active);
CREATE INDEX case_tasks_active_idx ON case_tasks (user_id, case_id) WHERE active;

CREATE TABLE case_participants (
    case_id    uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    contact_id uuid REFERENCES clients (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('PARTICIPANT', 'AUDITOR')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (contact_id IS NULL))
);
CREATE UNIQUE INDEX case_participants_key ON case_participants (case_id, coalesce(user_id, contact_id));
CREATE INDEX case_participants_user_idx ON case_participants (user_id, case_id) WHERE user_id IS NOT NULL;
CREATE INDEX case_participants_contact_idx ON case_participants (contact_id, case_id) WHERE contact_id IS NOT NULL;

-- level: 1 READ, 2 WRITE, 3 MANAGE (each implies the lower ones).
CREATE TABLE case_acl (
    case_id       uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id       uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id      uuid REFERENCES groups (id) ON DELETE CASCADE,
    contact_id    uuid REFERENCES clients (id) ON DELETE CASCADE,
    level         smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    all_documents boolean NOT NULL DEFAULT false,
    CHECK (num_nonnulls(user_id, group_id, contact_id) = 1)
);
CREATE UNIQUE INDEX case_acl_key ON case_acl (case_id, coalesce(user_id, group_id, contact_id));
CREATE INDEX case_acl_user_idx ON case_acl (user_id, case_id) WHERE user_id IS NOT NULL;
CREATE INDEX case_acl_group_idx ON case_acl (group_id, case_id) WHERE group_id IS NOT NULL;
CREATE INDEX case_acl_contact_idx ON case_acl (contact_id, case_id) WHERE contact_id IS NOT NULL;

-- Per-case mode overrides set by workflow rules (setCaseFieldMode); target 'section' or 'section.field'.
CREATE TABLE case_field_modes (
    case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    target  text NOT NULL,
    mode    text NOT NULL CHECK (mode IN ('REQUIRED', 'MODIFY', 'READ_ONLY', 'HIDDEN')),
    PRIMARY KEY (case_id, target)
);
