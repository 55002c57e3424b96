"""Who may see and do what: users, organisations and their lanes, roles, sign-in, ownership, the rules and the access log."""
