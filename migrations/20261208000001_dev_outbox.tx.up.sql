-- The dev outbox (--dev-outbox, and --demo without mail or SMS settings): what the outbox
-- "delivered" while it was on, kept with its body so a developer can read one-time codes and
-- links. One row per outbox message (outbox_id is unique), so a delivery repeated after a crash
-- between storing and marking the message sent stores nothing twice. The table stays empty on a
-- server that never ran with the dev outbox. outbox_id has no foreign key on purpose: the row is
-- written while the deliverer holds the outbox row FOR UPDATE, which a key check would wait for.
CREATE TABLE dev_outbox (
    id         bigserial PRIMARY KEY,
    outbox_id  bigint NOT NULL UNIQUE,
    channel    text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    caught_at  timestamptz NOT NULL
);
