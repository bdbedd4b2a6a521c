-- Identity: users, groups, positions, sessions; the built-in system user and client-data group.
CREATE TABLE users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email              text NOT NULL,
    name               text NOT NULL,
    phone              text,
    manager_id         uuid REFERENCES users (id),
    status             text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DEACTIVATED', 'BLOCKED')),
    profile_expires_on date,
    password_hash      text,
    permissions        text[] NOT NULL DEFAULT '{}',
    is_system          boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_manager_idx ON users (manager_id);
CREATE INDEX users_name_idx ON users (name, id);

INSERT INTO users (id, email, name, is_system)
VALUES ('00000000-0000-0000-0000-000000000001', 'system@casegate.invalid', 'SYSTEM USER', true);

CREATE TABLE groups (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key        text UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX groups_name_key ON groups (lower(name));
CREATE INDEX groups_name_idx ON groups (name, id);

INSERT INTO groups (id, key, name)
VALUES ('00000000-0000-0000-0000-000000000002', 'client-data', 'KLIENCI – ROZSZERZONY DOSTĘP DO DANYCH');

CREATE TABLE group_members (
    group_id   uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id, group_id);

-- path is the chain of ids from the root, '/<root>/<child>/.../<id>/', so a subtree is a prefix.
CREATE TABLE positions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id  uuid REFERENCES positions (id),
    name       text NOT NULL,
    path       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX positions_parent_idx ON positions (parent_id);
CREATE INDEX positions_path_idx ON positions (path text_pattern_ops);

CREATE TABLE position_rights (
    position_id     uuid NOT NULL REFERENCES positions (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    include_subtree boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (position_id, user_id)
);
CREATE INDEX position_rights_user_idx ON position_rights (user_id, position_id);

-- A session belongs to the native user; substitution, contact and grant arrive with their features.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('INTERNAL', 'EXTERNAL', 'TEMPORARY')),
    user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    substitution_id uuid,
    contact_id      uuid,
    grant_id        uuid,
    client_addr     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE login_failures (
    id          bigserial PRIMARY KEY,
    account     text NOT NULL,
    client_addr text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (account, at);
CREATE INDEX login_failures_addr_idx ON login_failures (client_addr, at);

CREATE TABLE password_resets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
