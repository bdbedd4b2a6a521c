DROP TABLE IF EXISTS case_field_modes, case_acl, case_participants, case_tasks, cases, procedure_grants,
    procedure_settings, projects, client_grants, clients;
