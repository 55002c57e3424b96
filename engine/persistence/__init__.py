"""SQLAlchemy 2.0 tables, the database connection and the unit of work."""
