"""Alembic environment for provisioner's staging databases.

provisioner runs Alembic programmatically on an open connection so that the
schema change and the data load share one transaction: a failure rolls back
both. Revisions are rendered from schema snapshots by provisioner.migrate.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
