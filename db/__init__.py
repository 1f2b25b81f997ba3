"""Storage: SQLModel tables, the async engine, migrations, the embedded server, demo data."""
