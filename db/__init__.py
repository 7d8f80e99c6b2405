"""The store: SQLAlchemy models, sessions, migrations and the queries the other stages share."""
