-- Temporary access to one case for a person without an account (docs/temporary-access.md).
CREATE TABLE temporary_access_grants (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    email           text NOT NULL,
    phone           text,
    first_name      text,
    last_name       text,
    login_method    text NOT NULL CHECK (login_method IN ('EMAIL_CODE', 'SMS_CODE')),
    stages          text[] NOT NULL,
    allowed_moves   text[] NOT NULL DEFAULT '{}',
    allowed_actions text[] NOT NULL DEFAULT '{}',
    -- The link's token is never stored: only its SHA-256.
    link_hash       bytea NOT NULL UNIQUE,
    valid_from      timestamptz NOT NULL,
    valid_until     timestamptz NOT NULL,
    granted_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_by      uuid REFERENCES users (id),
    -- Set by the expiry job once the window has closed; expiry itself is checked on every request.
    expired_at      timestamptz,
    CHECK (valid_until > valid_from),
    CHECK (login_method <> 'SMS_CODE' OR phone IS NOT NULL)
);
CREATE INDEX temporary_access_grants_case_idx ON temporary_access_grants (case_id, created_at);
CREATE INDEX temporary_access_grants_open_idx ON temporary_access_grants (valid_until)
    WHERE revoked_at IS NULL AND expired_at IS NULL;

-- One-time codes, keyed by the hash of the link they were asked for, whether or not a grant has that
-- link (grant_id NULL): an unknown link is answered, limited and counted exactly like a real one.
-- code_hash is SHA-256(link token || code), so the table alone does not give the code away.
CREATE TABLE access_codes (
    id          bigserial PRIMARY KEY,
    link_hash   bytea NOT NULL,
    grant_id    uuid REFERENCES temporary_access_grants (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    client_addr text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    failures    integer NOT NULL DEFAULT 0,
    used_at     timestamptz,
    -- Made by a guess at a link with no code yet, so that its wrong guesses are counted (and
    -- answered) exactly as a real code's; it does not count as a code asked for.
    from_verify boolean NOT NULL DEFAULT false
);
CREATE INDEX access_codes_link_idx ON access_codes (link_hash, created_at);
CREATE INDEX access_codes_addr_idx ON access_codes (client_addr, created_at);

-- Wrong codes per client address, for the per-address limit.
CREATE TABLE access_code_failures (
    id          bigserial PRIMARY KEY,
    client_addr text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX access_code_failures_addr_idx ON access_code_failures (client_addr, at);

ALTER TABLE sessions ADD CONSTRAINT sessions_grant_fkey
    FOREIGN KEY (grant_id) REFERENCES temporary_access_grants (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD CONSTRAINT sessions_temporary_grant
    CHECK (kind <> 'TEMPORARY' OR (grant_id IS NOT NULL AND user_id IS NULL));
CREATE INDEX sessions_grant_idx ON sessions (grant_id) WHERE grant_id IS NOT NULL;

-- A temporary-access person has no user: the audit record names the grant and the person's e-mail.
ALTER TABLE audit_log ADD COLUMN actor_email text;

-- A secret message may carry its own end (a grant's link lives as long as the grant, a code ten
-- minutes): undelivered by then, it is given up and redacted. Without one, the clean-up job's
-- default applies.
ALTER TABLE outbox ADD COLUMN expires_at timestamptz;
-- A random key per message, stable across retries, for providers that deduplicate (smsapi's idx):
-- unlike the id, it is never used again after a restore from a backup.
ALTER TABLE outbox ADD COLUMN idempotency_key uuid NOT NULL DEFAULT gen_random_uuid();
