DROP TABLE IF EXISTS settings, password_resets, login_failures, sessions, position_rights, positions,
    group_members, groups, users;
