-- Guest accounts (Planfix's guest access): a contact's EXTERNAL account is a users row naming the
-- contact; its login is the contact's e-mail. An employee's row names none.
ALTER TABLE users ADD COLUMN contact_id uuid UNIQUE REFERENCES clients (id);
