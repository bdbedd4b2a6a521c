-- Invitations to a guest account: the activation link's token, stored only as its SHA-256. A link
-- works once, until expires_at; a newer invitation (re-enabling, resending) uses up the older ones.
CREATE TABLE guest_invitations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX guest_invitations_user_idx ON guest_invitations (user_id);
