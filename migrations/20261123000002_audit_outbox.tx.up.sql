-- The audit log is append-only: the API never changes or deletes a record, and the database refuses to.
CREATE TABLE audit_log (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    kind           text NOT NULL,
    user_id        uuid,
    native_user_id uuid,
    contact_id     uuid,
    grant_id       uuid,
    action         text NOT NULL,
    entity         text NOT NULL,
    entity_id      text,
    changed_fields text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Outgoing messages, written in the transaction of the change that caused them.
CREATE TABLE outbox (
    id                 bigserial PRIMARY KEY,
    channel            text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient          text NOT NULL,
    subject            text NOT NULL DEFAULT '',
    body               text NOT NULL,
    secret             boolean NOT NULL DEFAULT false,
    concerning_user_id uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    attempts           integer NOT NULL DEFAULT 0,
    last_error         text,
    sent_at            timestamptz,
    failed_at          timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
