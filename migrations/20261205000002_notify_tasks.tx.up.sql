-- A user's own choice to receive task notifications (a case or document task that reaches them).
-- It belongs to the person: while substituting, a user changes their own, not the substituted's.
ALTER TABLE users ADD COLUMN notify_tasks boolean NOT NULL DEFAULT true;
