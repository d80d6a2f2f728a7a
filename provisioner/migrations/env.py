"""Alembic environment for provisioner's staging databases.

provisioner runs Alembic programmatically on an open connection so that the
schema change and the data load share one transaction: a failure rolls back
both. Revisions are rendered from schema snapshots by provisioner.load.migrate and
recorded in provisioner's own version table.
"""

from __future__ import annotations

from alembic import context

attributes = context.config.attributes
connection = attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    transaction_per_migration=False,
    version_table=attributes.get("version_table", "provisioner_version"),  # never an application's alembic_version
    version_table_schema=attributes.get("version_table_schema", "public"),
)
with context.begin_transaction():
    context.run_migrations()
