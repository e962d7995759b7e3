"""Persistence: SQLAlchemy 2 models, engine and the request's unit of work."""
