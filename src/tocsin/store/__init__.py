"""Storage: the schema, migrations and the database connection, for SQLite and PostgreSQL."""
