"""Who may see and do what: users, organisations and their lanes, roles, sign-in, and the guarded use cases."""
