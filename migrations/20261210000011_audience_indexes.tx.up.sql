-- The audience of a case (who can read it) looks rules up from the case's side: the holders of a
-- client's data grants, and the administrators, who read every case.
CREATE INDEX client_grants_client_idx ON client_grants (client_id, user_id);
CREATE INDEX users_admin_idx ON users (id) WHERE 'ADMIN' = ANY (permissions);
