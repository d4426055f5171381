"""`flush` (empty every table, as Django's) under the audit purge permit: the audit tables' triggers
(audit/triggers.py) refuse any other removal of audit rows. Emptying the database empties its audit
chains too; the checkpoints outside the database still name the chains' last rows, so verify_audit
reports the loss until a restore (or a fresh checkpoint file) says otherwise. Test runs flush
between transactional tests."""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from jingfang.audit import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with transaction.atomic(using=connection.alias), triggers.purge_permit(connection):
            return super().handle(**options)
