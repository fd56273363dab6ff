"""Storage: SQLAlchemy 2 tables, repositories, the unit of work, Alembic migrations."""
