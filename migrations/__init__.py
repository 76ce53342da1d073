"""Alembic migrations for the AssureBot schema."""
