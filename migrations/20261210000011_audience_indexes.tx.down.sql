DROP INDEX users_admin_idx;
DROP INDEX client_grants_client_idx;
